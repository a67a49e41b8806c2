"""kspec check on bad or hostile input: Scenario faults aimed at nothing, options a fault
would ignore, malformed spec.bounds are errors at their line (never a default), and an
input that never settles (replicas: 10^9) ends within the bounds with no verdict (exit 3)."""

import time

import pytest

from kspec.check.engine import CheckLimitError, CheckOptions, check
from kspec.cli import main
from kspec.reading.errors import ReadError
from tests.check import mutants as m
from tests.controllers.helpers import objects

BILLION_RS = m.replicaset(2).replace("replicas: 2", "replicas: 1000000000")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("fault,at,message", [
    ("{type: nodeFailure, nodes: [node-0, node-7]}", "node-7", "node 'node-7' is not in the input (nodes: node-0)"),
    ("{type: scale, target: ReplicaSet/shop/api, replicas: [3]}", "ReplicaSet/",
     "ReplicaSet/shop/api is not in the input"),
    ("{type: scale, target: ConfigMap/shop/web}", "ConfigMap/", "scale applies to Deployment, ReplicaSet"),
    ("{type: imageUpdate, target: ReplicaSet/shop/web, container: app}", "app",
     "ReplicaSet web has no container 'app'"),
    ("{type: podCrash, target: ReplicaSet/shop/web}", "ReplicaSet/", "fault podCrash takes no option but max; "
                                                                       "'target' would be ignored"),
    ("{type: nodeFailure, replicas: [2]}", "[2]", "fault nodeFailure takes only nodes (and max)"),
])
def test_faults_aimed_at_nothing_are_errors_at_their_field(fault, at, message):
    """A fault whose target or node cannot exist, or with an option its type ignores, is a ReadError there."""
    text = m.pool() + m.replicaset(2) + m.scenario(f"[{fault}]")
    with pytest.raises(ReadError) as raised:
        check(objects(text), CheckOptions(max_examples=1, depth=1, seed=1))
    line = _line_of(text, "faults:")
    assert (raised.value.line, raised.value.column) == (line, text.splitlines()[line - 1].index(at) + 1)
    assert message in raised.value.message, raised.value.message


BOUNDS = m.pool() + m.replicaset(2) + "---\napiVersion: kspec.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\n" \
                                      "spec:\n  bounds: %s\n"


@pytest.mark.parametrize("bounds,at,message", [
    ("{depth: -1}", "-1", "'depth' must be a whole number of at least 0, not -1"),
    ("{maxExamples: 0}", "0", "'maxExamples' must be a whole number of at least 1, not 0"),
    ("{depth: 3, maxDepth: 5}", "maxDepth", "unknown bound 'maxDepth'; expected depth or maxExamples"),
    ("[3]", "[3]", "'bounds' must be a mapping"),
])
def test_malformed_bounds_are_errors_at_their_line(bounds, at, message):
    """spec.bounds out of range, with an unknown key or of the wrong shape is refused there, never defaulted."""
    text = BOUNDS % bounds
    with pytest.raises(ReadError) as raised:
        check(objects(text), CheckOptions(max_examples=1, depth=1, seed=1))
    line = text.count("\n")
    assert (raised.value.line, raised.value.column) == (line, text.splitlines()[line - 1].index(at) + 1)
    assert message in raised.value.message


def test_the_cli_reports_every_bound_and_fault_mistake(tmp_path, capsys):
    """kspec check prints each mistake with file:line:column (a typed bound included) and exits 2."""
    text = (m.pool() + m.replicaset(2) + "---\napiVersion: kspec.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\n"
            "spec:\n  faults: [{type: nodeFailure, nodes: [gone]}]\n  bounds: {maxExamples: 0, depth: 2, size: 1}\n")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert main(["check", str(path), "--no-database"]) == 2
    err = capsys.readouterr().err
    line = text.count("\n")
    assert f"{path}:{line - 1}:" in err and "node 'gone' is not in the input" in err
    assert f"{path}:{line}:" in err and "'maxExamples' must be" in err and "unknown bound 'size'" in err
    path.write_text(text.replace("maxExamples: 0, depth: 2, size: 1", 'depth: "five"'))
    assert main(["check", str(path), "--no-database"]) == 2
    assert f"{path}:{line}:" in capsys.readouterr().err  # the decoder's type error, at the value


def test_a_billion_replicas_check_ends_with_no_verdict():
    """replicas: 10^9 never settles: eventually properties get no verdict (not a violation), within seconds."""
    started = time.monotonic()
    result = check(objects(m.pool() + BILLION_RS), CheckOptions(max_examples=5, depth=5, seed=1, settle_steps=300))
    assert time.monotonic() - started < 60
    assert result.result == "no-verdict" and not result.violations
    assert "replicas-converge" in result.reason and "did not settle within 300 steps" in result.reason
    assert result.to_json()["reason"] == result.reason


def test_a_billion_replicas_exhaustive_ends_with_no_verdict():
    """The exhaustive engine too: its depth bound holds and the verdict is no-verdict."""
    result = check(objects(m.pool() + BILLION_RS), CheckOptions(engine="exhaustive", depth=2, settle_steps=300))
    assert result.result == "no-verdict" and "could not be judged" in result.reason


def test_no_verdict_is_exit_3_and_says_why(tmp_path, capsys):
    """The CLI prints "no verdict: ..." first and exits 3 (a bound was reached, nothing seen to break)."""
    path = tmp_path / "huge.yaml"
    path.write_text(m.pool() + BILLION_RS)
    assert main(["check", str(path), "--no-database", "--max-examples", "3", "--depth", "3", "--seed", "1",
                 "--settle-steps", "200"]) == 3
    out = capsys.readouterr().out
    assert out.startswith("no verdict: ") and "could not be judged" in out


def test_start_settled_on_an_input_that_never_settles_is_no_verdict(tmp_path, capsys):
    """start: settled needs a settled cluster; when the fair run is cut at its bound: exit 3, not 2."""
    with pytest.raises(CheckLimitError):
        check(objects(m.pool() + BILLION_RS), CheckOptions(start="settled", settle_steps=200))
    path = tmp_path / "huge.yaml"
    path.write_text(m.pool() + BILLION_RS)
    assert main(["check", str(path), "--no-database", "--start", "settled", "--settle-steps", "200"]) == 3
    assert "no verdict: the input did not settle within 200 steps" in capsys.readouterr().err
