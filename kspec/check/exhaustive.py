"""The exhaustive engine: breadth-first search over every interleaving up to ``depth`` moves.

Every enabled move of every world is taken (each distinct write of each actor, the next
scripted event, the clock, every allowed fault instance); worlds are deduplicated by
value, so a world reached by several orders is expanded once, and because the search
goes level by level the first violation found has a shortest trace.

Reductions (each keeps every verdict on name-blind properties):
- identical writes of one actor are one move (a ReplicaSet short of 3 pods offers one
  create, not three);
- symmetric fault targets (``explore.symmetric_representatives``): of several pods with
  the same owner, node, spec and status, or nodes with the same labels, spec, status and
  pods, only one is crashed, evicted or failed -- the others lead to the same states up
  to names. Properties must therefore not depend on which generated name a pod has.

``eventually`` properties are checked at the worlds where a trace ends: those at the
depth bound and those with no move left (any trace of at most ``depth`` moves, followed
by fair scheduling).
"""

from __future__ import annotations

import time
from collections import deque

from kspec.check.engine import CheckResult, Stats, ViolationReport
from kspec.check.explore import Explorer, World, no_verdict_reason, settle_line
from kspec.check.replay import replay_command
from kspec.check.setup import Problem
from kspec.check.trace import TraceStep, numbered


def _trace(parents: dict, world: World) -> list[TraceStep]:
    steps = []
    while parents[world] is not None:
        world, line = parents[world]
        steps.append(line)
    return list(reversed(steps))


def explore(problem: Problem) -> CheckResult:
    options = problem.options
    explorer = Explorer(problem)
    started = time.monotonic()
    last_report = started
    start = explorer.initial()
    parents: dict[World, tuple[World, TraceStep] | None] = {start: None}
    queue = deque([(start, 0)])
    transitions = 0
    complete = True
    found: ViolationReport | None = None

    def report(violation, trace, kind) -> ViolationReport:
        return ViolationReport(property=violation.property, object=violation.object, message=violation.message,
                               trace=numbered(trace), kind=kind, replay=replay_command(problem))

    initial_violations = explorer.check_state(start.state)
    if initial_violations:
        found = report(initial_violations[0], [], "state")
        queue.clear()
    while queue and found is None:
        world, depth = queue.popleft()
        moves = explorer.moves(world) if depth < problem.depth or complete else []
        if depth >= problem.depth or not moves:
            if depth >= problem.depth and moves:
                complete = False
            settled = explorer.settle(world)
            if settled.violations:
                trace = _trace(parents, world)
                found = report(settled.violations[0], trace + [settle_line(len(trace) + 1, settled)], "eventually")
            continue
        for move in moves:
            new, line = explorer.step(world, move, depth + 1)
            transitions += 1
            violations = explorer.check_transition(world.state, new.state)
            kind = "transition"
            if new not in parents:
                parents[new] = (world, line)
                if not violations:
                    violations, kind = explorer.check_state(new.state), "state"
                queue.append((new, depth + 1))
            if violations:
                found = report(violations[0], _trace(parents, world) + [line], kind)
                break
        now = time.monotonic()
        if options.progress is not None and now - last_report >= 2.0:
            last_report = now
            options.progress(f"depth {depth}: {transitions} states explored, {len(parents)} distinct, "
                             f"{len(parents) / (now - started):.0f}/s")
    elapsed = time.monotonic() - started
    reason = "" if found else no_verdict_reason(explorer)
    return CheckResult(result="violation" if found else "no-verdict" if reason else "pass", engine="exhaustive",
                       reason=reason,
                       bounds={"depth": problem.depth, "history": options.history,
                               "settle_steps": options.settle_steps, "symmetry": options.symmetry,
                               "start": problem.start},
                       stats=Stats(examples=0, states=transitions, distinct_states=len(parents), seconds=elapsed),
                       properties=tuple(p.id for p in problem.properties),
                       faults=tuple(f.label() for f in problem.faults),
                       violations=(found,) if found else (), complete=complete and found is None)
