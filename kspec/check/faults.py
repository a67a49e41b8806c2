"""Environment faults the explorer may inject, as a Scenario lists them.

``spec.faults`` items are a type name or a mapping with options::

    faults:
    - nodeFailure                      # any one Ready node fails (at most once per trace)
    - {type: podCrash, max: 2}         # up to two pod crashes per trace
    - {type: scale, target: Deployment/shop/web, replicas: [2, 6]}
    - {type: imageUpdate, target: Deployment/shop/web, image: "nginx:1.29"}
    - staleView                        # controllers may reconcile against older states

Types and what they do:

- ``nodeFailure`` / ``nodeRecovery``: a node's Ready condition turns Unknown / True
  (``nodes: [...]`` restricts which);
- ``podCrash``: a running pod's containers exit with an error;
- ``readinessFlip``: a ready pod's readiness probe fails once (the kubelet's next probe
  turns it ready again);
- ``eviction``: a running pod is evicted through the API (disruption budgets apply), as
  ``kubectl drain`` does;
- ``scale`` / ``imageUpdate``: a user changes a workload (default: every Deployment,
  ReplicaSet, StatefulSet and ReplicationController; replicas one below and one above
  the input's; image ``<image>-next``);
- ``staleView``: a controller reconciles against one of the last ``history`` states;
- ``watchDelay`` / ``watchDrop``: a controller's view lacks the latest change (delay) or
  the latest several changes (drop, up to ``history``) of one kind of object;
- ``writeConflict``: another client writes the object a controller is about to update,
  so the controller's write is rejected by optimistic concurrency (resourceVersion);
- ``controllerRestart``: a controller loses its in-memory state: its expectations.

Expectations (upstream ``pkg/controller/controller_utils.go`` ``ControllerExpectations``):
a controller does not act on a view older than its own last write. Every actor keeps
that protection unless wrapped by ``trusting_stale_views`` (what a broken controller
does). After ``controllerRestart`` the protection is gone until the actor writes again:
its first list may be served from a lagging API-server cache (kubernetes/kubernetes#59848).
``max`` bounds the injections of one fault per trace (default 1; unlimited for the view
faults, which only choose what a controller sees).
"""

from __future__ import annotations

import attrs

from kspec.api.status import Condition, set_condition
from kspec.controllers.common import is_pod_ready, is_terminating
from kspec.model.events import (ImageUpdate, NodeFailure, NodeRecovery, PodCrash, Scale, apply_event)
from kspec.model.run import Actor
from kspec.model.state import ClusterState
from kspec.model.store import Evict, Outcome, Update, UpdateStatus, apply
from kspec.reading.errors import ReadError
from kspec.reading.nodes import Mapping, Scalar, Sequence, to_python

VIEW_FAULTS = ("staleView", "watchDelay", "watchDrop")
EVENT_FAULTS = ("nodeFailure", "nodeRecovery", "podCrash", "readinessFlip", "eviction", "scale", "imageUpdate")
FAULT_TYPES = EVENT_FAULTS + VIEW_FAULTS + ("writeConflict", "controllerRestart")
SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
_OPTIONS = {"type", "max", "nodes", "target", "replicas", "image", "container"}
# the options each type reads besides type and max: any other is an error, not ignored
_TYPE_OPTIONS = {"nodeFailure": {"nodes"}, "nodeRecovery": {"nodes"}, "scale": {"target", "replicas"},
                 "imageUpdate": {"target", "image", "container"}}


@attrs.frozen(kw_only=True)
class FaultSpec:
    """One allowed fault with its options; ``max`` None is unlimited."""

    type: str
    max: int | None = 1
    nodes: tuple[str, ...] = ()
    target: str = ""
    replicas: tuple[int, ...] = ()
    image: str = ""
    container: str = ""

    def label(self) -> str:
        return self.type if not self.target else f"{self.type}({self.target})"


def default_spec(fault_type: str) -> FaultSpec:
    return FaultSpec(type=fault_type, max=None if fault_type in VIEW_FAULTS else 1)


# --- new environment events (pure, applied through the store) ---------------------------

@attrs.frozen
class ReadinessFlip:
    """A ready pod's readiness probe fails once: Ready turns False, containers keep running."""

    namespace: str
    name: str
    at: int = 0

    def describe(self) -> str:
        return "readiness probe fails"

    def target(self) -> str:
        return f"Pod/{self.namespace}/{self.name}"


@attrs.frozen
class Eviction:
    """An eviction through the API (``kubectl drain``): disruption budgets are honoured."""

    namespace: str
    name: str
    at: int = 0

    def describe(self) -> str:
        return "evict"

    def target(self) -> str:
        return f"Pod/{self.namespace}/{self.name}"


@attrs.frozen
class Touch:
    """Another client writes an object (e.g. ``kubectl annotate``): its resourceVersion moves on."""

    kind: str
    namespace: str
    name: str
    at: int = 0

    def describe(self) -> str:
        return "concurrent write by another client"

    def target(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


def apply_fault(state: ClusterState, event) -> Outcome:
    """Apply a fault event (kspec's own or one of ``kspec.model.events``). Does not modify ``state``."""
    if isinstance(event, ReadinessFlip):
        return _readiness_flip(state, event)
    if isinstance(event, Eviction):
        return apply(state, Evict(event.namespace, event.name))
    if isinstance(event, Touch):
        stored = state.get(event.kind, event.namespace, event.name)
        if stored is None:
            return Outcome(state, False, f"{event.target()} not found")
        return apply(state, Update(stored))
    return apply_event(state, event)


def _readiness_flip(state: ClusterState, event: ReadinessFlip) -> Outcome:
    pod = state.get("Pod", event.namespace, event.name)
    if pod is None or not is_pod_ready(pod):
        return Outcome(state, False, f"pod {event.name!r} is not ready")
    ready = Condition(type="Ready", status="False", reason="ReadinessProbeFailed", last_transition_time=state.clock)
    containers = tuple(attrs.evolve(c, ready=False) for c in pod.status.container_statuses)
    status = attrs.evolve(pod.status, ready_since=None, container_statuses=containers,
                          conditions=set_condition(pod.status.conditions, ready))
    return apply(state, UpdateStatus(attrs.evolve(pod, status=status)))


# --- which instances of a fault are possible in a state ---------------------------------

def _node_ready(node) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)


def _running(pod) -> bool:
    return (pod.status.phase == "Running" and not is_terminating(pod)
            and not any(c.state == "terminated" for c in pod.status.container_statuses))


def _targets(state: ClusterState, spec: FaultSpec):
    if spec.target:
        kind, _, rest = spec.target.partition("/")
        namespace, _, name = rest.rpartition("/")
        obj = state.get(kind, namespace, name)
        return [obj] if obj is not None else []
    found = []
    for kind in SCALABLE:
        # a ReplicaSet run by a Deployment is changed through the Deployment
        found += [o for o in state.list(kind) if o.metadata.controller_ref() is None and not is_terminating(o)]
    return found


def instances(state: ClusterState, spec: FaultSpec, initial: ClusterState) -> list:
    """The events of type ``spec.type`` possible in ``state`` (event faults only), in a
    stable order. ``initial`` is the input cluster (default scale and image values)."""
    kind = spec.type
    if kind in ("nodeFailure", "nodeRecovery"):
        want_ready = kind == "nodeFailure"
        event = NodeFailure if want_ready else NodeRecovery
        return [event(node=n.metadata.name, at=state.clock) for n in state.list("Node")
                if _node_ready(n) == want_ready and (not spec.nodes or n.metadata.name in spec.nodes)]
    if kind in ("podCrash", "eviction"):
        event = PodCrash if kind == "podCrash" else Eviction
        return [event(namespace=p.metadata.namespace, name=p.metadata.name, at=state.clock)
                for p in state.list("Pod") if _running(p)]
    if kind == "readinessFlip":
        return [ReadinessFlip(namespace=p.metadata.namespace, name=p.metadata.name, at=state.clock)
                for p in state.list("Pod") if _running(p) and is_pod_ready(p)]
    if kind == "scale":
        found = []
        for obj in _targets(state, spec):
            start = initial.get(obj.kind, obj.metadata.namespace, obj.metadata.name) or obj
            base = start.spec.replicas if start.spec.replicas is not None else 1
            values = spec.replicas or tuple(v for v in (base - 1, base + 1) if v >= 0)
            found += [Scale(kind=obj.kind, namespace=obj.metadata.namespace, name=obj.metadata.name, replicas=v,
                            at=state.clock) for v in values if v != obj.spec.replicas]
        return found
    if kind == "imageUpdate":
        found = []
        for obj in _targets(state, spec):
            containers = obj.spec.template.spec.containers if obj.spec.template is not None else ()
            container = next((c for c in containers if not spec.container or c.name == spec.container), None)
            if container is None:
                continue
            start = initial.get(obj.kind, obj.metadata.namespace, obj.metadata.name) or obj
            first = next((c for c in start.spec.template.spec.containers if c.name == container.name), container)
            image = spec.image or f"{first.image}-next"
            if container.image != image:
                found.append(ImageUpdate(kind=obj.kind, namespace=obj.metadata.namespace, name=obj.metadata.name,
                                         container=container.name, image=image, at=state.clock))
        return found
    return []


# --- stale views -------------------------------------------------------------------------

@attrs.frozen
class UnguardedActor(Actor):
    """An actor without expectations: it acts on any stale view, even one that predates
    its own last write (a broken controller, for mutation tests)."""


def trusting_stale_views(actor: Actor) -> Actor:
    """``actor`` without the expectations protection."""
    return UnguardedActor(actor.name, actor.reconcile, actor.wakeup, actor.periodic)


def is_guarded(actor: Actor) -> bool:
    return not isinstance(actor, UnguardedActor)


def lagging_view(current: ClusterState, old: ClusterState, kind: str) -> ClusterState:
    """``current`` except that objects of ``kind`` are as they were in ``old`` (a watch
    that has not delivered the latest events of that kind)."""
    bucket = old.objects.get(kind)
    objects = current.objects.set(kind, bucket) if bucket is not None else current.objects.delete(kind)
    return attrs.evolve(current, objects=objects)


def changed_kinds(current: ClusterState, old: ClusterState) -> list[str]:
    """Kinds whose objects differ between two states, sorted."""
    kinds = set(current.objects.keys()) | set(old.objects.keys())
    return sorted(k for k in kinds if current.objects.get(k) != old.objects.get(k))


# --- reading spec.faults --------------------------------------------------------------------

def _error(node, message: str) -> ReadError:
    return ReadError(message, node.source, node.start)


def parse_faults(node, objects=None) -> tuple[FaultSpec, ...]:
    """A Scenario's ``spec.faults`` (a Sequence node) as fault specs; mistakes are
    ``ReadError``s at their line. With ``objects`` (the whole input), a ``target`` or a node
    in ``nodes`` that cannot exist in a run of it is one too (``fault_target_errors``)."""
    errors = fault_errors(node, objects)
    if errors:
        raise errors[0]
    return tuple(_fault(item) for item in node.items) if node is not None else ()


def fault_errors(node, objects=None) -> list[ReadError]:
    """Every mistake in a Scenario's ``spec.faults`` (``parse_faults`` raises the first)."""
    if node is None:
        return []
    if not isinstance(node, Sequence):
        return [_error(node, "'faults' must be a list of fault types, e.g. [nodeFailure, podCrash]")]
    errors: list[ReadError] = []
    items, specs = [], []
    for item in node.items:
        try:
            specs.append(_fault(item))
            items.append(item)
        except ReadError as error:
            errors.append(error)
    if objects is not None:
        errors += fault_target_errors(items, tuple(specs), objects)
    return sorted(errors, key=lambda e: (e.line, e.column))


def fault_target_errors(items: list, specs: tuple[FaultSpec, ...], objects) -> list[ReadError]:
    """The faults written as ``items`` (read as ``specs``) whose ``target`` or ``nodes`` name something
    that cannot exist in a run of ``objects``, checked as Scenario events' targets are
    (``kspec.model.scenario``: nodes exactly, input objects exactly, generated names by
    pattern). Objects and Nodes the Scenario's ``apply`` events create count as existing."""
    from kspec.api.others import Scenario
    from kspec.model.scenario import Inventory, scenario_events, target_problem
    from kspec.model.events import ApplyObject

    inventory = Inventory(objects)
    for scenario in (o for o in objects if isinstance(o, Scenario)):
        try:
            applied = [e.obj for e in scenario_events(scenario) if isinstance(e, ApplyObject)]
        except ReadError:
            applied = []  # reported with the events
        for obj in applied:
            inventory.add(obj)
    errors: list[ReadError] = []
    for item, spec in zip(items, specs):
        if not isinstance(item, Mapping):
            continue
        for index, name in enumerate(spec.nodes):
            problem = inventory.node_problem(name)
            if problem:
                nodes = item.get("nodes")
                at = nodes.items[index] if isinstance(nodes, Sequence) and index < len(nodes.items) else item
                errors.append(_error(at, problem))
        if spec.target:
            parts = spec.target.split("/")
            kind, namespace, name = (parts[0], "", parts[1]) if len(parts) == 2 else parts
            event = "Scale" if spec.type == "scale" else "ImageUpdate"
            problem = target_problem(inventory, item.get("target"), event, kind, namespace, name,
                                     spec.container or None, item.get("container"))
            if problem is not None:
                errors.append(problem)
    return errors


def _known(item, name) -> str:
    if name not in FAULT_TYPES:
        raise _error(item, f"unknown fault {name!r}; expected one of {', '.join(FAULT_TYPES)}")
    return name


def _fault(item) -> FaultSpec:
    if isinstance(item, Scalar):
        if not isinstance(item.value, str):
            raise _error(item, "a fault is a type name such as nodeFailure, or a mapping with 'type'")
        return default_spec(_known(item, item.value))
    if not isinstance(item, Mapping):
        raise _error(item, "a fault is a type name such as nodeFailure, or a mapping with 'type'")
    data = to_python(item)
    for key in data:
        if key not in _OPTIONS:
            raise _error(item.get(key) or item, f"unknown fault option {key!r}; expected one of "
                                                f"{', '.join(sorted(_OPTIONS))}")
    type_node = item.get("type")
    if type_node is None or not isinstance(data.get("type"), str):
        raise _error(item, "this fault needs 'type', e.g. {type: podCrash, max: 2}")
    spec = default_spec(_known(type_node, data["type"]))
    for key in data:
        if key not in ("type", "max") and key not in _TYPE_OPTIONS.get(spec.type, ()):
            allowed = sorted(_TYPE_OPTIONS.get(spec.type, ()))
            what = f"takes only {', '.join(allowed)} (and max)" if allowed else "takes no option but max"
            raise _error(item.get(key) or item, f"fault {spec.type} {what}; {key!r} would be ignored")
    changes: dict = {}
    if "max" in data:
        value = data["max"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _error(item.get("max"), "'max' must be a whole number of at least 1")
        changes["max"] = value
    if "nodes" in data:
        if not isinstance(data["nodes"], list) or not all(isinstance(n, str) for n in data["nodes"]):
            raise _error(item.get("nodes"), "'nodes' must be a list of node names")
        changes["nodes"] = tuple(data["nodes"])
    if "replicas" in data:
        values = data["replicas"] if isinstance(data["replicas"], list) else [data["replicas"]]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
            raise _error(item.get("replicas"), "'replicas' must be a whole number or a list of them")
        changes["replicas"] = tuple(values)
    for key in ("target", "image", "container"):
        if key in data:
            if not isinstance(data[key], str):
                raise _error(item.get(key), f"{key!r} must be text")
            changes[key] = data[key]
    if "target" in changes and (changes["target"].count("/") not in (1, 2) or not all(changes["target"].split("/"))):
        raise _error(item.get("target"), "'target' must be Kind/namespace/name, e.g. Deployment/shop/web")
    return attrs.evolve(spec, **changes)
