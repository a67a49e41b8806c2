"""Pod requests as the scheduler counts them, and the NodeResources plugins.

Upstream ``pkg/scheduler/framework/plugins/noderesources``: ``fit.go`` (the filter),
``least_allocated.go`` and ``balanced_allocation.go`` (scores over cpu and memory, weight 1
each), ``resource_allocation.go`` (which requests each score reads), and
``k8s.io/component-helpers/resource`` ``PodRequests`` (effective requests).

Vectors are plain ``dict[str, int]``: milli-CPU for ``cpu``, whole units rounded up for
everything else (upstream ``framework.Resource``).
"""

from __future__ import annotations

from kspec.api import core
from kspec.api.quantity import Quantity

# pkg/scheduler/util/pod_resources.go: what a container without a cpu/memory request
# counts as when scores compare nodes (DefaultMilliCPURequest, DefaultMemoryRequest).
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
_NON_MISSING = {"cpu": Quantity.parse("100m"), "memory": Quantity.parse(DEFAULT_MEMORY_REQUEST)}

MAX_NODE_SCORE = 100


def pod_requests(pod: core.Pod, non_missing: dict[str, Quantity] | None = None) -> dict[str, Quantity]:
    """Effective requests (upstream ``resource.PodRequests``): the larger of the app
    containers plus restartable init containers (sidecars), and of each init container
    plus the sidecars started before it; plus the pod overhead; ``pods`` counts 1.

    ``non_missing`` gives a value for each resource a container does not request at all
    (upstream ``NonMissingContainerRequests``; an explicit ``0`` stays 0)."""
    spec = pod.spec

    def requests_of(container) -> dict:
        # SetDefaults_Pod (pkg/apis/core/v1/defaults.go): a limit without a request is the
        # request; applied here too so pods that did not pass the API server count the same.
        requests = {**container.resources.limits, **container.resources.requests}
        for name, value in (non_missing or {}).items():
            requests.setdefault(name, value)
        return requests

    def add(into: dict, requests) -> dict:
        out = dict(into)
        for name, value in requests.items():
            out[name] = out.get(name, Quantity.zero()) + value
        return out

    total: dict[str, Quantity] = {}
    for container in spec.containers:
        total = add(total, requests_of(container))
    sidecars: dict[str, Quantity] = {}
    init_peak: dict[str, Quantity] = {}
    for container in spec.init_containers:
        if container.restart_policy == "Always":
            sidecars = add(sidecars, requests_of(container))
            total = add(total, requests_of(container))
            continue
        running = add(sidecars, requests_of(container))
        for name, value in running.items():
            if value > init_peak.get(name, Quantity.zero()):
                init_peak[name] = value
    for name, value in init_peak.items():
        if value > total.get(name, Quantity.zero()):
            total[name] = value
    total = add(total, spec.overhead)
    total["pods"] = Quantity.parse(1)
    return total


def _as_ints(requests: dict[str, Quantity]) -> dict[str, int]:
    return {name: (q.milli_value() if name == "cpu" else q.value()) for name, q in requests.items()}


_VECTORS: dict[int, tuple[object, dict[str, int], tuple[int, int]]] = {}
_BY_RESOURCES: dict[tuple, tuple[dict[str, int], tuple[int, int]]] = {}


def _vectors(pod: core.Pod) -> tuple[dict[str, int], tuple[int, int]]:
    # Cached per pod object: pods are immutable and shared between states.
    cached = _VECTORS.get(id(pod))
    if cached is not None and cached[0] is pod:
        return cached[1], cached[2]
    # Pods of one template share their resources: compute once per distinct resources.
    spec = pod.spec
    key = (tuple(c.resources for c in spec.containers),
           tuple((c.restart_policy, c.resources) for c in spec.init_containers), spec.overhead)
    both = _BY_RESOURCES.get(key)
    if both is None:
        nonzero = _as_ints(pod_requests(pod, _NON_MISSING))
        both = _BY_RESOURCES[key] = (_as_ints(pod_requests(pod)), (nonzero.get("cpu", 0), nonzero.get("memory", 0)))
    if len(_VECTORS) > 200_000:
        _VECTORS.clear()
        _BY_RESOURCES.clear()
    _VECTORS[id(pod)] = (pod, both[0], both[1])
    return both


def request_vector(pod: core.Pod) -> dict[str, int]:
    """Effective requests as integers, as the scheduler compares them. Do not modify."""
    return _vectors(pod)[0]


def nonzero_request(pod: core.Pod) -> tuple[int, int]:
    """(milli-CPU, memory bytes) with 100m / 200Mi for each container that requests none:
    what LeastAllocated counts (upstream ``NodeInfo.NonZeroRequested``)."""
    return _vectors(pod)[1]


def capacity_vector(node: core.Node) -> dict[str, int]:
    return _as_ints(dict(node.status.allocatable))


def insufficient_resources(requests: dict[str, int], used: dict[str, int], pod_count: int,
                           allocatable: dict[str, int]) -> tuple[str, ...]:
    """Upstream ``fitsRequest`` reasons: ``Too many pods``, ``Insufficient <name>``.

    ``requests`` includes ``pods: 1``; a resource the pod does not request never fails."""
    reasons = []
    if pod_count + 1 > allocatable.get("pods", 0):
        reasons.append("Too many pods")
    for name, value in requests.items():
        if name != "pods" and value > 0 and value > allocatable.get(name, 0) - used.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return tuple(reasons)


def least_allocated(cpu: int, memory: int, allocatable_cpu: int, allocatable_memory: int) -> int:
    """LeastAllocated over cpu and memory (weight 1 each) with requests after placing.

    Example: 1000m of 4000m and 4Gi of 16Gi requested -> (75 + 75) / 2 = 75."""
    total = weights = 0
    for requested, capacity in ((cpu, allocatable_cpu), (memory, allocatable_memory)):
        if capacity == 0:
            continue
        total += 0 if requested > capacity else (capacity - requested) * MAX_NODE_SCORE // capacity
        weights += 1
    return total // weights if weights else 0


def balanced_allocation(cpu: int, memory: int, allocatable_cpu: int, allocatable_memory: int) -> int:
    """BalancedAllocation: ``(1 - std) * 100`` of the cpu and memory fractions (capped at 1).

    Example: 50% cpu and 10% memory -> std 0.2 -> 80."""
    fractions = [min(requested / capacity, 1.0)
                 for requested, capacity in ((cpu, allocatable_cpu), (memory, allocatable_memory)) if capacity]
    std = abs((fractions[0] - fractions[1]) / 2) if len(fractions) == 2 else 0.0
    return int((1 - std) * MAX_NODE_SCORE)
