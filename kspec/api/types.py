"""Small immutable containers used by the typed objects."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, TypeVar

import attrs

V = TypeVar("V")


class FrozenMap(Mapping[str, V]):
    """An immutable, hashable map with string keys (labels, annotations, nodeSelector,
    data; ``ResourceList`` for quantities).

    Equal maps hash equally whatever order their keys were written in, so model
    states that contain them stay canonical.
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, V] | None = None):
        self._data = dict(sorted((data or {}).items()))
        self._hash = None

    def __getitem__(self, key: str) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def set(self, key: str, value: V) -> "FrozenMap[V]":
        """A copy with ``key`` set (the original is unchanged)."""
        return type(self)({**self._data, key: value})

    def remove(self, key: str) -> "FrozenMap[V]":
        """A copy without ``key`` (the original is unchanged)."""
        return type(self)({k: v for k, v in self._data.items() if k != key})


EMPTY_MAP = FrozenMap()


@attrs.frozen
class Raw:
    """A part of an object kspec keeps as plain (frozen) data without modelling it."""

    value: Any


def freeze(value: Any) -> Any:
    """Plain data made hashable: dicts become FrozenMap-like tuples, lists tuples."""
    if isinstance(value, dict):
        return tuple(sorted(((str(k), freeze(v)) for k, v in value.items()), key=lambda kv: kv[0]))
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


@attrs.frozen
class IntOrName:
    """A port given as a number or as a container port's name (``targetPort: http``)."""

    value: int | str

    @classmethod
    def parse(cls, value: Any) -> "IntOrName":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("expected a port number or a port name")
        return cls(value)

    @property
    def is_name(self) -> bool:
        return isinstance(self.value, str)
