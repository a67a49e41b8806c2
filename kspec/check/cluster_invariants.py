"""Cluster-wide properties: Services, nodes, pod networking, volumes, disruption budgets and
garbage collection (imported by ``kspec.check.invariants``). Each computes what it needs
from the objects themselves, independently of the controller it judges."""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from kspec.api.quantity import Quantity
from kspec.api.status import condition
from kspec.check.properties import Violation, prop
from kspec.check.workload_invariants import is_live, is_ready, is_terminal
from kspec.model.podresources import pod_requests
from kspec.model.state import ClusterState, object_ref
from kspec.model.store import EVICTION_REASON

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def _has(kind: str):
    return lambda state: bool(state.list(kind))


# ---- endpoints-ready-only ------------------------------------------------------------------------

def _target(endpoint) -> dict:
    value = endpoint.target_ref.value if endpoint.target_ref is not None else ()
    try:
        return dict(value)
    except (TypeError, ValueError):
        return {}


@prop("endpoints-ready-only", "transition",
      "services: an EndpointSlice write marks ready only pods that are Ready and not terminating",
      applies=_has("Service"))
def endpoints_ready_only(old: ClusterState, new: ClusterState) -> Iterator[Violation]:
    """Whenever an EndpointSlice of a Service is written, every endpoint it marks ready (the
    ones kube-proxy routes to) is a pod that exists, is Ready, is not terminating and has
    that IP, in the state the write was made from; unless the Service sets
    ``publishNotReadyAddresses``. Slices are judged when written, because a pod may turn
    unready a moment before the controller sees it (upstream's propagation delay), but a
    controller must never publish a pod it could see was unready or gone."""
    for es in new.list("EndpointSlice"):
        before = old.get("EndpointSlice", es.metadata.namespace, es.metadata.name)
        if before is not None and before.metadata.resource_version == es.metadata.resource_version:
            continue
        service = new.get("Service", es.metadata.namespace, es.metadata.labels.get(SERVICE_NAME_LABEL, ""))
        if service is None or service.spec.publish_not_ready_addresses:
            continue
        for endpoint in es.endpoints:
            if endpoint.conditions.ready is False:
                continue
            ref = _target(endpoint)
            if ref.get("kind") != "Pod":
                continue
            pod = old.get("Pod", ref.get("namespace") or es.metadata.namespace, ref.get("name", ""))
            problem = ("does not exist" if pod is None or (ref.get("uid") and pod.metadata.uid != ref["uid"])
                       else "is terminating" if not is_live(pod)
                       else "is not Ready" if not is_ready(pod)
                       else f"has IP {pod.status.pod_ip!r}, not {endpoint.addresses}"
                       if pod.status.pod_ip not in endpoint.addresses else "")
            if problem:
                yield Violation("endpoints-ready-only", object_ref(service),
                                f"EndpointSlice {es.metadata.name} routes to pod {ref.get('name')}, which {problem}")


# ---- node-capacity -------------------------------------------------------------------------------

@prop("node-capacity", "state", "nodes: the requests of the pods bound to a node never exceed its allocatable",
      applies=_has("Node"))
def node_capacity(state: ClusterState) -> Iterator[Violation]:
    """For every node and every resource it declares in ``status.allocatable`` (cpu,
    memory, ephemeral-storage, extended resources, and ``pods`` as a count), the summed
    effective requests of the pods bound to it that have not finished (terminating pods
    still hold their share, as in the scheduler's cache) never exceed it. Effective
    requests are upstream's ``PodRequests``: the larger of the app containers' sum and the
    largest init container (with earlier sidecars), plus overhead."""
    by_node: dict[str, list] = {}
    for pod in state.list("Pod"):
        if pod.spec.node_name and not is_terminal(pod):
            by_node.setdefault(pod.spec.node_name, []).append(pod)
    for node in state.list("Node"):
        pods = by_node.get(node.metadata.name, [])
        allocatable = node.status.allocatable
        used: dict[str, Quantity] = {"pods": Quantity.parse(len(pods))}
        for pod in pods:
            for name, value in pod_requests(pod.spec).items():
                used[name] = used.get(name, Quantity.zero()) + value
        for name in sorted(allocatable):
            if name in used and used[name] > allocatable[name]:
                yield Violation("node-capacity", object_ref(node),
                                f"{name} requests {used[name]} exceed allocatable {allocatable[name]}")


# ---- pod-ip-unique -------------------------------------------------------------------------------

@prop("pod-ip-unique", "state", "pods: no two running pods share an IP (host-network pods aside)",
      applies=_has("Pod"))
def pod_ip_unique(state: ClusterState) -> Iterator[Violation]:
    """No two pods that have not finished hold the same ``status.podIP``. Pods on the host
    network share their node's address and are left out; a finished pod's IP is free
    again, as when the kubelet tears its sandbox down."""
    owners: dict[str, list[str]] = {}
    for pod in state.list("Pod"):
        ip = pod.status.pod_ip
        if ip and not pod.spec.host_network and not is_terminal(pod):
            owners.setdefault(ip, []).append(f"{pod.metadata.namespace}/{pod.metadata.name}")
    for ip, pods in sorted(owners.items()):
        if len(pods) > 1:
            yield Violation("pod-ip-unique", f"Pod/{pods[1]}", f"IP {ip} is also held by pod {pods[0]}")


# ---- pvc-binding ---------------------------------------------------------------------------------

@prop("pvc-binding", "state",
      "volumes: a PV is bound to at most one claim, with enough capacity and the claim's access modes",
      applies=_has("PersistentVolumeClaim"))
def pvc_binding(state: ClusterState) -> Iterator[Violation]:
    """Every claim that names a volume (``spec.volumeName``) and is Bound points at an
    existing PersistentVolume whose ``claimRef`` points back at it; no volume serves two
    claims; the volume's capacity covers the claim's storage request, its access modes
    include every mode the claim asks for, and a claim that names a StorageClass gets a
    volume of that class (upstream ``pkg/controller/volume/persistentvolume``). Checked on
    every state, so a binder that races with itself (two claims taking one volume from
    views that each saw it Available) is caught at the write that double-books it."""
    users: dict[str, list] = {}
    for claim in state.list("PersistentVolumeClaim"):
        name = claim.spec.volume_name
        if not name:
            continue
        users.setdefault(name, []).append(claim)
        pv = state.get("PersistentVolume", "", name)
        if pv is None:
            if claim.status.phase == "Bound":
                yield Violation("pvc-binding", object_ref(claim), f"bound to volume {name}, which does not exist")
            continue
        ref = pv.spec.claim_ref
        if claim.status.phase == "Bound" and (ref is None or (ref.namespace, ref.name) != (claim.metadata.namespace,
                                                                                             claim.metadata.name)):
            yield Violation("pvc-binding", object_ref(claim), f"volume {name}'s claimRef does not point back at it")
        want = claim.spec.resources.requests.get_or_zero("storage")
        have = pv.spec.capacity.get_or_zero("storage")
        if have < want:
            yield Violation("pvc-binding", object_ref(claim), f"volume {name} has {have}, the claim requests {want}")
        missing = sorted(set(claim.spec.access_modes) - set(pv.spec.access_modes))
        if missing:
            yield Violation("pvc-binding", object_ref(claim), f"volume {name} lacks access modes {missing}")
        wanted_class = claim.spec.storage_class_name
        if wanted_class is not None and pv.spec.storage_class_name != wanted_class:
            yield Violation("pvc-binding", object_ref(claim),
                            f"volume {name} has StorageClass {pv.spec.storage_class_name!r}, not {wanted_class!r}")
    for name, claims in sorted(users.items()):
        if len(claims) > 1:
            yield Violation("pvc-binding", f"PersistentVolume//{name}",
                            "bound to several claims: " + ", ".join(sorted(object_ref(c) for c in claims)))


# ---- pdb-respected -------------------------------------------------------------------------------

def _expected_count(state: ClusterState, pods: list) -> int:
    """The scale of the pods' controllers (a Deployment's through its ReplicaSets); a pod
    without a scalable controller counts as one (upstream ``getExpectedPodCount``)."""
    scales: dict[str, int] = {}
    loose = 0
    for pod in pods:
        owner = _scalable_owner(state, pod)
        if owner is None:
            loose += 1
        else:
            scales[owner.metadata.uid] = owner.spec.replicas
    return sum(scales.values()) + loose


def _scalable_owner(state: ClusterState, obj):
    ref = obj.metadata.controller_ref()
    owner = state.get(ref.kind, obj.metadata.namespace, ref.name) if ref is not None else None
    if owner is None or getattr(owner.spec, "replicas", None) is None:
        return None
    return _scalable_owner(state, owner) or owner


def desired_healthy(state: ClusterState, pdb, pods: list) -> int:
    """How many of ``pods`` the budget wants healthy: an integer minAvailable as is; a
    percentage of the expected count rounded up; expected minus maxUnavailable (rounded up)."""
    spec = pdb.spec
    if spec.max_unavailable is not None:
        expected = _expected_count(state, pods)
        return max(expected - spec.max_unavailable.scaled(expected, round_up=True), 0)
    if spec.min_available is None:
        return 0
    if not spec.min_available.is_percent:
        return spec.min_available.value
    return spec.min_available.scaled(_expected_count(state, pods), round_up=True)


def _evicted(old_pod, new_pod) -> bool:
    if new_pod is None or new_pod.metadata.uid != old_pod.metadata.uid:
        return False
    mark = condition(new_pod.status.conditions, "DisruptionTarget")
    was = condition(old_pod.status.conditions, "DisruptionTarget")
    return (mark is not None and mark.status == "True" and mark.reason == EVICTION_REASON
            and (was is None or was.reason != EVICTION_REASON))


@prop("pdb-respected", "transition", "disruption budgets: a voluntary eviction never breaks a PodDisruptionBudget",
      applies=_has("PodDisruptionBudget"))
def pdb_respected(old: ClusterState, new: ClusterState) -> Iterator[Violation]:
    """A pod evicted through the Eviction API (the step marks it with the DisruptionTarget
    condition, reason EvictionByEvictionAPI) had, just before, a budget to spare in every
    PodDisruptionBudget selecting it: a Ready pod only while more pods are healthy (Ready,
    not terminating) than the budget wants, an unready one only while the budget is met
    (``unhealthyPodEvictionPolicy: IfHealthyBudget``) or always (``AlwaysAllow``).
    Involuntary disruptions (node failure, the taint manager, PodGC) are not bound by
    budgets, as upstream documents."""
    for pod in old.list("Pod"):
        if not is_live(pod) or not _evicted(pod, new.get("Pod", pod.metadata.namespace, pod.metadata.name)):
            continue
        for pdb in old.list("PodDisruptionBudget", pod.metadata.namespace):
            selector = pdb.spec.selector
            if selector is None or selector.validate() or not selector.matches(pod.metadata.labels):
                continue
            matching = [p for p in old.list("Pod", pod.metadata.namespace) if selector.matches(p.metadata.labels)]
            healthy = sum(1 for p in matching if is_ready(p) and is_live(p))
            desired = desired_healthy(old, pdb, matching)
            if is_ready(pod):
                broken = healthy - 1 < desired
            else:
                broken = pdb.spec.unhealthy_pod_eviction_policy != "AlwaysAllow" and healthy < desired
            if broken:
                yield Violation("pdb-respected", object_ref(pdb),
                                f"pod {pod.metadata.name} evicted with {healthy} healthy pods for {desired} desired")


# ---- no-orphans ----------------------------------------------------------------------------------

@prop("no-orphans", "eventually",
      "garbage collection: once events stop, no object's owners are all gone (unless orphaned on purpose)")
def no_orphans(state: ClusterState) -> Iterator[Violation]:
    """Once events stop, no object that is not itself being deleted has ownerReferences
    whose owners have all disappeared: the garbage collector deletes such dependants
    (background and foreground cascades), and an owner deleted with
    ``propagationPolicy: Orphan`` first removes itself from its dependants' references, so
    an orphan on purpose has no dangling reference. An object with one owner still present
    stays, as upstream."""
    uids = Counter(obj.metadata.uid for obj in state.all())
    for obj in state.all():
        refs = obj.metadata.owner_references
        if refs and is_live(obj) and not any(uids[ref.uid] for ref in refs):
            owners = ", ".join(f"{ref.kind}/{ref.name}" for ref in refs)
            yield Violation("no-orphans", object_ref(obj), f"its owners {owners} are gone")
