"""The store: the API server's write rules as one pure function, ``apply(state, action)``.

It is the only writer. A rejected write (conflict, already exists, not found, a
disruption budget) leaves the state unchanged and says why, as the API server would
answer; the controller that asked sees the unchanged state on its next turn and tries
again, which is exactly how level-triggered upstream controllers recover.

Rules modelled (upstream ``staging/src/k8s.io/apiserver/pkg/registry/rest``):
- optimistic concurrency: an update must carry the stored ``resourceVersion``;
- ``generation`` starts at 1 and grows when ``spec`` changes (not on status writes);
- graceful deletion: a pod bound to a node gets ``deletionTimestamp`` and stays until its
  kubelet confirms (a delete with grace 0); an object with finalizers stays until they
  are removed; ``propagationPolicy`` Foreground/Orphan add the matching finalizer;
- eviction honours PodDisruptionBudgets (HTTP 429 when it would break one);
- admission (``kspec.model.admission``) on create and update: LimitRange defaults and
  limits, then ResourceQuota, so a create beyond a quota is refused with upstream's reason.
"""

from __future__ import annotations

from typing import Union

import attrs

from kspec.api.status import Condition, set_condition
from kspec.model.admission import admit_create, admit_update
from kspec.model.state import ClusterState, object_ref

EVICTION_REASON = "EvictionByEvictionAPI"

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


@attrs.frozen
class Create:
    obj: object


@attrs.frozen
class Update:
    """Replace metadata and spec; ``obj.metadata.resource_version`` must be the stored one."""

    obj: object


@attrs.frozen
class UpdateStatus:
    """Replace status only; ``obj.metadata.resource_version`` must be the stored one."""

    obj: object


@attrs.frozen
class Delete:
    kind: str
    namespace: str
    name: str
    propagation: str = "Background"  # Background | Foreground | Orphan
    grace_seconds: int | None = None  # None: the object's own (pods: terminationGracePeriodSeconds)


@attrs.frozen
class Evict:
    namespace: str
    name: str


@attrs.frozen
class Bind:
    namespace: str
    name: str
    node: str


@attrs.frozen
class SetMetric:
    """Environment: a pod's CPU usage in millicores (what metrics-server would report)."""

    namespace: str
    name: str
    millicores: int


Action = Union[Create, Update, UpdateStatus, Delete, Evict, Bind, SetMetric]


@attrs.frozen
class Outcome:
    state: ClusterState
    ok: bool
    message: str = ""
    # the object written, when the action could not say (a name generated on create)
    ref: str = ""


def describe(action: Action) -> tuple[str, str]:
    """(verb, object) for a timeline: ``("create", "Pod/shop/web-0")``."""
    if isinstance(action, UpdateStatus) and action.obj.kind == "Pod":
        status = action.obj.status
        ready = "ready" if pod_is_ready(action.obj) else "not ready"
        waiting = next((c for c in status.container_statuses if c.state == "waiting" and c.reason), None)
        if waiting is not None:  # why it cannot start, as kubectl describe shows it
            why = waiting.message.split(": timed out", 1)[0] if waiting.message else ""
            return f"status {status.phase}, {waiting.reason}" + (f" ({why})" if why else ""), object_ref(action.obj)
        return f"status {status.phase}, {ready}", object_ref(action.obj)
    if isinstance(action, (Create, Update, UpdateStatus)):
        verb = {Create: "create", Update: "update", UpdateStatus: "update-status"}[type(action)]
        return verb, object_ref(action.obj)
    if isinstance(action, Delete):
        where = f"{action.namespace}/{action.name}" if action.namespace else action.name
        return "delete", f"{action.kind}/{where}"
    if isinstance(action, Evict):
        return "evict", f"Pod/{action.namespace}/{action.name}"
    if isinstance(action, Bind):
        return f"bind to {action.node}", f"Pod/{action.namespace}/{action.name}"
    return f"metric {action.millicores}m", f"Pod/{action.namespace}/{action.name}"


def apply(state: ClusterState, action: Action) -> Outcome:
    """Apply one write. Does not modify ``state``."""
    handler = _HANDLERS[type(action)]
    return handler(state, action)


def _meta(obj, **changes):
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, **changes))


def _create(state: ClusterState, action: Create) -> Outcome:
    obj = action.obj
    meta = obj.metadata
    name = meta.name or _generated_name(state, obj.kind, meta.namespace, meta.generate_name)
    if not name:
        return Outcome(state, False, "name or generateName is required")
    if state.get(obj.kind, meta.namespace, name) is not None:
        return Outcome(state, False, f"{obj.kind} {name!r} already exists")
    obj, refused = admit_create(state, _meta(obj, name=name))
    if refused:
        return Outcome(state, False, refused, ref=object_ref(obj))
    key = (obj.kind, meta.namespace, name)
    incarnation = state.incarnations.get(key, 0) + 1
    obj = _meta(obj, name=name, uid=f"{meta.namespace}/{name}#{incarnation}" if meta.namespace else f"{name}#{incarnation}",
                resource_version="1", generation=1, creation_timestamp=state.clock,
                deletion_timestamp=None, deletion_grace_period_seconds=None)
    state = attrs.evolve(state.put(obj), incarnations=state.incarnations.set(key, incarnation))
    return Outcome(state, True, ref=object_ref(obj))


def _generated_name(state: ClusterState, kind: str, namespace: str, prefix: str) -> str:
    """``generateName``: the prefix plus the smallest free index (upstream adds 5 random
    characters; a deterministic suffix keeps explored states canonical)."""
    if not prefix:
        return ""
    index = 0
    while state.get(kind, namespace, f"{prefix}{index}") is not None:
        index += 1
    return f"{prefix}{index}"


def _stored_for_write(state: ClusterState, obj) -> tuple[object | None, str]:
    stored = state.get(obj.kind, obj.metadata.namespace, obj.metadata.name)
    if stored is None:
        return None, f"{object_ref(obj)} not found"
    if obj.metadata.resource_version != stored.metadata.resource_version:
        return None, (f"conflict: {object_ref(obj)} was modified (resourceVersion "
                      f"{stored.metadata.resource_version}, not {obj.metadata.resource_version})")
    return stored, ""


def _next_version(stored) -> str:
    return str(int(stored.metadata.resource_version or "0") + 1)


def _update(state: ClusterState, action: Update) -> Outcome:
    stored, error = _stored_for_write(state, action.obj)
    if stored is None:
        return Outcome(state, False, error)
    obj = action.obj
    if stored.metadata.deletion_timestamp is not None:
        # upstream ValidateObjectMetaUpdate -> ValidateNoNewFinalizers
        added = sorted(set(obj.metadata.finalizers) - set(stored.metadata.finalizers))
        if added:
            return Outcome(state, False, f"metadata.finalizers: Forbidden: no new finalizers can be added if "
                                         f"the object is being deleted, found new finalizers {added}")
    refused = admit_update(state, stored, obj)
    if refused:
        return Outcome(state, False, refused)
    generation = stored.metadata.generation
    if getattr(obj, "spec", None) != getattr(stored, "spec", None):
        generation += 1
    meta = attrs.evolve(obj.metadata, uid=stored.metadata.uid, creation_timestamp=stored.metadata.creation_timestamp,
                        deletion_timestamp=stored.metadata.deletion_timestamp,
                        deletion_grace_period_seconds=stored.metadata.deletion_grace_period_seconds,
                        generation=generation, resource_version=_next_version(stored))
    obj = attrs.evolve(obj, metadata=meta)
    if hasattr(stored, "status"):
        obj = attrs.evolve(obj, status=stored.status)
    if meta.deletion_timestamp is not None and not meta.finalizers and not _awaits_kubelet(state, obj):
        return Outcome(_removed(state, obj.kind, meta.namespace, meta.name), True)
    return Outcome(state.put(obj), True)


def _update_status(state: ClusterState, action: UpdateStatus) -> Outcome:
    if not hasattr(action.obj, "status"):
        return Outcome(state, False, f"{action.obj.kind} has no status subresource")
    stored, error = _stored_for_write(state, action.obj)
    if stored is None:
        return Outcome(state, False, error)
    obj = attrs.evolve(stored, status=action.obj.status)
    return Outcome(state.put(_meta(obj, resource_version=_next_version(stored))), True)


def _awaits_kubelet(state: ClusterState, obj) -> bool:
    """A scheduled, unfinished pod is removed only once its kubelet has stopped it (or PodGC
    force-deletes it); an unscheduled or finished pod goes at once (upstream pod strategy
    ``CheckGracefulDelete``, which does not look at the node: a pod of a vanished node stays
    terminating until PodGC's ``gcOrphaned`` deletes it with grace 0)."""
    return (obj.kind == "Pod" and bool(obj.spec.node_name)
            and obj.status.phase not in ("Succeeded", "Failed")
            and obj.metadata.deletion_grace_period_seconds != 0)


def _removed(state: ClusterState, kind: str, namespace: str, name: str) -> ClusterState:
    """``state`` without the object (and, for a pod, without its metric: a later pod of
    the same name must not inherit it)."""
    state = state.remove(kind, namespace, name)
    if kind == "Pod" and (namespace, name) in state.metrics:
        state = attrs.evolve(state, metrics=state.metrics.delete((namespace, name)))
    return state


def _delete(state: ClusterState, action: Delete) -> Outcome:
    stored = state.get(action.kind, action.namespace, action.name)
    if stored is None:
        return Outcome(state, False, f"{action.kind} {action.name!r} not found")
    meta = stored.metadata
    finalizers = _propagation_finalizers(meta.finalizers, action.propagation)
    grace = action.grace_seconds
    if grace is None and stored.kind == "Pod":
        grace = stored.spec.termination_grace_period_seconds
    obj = _meta(stored, finalizers=finalizers,
                deletion_grace_period_seconds=grace if grace is not None else 0)
    if grace == 0 and meta.deletion_timestamp is not None and not finalizers:
        return Outcome(_removed(state, action.kind, action.namespace, action.name), True)
    if not finalizers and not (_awaits_kubelet(state, obj) and grace):
        return Outcome(_removed(state, action.kind, action.namespace, action.name), True)
    if meta.deletion_timestamp is not None:
        # upstream BeforeDelete: a pending deletion only changes when the grace period
        # shortens or finalizers are added; otherwise nothing is written
        shorter = grace is not None and meta.deletion_grace_period_seconds is not None \
            and grace < meta.deletion_grace_period_seconds
        if not shorter and finalizers == meta.finalizers:
            return Outcome(state, True, "already being deleted")
        obj = _meta(obj, deletion_timestamp=state.clock + (grace or 0))
    else:
        obj = _meta(obj, deletion_timestamp=state.clock + (grace or 0), generation=meta.generation + 1)
    return Outcome(state.put(_meta(obj, resource_version=_next_version(stored))), True)


def _propagation_finalizers(finalizers: tuple[str, ...], propagation: str) -> tuple[str, ...]:
    """Upstream ``deletionFinalizersForGarbageCollection``: an explicit Foreground or Orphan
    policy replaces the other's finalizer with its own. Background is the model's "no policy
    given", which keeps whatever finalizers the object has (DEVIATION(upstream): an explicit
    ``propagationPolicy: Background`` would remove both)."""
    wanted = {"Foreground": FOREGROUND, "Orphan": ORPHAN}.get(propagation)
    if wanted is None:
        return finalizers
    kept = tuple(f for f in finalizers if f not in (FOREGROUND, ORPHAN) or f == wanted)
    return kept if wanted in kept else kept + (wanted,)


def _evict(state: ClusterState, action: Evict) -> Outcome:
    pod = state.get("Pod", action.namespace, action.name)
    if pod is None:
        return Outcome(state, False, f"pod {action.name!r} not found")
    # upstream eviction.go canIgnorePDB: pending, finished and terminating pods go at once
    ignore_budget = pod.status.phase in ("Pending", "Succeeded", "Failed") or pod.metadata.deletion_timestamp is not None
    for pdb in state.list("PodDisruptionBudget", action.namespace):
        if not ignore_budget and blocks_eviction(state, pdb, pod):
            return Outcome(state, False, f"cannot evict pod as it would violate the pod's disruption "
                                         f"budget {pdb.metadata.name!r}")
    if not ignore_budget:
        # upstream eviction.go addConditionAndDeletePod: the pod is marked as a voluntary
        # disruption (reason EvictionByEvictionAPI) in the same write as its deletion
        marker = Condition(type="DisruptionTarget", status="True", reason=EVICTION_REASON,
                           message="Eviction API: evicting", last_transition_time=state.clock)
        pod = attrs.evolve(pod, status=attrs.evolve(pod.status, conditions=set_condition(pod.status.conditions,
                                                                                          marker)))
        state = state.put(pod)
    return _delete(state, Delete("Pod", action.namespace, action.name))


def blocks_eviction(state: ClusterState, pdb, pod) -> bool:
    """Would evicting ``pod`` leave fewer healthy pods than ``pdb`` requires?

    Healthy = Ready and not terminating. With an integer ``minAvailable`` the expected
    count is the number of matching pods; otherwise it is the scale of their controllers
    (``spec.replicas`` of each owning workload, a Deployment through its ReplicaSets), and
    percentages round up (upstream ``pkg/controller/disruption`` ``getExpectedPodCount``). An unready pod may always be evicted under
    ``unhealthyPodEvictionPolicy: AlwaysAllow``, and under ``IfHealthyBudget`` only while
    the budget is met (``pkg/registry/core/pod/storage/eviction.go``).
    """
    selector = pdb.spec.selector
    if selector is None or selector.validate() or not selector.matches(pod.metadata.labels):
        return False
    matching = [p for p in state.list("Pod", pdb.metadata.namespace) if selector.matches(p.metadata.labels)]
    healthy = sum(1 for p in matching if pod_is_ready(p) and p.metadata.deletion_timestamp is None)
    min_available, max_unavailable = pdb.spec.min_available, pdb.spec.max_unavailable
    if max_unavailable is not None:
        expected = _expected_scale(state, matching)
        desired = max(expected - max_unavailable.scaled(expected, round_up=True), 0)
    elif min_available is not None and not min_available.is_percent:
        desired = min_available.value
    elif min_available is not None:
        desired = min_available.scaled(_expected_scale(state, matching), round_up=True)
    else:
        return False
    if not pod_is_ready(pod):
        return pdb.spec.unhealthy_pod_eviction_policy != "AlwaysAllow" and healthy < desired
    return healthy - 1 < desired


def _expected_scale(state: ClusterState, pods) -> int:
    """Upstream ``getExpectedScale``: the summed ``spec.replicas`` of the pods' controllers
    (a ReplicaSet owned by a Deployment counts through the Deployment); a pod without a
    controller counts as one."""
    scales: dict[str, int] = {}
    loose = 0
    for pod in pods:
        ref = pod.metadata.controller_ref()
        owner = state.get(ref.kind, pod.metadata.namespace, ref.name) if ref is not None else None
        if owner is None:
            loose += 1
            continue
        parent = owner.metadata.controller_ref()
        top = state.get(parent.kind, pod.metadata.namespace, parent.name) if parent is not None else None
        owner = top if top is not None and hasattr(top.spec, "replicas") else owner
        replicas = getattr(owner.spec, "replicas", None)
        if replicas is None:
            loose += 1
        else:
            scales[owner.metadata.uid] = replicas
    return sum(scales.values()) + loose


def pod_is_ready(pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions)


def _bind(state: ClusterState, action: Bind) -> Outcome:
    pod = state.get("Pod", action.namespace, action.name)
    if pod is None:
        return Outcome(state, False, f"pod {action.name!r} not found")
    if pod.spec.node_name:
        return Outcome(state, False, f"pod {action.name!r} is already assigned to node {pod.spec.node_name!r}")
    if pod.metadata.deletion_timestamp is not None:
        return Outcome(state, False, f"pod {action.name!r} is being deleted, cannot be assigned to a host")
    # upstream BindingREST does not check that the node exists: a pod bound to a missing
    # node is orphaned and PodGC deletes it
    scheduled = Condition(type="PodScheduled", status="True", last_transition_time=state.clock)
    pod = attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=action.node),
                       status=attrs.evolve(pod.status, conditions=set_condition(pod.status.conditions, scheduled)))
    return Outcome(state.put(_meta(pod, resource_version=_next_version(pod))), True)


def _set_metric(state: ClusterState, action: SetMetric) -> Outcome:
    metrics = state.metrics.set((action.namespace, action.name), action.millicores)
    return Outcome(attrs.evolve(state, metrics=metrics), True)


_HANDLERS = {Create: _create, Update: _update, UpdateStatus: _update_status, Delete: _delete,
             Evict: _evict, Bind: _bind, SetMetric: _set_metric}
