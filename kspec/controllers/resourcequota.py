"""The ResourceQuota controller: ``status.hard`` and ``status.used`` per quota (upstream
``pkg/controller/resourcequota/resource_quota_controller.go`` ``syncResourceQuota``).

``status.hard`` copies ``spec.hard``; ``status.used`` is the namespace's usage of every
hard resource (zero when unused), computed by the same evaluators admission uses
(``kspec.model.quota``). Admission reads usage from the objects directly, so this status
is what ``kubectl describe quota`` would show, not an input to the model's decisions.
Usage changes without a write when a terminating pod's deletion becomes overdue, so the
controller wakes up then.
"""

from __future__ import annotations

import attrs

from kspec.api.resources import ResourceList
from kspec.model import quota
from kspec.model.state import ClusterState
from kspec.model.store import Action, UpdateStatus

NAME = "resourcequota"


def calculate_status(view: ClusterState, rq) -> tuple[ResourceList, ResourceList]:
    """(hard, used) as the controller would publish them. Does not modify ``rq``."""
    return rq.spec.hard, ResourceList(quota.used(view, rq))


def sync_resource_quota(view: ClusterState, rq) -> Action | None:
    hard, used = calculate_status(view, rq)
    if rq.status.hard == hard and rq.status.used == used:
        return None
    return UpdateStatus(attrs.evolve(rq, status=attrs.evolve(rq.status, hard=hard, used=used)))


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    return tuple(a for a in (sync_resource_quota(view, rq) for rq in view.list("ResourceQuota")) if a is not None)


def wakeup(view: ClusterState) -> int | None:
    """The first moment after now when a terminating pod in a namespace with a quota stops
    counting (``QuotaV1Pod``: now > deletionTimestamp + grace)."""
    namespaces = {rq.metadata.namespace for rq in view.list("ResourceQuota")}
    times = []
    for namespace in namespaces:
        for pod in view.list("Pod", namespace):
            meta = pod.metadata
            if meta.deletion_timestamp is not None and meta.deletion_grace_period_seconds is not None:
                at = meta.deletion_timestamp + meta.deletion_grace_period_seconds + 1
                if at > view.clock:
                    times.append(at)
    return min(times) if times else None
