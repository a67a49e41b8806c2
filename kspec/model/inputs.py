"""The model's own checks of an input set, before anything is built or run.

``kspec.api.inputs`` refuses values that cannot be decoded as written; these are the
mistakes only the model can see, each a ``ReadError`` at its ``file:line:column``:

- a NodePool ``count`` below 0, or one that takes the cluster past ``MAX_NODES`` nodes
  (``kspec.model.cluster.node_pool_errors``), found from the counts, before any node exists;
- a Scenario event that cannot be read, or whose node or object cannot exist in a run of
  the input (``kspec.model.scenario.scenario_errors``; what is checked and what cannot be
  is in that module's doc).

``simulate``, ``place`` and ``check`` refuse an input with any of them (exit 2).
"""

from __future__ import annotations

from typing import Iterable

from kspec.reading.errors import ReadError


def input_errors(objects: Iterable[object]) -> list[ReadError]:
    """Every model-level mistake in ``objects`` (decoded), NodePools first, then Scenarios."""
    from kspec.api.others import Scenario
    from kspec.model.cluster import node_pool_errors
    from kspec.model.scenario import scenario_errors

    objects = list(objects)
    errors = node_pool_errors(objects)
    for scenario in (o for o in objects if isinstance(o, Scenario)):
        errors += scenario_errors(scenario, objects)
    return errors
