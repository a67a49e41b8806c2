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

from collections import deque

from kspec.check.engine import CheckResult, Stats, ViolationReport
from kspec.check.explore import Explorer, World, no_verdict_reason, settle_line
from kspec.check.limits import Limits, Stopped, rate, verdict
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
    limits = Limits(options)
    start = explorer.initial()
    parents: dict[World, tuple[World, TraceStep] | None] = {start: None}
    queue = deque([(start, 0)])
    transitions = 0
    complete = True
    found: ViolationReport | None = None
    stopped_by = ""
    level = [0]  # depth of the world being expanded: every world above it is done

    def report(violation, trace, kind) -> ViolationReport:
        return ViolationReport(property=violation.property, object=violation.object, message=violation.message,
                               trace=numbered(trace), kind=kind, replay=replay_command(problem))

    def line(seconds: float) -> str:
        return (f"depth {level[0]}, {len(parents):,} distinct states, "
                f"{rate(len(parents), seconds)} states/s, {seconds:.0f} s")

    try:
        with limits.catching_ctrl_c():
            initial_violations = explorer.check_state(start.state)
            if initial_violations:
                found = report(initial_violations[0], [], "state")
                queue.clear()
            while queue and found is None:
                limits.tick(len(parents), line)
                world, depth = queue[0]
                level[0] = depth
                moves = explorer.moves(world) if depth < problem.depth or complete else []
                if depth >= problem.depth or not moves:
                    if depth >= problem.depth and moves:
                        complete = False
                    settled = explorer.settle(world)
                    queue.popleft()
                    if settled.violations:
                        trace = _trace(parents, world)
                        found = report(settled.violations[0], trace + [settle_line(len(trace) + 1, settled)],
                                       "eventually")
                    continue
                for move in moves:
                    new, step = explorer.step(world, move, depth + 1)
                    transitions += 1
                    violations = explorer.check_transition(world.state, new.state)
                    kind = "transition"
                    if new not in parents:
                        parents[new] = (world, step)
                        if not violations:
                            violations, kind = explorer.check_state(new.state), "state"
                        queue.append((new, depth + 1))
                    if violations:
                        found = report(violations[0], _trace(parents, world) + [step], kind)
                        break
                queue.popleft()
    except Stopped as stop:
        stopped_by = stop.by
    except KeyboardInterrupt:
        stopped_by = "interrupt"
    elapsed = limits.elapsed()
    # the deepest level all of whose worlds were expanded (and settled)
    done = (queue[0][1] - 1) if queue else level[0]
    if not found and stopped_by:
        complete = False
    result, reason, stopped_by = verdict(
        bool(found), stopped_by, options, elapsed,
        f"{transitions:,} states, {len(parents):,} distinct states, every interleaving of at most "
        f"{max(done, 0)} moves of the {problem.depth} asked (working on depth {level[0]}), "
        f"{len(queue):,} states left in the queue", "" if found else no_verdict_reason(explorer))
    return CheckResult(result=result, engine="exhaustive", reason=reason, stopped_by=stopped_by,
                       bounds={"depth": problem.depth, "history": options.history,
                               "settle_steps": options.settle_steps, "symmetry": options.symmetry,
                               "start": problem.start, "timeout": options.timeout, "max_states": options.max_states},
                       stats=Stats(examples=0, states=transitions, distinct_states=len(parents), seconds=elapsed,
                                   depth=max(done, 0)),
                       properties=tuple(p.id for p in problem.properties),
                       faults=tuple(f.label() for f in problem.faults),
                       violations=(found,) if found else (), complete=complete and found is None)
