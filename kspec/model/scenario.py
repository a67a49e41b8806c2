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
"""

from __future__ import annotations

from kspec.api.decode import decode, field_node
from kspec.api.quantity import Quantity, QuantityError
from kspec.api.registry import class_for
from kspec.model import events as ev
from kspec.reading.errors import ReadError
from kspec.reading.nodes import Mapping, Scalar, Sequence, to_python

EVENT_TYPES = ("nodeFailure", "nodeRecovery", "podCrash", "scale", "imageUpdate", "delete", "metric", "apply")


def scenario_events(scenario) -> list[ev.Event]:
    """The scripted events of a decoded Scenario, in time order (stable for equal times)."""
    node = field_node(scenario, "spec", "events")
    if not isinstance(node, Sequence):
        return []
    found = [_event(item) for item in node.items]
    return sorted(found, key=lambda e: e.at)


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
        api_version, kind_name = obj.get("apiVersion"), obj.get("kind")
        cls = class_for(api_version.value if isinstance(api_version, Scalar) else "",
                        kind_name.value if isinstance(kind_name, Scalar) else "")
        return ev.ApplyObject(obj=decode(cls, obj), at=at)
    raise _error(item.get("type"), f"unknown event type {kind!r}; expected one of {', '.join(EVENT_TYPES)}")
