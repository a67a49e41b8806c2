"""The scheduler's snapshot: nodes with what is placed on them, kept up to date as pods are
placed (upstream ``pkg/scheduler/framework/types.go`` ``NodeInfo`` and the cache snapshot).

A snapshot is private working state of one scheduling run (``reconcile`` builds one per
call, ``greedy_schedule`` one per run): it only grows, by :meth:`Snapshot.add`, which
updates the per-node sums and indexes in O(1) so placing thousands of pods stays linear.
It never touches the objects it is given.
"""

from __future__ import annotations

import heapq
from typing import Iterable, Iterator

from kspec.api import core
from kspec.controllers import interpod
from kspec.controllers.noderesources import (balanced_allocation, capacity_vector, insufficient_resources,
                                             least_allocated, nonzero_request, request_vector)
from kspec.controllers.nodeplugins import (host_ports, intolerable_prefer_no_schedule, node_taints,
                                           preferred_affinity_score, preferred_terms, required_node_affinity_matches,
                                           static_filter)

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
CONTROLLER_KINDS = ("ReplicationController", "ReplicaSet", "StatefulSet")
# A run keeps at most this many per-shape queues (see Snapshot.queue); more shapes fall back
# to scanning every node, which is just as exact.
MAX_QUEUES = 64


class NodeInfo:
    """One node and the pods placed on it. Mutable; owned by its snapshot."""

    __slots__ = ("index", "node", "name", "labels", "taints", "allocatable", "alloc_cpu", "alloc_memory",
                 "requested", "nonzero_cpu", "nonzero_memory", "pods", "by_namespace", "ports", "version",
                 "_affinity_cache")

    def __init__(self, index: int, node: core.Node):
        self.index = index
        self.node = node
        self.name = node.metadata.name
        self.labels = dict(node.metadata.labels)
        self.taints = node_taints(node)
        self.allocatable = capacity_vector(node)
        self.alloc_cpu = self.allocatable.get("cpu", 0)
        self.alloc_memory = self.allocatable.get("memory", 0)
        self.requested: dict[str, int] = {}
        self.nonzero_cpu = 0
        self.nonzero_memory = 0
        self.pods: list[core.Pod] = []
        self.by_namespace: dict[str, list[core.Pod]] = {}
        self.ports: set[tuple[str, str, int]] = set()
        self.version = 0
        self._affinity_cache: dict[int, tuple[core.Pod, bool]] = {}

    def add(self, pod: core.Pod) -> None:
        for name, value in request_vector(pod).items():
            self.requested[name] = self.requested.get(name, 0) + value
        cpu, memory = nonzero_request(pod)
        self.nonzero_cpu += cpu
        self.nonzero_memory += memory
        self.pods.append(pod)
        self.by_namespace.setdefault(pod.metadata.namespace, []).append(pod)
        self.ports.update(host_ports(pod))
        self.version += 1

    def pods_in(self, namespace: str) -> list[core.Pod]:
        return self.by_namespace.get(namespace, [])

    def required_affinity(self, pod: core.Pod) -> bool:
        """Whether the node passes the pod's nodeSelector and required node affinity."""
        cached = self._affinity_cache.get(id(pod))
        if cached is None or cached[0] is not pod:
            cached = (pod, required_node_affinity_matches(pod, self.node))
            self._affinity_cache[id(pod)] = cached
        return cached[1]

    def fits(self, requests: dict[str, int]) -> tuple[str, ...]:
        return insufficient_resources(requests, self.requested, len(self.pods), self.allocatable)


class Shape:
    """What only the pod's spec and each node decide (upstream plugins that need no other
    pod): per node, the static filter reason, the PreferNoSchedule count and the preferred
    node affinity sum. Shared by pods with equal tolerations, selectors and node affinity."""

    __slots__ = ("reasons", "taint_counts", "preferred", "has_preferred", "any_prefer_no_schedule")

    def __init__(self, pod: core.Pod, nodes: list[NodeInfo]):
        self.reasons = [static_filter(pod, info.node, info.taints) for info in nodes]
        self.taint_counts = [intolerable_prefer_no_schedule(pod, info.taints) for info in nodes]
        # whether a node that passes the static filters has an untolerated PreferNoSchedule taint
        self.any_prefer_no_schedule = any(n for n, r in zip(self.taint_counts, self.reasons) if r is None)
        terms = preferred_terms(pod)
        self.has_preferred = bool(terms)
        self.preferred = [preferred_affinity_score(terms, info.node) if terms else 0 for info in nodes]


def shape_key(pod: core.Pod) -> tuple:
    spec = pod.spec
    node_affinity = spec.affinity.node_affinity if spec.affinity else None
    return (spec.tolerations, spec.node_selector, node_affinity, spec.node_name)


class Queue:
    """Feasible nodes best-first for one pod shape whose score depends on the node alone
    (LeastAllocated + BalancedAllocation; every other plugin equal on all nodes).

    Entries ``(-score, name, version, node)``; an entry is current while the node's version
    is unchanged. Every placement pushes a fresh entry for its node into every queue, so the
    first current entry is the best node (scores of one node can rise as well as fall)."""

    __slots__ = ("shape", "requests", "nonzero", "best_effort", "entries")

    def __init__(self, shape: Shape, pod: core.Pod, nodes: list[NodeInfo]):
        self.shape = shape
        self.requests = request_vector(pod)
        self.nonzero = nonzero_request(pod)
        self.best_effort = not (self.requests.get("cpu", 0) or self.requests.get("memory", 0))
        self.entries = [e for e in map(self.entry, nodes) if e is not None]
        heapq.heapify(self.entries)

    def entry(self, info: NodeInfo):
        if self.shape.reasons[info.index] is not None or info.fits(self.requests):
            return None
        cpu, memory = self.nonzero
        total = least_allocated(info.nonzero_cpu + cpu, info.nonzero_memory + memory, info.alloc_cpu,
                                info.alloc_memory)
        if not self.best_effort:
            total += balanced_allocation(info.requested.get("cpu", 0) + self.requests.get("cpu", 0),
                                         info.requested.get("memory", 0) + self.requests.get("memory", 0),
                                         info.alloc_cpu, info.alloc_memory)
        return (-total, info.name, info.version, info)

    def refresh(self, info: NodeInfo) -> None:
        entry = self.entry(info)
        if entry is not None:
            heapq.heappush(self.entries, entry)

    def best(self) -> NodeInfo | None:
        entries = self.entries
        while entries:
            _, _, version, info = entries[0]
            if version == info.version:
                return info
            heapq.heappop(entries)
        return None


class Snapshot:
    """Nodes, placed pods and the objects the scheduler reads (namespaces, Services and
    controllers for default spreading)."""

    def __init__(self, nodes: Iterable[core.Node], pods: Iterable[core.Pod] = (), namespaces: Iterable = (),
                 objects: Iterable = (), *, queues: bool = False):
        self.nodes = [NodeInfo(i, n) for i, n in enumerate(sorted(nodes, key=lambda n: n.metadata.name))]
        self.by_name = {info.name: info for info in self.nodes}
        self._namespace_labels = {ns.metadata.name: {**ns.metadata.labels, NAMESPACE_NAME_LABEL: ns.metadata.name}
                                  for ns in namespaces}
        self._services: dict[str, list] = {}
        self._controllers: dict[tuple[str, str, str], object] = {}
        for obj in objects:
            kind = getattr(obj, "kind", "")
            if kind == "Service":
                self._services.setdefault(obj.metadata.namespace, []).append(obj)
            elif kind in CONTROLLER_KINDS:
                self._controllers[(kind, obj.metadata.namespace, obj.metadata.name)] = obj
        self._placed: list[tuple[core.Pod, NodeInfo]] = []
        self._by_namespace: dict[str, list[tuple[core.Pod, NodeInfo]]] = {}
        self._with_affinity: list[tuple[core.Pod, NodeInfo]] = []
        self._with_required_anti: list[tuple[core.Pod, NodeInfo]] = []
        self._shapes: dict[tuple, Shape] = {}
        self._queues: dict[tuple, Queue] | None = {} if queues else None
        for pod in pods:
            info = self.by_name.get(pod.spec.node_name)
            if info is not None:
                self.add(pod, info)

    # ---- growing ----
    def add(self, pod: core.Pod, info: NodeInfo) -> None:
        """Place ``pod`` on ``info``'s node (upstream ``NodeInfo.AddPod``)."""
        info.add(pod)
        pair = (pod, info)
        self._placed.append(pair)
        self._by_namespace.setdefault(pod.metadata.namespace, []).append(pair)
        terms = interpod.pod_terms(pod)
        if terms.any:
            self._with_affinity.append(pair)
            self._queues = None if self._queues is None else {}
        if terms.required_anti:
            self._with_required_anti.append(pair)
        if self._queues:
            for queue in self._queues.values():
                queue.refresh(info)

    # ---- reading ----
    def placed(self) -> Iterator[tuple[core.Pod, NodeInfo]]:
        return iter(self._placed)

    def placed_in(self, namespaces: set[str]) -> Iterator[tuple[core.Pod, NodeInfo]]:
        for namespace in sorted(namespaces):
            yield from self._by_namespace.get(namespace, ())

    def with_affinity(self) -> list[tuple[core.Pod, NodeInfo]]:
        """Placed pods with any pod affinity or anti-affinity term (``PodsWithAffinity``)."""
        return self._with_affinity

    def with_required_anti(self) -> list[tuple[core.Pod, NodeInfo]]:
        return self._with_required_anti

    def namespace_labels(self, namespace: str) -> dict[str, str]:
        """A namespace's labels with ``kubernetes.io/metadata.name`` (which the API server
        sets); a namespace with no object has only that label."""
        labels = self._namespace_labels.get(namespace)
        return labels if labels is not None else {NAMESPACE_NAME_LABEL: namespace}

    def services(self, namespace: str) -> list:
        return self._services.get(namespace, [])

    def controller(self, kind: str, namespace: str, name: str):
        return self._controllers.get((kind, namespace, name))

    def shape(self, pod: core.Pod) -> Shape:
        key = shape_key(pod)
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = Shape(pod, self.nodes)
        return shape

    def queue(self, pod: core.Pod, shape: Shape) -> Queue | None:
        """The best-first queue for pods of this shape and requests, when the run keeps queues."""
        if self._queues is None:
            return None
        key = (shape_key(pod), tuple(sorted(request_vector(pod).items())), nonzero_request(pod))
        queue = self._queues.get(key)
        if queue is None and len(self._queues) < MAX_QUEUES:
            queue = self._queues[key] = Queue(shape, pod, self.nodes)
        return queue
