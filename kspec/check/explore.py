"""The transition system both engines explore: worlds, the moves enabled in a world, and
the world a move leads to.

A ``World`` is the cluster state plus what the explorer must remember to know which
moves come next: how many scripted events have happened, how many times each bounded
fault was injected, and -- only when the Scenario allows view faults -- the last few
states (stale views are taken from them) and, per actor, how far back its expectations
let it look. Worlds are hashable, so the exhaustive engine deduplicates them.

Moves, in the order the random engine prefers when it shrinks (index 0 first):

1. a controller's write, one move per distinct action it would make now (an actor with
   several writes may make any of them: upstream workers sync objects in any order);
2. the next scripted event, once the clock has reached its time;
3. the clock moving on to the next wakeup or scripted time (time may pass while
   controllers still have work: they can be slow);
4. an injected fault (``kspec.check.faults``), as the Scenario allows.

``Explorer`` holds memo tables (reconciles per actor and view, property verdicts per
state, fair runs per state): every function it memoises is pure, so a table is only a
cache and never changes an answer.
"""

from __future__ import annotations

from collections import Counter

import attrs

from kspec.check.faults import (EVENT_FAULTS, VIEW_FAULTS, FaultSpec, Touch, apply_fault, changed_kinds,
                                instances, is_guarded, lagging_view)
from kspec.check.properties import Violation
from kspec.check.setup import Problem
from kspec.check.trace import TraceStep, change_detail
from kspec.model.events import apply_event
from kspec.model.run import run
from kspec.model.state import ClusterState
from kspec.model.store import Update, UpdateStatus, apply, describe

_CACHE_LIMIT = 200_000
# writes kept in the reconcile memo: a sync may offer hundreds of distinct creations (an
# Indexed Job or a Parallel StatefulSet short of 500 pods), so the memo is bounded by the
# writes it holds as well as by its entries
_RECONCILE_WRITES = 100_000


@attrs.frozen(cache_hash=True)
class World:
    state: ClusterState
    scripted: int = 0
    used: tuple[int, ...] = ()
    # newest first; kept only when a view fault is allowed
    history: tuple[ClusterState, ...] = ()
    # per actor: how many history states back its expectations let it look
    floors: tuple[int, ...] = ()


@attrs.frozen
class Move:
    """``group`` is what the random engine draws first (an actor, "scripted", "tick", a
    fault type); ``age`` > 0 marks a view ``age`` states old (of ``lag_kind`` only, for a
    watch fault)."""

    group: str
    kind: str  # actor | scripted | tick | fault | conflict | restart
    actor: int = -1
    action: object = None
    event: object = None
    fault: int = -1
    age: int = 0
    lag_kind: str = ""
    to: int = 0


@attrs.frozen
class Settled:
    """The fair run from a state: where it settled (or not) and the eventually verdicts."""

    state: ClusterState
    converged: bool
    steps: int
    violations: tuple[Violation, ...]
    # the API server's refusals during the fair run, latest last ("Pod/ns/x: exceeded quota ...")
    refusals: tuple[str, ...] = ()
    # actors still writing when the run was cut at settle_steps (not converged)
    still_changing: tuple[str, ...] = ()


class Explorer:
    def __init__(self, problem: Problem):
        self.problem = problem
        self.actors = problem.actors
        self.events = problem.events
        self.faults = problem.faults
        self.history_size = problem.options.history
        self.view_faults = any(f.type in VIEW_FAULTS for f in self.faults)
        self.restarts = any(f.type == "controllerRestart" for f in self.faults)
        self.state_props = problem.of_kind("state")
        self.transition_props = problem.of_kind("transition")
        self.eventually_props = problem.of_kind("eventually")
        self._reconciles: dict = {}
        self._reconcile_writes = 0
        self._wakeups: dict = {}
        self._verdicts: dict = {}
        self._settled: dict = {}
        # the first fair run that did not settle within settle_steps: from then on no
        # ``eventually`` verdict can be "pass", so no further fair run is made
        self.unsettled: Settled | None = None

    # --- worlds -----------------------------------------------------------------------

    def initial(self) -> World:
        floors = (self.history_size,) * len(self.actors) if self.view_faults else ()
        return World(self.problem.initial, 0, (0,) * len(self.faults), (), floors)

    def reconcile(self, index: int, view: ClusterState) -> tuple:
        """Distinct writes of actor ``index`` from ``view``, in its order (memoised)."""
        key = (index, view)
        found = self._reconciles.get(key)
        if found is None:
            if len(self._reconciles) > _CACHE_LIMIT or self._reconcile_writes > _RECONCILE_WRITES:
                self._reconciles.clear()
                self._reconcile_writes = 0
            found = tuple(dict.fromkeys(self.actors[index].reconcile(view)))
            self._reconciles[key] = found
            self._reconcile_writes += len(found)
        return found

    def _wakeup(self, state: ClusterState) -> int | None:
        found = self._wakeups.get(state, -1)
        if found == -1:
            times = [t for t in (a.wakeup(state) for a in self.actors if not a.periodic)
                     if t is not None and t > state.clock]
            found = min(times) if times else None
            self._wakeups[state] = found
        return found

    # --- moves ------------------------------------------------------------------------

    def moves(self, world: World) -> list[Move]:
        state = world.state
        found: list[Move] = []
        for index, actor in enumerate(self.actors):
            found += [Move(actor.name, "actor", actor=index, action=a) for a in self.reconcile(index, state)]
        if world.scripted < len(self.events) and self.events[world.scripted].at <= state.clock:
            found.append(Move("scripted", "scripted", event=self.events[world.scripted]))
        times = [t for t in (self._wakeup(state),) if t is not None]
        if world.scripted < len(self.events) and self.events[world.scripted].at > state.clock:
            times.append(self.events[world.scripted].at)
        if times:
            found.append(Move("tick", "tick", to=min(times)))
        for index, spec in enumerate(self.faults):
            if spec.max is not None and world.used[index] >= spec.max:
                continue
            found += self._fault_moves(world, index, spec)
        return found

    def _fault_moves(self, world: World, index: int, spec: FaultSpec) -> list[Move]:
        state = world.state
        if spec.type in EVENT_FAULTS:
            events = instances(state, spec, self.problem.initial)
            if self.problem.options.symmetry:
                events = symmetric_representatives(state, events)
            return [Move(spec.type, "fault", event=e, fault=index) for e in events]
        if spec.type in VIEW_FAULTS:
            return self._view_moves(world, index, spec)
        if spec.type == "writeConflict":
            return [Move(spec.type, "conflict", actor=i, action=a, fault=index)
                    for i in range(len(self.actors)) for a in self.reconcile(i, state)
                    if isinstance(a, (Update, UpdateStatus))]
        if spec.type == "controllerRestart" and self.view_faults:
            return [Move(spec.type, "restart", actor=i, fault=index) for i, actor in enumerate(self.actors)
                    if is_guarded(actor) and world.floors[i] < self.history_size]
        return []

    def _allowed_ages(self, world: World, actor: int) -> range:
        limit = len(world.history)
        if is_guarded(self.actors[actor]):
            limit = min(limit, world.floors[actor])
        return range(1, limit + 1)

    def _view_moves(self, world: World, index: int, spec: FaultSpec) -> list[Move]:
        state = world.state
        found = []
        for actor in range(len(self.actors)):
            fresh = set(self.reconcile(actor, state))
            for age in self._allowed_ages(world, actor):
                if spec.type == "watchDelay" and age > 1:
                    break
                old = world.history[age - 1]
                if spec.type == "staleView":
                    views = [("", old)] if old != state else []
                else:
                    views = [(kind, lagging_view(state, old, kind)) for kind in changed_kinds(state, old)]
                for kind, view in views:
                    found += [Move(spec.type, "actor", actor=actor, action=a, fault=index, age=age, lag_kind=kind)
                              for a in self.reconcile(actor, view) if a not in fresh]
        return found

    # --- applying a move ----------------------------------------------------------------

    def step(self, world: World, move: Move, number: int) -> tuple[World, TraceStep]:
        """The world after ``move`` and its trace line. Does not modify ``world``."""
        state = world.state
        writer = -1
        used = world.used
        floors = world.floors
        if move.fault >= 0 and self.faults[move.fault].max is not None:
            used = used[:move.fault] + (used[move.fault] + 1,) + used[move.fault + 1:]
        if move.kind == "actor":
            outcome = apply(state, move.action)
            verb, target = describe(move.action)
            label = self._actor_label(move)
            new_state = outcome.state
            writer = move.actor if outcome.ok and new_state != state else -1
            line = TraceStep(step=number, clock=state.clock, actor=label, action=verb, object=outcome.ref or target,
                             ok=outcome.ok, message=outcome.message)
        elif move.kind == "scripted":
            outcome = apply_event(state, move.event)
            new_state = outcome.state
            line = TraceStep(step=number, clock=state.clock, actor="environment", action=move.event.describe(),
                             object=move.event.target(), ok=outcome.ok, message=outcome.message)
            world = attrs.evolve(world, scripted=world.scripted + 1)
        elif move.kind == "tick":
            new_state = state.with_clock(move.to)
            line = TraceStep(step=number, clock=move.to, actor="clock", action=f"time passes to t={move.to}", object="")
        elif move.kind == "fault":
            outcome = apply_fault(state, move.event)
            new_state = outcome.state
            line = TraceStep(step=number, clock=state.clock, actor=f"fault: {move.group}",
                             action=move.event.describe(), object=move.event.target(), ok=outcome.ok,
                             message=outcome.message)
        elif move.kind == "conflict":
            obj = move.action.obj
            touched = apply_fault(state, Touch(obj.kind, obj.metadata.namespace, obj.metadata.name)).state
            outcome = apply(touched, move.action)
            new_state = outcome.state
            verb, target = describe(move.action)
            line = TraceStep(step=number, clock=state.clock, actor=f"{self.actors[move.actor].name}",
                             action=f"{verb} (another client wrote first)", object=target, ok=outcome.ok,
                             message=outcome.message)
        else:  # restart
            new_state = state
            floors = floors[:move.actor] + (self.history_size,) + floors[move.actor + 1:]
            line = TraceStep(step=number, clock=state.clock, actor=f"fault: {move.group}",
                             action="restart (expectations lost)", object=self.actors[move.actor].name)
        if line.object and new_state is not state:
            line = attrs.evolve(line, detail=change_detail(state, new_state, line.object))
        history = world.history
        if self.view_faults and new_state != state:
            history = ((state,) + history)[:self.history_size]
            floors = tuple(0 if i == writer else min(f + 1, self.history_size) for i, f in enumerate(floors))
        return attrs.evolve(world, state=new_state, used=used, history=history, floors=floors), line

    def _actor_label(self, move: Move) -> str:
        name = self.actors[move.actor].name
        if not move.age:
            return name
        if move.lag_kind:
            return f"{name} (its {move.lag_kind} watch {move.age} behind)"
        return f"{name} (stale view, {move.age} state{'s' if move.age > 1 else ''} old)"

    # --- properties ---------------------------------------------------------------------

    def check_state(self, state: ClusterState) -> tuple[Violation, ...]:
        found = self._verdicts.get(state)
        if found is None:
            if len(self._verdicts) > _CACHE_LIMIT:
                self._verdicts.clear()
            found = tuple(v for p in self.state_props for v in p.check(state))
            self._verdicts[state] = found
        return found

    def check_transition(self, old: ClusterState, new: ClusterState) -> tuple[Violation, ...]:
        if not self.transition_props or old == new:
            return ()
        return tuple(v for p in self.transition_props for v in p.check(old, new))

    def settle(self, world: World) -> Settled:
        """The fair deterministic run (``kspec.model.run``) from ``world`` with the scripted
        events still to come, and the ``eventually`` verdicts on where it settles.

        A run cut at ``settle_steps`` gives no verdict (not a violation: nothing was seen to
        break, and a livelock cannot be told from slow progress inside the bound); the first
        such run is kept in ``unsettled``, and after it no fair run is made at all (a "pass"
        is no longer possible, and an input that never settles, ``replicas: 1000000000``,
        would otherwise cost a full ``settle_steps`` run at the end of every trace).
        Violations of ``eventually`` properties found before it are reported as usual."""
        key = (world.state, world.scripted)
        found = self._settled.get(key)
        if found is not None:
            return found
        if not self.eventually_props or self.unsettled is not None:
            return Settled(world.state, self.unsettled is None, 0, ())
        result = run(world.state, self.actors, self.events[world.scripted:],
                     max_steps=self.problem.options.settle_steps)
        violations: tuple[Violation, ...] = ()
        if result.converged:
            violations = tuple(v for p in self.eventually_props for v in p.check(result.state))
        refused = dict.fromkeys(f"{s.actor} {s.action} {s.object}: {s.message}" for s in result.timeline
                                if not s.ok and s.message)
        found = Settled(result.state, result.converged, result.steps, violations, tuple(refused)[-3:],
                        result.still_changing)
        if not result.converged:
            self.unsettled = found
        if len(self._settled) > _CACHE_LIMIT:
            self._settled.clear()
        self._settled[key] = found
        return found


def no_verdict_reason(explorer: Explorer) -> str:
    """Why the ``eventually`` properties got no verdict (empty when they all did)."""
    settled = explorer.unsettled
    if settled is None:
        return ""
    ids = ", ".join(p.id for p in explorer.eventually_props)
    changing = ", ".join(settled.still_changing) or "?"
    return (f"{ids} could not be judged: a fair run did not settle within {settled.steps} steps "
            f"(settle_steps; still changing: {changing}); state and transition properties held in "
            f"everything explored")


def settle_line(number: int, settled: Settled) -> TraceStep:
    """The closing trace line of an ``eventually`` counterexample."""
    action = (f"fair scheduling to quiescence ({settled.steps} steps)" if settled.converged
              else f"fair scheduling, still not quiescent after {settled.steps} steps")
    detail = ("refused on the way: " + "; ".join(settled.refusals)) if settled.refusals else ""
    return TraceStep(step=number, clock=settled.state.clock, actor="scheduler (fair)", action=action, object="",
                     detail=detail)


# --- symmetry ------------------------------------------------------------------------------

def _pod_signature(pod):
    """A pod apart from its identity (name, uid, IP): same owner, node, spec and status."""
    meta = attrs.evolve(pod.metadata, name="", uid="", resource_version="", creation_timestamp=None)
    status = attrs.evolve(pod.status, pod_ip="")
    return attrs.evolve(pod, metadata=meta, status=status)


def _node_signature(state: ClusterState, node):
    """A node apart from its name: labels (but hostname), spec (but podCIDR), status, and
    the pods it runs (as signatures)."""
    labels = frozenset((k, v) for k, v in node.metadata.labels.items() if k != "kubernetes.io/hostname")
    pods = Counter(_pod_signature(p) for p in state.list("Pod") if p.spec.node_name == node.metadata.name)
    return (labels, attrs.evolve(node.spec, pod_cidr=""), node.status, frozenset(pods.items()))


def symmetric_representatives(state: ClusterState, events: list) -> list:
    """One event per class of interchangeable targets: pods with the same signature (same
    owner, node, spec and status: crashing either leads to states equal up to pod names),
    nodes with the same signature (same labels but hostname, spec, status and pods)."""
    seen = set()
    kept = []
    for event in events:
        if hasattr(event, "node"):
            obj = state.get("Node", "", event.node)
            signature = (type(event), _node_signature(state, obj)) if obj is not None else event
        elif hasattr(event, "namespace") and event.target().startswith("Pod/"):
            obj = state.get("Pod", event.namespace, event.name)
            signature = (type(event), _pod_signature(obj)) if obj is not None else event
        else:
            signature = event
        if signature not in seen:
            seen.add(signature)
            kept.append(event)
    return kept
