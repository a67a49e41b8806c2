"""Quota properties (mirroring ``kspec.model.quota``; imported by ``kspec.check.invariants``)."""

from __future__ import annotations

from typing import Iterator

from kspec.check.properties import Violation, prop
from kspec.model import quota
from kspec.model.state import ClusterState, object_ref


def _has_quota(state: ClusterState) -> bool:
    return bool(state.list("ResourceQuota"))


@prop("quota-respected", "state", "quota: a namespace's usage never exceeds any ResourceQuota's hard limits",
      applies=_has_quota)
def quota_respected(state: ClusterState) -> Iterator[Violation]:
    """Admission refuses every create (and every Service or claim update) that would take a
    namespace's usage of a quota-limited resource past ``spec.hard``, so usage computed from
    the objects (as the quota controller does: terminal pods and overdue terminating pods
    free compute quota) stays within it. Like upstream, the promise assumes the quota was in
    place before the objects it limits and is not lowered below current usage: either of
    those is the user's doing, and shows here as a violation."""
    for rq in state.list("ResourceQuota"):
        for name, (used, hard) in sorted(quota.exceeded(state, rq).items()):
            yield Violation("quota-respected", object_ref(rq),
                            f"{name} used {used} exceeds hard limit {hard} in namespace "
                            f"{rq.metadata.namespace!r}")
