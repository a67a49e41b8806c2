"""The bundled models under both engines: every property that applies (or that the
Scenario lists) holds within the bounds the tests can afford."""

from pathlib import Path

import pytest

from kspec.check.command import load_objects
from kspec.check.engine import CheckOptions, check

MODELS = Path(__file__).resolve().parents[2] / "models"
SCENARIOS = ["check-web", "check-db", "check-batch", "web", "database", "batch", "failover", "shop", "quota", "volumes"]


# models whose Scenario names nodes of another model's cluster (README: kspec simulate
# models/shop/cluster.yaml models/failover/)
CLUSTERS = {"failover": ["shop/cluster.yaml"]}


def _objects(name: str) -> list:
    objects, errors = load_objects([str(MODELS / path) for path in CLUSTERS.get(name, [])] + [str(MODELS / name)])
    assert not errors
    return objects


@pytest.mark.parametrize("name", SCENARIOS)
def test_random_engine_finds_no_violation(name):
    """Hypothesis explores the model's scenario (its faults and events) and every property holds."""
    result = check(_objects(name), CheckOptions(engine="random", max_examples=25, depth=30, seed=5))
    assert result.result == "pass", [(v.property, v.object, v.message) for v in result.violations]
    assert result.properties and result.stats.examples >= 25


@pytest.mark.parametrize("name", SCENARIOS)
def test_exhaustive_engine_finds_no_violation(name):
    """Every interleaving of up to three moves keeps every property."""
    result = check(_objects(name), CheckOptions(engine="exhaustive", depth=3))
    assert result.result == "pass", [(v.property, v.object, v.message) for v in result.violations]
    assert result.stats.distinct_states > 10


def test_the_resilience_scenarios_check_every_family():
    """Between them, the check-* scenarios exercise every built-in property but quota's."""
    from kspec.check.engine import all_properties

    checked = set()
    for name in ("check-web", "check-db", "check-batch"):
        checked |= set(check(_objects(name), CheckOptions(engine="exhaustive", depth=0)).properties)
    built_in = {p.id for p in all_properties()}
    assert built_in - checked <= {"quota-respected", "volume-single-writer", "volume-mounted-before-start"}
