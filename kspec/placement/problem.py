"""What ``kspec place`` places: nodes, the pods the manifests ask for, and where each came from.

Pods come from existing Pods (fixed when ``spec.nodeName`` is set) and from workloads,
expanded as the controllers would create them and named ``<workload>-<i>`` (DESIGN.md):
Deployments, ReplicaSets and ReplicationControllers (``replicas``), StatefulSets (their
ordinals), Jobs (``parallelism``, at most ``completions``) and DaemonSets (one pod pinned
to each node that should run it). Objects that run no pod continuously (CronJobs) are
reported in ``skipped``, never silently dropped. Pods go through the store's admission
(LimitRange defaults, ``requests`` defaulted from ``limits``) as in the cluster model.

Size: at most ``MAX_PODS`` (150,000) pods, Kubernetes' documented limit for one cluster
("Considerations for large clusters": no more than 150,000 pods; the nodes are bounded by
``kspec.model.cluster.MAX_NODES``). The pods each object asks for are counted before any is
built; past the limit ``build`` raises ``TooManyPods`` at the count that crosses it (the
``replicas`` of a ``replicas: 1000000000`` Deployment), and ``kspec place`` answers with no
verdict (exit 3): the input is valid Kubernetes, kspec just does not answer for it.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from kspec.api import core
from kspec.controllers import daemonset
from kspec.controllers.common import pod_from_template
from kspec.controllers.noderesources import capacity_vector, request_vector
from kspec.controllers.nodeplugins import node_taints, static_filter
from kspec.model.cluster import initial_state
from kspec.model.state import ClusterState, object_ref
from kspec.reading.errors import ReadError

ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"
MAX_PODS = 150_000


class TooManyPods(ReadError):
    """The input asks for more than ``MAX_PODS`` pods: no placement question is answered
    (``kspec place`` exits 3). Positioned at the count that crosses the limit."""


@attrs.frozen
class Origin:
    """Where an object was written: ``file:line``."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def origin_of(obj) -> Origin | None:
    node = getattr(obj, "node", None)
    if node is None:
        return None
    try:
        return Origin(node.file, node.line)
    except (AttributeError, TypeError):
        return None


@attrs.frozen(kw_only=True)
class Workload:
    """A set of pods one object asks for: ``Deployment/shop/web`` with 3 replicas."""

    ref: str
    name: str
    namespace: str
    replicas: int
    origin: Origin | None
    requests: dict = attrs.field(eq=False)  # one pod's effective requests (integers)
    declared: object = attrs.field(default=None, eq=False, repr=False)  # the decoded object, for positions

    def field_origin(self, *pod_spec_path: str) -> Origin | None:
        """Where a field of the pod spec is written (``affinity``), else the object itself."""
        from kspec.api.decode import field_node

        prefix = () if self.ref.startswith("Pod/") else ("spec", "template")
        if self.ref.startswith("CronJob/"):
            prefix = ("spec", "jobTemplate", "spec", "template")
        path = (*prefix, "spec", *pod_spec_path)
        parent = field_node(self.declared, *path[:-1]) if self.declared is not None else None
        node = parent.key_node(path[-1]) if hasattr(parent, "key_node") else None  # the key's line
        if node is None:
            return self.origin
        try:
            return Origin(node.file, node.line)
        except (AttributeError, TypeError):
            return self.origin


@attrs.frozen(kw_only=True)
class PodToPlace:
    """One pod: its key ``namespace/name``, the pod object (for the scheduler's plugins), the
    workload it belongs to, its effective requests, and the node it is fixed to, if any."""

    key: str
    pod: core.Pod = attrs.field(eq=False)
    workload: str
    requests: dict = attrs.field(eq=False)
    fixed: str | None = None


@attrs.frozen(kw_only=True)
class Problem:
    nodes: tuple[core.Node, ...]
    node_origins: dict = attrs.field(eq=False)
    pods: tuple[PodToPlace, ...]
    workloads: dict = attrs.field(eq=False)  # ref -> Workload
    state: ClusterState = attrs.field(eq=False)  # the input cluster (quotas, namespaces, Services)
    skipped: tuple[str, ...] = ()
    default_cluster: bool = False

    @property
    def movable(self) -> tuple[PodToPlace, ...]:
        return tuple(p for p in self.pods if p.fixed is None)

    def node_index(self) -> dict[str, int]:
        return {n.metadata.name: i for i, n in enumerate(self.nodes)}

    def allocatable(self, node: core.Node) -> dict[str, int]:
        return capacity_vector(node)

    def without_nodes(self, lost: Iterable[str]) -> "Problem":
        """The problem after losing ``lost``: their pods (fixed ones included) must go elsewhere."""
        lost = set(lost)
        nodes = tuple(n for n in self.nodes if n.metadata.name not in lost)
        pods = []
        for p in self.pods:
            if p.fixed in lost:
                if p.workload.startswith("DaemonSet/"):
                    continue  # a daemon pod dies with its node
                pods.append(attrs.evolve(p, fixed=None, pod=_unbound(p.pod)))
            elif p.workload.startswith("DaemonSet/") and _pinned_node(p) in lost:
                continue
            else:
                pods.append(p)
        return attrs.evolve(self, nodes=nodes, pods=tuple(pods))


def _unbound(pod: core.Pod) -> core.Pod:
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=""))


def _pinned_node(p: PodToPlace) -> str:
    return daemonset.get_target_node_name(p.pod) or ""


def _workload_pods(obj, count: int, names: Iterable[str]) -> list[core.Pod]:
    return [pod_from_template(obj.spec.template, obj, name=name) for name in names][:count]


def _admitted(state: ClusterState, pod: core.Pod) -> core.Pod:
    from kspec.model.admission import admit_create

    admitted, _ = admit_create(state, pod)
    return admitted


def build(objects: Iterable[object]) -> Problem:
    """The placement problem for decoded ``objects`` (Nodes/NodePools or the default cluster)."""
    objects = list(objects)
    explicit_nodes = any(isinstance(o, core.Node) or type(o).__name__ == "NodePool" for o in objects)
    state = initial_state(objects)
    nodes = tuple(state.list("Node"))
    origins = {}
    declared = {o.metadata.name: origin_of(o) for o in objects if isinstance(o, core.Node)}
    pools = [o for o in objects if type(o).__name__ == "NodePool"]
    for node in nodes:
        name = node.metadata.name
        origins[name] = declared.get(name) or next(
            (origin_of(p) for p in pools if name.startswith(p.metadata.name + "-")), None)
    by_ref = {object_ref(o): o for o in objects if getattr(o, "metadata", None) is not None}
    workloads: dict[str, Workload] = {}
    pods: list[PodToPlace] = []
    skipped: list[str] = []

    def add(obj, pod_list: list[core.Pod], fixed_of=lambda pod: None) -> None:
        ref = object_ref(obj)
        admitted = [_admitted(state, p) for p in pod_list]
        requests = dict(request_vector(admitted[0])) if admitted else {}
        workloads[ref] = Workload(ref=ref, name=obj.metadata.name, namespace=obj.metadata.namespace or "default",
                                  replicas=len(admitted), origin=origin_of(by_ref.get(ref, obj)), requests=requests,
                                  declared=by_ref.get(ref))
        for pod in admitted:
            pods.append(PodToPlace(key=f"{pod.metadata.namespace or 'default'}/{pod.metadata.name}", pod=pod,
                                   workload=ref, requests=dict(request_vector(pod)), fixed=fixed_of(pod)))

    plan = []  # (declared object, stored object, pods it asks for, daemon nodes)
    total = 0
    for declared_obj in objects:  # input order: the order a user applies them, kube-scheduler's queue order
        meta = getattr(declared_obj, "metadata", None)
        if meta is None or declared_obj.kind in ("Node", "NodePool", "Scenario"):
            continue
        obj = state.get(declared_obj.kind, meta.namespace or ("default" if declared_obj.kind != "Namespace" else ""),
                        meta.name) or state.get(declared_obj.kind, meta.namespace, meta.name)
        if obj is None:
            continue
        kind = obj.kind
        if kind == "CronJob":
            skipped.append(f"{object_ref(obj)}: runs Jobs on a schedule, not continuously; not placed")
            continue
        daemon_nodes = ([n for n in nodes if daemonset.node_should_run_daemon_pod(n, obj)[0]]
                        if kind == "DaemonSet" else [])
        wanted = pods_wanted(obj, daemon_nodes)
        if wanted is None:
            continue
        count, path = wanted
        total += count
        if total > MAX_PODS:
            raise _too_many(declared_obj, obj, count, total, path)
        plan.append((obj, count, daemon_nodes))
    for obj, count, daemon_nodes in plan:
        kind = obj.kind
        if kind == "Pod":
            add(obj, [obj], lambda pod: pod.spec.node_name or None)
        elif kind in ("Deployment", "ReplicaSet", "ReplicationController", "Job"):
            add(obj, _workload_pods(obj, count, (f"{obj.metadata.name}-{i}" for i in range(count))))
        elif kind == "StatefulSet":
            start = obj.spec.ordinals.start
            add(obj, _workload_pods(obj, count, (f"{obj.metadata.name}-{i}" for i in range(start, start + count))))
        elif kind == "DaemonSet":
            daemon = []
            for node in daemon_nodes:
                pod = daemonset.new_daemon_pod(obj, node.metadata.name, "")
                daemon.append(attrs.evolve(pod, metadata=attrs.evolve(
                    pod.metadata, name=f"{obj.metadata.name}-{node.metadata.name}")))
            add(obj, daemon)
    return Problem(nodes=nodes, node_origins=origins, pods=tuple(pods), workloads=workloads, state=state,
                   skipped=tuple(skipped), default_cluster=not explicit_nodes)


def pods_wanted(obj, daemon_nodes: list[core.Node]) -> tuple[int, tuple[str, ...]] | None:
    """(how many pods ``obj`` asks kspec place to place, the field that says so), or None
    for an object that asks for none (a Pod owned by a controller or finished, a ReplicaSet
    run by a Deployment, a workload without a template, kinds that run no pod)."""
    kind = obj.kind
    if kind == "Pod":
        if obj.metadata.owner_references or obj.status.phase in ("Succeeded", "Failed"):
            return None
        return 1, ()
    if kind in ("Deployment", "ReplicaSet", "ReplicationController"):
        if kind == "ReplicaSet" and obj.metadata.controller_ref() is not None:
            return None
        if obj.spec.template is None:
            return None
        return max(obj.spec.replicas if obj.spec.replicas is not None else 1, 0), ("spec", "replicas")
    if kind == "StatefulSet":
        return max(obj.spec.replicas, 0), ("spec", "replicas")
    if kind == "Job":
        if obj.spec.suspend:
            return 0, ("spec", "suspend")
        if obj.spec.completions is not None and obj.spec.completions < obj.spec.parallelism:
            return max(obj.spec.completions, 0), ("spec", "completions")
        return max(obj.spec.parallelism, 0), ("spec", "parallelism")
    if kind == "DaemonSet":
        return len(daemon_nodes), ()
    return None


def _too_many(declared, obj, count: int, total: int, path: tuple[str, ...]) -> TooManyPods:
    from kspec.api.decode import nearest_node

    ref = object_ref(obj)
    asks = f"{ref} asks for {count:,}" + (f" ({total:,} in all with the objects before it)" if total != count else "")
    message = (f"kspec place handles up to {MAX_PODS:,} pods (Kubernetes' documented limit for one cluster); "
               f"{asks}: no placement is attempted")
    node = nearest_node(declared, *path) if getattr(declared, "node", None) is not None else None
    return TooManyPods(message, node.source, node.start) if node is not None else TooManyPods(message)


def static_reason(p: PodToPlace, node: core.Node) -> str | None:
    """Why ``node`` can never take ``p`` whatever else is placed (the upstream plugin reason)."""
    return static_filter(p.pod, node, node_taints(node))
