"""The Job controller against upstream pkg/controller/job (job_controller_test.go)."""

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from kspec.api.status import condition, is_true
from kspec.controllers import job as jobctl
from kspec.controllers import kubelet, scheduler
from kspec.controllers.common import is_pod_active
from kspec.model.events import PodCrash
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, UpdateStatus, apply
from tests.controllers.helpers import state_of

ACTORS = (Actor(jobctl.NAME, jobctl.reconcile, jobctl.wakeup), Actor(scheduler.NAME, scheduler.reconcile),
          Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup))


def job_yaml(spec: str = "", restart: str = "Never", run_seconds: int | None = None) -> str:
    annotations = f"\n      annotations: {{kspec.dev/run-seconds: '{run_seconds}'}}" if run_seconds is not None else ""
    return f"""\
apiVersion: batch/v1
kind: Job
metadata: {{name: pi, namespace: ns}}
spec:
{spec}  template:
    metadata:
      labels: {{app: pi}}{annotations}
    spec:
      restartPolicy: {restart}
      containers: [{{name: pi, image: perl, resources: {{requests: {{cpu: 100m}}}}}}]
"""


def the_job(state):
    return state.get("Job", "ns", "pi")


def active_pods(state):
    return [p for p in state.list("Pod", "ns") if is_pod_active(p)]


def _step_until_settled(state, check, events=(), limit=500):
    """Apply one write at a time (Job first, then scheduler, kubelet, clock), checking each state."""
    pending = list(events)
    for _ in range(limit):
        check(state)
        due = [e for e in pending if e.at <= state.clock]
        result = run(state, ACTORS, due[:1], max_steps=1)
        if due:
            pending.remove(due[0])
        if result.state == state and not pending:
            return state
        state = result.state
    raise AssertionError("did not settle")


def with_pods(text: str, *phases: str, now: int = 0):
    """A state with the Job of ``text`` and one owned pod per phase (TestControllerSyncJob style)."""
    state = state_of(text)
    job = the_job(state)
    for phase in phases:
        pod = jobctl.new_job_pod(job, None)
        state = apply(state, Create(pod)).state
        name = f"pi-{len(state.list('Pod')) - 1}"
        stored = state.get("Pod", "ns", name)
        state = state.put(attrs.evolve(stored, status=attrs.evolve(stored.status, phase=phase)))
    return state.with_clock(now)


def test_completions_with_parallelism_never_exceeds_parallelism():
    """completions=5, parallelism=2: at most 2 active pods at any time, then Complete with 5 successes."""
    state = state_of(job_yaml("  completions: 5\n  parallelism: 2\n"))
    state = _step_until_settled(state, lambda s: (len(active_pods(s)) <= 2) or (_ for _ in ()).throw(
        AssertionError(f"{len(active_pods(s))} active at {s.clock}")))
    job = the_job(state)
    assert is_true(job.status.conditions, "Complete")
    assert (job.status.succeeded, job.status.failed, job.status.active) == (5, 0, 0)
    assert job.status.start_time == 0 and job.status.completion_time == 30
    assert len(state.list("Pod")) == 5


def test_run_completes_with_complete_condition():
    """run() with job + scheduler + kubelet converges on a Complete Job (CompletionsReached)."""
    result = run(state_of(job_yaml("  completions: 5\n  parallelism: 2\n")), ACTORS)
    assert result.converged
    complete = condition(the_job(result.state).status.conditions, "Complete")
    assert complete.status == "True" and complete.reason == "CompletionsReached"
    assert is_true(the_job(result.state).status.conditions, "SuccessCriteriaMet")


def test_pods_carry_owner_and_job_labels():
    """Pods come from the template, owned by the Job, labelled with job-name and controller-uid."""
    state = state_of(job_yaml("  parallelism: 2\n"))
    creates = [a for a in jobctl.reconcile(state) if isinstance(a, Create)]
    assert len(creates) == 2
    pod = creates[0].obj
    job = the_job(state)
    assert pod.metadata.controller_ref().uid == job.metadata.uid
    assert pod.metadata.labels["batch.kubernetes.io/job-name"] == "pi"
    assert pod.metadata.labels["batch.kubernetes.io/controller-uid"] == job.metadata.uid
    assert pod.metadata.labels["app"] == "pi" and pod.metadata.generate_name == "pi-"


def test_sync_job_table():
    """TestControllerSyncJob cases: creations/deletions toward min(parallelism, completions - succeeded)."""
    cases = [
        # (spec, pod phases, expected creates, expected deletes)
        ("  completions: 5\n  parallelism: 2\n", (), 2, 0),  # job start
        ("  completions: 5\n  parallelism: 2\n", ("Running",), 1, 0),  # too few active pods
        ("  completions: 5\n  parallelism: 2\n", ("Running",) * 3, 0, 1),  # too many active pods
        ("  completions: 5\n  parallelism: 2\n", ("Succeeded",) * 4, 1, 0),  # only one completion left
        ("  completions: 5\n  parallelism: 2\n", ("Failed", "Running"), 1, 0),  # failed pod replaced
        ("  parallelism: 2\n", ("Succeeded", "Running"), 0, 0),  # WQ job: no new pods after a success
        ("  parallelism: 2\n", (), 2, 0),  # WQ job start
        ("  completions: 2\n  parallelism: 2\n  suspend: true\n", ("Running",) * 2, 0, 2),  # suspend deletes
    ]
    for spec, phases, creates, deletes in cases:
        actions = jobctl.reconcile(with_pods(job_yaml(spec), *phases))
        got = (sum(isinstance(a, Create) for a in actions), sum(isinstance(a, Delete) for a in actions))
        assert got == (creates, deletes), (spec, phases, actions)


def test_work_queue_job_completes_when_one_pod_succeeded_and_none_active():
    """completions nil: complete once any pod succeeded and all others finished."""
    state = with_pods(job_yaml("  parallelism: 2\n"), "Succeeded", "Succeeded")
    (write,) = jobctl.reconcile(state)
    assert isinstance(write, UpdateStatus) and is_true(write.obj.status.conditions, "Complete")
    assert write.obj.status.succeeded == 2
    result = run(state_of(job_yaml("  parallelism: 3\n")), ACTORS)
    job = the_job(result.state)
    assert is_true(job.status.conditions, "Complete") and job.status.succeeded == 3


def test_backoff_limit_exceeded_fails_job_and_deletes_active_pods():
    """Failures beyond backoffLimit: FailureTarget, active pods deleted, then Failed/BackoffLimitExceeded."""
    state = state_of(job_yaml("  completions: 4\n  parallelism: 2\n  backoffLimit: 1\n", run_seconds=100))
    result = run(state, ACTORS, [PodCrash("ns", "pi-0", at=1), PodCrash("ns", "pi-1", at=2)])
    assert result.converged
    job = the_job(result.state)
    failed = condition(job.status.conditions, "Failed")
    assert failed.status == "True" and failed.reason == "BackoffLimitExceeded"
    assert condition(job.status.conditions, "FailureTarget").reason == "BackoffLimitExceeded"
    assert not active_pods(result.state) and job.status.active == 0
    assert job.status.failed == 3  # two crashed pods + the replacement deleted while running
    assert job.status.completion_time is None
    assert result.state.clock < 100  # nothing ran to completion
    phases = sorted(p.status.phase for p in result.state.list("Pod"))
    assert phases == ["Failed", "Failed"]


def test_failure_target_comes_before_pod_deletion():
    """The interim FailureTarget condition is written before any active pod is deleted."""
    state = with_pods(job_yaml("  completions: 4\n  parallelism: 2\n  backoffLimit: 0\n"), "Failed", "Running")
    (first,) = jobctl.reconcile(state)[:1]
    assert isinstance(first, UpdateStatus)
    assert is_true(first.obj.status.conditions, "FailureTarget")
    assert not is_true(first.obj.status.conditions, "Failed")
    state = apply(state, first).state
    assert [type(a) for a in jobctl.reconcile(state)] == [Delete]


def test_backoff_limit_counts_restarts_under_on_failure():
    """pastBackoffLimitOnFailure: container restarts of running pods count (>= backoffLimit)."""
    state = state_of(job_yaml("  backoffLimit: 2\n", restart="OnFailure", run_seconds=1000))
    events = [PodCrash("ns", "pi-0", at=5), PodCrash("ns", "pi-0", at=40)]
    result = run(state, ACTORS, events)
    job = the_job(result.state)
    failed = condition(job.status.conditions, "Failed")
    assert failed is not None and failed.reason == "BackoffLimitExceeded"
    assert not active_pods(result.state)


def test_active_deadline_fails_job_and_wakes_up_on_time():
    """activeDeadlineSeconds: at startTime + deadline the Job fails with DeadlineExceeded."""
    state = run(state_of(job_yaml("  activeDeadlineSeconds: 30\n  parallelism: 2\n", run_seconds=100)),
                ACTORS, max_steps=8).state
    assert jobctl.wakeup(state) == 30
    result = run(state, ACTORS)
    job = the_job(result.state)
    failed = condition(job.status.conditions, "Failed")
    assert failed.reason == "DeadlineExceeded" and failed.last_transition_time == 30
    assert not active_pods(result.state) and result.state.clock == 30


def test_suspended_job_creates_nothing_and_resume_restarts_the_deadline():
    """suspend: no pods and Suspended=True; resuming resets startTime (and the deadline timer)."""
    state = state_of(job_yaml("  suspend: true\n  activeDeadlineSeconds: 30\n", run_seconds=100))
    result = run(state, ACTORS)
    job = the_job(result.state)
    assert not result.state.list("Pod") and job.status.start_time is None
    assert condition(job.status.conditions, "Suspended").status == "True"
    state = apply(result.state.with_clock(500), Update(attrs.evolve(job, spec=attrs.evolve(job.spec, suspend=False)))).state
    result = run(state, ACTORS)
    job = the_job(result.state)
    assert condition(job.status.conditions, "Suspended").status == "False"
    assert job.status.start_time == 500
    assert condition(job.status.conditions, "Failed").reason == "DeadlineExceeded"
    assert result.state.clock == 530


def test_suspending_a_running_job_deletes_its_pods_without_counting_failures():
    """Suspending deletes active pods; they are not failures."""
    state = run(state_of(job_yaml("  parallelism: 2\n  completions: 2\n", run_seconds=100)), ACTORS,
                max_steps=8).state
    assert len(active_pods(state)) == 2
    job = the_job(state)
    state = apply(state, Update(attrs.evolve(job, spec=attrs.evolve(job.spec, suspend=True)))).state
    result = run(state, ACTORS)
    job = the_job(result.state)
    assert not result.state.list("Pod") and job.status.failed == 0 and job.status.active == 0
    assert is_true(job.status.conditions, "Suspended")


def test_indexed_job_names_and_indexes():
    """Indexed: pods <job>-<index>-..., index annotation and label; each index succeeds once."""
    state = state_of(job_yaml("  completions: 3\n  parallelism: 2\n  completionMode: Indexed\n"))
    creates = [a.obj for a in jobctl.reconcile(state) if isinstance(a, Create)]
    assert [p.metadata.generate_name for p in creates] == ["pi-0-", "pi-1-"]
    assert [p.metadata.annotations[jobctl.INDEX_KEY] for p in creates] == ["0", "1"]
    assert [p.metadata.labels[jobctl.INDEX_KEY] for p in creates] == ["0", "1"]
    result = run(state, ACTORS)
    job = the_job(result.state)
    assert is_true(job.status.conditions, "Complete") and job.status.succeeded == 3
    assert sorted(p.metadata.name for p in result.state.list("Pod")) == ["pi-0-0", "pi-1-0", "pi-2-0"]


def test_indexed_job_replaces_a_failed_index_and_removes_duplicates():
    """A failed index is recreated with the same index; a duplicate active index is deleted."""
    text = job_yaml("  completions: 2\n  parallelism: 2\n  completionMode: Indexed\n", run_seconds=100)
    result = run(state_of(text), ACTORS, [PodCrash("ns", "pi-1-0", at=3)], max_steps=14)
    names = sorted(p.metadata.name for p in result.state.list("Pod"))
    assert "pi-1-1" in names
    state = result.state
    pod = state.get("Pod", "ns", "pi-0-0")
    dup = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name="pi-0-9"), status=attrs.evolve(pod.status))
    state = apply(state, Create(dup)).state
    deletes = [a for a in jobctl.reconcile(state) if isinstance(a, Delete)]
    assert [d.name for d in deletes] == ["pi-0-9"]


def test_pod_deleted_while_running_counts_as_failed_and_is_replaced():
    """isPodFailed: a pod deleted before it succeeded counts as a failure; a new one replaces it."""
    state = run(state_of(job_yaml("  completions: 1\n", run_seconds=100)), ACTORS, max_steps=5).state
    assert state.clock == 0 and state.get("Pod", "ns", "pi-0").status.phase == "Running"
    state = apply(state, Delete("Pod", "ns", "pi-0")).state
    first = jobctl.reconcile(state)[0]
    assert isinstance(first, UpdateStatus) and first.obj.status.failed == 1  # counted before it is gone
    result = run(state, ACTORS)
    job = the_job(result.state)
    assert is_true(job.status.conditions, "Complete")
    assert (job.status.succeeded, job.status.failed) == (1, 1)
    assert [p.status.phase for p in result.state.list("Pod")] == ["Succeeded"]  # the replacement


@settings(max_examples=25, deadline=None)
@given(steps=st.integers(0, 40), mode=st.sampled_from(["NonIndexed", "Indexed"]), crash=st.booleans(),
       suspend=st.booleans())
def test_reconcile_does_not_modify_its_view(steps, mode, crash, suspend):
    """Property: reconcile (and wakeup) never mutate their input."""
    spec = f"  completions: 3\n  parallelism: 2\n  backoffLimit: 1\n  completionMode: {mode}\n"
    if suspend:
        spec += "  suspend: true\n"
    events = [PodCrash("ns", "pi-0" if mode == "NonIndexed" else "pi-0-0", at=2)] if crash else []
    state = run(state_of(job_yaml(spec, run_seconds=5)), ACTORS, events, max_steps=steps).state
    before = (state.clock, [hash(o) for o in state.all()], [repr(o) for o in state.all()])
    jobctl.reconcile(state)
    jobctl.wakeup(state)
    assert before == (state.clock, [hash(o) for o in state.all()], [repr(o) for o in state.all()])
