"""One general decoder: read nodes into frozen attrs objects, keeping positions.

A typed class declares its fields with ``k8s("jsonName", default)``; the field's
type annotation says how to convert (str, int, bool, float, nested class, tuple of
X, ``FrozenMap``, ``Quantity``, ``IntOrPercent``, ``LabelSelector``, ``Raw``).
Every decoded object keeps the ``Mapping`` node it came from in ``node`` (not part
of equality or hashing), so the position of any field is one lookup away:
``field_node(obj, "spec", "replicas")``.

Decoding never raises on user input and never quietly replaces a value: one it cannot
take as written (a wrong type, an invalid quantity or int-or-percent, an out-of-range
number, an unsupported enum value) keeps the field's default *and* is recorded as a
``DecodeProblem`` with its node, which ``validate`` reports and the model refuses.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any, Callable

import attrs

from kspec.api.quantity import Quantity
from kspec.api.resources import ResourceList
from kspec.api.types import FrozenMap, Raw, freeze
from kspec.reading.errors import ReadError
from kspec.reading.nodes import Mapping, Node, Scalar, Sequence, to_python

_KEY = "kspec.k8s"
_OPTION = "kspec.k8s.option"


def k8s(key: str, default: Any = None, *, factory: Callable[[], Any] | None = None,
        enum: tuple[str, ...] | None = None, int64: bool = False, timestamp: bool = False) -> Any:
    """An attrs field read from the JSON key ``key`` of the object's mapping.

    ``int`` fields are int32 as most Kubernetes integers are; ``int64=True`` for the int64
    ones. ``enum`` lists the values a string field accepts; ``timestamp`` marks a time the
    model keeps as logical seconds (an RFC 3339 string in the input is valid and left unset).
    """
    option = enum if enum is not None else "int64" if int64 else "timestamp" if timestamp else None
    metadata = {_KEY: key, _OPTION: option}
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata)
    return attrs.field(default=default, metadata=metadata)


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


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
# A timestamp as the API server writes it (RFC 3339, metav1.Time): valid input that the
# model's logical clock cannot place, so it decodes to None without a problem.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


@attrs.frozen
class DecodeProblem:
    """A value decoding could not take as written: where, at which field path, and why."""

    node: Node = attrs.field(eq=False)
    path: str
    message: str
    # invalid-value (a field), missing-type-meta (apiVersion/kind), unserved-api-version
    reason: str = "invalid-value"

    def to_read_error(self) -> ReadError:
        return ReadError(self.message, self.node.source, self.node.start)


class _Problems(list):
    """The problems of one decode, with the field path of the value being decoded."""

    def add(self, node: Node, path: str, message: str) -> None:
        self.append(DecodeProblem(node=node, path=path, message=message))


def describe(node: Node) -> str:
    """A node's shape as an error message names it: ``a mapping``, ``the string 'abc'``."""
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    value = node.value
    if isinstance(value, bool):
        return f"the boolean {node.text}"
    if isinstance(value, (int, float)):
        return f"the number {node.text}"
    text = node.text if len(node.text) <= 40 else node.text[:37] + "..."
    return f"the string {text!r}"


def _is_null(node: Node) -> bool:
    return isinstance(node, Scalar) and node.value is None


def _decode_str(node: Node, path: str, problems: _Problems) -> str | None:
    if isinstance(node, Scalar):
        return go_string(node)
    problems.add(node, path, f"{path}: expected a string, got {describe(node)}")
    return None


def _int_converter(bits: int) -> Callable[[Node, str, _Problems], int | None]:
    low, high = _INT32 if bits == 32 else _INT64

    def convert(node: Node, path: str, problems: _Problems) -> int | None:
        value = node.value if isinstance(node, Scalar) else None
        # JSON has one number type: kubectl sends 3.0 as 3, which the API server reads as an int.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if low <= value <= high:
                return value
            problems.add(node, path, f"{path}: {node.text} is out of range for a {bits}-bit integer")
            return None
        hint = " (remove the quotes)" if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value) else ""
        problems.add(node, path, f"{path}: expected an integer, got {describe(node)}{hint}")
        return None
    return convert


def _decode_timestamp(node: Node, path: str, problems: _Problems) -> int | None:
    if isinstance(node, Scalar) and isinstance(node.value, str) and _RFC3339.fullmatch(node.value):
        return None
    return _int_converter(64)(node, path, problems)


def _decode_float(node: Node, path: str, problems: _Problems) -> float | None:
    if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    problems.add(node, path, f"{path}: expected a number, got {describe(node)}")
    return None


def _decode_bool(node: Node, path: str, problems: _Problems) -> bool | None:
    if isinstance(node, Scalar) and isinstance(node.value, bool):
        return node.value
    problems.add(node, path, f"{path}: expected true or false, got {describe(node)}")
    return None


def _decode_raw(node: Node, path: str, problems: _Problems) -> Raw:
    return Raw(freeze(to_python(node)))


def _map_converter(what: str, value: Callable[[Node, str, _Problems], Any], cls: type
                   ) -> Callable[[Node, str, _Problems], Any]:
    """A converter for a mapping with string keys whose values ``value`` converts (None:
    left out; a problem was recorded, or the value was null where that means absent)."""
    def convert(node: Node, path: str, problems: _Problems) -> Any:
        if not isinstance(node, Mapping):
            problems.add(node, path, f"{path}: expected a mapping of {what}, got {describe(node)}")
            return None
        out = {}
        for key, child in node.items:
            name = go_string(key) if isinstance(key, Scalar) else None
            if name is None:
                problems.add(key, path, f"{path}: a key must be a string, got {describe(key)}")
                continue
            converted = value(child, f"{path}.{name}", problems)
            if converted is not None:
                out[name] = converted
        return cls(out)
    return convert


def _map_string(node: Node, path: str, problems: _Problems) -> str | None:
    if not isinstance(node, Scalar):
        problems.add(node, path, f"{path}: expected a string, got {describe(node)}")
        return None
    return go_string(node) or ""  # null in a map[string]string is "" in Go


def _map_quantity(node: Node, path: str, problems: _Problems) -> Quantity | None:
    if _is_null(node):
        return None
    try:
        return Quantity.parse(node.value if isinstance(node, Scalar) else to_python(node))
    except (ValueError, TypeError) as error:
        problems.add(node, path, f"{path}: {error}")
        return None


_decode_string_map = _map_converter("strings", _map_string, FrozenMap)
_decode_resource_list = _map_converter("resource names to quantities", _map_quantity, ResourceList)


def _from_python(parse: Callable[[Any], Any]) -> Callable[[Node, str, _Problems], Any]:
    """A converter for a value type with a ``parse``/``from_python`` constructor; a value
    it rejects is a problem at its node. ``read_problems`` it records (selectors, which
    must keep a selector even when part of it is wrong) are problems too."""
    def convert(node: Node, path: str, problems: _Problems) -> Any:
        try:
            value = parse(to_python(node))
        except (ValueError, TypeError) as error:
            problems.add(node, path, f"{path}: {error}")
            return None
        for problem in getattr(value, "read_problems", ()):
            problems.add(node, path, f"{path}: {problem}")
        return value
    return convert


def _enum_converter(allowed: tuple[str, ...]) -> Callable[[Node, str, _Problems], str | None]:
    def convert(node: Node, path: str, problems: _Problems) -> str | None:
        value = _decode_str(node, path, problems)
        if value is not None and value not in allowed:
            problems.add(node, path, f"{path}: unsupported value {value!r}; supported values: "
                                     f"{', '.join(allowed)}")
            return None
        return value
    return convert


@functools.cache
def _converter(tp: Any) -> Callable[[Node, str, _Problems], Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _converter(args[0])
    if origin is tuple:
        item = _converter(typing.get_args(tp)[0])

        def convert_tuple(node: Node, path: str, problems: _Problems) -> tuple | None:
            if not isinstance(node, Sequence):
                problems.add(node, path, f"{path}: expected a list, got {describe(node)}")
                return None
            out = []
            for index, child in enumerate(node.items):
                where = f"{path}[{index}]"
                if _is_null(child):
                    problems.add(child, where, f"{where}: an empty (null) list item")
                    continue
                value = item(child, where, problems)
                if value is not None:
                    out.append(value)
            return tuple(out)
        return convert_tuple
    if tp is str:
        return _decode_str
    if tp is bool:
        return _decode_bool
    if tp is int:
        return _int_converter(32)
    if tp is float:
        return _decode_float
    if tp is FrozenMap:
        return _decode_string_map
    if tp is ResourceList:
        return _decode_resource_list
    if tp is Raw:
        return _decode_raw
    # Value types (Quantity, IntOrPercent, LabelSelector, ...) parse themselves, even when
    # they are attrs classes; other attrs classes are decoded field by field.
    for constructor in ("parse", "from_python"):
        if hasattr(tp, constructor):
            return _from_python(getattr(tp, constructor))
    if attrs.has(tp):
        return functools.partial(_decode_into, tp)
    raise TypeError(f"kspec.api.decode: no converter for field type {tp!r}")


def _field_converter(tp: Any, metadata: dict) -> Callable[[Node, str, _Problems], Any]:
    option = metadata.get(_OPTION)
    if option == "int64":
        return _int_converter(64)
    if option == "timestamp":
        return _decode_timestamp
    if isinstance(option, tuple):
        return _enum_converter(option)
    return _converter(tp)


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, str | None, Callable[[Node, str, _Problems], Any] | None], ...]:
    """(attribute, JSON key, converter) per field of ``cls``, computed once per class."""
    hints = typing.get_type_hints(cls)
    plan = []
    for f in attrs.fields(cls):
        if _KEY not in f.metadata:
            continue
        key = f.metadata[_KEY]
        plan.append((f.name, key, _field_converter(hints[f.name], f.metadata) if key is not None else None))
    return tuple(plan)


def _decode_into(cls: type, node: Node, path: str, problems: _Problems) -> Any:
    if not isinstance(node, Mapping):
        problems.add(node, path, f"{path or 'the object'}: expected a mapping, got {describe(node)}")
        return None
    kwargs: dict[str, Any] = {}
    for name, key, convert in _plan(cls):
        if key is None:
            kwargs[name] = node
            continue
        child = node.get(key)
        if child is None or _is_null(child):
            continue
        value = convert(child, f"{path}.{key}" if path else key, problems)
        if value is not None:
            kwargs[name] = value
    return cls(**kwargs)


def decode(cls: type, node: Node, problems: list[DecodeProblem] | None = None, path: str = "") -> Any:
    """Decode a mapping node into ``cls``. A value that cannot be taken as written keeps the
    field's default and is recorded in ``problems`` (when given) with its node and path, so
    ``validate`` reports it and the model refuses the object; None if ``node`` is not a mapping."""
    found = _Problems()
    value = _decode_into(cls, node, path, found)
    if problems is not None:
        problems.extend(found)
    return value
