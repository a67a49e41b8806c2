"""The CEL conformance data (google/cel-spec) run against kspec's engine: at least 95 % of
the in-scope tests pass (scope rules in kspec/rules/cel/conformance.py)."""

import pytest

from kspec.rules.cel import conformance


@pytest.fixture(scope="module")
def results(shared_corpus):
    directory = shared_corpus / "cel-spec"
    if not directory.is_dir():
        pytest.skip("../shared/corpus/cel-spec is not present")
    return conformance.run(directory)


def test_at_least_95_percent_of_in_scope_tests_pass(results):
    """Passed / (passed + failed) over every in-scope file, printed per file on failure."""
    counts = {name: (sum(o.status == "pass" for o in out), sum(o.status == "fail" for o in out))
              for name, out in results.items()}
    passed = sum(p for p, _ in counts.values())
    in_scope = sum(p + f for p, f in counts.values())
    assert in_scope > 1500, counts
    assert passed / in_scope >= 0.95, counts


def test_core_files_pass_completely(results):
    """The language core (literals, logic, arithmetic, comparisons, conversions, macros,
    timestamps, parsing) passes every in-scope test."""
    for name in ("basic.textproto", "logic.textproto", "integer_math.textproto", "fp_math.textproto",
                 "comparisons.textproto", "conversions.textproto", "macros.textproto", "macros2.textproto",
                 "timestamps.textproto", "parse.textproto", "lists.textproto", "string.textproto"):
        failures = [f"{o.section}/{o.name}: {o.detail}" for o in results[name] if o.status == "fail"]
        assert failures == [], name


def test_out_of_scope_files_are_named_with_a_reason():
    """Every excluded file says why (proto messages, the type checker, ...)."""
    assert all(reason for reason in conformance.OUT_OF_SCOPE.values())
    assert "proto3.textproto" in conformance.OUT_OF_SCOPE
