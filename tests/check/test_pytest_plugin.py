"""The ``kspec_check`` fixture, run by pytest itself (the plugin loads through its entry point)."""

from pathlib import Path

pytest_plugins = ["pytester"]

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_a_passing_check_passes_the_test(pytester):
    """A bundled scenario under both engines: the user's test passes and gets the result."""
    pytester.makepyfile(f"""
        def test_db(kspec_check):
            result = kspec_check({str(MODELS / "check-db")!r}, max_examples=10, seed=1)
            assert result.result == "pass" and "statefulset-ordered-ready" in result.properties
            assert kspec_check({str(MODELS / "check-db")!r}, engine="exhaustive", depth=2).result == "pass"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--kspec-no-database")
    result.assert_outcomes(passed=1)


def test_a_violation_fails_the_test_with_the_trace(pytester):
    """A broken garbage collector: the failure message is the property, the trace and the replay."""
    pytester.makepyfile(f"""
        import attrs
        from kspec.model.actors import default_actors

        def test_gc(kspec_check):
            lazy = tuple(attrs.evolve(a, reconcile=lambda view: ()) if a.name == "garbagecollector" else a
                         for a in default_actors())
            kspec_check({str(MODELS / "check-web")!r}, properties=["no-orphans"], engine="exhaustive",
                        depth=1, actors=lazy)
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--kspec-no-database")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*violation: no-orphans (Pod/shop/canary-*", "*trace (*", "*replay: kspec check*"])
    assert "Traceback" not in result.stdout.str()


def test_unreadable_input_fails_with_the_readers_error(pytester):
    """A YAML error fails the test with file:line:column, not a traceback."""
    bad = pytester.makefile(".yaml", broken="kind: Pod\nmetadata: {name: [x\n")
    pytester.makepyfile(f"""
        def test_bad(kspec_check):
            kspec_check({str(bad)!r})
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*broken.yaml:2:*"])
