"""The bundled placement examples: greedy leaves pods Pending, kspec places everything."""

from pathlib import Path

import pytest

from kspec.check.command import load_objects
from kspec.placement.greedy import compare_greedy
from kspec.placement.problem import build
from kspec.placement.solve import place
from kspec.placement.verify import violations

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.mark.parametrize("name, pending", [
    ("place-fragmentation", ["shop/big-0"]),      # kubernetes#68036
    ("place-anti-affinity", ["shop/db-0"]),       # order-dependent anti-affinity
    ("place-spread", ["shop/batch-0"]),           # zone + hostname spread (kubernetes#109364's constraints)
])
def test_greedy_leaves_pending_what_kspec_places(name, pending):
    """The kube-scheduler model leaves exactly these pods Pending; kspec's placement holds them
    all and passes the independent check."""
    objects, errors = load_objects([str(MODELS / name)])
    assert not errors
    problem = build(objects)
    greedy = compare_greedy(problem)
    assert sorted(greedy.pending) == pending
    answer = place(problem)
    assert answer.status == "sat"
    assert violations(problem, answer.assignments) == []
    assert set(answer.assignments) == {p.key for p in problem.pods}
