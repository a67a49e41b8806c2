"""Fuzzing every command with mutants of real manifests: nothing escapes as an exception,
every exit code is one of kspec's, and every error names file:line:column."""

import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.fuzzing import COMMANDS, COMPANIONS, SEEDS, mutate, run_command, unpositioned_errors


@pytest.mark.parametrize("command", sorted(COMMANDS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(SEEDS), rng_seed=st.integers(0, 2**32 - 1))
def test_no_mutant_crashes_a_command(tmp_path, command, seed, rng_seed):
    """A mutant of a bundled manifest gets exit 0-3, never an exception, and positioned errors."""
    _judge(tmp_path, command, seed, rng_seed)


@pytest.mark.parametrize("companion", sorted(set(COMPANIONS) - {"invariants"}))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng_seed=st.integers(0, 2**32 - 1))
def test_no_mutant_of_kspec_inputs_crashes(tmp_path, companion, rng_seed):
    """Mutants of policies, CRDs, Rule files and .kspec.yaml never crash validate; errors are positioned."""
    _judge(tmp_path, companion, COMPANIONS[companion][0], rng_seed)


def _judge(tmp_path, command, seed, rng_seed):
    text = mutate(open(seed, encoding="utf-8").read(), random.Random(rng_seed))
    path = tmp_path / "mutant.yaml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_command(command, str(path))
    assert code in (0, 1, 2, 3)
    assert "internal error" not in err
    assert not unpositioned_errors(err), err
