"""Limits on a run (--timeout, --max-states, --settle-steps), Ctrl-C, progress lines and
--max-examples: a stopped run says how far it got and exits 3, never a pass."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from kspec.check import command
from kspec.check.engine import CheckOptions, check
from kspec.check.explore import Explorer
from kspec.check.properties import PROPERTIES
from kspec.cli import main
from tests.check.test_declared import APP, DATA
from tests.controllers.helpers import objects

WEB = str(Path(__file__).parents[2] / "models" / "check-web")
# far more than any limit below lets either engine explore
DEEP = {"exhaustive": ["--engine", "exhaustive", "--depth", "40"],
        "random": ["--depth", "40", "--max-examples", "1000000", "--seed", "1"]}


@pytest.mark.parametrize("engine", ["exhaustive", "random"])
def test_timeout_stops_a_long_run_with_exit_3_and_a_summary(engine, capsys):
    """--timeout stops a run that would go on for hours: exit 3, what was explored, the limit named."""
    assert main(["check", WEB, "--no-database", "--timeout", "1.5", *DEEP[engine]]) == 3
    out = capsys.readouterr().out
    assert out.startswith("no verdict: --timeout 1.5 reached after ")
    assert "distinct states" in out and "pass:" not in out
    assert ("every interleaving of at most" in out) if engine == "exhaustive" else ("of 1,000,000 examples" in out)


@pytest.mark.parametrize("engine", ["exhaustive", "random"])
def test_max_states_stops_a_long_run_with_exit_3_in_json(engine, capsys):
    """--max-states stops the run past N states; JSON says no-verdict, stopped_by and the stats."""
    assert main(["check", WEB, "--no-database", "--max-states", "300", "--format", "json", *DEEP[engine]]) == 3
    result = json.loads(capsys.readouterr().out)
    assert result["result"] == "no-verdict" and result["stopped_by"] == "max-states"
    assert result["reason"].startswith("--max-states 300 reached after ")
    assert result["bounds"]["max_states"] == 300 and result["complete"] is False
    counted = result["stats"]["distinct_states" if engine == "exhaustive" else "states"]
    assert 300 < counted < 400
    assert {"examples", "states", "distinct_states", "seconds", "depth"} <= set(result["stats"])


@pytest.mark.parametrize("engine", ["exhaustive", "random"])
def test_a_violation_found_before_a_limit_is_still_a_violation(engine, tmp_path, capsys):
    """A property broken before --timeout/--max-states is reported as a violation: exit 1."""
    path = tmp_path / "app.yaml"
    path.write_text(APP % 6)
    try:
        code = main(["check", str(path), "--properties", str(DATA), "--no-database", "--timeout", "120",
                     "--max-states", "20", "--engine", engine, "--depth", "8", "--seed", "1"])
        out = capsys.readouterr().out
        assert code == 1 and out.startswith("violation: web-max-four")
    finally:
        PROPERTIES._by_id.pop("web-max-four", None)


def test_small_settle_steps_make_an_eventually_property_no_verdict(capsys):
    """--settle-steps 5 cuts every fair run short: replicas-converge cannot be judged, exit 3."""
    code = main(["check", WEB, "--no-database", "--property", "replicas-converge", "--settle-steps", "5",
                 "--max-examples", "5", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 3 and out.startswith("no verdict: ") and "could not be judged" in out
    assert "fair runs of at most 5 steps" in out


def test_bad_limits_are_usage_errors(capsys):
    """--timeout 0, --max-states 0 and --settle-steps 0 are refused with exit 2."""
    for option in (["--timeout", "0"], ["--max-states", "0"], ["--settle-steps", "0"]):
        assert main(["check", WEB, "--no-database", *option]) == 2
    assert "must be" in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["exhaustive", "random"])
def test_progress_lines_on_a_stderr_that_is_not_a_terminal(engine, capsys, monkeypatch):
    """Without a TTY a long run writes whole progress lines on stderr (interval made 0 here)."""
    monkeypatch.setattr(command, "PROGRESS_INTERVAL", 0.0)
    assert main(["check", WEB, "--no-database", "--max-states", "200", *DEEP[engine]]) == 3
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("kspec check: ")]
    assert len(lines) > 10 and "\r" not in "".join(lines)
    assert "distinct" in lines[-1] and "states/s" in lines[-1] and lines[-1].endswith(" s")
    if engine == "exhaustive":
        assert lines[-1].startswith("kspec check: depth ")


@pytest.mark.parametrize("engine", ["exhaustive", "random"])
def test_ctrl_c_prints_how_far_it_got_and_exits_3(engine, capsys, monkeypatch):
    """A KeyboardInterrupt mid-run (raised by the 200th move here) prints the summary and exits 3."""
    step, calls = Explorer.step, [0]

    def interrupted_step(self, *args):
        calls[0] += 1
        if calls[0] == 200:
            raise KeyboardInterrupt
        return step(self, *args)

    monkeypatch.setattr(Explorer, "step", interrupted_step)
    assert main(["check", WEB, "--no-database", "--timeout", "60", *DEEP[engine]]) == 3
    out = capsys.readouterr().out
    assert out.startswith("no verdict: interrupted (Ctrl-C) after ") and "distinct states" in out


@pytest.mark.parametrize("engine", ["exhaustive", "random"])
def test_a_real_sigint_is_never_lost(engine, capsys, monkeypatch):
    """A SIGINT (sent to this process at the 200th move) stops the run at the next move: exit 3."""
    step, calls = Explorer.step, [0]

    def signalled_step(self, *args):
        calls[0] += 1
        if calls[0] == 200:
            os.kill(os.getpid(), signal.SIGINT)
        return step(self, *args)

    monkeypatch.setattr(Explorer, "step", signalled_step)
    assert main(["check", WEB, "--no-database", "--timeout", "60", *DEEP[engine]]) == 3
    assert capsys.readouterr().out.startswith("no verdict: interrupted (Ctrl-C) after ")


def test_a_progress_callback_raising_keyboard_interrupt_gives_a_no_verdict_result():
    """The library API too: an interrupt is a no-verdict result with stopped_by "interrupt"."""
    def progress(line):
        raise KeyboardInterrupt

    for engine in ("exhaustive", "random"):
        result = check(objects(APP.replace("properties: [web-max-four]", "properties: [replicas-converge]") % 4),
                       CheckOptions(engine=engine, depth=5, seed=1, progress=progress, progress_interval=0.0))
        assert result.result == "no-verdict" and result.stopped_by == "interrupt" and not result.complete


@pytest.mark.parametrize("asked", [1, 7, 100])
def test_max_examples_runs_exactly_that_many_examples(asked, capsys):
    """--max-examples N runs N examples to the end of their trace (cut-off ones are counted apart)."""
    assert main(["check", WEB, "--no-database", "--max-examples", str(asked), "--seed", "3", "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)["stats"]
    assert stats["examples"] == asked and stats["aborted_examples"] >= 0
