"""The runner: fair turns, one write per step, clock jumps to wakeups, quiescence, bounds."""

from kspec.api.core import ConfigMap
from kspec.api.meta import ObjectMeta
from kspec.model.events import ApplyObject
from kspec.model.run import Actor, run
from kspec.model.state import ClusterState
from kspec.model.store import Create, Delete


def cm(name: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace="ns"))


def creator(prefix: str, count: int):
    """An actor that wants ``count`` ConfigMaps named prefix-i."""
    def reconcile(view):
        return tuple(Create(cm(f"{prefix}-{i}")) for i in range(count) if view.get("ConfigMap", "ns", f"{prefix}-{i}") is None)
    return Actor(prefix, reconcile)


def test_actors_take_turns_one_write_each():
    """Round-robin: a, b, a, b, ... each turn applies exactly one write."""
    result = run(ClusterState(), (creator("a", 2), creator("b", 2)))
    assert [s.actor for s in result.timeline] == ["a", "b", "a", "b"] and result.converged


def test_idle_runs_jump_the_clock_to_the_next_wakeup():
    """With nothing to do, the clock moves to the earliest wakeup; quiescent when none is left."""
    def reconcile(view):
        return (Create(cm("late")),) if view.clock >= 42 and view.get("ConfigMap", "ns", "late") is None else ()

    def wakeup(view):
        return 42 if view.get("ConfigMap", "ns", "late") is None else None

    result = run(ClusterState(), (Actor("timer", reconcile, wakeup),))
    assert result.converged and result.state.clock == 42 and result.timeline[0].clock == 42


def test_scripted_events_apply_in_time_order():
    """Events happen at their time, between actor turns."""
    result = run(ClusterState(), (), [ApplyObject(cm("second"), at=20), ApplyObject(cm("first"), at=10)])
    assert [(s.clock, s.object) for s in result.timeline] == [(10, "ConfigMap/ns/first"), (20, "ConfigMap/ns/second")]


def test_periodic_wakeups_are_followed_only_until_the_bound():
    """A periodic actor (a CronJob) does not keep a run from settling; `until` follows it."""
    def reconcile(view):
        name = f"tick-{view.clock}"
        return (Create(cm(name)),) if view.clock and view.get("ConfigMap", "ns", name) is None else ()

    def wakeup(view):
        return (view.clock // 60 + 1) * 60

    actor = Actor("cron", reconcile, wakeup, periodic=True)
    assert run(ClusterState(), (actor,)).steps == 0
    result = run(ClusterState(), (actor,), until=180)
    assert [s.object for s in result.timeline] == ["ConfigMap/ns/tick-60", "ConfigMap/ns/tick-120", "ConfigMap/ns/tick-180"]


def test_a_rejected_write_is_not_retried_until_the_state_changes():
    """A write the store rejects is recorded once and skipped, so a run cannot livelock on it."""
    stubborn = Actor("stubborn", lambda view: (Delete("ConfigMap", "ns", "missing"),))
    result = run(ClusterState(), (stubborn,))
    assert result.converged and len(result.timeline) == 1 and not result.timeline[0].ok


def test_a_run_that_never_settles_stops_at_the_bound_and_names_the_actor():
    """max_steps bounds a run; the result says who was still writing."""
    counter = {"n": 0}

    def reconcile(view):
        counter["n"] += 1
        return (Create(cm(f"c-{counter['n']}")),)

    result = run(ClusterState(), (Actor("forever", reconcile),), max_steps=25)
    assert not result.converged and result.steps == 25 and result.still_changing == ("forever",)
