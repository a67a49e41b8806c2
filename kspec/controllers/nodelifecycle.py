"""Node lifecycle: condition taints, taint-based eviction, and PodGC's node rules.

Upstream ``pkg/controller/nodelifecycle/node_lifecycle_controller.go`` (taints from the
Ready condition, zone disruption modes, ``MarkPodsNotReady``), the taint manager
``pkg/controller/tainteviction/taint_eviction.go`` (NoExecute evictions after the
tolerations expire), the ``DefaultTolerationSeconds`` admission plugin
(``plugin/pkg/admission/defaulttolerationseconds``) and ``pkg/controller/podgc/gc_controller.go``
(force-deleting pods of nodes that are gone or out of service).

The Ready condition itself is written by the environment (``NodeFailure``/``NodeRecovery``
events stand for the kubelet's heartbeats stopping and resuming; upstream this controller
turns it Unknown after ``nodeMonitorGracePeriod``). A taint's ``timeAdded`` is not in the
typed class: the time a node went bad is its Ready condition's ``lastTransitionTime``.

DEVIATION(upstream): tainting is not rate-limited per zone (``--node-eviction-rate``), it
happens as soon as a node is seen bad; the zone *modes* are kept (no new NoExecute taints
in a small zone in partial disruption, none at all when every zone is fully disrupted).
DEVIATION(upstream): an eviction's clock starts at the later of the node going bad and the
pod being placed; upstream's taint manager starts it when it first sees both, and keeps
the earlier schedule when a not-ready taint is swapped for unreachable (here the swap
changes the Ready transition time, so the clock restarts).
DEVIATION(upstream): PodGC force-deletes pods of a missing node at once (upstream waits a
40 s quarantine and re-checks the node with a live GET).
"""

from __future__ import annotations

import attrs

from kspec.api import core
from kspec.api.status import Condition, condition, set_condition
from kspec.controllers.common import is_pod_ready, is_terminating
from kspec.controllers.scheduler import tolerates
from kspec.model.state import ClusterState
from kspec.model.store import Action, Delete, Update, UpdateStatus

NAME = "nodelifecycle"

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"

# plugin/pkg/admission/defaulttolerationseconds: --default-not-ready-toleration-seconds and
# --default-unreachable-toleration-seconds
DEFAULT_TOLERATION_SECONDS = 300
# --unhealthy-zone-threshold, --large-cluster-size-threshold
UNHEALTHY_ZONE_THRESHOLD = 0.55
LARGE_CLUSTER_THRESHOLD = 50

# nodeConditionToTaintKeyStatusMap (NoSchedule taints, doNoScheduleTaintingPass)
CONDITION_TAINTS = {
    "Ready": {"False": NOT_READY, "Unknown": UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
_CONDITION_TAINT_KEYS = {key for by_status in CONDITION_TAINTS.values() for key in by_status.values()}

NOT_READY_TAINT = core.Taint(key=NOT_READY, effect="NoExecute")
UNREACHABLE_TAINT = core.Taint(key=UNREACHABLE, effect="NoExecute")

STATE_NORMAL, STATE_PARTIAL, STATE_FULL = "Normal", "PartialDisruption", "FullDisruption"

ZONE_LABELS = ("failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/zone")
REGION_LABELS = ("failure-domain.beta.kubernetes.io/region", "topology.kubernetes.io/region")


# ---- node health ------------------------------------------------------------------------------

def ready_status(node: core.Node) -> str:
    """The Ready condition's status; a node that never reported is Unknown (upstream sets it
    so after the startup grace period)."""
    ready = condition(node.status.conditions, "Ready")
    return ready.status if ready is not None else "Unknown"


def bad_since(node: core.Node) -> int:
    """When the node's Ready condition last changed (the taint's ``timeAdded``)."""
    ready = condition(node.status.conditions, "Ready")
    return (ready.last_transition_time or 0) if ready is not None else (node.metadata.creation_timestamp or 0)


def get_zone_key(node: core.Node) -> str:
    """Upstream ``nodetopology.GetZoneKey``: region and zone (beta labels first)."""
    labels = node.metadata.labels
    zone = next((labels[k] for k in ZONE_LABELS if k in labels), "")
    region = next((labels[k] for k in REGION_LABELS if k in labels), "")
    return "" if not zone and not region else f"{region}:\x00:{zone}"


def compute_zone_state(statuses: list[str]) -> str:
    """Upstream ``ComputeZoneState``: full when no node is ready; partial when more than two
    are not and they are at least ``unhealthyZoneThreshold`` of the zone."""
    ready = sum(1 for s in statuses if s == "True")
    not_ready = len(statuses) - ready
    if ready == 0 and not_ready > 0:
        return STATE_FULL
    if not_ready > 2 and not_ready / len(statuses) >= UNHEALTHY_ZONE_THRESHOLD:
        return STATE_PARTIAL
    return STATE_NORMAL


def zone_states(view: ClusterState) -> dict[str, tuple[str, int]]:
    """zone key -> (state, zone size), nodes labelled ``exclude-disruption`` left out."""
    zones: dict[str, list[str]] = {}
    for node in view.list("Node"):
        if EXCLUDE_DISRUPTION in node.metadata.labels:
            continue
        zones.setdefault(get_zone_key(node), []).append(ready_status(node))
    return {zone: (compute_zone_state(statuses), len(statuses)) for zone, statuses in zones.items()}


def tainting_allowed(view: ClusterState, node: core.Node, zones: dict[str, tuple[str, int]]) -> bool:
    """May a *new* NoExecute taint be added to ``node`` now (``handleDisruption`` and
    ``setLimiterInZone``)? Not when every zone is fully disrupted ("master disruption
    mode", evictions stop), nor in a zone in partial disruption of at most
    ``largeClusterThreshold`` nodes (``ReducedQPSFunc`` gives a zero rate)."""
    if zones and all(state == STATE_FULL for state, _ in zones.values()):
        return False
    state, size = zones.get(get_zone_key(node), (STATE_NORMAL, 0))
    return not (state == STATE_PARTIAL and size <= LARGE_CLUSTER_THRESHOLD)


def desired_taints(view: ClusterState, node: core.Node, zones: dict[str, tuple[str, int]]) -> tuple[core.Taint, ...]:
    """The node's taints after ``doNoScheduleTaintingPass`` and ``doNoExecuteTaintingPass``
    (``processTaintBaseEviction``): condition NoSchedule taints; a NoExecute not-ready
    (Ready False) or unreachable (Unknown) taint, swapped at once when the other is there,
    added only when the zone mode allows, removed when the node is Ready again
    (``markNodeAsReachable``) or when all zones are fully disrupted."""
    taints = node.spec.taints
    # NoSchedule: condition taints and the unschedulable taint, exactly as the node says
    wanted = [core.Taint(key=by_status[c.status], effect="NoSchedule")
              for c in node.status.conditions
              for by_status in [CONDITION_TAINTS.get(c.type, {})] if c.status in by_status]
    if condition(node.status.conditions, "Ready") is None:
        wanted.append(core.Taint(key=UNREACHABLE, effect="NoSchedule"))
    if node.spec.unschedulable:
        wanted.append(core.Taint(key=UNSCHEDULABLE, effect="NoSchedule"))
    kept = [t for t in taints if not (t.effect == "NoSchedule" and (t.key in _CONDITION_TAINT_KEYS
                                                                   or t.key == UNSCHEDULABLE))]
    # NoExecute
    status = ready_status(node)
    has = {t.key for t in taints if t.effect == "NoExecute" and t.key in (NOT_READY, UNREACHABLE)}
    kept = [t for t in kept if not (t.effect == "NoExecute" and t.key in (NOT_READY, UNREACHABLE))]
    all_disrupted = zones and all(state == STATE_FULL for state, _ in zones.values())
    if status != "True" and not all_disrupted:
        taint = NOT_READY_TAINT if status == "False" else UNREACHABLE_TAINT
        if has or tainting_allowed(view, node, zones):
            wanted.append(taint)
    result = list(kept)
    for taint in wanted:
        if taint not in result:
            result.append(taint)
    return tuple(result)


def taint_nodes(view: ClusterState) -> list[Action]:
    """An ``Update`` per node whose controller-managed taints are out of date."""
    zones = zone_states(view)
    actions: list[Action] = []
    for node in view.list("Node"):
        taints = desired_taints(view, node, zones)
        if set(taints) != set(node.spec.taints):
            actions.append(Update(attrs.evolve(node, spec=attrs.evolve(node.spec, taints=taints))))
    return actions


def mark_pods_not_ready(view: ClusterState) -> list[Action]:
    """Upstream ``MarkPodsNotReady``: the pods of a node that is not Ready lose their Ready
    condition (the kubelet cannot report; Services and budgets must not count them)."""
    bad = {n.metadata.name for n in view.list("Node") if ready_status(n) != "True"}
    actions: list[Action] = []
    for pod in view.list("Pod"):
        if pod.spec.node_name in bad and is_pod_ready(pod):
            ready = next(c for c in pod.status.conditions if c.type == "Ready")
            new = attrs.evolve(ready, status="False", last_transition_time=view.clock)
            status = attrs.evolve(pod.status, ready_since=None, conditions=set_condition(pod.status.conditions, new))
            actions.append(UpdateStatus(attrs.evolve(pod, status=status)))
    return actions


# ---- taint-based eviction ---------------------------------------------------------------------

def default_tolerations(pod: core.Pod) -> tuple[core.Toleration, ...]:
    """The pod's tolerations after the ``DefaultTolerationSeconds`` admission plugin: a
    not-ready and an unreachable NoExecute toleration for 300 s, each unless the pod has a
    toleration whose key is that taint's (or empty) and whose effect is NoExecute (or empty)
    — whatever its operator and value.

    DEVIATION(upstream): applied when read, not written into the pod at admission."""
    tolerations = pod.spec.tolerations

    def covered(key: str) -> bool:
        return any(t.key in (key, "") and t.effect in ("NoExecute", "") for t in tolerations)

    extra = tuple(core.Toleration(key=key, operator="Exists", effect="NoExecute",
                                  toleration_seconds=DEFAULT_TOLERATION_SECONDS)
                  for key in (NOT_READY, UNREACHABLE) if not covered(key))
    return tolerations + extra


def get_matching_tolerations(taints, tolerations) -> tuple[bool, list[core.Toleration]]:
    """Upstream ``v1helper.GetMatchingTolerations``: per taint, the first toleration that
    tolerates it; (False, []) when one taint is not tolerated."""
    result = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates((t,), taint)), None)
        if match is None:
            return False, []
        result.append(match)
    return True, result


def get_min_toleration_time(tolerations: list[core.Toleration]) -> int | None:
    """Upstream ``getMinTolerationTime``: the smallest ``tolerationSeconds`` (<= 0 means 0),
    None (forever) when none is bounded; 0 for no tolerations."""
    if not tolerations:
        return 0
    bounded = [t.toleration_seconds for t in tolerations if t.toleration_seconds is not None]
    if not bounded:
        return None
    return max(min(bounded), 0)


def pod_placed_at(pod: core.Pod) -> int:
    """When the pod was bound to its node (PodScheduled), else when it was created."""
    scheduled = condition(pod.status.conditions, "PodScheduled")
    if scheduled is not None and scheduled.status == "True" and scheduled.last_transition_time is not None:
        return scheduled.last_transition_time
    return pod.metadata.creation_timestamp or 0


def eviction_time(pod: core.Pod, node: core.Node) -> int | None:
    """When the taint manager deletes ``pod`` (``processPodOnNode``), or None (never)."""
    taints = [t for t in node.spec.taints if t.effect == "NoExecute"]
    if not taints:
        return None
    ok, used = get_matching_tolerations(taints, default_tolerations(pod))
    start = pod_placed_at(pod)
    if any(t.key in (NOT_READY, UNREACHABLE) for t in taints):
        start = max(start, bad_since(node))
    if not ok:
        return start
    seconds = get_min_toleration_time(used)
    return None if seconds is None else start + seconds


def _evictable(view: ClusterState):
    nodes = {n.metadata.name: n for n in view.list("Node")}
    for pod in view.list("Pod"):
        node = nodes.get(pod.spec.node_name)
        if node is None or is_terminating(pod):
            continue
        at = eviction_time(pod, node)
        if at is not None:
            yield pod, at


def taint_evictions(view: ClusterState) -> list[Action]:
    """Upstream ``addConditionAndDeletePod``: the DisruptionTarget condition, then a delete
    with the pod's own grace period (on a down node the pod then stays terminating)."""
    actions: list[Action] = []
    for pod, at in _evictable(view):
        if at > view.clock:
            continue
        target = condition(pod.status.conditions, "DisruptionTarget")
        if target is None or target.status != "True":
            new = Condition(type="DisruptionTarget", status="True", reason="DeletionByTaintManager",
                            message="Taint manager: deleting due to NoExecute taint", last_transition_time=view.clock)
            status = attrs.evolve(pod.status, conditions=set_condition(pod.status.conditions, new))
            actions.append(UpdateStatus(attrs.evolve(pod, status=status)))
        else:
            actions.append(Delete("Pod", pod.metadata.namespace, pod.metadata.name))
    return actions


# ---- PodGC ------------------------------------------------------------------------------------

def _force_delete(view: ClusterState, pod: core.Pod, target: Condition | None) -> Action | None:
    """Upstream ``markFailedAndDeletePodWithCondition``: phase Failed (with the condition)
    unless terminal, then a delete with grace 0 (not repeated once asked)."""
    if pod.status.phase not in ("Succeeded", "Failed"):
        conditions = pod.status.conditions
        if target is not None:
            conditions = set_condition(conditions, attrs.evolve(target, last_transition_time=view.clock))
        return UpdateStatus(attrs.evolve(pod, status=attrs.evolve(pod.status, phase="Failed", conditions=conditions)))
    if is_terminating(pod) and pod.metadata.deletion_grace_period_seconds == 0:
        return None  # already force-deleted; only finalizers hold it
    return Delete("Pod", pod.metadata.namespace, pod.metadata.name, grace_seconds=0)


def gc_orphaned(view: ClusterState) -> list[Action]:
    """Pods bound to a node that no longer exists are force-deleted (``gcOrphaned``)."""
    nodes = {n.metadata.name for n in view.list("Node")}
    target = Condition(type="DisruptionTarget", status="True", reason="DeletionByPodGC",
                       message="PodGC: node no longer exists")
    actions = []
    for pod in view.list("Pod"):
        if pod.spec.node_name and pod.spec.node_name not in nodes:
            action = _force_delete(view, pod, target)
            if action is not None:
                actions.append(action)
    return actions


def gc_terminating(view: ClusterState) -> list[Action]:
    """Terminating pods on a not-Ready node tainted ``node.kubernetes.io/out-of-service``
    are force-deleted (``gcTerminating``); on a node that is merely unreachable they stay."""
    out = {n.metadata.name for n in view.list("Node")
           if ready_status(n) != "True" and any(t.key == OUT_OF_SERVICE for t in n.spec.taints)}
    actions = []
    for pod in view.list("Pod"):
        if is_terminating(pod) and pod.spec.node_name in out:
            action = _force_delete(view, pod, None)
            if action is not None:
                actions.append(action)
    return actions


def gc_unscheduled_terminating(view: ClusterState) -> list[Action]:
    """Terminating pods that were never scheduled are force-deleted (``gcUnscheduledTerminating``)."""
    return [Delete("Pod", p.metadata.namespace, p.metadata.name, grace_seconds=0) for p in view.list("Pod")
            if is_terminating(p) and not p.spec.node_name and p.metadata.deletion_grace_period_seconds != 0]


# ---- the actor --------------------------------------------------------------------------------

def reconcile(view: ClusterState) -> tuple[Action, ...]:
    """Taints first, then pod readiness, evictions, and PodGC."""
    return tuple(taint_nodes(view) + mark_pods_not_ready(view) + taint_evictions(view)
                 + gc_orphaned(view) + gc_terminating(view) + gc_unscheduled_terminating(view))


def wakeup(view: ClusterState) -> int | None:
    """The next time a toleration expires."""
    times = [at for _, at in _evictable(view) if at > view.clock]
    return min(times) if times else None
