"""DaemonSet (upstream ``pkg/controller/daemon/daemon_controller.go``, ``update.go`` and
``util/daemonset_util.go``).

Per DaemonSet: claim pods, then ``manage`` (per node, ``podsShouldBeOnNode``: create a pod
where one should run and none exists, delete failed or succeeded pods, delete the extra
pods of a node keeping the oldest, delete pods from nodes that must not run one), then,
once ``manage`` has nothing left to do (upstream: once expectations are satisfied),
``rollingUpdate`` (maxUnavailable/maxSurge) or nothing under ``OnDelete``, then status.

Pods are created unbound with a required node affinity to their node (``matchFields``
``metadata.name``) and the daemon tolerations, and the scheduler binds them, as upstream.
"""

from __future__ import annotations

import attrs

from kspec.api import core
from kspec.api.selectors import node_selector_matches
from kspec.controllers.common import (
    burst,
    controlled_pods,
    is_pod_available,
    is_pod_ready,
    is_terminating,
    owner_ref,
    pod_from_template,
    template_hash,
)
from kspec.controllers.scheduler import node_is_ready, tolerates
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, Update, UpdateStatus

NAME = "daemonset"
HASH_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
# Upstream daemon_controller.go BurstReplicas: syncNodes creates and deletes at most this
# many pods per sync (the creations in slow-start batches; see ``common.burst``).
BURST_REPLICAS = 250

# upstream pkg/controller/daemon/util/daemonset_util.go AddOrUpdateDaemonPodTolerations
_DAEMON_TOLERATIONS = (
    core.Toleration(key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute"),
    core.Toleration(key="node.kubernetes.io/unreachable", operator="Exists", effect="NoExecute"),
    core.Toleration(key="node.kubernetes.io/disk-pressure", operator="Exists", effect="NoSchedule"),
    core.Toleration(key="node.kubernetes.io/memory-pressure", operator="Exists", effect="NoSchedule"),
    core.Toleration(key="node.kubernetes.io/pid-pressure", operator="Exists", effect="NoSchedule"),
    core.Toleration(key="node.kubernetes.io/unschedulable", operator="Exists", effect="NoSchedule"),
)
_NETWORK_UNAVAILABLE = core.Toleration(key="node.kubernetes.io/network-unavailable", operator="Exists",
                                       effect="NoSchedule")
_NOT_READY_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for ds in view.list("DaemonSet"):
        actions += sync_daemon_set(view, ds)
    return tuple(actions)


def wakeup(view: ClusterState) -> int | None:
    """The next time a ready daemon pod becomes available (``minReadySeconds``), which the
    rolling update and the status wait for."""
    times = []
    for ds in view.list("DaemonSet"):
        min_ready = ds.spec.min_ready_seconds
        if not min_ready:
            continue
        for pod in controlled_pods(view, ds):
            if is_pod_ready(pod) and pod.status.ready_since is not None:
                times.append(pod.status.ready_since + min_ready)
    future = [t for t in times if t > view.clock]
    return min(future) if future else None


# ---- eligibility (util/daemonset_util.go, daemon_controller.go) -------------------------------

def add_or_update_daemon_pod_tolerations(spec: core.PodSpec) -> core.PodSpec:
    """Upstream ``AddOrUpdateDaemonPodTolerations``: the default daemon tolerations, replacing a
    toleration with the same key, operator, value and effect (``AddOrUpdateTolerationInPodSpec``)."""
    tolerations = list(spec.tolerations)
    wanted = _DAEMON_TOLERATIONS + ((_NETWORK_UNAVAILABLE,) if spec.host_network else ())
    for new in wanted:
        same = [i for i, t in enumerate(tolerations)
                if (t.key, t.operator, t.value, t.effect) == (new.key, new.operator, new.value, new.effect)]
        if same:
            for i in same:
                tolerations[i] = new
        else:
            tolerations.append(new)
    return attrs.evolve(spec, tolerations=tuple(tolerations))


def new_pod_spec(ds, node_name: str) -> core.PodSpec:
    """Upstream ``NewPod``: the template spec on ``node_name`` with the daemon tolerations."""
    return attrs.evolve(add_or_update_daemon_pod_tolerations(ds.spec.template.spec), node_name=node_name)


def _fits_node_affinity(spec: core.PodSpec, node: core.Node) -> bool:
    """``nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)``: nodeSelector and required terms."""
    labels = node.metadata.labels
    if any(labels.get(k) != v for k, v in spec.node_selector.items()):
        return False
    affinity = spec.affinity.node_affinity if spec.affinity else None
    if affinity is not None and affinity.required is not None:
        return node_selector_matches(affinity.required.node_selector_terms, dict(labels), node.metadata.name)
    return True


def _effective_taints(node: core.Node) -> tuple[core.Taint, ...]:
    """The node's taints, plus ``not-ready:NoSchedule`` for a node that is not Ready and not
    tainted for it.

    DEVIATION(upstream): the node lifecycle controller taints a NotReady/unreachable node
    (``TaintNodesByCondition``); the model's nodes only change their Ready condition, so
    the taint it would add is assumed here, keeping new daemon pods off failed nodes
    while existing ones keep running (the taint is NoSchedule).
    """
    taints = node.spec.taints
    if not node_is_ready(node) and not any(t.key in _NOT_READY_TAINTS for t in taints):
        taints += (core.Taint(key="node.kubernetes.io/not-ready", effect="NoSchedule"),)
    return taints


def node_should_run_daemon_pod(node: core.Node, ds) -> tuple[bool, bool]:
    """Upstream ``NodeShouldRunDaemonPod``: (should run, should continue running).

    A node whose name, nodeSelector or required affinity does not fit runs nothing; a
    node with an untolerated NoSchedule/NoExecute taint gets no new pod, and keeps an
    existing one unless a NoExecute taint is untolerated.
    """
    template_node = ds.spec.template.spec.node_name
    if template_node and template_node != node.metadata.name:
        return False, False
    spec = new_pod_spec(ds, node.metadata.name)
    if not _fits_node_affinity(spec, node):
        return False, False
    taints = _effective_taints(node)
    untolerated = [t for t in taints if t.effect in ("NoSchedule", "NoExecute")
                   and not tolerates(spec.tolerations, t)]
    if untolerated:
        return False, not any(t.effect == "NoExecute" for t in untolerated)
    return True, True


# ---- pods per node ----------------------------------------------------------------------------

def claim_pods(view: ClusterState, ds, selector) -> list[Action]:
    """Upstream ``ClaimPods`` (``PodControllerRefManager``): adopt matching orphans that are
    not being deleted, release owned pods that no longer match."""
    actions: list[Action] = []
    for pod in view.list("Pod", ds.metadata.namespace):
        ref = pod.metadata.controller_ref()
        matches = selector.matches(pod.metadata.labels)
        if ref is None and matches and not is_terminating(pod):
            refs = pod.metadata.owner_references + (owner_ref(ds),)
        elif ref is not None and ref.uid == ds.metadata.uid and not matches:
            refs = tuple(r for r in pod.metadata.owner_references if r.uid != ds.metadata.uid)
        else:
            continue
        actions.append(Update(attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=refs))))
    return actions


def get_target_node_name(pod: core.Pod) -> str | None:
    """Upstream ``GetTargetNodeName``: ``spec.nodeName``, or the node of the affinity term
    ``matchFields metadata.name In [node]`` the controller put on an unbound pod."""
    if pod.spec.node_name:
        return pod.spec.node_name
    affinity = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    if affinity is None or affinity.required is None:
        return None
    for term in affinity.required.node_selector_terms:
        for field in term.match_fields:
            if field.key == "metadata.name" and field.operator == "In" and len(field.values) == 1:
                return field.values[0]
    return None


def _creation_order(pod: core.Pod) -> tuple:
    """Upstream ``podByCreationTimestampAndPhase``: scheduled first, then oldest, then name."""
    return (not pod.spec.node_name, pod.metadata.creation_timestamp or 0, pod.metadata.name)


def get_nodes_to_daemon_pods(view: ClusterState, ds) -> dict[str, list[core.Pod]]:
    """Owned pods by target node, in creation order; terminal pods already being deleted are
    left out (upstream ``getNodesToDaemonPods(ds, includeDeletedTerminal=false)``)."""
    by_node: dict[str, list[core.Pod]] = {}
    for pod in controlled_pods(view, ds):
        if pod.status.phase in ("Succeeded", "Failed") and is_terminating(pod):
            continue
        node = get_target_node_name(pod)
        if node is not None:
            by_node.setdefault(node, []).append(pod)
    return {node: sorted(pods, key=_creation_order) for node, pods in by_node.items()}


def is_pod_updated(pod: core.Pod, hash_: str) -> bool:
    """Upstream ``IsPodUpdated`` (by the template hash label)."""
    return pod.metadata.labels.get(HASH_LABEL) == hash_


def allows_surge(ds) -> bool:
    strategy = ds.spec.update_strategy
    return strategy.type == "RollingUpdate" and strategy.rolling_update.max_surge.value != 0


def pods_should_be_on_node(view: ClusterState, node: core.Node, ds, pods: list[core.Pod],
                           hash_: str) -> tuple[bool, list[core.Pod]]:
    """Upstream ``podsShouldBeOnNode``: (does the node need a new pod, pods to delete)."""
    should_run, should_continue = node_should_run_daemon_pod(node, ds)
    exists = bool(pods)
    if should_run and not exists:
        return True, []
    if should_continue:
        running, delete = [], []
        for pod in pods:
            if is_terminating(pod):
                continue
            if pod.status.phase in ("Failed", "Succeeded"):
                # DEVIATION(upstream): a failed pod is deleted at once; upstream backs off
                # per node (failedPodsBackoff) when kubelets keep rejecting daemon pods.
                delete.append(pod)
            else:
                running.append(pod)
        if not allows_surge(ds):
            return False, delete + running[1:]
        if len(running) <= 1:
            return (not running and should_run), delete
        # with surge: keep the oldest new pod and, while it is not yet available and the
        # oldest old pod is ready, the oldest old pod too
        oldest_new = oldest_old = None
        for pod in running:
            updated = is_pod_updated(pod, hash_)
            if updated and oldest_new is None:
                oldest_new = pod
                continue
            if not updated and oldest_old is None:
                oldest_old = pod
                continue
            delete.append(pod)
        if oldest_new is not None and oldest_old is not None and (
                not is_pod_ready(oldest_old) or is_pod_available(oldest_new, ds.spec.min_ready_seconds, view.clock)):
            delete.append(oldest_old)
        return False, delete
    if exists:
        return False, [p for p in pods if not is_terminating(p)]
    return False, []


def create_pod_template(ds, hash_: str) -> core.PodTemplateSpec:
    """Upstream ``CreatePodTemplate``: daemon tolerations, generation and hash labels."""
    template = ds.spec.template
    labels = template.metadata.labels.set(GENERATION_LABEL, str(ds.metadata.generation)).set(HASH_LABEL, hash_)
    return attrs.evolve(template, metadata=attrs.evolve(template.metadata, labels=labels),
                        spec=add_or_update_daemon_pod_tolerations(template.spec))


def replace_daemon_set_pod_node_name_node_affinity(affinity: core.Affinity | None, node_name: str) -> core.Affinity:
    """Upstream ``ReplaceDaemonSetPodNodeNameNodeAffinity``: the required node affinity
    becomes the single term ``matchFields metadata.name In [node]`` (the controller has
    already checked the rest)."""
    term = core.NodeSelectorTerm(match_fields=(core.NodeSelectorRequirement(
        key="metadata.name", operator="In", values=(node_name,)),))
    required = core.NodeSelector(node_selector_terms=(term,))
    if affinity is None:
        return core.Affinity(node_affinity=core.NodeAffinity(required=required))
    node_affinity = affinity.node_affinity or core.NodeAffinity()
    if node_affinity.required is not None:
        required = attrs.evolve(node_affinity.required, node_selector_terms=(term,))
    return attrs.evolve(affinity, node_affinity=attrs.evolve(node_affinity, required=required))


def new_daemon_pod(ds, node_name: str, hash_: str) -> core.Pod:
    template = create_pod_template(ds, hash_)
    pod = pod_from_template(template, ds, generate_name=f"{ds.metadata.name}-")
    affinity = replace_daemon_set_pod_node_name_node_affinity(pod.spec.affinity, node_name)
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, affinity=affinity))


def _delete(pod: core.Pod) -> Delete:
    return Delete("Pod", pod.metadata.namespace, pod.metadata.name)


def manage(view: ClusterState, ds, hash_: str) -> list[Action]:
    """Upstream ``manage`` + ``syncNodes``: creations first, then deletions."""
    nodes = view.list("Node")
    by_node = get_nodes_to_daemon_pods(view, ds)
    creates: list[Action] = []
    deletes: list[Action] = []
    for node in nodes:
        needs_pod, to_delete = pods_should_be_on_node(view, node, ds, by_node.get(node.metadata.name, []), hash_)
        if needs_pod:
            creates.append(Create(new_daemon_pod(ds, node.metadata.name, hash_)))
        deletes += [_delete(p) for p in to_delete]
    # Upstream getUnscheduledPodsWithoutNode deletes unbound pods aimed at missing nodes.
    # DEVIATION(upstream): bound pods of a deleted node are left to PodGC there; the model
    # deletes them here too, as it may run no pod garbage collector.
    names = {n.metadata.name for n in nodes}
    for node_name in sorted(set(by_node) - names):
        deletes += [_delete(p) for p in by_node[node_name] if not is_terminating(p)]
    return sync_nodes(creates, deletes)


def sync_nodes(creates: list[Action], deletes: list[Action]) -> list[Action]:
    """Upstream ``syncNodes``: creations, then deletions, each cut to ``BURST_REPLICAS``."""
    return creates[:burst(len(creates), BURST_REPLICAS)] + deletes[:burst(len(deletes), BURST_REPLICAS)]


# ---- rolling update (update.go) ---------------------------------------------------------------

def find_updated_pods_on_node(pods: list[core.Pod], hash_: str) -> tuple[core.Pod | None, core.Pod | None, bool]:
    """Upstream ``findUpdatedPodsOnNode``: (new pod, old pod, ok); not ok with two of a kind."""
    new = old = None
    for pod in pods:
        if is_terminating(pod):
            continue
        if is_pod_updated(pod, hash_):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


def updated_desired_node_counts(view: ClusterState, ds, by_node: dict) -> tuple[int, int, int]:
    """Upstream ``updatedDesiredNodeCounts``: (maxSurge, maxUnavailable, desired); both
    percentages round up; with both 0, maxUnavailable falls back to 1."""
    desired = 0
    for node in view.list("Node"):
        if node_should_run_daemon_pod(node, ds)[0]:
            desired += 1
            by_node.setdefault(node.metadata.name, [])
    rolling = ds.spec.update_strategy.rolling_update
    max_unavailable = rolling.max_unavailable.scaled(desired, round_up=True)
    max_surge = rolling.max_surge.scaled(desired, round_up=True) if allows_surge(ds) else 0
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable, desired


def rolling_update(view: ClusterState, ds, hash_: str) -> list[Action]:
    """Upstream ``rollingUpdate``. Nodes are visited by name (upstream: map order)."""
    by_node = get_nodes_to_daemon_pods(view, ds)
    max_surge, max_unavailable, desired = updated_desired_node_counts(view, ds, by_node)
    now, min_ready = view.clock, ds.spec.min_ready_seconds
    nodes = {n.metadata.name: n for n in view.list("Node")}

    def available(pod):
        return is_pod_available(pod, min_ready, now)

    if max_surge == 0:
        unavailable = 0
        allowed: list[core.Pod] = []
        candidates: list[core.Pod] = []
        for node_name in sorted(by_node):
            new, old, ok = find_updated_pods_on_node(by_node[node_name], hash_)
            if not ok or (old is None) == (new is None):
                unavailable += 1  # the manage loop creates or deletes here
            elif new is not None:
                if not available(new):
                    unavailable += 1
            elif not available(old):
                allowed.append(old)
                unavailable += 1
            elif unavailable < max_unavailable:
                candidates.append(old)
        remaining = min(max(max_unavailable - unavailable, 0), len(candidates))
        return [_delete(p) for p in allowed + candidates[:remaining]]

    old_to_delete: list[core.Pod] = []
    should_not_run: list[core.Pod] = []
    candidate_nodes: list[str] = []
    allowed_nodes: list[str] = []
    surge = available_count = 0
    for node_name in sorted(by_node):
        new, old, ok = find_updated_pods_on_node(by_node[node_name], hash_)
        if not ok:
            surge += 1
            continue
        if old is not None:
            available_count += available(old)
        elif new is not None:
            available_count += available(new)
        if old is None:
            continue
        node = nodes.get(node_name)
        should_run = node is not None and node_should_run_daemon_pod(node, ds)[0]
        if new is None:
            if not available(old):
                if not should_run:
                    old_to_delete.append(old)
                    continue
                allowed_nodes.append(node_name)
            else:
                if not should_run:
                    should_not_run.append(old)
                    continue
                if surge >= max_surge:
                    continue
                candidate_nodes.append(node_name)
        elif not available(new):
            surge += 1
        else:
            old_to_delete.append(old)
    deletable = min(available_count - desired, len(should_not_run))
    if deletable > 0:
        old_to_delete += should_not_run[:deletable]
    remaining = min(max(max_surge - surge, 0), len(candidate_nodes))
    creates = [Create(new_daemon_pod(ds, n, hash_)) for n in allowed_nodes + candidate_nodes[:remaining]]
    return sync_nodes(creates, [_delete(p) for p in old_to_delete])


# ---- status -----------------------------------------------------------------------------------

def calculate_status(view: ClusterState, ds, hash_: str):
    """Upstream ``updateDaemonSetStatus``: counts over nodes, looking at each node's oldest pod."""
    by_node = get_nodes_to_daemon_pods(view, ds)
    desired = current = ready = available = updated = misscheduled = 0
    for node in view.list("Node"):
        should_run, _ = node_should_run_daemon_pod(node, ds)
        pods = by_node.get(node.metadata.name, [])
        if should_run:
            desired += 1
            if not pods:
                continue
            current += 1
            pod = pods[0]
            if is_pod_ready(pod):
                ready += 1
                if is_pod_available(pod, ds.spec.min_ready_seconds, view.clock):
                    available += 1
            if is_pod_updated(pod, hash_):
                updated += 1
        elif pods:
            misscheduled += 1
    return attrs.evolve(ds.status, observed_generation=ds.metadata.generation, desired_number_scheduled=desired,
                        current_number_scheduled=current, number_ready=ready, number_available=available,
                        updated_number_scheduled=updated, number_misscheduled=misscheduled)


def sync_daemon_set(view: ClusterState, ds) -> list[Action]:
    """The writes one ``syncDaemonSet`` would make, most urgent first."""
    if is_terminating(ds):
        return []
    selector = ds.spec.selector
    if selector is None or selector.validate():
        return []
    claims = claim_pods(view, ds, selector)
    if claims:
        return claims
    hash_ = template_hash(ds.spec.template)
    actions = manage(view, ds, hash_)
    if not actions and ds.spec.update_strategy.type == "RollingUpdate":
        actions = rolling_update(view, ds, hash_)
    status = calculate_status(view, ds, hash_)
    if status != ds.status:
        actions.append(UpdateStatus(attrs.evolve(ds, status=status)))
    return actions

