"""The CronJob controller against upstream pkg/controller/cronjob (cronjob_controllerv2_test.go,
utils_test.go)."""

import datetime as dt

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from kspec.api.cron import parse_schedule
from kspec.api.status import is_true
from kspec.controllers import cronjob, kubelet, scheduler
from kspec.controllers import job as jobctl
from kspec.model.events import PodCrash
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, UpdateStatus, apply
from tests.controllers.helpers import state_of

ACTORS = (Actor(cronjob.NAME, cronjob.reconcile, cronjob.wakeup, periodic=True),
          Actor(jobctl.NAME, jobctl.reconcile, jobctl.wakeup),
          Actor(scheduler.NAME, scheduler.reconcile), Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup))
UTC = dt.UTC
HOUR = 3600


def cj_yaml(schedule: str = "*/5 * * * *", spec: str = "", run_seconds: int = 10, job_spec: str = "") -> str:
    return f"""\
apiVersion: batch/v1
kind: CronJob
metadata: {{name: tick, namespace: ns}}
spec:
  schedule: "{schedule}"
{spec}  jobTemplate:
    metadata: {{labels: {{team: a}}}}
    spec:
{job_spec}      template:
        metadata: {{annotations: {{kspec.dev/run-seconds: "{run_seconds}"}}}}
        spec:
          restartPolicy: Never
          containers: [{{name: c, image: busybox}}]
"""


def run_until(state, until: int, events=(), actors=ACTORS, max_steps=2000):
    """Run with every actor's wakeups cut off after ``until``, so the clock stops there
    (jobs running past it would otherwise carry the clock, and the cron schedule, on)."""
    def bounded(actor):
        def wakeup(view):
            t = actor.wakeup(view)
            return t if t is not None and t <= until else None
        return Actor(actor.name, actor.reconcile, wakeup)
    result = run(state, [bounded(a) for a in actors], events, max_steps=max_steps)
    assert result.converged
    return result


def creations(result):
    """(clock, job name) of every Job the CronJob controller created."""
    return [(s.clock, s.object.split("/")[-1]) for s in result.timeline
            if s.actor == cronjob.NAME and s.action == "create" and s.ok]


def deletions(result):
    return [(s.clock, s.object.split("/")[-1]) for s in result.timeline
            if s.actor == cronjob.NAME and s.action == "delete" and s.ok]


def the_cj(state):
    return state.get("CronJob", "ns", "tick")


# ---- schedules (utils_test.go) ----------------------------------------------------------------

def test_next_schedule_time_standard_fields():
    """robfig Next: strictly after, on minute boundaries; dom/dow are ORed when both restricted."""
    every5 = parse_schedule("*/5 * * * *")
    assert cronjob.next_schedule_time(every5, 0) == 300
    assert cronjob.next_schedule_time(every5, 299) == 300
    assert cronjob.next_schedule_time(every5, 300) == 600
    assert cronjob.next_schedule_time(parse_schedule("@hourly"), 0) == HOUR
    # 1970-01-01 is a Thursday: "0 0 13 * 5" fires on the first Friday (Jan 2) as well as the 13th
    assert cronjob.next_schedule_time(parse_schedule("0 0 13 * 5"), 0) == 1 * 86400
    # with a '*' day-of-week only day-of-month counts
    assert cronjob.next_schedule_time(parse_schedule("0 0 13 * *"), 0) == 12 * 86400
    leap = cronjob.next_schedule_time(parse_schedule("0 0 29 2 *"), 0)
    assert dt.datetime.fromtimestamp(leap, UTC) == dt.datetime(1972, 2, 29, tzinfo=UTC)
    assert cronjob.next_schedule_time(parse_schedule("59 23 31 2 *"), 0) is None  # never: robfig's zero time


def test_next_schedule_time_every_and_time_zone():
    """@every adds the (whole-second) delay; a time zone shifts wall-clock schedules."""
    assert cronjob.next_schedule_time(parse_schedule("@every 90s"), 100) == 190
    assert cronjob.next_schedule_time(parse_schedule("@every 1h30m"), 0) == 5400
    paris = cronjob._zone("Europe/Paris")
    # midnight in Paris is 23:00 UTC in January (UTC+1)
    assert cronjob.next_schedule_time(parse_schedule("0 0 * * *"), 0, paris) == 23 * HOUR
    assert cronjob._zone("Mars/Olympus") is None


@settings(max_examples=40, deadline=None)
@given(minutes=st.sets(st.integers(0, 59), min_size=1, max_size=4),
       hours=st.sets(st.integers(0, 23), min_size=1, max_size=3),
       weekdays=st.sets(st.integers(0, 6), min_size=1, max_size=7),
       after=st.integers(0, 4 * 365 * 86400))
def test_next_schedule_time_matches_a_minute_by_minute_scan(minutes, hours, weekdays, after):
    """Property: next_schedule_time equals the first matching minute found by brute force."""
    text = (f"{','.join(map(str, sorted(minutes)))} {','.join(map(str, sorted(hours)))} * * "
            f"{','.join(map(str, sorted(weekdays)))}")
    schedule = parse_schedule(text)
    t = (after // 60 + 1) * 60
    while True:
        when = dt.datetime.fromtimestamp(t, UTC)
        if when.minute in minutes and when.hour in hours and (when.weekday() + 1) % 7 in weekdays:
            break
        t += 60
    assert cronjob.next_schedule_time(schedule, after) == t


def _cj(creation=0, last=None, deadline=None, schedule="0 * * * *"):
    cj = the_cj(state_of(cj_yaml(schedule)))
    cj = attrs.evolve(cj, metadata=attrs.evolve(cj.metadata, creation_timestamp=creation),
                      status=attrs.evolve(cj.status, last_schedule_time=last),
                      spec=attrs.evolve(cj.spec, starting_deadline_seconds=deadline))
    return cj, parse_schedule(schedule)


def test_most_recent_schedule_time_cases():
    """TestMostRecentScheduleTime: not yet due, one missed, several missed, many missed, deadline."""
    cj, hourly = _cj()
    assert cronjob.most_recent_schedule_time(cj, 1800, hourly, UTC, True).most_recent is None
    assert cronjob.most_recent_schedule_time(cj, HOUR + 100, hourly, UTC, True).most_recent == HOUR
    five = cronjob.most_recent_schedule_time(cj, 5 * HOUR + 10, hourly, UTC, True)
    assert (five.most_recent, five.missed) == (5 * HOUR, 5)
    many = cronjob.most_recent_schedule_time(cj, 200 * HOUR + 10, hourly, UTC, True)
    assert many.most_recent == 200 * HOUR and many.missed > 100
    cj, _ = _cj(last=HOUR)
    assert cronjob.most_recent_schedule_time(cj, 3 * HOUR + 5, hourly, UTC, True).most_recent == 3 * HOUR
    # startingDeadlineSeconds: nothing is considered before now - deadline
    cj, _ = _cj(last=0, deadline=600)
    assert cronjob.get_next_schedule_time(cj, 5 * HOUR + 700, hourly, UTC) is None
    assert cronjob.get_next_schedule_time(cj, 5 * HOUR + 500, hourly, UTC) == 5 * HOUR
    # nextScheduleTimeDuration: the next slot after the most recent one
    assert cronjob.next_schedule_time_after_now(cj, 5 * HOUR + 500, hourly, UTC) == 6 * HOUR


def test_job_name_is_scheduled_time_in_minutes():
    """getJobName: <cronjob>-<scheduled unix time / 60>; the template is copied with the scheduled timestamp."""
    state = state_of(cj_yaml()).with_clock(300)
    (create,) = [a for a in cronjob.reconcile(state) if isinstance(a, Create)]
    job = create.obj
    assert job.metadata.name == "tick-5" and job.metadata.namespace == "ns"
    assert job.metadata.labels == {"team": "a"}
    assert job.metadata.annotations[cronjob.SCHEDULED_TIMESTAMP] == "1970-01-01T00:05:00Z"
    assert job.metadata.controller_ref().kind == "CronJob"
    assert cronjob.get_job_name(the_cj(state), 86400) == "tick-1440"


# ---- the controller (cronjob_controllerv2_test.go) --------------------------------------------

def test_every_five_minutes_creates_jobs_at_300_600_900():
    """*/5: Jobs at t=300, 600, 900 (until=1000); status lastScheduleTime and lastSuccessfulTime."""
    result = run(state_of(cj_yaml()), ACTORS, until=1000, max_steps=500)
    assert result.converged
    assert creations(result) == [(300, "tick-5"), (600, "tick-10"), (900, "tick-15")]
    status = the_cj(result.state).status
    assert (status.active, status.last_schedule_time, status.last_successful_time) == ((), 900, 910)
    assert all(is_true(j.status.conditions, "Complete") for j in result.state.list("Job"))


def test_wakeup_is_the_next_schedule_time():
    """The controller asks to be woken at the next schedule time (nextScheduleTimeDuration)."""
    state = state_of(cj_yaml())
    assert cronjob.wakeup(state) == 300
    assert cronjob.wakeup(state.with_clock(301)) == 600  # after a missed 300 it aims at the next slot


def test_active_list_tracks_the_running_job():
    """A started Job is in status.active until it finishes (SawCompletedJob)."""
    result = run_until(state_of(cj_yaml(run_seconds=100)), 350)
    assert the_cj(result.state).status.active == ("tick-5",)
    result = run_until(result.state, 450)
    assert the_cj(result.state).status.active == ()
    assert the_cj(result.state).status.last_successful_time == 400


def test_forbid_skips_while_a_job_runs_then_runs_the_missed_schedule():
    """Forbid: no Job while one is active; the missed 600 run starts when the first finishes (upstream)."""
    text = cj_yaml(spec="  concurrencyPolicy: Forbid\n", run_seconds=400)
    result = run(state_of(text), ACTORS, until=1000, max_steps=40)
    made = creations(result)
    assert made[:2] == [(300, "tick-5"), (700, "tick-10")]
    assert not any(300 < t < 700 for t, _ in made)


def test_forbid_with_starting_deadline_drops_the_missed_schedule():
    """Forbid + startingDeadlineSeconds: the 600 run is too late at 700, the next one is at 900."""
    text = cj_yaml(spec="  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 60\n", run_seconds=400)
    result = run(state_of(text), ACTORS, until=1000, max_steps=40)
    assert creations(result)[:2] == [(300, "tick-5"), (900, "tick-15")]


def test_allow_runs_jobs_concurrently():
    """Allow: a new Job starts on schedule even while the previous one runs."""
    result = run_until(state_of(cj_yaml(run_seconds=400)), 650)
    assert creations(result) == [(300, "tick-5"), (600, "tick-10")]
    assert the_cj(result.state).status.active == ("tick-5", "tick-10")


def test_replace_deletes_the_running_job_then_creates():
    """Replace: at 600 the running tick-5 is deleted, then tick-10 created and made the only active Job."""
    text = cj_yaml(spec="  concurrencyPolicy: Replace\n", run_seconds=400)
    state = run_until(state_of(text), 599).state
    assert the_cj(state).status.active == ("tick-5",)
    state = state.with_clock(600)
    first = cronjob.reconcile(state)[0]
    assert isinstance(first, Delete) and (first.kind, first.name) == ("Job", "tick-5")
    result = run_until(state, 650)
    assert deletions(result) == [(600, "tick-5")] and creations(result) == [(600, "tick-10")]
    assert the_cj(result.state).status.active == ("tick-10",)
    assert [j.metadata.name for j in result.state.list("Job")] == ["tick-10"]


def test_history_limits_prune_the_oldest_finished_jobs():
    """successfulJobsHistoryLimit 2 / failedJobsHistoryLimit 1: only the newest finished Jobs remain."""
    text = cj_yaml("* * * * *", spec="  successfulJobsHistoryLimit: 2\n  failedJobsHistoryLimit: 1\n",
                   job_spec="      backoffLimit: 0\n")
    events = [PodCrash("ns", "tick-1-0", at=61), PodCrash("ns", "tick-2-0", at=121)]
    result = run(state_of(text), ACTORS, events, until=400, max_steps=1000)
    assert result.converged
    names = [j.metadata.name for j in result.state.list("Job")]
    assert sorted(names) == ["tick-2", "tick-5", "tick-6"]
    assert is_true(result.state.get("Job", "ns", "tick-2").status.conditions, "Failed")
    assert ("tick-1" in [n for _, n in deletions(result)]) and ("tick-3" in [n for _, n in deletions(result)])


def test_remove_oldest_jobs_orders_by_start_time():
    """byJobStartTime: the Jobs with the earliest startTime go first; no startTime sorts last."""
    state = state_of(cj_yaml(spec="  successfulJobsHistoryLimit: 1\n"))
    cj = the_cj(state)
    done = (attrs.evolve(jobctl._new_condition("Complete", "CompletionsReached", "", 0)),)
    jobs = []
    for name, start in (("tick-a", 50), ("tick-b", None), ("tick-c", 10)):
        job = cronjob.get_job_from_template(cj, 60, UTC)
        job = attrs.evolve(job, metadata=attrs.evolve(job.metadata, name=name),
                           status=attrs.evolve(job.status, start_time=start, conditions=done))
        jobs.append(job)
    deletes = cronjob.cleanup_finished_jobs(cj, jobs)
    assert [d.name for d in deletes] == ["tick-c", "tick-a"]


def test_suspended_cron_job_creates_nothing():
    """suspend: no Job is started and no wakeup is asked for."""
    state = state_of(cj_yaml(spec="  suspend: true\n"))
    assert cronjob.wakeup(state) is None
    assert not [a for a in cronjob.reconcile(state.with_clock(1000)) if isinstance(a, Create)]


def test_unsuspending_late_starts_only_the_most_recent_missed_run():
    """After a long suspension only the most recent missed schedule runs (not every missed one)."""
    state = state_of(cj_yaml(spec="  suspend: true\n")).with_clock(2000)
    cj = the_cj(state)
    state = apply(state, Update(attrs.evolve(cj, spec=attrs.evolve(cj.spec, suspend=False)))).state
    actions = cronjob.reconcile(state)
    creates = [a.obj.metadata.name for a in actions if isinstance(a, Create)]
    assert creates == ["tick-30"]  # 1800 s
    status = next(a for a in actions if isinstance(a, UpdateStatus)).obj.status
    assert status.last_schedule_time == 1800 and status.active == ("tick-30",)


def test_invalid_schedule_or_time_zone_does_nothing():
    """InvalidSchedule / UnknownTimeZone: no Job and no wakeup, waiting for a spec change."""
    for text in (cj_yaml("61 * * * *"), cj_yaml(spec="  timeZone: Mars/Olympus\n")):
        state = state_of(text)
        assert cronjob.wakeup(state) is None
        assert cronjob.reconcile(state.with_clock(1000)) == ()


def test_missing_active_job_is_dropped_from_status():
    """MissingJob: an active entry whose Job is gone leaves the active list."""
    state = state_of(cj_yaml()).with_clock(100)
    cj = the_cj(state)
    state = apply(state, UpdateStatus(attrs.evolve(cj, status=attrs.evolve(cj.status, active=("tick-0",))))).state
    (write,) = cronjob.reconcile(state)
    assert isinstance(write, UpdateStatus) and write.obj.status.active == ()


@settings(max_examples=25, deadline=None)
@given(steps=st.integers(0, 60), policy=st.sampled_from(["Allow", "Forbid", "Replace"]),
       run_seconds=st.sampled_from([10, 400]))
def test_reconcile_does_not_modify_its_view(steps, policy, run_seconds):
    """Property: reconcile (and wakeup) never mutate their input."""
    text = cj_yaml(spec=f"  concurrencyPolicy: {policy}\n  successfulJobsHistoryLimit: 1\n", run_seconds=run_seconds)
    state = run(state_of(text), ACTORS, until=2000, max_steps=steps).state
    before = (state.clock, [hash(o) for o in state.all()], [repr(o) for o in state.all()])
    cronjob.reconcile(state)
    cronjob.wakeup(state)
    assert before == (state.clock, [hash(o) for o in state.all()], [repr(o) for o in state.all()])


def test_store_second_delete_of_terminating_object_writes_nothing():
    """Reproduction for the report: Delete twice on a Job held by a finalizer; the second should be a no-op."""
    state = state_of(cj_yaml()).with_clock(300)
    (create,) = [a for a in cronjob.reconcile(state) if isinstance(a, Create)]
    job = attrs.evolve(create.obj, metadata=attrs.evolve(create.obj.metadata, finalizers=("example.com/hold",)))
    state = apply(state, Create(job)).state
    once = apply(state, Delete("Job", "ns", "tick-5")).state
    twice = apply(once, Delete("Job", "ns", "tick-5")).state
    assert twice == once
