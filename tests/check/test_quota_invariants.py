"""quota-respected, checked directly on states."""

import attrs

from kspec.api.quantity import Quantity
from kspec.check.properties import PROPERTIES
from kspec.check.quota_invariants import quota_respected
from kspec.model.store import Create, Delete, Update, UpdateStatus, apply
from tests.controllers.helpers import objects, state_of

QUOTA = "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: ns}\nspec:\n  hard: {pods: 2, cpu: '1'}\n"
POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: ns}\nspec:\n"
       "  containers: [{name: c, image: x, resources: {requests: {cpu: 400m}}}]\n")


def pods(*names: str) -> str:
    return "".join("---\n" + POD % n for n in names)


def test_registered_as_a_state_property_that_applies_only_with_quotas():
    """The property is in the registry and skips clusters without a ResourceQuota."""
    p = PROPERTIES.get("quota-respected")
    assert p.kind == "state" and p.check is quota_respected
    assert not p.applies(state_of(pods("a"))) and p.applies(state_of(QUOTA))


def test_usage_within_hard_limits_holds():
    """Two pods of 400m under pods: 2, cpu: 1 -> no violation."""
    assert list(quota_respected(state_of(QUOTA + pods("a", "b")))) == []


def test_objects_that_predate_the_quota_break_it():
    """Pods created before the quota are not refused: usage 3 pods / 1200m is reported, per resource."""
    state = state_of(pods("a", "b", "c").removeprefix("---\n") + "---\n" + QUOTA)
    found = list(quota_respected(state))
    assert [v.message for v in found] == ["cpu used 1200m exceeds hard limit 1 in namespace 'ns'",
                                          "pods used 3 exceeds hard limit 2 in namespace 'ns'"]
    assert {v.object for v in found} == {"ResourceQuota/ns/q"}


def test_admission_keeps_every_reachable_state_within_quota():
    """Creating pods one after another through the store never breaks the property."""
    state = state_of(QUOTA)
    for name in "abcde":
        (pod,) = objects(POD % name)
        state = apply(state, Create(pod)).state
        assert list(quota_respected(state)) == []
    assert len(state.list("Pod")) == 2


def test_lowering_the_hard_limit_below_usage_is_reported():
    """A quota lowered below current usage is the one way (besides ordering) to exceed it."""
    state = state_of(QUOTA + pods("a", "b"))
    q = state.get("ResourceQuota", "ns", "q")
    lowered = attrs.evolve(q, spec=attrs.evolve(q.spec, hard=q.spec.hard.set("pods", Quantity.parse(1))))
    state = apply(state, Update(lowered)).state
    assert [v.message for v in quota_respected(state)] == ["pods used 2 exceeds hard limit 1 in namespace 'ns'"]


def test_finished_and_removed_pods_free_quota():
    """A Failed pod and a deleted pod no longer count, so an over-quota namespace recovers."""
    state = state_of(pods("a", "b", "c").removeprefix("---\n") + "---\n" + QUOTA)
    a = state.get("Pod", "ns", "a")
    state = apply(state, UpdateStatus(attrs.evolve(a, status=attrs.evolve(a.status, phase="Failed")))).state
    assert list(quota_respected(state)) == []
    state = apply(state, Delete("Pod", "ns", "b")).state  # unscheduled: removed at once
    assert state.get("Pod", "ns", "b") is None and list(quota_respected(state)) == []
