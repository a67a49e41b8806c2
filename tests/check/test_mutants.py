"""Mutation tests: for each built-in property a deliberately broken controller that the
random engine catches within its default budget (with a short shrunk trace) and the
exhaustive engine catches at the smallest depth that exposes it (and not one move sooner)."""

from __future__ import annotations

import contextlib
from typing import Callable

import attrs
import pytest

from kspec.api.intstr import IntOrPercent
from kspec.api.quantity import Quantity
from kspec.check.engine import CheckOptions, check
from kspec.controllers import deployment as deployment_controller
from kspec.controllers import endpoints as endpoints_controller
from kspec.controllers import job as job_controller
from kspec.controllers import kubelet, pvbinder, schedsnapshot
from kspec.controllers import statefulset as statefulset_controller
from kspec.model import quota, store
from kspec.model.actors import default_actors
from tests.check import mutants as m
from tests.controllers.helpers import objects


_resolve_fenceposts = deployment_controller.resolve_fenceposts


def _fenceposts_rounding_up(surge, unavailable, desired):
    """maxUnavailable rounded up instead of down (3 replicas, 50 % -> 2, not 1)."""
    surge_pods, _ = _resolve_fenceposts(surge, unavailable, desired)
    return surge_pods, IntOrPercent.parse(0 if unavailable is None else unavailable).scaled(desired, round_up=True)


def _claim_renamed_after_update(sts, claim, ordinal):
    """A new claim name once the set's spec changed: recreated pods lose their data."""
    name = f"{claim.metadata.name}-{sts.metadata.name}-{ordinal}"
    return name if sts.metadata.generation <= 1 else f"{name}-g{sts.metadata.generation}"


_manage_job = job_controller.manage_job


def _manage_ignoring_completions(job, pods, active, succeeded):
    """Creates up to parallelism pods whatever completions says."""
    spec = attrs.evolve(job.spec, completions=None)
    return _manage_job(attrs.evolve(job, spec=spec), pods, active, 0)


@attrs.frozen
class Case:
    property: str
    why: str
    text: str
    actors: Callable[[], tuple] = default_actors
    store_patch: tuple | None = None
    depth: int = 0              # smallest exhaustive depth that exposes the bug
    random_trace: int = 0       # upper bound on the shrunk trace (steps, settle line included)


CASES = [
    Case("replicas-converge", "a ReplicaSet controller that never deletes pods, scaled down",
         m.pool() + m.replicaset(2) + m.scenario("[{type: scale, target: ReplicaSet/shop/web, replicas: [1]}]", start="settled"),
         lambda: m.dropping("replicaset", m.is_delete), depth=1, random_trace=2),
    Case("rollout-availability", "a Deployment controller that rounds maxUnavailable up",
         m.pool() + m.deployment(3, "0", "50%")
         + m.scenario("[{type: imageUpdate, target: Deployment/shop/web, image: 'nginx:1.28'}]", start="settled"),
         lambda: m.patching("deployment", deployment_controller, resolve_fenceposts=_fenceposts_rounding_up),
         depth=5, random_trace=5),
    Case("statefulset-ordered-ready", "a StatefulSet controller that ignores readiness",
         m.pool() + m.statefulset(2),
         lambda: m.patching("statefulset", statefulset_controller, is_running_and_ready=lambda pod: True,
                            is_running_and_available=lambda pod, min_ready, now: True),
         depth=2, random_trace=3),
    Case("statefulset-identity", "a StatefulSet controller that renames claims of recreated pods",
         m.pool() + m.statefulset(2, claims=True)
         + m.scenario("[{type: imageUpdate, target: StatefulSet/data/db, image: 'postgres:17.1'}]", start="settled"),
         lambda: m.patching("statefulset", statefulset_controller,
                            get_persistent_volume_claim_name=_claim_renamed_after_update),
         depth=4, random_trace=5),
    Case("daemonset-coverage", "a DaemonSet controller that drops its creates",
         m.pool(2) + m.DAEMONSET, lambda: m.dropping("daemonset", m.creates_pod), depth=0, random_trace=1),
    Case("job-completions", "a Job controller that ignores completions when creating pods",
         m.pool() + m.job(completions=1, parallelism=2),
         lambda: m.patching("job", job_controller, manage_job=_manage_ignoring_completions),
         depth=2, random_trace=3),
    Case("job-finishes", "a Job controller that never writes its Complete condition",
         m.pool() + m.job(completions=1, parallelism=1), lambda: m.dropping("job", m.completes_job),
         depth=0, random_trace=1),
    Case("endpoints-ready-only", "an EndpointSlice controller that publishes unready pods",
         m.pool() + m.replicaset(1, probe=True) + m.SERVICE,
         lambda: m.patching("endpoints", endpoints_controller, is_pod_ready=lambda pod: True),
         depth=4, random_trace=5),
    Case("node-capacity", "a scheduler that ignores resources",
         m.pool(1, cpu="1") + m.replicaset(2, cpu="600m"),
         lambda: m.patching("scheduler", schedsnapshot, insufficient_resources=lambda *args: ()),
         depth=4, random_trace=5),
    Case("pod-ip-unique", "a kubelet that hands out the same IP twice",
         m.pool() + m.replicaset(2),
         lambda: m.patching("kubelet", kubelet, _pod_ip=lambda view, node: "10.244.0.2"),
         depth=6, random_trace=8),
    Case("pvc-binding", "a PV binder that ignores capacity",
         m.pool() + m.STATIC_VOLUME,
         lambda: m.patching("pvbinder", pvbinder, requested_storage=lambda claim: Quantity.zero()),
         depth=3, random_trace=3),
    Case("pdb-respected", "an Eviction API that ignores disruption budgets",
         m.pool() + m.replicaset(2) + m.PDB + m.scenario("[eviction]", start="settled"),
         store_patch=(store, "blocks_eviction", lambda *args: False), depth=1, random_trace=1),
    Case("no-orphans", "a garbage collector that does nothing",
         m.pool() + m.replicaset(1)
         + m.scenario(events="[{at: 5, type: delete, target: ReplicaSet/shop/web}]", start="settled"),
         lambda: tuple(attrs.evolve(a, reconcile=lambda view: ()) if a.name == "garbagecollector" else a
                       for a in default_actors()),
         depth=0, random_trace=1),
    Case("quota-respected", "admission that ignores ResourceQuota",
         m.pool() + m.replicaset(2) + m.QUOTA,
         store_patch=(quota, "admission_error", lambda state, obj: ""), depth=2, random_trace=2),
]


# properties whose broken controllers live beside their own family's tests
MUTANTS_ELSEWHERE = {"volume-single-writer", "volume-mounted-before-start"}  # tests/check/test_volume_invariants.py


def _run(case: Case, **options):
    context = m.patched(*case.store_patch) if case.store_patch else contextlib.nullcontext()
    with context:
        return check(objects(case.text), CheckOptions(properties=(case.property,), **options), actors=case.actors())


def test_every_built_in_property_has_a_mutant():
    """No built-in property goes without a broken controller that shows it can fail."""
    from kspec.check.engine import all_properties

    built_in = {p.id for p in all_properties()} - {"test-rs-max", "test-rs-ready", "test-no-restarts",
                                                   "test-replicas-fixed"}
    assert built_in - {c.property for c in CASES} <= MUTANTS_ELSEWHERE


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.property)
def test_the_correct_controllers_hold_the_property(case):
    """Without the mutation, the same input and faults pass at the mutant's depth + 1."""
    result = check(objects(case.text), CheckOptions(engine="exhaustive", depth=case.depth + 1,
                                                    properties=(case.property,)))
    assert result.result == "pass", result.violations


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.property)
def test_exhaustive_engine_finds_the_mutant_at_the_smallest_depth(case):
    """BFS finds the bug exactly at the depth that exposes it, with a trace that long."""
    if case.depth > 0:
        assert _run(case, engine="exhaustive", depth=case.depth - 1).result == "pass"
    result = _run(case, engine="exhaustive", depth=case.depth)
    assert result.result == "violation"
    violation = result.violations[0]
    assert violation.property == case.property
    moves = [s for s in violation.trace if s.actor != "scheduler (fair)"]
    assert len(moves) == case.depth


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.property)
def test_random_engine_finds_the_mutant_within_its_default_budget(case):
    """Hypothesis (default 100 examples of 40 moves, fixed seed) finds it and shrinks it."""
    result = _run(case, engine="random", seed=1)
    assert result.result == "violation"
    violation = result.violations[0]
    assert violation.property == case.property
    assert len(violation.trace) <= case.random_trace, [(s.actor, s.action, s.object) for s in violation.trace]
