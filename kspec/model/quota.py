"""ResourceQuota usage, as upstream's quota evaluators compute it.

Upstream: ``pkg/quota/v1/evaluator/core/pods.go`` (compute resources, scopes),
``persistent_volume_claims.go`` (storage, per StorageClass), ``services.go`` (load
balancers, node ports), ``staging/src/k8s.io/apiserver/pkg/quota/v1/generic`` (object
counts ``count/<resource>.<group>``) and the admission check in
``staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go``.

Usage is computed from the objects in the state, which is what the quota controller's
``status.used`` converges to. DEVIATION(upstream): the API server checks against
``status.used`` as last written (increased by each admitted create, recomputed by the
controller later); here a deletion frees quota at once and ``status.hard`` is read from
``spec.hard``, as if the controller had just synced.

Worked example: hard ``pods: 3`` with 3 running pods -> a fourth pod is refused with
"exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3".
"""

from __future__ import annotations

from typing import Iterable

from kspec.api import core
from kspec.api.decode import field_node
from kspec.api.quantity import Quantity
from kspec.api.quota import ResourceQuota
from kspec.api.registry import group_of
from kspec.model.podresources import limits_of, pod_limits, pod_requests, requests_of
from kspec.model.state import ClusterState

STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"

_POD_RESOURCES = frozenset({
    "pods", "count/pods", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage"})
# pods.go validationSet: a quota on these makes every container state them explicitly
MUST_SPECIFY = frozenset({"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"})
_HUGEPAGES = ("hugepages-", "requests.hugepages-", "limits.hugepages-")
_SERVICE_RESOURCES = frozenset({"services", "services.loadbalancers", "services.nodeports"})
# the legacy object-count names (generic.go / core registry)
_LEGACY_COUNT = {"ConfigMap": "configmaps", "Secret": "secrets", "ReplicationController": "replicationcontrollers",
                 "ResourceQuota": "resourcequotas", "PersistentVolumeClaim": "persistentvolumeclaims",
                 "Service": "services"}
_PLURALS = {"Endpoints": "endpoints", "NetworkPolicy": "networkpolicies", "Ingress": "ingresses",
            "PriorityClass": "priorityclasses", "StorageClass": "storageclasses"}


# ---- what an object counts against -----------------------------------------------------------

def resource_name(obj) -> str:
    """The REST resource (``deployments.apps``; ``pods`` for the core group)."""
    plural = _PLURALS.get(obj.kind, obj.kind.lower() + "s")
    group = group_of(obj.api_version)
    return f"{plural}.{group}" if group else plural


def _is_extended(name: str) -> bool:
    """``IsExtendedResourceName``: a domain-prefixed name outside ``kubernetes.io/``."""
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")


def tracks(obj, name: str) -> bool:
    """Does the evaluator for ``obj``'s kind count resource ``name`` (``MatchingResources``)?"""
    if name == f"count/{resource_name(obj)}":
        return True
    kind = obj.kind
    if kind == "Pod":
        return (name in _POD_RESOURCES or name.startswith(_HUGEPAGES)
                or (name.startswith("requests.") and _is_extended(name[len("requests."):])))
    if kind == "Service":
        return name in _SERVICE_RESOURCES
    if kind == "PersistentVolumeClaim":
        return (name in ("persistentvolumeclaims", "requests.storage")
                or (STORAGE_CLASS_SUFFIX in name
                    and name.endswith(("/requests.storage", "/persistentvolumeclaims"))))
    return name == _LEGACY_COUNT.get(kind)


def counts_toward(clock: int, pod: core.Pod) -> bool:
    """``QuotaV1Pod``: a pod in phase Succeeded or Failed uses no compute quota, nor does a
    pod whose deletion is overdue (now > deletionTimestamp + grace: stuck terminating, e.g.
    on a lost node). A pod that is merely terminating still counts."""
    if pod.status.phase in ("Succeeded", "Failed"):
        return False
    meta = pod.metadata
    if meta.deletion_timestamp is not None and meta.deletion_grace_period_seconds is not None:
        return not clock > meta.deletion_timestamp + meta.deletion_grace_period_seconds
    return True


def _pod_usage(pod: core.Pod, clock: int) -> dict[str, Quantity]:
    """``PodUsageFunc``: ``count/pods`` always; compute resources only while the pod counts."""
    one = Quantity.parse(1)
    usage = {"count/pods": one}
    if not counts_toward(clock, pod):
        return usage
    usage.update(compute_usage(pod_requests(pod.spec), pod_limits(pod.spec)))
    return usage


def compute_usage(requests: dict, limits: dict) -> dict[str, Quantity]:
    """``podComputeUsageHelper``: quota names for a pod's (or one container's) requests and limits."""
    usage = {"pods": Quantity.parse(1)}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            usage[name] = usage[f"requests.{name}"] = requests[name]
        if name in limits:
            usage[f"limits.{name}"] = limits[name]
    for name, value in requests.items():
        if name.startswith("hugepages-"):
            usage[name] = usage[f"requests.{name}"] = value
        elif _is_extended(name):
            usage[f"requests.{name}"] = value
    return usage


def claim_class(state: ClusterState, claim: core.PersistentVolumeClaim) -> str:
    """``GetPersistentVolumeClaimClass``, with an unset class resolved to the default
    StorageClass as the DefaultStorageClass admission plugin (which runs before quota) does."""
    name = claim.spec.storage_class_name
    if name is None:
        name = claim.metadata.annotations.get(BETA_CLASS_ANNOTATION)
    if name is None:
        # the newest default class, as upstream GetDefaultClass (and kspec's pvbinder)
        defaults = sorted((sc.metadata.creation_timestamp or 0, sc.metadata.name) for sc in state.list("StorageClass")
                          if sc.metadata.annotations.get(DEFAULT_CLASS_ANNOTATION) == "true")
        name = defaults[-1][1] if defaults else ""
    return name


def _claim_usage(state: ClusterState, claim: core.PersistentVolumeClaim) -> dict[str, Quantity]:
    one = Quantity.parse(1)
    usage = {"persistentvolumeclaims": one, "count/persistentvolumeclaims": one}
    cls = claim_class(state, claim)
    if cls:
        usage[f"{cls}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"] = one
    request = claim.spec.resources.requests.get("storage")
    if request is not None:
        rounded = Quantity(request.value(), request.format)  # upstream RoundUp(0): whole bytes
        usage["requests.storage"] = rounded
        if cls:
            usage[f"{cls}{STORAGE_CLASS_SUFFIX}requests.storage"] = rounded
    return usage


def _service_usage(service: core.Service) -> dict[str, Quantity]:
    one, zero = Quantity.parse(1), Quantity.zero()
    usage = {"services": one, "count/services": one, "services.loadbalancers": zero, "services.nodeports": zero}
    ports = Quantity.parse(len(service.spec.ports))
    if service.spec.type == "NodePort":
        usage["services.nodeports"] = ports
    elif service.spec.type == "LoadBalancer":
        allocate = field_node(service, "spec", "allocateLoadBalancerNodePorts")
        usage["services.nodeports"] = zero if getattr(allocate, "value", None) is False else ports
        usage["services.loadbalancers"] = one
    return usage


def usage(state: ClusterState, obj) -> dict[str, Quantity]:
    """Everything ``obj`` counts against (the evaluator's ``Usage``), by quota resource name."""
    if obj.kind == "Pod":
        return _pod_usage(obj, state.clock)
    if obj.kind == "PersistentVolumeClaim":
        return _claim_usage(state, obj)
    if obj.kind == "Service":
        return _service_usage(obj)
    one = Quantity.parse(1)
    result = {f"count/{resource_name(obj)}": one}
    legacy = _LEGACY_COUNT.get(obj.kind)
    if legacy:
        result[legacy] = one
    return result


# ---- scopes -----------------------------------------------------------------------------------

def scope_selectors(quota: ResourceQuota) -> list[tuple[str, str, tuple[str, ...]]]:
    """``getScopeSelectorsFromQuota``: (scopeName, operator, values); ``spec.scopes`` mean Exists."""
    found = [(scope, "Exists", ()) for scope in quota.spec.scopes]
    if quota.spec.scope_selector is not None:
        found += [(r.scope_name, r.operator, r.values) for r in quota.spec.scope_selector.match_expressions]
    return found


def is_best_effort(pod: core.Pod) -> bool:
    """QoS BestEffort: no container asks for (or limits) a non-zero cpu or memory."""
    for container in (*pod.spec.containers, *pod.spec.init_containers):
        for values in (requests_of(container), limits_of(container)):
            if any(values.get(name) is not None and values[name] > 0 for name in ("cpu", "memory")):
                return False
    return True


def _active_deadline(pod: core.Pod) -> int | None:
    # PodSpec does not model activeDeadlineSeconds; read it from the source when present
    value = getattr(pod.spec, "active_deadline_seconds", None)
    if value is None:
        node = field_node(pod.spec, "activeDeadlineSeconds")
        value = getattr(node, "value", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def pod_matches_scope(pod: core.Pod, scope: str, operator: str, values: tuple[str, ...]) -> bool:
    """``podMatchesScopeFunc``."""
    if scope in ("Terminating", "NotTerminating"):
        deadline = _active_deadline(pod)
        terminating = deadline is not None and deadline >= 0
        return terminating if scope == "Terminating" else not terminating
    if scope in ("BestEffort", "NotBestEffort"):
        return is_best_effort(pod) if scope == "BestEffort" else not is_best_effort(pod)
    if scope == "PriorityClass":
        name = pod.spec.priority_class_name
        if operator == "Exists":
            return bool(name)
        # a label selector over {"PriorityClass": name}: the key is always present
        return {"In": name in values, "NotIn": name not in values}.get(operator, False)
    return False


def matches(quota: ResourceQuota, obj) -> bool:
    """``Matches``: the quota limits something ``obj`` uses, and every scope selects it
    (only pods have scopes; a scoped quota never matches another kind)."""
    if not any(tracks(obj, name) for name in quota.spec.hard):
        return False
    selectors = scope_selectors(quota)
    if selectors and obj.kind != "Pod":
        return False
    return all(pod_matches_scope(obj, *s) for s in selectors)


# ---- a namespace's usage ----------------------------------------------------------------------

def _candidate_kinds(state: ClusterState, quota: ResourceQuota) -> list[str]:
    names = list(quota.spec.hard)
    kinds = []
    for kind in state.kinds():
        sample = state.list(kind)[0]
        if any(tracks(sample, name) for name in names):
            kinds.append(kind)
    return kinds


def used(state: ClusterState, quota: ResourceQuota) -> dict[str, Quantity]:
    """What the quota's namespace uses of each hard resource (every hard name present, zero
    when unused): the quota controller's ``status.used``."""
    namespace = quota.metadata.namespace
    hard = quota.spec.hard
    total = {name: Quantity.zero() for name in hard}
    for kind in _candidate_kinds(state, quota):
        for obj in state.list(kind, namespace):
            if not matches(quota, obj):
                continue
            for name, value in usage(state, obj).items():
                if name in total:
                    total[name] = total[name] + value
    return total


def exceeded(state: ClusterState, quota: ResourceQuota) -> dict[str, tuple[Quantity, Quantity]]:
    """Resources whose use is above the hard limit: name -> (used, hard)."""
    hard = quota.spec.hard
    return {name: (value, hard[name]) for name, value in used(state, quota).items() if value > hard[name]}


# ---- admission --------------------------------------------------------------------------------

def pretty(values: dict[str, Quantity]) -> str:
    """``prettyPrint``: ``name=value`` sorted by name, comma separated."""
    return ",".join(f"{name}={values[name]}" for name in sorted(values))


def missing_requests(pod: core.Pod, required: Iterable[str]) -> str:
    """``podEvaluator.Constraints``: "cpu for: a,b; memory for: a" for containers that do not
    state a resource the quota limits (cpu and memory only), or "" when all do."""
    required = set(required) & MUST_SPECIFY
    missing: dict[str, set[str]] = {}
    for container in (*pod.spec.containers, *pod.spec.init_containers):
        have = compute_usage(requests_of(container), limits_of(container))
        for name in required - set(have):
            missing.setdefault(name, set()).add(container.name)
    return "; ".join(f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing))


def admission_error(state: ClusterState, obj, old=None) -> str:
    """Why the ResourceQuota admission plugin refuses to create ``obj`` (or to update ``old``
    to ``obj``), or "" when it admits it. Mirrors ``checkRequest``: constraints of every
    matching quota first, then each quota's ``used + requested <= hard``."""
    quotas = [q for q in state.list("ResourceQuota", obj.metadata.namespace) if matches(q, obj)]
    if not quotas:
        return ""
    for quota in quotas:
        if obj.kind == "Pod":
            missing = missing_requests(obj, (n for n in quota.spec.hard if tracks(obj, n)))
            if missing:
                return f"failed quota: {quota.metadata.name}: must specify {missing}"
    delta = usage(state, obj)
    if old is not None:
        before = usage(state, old)
        delta = {k: max(v - before.get(k, Quantity.zero()), Quantity.zero()) for k, v in delta.items()}
    delta = {k: v for k, v in delta.items() if not v.is_zero()}
    for quota in quotas:
        hard = quota.spec.hard
        requested = {k: v for k, v in delta.items() if k in hard}
        if not requested:
            continue
        current = used(state, quota)
        over = sorted(k for k, v in requested.items() if current[k] + v > hard[k])
        if over:
            return (f"exceeded quota: {quota.metadata.name}, requested: {pretty({k: requested[k] for k in over})}, "
                    f"used: {pretty({k: current[k] for k in over})}, limited: {pretty({k: hard[k] for k in over})}")
    return ""
