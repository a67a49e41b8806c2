"""Typed objects back to plain JSON-like data (for CEL invariants over the model's state).

Fields declared with ``k8s("jsonName")`` keep their JSON names; model-only fields (a
container status's ``state``) keep their Python names in camelCase. Quantities become
their canonical strings, maps dicts, tuples lists.
"""

from __future__ import annotations

from typing import Any

import attrs

from kspec.api.decode import _KEY
from kspec.api.types import FrozenMap, Raw


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _raw(value: Any) -> Any:
    if isinstance(value, tuple):
        if value and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in value):
            return {k: _raw(v) for k, v in value}
        return [_raw(v) for v in value]
    return value


def encode(value: Any) -> Any:
    """Plain data for a typed object (or any value inside one)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, FrozenMap) or isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (tuple, list, frozenset)):
        if value and isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                                                      for p in value):
            return {k: encode(v) for k, v in value}  # a map kept as pairs (a selector's matchLabels)
        return [encode(v) for v in value]
    if isinstance(value, Raw):
        return _raw(value.value)
    if attrs.has(type(value)):
        out = {}
        for field in attrs.fields(type(value)):
            if _KEY in field.metadata and field.metadata[_KEY] is None:
                continue  # the source node
            item = getattr(value, field.name)
            if item is None:
                continue
            out[field.metadata.get(_KEY) or _camel(field.name)] = encode(item)
        return out
    return str(value)  # Quantity, IntOrPercent and other scalar wrappers print as Kubernetes does
