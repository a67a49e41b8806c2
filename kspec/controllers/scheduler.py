"""The scheduler: one pending pod at a time, greedy, as kube-scheduler's default profile.

Filters, in upstream's order (``pkg/scheduler/apis/config/v1/default_plugins.go``):
NodeUnschedulable, NodeName, TaintToleration (NoSchedule/NoExecute), NodeAffinity
(nodeSelector and required terms), NodePorts, NodeResourcesFit, PodTopologySpread
(DoNotSchedule), InterPodAffinity (required affinity and anti-affinity, both directions).
A node's reason is its first failing plugin's, and an unschedulable pod gets upstream's
message: ``0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.``

Scores, each normalised to 0..100 as upstream and summed with the default weights:
TaintToleration 3 (untolerated PreferNoSchedule taints, fewer is better), NodeAffinity 2
(preferred terms), NodeResourcesFit 1 (LeastAllocated), PodTopologySpread 2 (ScheduleAnyway
and system default constraints), InterPodAffinity 2 (preferred terms of the pod and of placed
pods), NodeResourcesBalancedAllocation 1. ImageLocality is not modelled: the model does not
know which images a node holds. Every feasible node is scored (percentageOfNodesToScore
100%). The highest total wins; ties go to the first node by name. DEVIATION(upstream):
kube-scheduler picks randomly among the best; a fixed choice keeps runs reproducible.
Preemption is not modelled, so messages end without upstream's "preemption: ..." part.

``reconcile`` (the model's actor) and :func:`greedy_schedule` (``kspec place
--compare-greedy``) both place pods with :func:`find_node`.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

import attrs

from kspec.api import core
from kspec.api.status import Condition, set_condition
from kspec.controllers import interpod, topologyspread
from kspec.controllers.common import is_pod_active
from kspec.controllers.noderesources import (balanced_allocation, capacity_vector, least_allocated,  # noqa: F401
                                             nonzero_request, pod_requests, request_vector)
from kspec.controllers.nodeplugins import (REASON_NODE_PORTS, default_normalize, host_ports,  # noqa: F401
                                           node_is_ready, ports_conflict, tolerates)
from kspec.controllers.schedsnapshot import NodeInfo, Shape, Snapshot
from kspec.model.state import ClusterState
from kspec.model.store import Action, Bind, UpdateStatus

NAME = "scheduler"

# Score plugin weights of the default profile (default_plugins.go).
WEIGHT_TAINT_TOLERATION = 3
WEIGHT_NODE_AFFINITY = 2
WEIGHT_LEAST_ALLOCATED = 1
WEIGHT_TOPOLOGY_SPREAD = 2
WEIGHT_INTER_POD_AFFINITY = 2
WEIGHT_BALANCED_ALLOCATION = 1


def filter_nodes(snapshot: Snapshot, pod: core.Pod, shape: Shape) -> tuple[list[NodeInfo], dict[str, tuple[str, ...]]]:
    """PreFilter + Filter over every node: (feasible nodes, reasons of the others)."""
    requests = request_vector(pod)
    ports = host_ports(pod)
    spread = topologyspread.pre_filter(snapshot, pod)
    terms = interpod.pod_terms(pod)
    affinity = (interpod.pre_filter(snapshot, pod)
                if terms.required_affinity or terms.required_anti or snapshot.with_required_anti() else None)
    feasible: list[NodeInfo] = []
    reasons: dict[str, tuple[str, ...]] = {}
    for info, static in zip(snapshot.nodes, shape.reasons):
        if static is not None:
            reasons[info.name] = (static,)
            continue
        if ports and ports_conflict(ports, info.ports):
            reasons[info.name] = (REASON_NODE_PORTS,)
            continue
        insufficient = info.fits(requests)
        if insufficient:
            reasons[info.name] = insufficient
            continue
        why = topologyspread.filter_node(spread, info.labels)
        if why is None and affinity is not None:
            why = interpod.filter_node(affinity, info.labels)
        if why is not None:
            reasons[info.name] = (why,)
            continue
        feasible.append(info)
    return feasible, reasons


def score_nodes(snapshot: Snapshot, pod: core.Pod, shape: Shape, feasible: list[NodeInfo]) -> list[int]:
    """Weighted sum of the normalised plugin scores, one per feasible node."""
    count = len(feasible)
    totals = [0] * count
    taint = default_normalize([shape.taint_counts[i.index] for i in feasible], reverse=True)
    totals = [t + WEIGHT_TAINT_TOLERATION * s for t, s in zip(totals, taint)]
    if shape.has_preferred:
        preferred = default_normalize([shape.preferred[i.index] for i in feasible], reverse=False)
        totals = [t + WEIGHT_NODE_AFFINITY * s for t, s in zip(totals, preferred)]
    cpu, memory = nonzero_request(pod)
    requests = request_vector(pod)
    req_cpu, req_memory = requests.get("cpu", 0), requests.get("memory", 0)
    for k, info in enumerate(feasible):
        totals[k] += WEIGHT_LEAST_ALLOCATED * least_allocated(info.nonzero_cpu + cpu, info.nonzero_memory + memory,
                                                              info.alloc_cpu, info.alloc_memory)
        # balanced_allocation.go PreScore: best-effort pods skip it (kubernetes#129138)
        if req_cpu or req_memory:
            totals[k] += WEIGHT_BALANCED_ALLOCATION * balanced_allocation(
                info.requested.get("cpu", 0) + req_cpu, info.requested.get("memory", 0) + req_memory,
                info.alloc_cpu, info.alloc_memory)
    spread = topologyspread.pre_score(snapshot, pod, feasible)
    if spread is not None:
        raw = [topologyspread.score(spread, info, pod.metadata.namespace) for info in feasible]
        normal = topologyspread.normalize(spread, [i.name for i in feasible], raw)
        totals = [t + WEIGHT_TOPOLOGY_SPREAD * s for t, s in zip(totals, normal)]
    terms = interpod.pod_terms(pod)
    if terms.preferred_affinity or terms.preferred_anti or snapshot.with_affinity():
        topology = interpod.pre_score(snapshot, pod)
        raw = [interpod.score(topology, info.labels) for info in feasible]
        totals = [t + WEIGHT_INTER_POD_AFFINITY * s for t, s in zip(totals, interpod.normalize(topology, raw))]
    return totals


def _scores_alike(snapshot: Snapshot, pod: core.Pod, shape: Shape) -> bool:
    """Whether every plugin but the two resource scores gives all feasible nodes the same
    score, so the best node follows from each node's own usage (see ``Queue``)."""
    if pod.spec.node_name or host_ports(pod) or shape.has_preferred or snapshot.with_affinity():
        return False
    if interpod.pod_terms(pod).any or pod.spec.topology_spread_constraints:
        return False
    if shape.any_prefer_no_schedule:
        return False
    return topologyspread.default_selector(snapshot, pod).is_empty()


def find_node(snapshot: Snapshot, pod: core.Pod) -> tuple[str | None, dict[str, tuple[str, ...]]]:
    """The node kube-scheduler would bind ``pod`` to (None if none fits) and, when none fits,
    why each node was filtered out. Does not modify the snapshot."""
    shape = snapshot.shape(pod)
    if _scores_alike(snapshot, pod, shape):
        queue = snapshot.queue(pod, shape)
        if queue is not None:
            best = queue.best()
            if best is not None:
                return best.name, {}
    feasible, reasons = filter_nodes(snapshot, pod, shape)
    if not feasible:
        return None, reasons
    if len(feasible) == 1:
        return feasible[0].name, reasons
    totals = score_nodes(snapshot, pod, shape, feasible)
    best_total = max(totals)
    return next(info.name for info, t in zip(feasible, totals) if t == best_total), reasons


def fit_error(node_count: int, reasons: dict[str, tuple[str, ...]]) -> str:
    """Upstream ``FitError.Error()``: ``0/N nodes are available: <count> <reason>, ...``
    with the reasons sorted as strings."""
    if node_count == 0:
        return "no nodes available to schedule pods"
    histogram = Counter(reason for why in reasons.values() for reason in why)
    parts = sorted(f"{n} {reason}" for reason, n in histogram.items())
    return f"0/{node_count} nodes are available: " + ", ".join(parts) + "."


# ---- the model's actor --------------------------------------------------------------------

def placed_pods(view: ClusterState) -> list[core.Pod]:
    """Pods the scheduler's cache holds: bound and not finished (its informer skips
    Succeeded and Failed pods)."""
    return [p for p in view.list("Pod") if p.spec.node_name and p.status.phase not in ("Succeeded", "Failed")]


def snapshot_of(view: ClusterState) -> Snapshot:
    objects = [o for kind in ("Service",) + ("ReplicationController", "ReplicaSet", "StatefulSet")
               for o in view.list(kind)]
    return Snapshot(view.list("Node"), placed_pods(view), view.list("Namespace"), objects)


def pending_pods(view: ClusterState) -> list[core.Pod]:
    """Unbound, active pods in creation order (upstream's queue orders by priority, then time)."""
    pods = [p for p in view.list("Pod") if not p.spec.node_name and is_pod_active(p)
            and p.spec.scheduler_name == "default-scheduler"]
    return sorted(pods, key=lambda p: (-(p.spec.priority or 0), p.metadata.creation_timestamp or 0,
                                       p.metadata.namespace, p.metadata.name))


REASON_RWOP = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"


def read_write_once_pod_conflict(view: ClusterState, pod: core.Pod) -> str:
    """VolumeRestrictions' ReadWriteOncePod check (upstream ``volumerestrictions``): a claim
    with that mode already used by another scheduled pod makes every node unfit."""
    claims = {v.persistent_volume_claim.claim_name for v in pod.spec.volumes if v.persistent_volume_claim}
    rwop = {name for name in claims
            if (c := view.get("PersistentVolumeClaim", pod.metadata.namespace, name)) is not None
            and "ReadWriteOncePod" in c.spec.access_modes}
    if not rwop:
        return ""
    for other in placed_pods(view):
        if other.metadata.namespace == pod.metadata.namespace and other.metadata.name != pod.metadata.name and any(
                v.persistent_volume_claim and v.persistent_volume_claim.claim_name in rwop
                for v in other.spec.volumes):
            return REASON_RWOP
    return ""


def _alike(pod: core.Pod) -> tuple:
    """What the filters and scores read of a pending pod: two pending pods that agree on it
    (the replicas of one template) get the same verdict from one snapshot. Its name is not
    read (a pending pod is not in the snapshot, so it never meets itself)."""
    return (pod.metadata.namespace, pod.metadata.labels, pod.metadata.owner_references, pod.spec)


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    """Bind the first pending pod that fits; for one that does not, record why (once).

    The snapshot does not change during one call, so the verdict (and its message) of one
    pending pod serves every pending pod like it: a thousand Pending replicas of one template
    cost one ``find_node`` per call, not a thousand."""
    pending = pending_pods(view)
    if not pending:
        return ()
    snapshot = snapshot_of(view)
    verdicts: dict[tuple, tuple[str | None, str]] = {}
    for pod in pending:
        key = _alike(pod)
        verdict = verdicts.get(key)
        if verdict is None:
            conflict = read_write_once_pod_conflict(view, pod)
            node, reasons = ((None, {n.name: (conflict,) for n in snapshot.nodes}) if conflict
                             else find_node(snapshot, pod))
            verdict = verdicts[key] = (node, fit_error(len(snapshot.nodes), reasons) if node is None else "")
        node, message = verdict
        if node is not None:
            return (Bind(pod.metadata.namespace, pod.metadata.name, node),)
        current = next((c for c in pod.status.conditions if c.type == "PodScheduled"), None)
        if current is None or current.message != message:
            condition = Condition(type="PodScheduled", status="False", reason="Unschedulable", message=message,
                                  last_transition_time=view.clock)
            status = attrs.evolve(pod.status, conditions=set_condition(pod.status.conditions, condition))
            return (UpdateStatus(attrs.evolve(pod, status=status)),)
    return ()


# ---- the greedy baseline for kspec place ------------------------------------------------------

@attrs.frozen(kw_only=True)
class GreedyResult:
    """Where the greedy scheduler put each pod, and why the others stayed Pending.

    Keys are ``(namespace, name)``; ``pending`` maps to the upstream-style message."""

    assignments: dict[tuple[str, str], str]
    pending: dict[tuple[str, str], str]


def greedy_schedule(nodes: Iterable[core.Node], existing_pods: Iterable[core.Pod], pending_pods: Iterable[core.Pod],
                    namespaces: Iterable[core.Namespace] = (), objects: Iterable = ()) -> GreedyResult:
    """Schedule ``pending_pods`` one at a time, in the given order, as ``reconcile`` would:
    each placed pod counts for the next. ``existing_pods`` with ``spec.nodeName`` are already
    placed; ``objects`` may hold Services, ReplicationControllers, ReplicaSets and
    StatefulSets (they decide system default spreading). Nodes with no Ready condition count
    as ready. Pure: the inputs are not modified.

    Example: 3 nodes and 4 pods with required hostname anti-affinity against each other ->
    3 assignments and one pending pod, "0/3 nodes are available: 3 node(s) didn't match pod
    anti-affinity rules."."""
    placed = [p for p in existing_pods if p.spec.node_name and p.status.phase not in ("Succeeded", "Failed")]
    snapshot = Snapshot(nodes, placed, namespaces, objects, queues=True)
    assignments: dict[tuple[str, str], str] = {}
    pending: dict[tuple[str, str], str] = {}
    for pod in pending_pods:
        key = (pod.metadata.namespace or "default", pod.metadata.name)
        node, reasons = find_node(snapshot, pod)
        if node is None:
            pending[key] = fit_error(len(snapshot.nodes), reasons)
            continue
        assignments[key] = node
        bound = attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=node))
        snapshot.add(bound, snapshot.by_name[node])
    return GreedyResult(assignments=assignments, pending=pending)
