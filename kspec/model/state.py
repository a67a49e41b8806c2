"""The cluster state: every object by kind/namespace/name, plus a logical clock.

States are immutable, canonical and hashable: objects live in persistent maps (HAMTs,
``immutables``) keyed by kind and then by (namespace, name), so deriving a state shares
all untouched structure, and two states with the same content are equal and hash equally
whatever order the writes happened in. Nothing here depends on order: uids are derived
from the name and how many times that name was created, resourceVersions count the
writes to one object, and time is the ``clock`` field (seconds), never the wall clock.
"""

from __future__ import annotations

from typing import Iterator

import attrs
import immutables

Key = tuple[str, str]  # (namespace, name); "" namespace for cluster-scoped kinds

_EMPTY = immutables.Map()


@attrs.frozen(cache_hash=True)
class ClusterState:
    """``objects``: kind -> (namespace, name) -> typed object (``kspec.api``)."""

    objects: immutables.Map = _EMPTY
    clock: int = 0
    # (kind, namespace, name) -> how many times it was created (for uids)
    incarnations: immutables.Map = _EMPTY
    # (namespace, pod name) -> CPU usage in millicores, for the HPA
    metrics: immutables.Map = _EMPTY
    # Sorted listings, computed once per state (not part of equality; a derived state
    # starts with an empty cache because the field is not an __init__ argument).
    _listings: dict = attrs.field(init=False, factory=dict, eq=False, hash=False, repr=False)

    def get(self, kind: str, namespace: str, name: str):
        """The object, or None."""
        return self.objects.get(kind, _EMPTY).get((namespace, name))

    def list(self, kind: str, namespace: str | None = None) -> list:
        """Objects of a kind (in one namespace when given), sorted by namespace and name.
        The list is shared between callers: do not modify it."""
        cached = self._listings.get((kind, namespace))
        if cached is None:
            if namespace is None:
                bucket = self.objects.get(kind, _EMPTY)
                cached = [bucket[k] for k in sorted(bucket.keys())]
            else:
                cached = [o for o in self.list(kind) if o.metadata.namespace == namespace]
            self._listings[(kind, namespace)] = cached
        return cached

    def kinds(self) -> list[str]:
        return sorted(self.objects.keys())

    def all(self) -> Iterator:
        for kind in self.kinds():
            yield from self.list(kind)

    def put(self, obj) -> "ClusterState":
        """A state with ``obj`` stored (created or replaced). Does not modify ``self``."""
        kind = obj.kind
        bucket = self.objects.get(kind, _EMPTY).set((obj.metadata.namespace, obj.metadata.name), obj)
        return attrs.evolve(self, objects=self.objects.set(kind, bucket))

    def remove(self, kind: str, namespace: str, name: str) -> "ClusterState":
        bucket = self.objects.get(kind, _EMPTY)
        if (namespace, name) not in bucket:
            return self
        bucket = bucket.delete((namespace, name))
        objects = self.objects.set(kind, bucket) if len(bucket) else self.objects.delete(kind)
        return attrs.evolve(self, objects=objects)

    def with_clock(self, clock: int) -> "ClusterState":
        return attrs.evolve(self, clock=clock)


def object_ref(obj) -> str:
    """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped), for timelines and traces."""
    meta = obj.metadata
    return f"{obj.kind}/{meta.namespace}/{meta.name}" if meta.namespace else f"{obj.kind}/{meta.name}"
