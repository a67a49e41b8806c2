"""Job (upstream ``pkg/controller/job/job_controller.go``, ``indexed_job_utils.go``).

Per Job (not yet finished): set ``startTime``; decide whether it has failed
(``backoffLimit`` exceeded by failed pods, or by container restarts under
``restartPolicy: OnFailure``; ``activeDeadlineSeconds`` passed); a failing Job first gets
the interim ``FailureTarget`` condition, then its active pods are deleted, then, once no
pod is left running or terminating, the ``Failed`` condition (upstream since 1.31 adds
the terminal condition only after all pods have terminated). Otherwise ``manageJob``:
create pods up to ``min(parallelism, completions - succeeded)`` (``parallelism`` while
no pod succeeded when ``completions`` is nil), delete the surplus, delete everything
while suspended; ``Complete`` once enough pods succeeded and none is active.

Counting: succeeded and failed pods are counted from the Job's pods (terminating pods
that did not succeed count as failed, as upstream ``isPodFailed``), and never decrease.
DEVIATION(upstream): upstream tracks terminated pods with the
``batch.kubernetes.io/job-tracking`` finalizer and ``uncountedTerminatedPods`` so that a
pod removed from the API is still counted exactly once; the model keeps the larger of
the stored and the observed counts, which can under-count a pod removed before the
controller saw it finish.
DEVIATION(upstream): pods are the Job's by controller reference only; orphans matching
``spec.selector`` are not adopted (upstream ``ClaimPods``), as the model's Jobs carry no
API-server-generated selector.
DEVIATION(upstream): no pod-creation back-off after failures (upstream waits
10 s x 2^(n-1), at most 6 min, before replacing failed pods); replacements are immediate.
"""

from __future__ import annotations

import attrs

from kspec.api import core
from kspec.api.status import Condition, JobStatus, condition, is_true, set_condition
from kspec.controllers.common import (
    burst,
    controlled_pods,
    is_pod_active,
    is_terminating,
    pod_from_template,
)
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, UpdateStatus

NAME = "job"
INDEX_KEY = "batch.kubernetes.io/job-completion-index"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"

BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
# Upstream job_controller.go: "the maximum number of pods that can be created or deleted in
# a single sync call"; manageJob cuts podsToDelete and the creation diff to it.
MAX_POD_CREATE_DELETE_PER_SYNC = 500


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for job in view.list("Job"):
        actions += sync_job(view, job)
    return tuple(actions)


def wakeup(view: ClusterState) -> int | None:
    """The earliest ``startTime + activeDeadlineSeconds`` of a running Job."""
    times = []
    for job in view.list("Job"):
        if (is_job_finished(job) or job.spec.suspend or job.spec.active_deadline_seconds is None
                or job.status.start_time is None):
            continue
        times.append(job.status.start_time + job.spec.active_deadline_seconds)
    future = [t for t in times if t > view.clock]
    return min(future) if future else None


# ---- helpers ----------------------------------------------------------------------------------

def is_job_finished(job) -> bool:
    """Upstream ``IsJobFinished``: a Complete or Failed condition that is True."""
    return is_true(job.status.conditions, "Complete") or is_true(job.status.conditions, "Failed")


def is_indexed(job) -> bool:
    return job.spec.completion_mode == "Indexed"


def get_completion_index(pod: core.Pod) -> int | None:
    """Upstream ``getCompletionIndex``: the annotation (or label), a non-negative int."""
    raw = pod.metadata.annotations.get(INDEX_KEY, pod.metadata.labels.get(INDEX_KEY))
    if raw is None or not str(raw).isdigit():
        return None
    return int(raw)


def _is_failed(pod: core.Pod, job) -> bool:
    """Upstream ``isPodFailed``: phase Failed, or deleted before succeeding (pods a suspended
    Job deletes are not failures)."""
    if pod.status.phase == "Failed":
        return True
    return is_terminating(pod) and pod.status.phase != "Succeeded" and not job.spec.suspend


def succeeded_count(job, pods: list[core.Pod]) -> int:
    """Succeeded pods; for an Indexed Job, distinct succeeded indexes below ``completions``."""
    done = [p for p in pods if p.status.phase == "Succeeded"]
    if is_indexed(job):
        indexes = {get_completion_index(p) for p in done}
        return len({i for i in indexes if i is not None and i < (job.spec.completions or 0)})
    return len(done)


def past_backoff_limit_on_failure(job, pods: list[core.Pod]) -> bool:
    """Upstream ``pastBackoffLimitOnFailure``: under ``restartPolicy: OnFailure`` the
    container restarts of running or pending pods count against ``backoffLimit``."""
    if job.spec.template.spec.restart_policy != "OnFailure":
        return False
    restarts = sum(c.restart_count for p in pods if p.status.phase in ("Running", "Pending")
                   for c in p.status.init_container_statuses + p.status.container_statuses)
    if job.spec.backoff_limit == 0:
        return restarts > 0
    return restarts >= job.spec.backoff_limit


def past_active_deadline(job, now: int) -> bool:
    """Upstream ``pastActiveDeadline``."""
    if job.spec.active_deadline_seconds is None or job.status.start_time is None or job.spec.suspend:
        return False
    return now - job.status.start_time >= job.spec.active_deadline_seconds


def _new_condition(type_: str, reason: str, message: str, now: int, status: str = "True") -> Condition:
    return Condition(type=type_, status=status, reason=reason, message=message, last_transition_time=now)


def _delete(pod: core.Pod) -> Delete:
    return Delete("Pod", pod.metadata.namespace, pod.metadata.name)


# ---- pods -------------------------------------------------------------------------------------

def new_job_pod(job, index: int | None) -> core.Pod:
    """A pod from the template, owned by the Job, with the labels the API server defaults
    onto Job templates; an Indexed pod carries its index (annotation and label) and is
    named ``<job>-<index>-`` + suffix."""
    labels = {JOB_NAME_LABEL: job.metadata.name, CONTROLLER_UID_LABEL: job.metadata.uid,
              "job-name": job.metadata.name, "controller-uid": job.metadata.uid}
    prefix = f"{job.metadata.name}-"
    template = job.spec.template
    if index is not None:
        labels[INDEX_KEY] = str(index)
        prefix = f"{job.metadata.name}-{index}-"
        annotations = template.metadata.annotations.set(INDEX_KEY, str(index))
        template = attrs.evolve(template, metadata=attrs.evolve(template.metadata, annotations=annotations))
    return pod_from_template(template, job, generate_name=prefix, extra_labels=labels)


def first_pending_indexes(job, pods: list[core.Pod], active: list[core.Pod], count: int) -> list[int]:
    """Upstream ``firstPendingIndexes``: the lowest ``count`` indexes below ``completions``
    neither succeeded nor active. Walks up from 0 skipping the taken ones, so it looks at no
    more than ``count`` + (pods) indexes, whatever ``completions`` is."""
    taken = {get_completion_index(p) for p in active}
    taken |= {get_completion_index(p) for p in pods if p.status.phase == "Succeeded"}
    completions = job.spec.completions or 0
    pending: list[int] = []
    index = 0
    while len(pending) < count and index < completions:
        if index not in taken:
            pending.append(index)
        index += 1
    return pending


def active_pods_for_removal(job, active: list[core.Pod], count: int) -> list[core.Pod]:
    """Upstream ``activePodsForRemoval``: for Indexed Jobs, pods with an invalid or
    out-of-range index and duplicates of an index first; then ``count`` more, unscheduled,
    pending and not-ready pods first (``controller.ActivePods`` order)."""
    removals: list[core.Pod] = []
    rest = active
    if is_indexed(job):
        seen: set[int] = set()
        rest = []
        for pod in sorted(active, key=lambda p: (p.metadata.creation_timestamp or 0, p.metadata.name)):
            index = get_completion_index(pod)
            if index is None or index >= (job.spec.completions or 0) or index in seen:
                removals.append(pod)
            else:
                seen.add(index)
                rest.append(pod)
    count -= len(removals)
    if count > 0:
        def rank(pod):
            ready = is_true(pod.status.conditions, "Ready")
            return (bool(pod.spec.node_name), pod.status.phase == "Running", ready,
                    -(pod.metadata.creation_timestamp or 0), pod.metadata.name)
        removals += sorted(rest, key=rank)[:count]
    return removals


def manage_job(job, pods: list[core.Pod], active: list[core.Pod], succeeded: int) -> list[Action]:
    """Upstream ``manageJob``: the creations or deletions that bring the active pods to
    ``wantActive``, at most ``MAX_POD_CREATE_DELETE_PER_SYNC`` of them per sync (upstream cuts
    ``podsToDelete`` and the creation ``diff`` to ``MaxPodCreateDeletePerSync`` and creates in
    slow-start batches; see ``common.burst``); deleting everything while suspended is not cut,
    as upstream, and is bounded by the pods that exist."""
    if job.spec.suspend:
        return [_delete(p) for p in active_pods_for_removal(job, active, len(active))]
    parallelism = job.spec.parallelism
    if job.spec.completions is None:
        want = len(active) if succeeded > 0 else parallelism
    else:
        want = max(min(job.spec.completions - succeeded, parallelism), 0)
    removals = active_pods_for_removal(job, active, max(len(active) - want, 0))
    if removals:
        return [_delete(p) for p in removals[:MAX_POD_CREATE_DELETE_PER_SYNC]]
    if len(active) < want:
        diff = burst(want - len(active), MAX_POD_CREATE_DELETE_PER_SYNC)
        if is_indexed(job):
            return [Create(new_job_pod(job, i)) for i in first_pending_indexes(job, pods, active, diff)]
        return [Create(new_job_pod(job, None))] * diff
    return []


# ---- sync -------------------------------------------------------------------------------------

def sync_job(view: ClusterState, job) -> list[Action]:
    """The writes one ``syncJob`` would make, most urgent first."""
    if is_job_finished(job) or is_terminating(job):
        return []
    now = view.clock
    pods = controlled_pods(view, job)
    active = [p for p in pods if is_pod_active(p)]
    terminating = [p for p in pods if is_terminating(p) and p.status.phase not in ("Succeeded", "Failed")]
    status = job.status
    succeeded = max(status.succeeded, succeeded_count(job, pods))
    failed = max(status.failed, sum(1 for p in pods if _is_failed(p, job)))
    start_time = status.start_time
    if start_time is None and not job.spec.suspend:
        start_time = now
    status = attrs.evolve(status, start_time=start_time, succeeded=succeeded, failed=failed)

    target = condition(status.conditions, "FailureTarget")
    if target is None or target.status != "True":
        if failed > job.spec.backoff_limit or past_backoff_limit_on_failure(job, active):
            reason, message = BACKOFF_LIMIT_EXCEEDED
        elif past_active_deadline(job, now):
            reason, message = DEADLINE_EXCEEDED
        else:
            reason = message = ""
        if reason:
            # The interim condition, counting the pods about to be deleted as failed.
            conditions = set_condition(status.conditions, _new_condition("FailureTarget", reason, message, now))
            status = attrs.evolve(status, conditions=conditions, failed=failed + len(active))
            return _status_write(job, status, len(active))
    if target is not None and target.status == "True":
        if active:
            return [_delete(p) for p in active]
        if terminating:
            return _status_write(job, status, 0)
        failed_condition = _new_condition("Failed", target.reason, target.message, now)
        status = attrs.evolve(status, conditions=set_condition(status.conditions, failed_condition))
        return _status_write(job, status, 0)

    actions = manage_job(job, pods, active, succeeded)
    if job.spec.completions is None:
        complete = succeeded > 0 and not active
    else:
        complete = succeeded >= job.spec.completions and not active
    if complete and not terminating:
        # Upstream adds the interim SuccessCriteriaMet, then Complete once no pod is left
        # terminating; with none left, both land in one write here.
        conditions = status.conditions
        for type_ in ("SuccessCriteriaMet", "Complete"):
            conditions = set_condition(conditions, _new_condition(
                type_, "CompletionsReached", "Reached expected number of succeeded pods", now))
        status = attrs.evolve(status, conditions=conditions, completion_time=now)
    elif complete:
        # Upstream (1.31+): SuccessCriteriaMet now; Complete waits for the terminating pods,
        # which on an unreachable node wait for the node or for a forced deletion.
        status = attrs.evolve(status, conditions=set_condition(status.conditions, _new_condition(
            "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now)))
    elif not actions:
        status = attrs.evolve(status, conditions=_suspend_conditions(status, job.spec.suspend, now))
        if not job.spec.suspend and _resumed(job.status, status):
            # Resumed Jobs restart the activeDeadlineSeconds timer (upstream resets StartTime).
            status = attrs.evolve(status, start_time=now)
    counted = (status.succeeded, status.failed) != (job.status.succeeded, job.status.failed)
    if counted or (job.status.start_time is None and start_time is not None):
        # Record newly finished pods (and startTime) before acting: a terminating pod may be
        # gone by the next turn (what upstream's tracking finalizers guard against).
        return _status_write(job, status, len(active)) + actions
    return actions + _status_write(job, status, len(active))


def _suspend_conditions(status: JobStatus, suspend: bool, now: int) -> tuple:
    """Upstream ``ensureJobConditionStatus`` for ``Suspended``: True while suspended; turned
    False on resume only when it exists."""
    current = condition(status.conditions, "Suspended")
    if suspend:
        return set_condition(status.conditions, _new_condition("Suspended", "JobSuspended", "Job suspended", now))
    if current is not None and current.status == "True":
        return set_condition(status.conditions,
                             _new_condition("Suspended", "JobResumed", "Job resumed", now, status="False"))
    return status.conditions


def _resumed(old: JobStatus, new: JobStatus) -> bool:
    before, after = condition(old.conditions, "Suspended"), condition(new.conditions, "Suspended")
    return before is not None and before.status == "True" and after is not None and after.status == "False"


def _status_write(job, status: JobStatus, active: int) -> list[Action]:
    status = attrs.evolve(status, active=active)
    stored = job.status
    return [] if status == stored else [UpdateStatus(attrs.evolve(job, status=status))]
