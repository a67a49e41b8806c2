"""The random engine: Hypothesis draws traces through the transition system.

Each example draws a length (at most ``depth``) and then, move by move, first a group
(an actor, the scripted event, the clock, a fault type) and then a move inside it, so
an actor with many writes is not chosen more often than one with a single write. Index
0 is the move a fair scheduler would make, so shrinking pulls a counterexample towards
an ordinary schedule with as few moves and as few faults as still break the property.

Reproducible: ``seed`` fixes the examples (without one a seed is drawn and reported);
with a ``database`` directory a failing example is stored and replayed first next
time (keyed by the input cluster, actors and options, so other inputs do not share it).
"""

from __future__ import annotations

import hashlib
import random
import time

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from kspec.check.engine import CheckResult, Stats, ViolationReport
from kspec.check.explore import Explorer, no_verdict_reason, settle_line
from kspec.check.replay import replay_command
from kspec.check.setup import Problem
from kspec.check.trace import TraceStep


class _Found(Exception):
    """A property broke: raised inside an example so Hypothesis shrinks it."""

    def __init__(self, violation, trace: tuple[TraceStep, ...], kind: str):
        super().__init__(f"{violation.property}: {violation.message}")
        self.violation = violation
        self.trace = trace
        self.kind = kind


def _digest(problem: Problem) -> bytes:
    """What keys the example database: the input cluster, the actors, the options that
    shape the move lists. Stable across processes (no ``hash()`` of strings)."""
    options = problem.options
    parts = [repr(o) for o in problem.initial.all()]
    parts += [a.name + type(a).__name__ for a in problem.actors]
    parts += [repr(e) for e in problem.events] + [repr(f) for f in problem.faults]
    parts += [p.id for p in problem.properties]
    parts += [str(problem.depth), str(options.history), str(options.symmetry)]
    return hashlib.sha256("\n".join(parts).encode()).digest()


def explore(problem: Problem) -> CheckResult:
    options = problem.options
    explorer = Explorer(problem)
    start_world = explorer.initial()
    seed = options.seed if options.seed is not None else random.randrange(2 ** 32)
    counters = {"examples": 0, "states": 0}
    distinct: set[int] = set()
    started = time.monotonic()
    last_report = [started]

    def one_example(data) -> None:
        counters["examples"] += 1
        world = start_world
        trace: list[TraceStep] = []
        for violation in explorer.check_state(world.state):
            raise _Found(violation, (), "state")
        length = data.draw(st.integers(0, problem.depth), label="length")
        for number in range(1, length + 1):
            moves = explorer.moves(world)
            if not moves:
                break
            groups = list(dict.fromkeys(m.group for m in moves))
            group = groups[data.draw(st.integers(0, len(groups) - 1))] if len(groups) > 1 else groups[0]
            choices = [m for m in moves if m.group == group]
            move = choices[data.draw(st.integers(0, len(choices) - 1))] if len(choices) > 1 else choices[0]
            new, line = explorer.step(world, move, number)
            trace.append(line)
            counters["states"] += 1
            distinct.add(hash(new))
            for violation in explorer.check_transition(world.state, new.state):
                raise _Found(violation, tuple(trace), "transition")
            for violation in explorer.check_state(new.state):
                raise _Found(violation, tuple(trace), "state")
            world = new
        settled = explorer.settle(world)
        for violation in settled.violations:
            raise _Found(violation, tuple(trace) + (settle_line(len(trace) + 1, settled),), "eventually")
        _progress(options, counters, distinct, started, last_report)

    test = settings(max_examples=problem.max_examples, deadline=None, derandomize=False,
                    database=DirectoryBasedExampleDatabase(options.database) if options.database else None,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False, print_blob=False,
                    verbosity=Verbosity.quiet)(given(st.data())(one_example))
    # What @hypothesis.seed does, minus turning the database off: a seeded run still
    # stores its failure, so the next run (seeded or not) replays it first.
    test._hypothesis_internal_use_seed = seed
    test._hypothesis_internal_add_digest = _digest(problem)
    violations = ()
    try:
        test()
    except _Found as found:
        violations = (ViolationReport(property=found.violation.property, object=found.violation.object,
                                      message=found.violation.message, trace=found.trace, kind=found.kind,
                                      replay=replay_command(problem, seed=seed)),)
    elapsed = time.monotonic() - started
    reason = "" if violations else no_verdict_reason(explorer)
    return CheckResult(result="violation" if violations else "no-verdict" if reason else "pass", engine="random",
                       reason=reason,
                       bounds={"depth": problem.depth, "max_examples": problem.max_examples,
                               "history": options.history, "settle_steps": options.settle_steps,
                               "start": problem.start},
                       stats=Stats(examples=counters["examples"], states=counters["states"],
                                   distinct_states=len(distinct), seconds=elapsed),
                       properties=tuple(p.id for p in problem.properties),
                       faults=tuple(f.label() for f in problem.faults), violations=violations, seed=seed)


def _progress(options, counters, distinct, started, last_report) -> None:
    if options.progress is None:
        return
    now = time.monotonic()
    if now - last_report[0] >= 2.0:
        last_report[0] = now
        options.progress(f"{counters['examples']} examples, {len(distinct)} distinct states, "
                         f"{now - started:.0f}s")
