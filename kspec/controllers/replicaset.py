"""ReplicaSet and ReplicationController (upstream ``pkg/controller/replicaset/replica_set.go``;
the RC controller is the same code behind an adapter).

Per object: claim pods (adopt matching orphans, release owned pods that no longer match),
create or delete pods toward ``spec.replicas``, then write status. Decisions are pure;
the runner applies one write per step, so the sync is re-read after every write, which
is what upstream's expectations emulate.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from kspec.api import core
from kspec.api.selectors import LabelSelector
from kspec.api.status import ReplicaSetStatus
from kspec.controllers.common import (burst, is_pod_active, is_pod_available, is_pod_ready, is_terminating,
                                      owner_ref, pod_from_template)
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, Update, UpdateStatus

NAME = "replicaset"
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
# Upstream replica_set.go: "A ReplicaSet is temporarily suspended after creating/deleting
# these many replicas"; manageReplicas caps both diffs at burstReplicas.
BURST_REPLICAS = 500

_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def selector_of(owner) -> LabelSelector | None:
    """An RC's map selector (defaulting to the template labels) as a LabelSelector."""
    if isinstance(owner, core.ReplicationController):
        labels = owner.spec.selector or (owner.spec.template.metadata.labels if owner.spec.template else {})
        return LabelSelector.from_python({"matchLabels": dict(labels)}) if labels else None
    return owner.spec.selector


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    index = PodIndex(view)
    actions: list[Action] = []
    for kind in ("ReplicaSet", "ReplicationController"):
        for owner in view.list(kind):
            actions += sync(view, owner, index)
    return tuple(actions)


def wakeup(view: ClusterState) -> int | None:
    """When a ready pod of a set becomes available (``minReadySeconds`` after it turned
    ready), so the status catches up: upstream re-queues the set for that moment."""
    times = []
    for kind in ("ReplicaSet", "ReplicationController"):
        for owner in view.list(kind):
            wait = owner.spec.min_ready_seconds
            if wait:
                times += [p.status.ready_since + wait for p in view.list("Pod", owner.metadata.namespace)
                          if p.status.ready_since is not None and p.status.ready_since + wait > view.clock
                          and is_pod_ready(p)]
    return min(times) if times else None


class PodIndex:
    """Pods by controller uid, and the orphans of each namespace: one pass per reconcile
    instead of one per owner (upstream's informer indexes do the same job)."""

    def __init__(self, view: ClusterState):
        self.owned: dict[str, list[core.Pod]] = {}
        self.orphans: dict[str, list[core.Pod]] = {}
        for pod in view.list("Pod"):
            ref = pod.metadata.controller_ref()
            if ref is None:
                self.orphans.setdefault(pod.metadata.namespace, []).append(pod)
            else:
                self.owned.setdefault(ref.uid, []).append(pod)

    def pods_of(self, owner) -> list[core.Pod]:
        return self.owned.get(owner.metadata.uid, [])


def sync(view: ClusterState, owner, index: PodIndex | None = None) -> list[Action]:
    """The writes one sync of ``owner`` would make, in upstream order."""
    if is_terminating(owner):
        return []
    selector = selector_of(owner)
    if selector is None or selector.validate():
        return []
    index = index or PodIndex(view)
    claims = list(claim_pods(index, owner, selector))
    if claims:
        return claims
    owned = index.pods_of(owner)
    actions = manage_replicas(view, owner, [p for p in owned if is_pod_active(p)])
    status = calculate_status(view, owner, owned)
    if status != owner.status:
        actions.append(UpdateStatus(attrs.evolve(owner, status=status)))
    return actions


def claim_pods(index: PodIndex, owner, selector: LabelSelector) -> Iterable[Action]:
    """Upstream ``ClaimPods``: adopt matching orphans, release non-matching owned pods."""
    for pod in index.orphans.get(owner.metadata.namespace, []):
        if selector.matches(pod.metadata.labels) and not is_terminating(pod):
            refs = pod.metadata.owner_references + (owner_ref(owner),)
            yield Update(attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=refs)))
    for pod in index.pods_of(owner):
        if not selector.matches(pod.metadata.labels):
            refs = tuple(r for r in pod.metadata.owner_references if r.uid != owner.metadata.uid)
            yield Update(attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=refs)))


def manage_replicas(view: ClusterState, owner, pods: list[core.Pod]) -> list[Action]:
    """Upstream ``manageReplicas``: create the missing pods, or delete the surplus ones ranked
    by ``pods_to_delete``, at most ``BURST_REPLICAS`` of either per sync (``diff`` is capped at
    ``burstReplicas`` before ``slowStartBatch``; see ``common.burst``), so a set asking for
    ``replicas: 1000000000`` costs 500 writes per sync, never a billion."""
    diff = len(pods) - owner.spec.replicas
    if diff < 0:
        template = owner.spec.template
        create = Create(pod_from_template(template, owner, generate_name=f"{owner.metadata.name}-"))
        return [create] * burst(-diff, BURST_REPLICAS)
    if diff > 0:
        return [Delete("Pod", p.metadata.namespace, p.metadata.name)
                for p in pods_to_delete(view, pods, burst(diff, BURST_REPLICAS))]
    return []


def pods_to_delete(view: ClusterState, pods: list[core.Pod], count: int) -> list[core.Pod]:
    """The ``count`` pods to delete first (upstream ``getPodsToDelete`` with
    ``ActivePodsWithRanks``): unassigned before assigned; Pending, then Unknown, then
    Running; not ready before ready; lower ``pod-deletion-cost`` first; more pods of the
    same owner on the node first; ready for less time first; more restarts first; newer first."""
    colocated: dict[str, int] = {}
    for pod in pods:
        if pod.spec.node_name:
            colocated[pod.spec.node_name] = colocated.get(pod.spec.node_name, 0) + 1

    def rank(pod: core.Pod) -> tuple:
        ready = is_pod_ready(pod)
        try:
            cost = int(pod.metadata.annotations.get(DELETION_COST, "0"))
        except ValueError:
            cost = 0
        restarts = sum(c.restart_count for c in pod.status.container_statuses)
        return (bool(pod.spec.node_name), _PHASE_RANK.get(pod.status.phase, 1), ready, cost,
                -colocated.get(pod.spec.node_name, 0) if pod.spec.node_name else 0,
                -(pod.status.ready_since or 0) if ready else 0, -restarts,
                -(pod.metadata.creation_timestamp or 0), pod.metadata.name)

    return sorted(pods, key=rank)[:count]


def calculate_status(view: ClusterState, owner, pods: list[core.Pod]) -> ReplicaSetStatus:
    """Upstream ``calculateStatus``: counts over the owned, non-terminated pods."""
    active = [p for p in pods if is_pod_active(p)]
    labels = owner.spec.template.metadata.labels if owner.spec.template else {}
    min_ready = owner.spec.min_ready_seconds
    return attrs.evolve(owner.status,
                        replicas=len(active),
                        fully_labeled_replicas=sum(1 for p in active
                                                   if all(p.metadata.labels.get(k) == v for k, v in labels.items())),
                        ready_replicas=sum(1 for p in active if is_pod_ready(p)),
                        available_replicas=sum(1 for p in active if is_pod_available(p, min_ready, view.clock)),
                        observed_generation=owner.metadata.generation)
