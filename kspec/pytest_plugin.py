"""pytest plugin: the ``kspec_check`` fixture checks manifests inside a test suite.

Registered through the ``pytest11`` entry point, so installing kspec is enough::

    def test_app(kspec_check):
        kspec_check("deploy/", properties=["replicas-converge", "rollout-availability"])

A violation fails the test with the property, the numbered trace and the replay
command as the failure message; unreadable input fails it with the reader's error.
Failing examples are kept in ``.kspec/examples`` under the rootdir and replayed first
next time (``--kspec-no-database`` keeps none). Paths are relative to the directory
pytest was started in, or else to the test file's directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kspec.check.command import load_objects
from kspec.check.engine import CheckInputError, CheckOptions, CheckResult, check
from kspec.reading.errors import ReadError


def pytest_addoption(parser) -> None:
    group = parser.getgroup("kspec")
    group.addoption("--kspec-no-database", action="store_true", default=False,
                    help="kspec_check keeps no example database")


def _resolve(path: str, test_dir: Path) -> str:
    if path == "-" or Path(path).exists():
        return path
    beside = test_dir / path
    return str(beside) if beside.exists() else path


@pytest.fixture
def kspec_check(request):
    """``kspec_check(*paths, properties=(), engine="random", depth=None, max_examples=None,
    seed=None, faults=None, start=None, actors=None) -> CheckResult``; fails the test on a
    violation."""
    test_dir = Path(str(request.node.fspath)).parent
    database = None if request.config.getoption("kspec_no_database") else \
        str(Path(request.config.rootpath) / ".kspec" / "examples")

    def run(*paths: str, properties=(), engine: str = "random", depth: int | None = None,
            max_examples: int | None = None, seed: int | None = None, faults=None, start: str | None = None,
            actors=None) -> CheckResult:
        __tracebackhide__ = True
        from kspec.reports.check import render_text

        resolved = [_resolve(p, test_dir) for p in paths]
        objects, errors = load_objects(resolved)
        if errors:
            pytest.fail("\n".join(e.format() for e in errors), pytrace=False)
        if not objects:
            pytest.fail(f"kspec_check: no Kubernetes objects found in {' '.join(paths)}", pytrace=False)
        options = CheckOptions(engine=engine, start=start, depth=depth, max_examples=max_examples, seed=seed,
                               properties=tuple(properties), faults=faults, database=database, paths=tuple(paths))
        try:
            result = check(objects, options, actors)
        except ReadError as error:
            pytest.fail(error.format(), pytrace=False)
        except CheckInputError as error:
            pytest.fail(f"kspec_check: {error}", pytrace=False)
        if result.result == "violation":
            pytest.fail(render_text(result), pytrace=False)
        return result

    return run
