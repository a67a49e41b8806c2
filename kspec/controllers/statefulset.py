"""StatefulSet (upstream ``pkg/controller/statefulset``: ``stateful_set.go`` ``sync``,
``stateful_set_control.go`` ``updateStatefulSet``, ``stateful_set_utils.go``,
``stateful_pod_control.go``).

Per set: claim pods (adopt matching orphans whose name says they belong to the set, release
owned pods that no longer match), find or create the update revision (a
``ControllerRevision`` named ``<set>-<template hash>``), then one ``updateStatefulSet``
pass: replicas are the pods with ordinals ``[start, start+replicas)``, stable names
``<set>-<ordinal>``, one PVC per ordinal and claim template created before its pod;
OrderedReady creates and deletes one pod at a time and never proceeds past an unhealthy
pod, Parallel does everything at once; then status, then revision history. Decisions are
pure; the runner applies the first write and the next turn re-reads the state, which is
what upstream's expectations and one-write-per-sync-then-requeue amount to.
"""

from __future__ import annotations

import itertools
import re

import attrs

from kspec.api import core
from kspec.api.decode import k8s, node_field
from kspec.api.meta import EMPTY_META, ObjectMeta
from kspec.api.status import StatefulSetStatus
from kspec.api.workloads import StatefulSet
from kspec.controllers.common import (
    controlled_pods,
    is_controlled_by,
    is_pod_available,
    is_pod_ready,
    is_terminating,
    owner_ref,
    pod_from_template,
    template_hash,
)
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, Update, UpdateStatus
from kspec.reading.nodes import Mapping

NAME = "statefulset"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"

RETAIN, DELETE = "Retain", "Delete"
# The most missing ordinals one Parallel pass handles (the ReplicaSet's burstReplicas; see
# ``update_statefulset``).
BURST_REPLICAS = 500
_NAME_AND_ORDINAL = re.compile(r"^(.*)-([0-9]+)$")


@attrs.frozen(kw_only=True)
class ControllerRevision:
    """``apps/v1`` ControllerRevision: an immutable snapshot of a set's pod template.

    Upstream stores a strategic-merge patch of ``spec.template`` in ``data``; the model
    stores the template itself (what applying the patch yields)."""

    api_version: str = k8s("apiVersion", "apps/v1")
    kind: str = k8s("kind", "ControllerRevision")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    data: core.PodTemplateSpec = k8s("data", core.PodTemplateSpec())
    revision: int = k8s("revision", 0)
    node: Mapping | None = node_field()


# ---- stateful_set_utils.go: identity and storage ------------------------------------------------

def get_parent_name_and_ordinal(pod) -> tuple[str, int]:
    """``<parent>-<ordinal>`` from a pod's name; ordinal -1 when it has none."""
    match = _NAME_AND_ORDINAL.match(pod.metadata.name)
    if match is None:
        return "", -1
    return match.group(1), int(match.group(2))


def get_ordinal(pod) -> int:
    return get_parent_name_and_ordinal(pod)[1]


def get_pod_name(sts: StatefulSet, ordinal: int) -> str:
    return f"{sts.metadata.name}-{ordinal}"


def get_start_ordinal(sts: StatefulSet) -> int:
    return sts.spec.ordinals.start


def get_end_ordinal(sts: StatefulSet) -> int:
    return sts.spec.ordinals.start + sts.spec.replicas - 1


def pod_in_ordinal_range(pod, sts: StatefulSet) -> bool:
    return get_start_ordinal(sts) <= get_ordinal(pod) <= get_end_ordinal(sts)


def is_member_of(sts: StatefulSet, pod) -> bool:
    return get_parent_name_and_ordinal(pod)[0] == sts.metadata.name


def get_persistent_volume_claim_name(sts: StatefulSet, claim: core.PersistentVolumeClaim, ordinal: int) -> str:
    return f"{claim.metadata.name}-{sts.metadata.name}-{ordinal}"


def get_persistent_volume_claims(sts: StatefulSet, ordinal: int) -> list[tuple[str, core.PersistentVolumeClaim]]:
    """(template name, claim) per volume claim template, in template order: the claim named
    ``<template>-<set>-<ordinal>`` in the set's namespace, labelled with the selector's
    matchLabels (upstream ``getPersistentVolumeClaims``)."""
    claims = []
    selector_labels = dict(sts.spec.selector.match_labels) if sts.spec.selector is not None else {}
    for template in sts.spec.volume_claim_templates:
        labels = template.metadata.labels
        for key, value in selector_labels.items():
            labels = labels.set(key, value)
        meta = ObjectMeta(name=get_persistent_volume_claim_name(sts, template, ordinal),
                          namespace=sts.metadata.namespace, labels=labels,
                          annotations=template.metadata.annotations)
        claims.append((template.metadata.name, core.PersistentVolumeClaim(metadata=meta, spec=template.spec)))
    return claims


def update_storage(sts: StatefulSet, pod: core.Pod) -> core.Pod:
    """Volumes named like a claim template are replaced by a volume of that template's claim
    for the pod's ordinal; the others are kept (upstream ``updateStorage``; claim volumes come
    first, in template order where upstream iterates a map)."""
    claims = get_persistent_volume_claims(sts, get_ordinal(pod))
    names = {name for name, _ in claims}
    volumes = tuple(core.Volume(name=name, persistent_volume_claim=core.PVCVolumeSource(claim_name=claim.metadata.name))
                    for name, claim in claims)
    volumes += tuple(v for v in pod.spec.volumes if v.name not in names)
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, volumes=volumes))


def storage_matches(sts: StatefulSet, pod: core.Pod) -> bool:
    ordinal = get_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {v.name: v for v in pod.spec.volumes}
    for template in sts.spec.volume_claim_templates:
        volume = volumes.get(template.metadata.name)
        if (volume is None or volume.persistent_volume_claim is None
                or volume.persistent_volume_claim.claim_name != get_persistent_volume_claim_name(sts, template, ordinal)):
            return False
    return True


def update_identity(sts: StatefulSet, pod: core.Pod) -> core.Pod:
    """Name, namespace and the pod-name / pod-index labels (upstream ``updateIdentity``)."""
    ordinal = get_ordinal(pod)
    name = get_pod_name(sts, ordinal)
    labels = pod.metadata.labels.set(POD_NAME_LABEL, name).set(POD_INDEX_LABEL, str(ordinal))
    return attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name=name, namespace=sts.metadata.namespace,
                                                   labels=labels))


def init_identity(sts: StatefulSet, pod: core.Pod) -> core.Pod:
    """``updateIdentity`` plus the immutable hostname and subdomain, set only at creation."""
    pod = update_identity(sts, pod)
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, hostname=pod.metadata.name,
                                               subdomain=sts.spec.service_name))


def identity_matches(sts: StatefulSet, pod: core.Pod) -> bool:
    parent, ordinal = get_parent_name_and_ordinal(pod)
    return (ordinal >= 0 and parent == sts.metadata.name and pod.metadata.name == get_pod_name(sts, ordinal)
            and pod.metadata.namespace == sts.metadata.namespace
            and pod.metadata.labels.get(POD_NAME_LABEL) == pod.metadata.name)


def new_statefulset_pod(sts: StatefulSet, template: core.PodTemplateSpec, ordinal: int) -> core.Pod:
    """Upstream ``newStatefulSetPod``: from ``template`` (a revision's), owned by the set."""
    pod = pod_from_template(template, sts, name=get_pod_name(sts, ordinal))
    return update_storage(sts, init_identity(sts, pod))


def new_versioned_pod(sts: StatefulSet, current: ControllerRevision, update: ControllerRevision,
                      ordinal: int) -> core.Pod:
    """Upstream ``newVersionedStatefulSetPod``: ordinals below ``start + partition`` are
    created at the current revision (RollingUpdate only), the others at the update revision."""
    strategy = sts.spec.update_strategy
    if strategy.type == "RollingUpdate" and ordinal < get_start_ordinal(sts) + strategy.rolling_update.partition:
        revision = current
    else:
        revision = update
    pod = new_statefulset_pod(sts, revision.data, ordinal)
    return set_pod_revision(pod, revision.metadata.name)


def set_pod_revision(pod: core.Pod, revision: str) -> core.Pod:
    return attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, labels=pod.metadata.labels.set(REVISION_LABEL,
                                                                                               revision)))


def get_pod_revision(pod: core.Pod) -> str:
    return pod.metadata.labels.get(REVISION_LABEL, "")


# ---- pod health (stateful_set_utils.go) ---------------------------------------------------------

def is_created(pod: core.Pod) -> bool:
    """A pod the store has written (upstream tests ``Status.Phase != ""``; a pod built from the
    template here has phase Pending by default, but no uid until created)."""
    return bool(pod.metadata.uid)


def is_failed(pod: core.Pod) -> bool:
    return pod.status.phase == "Failed"


def is_succeeded(pod: core.Pod) -> bool:
    return pod.status.phase == "Succeeded"


def is_pending(pod: core.Pod) -> bool:
    return pod.status.phase == "Pending"


def is_running_and_ready(pod: core.Pod) -> bool:
    return pod.status.phase == "Running" and is_pod_ready(pod)


def is_running_and_available(pod: core.Pod, min_ready_seconds: int, now: int) -> bool:
    return pod.status.phase == "Running" and is_pod_available(pod, min_ready_seconds, now)


def is_healthy(pod: core.Pod) -> bool:
    return is_running_and_ready(pod) and not is_terminating(pod)


def is_unavailable(pod: core.Pod, min_ready_seconds: int, now: int) -> bool:
    return not is_healthy(pod) or not is_running_and_available(pod, min_ready_seconds, now)


# ---- PVC retention policy (stateful_set_utils.go, stateful_pod_control.go) ---------------------

def matches_ref(ref, owner) -> bool:
    return (ref.name, ref.uid, ref.kind, ref.api_version) == (owner.metadata.name, owner.metadata.uid, owner.kind,
                                                               owner.api_version)


def has_owner_ref(target, owner) -> bool:
    return any(ref.uid == owner.metadata.uid for ref in target.metadata.owner_references)


def has_stale_owner_ref(target, owner) -> bool:
    """A reference to an earlier object of the same kind and name (another uid)."""
    return any(ref.name == owner.metadata.name and ref.kind == owner.kind and ref.uid != owner.metadata.uid
               for ref in target.metadata.owner_references)


def has_unexpected_controller(claim, sts, pod) -> bool:
    return any(ref.controller and not matches_ref(ref, sts) and not matches_ref(ref, pod)
               for ref in claim.metadata.owner_references)


def has_non_controller_owner(claim, sts, pod) -> bool:
    return any((matches_ref(ref, sts) or matches_ref(ref, pod)) and not ref.controller
               for ref in claim.metadata.owner_references)


def is_claim_owner_up_to_date(claim, sts: StatefulSet, pod: core.Pod) -> bool:
    """Retain/Retain: no reference; whenDeleted Delete: a reference to the set; whenScaled
    Delete: a reference to the pod once it is scaled down (and then none to the set).
    Stale references or another controller: leave the claim alone."""
    if has_stale_owner_ref(claim, sts) or has_stale_owner_ref(claim, pod):
        return True
    if has_unexpected_controller(claim, sts, pod):
        return not (has_owner_ref(claim, sts) or has_owner_ref(claim, pod))
    if has_non_controller_owner(claim, sts, pod):
        return False
    policy = sts.spec.pvc_retention_policy
    set_ref, pod_ref = has_owner_ref(claim, sts), has_owner_ref(claim, pod)
    scaled_down = not pod_in_ordinal_range(pod, sts)
    rule = (policy.when_scaled, policy.when_deleted)
    if rule == (RETAIN, DELETE):
        return set_ref and not pod_ref
    if rule == (DELETE, RETAIN):
        return not set_ref and scaled_down == pod_ref
    if rule == (DELETE, DELETE):
        return scaled_down != set_ref and scaled_down == pod_ref
    return not set_ref and not pod_ref  # Retain/Retain, and unknown values treated as Retain


def _add_controller_ref(refs: tuple, owner) -> tuple:
    if any(ref.uid == owner.metadata.uid for ref in refs):
        return refs
    return refs + (owner_ref(owner),)


def update_claim_owner_ref_for_set_and_pod(claim, sts: StatefulSet, pod: core.Pod):
    """The claim with its references to the set and the pod set per the retention policy."""
    unexpected = has_unexpected_controller(claim, sts, pod)
    refs = tuple(r for r in claim.metadata.owner_references if not (matches_ref(r, sts) or matches_ref(r, pod)))
    if not unexpected:
        rule = (sts.spec.pvc_retention_policy.when_scaled, sts.spec.pvc_retention_policy.when_deleted)
        scaled_down = not pod_in_ordinal_range(pod, sts)
        if rule == (RETAIN, DELETE) or (rule == (DELETE, DELETE) and not scaled_down):
            refs = _add_controller_ref(refs, sts)
        elif rule in ((DELETE, RETAIN), (DELETE, DELETE)) and scaled_down:
            refs = _add_controller_ref(refs, pod)
    return attrs.evolve(claim, metadata=attrs.evolve(claim.metadata, owner_references=refs))


def update_pod_claim_for_retention_policy(view: ClusterState, sts: StatefulSet, pod: core.Pod) -> list[Action]:
    """``Update``s of the pod's existing claims whose owner references do not match the policy
    (upstream ``ClaimsMatchRetentionPolicy`` + ``UpdatePodClaimForRetentionPolicy``)."""
    actions: list[Action] = []
    for _, wanted in get_persistent_volume_claims(sts, get_ordinal(pod)):
        claim = view.get("PersistentVolumeClaim", wanted.metadata.namespace, wanted.metadata.name)
        if claim is not None and not is_claim_owner_up_to_date(claim, sts, pod):
            actions.append(Update(update_claim_owner_ref_for_set_and_pod(claim, sts, pod)))
    return actions


def pod_claim_is_stale(view: ClusterState, sts: StatefulSet, pod: core.Pod) -> bool:
    """Under whenScaled Delete, a claim still owned by an earlier pod of the same name blocks
    the pod's creation until the garbage collector removes it (upstream ``PodClaimIsStale``)."""
    if sts.spec.pvc_retention_policy.when_scaled == RETAIN:
        return False
    for _, wanted in get_persistent_volume_claims(sts, get_ordinal(pod)):
        claim = view.get("PersistentVolumeClaim", wanted.metadata.namespace, wanted.metadata.name)
        if claim is not None and has_stale_owner_ref(claim, pod):
            return True
    return False


def create_persistent_volume_claims(view: ClusterState, sts: StatefulSet, pod: core.Pod) -> tuple[list[Action], bool]:
    """(creates of the missing claims, whether every claim exists or will and none is being deleted)."""
    actions: list[Action] = []
    ok = True
    for _, wanted in get_persistent_volume_claims(sts, get_ordinal(pod)):
        claim = view.get("PersistentVolumeClaim", wanted.metadata.namespace, wanted.metadata.name)
        if claim is None:
            actions.append(Create(wanted))
        elif is_terminating(claim):
            ok = False  # "pvc ... is being deleted": the pod is not created this round
    return actions, ok


# ---- revisions (stateful_set_control.go getStatefulSetRevisions, truncateHistory) ---------------

def list_revisions(view: ClusterState, sts: StatefulSet) -> list[ControllerRevision]:
    """The set's revisions, oldest first (upstream ``SortControllerRevisions``)."""
    revisions = [r for r in view.list("ControllerRevision", sts.metadata.namespace) if is_controlled_by(r, sts)]
    return sorted(revisions, key=lambda r: (r.revision, r.metadata.name))


def revision_name(sts: StatefulSet) -> str:
    return f"{sts.metadata.name}-{template_hash(sts.spec.template)}"


def get_statefulset_revisions(sts: StatefulSet, revisions: list[ControllerRevision]
                              ) -> tuple[ControllerRevision, ControllerRevision, list[Action]]:
    """(current, update, writes): the update revision is the one holding the set's template,
    created (or, on a rollback to an older one, renumbered to be the newest) when needed; the
    current revision is the one ``status.currentRevision`` names, else the update revision."""
    actions: list[Action] = []
    next_number = (revisions[-1].revision if revisions else 0) + 1
    equal = [r for r in revisions if r.data == sts.spec.template]
    if equal and revisions[-1] is equal[-1]:
        update = equal[-1]
    elif equal:
        update = attrs.evolve(equal[-1], revision=next_number)
        actions.append(Update(update))
    else:
        template = sts.spec.template
        meta = ObjectMeta(name=revision_name(sts), namespace=sts.metadata.namespace,
                          labels=template.metadata.labels, owner_references=(owner_ref(sts),))
        update = ControllerRevision(metadata=meta, data=template, revision=next_number)
        actions.append(Create(update))
    current = next((r for r in revisions if r.metadata.name == sts.status.current_revision), update)
    return current, update, actions


def truncate_history(sts: StatefulSet, pods: list[core.Pod], revisions: list[ControllerRevision],
                     current: ControllerRevision, update: ControllerRevision) -> list[Action]:
    """Delete the oldest revisions no pod uses beyond ``revisionHistoryLimit``."""
    live = {current.metadata.name, update.metadata.name} | {get_pod_revision(p) for p in pods}
    history = [r for r in revisions if r.metadata.name not in live]
    surplus = len(history) - sts.spec.revision_history_limit
    return [Delete("ControllerRevision", r.metadata.namespace, r.metadata.name) for r in history[:max(surplus, 0)]]


# ---- pods of the set (stateful_set.go getPodsForStatefulSet) -------------------------------------

def get_pods_for_statefulset(view: ClusterState, sts: StatefulSet) -> tuple[list[Action], list[core.Pod]]:
    """(adoptions and releases, the set's pods as they are once those are applied): orphans
    matching the selector and named ``<set>-<n>`` are adopted, owned pods that no longer match
    are released (upstream ``ClaimPods`` with the ``isMemberOf`` filter)."""
    selector = sts.spec.selector
    actions: list[Action] = []
    pods: list[core.Pod] = []
    for pod in view.list("Pod", sts.metadata.namespace):
        ref = pod.metadata.controller_ref()
        matches = selector.matches(pod.metadata.labels) and is_member_of(sts, pod)
        if ref is None and matches and not is_terminating(pod) and not is_terminating(sts):
            refs = pod.metadata.owner_references + (owner_ref(sts),)
            adopted = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=refs))
            actions.append(Update(adopted))
            pods.append(adopted)
        elif ref is not None and ref.uid == sts.metadata.uid:
            if matches or is_terminating(sts):
                pods.append(pod)
            else:
                refs = tuple(r for r in pod.metadata.owner_references if r.uid != sts.metadata.uid)
                actions.append(Update(attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=refs))))
    return actions, pods


# ---- updateStatefulSet ----------------------------------------------------------------------------

def _process_replica(view: ClusterState, sts: StatefulSet, monotonic: bool, pod: core.Pod
                     ) -> tuple[bool, list[Action]]:
    """(stop here in monotonic mode, writes) for one replica (upstream ``processReplica``)."""
    if is_failed(pod) or is_succeeded(pod):
        # delete and recreate pods that finished running (the new one on a later sync)
        deleting = [] if is_terminating(pod) else [Delete("Pod", pod.metadata.namespace, pod.metadata.name)]
        return True, deleting
    if not is_created(pod):
        if pod_claim_is_stale(view, sts, pod):
            return True, []
        actions, ok = create_persistent_volume_claims(view, sts, pod)
        if not ok:
            return True, actions
        return monotonic, actions + [Create(pod)]
    actions: list[Action] = []
    if is_pending(pod):
        actions, _ = create_persistent_volume_claims(view, sts, pod)
        actions += update_pod_claim_for_retention_policy(view, sts, pod)
    if monotonic and (is_terminating(pod) or not is_running_and_ready(pod)
                      or not is_running_and_available(pod, sts.spec.min_ready_seconds, view.clock)):
        return True, actions
    if not identity_matches(sts, pod):
        # DEVIATION(upstream): a pod whose storage does not match is not rewritten: upstream
        # tries to update its volumes and the API server rejects it (pod volumes are immutable).
        actions.append(Update(update_identity(sts, pod)))
    if not is_pending(pod):
        actions += update_pod_claim_for_retention_policy(view, sts, pod)
    return False, actions


def _process_condemned(view: ClusterState, sts: StatefulSet, first_unhealthy: str | None, monotonic: bool,
                       pod: core.Pod) -> tuple[bool, list[Action]]:
    """Upstream ``processCondemned``: one deletion per sync in monotonic mode, only when the
    target is healthy or is the first unhealthy pod, never while one is terminating."""
    if is_terminating(pod):
        return monotonic, []
    healthy = is_running_and_available(pod, sts.spec.min_ready_seconds, view.clock) and is_running_and_ready(pod)
    if monotonic and not healthy and pod.metadata.name != first_unhealthy:
        return True, []
    return True, [Delete("Pod", pod.metadata.namespace, pod.metadata.name)]


def max_unavailable(sts: StatefulSet) -> int:
    """``maxUnavailable`` scaled against replicas, rounded down, at least 1."""
    value = sts.spec.update_strategy.rolling_update.max_unavailable.scaled(sts.spec.replicas, round_up=False)
    return max(value, 1)


class ReplicaSlots:
    """The set's replicas, ordinals ``[start, start+replicas)``, as upstream's ``replicas``
    slice in ``updateStatefulSet`` (the existing pod of an ordinal, else the pod
    ``newVersionedStatefulSetPod`` would create), without building that slice: upstream makes
    ``replicaCount`` entries up front, the model builds the pod of a missing ordinal only when
    a pass reaches it, so ``replicas: 1000000000`` costs what the pass looks at, not a billion
    pods."""

    def __init__(self, sts: StatefulSet, current: ControllerRevision, update: ControllerRevision,
                 present: dict[int, core.Pod]):
        self.sts, self.current, self.update = sts, current, update
        self.start = get_start_ordinal(sts)
        self.count = max(sts.spec.replicas, 0)
        self.present = present  # index (ordinal - start) -> existing pod

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> core.Pod:
        pod = self.present.get(index)
        return pod if pod is not None else new_versioned_pod(self.sts, self.current, self.update, self.start + index)

    def __iter__(self):
        for index in range(self.count):
            yield self[index]


def update_statefulset(view: ClusterState, sts: StatefulSet, current: ControllerRevision,
                       update: ControllerRevision, pods: list[core.Pod]) -> list[Action]:
    """The pod and claim writes of one upstream ``updateStatefulSet`` pass, in its order.

    OrderedReady stops at the first missing ordinal (it creates that one), so a pass looks at
    the existing pods and one more. Parallel creates every missing pod in one pass upstream
    (``runForAll`` with ``slowStartBatch`` and no cap); DEVIATION(upstream): the model ends a
    Parallel pass after ``BURST_REPLICAS`` missing ordinals (the ReplicaSet's cap), and the
    next pass goes on, so a pass never builds more pods than that."""
    start = get_start_ordinal(sts)
    present: dict[int, core.Pod] = {}
    condemned: list[core.Pod] = []
    for pod in pods:
        if pod_in_ordinal_range(pod, sts):
            present[get_ordinal(pod) - start] = pod
        elif get_ordinal(pod) >= 0:
            condemned.append(pod)
    replicas = ReplicaSlots(sts, current, update, present)
    condemned.sort(key=get_ordinal, reverse=True)
    # the first unhealthy replica, else the lowest unhealthy condemned pod; a missing ordinal
    # is unhealthy, so this looks at no more than the existing pods and one more
    unhealthy = (p for p in itertools.chain(replicas, reversed(condemned)) if not is_healthy(p))
    first = next(unhealthy, None)
    first_unhealthy = first.metadata.name if first is not None else None
    if is_terminating(sts):
        return []
    monotonic = sts.spec.pod_management_policy != "Parallel"
    actions: list[Action] = []
    missing = 0
    for pod in replicas:
        if not is_created(pod):
            missing += 1
            if missing > BURST_REPLICAS:
                return actions  # the rest of this Parallel pass waits for the next one
        stop, writes = _process_replica(view, sts, monotonic, pod)
        actions += writes
        if stop and monotonic:
            return actions
    # Every ordinal was looked at, so there are at most BURST_REPLICAS more than existing pods.
    replicas = list(replicas)
    for pod in condemned:  # claims of condemned pods take the scaled-down ownership first
        actions += update_pod_claim_for_retention_policy(view, sts, pod)
    for pod in condemned:
        stop, writes = _process_condemned(view, sts, first_unhealthy, monotonic, pod)
        actions += writes
        if stop and monotonic:
            return actions
    strategy = sts.spec.update_strategy
    if strategy.type == "OnDelete":
        return actions  # pods are updated when they are deleted by someone else
    partition = strategy.rolling_update.partition
    limit = max_unavailable(sts)
    if limit > 1:
        # upstream updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet)
        unavailable = sum(1 for p in replicas if is_unavailable(p, sts.spec.min_ready_seconds, view.clock))
        budget = limit - unavailable
        for pod in reversed(replicas[partition:]):
            if budget <= 0:
                break
            if get_pod_revision(pod) != update.metadata.name and not is_terminating(pod):
                actions.append(Delete("Pod", pod.metadata.namespace, pod.metadata.name))
                budget -= 1
        return actions
    # the highest ordinal not at the update revision goes first; wait for each to be healthy
    for pod in reversed(replicas[partition:]):
        if get_pod_revision(pod) != update.metadata.name and not is_terminating(pod):
            actions.append(Delete("Pod", pod.metadata.namespace, pod.metadata.name))
            return actions
        if not is_healthy(pod):
            return actions
    return actions


def update_status(view: ClusterState, sts: StatefulSet, current: ControllerRevision, update: ControllerRevision,
                  pods: list[core.Pod]) -> StatefulSetStatus:
    """Upstream ``updateStatus`` over the pods with an ordinal, then ``completeRollingUpdate``."""
    pods = [p for p in pods if get_ordinal(p) >= 0]
    min_ready = sts.spec.min_ready_seconds
    live = [p for p in pods if not is_terminating(p)]
    status = attrs.evolve(
        sts.status,
        observed_generation=sts.metadata.generation,
        replicas=len(pods),
        ready_replicas=sum(1 for p in pods if is_running_and_ready(p)),
        available_replicas=sum(1 for p in pods if is_running_and_ready(p)
                               and is_running_and_available(p, min_ready, view.clock)),
        current_replicas=sum(1 for p in live if get_pod_revision(p) == current.metadata.name),
        updated_replicas=sum(1 for p in live if get_pod_revision(p) == update.metadata.name),
        current_revision=current.metadata.name,
        update_revision=update.metadata.name)
    if (sts.spec.update_strategy.type == "RollingUpdate" and status.updated_replicas == status.replicas
            and status.ready_replicas == status.replicas):
        status = attrs.evolve(status, current_replicas=status.updated_replicas, current_revision=update.metadata.name)
    return status


def sync(view: ClusterState, sts: StatefulSet) -> list[Action]:
    """The writes one sync of ``sts`` would make, most urgent first."""
    selector = sts.spec.selector
    if selector is None or selector.validate():
        return []
    actions, pods = get_pods_for_statefulset(view, sts)
    revisions = list_revisions(view, sts)
    current, update, revision_writes = get_statefulset_revisions(sts, revisions)
    actions += revision_writes
    actions += update_statefulset(view, sts, current, update, pods)
    status = update_status(view, sts, current, update, pods)
    if status != sts.status:
        actions.append(UpdateStatus(attrs.evolve(sts, status=status)))
    if not revision_writes:
        actions += truncate_history(sts, pods, revisions, current, update)
    return actions


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for sts in view.list("StatefulSet"):
        actions += sync(view, sts)
    return tuple(actions)


def wakeup(view: ClusterState) -> int | None:
    """When a ready pod of a set with ``minReadySeconds`` becomes available."""
    times = []
    for sts in view.list("StatefulSet"):
        min_ready = sts.spec.min_ready_seconds
        if min_ready <= 0:
            continue
        for pod in controlled_pods(view, sts):
            if is_pod_ready(pod) and pod.status.ready_since is not None:
                times.append(pod.status.ready_since + min_ready)
    future = [t for t in times if t > view.clock]
    return min(future) if future else None
