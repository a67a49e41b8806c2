"""Running the model: actors take turns, one write per step, until nothing changes.

An actor is a controller (or the scheduler, a kubelet, ...): a pure ``reconcile(view)``
returning the writes it would make now, and an optional ``wakeup(view)`` giving the next
clock time at which it will have something to do (a readiness delay, a CronJob schedule,
an eviction timeout). The runner is fair and deterministic: actors take turns round-robin,
each turn applies the first write of the actor whose turn it is, and when no actor has
anything to do the clock jumps to the earliest wakeup or scripted event. A run is
quiescent when no actor has work and nothing is scheduled.

A write the store rejects is recorded and skipped until the state changes, so an action
that cannot succeed (an eviction a PodDisruptionBudget forbids) cannot livelock a run.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

import attrs

from kspec.model.events import Event, apply_event
from kspec.model.state import ClusterState
from kspec.model.store import Action, apply, describe


@attrs.frozen
class Actor:
    """``periodic`` actors (the CronJob controller) always have a next time; their wakeups
    are followed only when ``run(..., until=T)`` sets a horizon, and then only up to it."""

    name: str
    reconcile: Callable[[ClusterState], tuple[Action, ...]]
    wakeup: Callable[[ClusterState], int | None] = attrs.field(default=lambda view: None)
    periodic: bool = False


@attrs.frozen
class Step:
    """One line of a timeline."""

    step: int
    clock: int
    actor: str
    action: str
    object: str
    ok: bool = True
    message: str = ""

    def to_json(self) -> dict:
        return attrs.asdict(self)


@attrs.frozen
class Run:
    state: ClusterState
    timeline: tuple[Step, ...]
    converged: bool
    steps: int
    # actors that were still writing when the step bound was reached
    still_changing: tuple[str, ...] = ()


def run(state: ClusterState, actors: Iterable[Actor], events: Iterable[Event] = (), *,
        max_steps: int = 10_000, until: int = 0) -> Run:
    """Run actors (and scripted events, in time order) until quiescence or ``max_steps``.
    With ``until``, the clock never moves past that time and periodic actors are followed."""
    actors = tuple(actors)
    pending = sorted(events, key=lambda e: e.at)
    timeline: list[Step] = []
    turn = 0
    blocked: set[tuple[str, object]] = set()
    steps = 0
    while steps < max_steps:
        if pending and pending[0].at <= state.clock:
            event = pending.pop(0)
            outcome = apply_event(state, event)
            steps += 1
            timeline.append(Step(steps, state.clock, "environment", event.describe(), event.target(),
                                 outcome.ok, outcome.message))
            if outcome.state != state:
                blocked.clear()
            state = outcome.state
            continue
        acted = False
        for offset in range(len(actors)):
            actor = actors[(turn + offset) % len(actors)]
            action = next((a for a in actor.reconcile(state) if (actor.name, a) not in blocked), None)
            if action is None:
                continue
            outcome = apply(state, action)
            steps += 1
            verb, target = describe(action)
            timeline.append(Step(steps, state.clock, actor.name, verb, outcome.ref or target, outcome.ok,
                                 outcome.message))
            if outcome.ok and outcome.state != state:
                blocked.clear()
            else:
                blocked.add((actor.name, action))
            state = outcome.state
            turn = (turn + offset + 1) % len(actors)
            acted = True
            break
        if acted:
            continue
        # Without a horizon, periodic actors' wakeups are ignored; with one (`until`), every
        # actor's wakeups are followed up to it and none past it.
        wakeups = [t for t in (a.wakeup(state) for a in actors if until or not a.periodic)
                   if t is not None and t > state.clock and (not until or t <= until)]
        if pending:
            wakeups.append(max(pending[0].at, state.clock))
        if not wakeups:
            return Run(state, tuple(timeline), True, steps)
        state = state.with_clock(min(wakeups))
        blocked.clear()
    recent = Counter(step.actor for step in timeline[-200:])
    return Run(state, tuple(timeline), False, steps, tuple(name for name, _ in recent.most_common()))
