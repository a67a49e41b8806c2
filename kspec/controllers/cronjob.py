"""CronJob (upstream ``pkg/controller/cronjob/cronjob_controllerv2.go`` and ``utils.go``).

The logical clock is Unix time: clock 0 is 1970-01-01T00:00:00 UTC. Per CronJob:
tidy the status (drop finished or missing Jobs from ``active``, take
``lastSuccessfulTime`` from completed Jobs), then, unless suspended, find the most recent
unmet schedule time (``mostRecentScheduleTime``, bounded by ``startingDeadlineSeconds``)
and start a Job ``<cronjob>-<scheduled time in minutes>`` for it, honouring
``concurrencyPolicy``; then delete the oldest finished Jobs beyond the history limits.

Run this controller as a periodic actor (``Actor(..., periodic=True)``): its ``wakeup``
always names the next schedule time, so a run follows it only up to ``run(until=T)``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import attrs

from kspec.api.cron import CronError, Schedule, parse_schedule
from kspec.api.meta import ObjectMeta
from kspec.api.status import is_true
from kspec.api.workloads import Job
from kspec.controllers.common import is_controlled_by, is_terminating, owner_ref
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, UpdateStatus

NAME = "cronjob"
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
# robfig/cron gives up looking for a match this many years ahead (SpecSchedule.Next)
_YEARS_AHEAD = 5
_MANY_MISSED = 100


# ---- schedules (robfig/cron v3 SpecSchedule.Next / ConstantDelaySchedule.Next) ----------------

def _zone(name: str):
    """The time zone of ``spec.timeZone`` ("" is UTC, as the controller's local time in the
    model); None when unknown (upstream does not schedule: UnknownTimeZone)."""
    if not name:
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _day_matches(schedule: Schedule, when: dt.datetime) -> bool:
    """robfig ``dayMatches``: both day fields must match when either is ``*``, else either."""
    dom = when.day in schedule.days
    dow = (when.weekday() + 1) % 7 in schedule.weekdays
    if schedule.day_star or schedule.weekday_star:
        return dom and dow
    return dom or dow


def next_schedule_time(schedule: Schedule, after: int, tz=dt.UTC) -> int | None:
    """The first schedule time strictly after ``after`` (seconds), or None if there is none
    within five years (robfig returns the zero time then).

    ``@every d`` is ``after + d`` with ``d`` truncated to whole seconds, at least 1 s.
    DEVIATION(upstream): wall-clock steps across a daylight-saving change follow Python's
    ``zoneinfo`` arithmetic, not robfig's exact DST handling.
    """
    if schedule.every_seconds is not None:
        return after + max(1, int(schedule.every_seconds))
    when = dt.datetime.fromtimestamp((after // 60 + 1) * 60, tz=tz)
    limit = when.year + _YEARS_AHEAD
    while when.year <= limit:
        if when.month not in schedule.months:
            year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
            when = when.replace(year=year, month=month, day=1, hour=0, minute=0)
            continue
        if not _day_matches(schedule, when):
            when = (when + dt.timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if when.hour not in schedule.hours:
            when = (when + dt.timedelta(hours=1)).replace(minute=0)
            continue
        if when.minute not in schedule.minutes:
            when = when + dt.timedelta(minutes=1)
            continue
        return int(when.timestamp())
    return None


@attrs.frozen
class MostRecent:
    """What ``mostRecentScheduleTime`` returns."""

    earliest: int
    most_recent: int | None
    missed: int  # how many schedules were missed (upstream's rough estimate)
    error: str = ""


def most_recent_schedule_time(cj, now: int, schedule: Schedule, tz, include_starting_deadline: bool) -> MostRecent:
    """Upstream ``mostRecentScheduleTime`` (utils.go): from the last schedule time (or the
    creation time), optionally no earlier than ``now - startingDeadlineSeconds``, the most
    recent schedule time at or before ``now``."""
    earliest = cj.metadata.creation_timestamp or 0
    if cj.status.last_schedule_time is not None:
        earliest = cj.status.last_schedule_time
    deadline = cj.spec.starting_deadline_seconds
    if include_starting_deadline and deadline is not None:
        earliest = max(earliest, now - deadline)
    t1 = next_schedule_time(schedule, earliest, tz)
    if t1 is None or now < t1:
        return MostRecent(earliest, None, 0)
    t2 = next_schedule_time(schedule, t1, tz)
    if t2 is None or now < t2:
        return MostRecent(earliest, t1, 0)
    between = t2 - t1
    if between < 1:
        return MostRecent(earliest, None, 0, "time difference between two schedules is less than 1 second")
    missed = (now - t1) // between + 1
    # start from a little before the estimated last one and walk forward, as upstream
    t = next_schedule_time(schedule, t1 + (missed - 2) * between, tz)
    most_recent = None
    while t is not None and t <= now:
        most_recent = t
        t = next_schedule_time(schedule, t, tz)
    return MostRecent(earliest, most_recent, missed)


def get_next_schedule_time(cj, now: int, schedule: Schedule, tz) -> int | None:
    """Upstream ``nextScheduleTime``: the unmet schedule time to act on now, or None."""
    found = most_recent_schedule_time(cj, now, schedule, tz, True)
    if found.most_recent is None or found.most_recent > now:
        return None
    return found.most_recent


def next_schedule_time_after_now(cj, now: int, schedule: Schedule, tz) -> int | None:
    """Upstream ``nextScheduleTimeDuration`` as an absolute time (without its 100 ms padding)."""
    found = most_recent_schedule_time(cj, now, schedule, tz, False)
    if found.error:
        base = now
    elif found.most_recent is None:
        base = found.earliest if found.missed == 0 else now
    else:
        base = found.most_recent
    return next_schedule_time(schedule, base, tz)


def get_job_name(cj, scheduled: int) -> str:
    """Upstream ``getJobName``: ``<cronjob>-<scheduled time in minutes since the epoch>``."""
    return f"{cj.metadata.name}-{scheduled // 60}"


def get_job_from_template(cj, scheduled: int, tz) -> Job:
    """Upstream ``getJobFromTemplate2``: the template's labels, annotations (plus the
    scheduled timestamp) and spec, owned by the CronJob."""
    template = cj.spec.job_template
    stamp = dt.datetime.fromtimestamp(scheduled, tz=tz).isoformat().replace("+00:00", "Z")
    meta = ObjectMeta(name=get_job_name(cj, scheduled), namespace=cj.metadata.namespace,
                      labels=template.metadata.labels,
                      annotations=template.metadata.annotations.set(SCHEDULED_TIMESTAMP, stamp),
                      owner_references=(owner_ref(cj),))
    return Job(metadata=meta, spec=template.spec)


# ---- the controller ---------------------------------------------------------------------------

def _parse(cj) -> tuple[Schedule | None, object]:
    tz = _zone(cj.spec.time_zone)
    try:
        return parse_schedule(cj.spec.schedule), tz
    except CronError:
        return None, tz


def is_job_finished(job) -> tuple[bool, str]:
    """Upstream ``getFinishedStatus``: (finished, "Complete" or "Failed")."""
    for kind in ("Complete", "Failed"):
        if is_true(job.status.conditions, kind):
            return True, kind
    return False, ""


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for cj in view.list("CronJob"):
        actions += sync(view, cj)
    return tuple(actions)


def wakeup(view: ClusterState) -> int | None:
    """The next schedule time of any CronJob that is not suspended."""
    times = []
    for cj in view.list("CronJob"):
        if cj.spec.suspend or is_terminating(cj):
            continue
        schedule, tz = _parse(cj)
        if schedule is None or tz is None:
            continue
        t = next_schedule_time_after_now(cj, view.clock, schedule, tz)
        if t is not None:
            times.append(t)
    future = [t for t in times if t > view.clock]
    return min(future) if future else None


def sync(view: ClusterState, cj) -> list[Action]:
    """The writes one ``sync`` (``syncCronJob`` + ``cleanupFinishedJobs``) would make."""
    now = view.clock
    jobs = [j for j in view.list("Job", cj.metadata.namespace) if is_controlled_by(j, cj)]
    by_name = {j.metadata.name: j for j in jobs}
    status = cj.status
    # Drop finished and missing Jobs from the active list ("SawCompletedJob", "MissingJob").
    active = tuple(n for n in status.active if n in by_name and not is_job_finished(by_name[n])[0])
    last_successful = status.last_successful_time
    for job in jobs:
        completed = is_job_finished(job) == (True, "Complete") and job.status.completion_time is not None
        if completed and (last_successful is None or job.status.completion_time > last_successful):
            last_successful = job.status.completion_time
    status = attrs.evolve(status, active=active, last_successful_time=last_successful)
    actions = _sync_cron_job(view, attrs.evolve(cj, status=status), by_name, now)
    if actions and isinstance(actions[-1], UpdateStatus):
        status = actions.pop().obj.status
    actions += cleanup_finished_jobs(cj, jobs)
    if status != cj.status:
        actions.append(UpdateStatus(attrs.evolve(cj, status=status)))
    return actions


def _sync_cron_job(view: ClusterState, cj, by_name: dict, now: int) -> list[Action]:
    """Upstream ``syncCronJob`` after the status tidy-up: start the Job of the most recent
    unmet schedule time. The last action, if a status write, carries the new status."""
    if is_terminating(cj) or cj.spec.suspend:
        return []
    schedule, tz = _parse(cj)
    if schedule is None or tz is None:
        return []  # InvalidSchedule / UnknownTimeZone: wait for a spec change
    scheduled = get_next_schedule_time(cj, now, schedule, tz)
    if scheduled is None:
        return []
    deadline = cj.spec.starting_deadline_seconds
    if deadline is not None and scheduled + deadline < now:
        return []  # MissSchedule: too late for this one
    name = get_job_name(cj, scheduled)
    if name in cj.status.active or cj.status.last_schedule_time == scheduled:
        return []  # already processed
    policy = cj.spec.concurrency_policy
    if policy == "Forbid" and cj.status.active:
        return []  # JobAlreadyActive
    actions: list[Action] = []
    if policy == "Replace":
        # upstream deleteJob: delete (unless already being deleted) and leave the active list
        for old in cj.status.active:
            if not is_terminating(by_name[old]):
                actions.append(Delete("Job", cj.metadata.namespace, old, propagation="Background"))
    existing = by_name.get(name)
    new_status = attrs.evolve(cj.status, active=cj.status.active + (name,), last_schedule_time=scheduled)
    if existing is not None:
        # AlreadyExists: adopt it into the status if it is ours (created on an earlier turn).
        if not is_controlled_by(existing, cj):
            return actions
        return actions + [UpdateStatus(attrs.evolve(cj, status=new_status))]
    if policy == "Replace" and cj.status.active:
        # upstream deletes, then creates, then writes status in one sync; here the create
        # waits for the next turn, when the deleted Jobs have left the active list
        return actions + [UpdateStatus(attrs.evolve(cj, status=attrs.evolve(cj.status, active=())))]
    return actions + [Create(get_job_from_template(cj, scheduled, tz)), UpdateStatus(attrs.evolve(cj, status=new_status))]


def _by_start_time(job) -> tuple:
    """Upstream ``byJobStartTime``: jobs without a start time last, then by name."""
    start = job.status.start_time
    return (start is None, start or 0, job.metadata.name)


def cleanup_finished_jobs(cj, jobs: list) -> list[Action]:
    """Upstream ``cleanupFinishedJobs`` / ``removeOldestJobs``: delete the oldest finished
    Jobs beyond ``successfulJobsHistoryLimit`` and ``failedJobsHistoryLimit``."""
    if is_terminating(cj):
        return []
    successful = [j for j in jobs if is_job_finished(j) == (True, "Complete") and not is_terminating(j)]
    failed = [j for j in jobs if is_job_finished(j) == (True, "Failed") and not is_terminating(j)]
    actions: list[Action] = []
    for finished, limit in ((successful, cj.spec.successful_jobs_history_limit),
                            (failed, cj.spec.failed_jobs_history_limit)):
        extra = len(finished) - limit
        for job in sorted(finished, key=_by_start_time)[:max(extra, 0)]:
            actions.append(Delete("Job", job.metadata.namespace, job.metadata.name, propagation="Background"))
    return actions
