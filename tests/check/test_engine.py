"""Both engines on small ReplicaSet clusters: verdicts, shortest and shrunk traces, seeds,
the example database, and the three kinds of property."""

import pytest

from kspec.check.engine import CheckInputError, CheckOptions, check
from kspec.reading.errors import ReadError
from tests.check.engine_support import registered, replicaset_input, replicaset_objects, with_mutant
from tests.controllers.helpers import objects


@pytest.fixture(autouse=True)
def test_properties():
    with registered():
        yield


def options(**kwargs) -> CheckOptions:
    kwargs.setdefault("max_examples", 40)
    kwargs.setdefault("seed", 7)
    return CheckOptions(**kwargs)


@pytest.mark.parametrize("engine", ["random", "exhaustive"])
def test_real_replicaset_keeps_its_bound_under_stale_views(engine):
    """Expectations: the real ReplicaSet controller never acts on a view older than its own
    last write, so stale views never make it create a pod too many."""
    result = check(replicaset_objects(faults="[staleView]"),
                   options(engine=engine, depth=7, properties=("test-rs-max", "test-rs-ready")))
    assert result.result == "pass", result.violations
    assert result.properties == ("test-rs-max", "test-rs-ready") and result.faults == ("staleView",)
    assert result.stats.distinct_states > 50 and result.stats.states >= result.stats.distinct_states - 1


def test_exhaustive_finds_the_shortest_trace_of_a_controller_trusting_stale_views():
    """A ReplicaSet controller without expectations creates a third pod from a view that
    predates its second create: three moves, found by BFS."""
    result = check(replicaset_objects(faults="[staleView]"), options(engine="exhaustive", depth=6,
                                                                      properties=("test-rs-max",)),
                   actors=with_mutant())
    assert result.result == "violation"
    violation = result.violations[0]
    assert violation.property == "test-rs-max" and violation.object == "ReplicaSet/shop/web"
    assert [(s.actor, s.action) for s in violation.trace] == [
        ("replicaset", "create"), ("replicaset", "create"), ("replicaset (stale view, 1 state old)", "create")]
    assert violation.trace[-1].object == "Pod/shop/web-2" and "created" in violation.trace[-1].detail
    assert "--engine exhaustive --depth 6" in violation.replay


def test_random_engine_catches_the_mutant_and_shrinks_the_trace():
    """Hypothesis finds the stale-view bug and shrinks it to a short trace that ends with
    the stale create."""
    result = check(replicaset_objects(faults="[staleView]"), options(depth=20, properties=("test-rs-max",)),
                   actors=with_mutant())
    violation = result.violations[0]
    assert result.result == "violation" and violation.kind == "state"
    assert len(violation.trace) <= 6
    assert violation.trace[-1].actor.startswith("replicaset (stale view")
    assert "--seed 7" in violation.replay and "--engine random" in violation.replay


def test_faults_are_injected_only_when_the_scenario_lists_them():
    """Without staleView in spec.faults the mutant is never shown a stale view."""
    result = check(replicaset_objects(), options(engine="exhaustive", depth=6, properties=("test-rs-max",)),
                   actors=with_mutant())
    assert result.result == "pass" and result.faults == ()


def test_a_seed_reproduces_the_same_run():
    """Same seed, same examples, same counterexample."""
    first, second = (check(replicaset_objects(faults="[staleView, podCrash]"),
                           options(depth=15, seed=11, properties=("test-rs-max",)), actors=with_mutant())
                     for _ in range(2))
    assert first.violations[0].trace == second.violations[0].trace
    assert first.stats.examples == second.stats.examples


def test_the_example_database_replays_a_failing_example_first(tmp_path):
    """A stored failure is tried before anything new: the second run (another seed) fails
    at once instead of searching again."""
    database = str(tmp_path / "examples")
    first = check(replicaset_objects(faults="[staleView]"),
                  options(depth=20, seed=3, properties=("test-rs-max",), database=database), actors=with_mutant())
    assert first.result == "violation" and any((tmp_path / "examples").iterdir())
    second = check(replicaset_objects(faults="[staleView]"),
                   options(depth=20, seed=99, properties=("test-rs-max",), database=database), actors=with_mutant())
    assert second.result == "violation"
    assert second.violations[0].trace == first.violations[0].trace


@pytest.mark.parametrize("engine", ["random", "exhaustive"])
def test_eventually_properties_are_checked_where_the_fair_run_settles(engine):
    """A crash is injected; the kubelet restarts the container, so 'no restarts' fails once
    the cluster settles, and the trace ends with the fair run."""
    result = check(replicaset_objects(replicas=1, faults="[podCrash]"),
                   options(engine=engine, depth=8, properties=("test-no-restarts",)))
    violation = result.violations[0]
    assert violation.kind == "eventually" and violation.object.startswith("Pod/shop/web-")
    assert any(s.actor == "fault: podCrash" for s in violation.trace)
    assert violation.trace[-1].actor == "scheduler (fair)"


@pytest.mark.parametrize("engine", ["random", "exhaustive"])
def test_transition_properties_see_every_move(engine):
    """A scale fault changes spec.replicas: a transition property names that move."""
    result = check(replicaset_objects(faults="[{type: scale, replicas: [3]}]"),
                   options(engine=engine, depth=6, properties=("test-replicas-fixed",)))
    violation = result.violations[0]
    assert violation.kind == "transition" and violation.trace[-1].actor == "fault: scale"
    assert violation.message == "spec.replicas 2 -> 3" and "spec.replicas: 2 -> 3" in violation.trace[-1].detail


def test_scripted_events_happen_in_order():
    """Scripted scales 2 -> 3 -> 1 happen in that order in every interleaving, so a
    property allowing only those changes holds exhaustively."""
    from kspec.check.properties import PROPERTIES, Property, Violation

    def only_scripted(old, new):
        for rs in new.list("ReplicaSet"):
            before = old.get("ReplicaSet", "shop", "web")
            if before and (before.spec.replicas, rs.spec.replicas) not in ((2, 2), (2, 3), (3, 3), (3, 1), (1, 1)):
                yield Violation("test-order", "ReplicaSet/shop/web", f"{before.spec.replicas} -> {rs.spec.replicas}")

    PROPERTIES.add(Property("test-order", "transition", "order", "", only_scripted))
    try:
        events = ("[{at: 5, type: scale, target: ReplicaSet/shop/web, replicas: 3}, "
                  "{at: 9, type: scale, target: ReplicaSet/shop/web, replicas: 1}]")
        result = check(replicaset_objects(events=events), options(engine="exhaustive", depth=6,
                                                                   properties=("test-order", "test-rs-ready")))
        assert result.result == "pass"
        reached = check(replicaset_objects(events=events),
                        options(engine="exhaustive", depth=6, properties=("test-replicas-fixed",)))
        assert [s.actor for s in reached.violations[0].trace if s.actor in ("environment", "clock")] == ["clock",
                                                                                                          "environment"]
    finally:
        PROPERTIES._by_id.pop("test-order")


def test_exhaustive_reports_when_the_whole_state_space_was_explored():
    """A cluster with nothing to do is explored completely; a busy one is cut at the depth."""
    idle = objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n")
    assert check(idle, options(engine="exhaustive", depth=3, properties=("test-rs-max",))).complete
    busy = check(replicaset_objects(), options(engine="exhaustive", depth=2, properties=("test-rs-max",)))
    assert not busy.complete and busy.bounds["depth"] == 2


def test_bounds_come_from_the_scenario_unless_given():
    """spec.bounds sets depth and maxExamples; options win over it."""
    text = replicaset_objects()
    scenario = [o for o in text if o.kind == "Scenario"][0]
    import attrs
    bounded = attrs.evolve(scenario, spec=attrs.evolve(scenario.spec, bounds=attrs.evolve(
        scenario.spec.bounds, depth=3, max_examples=5)))
    rest = [o for o in text if o.kind != "Scenario"] + [bounded]
    result = check(rest, CheckOptions(seed=1, properties=("test-rs-max",)))
    assert result.bounds["depth"] == 3 and result.bounds["max_examples"] == 5
    assert check(rest, CheckOptions(seed=1, depth=4, properties=("test-rs-max",))).bounds["depth"] == 4


def test_unknown_property_ids_are_input_errors():
    """An unknown --property is a CheckInputError naming it."""
    with pytest.raises(CheckInputError, match="unknown property 'no-such'"):
        check(replicaset_objects(), options(properties=("no-such",)))
    with pytest.raises(CheckInputError, match="unknown engine"):
        check(replicaset_objects(), options(engine="dfs"))


def test_scenario_mistakes_are_reported_at_their_line():
    """An unknown fault type or property id in a Scenario is a ReadError at its line."""
    text = replicaset_input(faults="[nodeFailure, cosmicRay]")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "cosmicRay" in t)
    with pytest.raises(ReadError) as error:
        check(objects(text), options())
    assert (error.value.line, error.value.column) == (line, text.splitlines()[line - 1].index("cosmicRay") + 1)
    assert "unknown fault 'cosmicRay'; expected one of nodeFailure" in error.value.message
    text = replicaset_objects()[:-1] + objects(
        "apiVersion: kspec.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  properties: [nope]\n")
    with pytest.raises(ReadError) as error:
        check(text, options())
    assert (error.value.line, error.value.column) == (5, 16) and "unknown property 'nope'" in error.value.message


def test_two_scenarios_are_an_error():
    """kspec check explores one Scenario at a time."""
    extra = objects("apiVersion: kspec.dev/v1alpha1\nkind: Scenario\nmetadata: {name: other}\n")
    with pytest.raises(ReadError, match="a second Scenario"):
        check(replicaset_objects() + extra, options())
