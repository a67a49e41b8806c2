"""Scripted events from a Scenario (``kspec.dev/v1alpha1``), read with positions.

```yaml
spec:
  events:
  - {at: 30, type: nodeFailure, node: worker-1}
  - {at: 60, type: scale, target: Deployment/shop/web, replicas: 6}
  - {at: 90, type: imageUpdate, target: Deployment/shop/web, container: web, image: nginx:1.28}
  - {at: 120, type: podCrash, pod: shop/web-0}
  - {at: 150, type: metric, pod: shop/web-0, cpu: 400m}
  - {at: 180, type: delete, target: Deployment/shop/web, propagation: Foreground}
  - {at: 200, type: nodeRecovery, node: worker-1}
  - {at: 210, type: apply, object: {apiVersion: v1, kind: ConfigMap, ...}}
```
``at`` is the logical time in seconds (default 0); a mistake is a ``ReadError`` at the
event's line, caught when the scenario is loaded rather than deep inside a run.

Targets are checked against the input (``scenario_errors(scenario, objects)``), so an event
aimed at nothing is an error at its line instead of a step that quietly does nothing. What
can be known before a run (``Inventory``):

- nodes exactly: the input's Nodes, ``<pool>-<i>`` for ``i`` below each NodePool's count, the
  default cluster's ``node-0..2`` when there is neither, and Nodes an earlier ``apply`` event
  creates;
- objects the input holds (or an earlier ``apply`` event creates) exactly, by kind,
  namespace and name;
- objects the controllers create do not exist in the input, and their names are partly
  generated (a ReplicaSet's pod suffix, a Deployment's template hash), so they are checked
  by pattern: a Pod named ``<owner>-...`` for a ReplicaSet, ReplicationController,
  Deployment, StatefulSet, DaemonSet, Job or CronJob ``<owner>`` of its namespace; a
  ReplicaSet ``<deployment>-...``; a Job ``<cronjob>-...``; a PersistentVolumeClaim
  ``<template>-<statefulset>-<ordinal>``; a ControllerRevision ``<statefulset or
  daemonset>-...``; an EndpointSlice ``<service>`` or ``<service>-...``. A name that fits a
  pattern may still never be created (``web-7`` of a 3-replica set): that shows in the run
  as a refused step, not here;
- PersistentVolumes and VolumeAttachments, named after claims and nodes at run time, are
  not checked;
- ``scale`` needs a Deployment, ReplicaSet, StatefulSet or ReplicationController;
  ``imageUpdate`` a kind with a pod template, and a ``container`` its template has when the
  target is in the input.
"""

from __future__ import annotations

from kspec.api.decode import field_node
from kspec.api.quantity import Quantity, QuantityError
from kspec.api.registry import decode_node
from kspec.model import events as ev
from kspec.reading.errors import ReadError
from kspec.reading.nodes import Mapping, Scalar, Sequence, to_python

EVENT_TYPES = ("nodeFailure", "nodeRecovery", "podCrash", "scale", "imageUpdate", "delete", "metric", "apply")


SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
TEMPLATED = SCALABLE + ("DaemonSet", "Job")
# kind -> the kinds whose controllers create objects of it named "<owner>-..."
GENERATED_BY = {
    "Pod": ("ReplicaSet", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"),
    "ReplicaSet": ("Deployment",),
    "Job": ("CronJob",),
    "ControllerRevision": ("StatefulSet", "DaemonSet"),
    "EndpointSlice": ("Service",),
    "PersistentVolumeClaim": (),  # <template>-<statefulset>-<ordinal>, see Inventory._generated
}
UNCHECKED = ("PersistentVolume", "VolumeAttachment")


def scenario_events(scenario, objects=None) -> list[ev.Event]:
    """The scripted events of a decoded Scenario, in time order (stable for equal times).
    Raises the first mistake as a ``ReadError``; with ``objects`` (the whole input) a target
    that cannot exist is one (see the module doc)."""
    errors = scenario_errors(scenario, objects) if objects is not None else []
    if errors:
        raise errors[0]
    return [event for _, event in _parsed(scenario)]


def scenario_errors(scenario, objects) -> list[ReadError]:
    """Every mistake in the Scenario's ``spec.events``, in input order: events that cannot be
    read, and (against ``objects``, the whole input) targets that cannot exist."""
    node = field_node(scenario, "spec", "events")
    if not isinstance(node, Sequence):
        return []
    errors: list[ReadError] = []
    read: list[tuple[Mapping, ev.Event]] = []
    for item in node.items:
        try:
            read.append((item, _event(item)))
        except ReadError as error:
            errors.append(error)
    inventory = Inventory(objects)
    for item, event in sorted(read, key=lambda pair: pair[1].at):
        problem = event_problem(inventory, item, event)
        if problem is not None:
            errors.append(problem)
        if isinstance(event, ev.ApplyObject):
            inventory.add(event.obj)
    return sorted(errors, key=lambda e: (e.line, e.column))


def _parsed(scenario) -> list[tuple[Mapping, ev.Event]]:
    node = field_node(scenario, "spec", "events")
    if not isinstance(node, Sequence):
        return []
    found = [(item, _event(item)) for item in node.items]
    return sorted(found, key=lambda pair: pair[1].at)


class Inventory:
    """What may exist during a run of the input: its objects, its nodes, and the names the
    controllers may give what they create (module doc). Objects are added as ``apply``
    events create them."""

    def __init__(self, objects):
        from kspec.api import core, others
        from kspec.model.cluster import DEFAULT_NODES

        objects = list(objects)
        self.keys: set[tuple[str, str, str]] = set()
        self.by_kind: dict[tuple[str, str], list] = {}
        self.node_names: set[str] = set()
        self.pools: dict[str, int] = {}
        for obj in objects:
            if isinstance(obj, others.NodePool):
                self.pools[obj.metadata.name] = max(obj.spec.count, 0)
            elif isinstance(obj, core.Node):
                self.node_names.add(obj.metadata.name)
            elif not isinstance(obj, others.Scenario):
                self.add(obj)
        if not self.node_names and not self.pools:
            self.node_names = {f"node-{i}" for i in range(DEFAULT_NODES)}

    def add(self, obj) -> None:
        meta = getattr(obj, "metadata", None)
        if meta is None:
            return
        if obj.kind == "Node":
            self.node_names.add(meta.name)
            return
        self.keys.add((obj.kind, meta.namespace, meta.name))
        self.by_kind.setdefault((obj.kind, meta.namespace), []).append(obj)

    def get(self, kind: str, namespace: str, name: str):
        return next((o for o in self.by_kind.get((kind, namespace), ()) if o.metadata.name == name), None)

    # --- nodes -------------------------------------------------------------------------

    def has_node(self, name: str) -> bool:
        if name in self.node_names:
            return True
        pool, _, index = name.rpartition("-")
        return (pool in self.pools and index.isdigit() and str(int(index)) == index
                and int(index) < self.pools[pool])

    def describe_nodes(self) -> str:
        parts = sorted(self.node_names)[:5]
        if len(self.node_names) > 5:
            parts.append(f"... ({len(self.node_names)} Nodes)")
        for pool, count in sorted(self.pools.items()):
            parts.append(f"{pool}-0..{pool}-{count - 1}" if count > 1 else f"{pool}-0" if count else
                         f"none of NodePool {pool} (count 0)")
        return ", ".join(parts) if parts else "none"

    def node_problem(self, name: str) -> str | None:
        if self.has_node(name):
            return None
        return f"node {name!r} is not in the input (nodes: {self.describe_nodes()})"

    # --- objects -----------------------------------------------------------------------

    def object_problem(self, kind: str, namespace: str, name: str) -> str | None:
        """None when ``kind/namespace/name`` is in the input or may be created during a run,
        else why not."""
        if kind == "Node":
            return self.node_problem(name)
        if (kind, namespace, name) in self.keys or kind in UNCHECKED:
            return None
        if kind in GENERATED_BY and self._generated(kind, namespace, name):
            return None
        ref = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
        where = f"namespace {namespace!r}" if namespace else "no namespace"
        same = sorted(o.metadata.name for o in self.by_kind.get((kind, namespace), ()))
        known = f"; {kind}s in {where}: {_some(same)}" if same else ""
        if kind not in GENERATED_BY:
            return f"{ref} is not in the input{known}"
        patterns = self._patterns(kind, namespace)
        created = (f"; what the controllers create there is named {_some(patterns)}" if patterns
                   else f"; nothing in {where} would create a {kind}")
        return f"{ref} is not in the input, and no controller would create it{created}{known}"

    def _patterns(self, kind: str, namespace: str) -> list[str]:
        if kind == "PersistentVolumeClaim":
            return sorted(f"{t.metadata.name}-{sts.metadata.name}-<ordinal>"
                          for sts in self.by_kind.get(("StatefulSet", namespace), ())
                          for t in sts.spec.volume_claim_templates)
        return sorted(f"{o.metadata.name}-..." for owner_kind in GENERATED_BY[kind]
                      for o in self.by_kind.get((owner_kind, namespace), ()))

    def _generated(self, kind: str, namespace: str, name: str) -> bool:
        for owner_kind in GENERATED_BY[kind]:
            for owner in self.by_kind.get((owner_kind, namespace), ()):
                if name.startswith(owner.metadata.name + "-") or (kind == "EndpointSlice"
                                                                  and name == owner.metadata.name):
                    return True
        if kind == "PersistentVolumeClaim":
            for sts in self.by_kind.get(("StatefulSet", namespace), ()):
                for template in sts.spec.volume_claim_templates:
                    prefix = f"{template.metadata.name}-{sts.metadata.name}-"
                    if name.startswith(prefix) and name[len(prefix):].isdigit():
                        return True
        return False


def _some(names: list[str], shown: int = 5) -> str:
    return ", ".join(names[:shown]) + (f" (and {len(names) - shown} more)" if len(names) > shown else "")


def event_problem(inventory: Inventory, item: Mapping, event) -> ReadError | None:
    """Why ``event`` (read from ``item``) aims at something that cannot exist, at the field
    that names it; None when its target may exist."""
    if isinstance(event, (ev.NodeFailure, ev.NodeRecovery)):
        problem = inventory.node_problem(event.node)
        return _error(item.get("node"), problem) if problem else None
    if isinstance(event, (ev.PodCrash, ev.MetricChange)):
        problem = inventory.object_problem("Pod", event.namespace, event.name)
        return _error(item.get("pod"), problem) if problem else None
    if isinstance(event, (ev.Scale, ev.ImageUpdate, ev.DeleteObject)):
        return target_problem(inventory, item.get("target"), type(event).__name__, event.kind, event.namespace,
                              event.name, getattr(event, "container", None), item.get("container"))
    return None


_VERB = {"Scale": ("scale", SCALABLE), "ImageUpdate": ("imageUpdate", TEMPLATED), "DeleteObject": ("delete", None)}


def target_problem(inventory: Inventory, node, event_type: str, kind: str, namespace: str, name: str,
                   container: str | None = None, container_node=None) -> ReadError | None:
    """Why the ``target`` of a scale, imageUpdate or delete (event or fault) is wrong: a kind
    the change does not apply to, an object that cannot exist, a container its template lacks."""
    verb, kinds = _VERB[event_type]
    if kinds is not None and kind not in kinds:
        return _error(node, f"{verb} applies to {', '.join(kinds)}, not {kind}")
    problem = inventory.object_problem(kind, namespace, name)
    if problem:
        return _error(node, problem)
    obj = inventory.get(kind, namespace, name)
    if container and obj is not None and getattr(obj.spec, "template", None) is not None:
        names = [c.name for c in obj.spec.template.spec.containers]
        if container not in names:
            return _error(container_node if container_node is not None else node,
                          f"{kind} {name} has no container {container!r} (containers: {', '.join(names) or 'none'})")
    return None


def _error(node, message: str) -> ReadError:
    return ReadError(message, node.source, node.start)


def _field(item: Mapping, key: str, kind: type = str, *, default=None):
    child = item.get(key)
    if child is None:
        if default is not None:
            return default
        raise _error(item, f"this event needs {key!r}")
    value = child.value if isinstance(child, Scalar) else None
    if kind is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise _error(child, f"{key!r} must be a non-negative whole number")
    if kind is str and not isinstance(value, str):
        raise _error(child, f"{key!r} must be text")
    return value


def _target(item: Mapping, key: str) -> tuple[str, str, str]:
    """``Kind/namespace/name`` (or ``Kind/name`` for the default namespace '')."""
    text = _field(item, key)
    parts = text.split("/")
    if len(parts) == 2:
        return parts[0], "", parts[1]
    if len(parts) == 3 and all(parts):
        return parts[0], parts[1], parts[2]
    raise _error(item.get(key), f"{key!r} must be Kind/namespace/name, e.g. Deployment/shop/web")


def _pod(item: Mapping) -> tuple[str, str]:
    text = _field(item, "pod")
    namespace, _, name = text.rpartition("/")
    return namespace, name


def _event(item) -> ev.Event:
    if not isinstance(item, Mapping):
        raise _error(item, "an event is a mapping such as {at: 30, type: nodeFailure, node: n1}")
    kind = _field(item, "type")
    at = _field(item, "at", int, default=0) if item.get("at") is not None else 0
    if kind == "nodeFailure":
        return ev.NodeFailure(node=_field(item, "node"), at=at)
    if kind == "nodeRecovery":
        return ev.NodeRecovery(node=_field(item, "node"), at=at)
    if kind == "podCrash":
        namespace, name = _pod(item)
        return ev.PodCrash(namespace=namespace, name=name, at=at)
    if kind == "scale":
        k, namespace, name = _target(item, "target")
        return ev.Scale(kind=k, namespace=namespace, name=name, replicas=_field(item, "replicas", int), at=at)
    if kind == "imageUpdate":
        k, namespace, name = _target(item, "target")
        return ev.ImageUpdate(kind=k, namespace=namespace, name=name, container=_field(item, "container"),
                              image=_field(item, "image"), at=at)
    if kind == "delete":
        k, namespace, name = _target(item, "target")
        propagation = _field(item, "propagation", default="Background")
        if propagation not in ("Background", "Foreground", "Orphan"):
            raise _error(item.get("propagation"), "propagation must be Background, Foreground or Orphan")
        return ev.DeleteObject(kind=k, namespace=namespace, name=name, propagation=propagation, at=at)
    if kind == "metric":
        namespace, name = _pod(item)
        cpu = item.get("cpu")
        try:
            millicores = Quantity.parse(to_python(cpu)).milli_value() if cpu is not None else None
        except QuantityError as error:
            raise _error(cpu, str(error)) from None
        if millicores is None:
            raise _error(item, "a metric event needs 'cpu' (e.g. 400m)")
        return ev.MetricChange(namespace=namespace, name=name, millicores=millicores, at=at)
    if kind == "apply":
        obj = item.get("object")
        if not isinstance(obj, Mapping):
            raise _error(item, "an apply event needs 'object', a Kubernetes object")
        decoded = decode_node(obj)
        if decoded.problems:  # the object an event applies is refused like any input object
            problem = decoded.problems[0]
            raise _error(problem.node, problem.message)
        return ev.ApplyObject(obj=decoded.obj, at=at)
    raise _error(item.get("type"), f"unknown event type {kind!r}; expected one of {', '.join(EVENT_TYPES)}")
