"""Scheduler plugins that look at one node and the pod only: NodeUnschedulable, NodeName,
TaintToleration, NodeAffinity, NodePorts (upstream ``pkg/scheduler/framework/plugins``).

Filter reasons are upstream's strings, so an unschedulable pod's message reads as
kube-scheduler's ("1 node(s) were unschedulable").
"""

from __future__ import annotations

from kspec.api import core
from kspec.api.selectors import NodeSelectorTerm, node_selector_matches
from kspec.api.status import condition

# Upstream ErrReason* strings.
REASON_UNSCHEDULABLE = "node(s) were unschedulable"
REASON_NODE_NAME = "node(s) didn't match the requested node name"
REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"

NOT_READY_TAINT = core.Taint(key="node.kubernetes.io/not-ready", effect="NoSchedule")
UNREACHABLE_TAINT = core.Taint(key="node.kubernetes.io/unreachable", effect="NoSchedule")
_UNSCHEDULABLE_TAINT = core.Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")


def node_is_ready(node: core.Node) -> bool:
    ready = condition(node.status.conditions, "Ready")
    return ready is not None and ready.status == "True"


def tolerates(tolerations, taint) -> bool:
    """Upstream ``Toleration.ToleratesTaint``: an empty key with Exists tolerates everything."""
    for t in tolerations:
        if t.effect and t.effect != taint.effect:
            continue
        if not t.key:
            if t.operator == "Exists":
                return True
            continue
        if t.key != taint.key:
            continue
        if t.operator == "Exists" or t.value == taint.value:
            return True
    return False


def node_taints(node: core.Node) -> tuple[core.Taint, ...]:
    """The node's taints, plus the NoSchedule condition taint of a node that is not Ready.

    Upstream the node lifecycle controller adds ``node.kubernetes.io/not-ready`` (Ready=False)
    or ``.../unreachable`` (Unknown) with NoSchedule (TaintNodesByCondition). DEVIATION(upstream):
    the model adds it here at once, so the scheduler never binds to a node the controller
    has not tainted yet. A node with no Ready condition at all counts as ready, as
    ``cluster.initial_state`` makes it (a declared node, e.g. for ``kspec place``)."""
    taints = node.spec.taints
    ready = condition(node.status.conditions, "Ready")
    if ready is None or ready.status == "True":
        return taints
    implied = NOT_READY_TAINT if ready.status == "False" else UNREACHABLE_TAINT
    if any(t.key == implied.key and t.effect == "NoSchedule" for t in taints):
        return taints
    return taints + (implied,)


def untolerated_taint(taints, tolerations) -> core.Taint | None:
    """``FindMatchingUntoleratedTaint`` over NoSchedule and NoExecute taints."""
    for taint in taints:
        if taint.effect in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
            return taint
    return None


def required_node_affinity_matches(pod: core.Pod, node: core.Node) -> bool:
    """``GetRequiredNodeAffinity(pod).Match(node)``: nodeSelector AND required node affinity."""
    labels = node.metadata.labels
    spec = pod.spec
    if any(labels.get(k) != v for k, v in spec.node_selector.items()):
        return False
    affinity = spec.affinity.node_affinity if spec.affinity else None
    if affinity is not None and affinity.required is not None:
        return node_selector_matches(affinity.required.node_selector_terms, dict(labels), node.metadata.name)
    return True


def static_filter(pod: core.Pod, node: core.Node, taints) -> str | None:
    """NodeUnschedulable, NodeName, TaintToleration and NodeAffinity, in upstream's order:
    the first failing plugin's reason, or None. Depends only on the pod's spec and the node."""
    spec = pod.spec
    if node.spec.unschedulable and not tolerates(spec.tolerations, _UNSCHEDULABLE_TAINT):
        return REASON_UNSCHEDULABLE
    if spec.node_name and spec.node_name != node.metadata.name:
        return REASON_NODE_NAME
    taint = untolerated_taint(taints, spec.tolerations)
    if taint is not None:
        return f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"
    if not required_node_affinity_matches(pod, node):
        return REASON_NODE_AFFINITY
    return None


def host_ports(pod: core.Pod) -> tuple[tuple[str, str, int], ...]:
    """(hostIP, protocol, hostPort) the pod's containers ask for (upstream ``getContainerPorts``)."""
    return tuple((p.host_ip or "0.0.0.0", p.protocol or "TCP", p.host_port)
                 for c in pod.spec.containers for p in c.ports if p.host_port)


def ports_conflict(wanted, in_use: set[tuple[str, str, int]]) -> bool:
    """``HostPortInfo.CheckConflict``: 0.0.0.0 conflicts with every IP and every IP with 0.0.0.0."""
    for ip, protocol, port in wanted:
        if ip == "0.0.0.0":
            if any(p == port and proto == protocol for _, proto, p in in_use):
                return True
        elif (ip, protocol, port) in in_use or ("0.0.0.0", protocol, port) in in_use:
            return True
    return False


# ---- scores -----------------------------------------------------------------------------

def intolerable_prefer_no_schedule(pod: core.Pod, taints) -> int:
    """TaintToleration score: PreferNoSchedule taints the pod does not tolerate, counting
    only tolerations with an empty or PreferNoSchedule effect (``getAllTolerationPreferNoSchedule``)."""
    tolerations = [t for t in pod.spec.tolerations if t.effect in ("", "PreferNoSchedule")]
    return sum(1 for taint in taints if taint.effect == "PreferNoSchedule" and not tolerates(tolerations, taint))


def preferred_terms(pod: core.Pod) -> tuple[tuple[int, NodeSelectorTerm], ...]:
    """Preferred node affinity terms that count: weight non-zero and a non-empty preference
    (component-helpers ``NewPreferredSchedulingTerms``)."""
    affinity = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    if affinity is None:
        return ()
    terms = []
    for preferred in affinity.preferred:
        term = NodeSelectorTerm.from_python(preferred.preference)
        if preferred.weight and not term.is_empty():
            terms.append((preferred.weight, term))
    return tuple(terms)


def preferred_affinity_score(terms, node: core.Node) -> int:
    """NodeAffinity score: the sum of the weights of the preferred terms the node matches."""
    labels = node.metadata.labels
    return sum(weight for weight, term in terms if term.matches(labels, node.metadata.name))


def default_normalize(scores: list[int], reverse: bool) -> list[int]:
    """``helper.DefaultNormalizeScore(100, reverse)``: scale to 0..100 by the maximum
    (integer division), reversed for "fewer is better"; all zero -> 0 (100 reversed)."""
    highest = max(scores, default=0)
    if highest == 0:
        return [100 if reverse else 0] * len(scores)
    scaled = [100 * s // highest for s in scores]
    return [100 - s for s in scaled] if reverse else scaled
