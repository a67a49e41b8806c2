"""``kspec check``'s public face: options, results, and ``check(objects, options, actors)``.

An engine explores the moves a cluster can make from the state the input describes:
every controller's writes (in any order, from fresh or, when the Scenario allows it,
stale views), the Scenario's scripted events in order, the clock moving on, and the
environment faults the Scenario lists. After every move the ``state`` properties are
checked, on every move the ``transition`` ones; ``eventually`` properties are checked on
the state the fair deterministic scheduler (``kspec.model.run``) settles in from the end
of a trace. Two engines share that transition system (``kspec.check.explore``):

- ``random`` (``kspec.check.random_engine``): Hypothesis draws traces of up to ``depth``
  moves, ``max_examples`` of them, shrinks a failing one to a minimal trace, and keeps
  it in its example database so it is replayed first next time;
- ``exhaustive`` (``kspec.check.exhaustive``): breadth-first search over every
  interleaving up to ``depth`` moves, states deduplicated, so a counterexample is a
  shortest one.
"""

from __future__ import annotations

import importlib
from typing import Callable, Iterable, Sequence

import attrs

from kspec.check.properties import PROPERTIES, Property
from kspec.check.trace import TraceStep

ENGINES = ("random", "exhaustive")
DEFAULT_DEPTH = {"random": 40, "exhaustive": 6}
DEFAULT_MAX_EXAMPLES = 100


class CheckInputError(Exception):
    """A usage mistake without a position in the input (an unknown property id, a bad
    option); the CLI prints it and exits 2. Mistakes in a Scenario are ``ReadError``s."""


class CheckLimitError(Exception):
    """No exploration possible within a bound (``start: settled`` on an input the fair
    scheduler does not settle within ``settle_steps``); the CLI prints it and exits 3."""


@attrs.frozen(kw_only=True)
class CheckOptions:
    """What to explore and how far.

    ``depth`` / ``max_examples``: None takes the Scenario's ``spec.bounds``, else the
    engine's default (random: 40 moves per example, 100 examples; exhaustive: depth 6).
    ``properties``: empty means the Scenario's ``spec.properties``, else every registered
    property that applies to the cluster. ``faults``: None means the Scenario's
    ``spec.faults`` (fault type names here take their defaults, see ``kspec.check.faults``).
    ``database``: directory of Hypothesis' example database (None: no database; the CLI
    uses ``.kspec/examples``). ``history``: how many past states a stale view may be
    taken from. ``settle_steps``: bound on the fair run before ``eventually`` checks.
    ``symmetry``: explore one of several interchangeable fault targets (exhaustive).
    ``start``: "input" explores from the input as written, "settled" from the state the
    fair scheduler settles in from it before any scripted event or fault (the deployed
    cluster: faults then hit a running workload at small depths); None takes the
    Scenario's ``spec.start``, else "input".
    ``paths``: the inputs, for the replay command. ``progress``: called with a line of
    progress at most every ``progress_interval`` seconds (the CLI passes one: an in-place
    line on a terminal every 2 s, else a line on stderr every 10 s).
    ``timeout`` (seconds) / ``max_states`` (exhaustive: distinct states; random: states
    visited): None for no limit; when one is reached (or on KeyboardInterrupt) the run
    stops and the result is "no-verdict" with ``stopped_by`` set, unless a violation was
    found before it.
    """

    engine: str = "random"
    start: str | None = None
    depth: int | None = None
    max_examples: int | None = None
    seed: int | None = None
    properties: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    faults: tuple[str, ...] | None = attrs.field(default=None, converter=lambda v: None if v is None else tuple(v))
    database: str | None = None
    history: int = 3
    settle_steps: int = 3000
    symmetry: bool = True
    paths: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    progress: Callable[[str], None] | None = attrs.field(default=None, eq=False)
    progress_interval: float = 2.0
    timeout: float | None = None
    max_states: int | None = None


@attrs.frozen(kw_only=True)
class ViolationReport:
    """A broken property with the trace that breaks it and the command that replays it."""

    property: str
    object: str
    message: str
    trace: tuple[TraceStep, ...]
    replay: str
    # where the trace ends: "state" / "transition" (after the last move) or "eventually"
    # (after the fair run that follows it)
    kind: str = "state"

    def to_json(self) -> dict:
        return {"property": self.property, "object": self.object, "message": self.message,
                "kind": self.kind, "trace": [step.to_json() for step in self.trace], "replay": self.replay}


@attrs.frozen(kw_only=True)
class Stats:
    examples: int = 0
    states: int = 0
    distinct_states: int = 0
    seconds: float = 0.0
    # random: examples Hypothesis cut off mid-trace (not counted in ``examples``: see
    # kspec.check.random_engine); exhaustive: 0
    aborted: int = 0
    # exhaustive: the deepest level every world of which was expanded; random: the
    # longest trace run
    depth: int = 0

    def to_json(self) -> dict:
        per_second = self.distinct_states / self.seconds if self.seconds > 0 else 0.0
        return {"examples": self.examples, "states": self.states, "distinct_states": self.distinct_states,
                "seconds": round(self.seconds, 3), "distinct_states_per_second": round(per_second, 1),
                "aborted_examples": self.aborted, "depth": self.depth}


@attrs.frozen(kw_only=True)
class CheckResult:
    """``result`` is "pass" when every checked property held in everything explored within
    ``bounds`` (never a claim beyond them), "violation" when one broke, "no-verdict" when
    none broke but an ``eventually`` property could not be judged because a fair run did not
    settle within ``settle_steps`` (``reason`` says where; the CLI exits 3), or when a limit
    the user gave stopped the run first (``stopped_by``: ``timeout``, ``max-states`` or
    ``interrupt``; ``reason`` says how far it got)."""

    result: str
    engine: str
    bounds: dict
    stats: Stats
    properties: tuple[str, ...]
    faults: tuple[str, ...]
    violations: tuple[ViolationReport, ...] = ()
    seed: int | None = None
    # bound reached before every path was finished (exhaustive: frontier states at depth)
    complete: bool = False
    reason: str = ""
    stopped_by: str = ""

    def to_json(self) -> dict:
        return {"result": self.result, "reason": self.reason, "engine": self.engine, "bounds": dict(self.bounds),
                "stats": self.stats.to_json(), "properties": list(self.properties), "faults": list(self.faults),
                "seed": self.seed, "complete": self.complete, "stopped_by": self.stopped_by or None,
                "violations": [v.to_json() for v in self.violations]}


def load_properties() -> None:
    """Register the built-in invariants (importing the module registers them)."""
    try:
        importlib.import_module("kspec.check.invariants")
    except ModuleNotFoundError as error:
        if error.name != "kspec.check.invariants":
            raise


def check(objects: Iterable[object], options: CheckOptions = CheckOptions(),
          actors: Sequence | None = None) -> CheckResult:
    """Explore ``objects`` (decoded manifests, Nodes/NodePools, at most one Scenario) with
    ``actors`` (default: ``kspec.model.actors.default_actors()``) and check properties.

    Raises ``CheckInputError`` for a bad option or an unknown property id and
    ``kspec.reading.errors.ReadError`` for a mistake in the Scenario (at its line).
    """
    from kspec.check import exhaustive, random_engine
    from kspec.check.setup import prepare

    if options.engine not in ENGINES:
        raise CheckInputError(f"unknown engine {options.engine!r}; expected one of {', '.join(ENGINES)}")
    load_properties()
    problem = prepare(list(objects), options, actors)
    if options.engine == "exhaustive":
        return exhaustive.explore(problem)
    return random_engine.explore(problem)


def all_properties() -> tuple[Property, ...]:
    """Every registered property, built-ins loaded."""
    load_properties()
    return tuple(PROPERTIES)
