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

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from kspec.check.engine import CheckResult, Stats, ViolationReport
from kspec.check.explore import Explorer, no_verdict_reason, settle_line
from kspec.check.limits import Limits, Stopped, rate, verdict
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
    # calls: every call Hypothesis makes; examples: those that ran to the end of their
    # trace (Hypothesis' "valid" examples, what max_examples counts); the others were cut
    # off mid-trace by Hypothesis (a draw past the length it allows an early example, a
    # prefix it has already tried)
    counters = {"calls": 0, "examples": 0, "states": 0, "depth": 0}
    distinct: set[int] = set()
    limits = Limits(options)
    # the smallest violation seen so far: what is reported if a limit stops the shrinking
    best: list[_Found] = []

    def line(seconds: float) -> str:
        return (f"{counters['examples']:,} examples, {counters['states']:,} states, {len(distinct):,} distinct, "
                f"{rate(counters['states'], seconds)} states/s, {seconds:.0f} s")

    def tick() -> None:
        try:
            limits.tick(counters["states"], line)
        except Stopped as stop:
            if stop.by == "max-states" and best:
                return  # a violation is being shrunk: --max-states bounds the search, not that
            raise

    def found(violation, trace: tuple[TraceStep, ...], kind: str) -> _Found:
        error = _Found(violation, trace, kind)
        if not best or len(trace) < len(best[0].trace):
            best[:] = [error]
        return error

    def one_example(data) -> None:
        counters["calls"] += 0 if best else 1  # once a violation is found, the rest is shrinking
        world = start_world
        trace: list[TraceStep] = []
        for violation in explorer.check_state(world.state):
            raise found(violation, (), "state")
        length = data.draw(st.integers(0, problem.depth), label="length")
        for number in range(1, length + 1):
            tick()
            moves = explorer.moves(world)
            if not moves:
                break
            groups = list(dict.fromkeys(m.group for m in moves))
            group = groups[data.draw(st.integers(0, len(groups) - 1))] if len(groups) > 1 else groups[0]
            choices = [m for m in moves if m.group == group]
            move = choices[data.draw(st.integers(0, len(choices) - 1))] if len(choices) > 1 else choices[0]
            new, step = explorer.step(world, move, number)
            trace.append(step)
            counters["states"] += 1
            counters["depth"] = max(counters["depth"], len(trace))
            distinct.add(hash(new))
            for violation in explorer.check_transition(world.state, new.state):
                raise found(violation, tuple(trace), "transition")
            for violation in explorer.check_state(new.state):
                raise found(violation, tuple(trace), "state")
            world = new
        settled = explorer.settle(world)
        for violation in settled.violations:
            raise found(violation, tuple(trace) + (settle_line(len(trace) + 1, settled),), "eventually")
        counters["examples"] += 0 if best else 1
        tick()

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
    stopped_by = ""
    final: _Found | None = None
    try:
        with limits.catching_ctrl_c():
            test()
    except _Found as error:
        final = error
    except Stopped as stop:
        stopped_by = stop.by
    except KeyboardInterrupt:
        stopped_by = "interrupt"
    if final is None and best:  # stopped while shrinking: the smallest trace found so far
        final = best[0]
    if final is not None:
        violations = (ViolationReport(property=final.violation.property, object=final.violation.object,
                                      message=final.violation.message, trace=final.trace, kind=final.kind,
                                      replay=replay_command(problem, seed=seed)),)
    elapsed = limits.elapsed()
    aborted = counters["calls"] - counters["examples"] - (1 if best else 0)
    result, reason, stopped_by = verdict(
        bool(violations), stopped_by, options, elapsed,
        f"{counters['examples']:,} of {problem.max_examples:,} examples, {counters['states']:,} states, "
        f"{len(distinct):,} distinct states, longest trace {counters['depth']} moves",
        "" if violations else no_verdict_reason(explorer))
    return CheckResult(result=result, engine="random", reason=reason, stopped_by=stopped_by,
                       bounds={"depth": problem.depth, "max_examples": problem.max_examples,
                               "history": options.history, "settle_steps": options.settle_steps,
                               "start": problem.start, "timeout": options.timeout, "max_states": options.max_states},
                       stats=Stats(examples=counters["examples"], states=counters["states"],
                                   distinct_states=len(distinct), seconds=elapsed, aborted=max(aborted, 0),
                                   depth=counters["depth"]),
                       properties=tuple(p.id for p in problem.properties),
                       faults=tuple(f.label() for f in problem.faults), violations=violations, seed=seed)
