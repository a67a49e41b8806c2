"""The kubelet model: start, readiness delay, crash restarts with back-off, Job pods complete."""

from kspec.controllers import kubelet, scheduler
from kspec.model.events import PodCrash, apply_event
from kspec.model.run import Actor, run
from tests.controllers.helpers import state_of

ACTORS = (Actor(scheduler.NAME, scheduler.reconcile), Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup))


def pod(extra: str = "", annotations: str = "{}", restart: str = "Always") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: ns, annotations: {annotations}}}\n"
            f"spec:\n  restartPolicy: {restart}\n  containers:\n  - name: c\n    image: x\n{extra}")


def ready(state) -> bool:
    p = state.get("Pod", "ns", "p")
    return any(c.type == "Ready" and c.status == "True" for c in p.status.conditions)


def test_a_bound_pod_starts_with_an_ip_and_is_ready():
    """A scheduled pod runs with an IP from its node's podCIDR and, without probes, is ready at once."""
    result = run(state_of(pod()), ACTORS)
    p = result.state.get("Pod", "ns", "p")
    assert p.status.phase == "Running" and p.status.pod_ip == "10.244.0.2" and ready(result.state)
    assert result.state.clock == 0


def test_readiness_waits_for_the_probe_delay():
    """A readiness probe's initialDelaySeconds delays Ready; the runner jumps the clock to it."""
    result = run(state_of(pod("    readinessProbe: {exec: {command: [x]}, initialDelaySeconds: 7}\n")), ACTORS)
    assert ready(result.state) and result.state.clock == 7
    assert result.state.get("Pod", "ns", "p").status.ready_since == 7


def test_crash_restarts_with_back_off_or_fails_under_never():
    """A crashed container restarts after 10 s (restartCount 1); with restartPolicy Never the pod fails."""
    state = run(state_of(pod()), ACTORS).state
    crashed = apply_event(state, PodCrash("ns", "p")).state
    result = run(crashed, ACTORS)
    p = result.state.get("Pod", "ns", "p")
    assert p.status.container_statuses[0].restart_count == 1 and ready(result.state)
    assert result.state.clock == 10
    state = run(state_of(pod(restart="Never")), ACTORS).state
    result = run(apply_event(state, PodCrash("ns", "p")).state, ACTORS)
    assert result.state.get("Pod", "ns", "p").status.phase == "Failed"


def test_run_to_completion_pods_succeed_after_their_run_time():
    """A pod annotated kspec.dev/run-seconds succeeds that long after starting."""
    result = run(state_of(pod(annotations="{kspec.dev/run-seconds: '30'}", restart="Never")), ACTORS)
    assert result.state.get("Pod", "ns", "p").status.phase == "Succeeded" and result.state.clock == 30
