"""The Deployment controller (upstream ``pkg/controller/deployment``: deployment_controller.go,
sync.go, rolling.go, recreate.go, rollback.go, progress.go, util/deployment_util.go).

A Deployment manages ReplicaSets; the ReplicaSet controller manages their pods. Per
Deployment, in upstream's order (``syncDeployment``): claim ReplicaSets (adopt matching
orphans, release owned ones that no longer match), record pause/resume on the Progressing
condition, then either ``sync`` (paused, or a scaling event: proportional ``scale``) or a
rollout (``rolloutRolling`` / ``rolloutRecreate``), cleanup of old ReplicaSets beyond
``revisionHistoryLimit``, and the status with the Available and Progressing conditions.

The new ReplicaSet is ``<deployment>-<template hash>`` with the ``pod-template-hash``
label on its selector, its template and so its pods. Rollback in ``apps/v1`` is
re-applying an older template: the ReplicaSet whose template matches becomes the new one
again and gets the next revision (its former revision goes to ``revision-history``).

Decisions are pure. Upstream makes several writes in one sync, each built on the result of
the previous one; here a sync returns the writes of its first phase that has any (the
runner applies one write per step and re-reads), and the next phase follows on the next
turn, on the state the earlier write produced.

Deliberate differences from upstream (see each ``DEVIATION(upstream)``):

- rollout arithmetic counts the live pods, not the possibly stale ReplicaSet statuses:
  a ReplicaSet's available replicas are ``min(available active pods, spec.replicas)``
  (the pods the ReplicaSet controller will keep: it deletes unavailable pods first) and
  its pod count is ``max(spec.replicas, active pods)`` (pods it has not yet deleted
  still exist). Upstream reads ``status.availableReplicas`` and sums ``spec.replicas``,
  which can briefly break ``maxUnavailable``/``maxSurge`` while statuses lag; the model's
  guarantee is the documented one. Status fields still come from ReplicaSet statuses.
- the shared ``Condition`` has no ``lastUpdateTime``: for ``Progressing`` the model keeps
  the time of the last progress (upstream's ``lastUpdateTime``, which the deadline is
  measured from) in ``last_transition_time``.
- the Deployment's revision annotation is written with ``Update`` (metadata); upstream
  sends it with the status update (the status strategy keeps annotations), but the
  model's ``UpdateStatus`` carries status only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import attrs

from kspec.api import core
from kspec.api.intstr import IntOrPercent
from kspec.api.meta import ObjectMeta
from kspec.api.selectors import LabelSelector
from kspec.api.status import Condition, DeploymentStatus, condition
from kspec.api.types import FrozenMap
from kspec.api.workloads import Deployment, ReplicaSet, ReplicaSetSpec
from kspec.controllers.common import (is_controlled_by, is_pod_active, is_pod_available, is_pod_ready,
                                      is_terminating, owner_ref, template_hash)
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, Update, UpdateStatus

NAME = "deployment"

# apps/v1 DefaultDeploymentUniqueLabelKey and util/deployment_util.go annotation keys
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000
_SKIP_COPY = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO})

# condition types and reasons (util/deployment_util.go)
AVAILABLE, PROGRESSING, REPLICA_FAILURE = "Available", "Progressing", "ReplicaFailure"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"
NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
RS_UPDATED_REASON = "ReplicaSetUpdated"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"

RECREATE, ROLLING_UPDATE = "Recreate", "RollingUpdate"
_NO_DEADLINE = 2**31 - 1  # math.MaxInt32: "no progress deadline"


class SyncError(Exception):
    """A sync upstream abandons with an error (it is retried later): no write this turn."""


# ---- live pod counts (DEVIATION, see the module docstring) --------------------------------------

@attrs.frozen
class PodCounts:
    """Per ReplicaSet uid: active pods, and active pods available for the set's minReadySeconds."""

    active: Mapping[str, int] = attrs.field(factory=dict)
    available: Mapping[str, int] = attrs.field(factory=dict)


def pod_counts(view: ClusterState, rs_list: Iterable[ReplicaSet], pods_by_owner: Mapping[str, list]) -> PodCounts:
    active: dict[str, int] = {}
    available: dict[str, int] = {}
    for rs in rs_list:
        pods = [p for p in pods_by_owner.get(rs.metadata.uid, ()) if is_pod_active(p)]
        active[rs.metadata.uid] = len(pods)
        available[rs.metadata.uid] = sum(1 for p in pods if is_pod_available(p, rs.spec.min_ready_seconds, view.clock))
    return PodCounts(active, available)


def get_replica_count_for_replica_sets(rss: Iterable[ReplicaSet | None], counts: PodCounts | None = None) -> int:
    """Upstream ``GetReplicaCountForReplicaSets`` (sum of spec.replicas); with ``counts``, each
    set counts ``max(spec.replicas, active pods)`` (DEVIATION(upstream): pods not yet deleted exist)."""
    total = 0
    for rs in rss:
        if rs is None:
            continue
        total += rs.spec.replicas if counts is None else max(rs.spec.replicas, counts.active.get(rs.metadata.uid, 0))
    return total


def available_replicas(rs: ReplicaSet, counts: PodCounts | None = None) -> int:
    """``rs.status.availableReplicas``; with ``counts``, ``min(available pods, spec.replicas)``
    (DEVIATION(upstream): the ReplicaSet controller deletes unavailable pods first)."""
    if counts is None:
        return rs.status.available_replicas
    return min(counts.available.get(rs.metadata.uid, 0), rs.spec.replicas)


def get_available_replica_count_for_replica_sets(rss: Iterable[ReplicaSet | None],
                                                 counts: PodCounts | None = None) -> int:
    return sum(available_replicas(rs, counts) for rs in rss if rs is not None)


def get_actual_replica_count_for_replica_sets(rss: Iterable[ReplicaSet | None]) -> int:
    return sum(rs.status.replicas for rs in rss if rs is not None)


def get_ready_replica_count_for_replica_sets(rss: Iterable[ReplicaSet | None]) -> int:
    return sum(rs.status.ready_replicas for rs in rss if rs is not None)


# ---- fenceposts --------------------------------------------------------------------------------

def resolve_fenceposts(max_surge: IntOrPercent | int | str | None, max_unavailable: IntOrPercent | int | str | None,
                       desired: int) -> tuple[int, int]:
    """Upstream ``ResolveFenceposts``: maxSurge rounded up, maxUnavailable rounded down (absent
    values are 0); when both resolve to 0, maxUnavailable is 1 (surge might not work due to
    quota). Raises ``IntOrPercentError`` for a malformed value."""
    surge = IntOrPercent.parse(0 if max_surge is None else max_surge).scaled(desired, round_up=True)
    unavailable = IntOrPercent.parse(0 if max_unavailable is None else max_unavailable).scaled(desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def is_rolling_update(d: Deployment) -> bool:
    return d.spec.strategy.type == ROLLING_UPDATE


def max_surge(d: Deployment) -> int:
    if not is_rolling_update(d):
        return 0
    rolling = d.spec.strategy.rolling_update
    return resolve_fenceposts(rolling.max_surge, rolling.max_unavailable, d.spec.replicas)[0]


def max_unavailable(d: Deployment) -> int:
    if not is_rolling_update(d) or d.spec.replicas == 0:
        return 0
    rolling = d.spec.strategy.rolling_update
    return min(resolve_fenceposts(rolling.max_surge, rolling.max_unavailable, d.spec.replicas)[1], d.spec.replicas)


def has_progress_deadline(d: Deployment) -> bool:
    return d.spec.progress_deadline_seconds is not None and d.spec.progress_deadline_seconds != _NO_DEADLINE


# ---- ReplicaSet helpers ------------------------------------------------------------------------

def _by_creation(rs: ReplicaSet) -> tuple:
    """``controller.ReplicaSetsByCreationTimestamp``: older first, then by name."""
    return (rs.metadata.creation_timestamp or 0, rs.metadata.name)


def revision(obj) -> int:
    """The revision annotation as a number (0 when absent or malformed, as ``MaxRevision`` treats it)."""
    try:
        return int(obj.metadata.annotations.get(REVISION, ""))
    except ValueError:
        return 0


def max_revision(rss: Iterable[ReplicaSet]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def _without_hash(template: core.PodTemplateSpec) -> core.PodTemplateSpec:
    labels = template.metadata.labels
    if HASH_LABEL not in labels:
        return template
    labels = FrozenMap({k: v for k, v in labels.items() if k != HASH_LABEL})
    return attrs.evolve(template, metadata=attrs.evolve(template.metadata, labels=labels))


def equal_ignore_hash(a: core.PodTemplateSpec, b: core.PodTemplateSpec) -> bool:
    """Upstream ``EqualIgnoreHash``: templates equal once the pod-template-hash label is dropped."""
    return _without_hash(a) == _without_hash(b)


def find_new_replica_set(d: Deployment, rs_list: Sequence[ReplicaSet]) -> ReplicaSet | None:
    """The oldest ReplicaSet whose template is the Deployment's (upstream ``FindNewReplicaSet``)."""
    for rs in sorted(rs_list, key=_by_creation):
        if equal_ignore_hash(rs.spec.template, d.spec.template):
            return rs
    return None


def filter_active_replica_sets(rss: Iterable[ReplicaSet | None]) -> list[ReplicaSet]:
    return [rs for rs in rss if rs is not None and rs.spec.replicas > 0]


def desired_replicas_annotation(rs: ReplicaSet) -> int | None:
    try:
        return int(rs.metadata.annotations.get(DESIRED_REPLICAS, ""))
    except ValueError:
        return None


def _max_replicas_annotation(rs: ReplicaSet) -> int | None:
    try:
        return int(rs.metadata.annotations.get(MAX_REPLICAS, ""))
    except ValueError:
        return None


def _with_annotations(obj, annotations: dict):
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, annotations=FrozenMap(annotations)))


def set_replicas_annotations(rs: ReplicaSet, desired: int, max_replicas: int) -> ReplicaSet:
    annotations = dict(rs.metadata.annotations)
    annotations[DESIRED_REPLICAS] = str(desired)
    annotations[MAX_REPLICAS] = str(max_replicas)
    return _with_annotations(rs, annotations)


def replicas_annotations_need_update(rs: ReplicaSet, desired: int, max_replicas: int) -> bool:
    annotations = rs.metadata.annotations
    return annotations.get(DESIRED_REPLICAS) != str(desired) or annotations.get(MAX_REPLICAS) != str(max_replicas)


def set_new_replica_set_annotations(d: Deployment, rs: ReplicaSet, new_revision: str, exists: bool) -> ReplicaSet:
    """Upstream ``SetNewReplicaSetAnnotations``: copy the Deployment's annotations, raise the
    revision to ``new_revision`` when lower (remembering the former one in revision-history:
    a rollback), and on creation the desired/max replicas annotations."""
    annotations = dict(rs.metadata.annotations)
    for key, value in d.metadata.annotations.items():
        if key not in _SKIP_COPY:
            annotations[key] = value
    old_revision = annotations.get(REVISION)
    try:
        old_number = int(old_revision) if old_revision is not None else 0
    except ValueError:
        if old_revision != "":
            return _with_annotations(rs, annotations)
        old_number = 0
    new_number = int(new_revision)
    if old_number < new_number:
        annotations[REVISION] = new_revision
        if old_revision is not None:
            history = annotations.get(REVISION_HISTORY, "")
            old_revisions = history.split(",")
            if not old_revisions[0]:
                annotations[REVISION_HISTORY] = old_revision
            else:
                total = len(history) + len(old_revision) + 1
                start = 0
                while total > MAX_REV_HISTORY_LENGTH_IN_CHARS and start < len(old_revisions):
                    total -= len(old_revisions[start]) + 1
                    start += 1
                if total <= MAX_REV_HISTORY_LENGTH_IN_CHARS:
                    annotations[REVISION_HISTORY] = ",".join(old_revisions[start:] + [old_revision])
    rs = _with_annotations(rs, annotations)
    if not exists:
        rs = set_replicas_annotations(rs, d.spec.replicas, d.spec.replicas + max_surge(d))
    return rs


def new_rs_new_replicas(d: Deployment, all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet,
                        counts: PodCounts | None = None) -> int:
    """Upstream ``NewRSNewReplicas``: scale the new set up to replicas + maxSurge minus all
    pods, never beyond replicas; Recreate goes straight to replicas."""
    if d.spec.strategy.type == RECREATE:
        return d.spec.replicas
    surge = IntOrPercent.parse(d.spec.strategy.rolling_update.max_surge).scaled(d.spec.replicas, round_up=True)
    current = get_replica_count_for_replica_sets(all_rss, counts)
    max_total = d.spec.replicas + surge
    if current >= max_total:
        return new_rs.spec.replicas
    scale_up = min(max_total - current, d.spec.replicas - new_rs.spec.replicas)
    return new_rs.spec.replicas + scale_up


def is_saturated(d: Deployment, rs: ReplicaSet | None, counts: PodCounts | None = None) -> bool:
    if rs is None:
        return False
    desired = desired_replicas_annotation(rs)
    if desired is None:
        return False
    return (rs.spec.replicas == d.spec.replicas and desired == d.spec.replicas
            and available_replicas(rs, counts) == d.spec.replicas)


def find_active_or_latest(new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet]) -> ReplicaSet | None:
    if new_rs is None and not old_rss:
        return None
    old_sorted = sorted(old_rss, key=_by_creation, reverse=True)
    active = filter_active_replica_sets(old_sorted + [new_rs])
    if not active:
        return new_rs if new_rs is not None else old_sorted[0]
    if len(active) == 1:
        return active[0]
    return None


def _round_to_int(value: float) -> int:
    """``integer.RoundToInt32``: half away from zero."""
    return int(value - 0.5) if value < 0 else int(value + 0.5)


def get_replica_set_fraction(rs: ReplicaSet, d: Deployment) -> int:
    """Upstream ``getReplicaSetFraction``: the set's share of the new maximum size, from the
    maximum recorded when it was last scaled (falling back to status.replicas)."""
    if d.spec.replicas == 0:
        return -rs.spec.replicas
    deployment_max = d.spec.replicas + max_surge(d)
    before = _max_replicas_annotation(rs)
    if before is None or before == 0:
        before = d.status.replicas
        if before == 0:
            return 0
    return _round_to_int(rs.spec.replicas * deployment_max / before) - rs.spec.replicas


def get_proportion(rs: ReplicaSet | None, d: Deployment, to_add: int, added: int) -> int:
    if rs is None or rs.spec.replicas == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = get_replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def scale_replica_set(rs: ReplicaSet, new_scale: int, d: Deployment) -> list[Action]:
    """Upstream ``scaleReplicaSet``: write spec.replicas and the desired/max annotations
    through an ``Update`` of the ReplicaSet (carrying its resourceVersion)."""
    desired, most = d.spec.replicas, d.spec.replicas + max_surge(d)
    if rs.spec.replicas == new_scale and not replicas_annotations_need_update(rs, desired, most):
        return []
    scaled = set_replicas_annotations(attrs.evolve(rs, spec=attrs.evolve(rs.spec, replicas=new_scale)), desired, most)
    return [Update(scaled)]


def scale_replica_set_and_record_event(rs: ReplicaSet, new_scale: int, d: Deployment) -> list[Action]:
    if rs.spec.replicas == new_scale:
        return []
    return scale_replica_set(rs, new_scale, d)


def scale(d: Deployment, new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet],
          counts: PodCounts | None = None) -> list[Action]:
    """Upstream ``scale`` (sync.go): one active set takes all replicas; a saturated new set
    drains the old ones; otherwise (rolling) the difference to replicas + maxSurge is spread
    in proportion over the active sets, largest first (newer first when scaling up, older
    first when scaling down), the rounding leftover going to the first one."""
    active_or_latest = find_active_or_latest(new_rs, old_rss)
    if active_or_latest is not None:
        if active_or_latest.spec.replicas == d.spec.replicas:
            return []
        return scale_replica_set_and_record_event(active_or_latest, d.spec.replicas, d)
    if is_saturated(d, new_rs, counts):
        actions: list[Action] = []
        for old in filter_active_replica_sets(old_rss):
            actions += scale_replica_set_and_record_event(old, 0, d)
        return actions
    if not is_rolling_update(d):
        return []
    all_rss = filter_active_replica_sets(list(old_rss) + [new_rs])
    all_replicas = get_replica_count_for_replica_sets(all_rss)
    allowed = d.spec.replicas + max_surge(d) if d.spec.replicas > 0 else 0
    to_add = allowed - all_replicas
    if to_add > 0:
        # ReplicaSetsBySizeNewer: larger first; equal sizes newer first (then by name, reversed)
        all_rss.sort(key=lambda rs: (rs.spec.replicas, rs.metadata.creation_timestamp or 0, rs.metadata.name),
                     reverse=True)
    elif to_add < 0:
        # ReplicaSetsBySizeOlder: larger first; equal sizes older first
        all_rss.sort(key=lambda rs: (-rs.spec.replicas, rs.metadata.creation_timestamp or 0, rs.metadata.name))
    added = 0
    sizes: dict[str, int] = {}
    for rs in all_rss:
        if to_add != 0:
            proportion = get_proportion(rs, d, to_add, added)
            sizes[rs.metadata.name] = rs.spec.replicas + proportion
            added += proportion
        else:
            sizes[rs.metadata.name] = rs.spec.replicas
    actions = []
    for i, rs in enumerate(all_rss):
        if i == 0 and to_add != 0:
            sizes[rs.metadata.name] = max(sizes[rs.metadata.name] + to_add - added, 0)
        actions += scale_replica_set(rs, sizes[rs.metadata.name], d)
    return actions


# ---- conditions and status (progress.go, sync.go) ------------------------------------------------

def new_condition(type: str, status: str, reason: str, message: str, now: int) -> Condition:
    return Condition(type=type, status=status, reason=reason, message=message, last_transition_time=now)


def set_deployment_condition(conditions: tuple[Condition, ...], new: Condition) -> tuple[Condition, ...]:
    """Upstream ``SetDeploymentCondition``: nothing changes when status and reason are the
    same; the transition time is kept when only the reason changes (DEVIATION(upstream):
    except for Progressing, whose time is upstream's lastUpdateTime, see the module docstring)."""
    current = condition(conditions, new.type)
    if current is not None and current.status == new.status and current.reason == new.reason:
        return conditions
    if current is not None and current.status == new.status and new.type != PROGRESSING:
        new = attrs.evolve(new, last_transition_time=current.last_transition_time)
    return _put_condition(conditions, new)


def _put_condition(conditions: tuple[Condition, ...], new: Condition) -> tuple[Condition, ...]:
    rest = tuple(c for c in conditions if c.type != new.type)
    return tuple(sorted(rest + (new,), key=lambda c: c.type))


def remove_deployment_condition(conditions: tuple[Condition, ...], type: str) -> tuple[Condition, ...]:
    return tuple(c for c in conditions if c.type != type)


def calculate_status(all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None, d: Deployment,
                     now: int) -> DeploymentStatus:
    """Upstream ``calculateStatus``: counts from the ReplicaSets' statuses, and Available when
    availableReplicas >= replicas - maxUnavailable."""
    available = get_available_replica_count_for_replica_sets(all_rss)
    unavailable = max(get_replica_count_for_replica_sets(all_rss) - available, 0)
    conditions = d.status.conditions
    if available >= d.spec.replicas - max_unavailable(d):
        cond = new_condition(AVAILABLE, "True", MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability.", now)
    else:
        cond = new_condition(AVAILABLE, "False", MINIMUM_REPLICAS_UNAVAILABLE,
                             "Deployment does not have minimum availability.", now)
    return attrs.evolve(d.status,
                        observed_generation=d.metadata.generation,
                        replicas=get_actual_replica_count_for_replica_sets(all_rss),
                        updated_replicas=get_actual_replica_count_for_replica_sets([new_rs]),
                        ready_replicas=get_ready_replica_count_for_replica_sets(all_rss),
                        available_replicas=available,
                        unavailable_replicas=unavailable,
                        conditions=set_deployment_condition(conditions, cond))


def deployment_complete(d: Deployment, status: DeploymentStatus) -> bool:
    return (status.updated_replicas == d.spec.replicas and status.replicas == d.spec.replicas
            and status.available_replicas == d.spec.replicas and status.observed_generation >= d.metadata.generation)


def deployment_progressing(d: Deployment, status: DeploymentStatus) -> bool:
    old = d.status
    return (status.updated_replicas > old.updated_replicas
            or status.replicas - status.updated_replicas < old.replicas - old.updated_replicas
            or status.ready_replicas > old.ready_replicas
            or status.available_replicas > old.available_replicas)


def deployment_timed_out(d: Deployment, status: DeploymentStatus, now: int) -> bool:
    """Upstream ``DeploymentTimedOut``: no progress for more than progressDeadlineSeconds
    (strictly: ``from + deadline`` is before now)."""
    if not has_progress_deadline(d):
        return False
    cond = condition(status.conditions, PROGRESSING)
    if cond is None or cond.reason == NEW_RS_AVAILABLE_REASON:
        return False
    if cond.reason == TIMED_OUT_REASON:
        return True
    return (cond.last_transition_time or 0) + d.spec.progress_deadline_seconds < now


def _status_update(d: Deployment, status: DeploymentStatus) -> list[Action]:
    return [] if status == d.status else [UpdateStatus(attrs.evolve(d, status=status))]


def sync_deployment_status(all_rss, new_rs, d: Deployment, now: int) -> list[Action]:
    return _status_update(d, calculate_status(all_rss, new_rs, d, now))


def sync_rollout_status(all_rss, new_rs: ReplicaSet | None, d: Deployment, now: int) -> list[Action]:
    """Upstream ``syncRolloutStatus`` (progress.go): the status plus the Progressing condition
    (NewReplicaSetAvailable, ReplicaSetUpdated on any progress, ProgressDeadlineExceeded)."""
    status = calculate_status(all_rss, new_rs, d, now)
    conditions = status.conditions
    if not has_progress_deadline(d):
        conditions = remove_deployment_condition(conditions, PROGRESSING)
    current = condition(d.status.conditions, PROGRESSING)
    complete = (status.replicas == status.updated_replicas and current is not None
                and current.reason == NEW_RS_AVAILABLE_REASON)
    if has_progress_deadline(d) and not complete:
        status = attrs.evolve(status, conditions=conditions)
        subject = f'ReplicaSet "{new_rs.metadata.name}"' if new_rs is not None else f'Deployment "{d.metadata.name}"'
        if deployment_complete(d, status):
            conditions = set_deployment_condition(conditions, new_condition(
                PROGRESSING, "True", NEW_RS_AVAILABLE_REASON, f"{subject} has successfully progressed.", now))
        elif deployment_progressing(d, status):
            # always rewritten: upstream moves lastUpdateTime on every progress
            conditions = _put_condition(conditions, new_condition(
                PROGRESSING, "True", RS_UPDATED_REASON, f"{subject} is progressing.", now))
        elif deployment_timed_out(d, status, now):
            conditions = set_deployment_condition(conditions, new_condition(
                PROGRESSING, "False", TIMED_OUT_REASON, f"{subject} has timed out progressing.", now))
    # ReplicaSets carry no ReplicaFailure condition in the model: nothing to move over
    conditions = remove_deployment_condition(conditions, REPLICA_FAILURE)
    return _status_update(d, attrs.evolve(status, conditions=conditions))


# ---- getting and creating ReplicaSets (sync.go) ------------------------------------------------

def _hash(template: core.PodTemplateSpec, collision_count: int) -> str:
    """``controller.ComputeHash(template, collisionCount)``: a collision count changes the hash."""
    base = template_hash(template)
    if not collision_count:
        return base
    return hashlib.sha256(f"{base}/{collision_count}".encode()).hexdigest()[:10]


def _with_label(selector: LabelSelector, key: str, value: str) -> LabelSelector:
    labels = dict(selector.match_labels)
    labels[key] = value
    return attrs.evolve(selector, match_labels=labels)


def _progressing_update(d: Deployment, cond: Condition) -> list[Action]:
    conditions = set_deployment_condition(d.status.conditions, cond)
    return _status_update(d, attrs.evolve(d.status, conditions=conditions))


def get_all_replica_sets_and_sync_revision(view: ClusterState, d: Deployment, rs_list: Sequence[ReplicaSet],
                                           create: bool, counts: PodCounts | None = None
                                           ) -> tuple[ReplicaSet | None, list[ReplicaSet], list[Action]]:
    """(new set, old sets, writes): upstream ``getAllReplicaSetsAndSyncRevision`` with
    ``getNewReplicaSet``. Writes come one phase at a time: the new set's annotations and
    minReadySeconds; the Deployment's revision and a first Progressing condition; or the
    creation of the new set (when ``create``)."""
    new_rs = find_new_replica_set(d, rs_list)
    old_rss = sorted((rs for rs in rs_list if rs is not new_rs), key=_by_creation)
    new_revision = str(max_revision(old_rss) + 1)
    if new_rs is not None:
        updated = set_new_replica_set_annotations(d, new_rs, new_revision, exists=True)
        if updated.metadata.annotations != new_rs.metadata.annotations \
                or new_rs.spec.min_ready_seconds != d.spec.min_ready_seconds:
            updated = attrs.evolve(updated, spec=attrs.evolve(updated.spec, min_ready_seconds=d.spec.min_ready_seconds))
            return new_rs, old_rss, [Update(updated)]
        rs_revision = new_rs.metadata.annotations.get(REVISION, "")
        if d.metadata.annotations.get(REVISION) != rs_revision:
            # DEVIATION(upstream): sent with the status update upstream; see the module docstring
            annotations = d.metadata.annotations.set(REVISION, rs_revision)
            return new_rs, old_rss, [Update(attrs.evolve(d, metadata=attrs.evolve(d.metadata, annotations=annotations)))]
        if has_progress_deadline(d) and condition(d.status.conditions, PROGRESSING) is None:
            cond = new_condition(PROGRESSING, "True", FOUND_NEW_RS_REASON,
                                 f'Found new replica set "{new_rs.metadata.name}"', view.clock)
            return new_rs, old_rss, _progressing_update(d, cond)
        return new_rs, old_rss, []
    if not create:
        return None, old_rss, []
    pod_hash = _hash(d.spec.template, d.status.collision_count)
    name = f"{d.metadata.name}-{pod_hash}"
    if view.get("ReplicaSet", d.metadata.namespace, name) is not None:
        # upstream reacts to AlreadyExists: the name is taken by a set that is not the new one
        # (another owner or another template), so bump collisionCount and hash again
        status = attrs.evolve(d.status, collision_count=d.status.collision_count + 1)
        return None, old_rss, [UpdateStatus(attrs.evolve(d, status=status))]
    if has_progress_deadline(d):
        # DEVIATION(upstream): upstream writes NewReplicaSetCreated right after creating the set
        # (same sync); the model writes it just before, as the next turn would find the set
        # existing and only report FoundNewReplicaSet when no condition exists at all.
        cond = new_condition(PROGRESSING, "True", NEW_RS_REASON, f'Created new replica set "{name}"', view.clock)
        current = condition(d.status.conditions, PROGRESSING)
        if current is None or (current.reason, current.message) != (cond.reason, cond.message):
            # a condition of the same reason keeps its old message (SetDeploymentCondition), so
            # after a template change mid-creation there may be nothing to write: create then
            actions = _progressing_update(d, cond)
            if actions:
                return None, old_rss, actions
    template = d.spec.template
    labels = template.metadata.labels.set(HASH_LABEL, pod_hash)
    template = attrs.evolve(template, metadata=attrs.evolve(template.metadata, labels=labels))
    rs = ReplicaSet(
        metadata=ObjectMeta(name=name, namespace=d.metadata.namespace, labels=labels,
                            owner_references=(owner_ref(d),)),
        spec=ReplicaSetSpec(replicas=0, selector=_with_label(d.spec.selector, HASH_LABEL, pod_hash),
                            template=template, min_ready_seconds=d.spec.min_ready_seconds))
    replicas = new_rs_new_replicas(d, old_rss + [rs], rs, counts)
    rs = attrs.evolve(rs, spec=attrs.evolve(rs.spec, replicas=replicas))
    rs = set_new_replica_set_annotations(d, rs, new_revision, exists=False)
    return None, old_rss, [Create(rs)]


# ---- rolling update (rolling.go) ---------------------------------------------------------------

def reconcile_new_replica_set(all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet, d: Deployment,
                              counts: PodCounts | None = None) -> list[Action]:
    if new_rs.spec.replicas == d.spec.replicas:
        return []
    if new_rs.spec.replicas > d.spec.replicas:
        return scale_replica_set_and_record_event(new_rs, d.spec.replicas, d)
    return scale_replica_set_and_record_event(new_rs, new_rs_new_replicas(d, all_rss, new_rs, counts), d)


def reconcile_old_replica_sets(all_rss: Sequence[ReplicaSet | None], old_rss: Sequence[ReplicaSet],
                               new_rs: ReplicaSet, d: Deployment, counts: PodCounts | None = None) -> list[Action]:
    """Upstream ``reconcileOldReplicaSets``: at most allPods - minAvailable - unavailable new
    pods may go; unhealthy old replicas first, then old sets oldest first while more than
    minAvailable = replicas - maxUnavailable pods are available."""
    old_pods = get_replica_count_for_replica_sets(old_rss)
    if old_pods == 0:
        return []
    all_pods = get_replica_count_for_replica_sets(all_rss)
    min_available = d.spec.replicas - max_unavailable(d)
    new_unavailable = new_rs.spec.replicas - available_replicas(new_rs, counts)
    max_scaled_down = all_pods - min_available - new_unavailable
    if max_scaled_down <= 0:
        return []
    actions = cleanup_unhealthy_replicas(old_rss, d, max_scaled_down, counts)
    if actions:
        return actions
    return scale_down_old_replica_sets_for_rolling_update(list(old_rss) + [new_rs], old_rss, d, counts)


def cleanup_unhealthy_replicas(old_rss: Sequence[ReplicaSet], d: Deployment, max_cleanup: int,
                               counts: PodCounts | None = None) -> list[Action]:
    actions: list[Action] = []
    total = 0
    for rs in sorted(old_rss, key=_by_creation):
        if total >= max_cleanup:
            break
        available = available_replicas(rs, counts)
        if rs.spec.replicas == 0 or rs.spec.replicas == available:
            continue
        count = min(max_cleanup - total, rs.spec.replicas - available)
        if rs.spec.replicas - count > rs.spec.replicas:
            # a status reporting more available pods than spec.replicas (stale): upstream
            # refuses "invalid request to scale down" and the sync fails, to be retried
            raise SyncError(f"when cleaning up unhealthy replicas, got invalid request to scale down "
                            f"{rs.metadata.namespace}/{rs.metadata.name} {rs.spec.replicas} -> "
                            f"{rs.spec.replicas - count}")
        actions += scale_replica_set_and_record_event(rs, rs.spec.replicas - count, d)
        total += count
    return actions


def scale_down_old_replica_sets_for_rolling_update(all_rss: Sequence[ReplicaSet | None],
                                                   old_rss: Sequence[ReplicaSet], d: Deployment,
                                                   counts: PodCounts | None = None) -> list[Action]:
    min_available = d.spec.replicas - max_unavailable(d)
    available = get_available_replica_count_for_replica_sets(all_rss, counts)
    if available <= min_available:
        return []
    actions: list[Action] = []
    total, target = 0, available - min_available
    for rs in sorted(old_rss, key=_by_creation):
        if total >= target:
            break
        if rs.spec.replicas == 0:
            continue
        count = min(rs.spec.replicas, target - total)
        actions += scale_replica_set_and_record_event(rs, rs.spec.replicas - count, d)
        total += count
    return actions


def rollout_rolling(view: ClusterState, d: Deployment, rs_list: Sequence[ReplicaSet], counts: PodCounts) -> list[Action]:
    new_rs, old_rss, actions = get_all_replica_sets_and_sync_revision(view, d, rs_list, True, counts)
    if actions or new_rs is None:
        return actions
    all_rss = old_rss + [new_rs]
    actions = reconcile_new_replica_set(all_rss, new_rs, d, counts)
    if actions:
        return actions
    actions = reconcile_old_replica_sets(all_rss, filter_active_replica_sets(old_rss), new_rs, d, counts)
    if actions:
        return actions
    if deployment_complete(d, d.status):
        actions = cleanup_deployment(old_rss, d)
        if actions:
            return actions
    return sync_rollout_status(all_rss, new_rs, d, view.clock)


# ---- recreate (recreate.go) --------------------------------------------------------------------

def old_pods_running(new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet], pod_map: Mapping[str, list]) -> bool:
    """Any old pod not Succeeded/Failed (terminating ones count), or an old set that reports pods."""
    if get_actual_replica_count_for_replica_sets(old_rss) > 0:
        return True
    for uid, pods in pod_map.items():
        if new_rs is not None and uid == new_rs.metadata.uid:
            continue
        if any(p.status.phase not in ("Failed", "Succeeded") for p in pods):
            return True
    return False


def rollout_recreate(view: ClusterState, d: Deployment, rs_list: Sequence[ReplicaSet], pod_map: Mapping[str, list],
                     counts: PodCounts) -> list[Action]:
    """Scale every old set to 0, wait until their pods are gone, then create/scale the new one."""
    new_rs, old_rss, actions = get_all_replica_sets_and_sync_revision(view, d, rs_list, False, counts)
    if actions:
        return actions
    all_rss = old_rss + [new_rs]
    actions = []
    for rs in filter_active_replica_sets(old_rss):
        actions += scale_replica_set_and_record_event(rs, 0, d)
    if actions:
        return actions
    if old_pods_running(new_rs, old_rss, pod_map):
        return sync_rollout_status(all_rss, new_rs, d, view.clock)
    if new_rs is None:
        new_rs, old_rss, actions = get_all_replica_sets_and_sync_revision(view, d, rs_list, True, counts)
        if actions or new_rs is None:
            return actions
        all_rss = old_rss + [new_rs]
    actions = scale_replica_set_and_record_event(new_rs, d.spec.replicas, d)
    if actions:
        return actions
    if deployment_complete(d, d.status):
        actions = cleanup_deployment(old_rss, d)
        if actions:
            return actions
    return sync_rollout_status(all_rss, new_rs, d, view.clock)


# ---- sync, cleanup, paused (sync.go, deployment_controller.go) ----------------------------------

def cleanup_deployment(old_rss: Sequence[ReplicaSet], d: Deployment) -> list[Action]:
    """Delete the oldest revisions beyond revisionHistoryLimit, only sets fully scaled to 0
    whose status has caught up."""
    cleanable = [rs for rs in old_rss if not is_terminating(rs)]
    diff = len(cleanable) - d.spec.revision_history_limit
    if diff <= 0:
        return []
    actions: list[Action] = []
    for rs in sorted(cleanable, key=lambda rs: (revision(rs),) + _by_creation(rs))[:diff]:
        if (rs.status.replicas != 0 or rs.spec.replicas != 0
                or rs.metadata.generation > rs.status.observed_generation or is_terminating(rs)):
            continue
        actions.append(Delete("ReplicaSet", rs.metadata.namespace, rs.metadata.name))
    return actions


def sync(view: ClusterState, d: Deployment, rs_list: Sequence[ReplicaSet], counts: PodCounts) -> list[Action]:
    """Upstream ``sync``: for a paused Deployment or a scaling event, scale (proportionally),
    clean up when paused, and write the status; no new ReplicaSet is created."""
    new_rs, old_rss, actions = get_all_replica_sets_and_sync_revision(view, d, rs_list, False, counts)
    if actions:
        return actions
    actions = scale(d, new_rs, old_rss, counts)
    if actions:
        return actions
    if d.spec.paused:
        actions = cleanup_deployment(old_rss, d)
        if actions:
            return actions
    return sync_deployment_status(old_rss + [new_rs], new_rs, d, view.clock)


def is_scaling_event(view: ClusterState, d: Deployment, rs_list: Sequence[ReplicaSet]) -> bool:
    """An active set whose desired-replicas annotation differs from spec.replicas."""
    new_rs, old_rss, _ = get_all_replica_sets_and_sync_revision(view, d, rs_list, False)
    for rs in filter_active_replica_sets(old_rss + [new_rs]):
        desired = desired_replicas_annotation(rs)
        if desired is not None and desired != d.spec.replicas:
            return True
    return False


def check_paused_conditions(d: Deployment, now: int) -> list[Action]:
    """Record pause (Progressing Unknown DeploymentPaused) and resume (DeploymentResumed)."""
    if not has_progress_deadline(d):
        return []
    cond = condition(d.status.conditions, PROGRESSING)
    if cond is not None and cond.reason == TIMED_OUT_REASON:
        return []
    paused_exists = cond is not None and cond.reason == PAUSED_REASON
    if d.spec.paused and not paused_exists:
        new = new_condition(PROGRESSING, "Unknown", PAUSED_REASON, "Deployment is paused", now)
    elif not d.spec.paused and paused_exists:
        new = new_condition(PROGRESSING, "Unknown", RESUMED_REASON, "Deployment is resumed", now)
    else:
        return []
    return _progressing_update(d, new)


def claim_replica_sets(view: ClusterState, d: Deployment, selector: LabelSelector) -> list[Action]:
    """Upstream ``ClaimReplicaSets``: adopt matching orphans, release owned non-matching sets
    (neither while the Deployment is being deleted)."""
    if is_terminating(d):
        return []
    actions: list[Action] = []
    for rs in view.list("ReplicaSet", d.metadata.namespace):
        ref = rs.metadata.controller_ref()
        matches = selector.matches(rs.metadata.labels)
        if ref is None and matches and not is_terminating(rs):
            refs = rs.metadata.owner_references + (owner_ref(d),)
            actions.append(Update(attrs.evolve(rs, metadata=attrs.evolve(rs.metadata, owner_references=refs))))
        elif ref is not None and ref.uid == d.metadata.uid and not matches:
            refs = tuple(r for r in rs.metadata.owner_references if r.uid != d.metadata.uid)
            actions.append(Update(attrs.evolve(rs, metadata=attrs.evolve(rs.metadata, owner_references=refs))))
    return actions


def get_replica_sets_for_deployment(view: ClusterState, d: Deployment) -> list[ReplicaSet]:
    """The sets the Deployment controls (after claiming)."""
    return [rs for rs in view.list("ReplicaSet", d.metadata.namespace) if is_controlled_by(rs, d)]


def _pods_by_owner(view: ClusterState) -> dict[str, list[core.Pod]]:
    index: dict[str, list[core.Pod]] = {}
    for pod in view.list("Pod"):
        ref = pod.metadata.controller_ref()
        if ref is not None:
            index.setdefault(ref.uid, []).append(pod)
    return index


def sync_deployment(view: ClusterState, d: Deployment, pods_by_owner: Mapping[str, list] | None = None) -> list[Action]:
    """The writes one sync of ``d`` would make now, in upstream's order (``syncDeployment``)."""
    if pods_by_owner is None:
        pods_by_owner = _pods_by_owner(view)
    selector = d.spec.selector
    if selector is None or selector.is_nil() or selector.validate():
        return []
    if not selector.matches(d.spec.template.metadata.labels):
        return []  # API validation refuses it: "selector does not match template labels"
    if selector.is_empty():
        # upstream: a selector selecting everything is refused; only observedGeneration moves
        if d.status.observed_generation < d.metadata.generation:
            return _status_update(d, attrs.evolve(d.status, observed_generation=d.metadata.generation))
        return []
    claims = claim_replica_sets(view, d, selector)
    if claims:
        return claims
    rs_list = get_replica_sets_for_deployment(view, d)
    counts = pod_counts(view, rs_list, pods_by_owner)
    if is_terminating(d):
        new_rs, old_rss, actions = get_all_replica_sets_and_sync_revision(view, d, rs_list, False, counts)
        return actions or sync_deployment_status(old_rss + [new_rs], new_rs, d, view.clock)
    actions = check_paused_conditions(d, view.clock)
    if actions:
        return actions
    if d.spec.paused or is_scaling_event(view, d, rs_list):
        return sync(view, d, rs_list, counts)
    if d.spec.strategy.type == RECREATE:
        pod_map = {rs.metadata.uid: [p for p in pods_by_owner.get(rs.metadata.uid, ())
                                     if selector.matches(p.metadata.labels)] for rs in rs_list}
        return rollout_recreate(view, d, rs_list, pod_map, counts)
    if d.spec.strategy.type == ROLLING_UPDATE:
        return rollout_rolling(view, d, rs_list, counts)
    return []


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    pods_by_owner = _pods_by_owner(view)
    actions: list[Action] = []
    for d in view.list("Deployment"):
        try:
            actions += sync_deployment(view, d, pods_by_owner)
        except SyncError:
            continue
    return tuple(actions)


def wakeup(view: ClusterState) -> int | None:
    """The next time a Deployment has something to do without any write: its progress
    deadline passing (upstream ``requeueStuckDeployment``), or a pod of its sets becoming
    available after minReadySeconds (so the counts and statuses can move)."""
    times = []
    pods_by_owner = _pods_by_owner(view)
    for d in view.list("Deployment"):
        cond = condition(d.status.conditions, PROGRESSING)
        if (has_progress_deadline(d) and not d.spec.paused and cond is not None
                and cond.reason not in (NEW_RS_AVAILABLE_REASON, TIMED_OUT_REASON)):
            times.append((cond.last_transition_time or 0) + d.spec.progress_deadline_seconds + 1)
        for rs in get_replica_sets_for_deployment(view, d):
            for pod in pods_by_owner.get(rs.metadata.uid, ()):
                if is_pod_active(pod) and is_pod_ready(pod) and pod.status.ready_since is not None:
                    times.append(pod.status.ready_since + rs.spec.min_ready_seconds)
    future = [t for t in times if t > view.clock]
    return min(future) if future else None
