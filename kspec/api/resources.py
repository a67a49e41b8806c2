"""Resource lists (``requests``/``limits``/``allocatable``): resource name -> Quantity."""

from __future__ import annotations

from typing import Any

from kspec.api.quantity import Quantity
from kspec.api.types import FrozenMap


class ResourceList(FrozenMap[Quantity]):
    """An immutable, hashable map of resource name to exact ``Quantity``."""

    __slots__ = ()

    @classmethod
    def from_python(cls, value: Any) -> "ResourceList":
        """Parse ``{"cpu": "500m", "memory": 1073741824}``; raises ValueError on a bad quantity."""
        if not isinstance(value, dict):
            raise ValueError("a resource list is a mapping of resource name to quantity")
        return cls({str(k): Quantity.parse(v) for k, v in value.items() if v is not None})

    def __repr__(self) -> str:
        return "ResourceList({" + ", ".join(f"{k!r}: {str(v)!r}" for k, v in self.items()) + "})"

    def get_or_zero(self, name: str) -> Quantity:
        return self.get(name) or Quantity.zero()


EMPTY_RESOURCES = ResourceList()
