"""The nodes kspec reads YAML into: every value keeps its source position.

Nodes hold character offsets into their ``Source``; ``line``/``column`` are computed
on demand (1-based). Aliases share the anchored node, so a field reached through an
alias points at the line where the anchor was written: that is the line to edit.
"""

from __future__ import annotations

from typing import Iterator, Union

import attrs

from kspec.reading.source import Source


class _Positioned:
    """Line/column accessors shared by every node kind (offsets stored, lines derived)."""

    __slots__ = ()

    @property
    def file(self) -> str:
        return self.source.path

    @property
    def line(self) -> int:
        return self.source.line_column(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_column(self.start)[1]

    @property
    def end_line(self) -> int:
        return self.source.line_column(self.end)[0]

    @property
    def end_column(self) -> int:
        return self.source.line_column(self.end)[1]

    def position(self) -> dict:
        line, column = self.source.line_column(self.start)
        end_line, end_column = self.source.line_column(self.end)
        return {"file": self.source.path, "line": line, "column": column,
                "end_line": end_line, "end_column": end_column}


@attrs.frozen(slots=True, repr=False)
class Scalar(_Positioned):
    """A scalar: ``value`` as Kubernetes resolves it, ``text`` as written (after
    unquoting and folding), ``style`` one of plain/single/double/literal/folded,
    ``tag`` the explicit tag if one was written."""

    value: object
    text: str
    style: str
    tag: str | None
    source: Source = attrs.field(eq=False)
    start: int
    end: int

    def __repr__(self) -> str:
        return f"Scalar({self.value!r}, style={self.style!r}, at={self.line}:{self.column})"


@attrs.frozen(slots=True, repr=False)
class Mapping(_Positioned):
    """A mapping: ``items`` is a tuple of (key node, value node) in source order,
    merge keys (``<<``) already applied."""

    items: tuple
    style: str
    tag: str | None
    source: Source = attrs.field(eq=False)
    start: int
    end: int

    def get(self, key: object) -> "Node | None":
        """The value node for a resolved key, or None."""
        for k, v in self.items:
            if isinstance(k, Scalar) and k.value == key and type(k.value) is type(key):
                return v
        return None

    def key_node(self, key: object) -> "Scalar | None":
        for k, _ in self.items:
            if isinstance(k, Scalar) and k.value == key and type(k.value) is type(key):
                return k
        return None

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"Mapping({len(self.items)} items, at={self.line}:{self.column})"


@attrs.frozen(slots=True, repr=False)
class Sequence(_Positioned):
    """A sequence: ``items`` is a tuple of nodes."""

    items: tuple
    style: str
    tag: str | None
    source: Source = attrs.field(eq=False)
    start: int
    end: int

    def __iter__(self) -> Iterator["Node"]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"Sequence({len(self.items)} items, at={self.line}:{self.column})"


Node = Union[Scalar, Mapping, Sequence]


@attrs.frozen(slots=True, repr=False)
class Document(_Positioned):
    """One document of a stream: ``index`` counts from 0 in its file; ``root`` is
    None for an empty document."""

    root: Node | None
    index: int
    explicit: bool
    source: Source = attrs.field(eq=False)
    start: int
    end: int

    def to_python(self) -> object:
        return to_python(self.root) if self.root is not None else None

    def __repr__(self) -> str:
        return f"Document({self.source.path!r}, index={self.index}, root={self.root!r})"


class ExpansionLimit(Exception):
    """Raised when aliases expand a document past ``to_python``'s budget."""


def to_python(node: Node, *, string_keys: bool = False, budget: int = 5_000_000) -> object:
    """Plain Python data (dict/list/str/int/float/bool/None) for a node.

    With ``string_keys`` non-string keys are turned into strings the way
    sigs.k8s.io/yaml does before handing JSON to the API server (``true``, ``1``).
    ``budget`` caps the nodes produced, so an alias bomb fails instead of eating memory.
    """
    remaining = [budget]

    def convert(n: Node) -> object:
        remaining[0] -= 1
        if remaining[0] < 0:
            raise ExpansionLimit(f"document expands to more than {budget} values through aliases")
        if isinstance(n, Scalar):
            return n.value
        if isinstance(n, Sequence):
            return [convert(item) for item in n.items]
        out = {}
        for k, v in n.items:
            key = convert(k)
            if string_keys:
                key = json_key(key)
            elif isinstance(key, (dict, list)):
                key = _freeze(key)
            out[key] = convert(v)
        return out

    return convert(node)


def json_key(key: object) -> str:
    """A mapping key as sigs.k8s.io/yaml turns it into a JSON object key."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, float):
        if key != key:
            return ".nan"
        if key in (float("inf"), float("-inf")):
            return ".inf" if key > 0 else "-.inf"
        return repr(key).removesuffix(".0") if key.is_integer() else repr(key)
    if isinstance(key, int):
        return str(key)
    import json

    return json.dumps(key, sort_keys=True)


def _freeze(value: object) -> object:
    if isinstance(value, dict):
        return tuple((k, _freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
