"""One general decoder: read nodes into frozen attrs objects, keeping positions.

A typed class declares its fields with ``k8s("jsonName", default)``; the field's
type annotation says how to convert (str, int, bool, float, nested class, tuple of
X, ``FrozenMap``, ``Quantity``, ``IntOrPercent``, ``LabelSelector``, ``Raw``).
Every decoded object keeps the ``Mapping`` node it came from in ``node`` (not part
of equality or hashing), so the position of any field is one lookup away:
``field_node(obj, "spec", "replicas")``.

Decoding is lenient by design: a value of the wrong shape decodes to the field's
default, because schema validation reports it at the offending line; decoding
never raises on user input.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Callable

import attrs

from kspec.api.types import FrozenMap, Raw, freeze
from kspec.reading.nodes import Mapping, Node, Scalar, Sequence, to_python

_KEY = "kspec.k8s"


def k8s(key: str, default: Any = None, *, factory: Callable[[], Any] | None = None) -> Any:
    """An attrs field read from the JSON key ``key`` of the object's mapping."""
    if factory is not None:
        return attrs.field(factory=factory, metadata={_KEY: key})
    return attrs.field(default=default, metadata={_KEY: key})


def node_field() -> Any:
    """The source node of a decoded object: not compared, not hashed, not printed."""
    return attrs.field(default=None, eq=False, hash=False, repr=False, metadata={_KEY: None})


def field_node(obj: Any, *path: str | int) -> Node | None:
    """The node of a field of a decoded object (by JSON keys and list indexes), or None."""
    node = getattr(obj, "node", None)
    for step in path:
        if isinstance(step, int):
            node = node.items[step] if isinstance(node, Sequence) and step < len(node.items) else None
        else:
            node = node.get(step) if isinstance(node, Mapping) else None
        if node is None:
            return None
    return node


def nearest_node(obj: Any, *path: str | int) -> Node:
    """The node of a field, or of the closest enclosing field that exists (for a finding
    about a missing or defaulted field)."""
    for depth in range(len(path), -1, -1):
        node = field_node(obj, *path[:depth])
        if node is not None:
            return node
    return obj.node


def go_string(scalar: Scalar) -> str | None:
    """A scalar as a string field receives it: sigs.k8s.io/yaml formats numbers and
    booleans decoded into a string-typed field (``convertToJSONableObject``)."""
    value = scalar.value
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return scalar.text


def _decode_str(node: Node) -> str | None:
    return go_string(node) if isinstance(node, Scalar) else None


def _decode_int(node: Node) -> int | None:
    if isinstance(node, Scalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _decode_float(node: Node) -> float | None:
    if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    return None


def _decode_bool(node: Node) -> bool | None:
    return node.value if isinstance(node, Scalar) and isinstance(node.value, bool) else None


def _decode_raw(node: Node) -> Raw:
    return Raw(freeze(to_python(node)))


def _decode_string_map(node: Node) -> FrozenMap | None:
    if not isinstance(node, Mapping):
        return None
    out = {}
    for key, value in node.items:
        if isinstance(key, Scalar) and isinstance(value, Scalar):
            text = go_string(value)
            out[go_string(key) or ""] = text if text is not None else ""
    return FrozenMap(out)


def _from_python(parse: Callable[[Any], Any]) -> Callable[[Node], Any]:
    """A converter for a value type with a ``parse``/``from_python`` constructor;
    a value it rejects decodes to None (validation reports it)."""
    def convert(node: Node) -> Any:
        try:
            return parse(to_python(node))
        except (ValueError, TypeError):
            return None
    return convert


@functools.cache
def _converter(tp: Any) -> Callable[[Node], Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _converter(args[0])
    if origin is tuple:
        item = _converter(typing.get_args(tp)[0])

        def convert_tuple(node: Node) -> tuple | None:
            if not isinstance(node, Sequence):
                return None
            return tuple(v for v in (item(n) for n in node.items) if v is not None)
        return convert_tuple
    if tp is str:
        return _decode_str
    if tp is bool:
        return _decode_bool
    if tp is int:
        return _decode_int
    if tp is float:
        return _decode_float
    if tp is FrozenMap:
        return _decode_string_map
    if tp is Raw:
        return _decode_raw
    # Value types (Quantity, IntOrPercent, LabelSelector, ...) parse themselves, even when
    # they are attrs classes; other attrs classes are decoded field by field.
    for constructor in ("parse", "from_python"):
        if hasattr(tp, constructor):
            return _from_python(getattr(tp, constructor))
    if attrs.has(tp):
        return functools.partial(decode, tp)
    raise TypeError(f"kspec.api.decode: no converter for field type {tp!r}")


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, str | None, Callable[[Node], Any] | None], ...]:
    """(attribute, JSON key, converter) per field of ``cls``, computed once per class."""
    hints = typing.get_type_hints(cls)
    plan = []
    for f in attrs.fields(cls):
        if _KEY not in f.metadata:
            continue
        key = f.metadata[_KEY]
        plan.append((f.name, key, _converter(hints[f.name]) if key is not None else None))
    return tuple(plan)


def decode(cls: type, node: Node) -> Any:
    """Decode a mapping node into ``cls``; fields absent or of the wrong shape keep defaults."""
    if not isinstance(node, Mapping):
        return None
    kwargs: dict[str, Any] = {}
    for name, key, convert in _plan(cls):
        if key is None:
            kwargs[name] = node
            continue
        child = node.get(key)
        if child is None or (isinstance(child, Scalar) and child.value is None):
            continue
        value = convert(child)
        if value is not None:
            kwargs[name] = value
    return cls(**kwargs)
