"""What ``kspec place`` places: nodes, the pods the manifests ask for, and where each came from.

Pods come from existing Pods (fixed when ``spec.nodeName`` is set) and from workloads,
expanded as the controllers would create them and named ``<workload>-<i>`` (DESIGN.md):
Deployments, ReplicaSets and ReplicationControllers (``replicas``), StatefulSets (their
ordinals), Jobs (``parallelism``, at most ``completions``) and DaemonSets (one pod pinned
to each node that should run it). Objects that run no pod continuously (CronJobs) are
reported in ``skipped``, never silently dropped. Pods go through the store's admission
(LimitRange defaults, ``requests`` defaulted from ``limits``) as in the cluster model.
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

ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"


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

    for declared_obj in objects:  # input order: the order a user applies them, kube-scheduler's queue order
        meta = getattr(declared_obj, "metadata", None)
        if meta is None or declared_obj.kind in ("Node", "NodePool", "Scenario"):
            continue
        obj = state.get(declared_obj.kind, meta.namespace or ("default" if declared_obj.kind != "Namespace" else ""),
                        meta.name) or state.get(declared_obj.kind, meta.namespace, meta.name)
        if obj is None:
            continue
        kind = obj.kind
        if kind == "Pod":
            if obj.metadata.owner_references or obj.status.phase in ("Succeeded", "Failed"):
                continue
            add(obj, [obj], lambda pod: pod.spec.node_name or None)
        elif kind in ("Deployment", "ReplicaSet", "ReplicationController"):
            if kind == "ReplicaSet" and obj.metadata.controller_ref() is not None:
                continue
            if obj.spec.template is None:
                continue
            replicas = obj.spec.replicas if obj.spec.replicas is not None else 1
            add(obj, _workload_pods(obj, replicas, (f"{obj.metadata.name}-{i}" for i in range(replicas))))
        elif kind == "StatefulSet":
            start = obj.spec.ordinals.start
            add(obj, _workload_pods(obj, obj.spec.replicas,
                                    (f"{obj.metadata.name}-{i}" for i in range(start, start + obj.spec.replicas))))
        elif kind == "Job":
            want = obj.spec.parallelism if obj.spec.completions is None else min(obj.spec.parallelism,
                                                                                   obj.spec.completions)
            if obj.spec.suspend:
                want = 0
            add(obj, _workload_pods(obj, want, (f"{obj.metadata.name}-{i}" for i in range(want))))
        elif kind == "DaemonSet":
            daemon = []
            for node in nodes:
                should_run, _ = daemonset.node_should_run_daemon_pod(node, obj)
                if should_run:
                    pod = daemonset.new_daemon_pod(obj, node.metadata.name, "")
                    daemon.append(attrs.evolve(pod, metadata=attrs.evolve(
                        pod.metadata, name=f"{obj.metadata.name}-{node.metadata.name}")))
            add(obj, daemon)
        elif kind == "CronJob":
            skipped.append(f"{object_ref(obj)}: runs Jobs on a schedule, not continuously; not placed")
    return Problem(nodes=nodes, node_origins=origins, pods=tuple(pods), workloads=workloads, state=state,
                   skipped=tuple(skipped), default_cluster=not explicit_nodes)


def static_reason(p: PodToPlace, node: core.Node) -> str | None:
    """Why ``node`` can never take ``p`` whatever else is placed (the upstream plugin reason)."""
    return static_filter(p.pod, node, node_taints(node))
