"""The YAML test suite, scored: kspec must keep at least 90 % of each class of case."""

import pytest

from tests.reading.yaml_suite import DEFAULT_SUITE, run_suite, summary


@pytest.fixture(scope="module")
def suite_summary(shared_corpus):
    return summary(run_suite(shared_corpus / "yaml-test-suite"))


def test_valid_cases_read_to_their_json(suite_summary):
    """At least 90 % of the cases with an in.json read to exactly those values."""
    passed, total = suite_summary["json"]
    print(f"yaml-test-suite json: {passed}/{total}")
    assert total > 250 and passed / total >= 0.9


def test_error_cases_are_rejected(suite_summary):
    """At least 90 % of the cases the suite marks as errors are rejected."""
    passed, total = suite_summary["error"]
    print(f"yaml-test-suite error: {passed}/{total}")
    assert total > 80 and passed / total >= 0.9


def test_other_valid_cases_read(suite_summary):
    """Valid cases without in.json (complex keys, tags) read without error."""
    passed, total = suite_summary["other"]
    assert passed / total >= 0.9


def test_suite_location_is_beside_the_repository():
    """The runner looks for the suite in ../shared, beside the clone."""
    assert DEFAULT_SUITE.parts[-3:] == ("shared", "corpus", "yaml-test-suite")
