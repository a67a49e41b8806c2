"""The invariant registry: stable ids, one pure predicate each, listed by ``--list-properties``.

A property is one of three kinds:

- ``state``: ``check(state) -> violations``, evaluated after every step;
- ``transition``: ``check(old, new) -> violations``, evaluated on every step old -> new;
- ``eventually``: ``check(state) -> violations``, evaluated on the quiescent state reached
  once events stop and every actor has run to quiescence (fairness) within a bound.

``applies(state)`` says whether the property has anything to look at (a StatefulSet
property does not apply to a cluster without StatefulSets); engines skip properties that
never apply and report which ones they checked.
"""

from __future__ import annotations

from typing import Callable, Iterable, Literal

import attrs

from kspec.model.state import ClusterState

Kind = Literal["state", "transition", "eventually"]


@attrs.frozen
class Violation:
    """One broken promise: which property, which object (``Kind/namespace/name``), why."""

    property: str
    object: str
    message: str

    def to_json(self) -> dict:
        return attrs.asdict(self)


@attrs.frozen
class Property:
    id: str
    kind: Kind
    title: str
    doc: str
    check: Callable[..., Iterable[Violation]]
    applies: Callable[[ClusterState], bool] = attrs.field(default=lambda state: True)


class Registry:
    """Properties by id, in registration order."""

    def __init__(self) -> None:
        self._by_id: dict[str, Property] = {}

    def add(self, prop: Property) -> Property:
        if prop.id in self._by_id:
            raise ValueError(f"property {prop.id!r} registered twice")
        self._by_id[prop.id] = prop
        return prop

    def get(self, property_id: str) -> Property:
        return self._by_id[property_id]

    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def __contains__(self, property_id: str) -> bool:
        return property_id in self._by_id


PROPERTIES = Registry()


def prop(property_id: str, kind: Kind, title: str, *, applies: Callable[[ClusterState], bool] | None = None):
    """Decorator registering ``check`` under ``property_id``; the docstring is the doc paragraph."""

    def register(check: Callable[..., Iterable[Violation]]):
        PROPERTIES.add(Property(property_id, kind, title, (check.__doc__ or "").strip(), check,
                                applies or (lambda state: True)))
        return check

    return register
