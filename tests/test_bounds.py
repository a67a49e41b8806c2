"""Hostile inputs end quickly, with a clear message, within a stated memory figure, through
the real command line (a subprocess each, so time and peak memory are the command's own).

Stated bound: every case below ends within 60 s and a peak resident set of 600 MiB
(a normal `kspec validate` of one manifest peaks at ~150 MiB with the schemas loaded).
"""

import os
import resource
import subprocess
import sys
import time

import pytest

SECONDS = 60
PEAK_MIB = 600

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
HUGE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1000000000
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 10m}}}]
"""
HUGE_POOL = """\
apiVersion: kspec.dev/v1alpha1
kind: NodePool
metadata: {name: worker}
spec:
  count: 1000000000
  template:
    status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
"""


def kspec(*argv, cwd=None):
    """Run the CLI in a fresh process: (exit code, stdout, stderr, seconds, peak RSS in MiB).
    The peak is read with wait4, the child's own figure."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "kspec", *argv], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        out, err = process.communicate(timeout=SECONDS * 2)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"kspec {' '.join(argv)} still running after {SECONDS * 2}s")
    seconds = time.perf_counter() - start
    # ru_maxrss of the reaped child: communicate() waited on it, so RUSAGE_CHILDREN holds the
    # largest child so far; each test runs one command, so compare before/after is not needed.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return process.returncode, out, err, seconds, peak


def _bounded(seconds, peak):
    assert seconds < SECONDS, f"took {seconds:.1f}s"
    assert peak < PEAK_MIB, f"peak {peak:.0f} MiB"


@pytest.mark.parametrize("command", ["parse", "validate", "simulate"])
def test_alias_bomb_is_refused_at_the_alias(tmp_path, command):
    """A 9^9 alias bomb: exit 2 with the excessive-aliasing error at its line, at once."""
    (tmp_path / "bomb.yaml").write_text(BOMB)
    code, out, err, seconds, peak = kspec(command, str(tmp_path / "bomb.yaml"))
    said = out + err  # validate reports it as a finding on stdout
    assert code == 2 and "bomb.yaml:" in said and "excessive aliasing" in said, said
    _bounded(seconds, peak)


@pytest.mark.parametrize("text", ["[" * 10_000 + "]" * 10_000, "".join(" " * i + "a:\n" for i in range(10_000))],
                         ids=["flow", "block"])
def test_ten_thousand_deep_nesting_is_refused(tmp_path, text):
    """10,000 nested collections: exit 2 with the nesting limit at a line:column, no RecursionError."""
    (tmp_path / "deep.yaml").write_text(text)
    code, out, err, seconds, peak = kspec("validate", str(tmp_path / "deep.yaml"))
    said = out + err
    assert code == 2 and "deep.yaml:" in said and "nest" in said and "Recursion" not in said, said
    _bounded(seconds, peak)


def test_a_billion_replicas_simulate_stops_at_the_step_bound(tmp_path):
    """replicas: 10^9 runs in batches to --max-steps and ends with no verdict (exit 3), not out of memory."""
    (tmp_path / "app.yaml").write_text(HUGE_DEPLOYMENT)
    code, out, err, seconds, peak = kspec("simulate", "--max-steps", "2000", str(tmp_path / "app.yaml"))
    assert code == 3 and "did not converge within 2000 steps" in out, (out, err)
    _bounded(seconds, peak)


def test_a_billion_replicas_validate_is_quick(tmp_path):
    """validate reads replicas: 10^9 as a number (int32 holds it) without building anything."""
    (tmp_path / "app.yaml").write_text(HUGE_DEPLOYMENT)
    code, out, err, seconds, peak = kspec("validate", str(tmp_path / "app.yaml"))
    assert code in (0, 1) and "internal error" not in err
    _bounded(seconds, peak)


def test_a_billion_replicas_place_refuses_with_the_position(tmp_path):
    """place does not build 10^9 pods: it says how many it handles and where the count is."""
    (tmp_path / "app.yaml").write_text(HUGE_DEPLOYMENT)
    code, out, err, seconds, peak = kspec("place", str(tmp_path / "app.yaml"))
    assert code in (2, 3) and "app.yaml:5:13" in err, (out, err)
    _bounded(seconds, peak)


def test_a_billion_replicas_check_stays_in_its_bounds(tmp_path):
    """check on replicas: 10^9 ends within its bounds (a verdict or no verdict), never out of memory."""
    (tmp_path / "app.yaml").write_text(HUGE_DEPLOYMENT)
    code, out, err, seconds, peak = kspec("check", "--max-examples", "1", "--depth", "3", "--no-database",
                                          "--seed", "1", str(tmp_path / "app.yaml"))
    assert code in (0, 1, 3) and "internal error" not in err, (out, err)
    _bounded(seconds, peak)


@pytest.mark.parametrize("command", ["simulate", "place", "check"])
def test_a_huge_node_pool_is_refused_at_its_count(tmp_path, command):
    """NodePool count 10^9: exit 2 at the count's line, no node built."""
    (tmp_path / "pool.yaml").write_text(HUGE_POOL + "---\n" + HUGE_DEPLOYMENT.replace("1000000000", "2"))
    code, out, err, seconds, peak = kspec(command, str(tmp_path / "pool.yaml"))
    assert code == 2 and "pool.yaml:5:10" in err, (out, err)
    _bounded(seconds, peak)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_in_a_directory_is_skipped_not_read(tmp_path):
    """A FIFO named x.yaml is skipped with a message; the other files are still validated."""
    (tmp_path / "app.yaml").write_text(HUGE_DEPLOYMENT.replace("1000000000", "2"))
    os.mkfifo(tmp_path / "x.yaml")
    code, out, err, seconds, peak = kspec("validate", str(tmp_path))
    assert "x.yaml" in err + out and code in (0, 1, 2), (out, err)
    assert "1 object" in out
    _bounded(seconds, peak)
