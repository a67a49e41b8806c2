"""Resource lists (``requests``/``limits``/``allocatable``): resource name -> Quantity."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from kspec.api.quantity import Quantity


class ResourceList(Mapping[str, Quantity]):
    """An immutable, hashable map of resource name to exact ``Quantity``."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, Quantity] | None = None):
        self._data = dict(sorted((data or {}).items()))
        self._hash = None

    @classmethod
    def from_python(cls, value: Any) -> "ResourceList":
        """Parse ``{"cpu": "500m", "memory": 1073741824}``; raises ValueError on a bad quantity."""
        if not isinstance(value, dict):
            raise ValueError("a resource list is a mapping of resource name to quantity")
        return cls({str(k): Quantity.parse(v) for k, v in value.items() if v is not None})

    def __getitem__(self, key: str) -> Quantity:
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
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return "ResourceList({" + ", ".join(f"{k!r}: {str(v)!r}" for k, v in self._data.items()) + "})"

    def get_or_zero(self, name: str) -> Quantity:
        return self._data.get(name) or Quantity.zero()


EMPTY_RESOURCES = ResourceList()
