"""The scheduler: one pending pod at a time, greedy, as kube-scheduler does.

Filters (upstream ``pkg/scheduler/framework/plugins``): NodeUnschedulable, TaintToleration
(NoSchedule/NoExecute), NodeName, NodeAffinity (nodeSelector and required affinity),
NodeResourcesFit (effective requests incl. init containers, sidecars and overhead; the
``pods`` count), NodePorts; score: NodeResourcesFit LeastAllocated over cpu and memory,
ties broken by node name (upstream picks randomly among equal scores; a fixed tie-break
keeps runs reproducible: DEVIATION(upstream)).

The filter and score functions are pure and shared with ``kspec place --compare-greedy``.
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from kspec.api import core
from kspec.api.quantity import Quantity
from kspec.api.selectors import node_selector_matches
from kspec.api.status import Condition, is_true, set_condition
from kspec.controllers.common import is_pod_active
from kspec.model.state import ClusterState
from kspec.model.store import Action, Bind, UpdateStatus

NAME = "scheduler"


def pod_requests(pod: core.Pod) -> dict[str, Quantity]:
    """Effective requests (upstream ``resource.PodRequests``): the larger of the app
    containers plus restartable init containers (sidecars), and of each init container
    plus the sidecars started before it; plus the pod overhead; ``pods`` counts 1."""
    spec = pod.spec
    total: dict[str, Quantity] = {}

    def add(into: dict, requests) -> dict:
        out = dict(into)
        for name, value in requests.items():
            out[name] = out.get(name, Quantity.zero()) + value
        return out

    for container in spec.containers:
        total = add(total, container.resources.requests)
    sidecars: dict[str, Quantity] = {}
    init_peak: dict[str, Quantity] = {}
    for container in spec.init_containers:
        if container.restart_policy == "Always":
            sidecars = add(sidecars, container.resources.requests)
            total = add(total, container.resources.requests)
            continue
        running = add(sidecars, container.resources.requests)
        for name, value in running.items():
            if value > init_peak.get(name, Quantity.zero()):
                init_peak[name] = value
    for name, value in init_peak.items():
        if value > total.get(name, Quantity.zero()):
            total[name] = value
    total = add(total, spec.overhead)
    total["pods"] = Quantity.parse(1)
    return total


_VECTORS: dict[int, tuple[object, dict[str, int]]] = {}


def request_vector(pod: core.Pod) -> dict[str, int]:
    """Effective requests as integers, as the scheduler compares them (upstream
    ``framework.Resource``: milli-CPU for cpu, whole units rounded up for everything else).
    Cached per pod object: pods are immutable and shared between states."""
    cached = _VECTORS.get(id(pod))
    if cached is not None and cached[0] is pod:
        return cached[1]
    vector = {name: (q.milli_value() if name == "cpu" else q.value()) for name, q in pod_requests(pod).items()}
    if len(_VECTORS) > 200_000:
        _VECTORS.clear()
    _VECTORS[id(pod)] = (pod, vector)
    return vector


def capacity_vector(node: core.Node) -> dict[str, int]:
    return {name: (q.milli_value() if name == "cpu" else q.value()) for name, q in node.status.allocatable.items()}


def used_vector(pods_on_node: list[core.Pod]) -> dict[str, int]:
    used: dict[str, int] = {}
    for other in pods_on_node:
        for name, value in request_vector(other).items():
            used[name] = used.get(name, 0) + value
    return used


def node_is_ready(node: core.Node) -> bool:
    return is_true(node.status.conditions, "Ready")


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


def unschedulable_reason(pod: core.Pod, node: core.Node, pods_on_node: list[core.Pod]) -> str | None:
    """Why ``pod`` cannot go to ``node`` (None when it fits). Pure."""
    if not node_is_ready(node):
        return "node is not ready"
    spec = pod.spec
    unschedulable_toleration = any(t.key == "node.kubernetes.io/unschedulable" and t.operator == "Exists"
                                   for t in spec.tolerations)
    if node.spec.unschedulable and not unschedulable_toleration:
        return "node is unschedulable"
    for taint in node.spec.taints:
        if taint.effect in ("NoSchedule", "NoExecute") and not tolerates(spec.tolerations, taint):
            return f"untolerated taint {taint.key}={taint.value}:{taint.effect}"
    labels = node.metadata.labels
    if any(labels.get(k) != v for k, v in spec.node_selector.items()):
        return "node does not match nodeSelector"
    affinity = spec.affinity.node_affinity if spec.affinity else None
    if affinity is not None and affinity.required is not None:
        if not node_selector_matches(affinity.required.node_selector_terms, dict(labels), node.metadata.name):
            return "node does not match required node affinity"
    used = used_vector(pods_on_node)
    allocatable = capacity_vector(node)
    for name, value in request_vector(pod).items():
        if value and used.get(name, 0) + value > allocatable.get(name, 0):
            return f"insufficient {name}"
    ports = {(p.host_port, p.protocol, p.host_ip or "0.0.0.0") for o in pods_on_node
             for c in o.spec.containers for p in c.ports if p.host_port}
    for container in spec.containers:
        for port in container.ports:
            if port.host_port and any(h == port.host_port and proto == port.protocol
                                      and (ip == "0.0.0.0" or (port.host_ip or "0.0.0.0") in ("0.0.0.0", ip))
                                      for h, proto, ip in ports):
                return f"host port {port.host_port}/{port.protocol} is in use"
    return None


def score(pod: core.Pod, node: core.Node, pods_on_node: list[core.Pod]) -> Fraction:
    """LeastAllocated: the mean free fraction of cpu and memory after placing the pod."""
    requests = request_vector(pod)
    used = used_vector(pods_on_node)
    capacity = capacity_vector(node)
    free = [max(Fraction(0), 1 - Fraction(used.get(name, 0) + requests.get(name, 0), capacity[name]))
            for name in ("cpu", "memory") if capacity.get(name)]
    return sum(free, Fraction(0)) / len(free) if free else Fraction(0)


def pods_by_node(view: ClusterState) -> dict[str, list[core.Pod]]:
    placed: dict[str, list[core.Pod]] = {}
    for pod in view.list("Pod"):
        if pod.spec.node_name and pod.status.phase not in ("Succeeded", "Failed"):
            placed.setdefault(pod.spec.node_name, []).append(pod)
    return placed


def pending_pods(view: ClusterState) -> list[core.Pod]:
    """Unbound, active pods in creation order (upstream's queue orders by priority, then time)."""
    pods = [p for p in view.list("Pod") if not p.spec.node_name and is_pod_active(p)
            and p.spec.scheduler_name == "default-scheduler"]
    return sorted(pods, key=lambda p: (-(p.spec.priority or 0), p.metadata.creation_timestamp or 0,
                                       p.metadata.namespace, p.metadata.name))


def schedule_one(view: ClusterState, pod: core.Pod, placed: dict[str, list[core.Pod]]) -> tuple[str | None, dict]:
    """The node for ``pod`` (or None) and, per node, why it was filtered out."""
    reasons = {}
    best: tuple | None = None
    for node in view.list("Node"):
        on_node = placed.get(node.metadata.name, [])
        reason = unschedulable_reason(pod, node, on_node)
        if reason:
            reasons[node.metadata.name] = reason
            continue
        key = (-score(pod, node, on_node), node.metadata.name)
        if best is None or key < best:
            best = key
    return (best[1] if best else None), reasons


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    placed = pods_by_node(view)
    for pod in pending_pods(view):
        node, reasons = schedule_one(view, pod, placed)
        if node is not None:
            return (Bind(pod.metadata.namespace, pod.metadata.name, node),)
        message = f"0/{len(reasons)} nodes are available: " + "; ".join(
            f"{name}: {why}" for name, why in sorted(reasons.items()))
        condition = Condition(type="PodScheduled", status="False", reason="Unschedulable", message=message,
                              last_transition_time=view.clock)
        current = next((c for c in pod.status.conditions if c.type == "PodScheduled"), None)
        if current is None or current.message != message:
            status = attrs.evolve(pod.status, conditions=set_condition(pod.status.conditions, condition))
            return (UpdateStatus(attrs.evolve(pod, status=status)),)
    return ()

