"""From decoded objects and options to the problem an engine explores.

Resolves, in order of precedence: options, then the Scenario (``spec.faults``,
``spec.properties``, ``spec.bounds``), then defaults. Mistakes in a Scenario are
``ReadError``s at their line, never replaced by a default: an event or fault aimed at a
node or object that cannot exist (``kspec.model.scenario``), and ``spec.bounds`` that is not
a mapping of ``depth`` (a whole number, at least 0) and ``maxExamples`` (at least 1), or has
any other key. Unknown ids and bad values given as options are ``CheckInputError``s.
"""

from __future__ import annotations

from typing import Sequence

import attrs

from kspec.api.decode import field_node
from kspec.api.others import Scenario
from kspec.check.engine import DEFAULT_DEPTH, DEFAULT_MAX_EXAMPLES, CheckInputError, CheckLimitError, CheckOptions
from kspec.check.faults import FAULT_TYPES, FaultSpec, default_spec, fault_errors, parse_faults
from kspec.check.properties import PROPERTIES, Property
from kspec.model.actors import default_actors
from kspec.model.cluster import initial_state
from kspec.model.inputs import input_errors
from kspec.model.run import Actor, run
from kspec.model.scenario import scenario_events
from kspec.model.state import ClusterState
from kspec.reading.errors import ReadError
from kspec.reading.nodes import Mapping, Scalar


STARTS = ("input", "settled")


@attrs.frozen(kw_only=True)
class Problem:
    initial: ClusterState
    actors: tuple[Actor, ...]
    events: tuple
    faults: tuple[FaultSpec, ...]
    properties: tuple[Property, ...]
    depth: int
    max_examples: int
    options: CheckOptions
    start: str = "input"

    def of_kind(self, kind: str) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.kind == kind)


def _scenario(objects: list) -> Scenario | None:
    scenarios = [o for o in objects if isinstance(o, Scenario)]
    if len(scenarios) > 1:
        first, second = scenarios[0], scenarios[1]
        where = f"{first.node.file}:{first.node.line}" if first.node is not None else first.metadata.name
        message = (f"a second Scenario (the first is at {where}); kspec check explores one Scenario at a "
                   f"time: pass the directory or file of one scenario")
        if second.node is not None:
            raise ReadError(message, second.node.source, second.node.start)
        raise CheckInputError(message)
    return scenarios[0] if scenarios else None


def _faults(scenario: Scenario | None, options: CheckOptions, objects: list) -> tuple[FaultSpec, ...]:
    if options.faults is not None:
        unknown = [f for f in options.faults if f not in FAULT_TYPES]
        if unknown:
            raise CheckInputError(f"unknown fault(s) {', '.join(unknown)}; expected one of {', '.join(FAULT_TYPES)}")
        return tuple(default_spec(f) for f in dict.fromkeys(options.faults))
    if scenario is None:
        return ()
    return parse_faults(field_node(scenario, "spec", "faults"), objects)


def _unknown_property(property_id: str) -> str:
    return (f"unknown property {property_id!r} (see kspec check --list-properties for the "
            f"{len(PROPERTIES.ids())} known ids)")


def _properties(scenario: Scenario | None, options: CheckOptions, initial: ClusterState,
                settled: ClusterState) -> tuple[Property, ...]:
    if options.properties:
        unknown = [p for p in options.properties if p not in PROPERTIES]
        if unknown:
            raise CheckInputError("; ".join(_unknown_property(p) for p in unknown))
        return tuple(PROPERTIES.get(p) for p in dict.fromkeys(options.properties))
    if scenario is not None and scenario.spec.properties:
        for index, property_id in enumerate(scenario.spec.properties):
            if property_id not in PROPERTIES:
                node = field_node(scenario, "spec", "properties", index)
                if node is None:
                    raise CheckInputError(_unknown_property(property_id))
                raise ReadError(_unknown_property(property_id), node.source, node.start)
        return tuple(PROPERTIES.get(p) for p in dict.fromkeys(scenario.spec.properties))
    return tuple(p for p in PROPERTIES if p.applies(initial) or p.applies(settled))


_BOUNDS = {"depth": 0, "maxExamples": 1}  # key -> smallest value


def bounds_of(scenario: Scenario | None) -> dict[str, int]:
    """A Scenario's ``spec.bounds`` as written (keys ``depth``, ``maxExamples``); raises the
    first of ``bounds_errors`` (a mistaken bound is never replaced by the default)."""
    errors = bounds_errors(scenario)
    if errors:
        raise errors[0]
    bounds = scenario.spec.bounds if scenario is not None else None
    found = {"depth": bounds.depth, "maxExamples": bounds.max_examples} if bounds is not None else {}
    return {key: value for key, value in found.items() if value is not None}


def bounds_errors(scenario: Scenario | None) -> list[ReadError]:
    """A ``ReadError`` at every bound that is not a whole number at least its minimum
    (``depth`` 0, ``maxExamples`` 1), at every unknown key, or at ``bounds`` itself when it
    is not a mapping."""
    node = field_node(scenario, "spec", "bounds") if scenario is not None else None
    if node is None:
        return []
    if not isinstance(node, Mapping):
        return [ReadError("'bounds' must be a mapping such as {depth: 6, maxExamples: 100}", node.source,
                          node.start)]
    errors = []
    for key_node, value in node.items:
        key = key_node.value if isinstance(key_node, Scalar) else None
        if key not in _BOUNDS:
            shown = repr(key) if key is not None else "that key"
            errors.append(ReadError(f"unknown bound {shown}; expected {' or '.join(_BOUNDS)}", key_node.source,
                                    key_node.start))
            continue
        number = value.value if isinstance(value, Scalar) else None
        if not isinstance(number, int) or isinstance(number, bool) or number < _BOUNDS[key]:
            errors.append(ReadError(f"{key!r} must be a whole number of at least {_BOUNDS[key]}, not "
                                    f"{_shown(value)}", value.source, value.start))
    return errors


def check_errors(objects: list) -> list[ReadError]:
    """Every mistake ``prepare`` would refuse the input for, in input order: the model's
    (``kspec.model.inputs``: NodePool counts, Scenario events), then each Scenario's
    ``spec.faults`` and ``spec.bounds``."""
    errors = input_errors(objects)
    for scenario in (o for o in objects if isinstance(o, Scenario)):
        errors += fault_errors(field_node(scenario, "spec", "faults"), objects)
        errors += bounds_errors(scenario)
    return sorted(errors, key=lambda e: (e.path, e.line, e.column))


def _shown(node) -> str:
    if isinstance(node, Scalar):
        return node.text if node.text is not None else repr(node.value)
    return "a " + type(node).__name__.lower()


def _bound(option: int | None, scenario_value: int | None, default: int, name: str, minimum: int) -> int:
    value = option if option is not None else scenario_value if scenario_value is not None else default
    if value < minimum:
        raise CheckInputError(f"{name} must be at least {minimum}, not {value}")
    return value


def prepare(objects: list, options: CheckOptions, actors: Sequence[Actor] | None = None) -> Problem:
    """The problem for ``objects`` under ``options``; raises on bad input (see module doc)."""
    scenario = _scenario(objects)
    errors = input_errors(objects)
    if errors:
        raise errors[0]
    events = tuple(scenario_events(scenario)) if scenario is not None else ()
    faults = _faults(scenario, options, objects)
    bounds = bounds_of(scenario)
    actors = tuple(actors) if actors is not None else default_actors()
    if options.history < 1:
        raise CheckInputError(f"history must be at least 1, not {options.history}")
    if options.settle_steps < 1:
        raise CheckInputError(f"settle-steps must be at least 1, not {options.settle_steps}")
    if options.timeout is not None and not options.timeout > 0:
        raise CheckInputError(f"timeout must be more than 0 seconds, not {options.timeout:g}")
    if options.max_states is not None and options.max_states < 1:
        raise CheckInputError(f"max-states must be at least 1, not {options.max_states}")
    initial = initial_state(objects)
    start = options.start or (scenario.spec.start if scenario is not None else "") or "input"
    if start not in STARTS:
        raise CheckInputError(f"unknown start {start!r}; expected one of {', '.join(STARTS)}")
    if start == "settled":
        deployed = run(initial, actors, (), max_steps=options.settle_steps)
        if not deployed.converged:
            raise CheckLimitError(f"the input did not settle within {deployed.steps} steps of fair scheduling "
                                  f"(still changing: {', '.join(deployed.still_changing)}), so there is no "
                                  f"settled cluster to start from; explore it with start: input")
        initial = deployed.state
    settled = initial
    if not options.properties and not (scenario is not None and scenario.spec.properties):
        # a property applies when the cluster has something for it once the controllers
        # have acted (a Deployment's ReplicaSets exist only then)
        settled = run(initial, actors, events, max_steps=options.settle_steps).state
    properties = _properties(scenario, options, initial, settled)
    depth = _bound(options.depth, bounds.get("depth"), DEFAULT_DEPTH[options.engine], "depth", 0)
    examples = _bound(options.max_examples, bounds.get("maxExamples"), DEFAULT_MAX_EXAMPLES, "max-examples", 1)
    return Problem(initial=initial, actors=actors, events=events, faults=faults, properties=properties,
                   depth=depth, max_examples=examples, options=options, start=start)
