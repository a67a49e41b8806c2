"""The HorizontalPodAutoscaler controller against upstream pkg/controller/podautoscaler behaviour
(cases ported from replica_calculator_test.go and horizontal_test.go where noted)."""

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from kspec.controllers import hpa, kubelet, replicaset, scheduler
from kspec.model.events import MetricChange
from kspec.model.run import Actor, run
from kspec.model.store import Delete, SetMetric, Update, UpdateStatus, apply
from tests.controllers.helpers import objects, state_of

RS = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: ns}
spec:
  replicas: %(replicas)d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, resources: {requests: {cpu: %(request)s}}}]
"""
HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: ns}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ReplicaSet, name: web}
  minReplicas: %(min)d
  maxReplicas: %(max)d
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: %(target)d}}
%(behavior)s"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web-%(i)d, namespace: ns, labels: {app: web}}
spec:
  nodeName: node-0
  containers: [{name: web, image: nginx, resources: {requests: {cpu: %(request)s}}}]
status:
  phase: %(phase)s
  podIP: 10.244.0.%(ip)d
  startTime: 0
  conditions: [{type: Ready, status: "%(ready)s", lastTransitionTime: 0}]
"""
NOW = 600  # past the CPU initialisation period of pods started at 0, on the sync period
ACTORS = (Actor(replicaset.NAME, replicaset.reconcile), Actor(scheduler.NAME, scheduler.reconcile),
          Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup), Actor(hpa.NAME, hpa.reconcile, hpa.wakeup))


def cluster(levels, *, target=50, min_replicas=1, max_replicas=100, requests=None, ready=None, replicas=None,
            behavior="", phases=None, now=NOW):
    """A ReplicaSet with one pod per level (CPU usage in millicores; None: no metric) and its HPA."""
    requests = requests or ["1"] * max(len(levels), 1)
    ready = ready or ["True"] * len(levels)
    phases = phases or ["Running"] * len(levels)
    text = RS % {"replicas": len(levels) if replicas is None else replicas, "request": requests[0]}
    text += "---\n" + HPA % {"min": min_replicas, "max": max_replicas, "target": target, "behavior": behavior}
    for i, (req, rdy, phase) in enumerate(zip(requests, ready, phases)):
        text += "---\n" + POD % {"i": i, "request": req, "ready": rdy, "phase": phase, "ip": i + 2}
    state = state_of(text).with_clock(now)
    for i, level in enumerate(levels):
        if level is not None:
            state = apply(state, SetMetric("ns", f"web-{i}", level)).state
    return state


def scale_of(actions):
    """The replicas a sync writes to its target, or None."""
    updates = [a for a in actions if isinstance(a, Update)]
    return updates[0].obj.spec.replicas if updates else None


def status_of(actions):
    return next(a.obj.status for a in actions if isinstance(a, UpdateStatus))


def settle(state):
    """Apply the HPA's writes at the current time until it has none."""
    for _ in range(10):
        actions = hpa.reconcile(state)
        if not actions:
            return state
        state = apply(state, actions[0]).state
    raise AssertionError("the HPA keeps writing")


def advance(state):
    """Jump to the HPA's next wakeup and apply its writes there."""
    at = hpa.wakeup(state)
    assert at is not None and at > state.clock
    return settle(state.with_clock(at))


def next_scale(state):
    """Follow the HPA's wakeups until it changes its target's replicas."""
    before = replicas(state)
    for _ in range(50):
        state = advance(state)
        if replicas(state) != before:
            return state
    raise AssertionError("no scale")


def replicas(state) -> int:
    return state.get("ReplicaSet", "ns", "web").spec.replicas


# ---- replica calculation -----------------------------------------------------------------------

def test_four_pods_at_80_percent_of_a_40_percent_target_double():
    """4 pods at 200m of 250m (80%) with target 40%: desired ceil(4 * 80/40) = 8."""
    state = cluster([200] * 4, requests=["250m"] * 4, target=40, max_replicas=10)
    actions = hpa.reconcile(state)
    assert scale_of(actions) == 8
    status = status_of(actions)
    assert (status.current_replicas, status.desired_replicas, status.last_scale_time) == (4, 8, NOW)


def test_scale_up_is_clamped_by_max_replicas():
    """The same load under maxReplicas 6 scales to 6 (TooManyReplicas)."""
    state = cluster([200] * 4, requests=["250m"] * 4, target=40, max_replicas=6)
    assert scale_of(hpa.reconcile(state)) == 6


def test_upstream_scale_up():
    """TestReplicaCalcScaleUp: levels 300/500/700 of 1 CPU, target 30% -> 5."""
    assert scale_of(hpa.reconcile(cluster([300, 500, 700], target=30))) == 5


def test_upstream_scale_up_unready_less_scale():
    """TestReplicaCalcScaleUpUnreadyLessScale: a never-ready pod counts as 0% on a scale-up -> 4."""
    state = cluster([300, 500, 700], target=30, ready=["False", "True", "True"])
    assert scale_of(hpa.reconcile(state)) == 4


def test_upstream_scale_down_after_the_window():
    """TestReplicaCalcScaleDown: levels 100/300/500/250/250, target 50% -> 3, once the
    initial recommendation (5) has left the 300 s stabilization window."""
    state = settle(cluster([100, 300, 500, 250, 250], target=50))
    assert replicas(state) == 5
    state = advance(state)
    assert state.clock == NOW + 315 and replicas(state) == 3


def test_upstream_scale_down_ignores_unready_pods():
    """TestReplicaCalcScaleDownIncludeUnreadyPods: unready pods are left out of a scale-down -> 2."""
    state = settle(cluster([100, 300, 500, 250, 250], target=50, ready=["True"] * 3 + ["False"] * 2))
    assert replicas(advance(state)) == 2


def test_upstream_tolerance():
    """TestReplicaCalcTolerance: 102% of a 100% target is within the 0.1 tolerance: no change."""
    state = cluster([1010, 1030, 1020], target=100, requests=["900m", "1", "1100m"])
    actions = hpa.reconcile(state)
    assert scale_of(actions) is None and status_of(actions).desired_replicas == 3


def test_within_tolerance_no_change_but_just_outside_scales():
    """42% and 44% of a 40% target are within tolerance (ratio <= 1.1); 48% scales 4 -> 5."""
    for usage, expected in ((105, None), (110, None), (120, 5)):
        state = cluster([usage] * 4, requests=["250m"] * 4, target=40)
        assert scale_of(hpa.reconcile(state)) == expected, usage


def test_missing_metrics_count_as_full_on_a_scale_down():
    """A pod without metrics counts as using 100% of its request on a scale-down: 3 pods at
    40% of a 50% target would make 3, but with the fourth at 100% the average (55%) is
    above the target, so the direction would flip: no change, ever (no wakeup)."""
    state = settle(cluster([400, 400, 400, None], target=50))
    assert replicas(state) == 4 and hpa.wakeup(state) is None
    state = settle(cluster([100, 100, 100, None], target=50))  # 32%: still a scale-down, to 3
    assert replicas(advance(state)) == 3


def test_missing_metrics_count_as_zero_on_a_scale_up():
    """On a scale-up a pod without metrics counts as 0%: levels 900/900/900/- of 1 CPU, target
    50% -> 2700/4000 = 67% -> ceil(1.34 * 4) = 6 (not ceil(1.8 * 3) = 6 by luck: 5 with 3 ready)."""
    assert scale_of(hpa.reconcile(cluster([900, 900, 900, None], target=50))) == 6
    assert scale_of(hpa.reconcile(cluster([800, 800, 800, None], target=50))) == 5


def test_no_metrics_no_scale_and_desired_kept():
    """Without any metric the sync fails: no scale, desiredReplicas unchanged, current recorded."""
    actions = hpa.reconcile(cluster([None, None], target=50))
    assert scale_of(actions) is None
    status = status_of(actions)
    assert (status.current_replicas, status.desired_replicas) == (2, 0)
    assert status.recommendations[-1][1] == hpa.NO_RECOMMENDATION


def test_missing_cpu_request_is_an_error():
    """A container without a CPU request makes a utilization target fail (no scale)."""
    state = cluster([900, 900], target=50)
    pod = state.get("Pod", "ns", "web-1")
    container = attrs.evolve(pod.spec.containers[0], resources=attrs.evolve(
        pod.spec.containers[0].resources, requests=type(pod.spec.containers[0].resources.requests)()))
    state = state.put(attrs.evolve(pod, spec=attrs.evolve(pod.spec, containers=(container,))))
    assert scale_of(hpa.reconcile(state)) is None


def test_scale_up_limit_without_behavior():
    """Without behavior one sync scales up at most to max(2 * current, 4)."""
    state = cluster([1000, 1000], target=10, max_replicas=100)
    assert scale_of(hpa.reconcile(state)) == 4
    state = cluster([1000] * 3, target=10, max_replicas=100)
    assert scale_of(hpa.reconcile(state)) == 6


def test_min_and_max_bounds_apply_without_metrics():
    """A target above maxReplicas (or below minReplicas) is brought within them at once."""
    assert scale_of(hpa.reconcile(cluster([None] * 3, max_replicas=2))) == 2
    assert scale_of(hpa.reconcile(cluster([None] * 3, min_replicas=5))) == 5


def test_scaled_to_zero_disables_autoscaling():
    """ScalingDisabled: a target at 0 replicas (minReplicas > 0) is left alone."""
    state = cluster([], replicas=0)
    actions = hpa.reconcile(state)
    assert scale_of(actions) is None and status_of(actions).desired_replicas == 0


def test_autoscaling_v1_target_percentage():
    """autoscaling/v1 targetCPUUtilizationPercentage is the CPU utilization target."""
    text = (RS % {"replicas": 2, "request": "1"}) + """---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: ns}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ReplicaSet, name: web}
  maxReplicas: 10
  targetCPUUtilizationPercentage: 25
"""
    for i in range(2):
        text += "---\n" + POD % {"i": i, "request": "1", "ready": "True", "phase": "Running", "ip": i + 2}
    state = state_of(text).with_clock(NOW)
    for i in range(2):
        state = apply(state, SetMetric("ns", f"web-{i}", 500)).state
    assert scale_of(hpa.reconcile(state)) == 4


# ---- stabilization, behavior, sync period -----------------------------------------------------

def test_scale_down_waits_out_the_stabilization_window_and_respects_min_replicas():
    """After a scale-up, a drop in usage scales down only once the higher recommendations are
    300 s old, and not below minReplicas."""
    state = settle(cluster([200] * 4, requests=["250m"] * 4, target=40, min_replicas=3, max_replicas=10))
    assert replicas(state) == 8
    for i in range(4):  # the usage drops at once (the new pods have no metrics: 100% on a scale-down)
        state = apply(state, SetMetric("ns", f"web-{i}", 10)).state
    for i in range(4, 8):  # give the other four pods metrics too (no pods exist for them in this view)
        state = apply(state, SetMetric("ns", f"web-{i}", 10)).state
    state = settle(state.with_clock(NOW + 30))
    assert replicas(state) == 8  # stabilized: the recommendation of 8 is recent
    # the sync at NOW + 15 (skipped here) also recommended 8: the window closes 300 s after it
    state = next_scale(state)
    assert state.clock == NOW + 330 and replicas(state) == 3  # raw 1, clamped to minReplicas
    assert hpa.wakeup(state) is None or hpa.wakeup(state) > state.clock


def test_syncs_on_the_period_only():
    """The HPA decides only at multiples of the 15 s sync period (and quiesces afterwards)."""
    state = cluster([200] * 4, requests=["250m"] * 4, target=40, max_replicas=10, now=NOW + 7)
    assert hpa.reconcile(state) == ()
    assert hpa.wakeup(state) == NOW + 15


def test_quiescent_when_nothing_changes():
    """Once synced with steady metrics, wakeup is None: the run can end."""
    state = settle(cluster([110] * 4, requests=["250m"] * 4, target=40))
    assert hpa.reconcile(state) == () and hpa.wakeup(state) is None


def test_behavior_scale_up_rate_limit():
    """behavior.scaleUp Pods 1 per 60 s: 2 -> 3 now, 3 -> 4 only once the first event is 60 s old."""
    behavior = """  behavior:
    scaleUp:
      policies: [{type: Pods, value: 1, periodSeconds: 60}]
"""
    state = settle(cluster([1000, 1000], target=50, behavior=behavior))
    assert replicas(state) == 3
    state = next_scale(state)
    assert (state.clock, replicas(state)) == (NOW + 60, 4)


def test_behavior_defaults_scale_up_by_four_pods_or_double():
    """behavior: {} gets upstream's default scale-up rules: max(4 pods, 100%) per 15 s."""
    state = cluster([1000], target=10, behavior="  behavior: {}\n")
    assert scale_of(hpa.reconcile(state)) == 5
    state = cluster([1000] * 6, target=10, behavior="  behavior: {}\n")
    assert scale_of(hpa.reconcile(state)) == 12


def test_behavior_scale_down_without_stabilization():
    """behavior.scaleDown.stabilizationWindowSeconds 0 scales down at once (default 100% per 15 s)."""
    behavior = "  behavior:\n    scaleDown: {stabilizationWindowSeconds: 0}\n"
    state = cluster([100] * 4, target=50, behavior=behavior)
    assert scale_of(hpa.reconcile(state)) == 1


def test_behavior_scale_down_policy_limits_the_rate():
    """behavior.scaleDown Percent 50 per 60 s (no window): 8 -> 4, then 4 -> 2 a minute later."""
    behavior = """  behavior:
    scaleDown:
      stabilizationWindowSeconds: 0
      policies: [{type: Percent, value: 50, periodSeconds: 60}]
"""
    state = settle(cluster([10] * 8, target=50, behavior=behavior))
    assert replicas(state) == 4
    assert dict(attrs.asdict(state.get("HorizontalPodAutoscaler", "ns", "web").status,
                             recurse=False))["scale_events"] == ((NOW, -4),)
    state = next_scale(state)
    assert (state.clock, replicas(state)) == (NOW + 60, 2)


# ---- end to end ----------------------------------------------------------------------------------

def test_end_to_end_scale_out_and_back_in():
    """ReplicaSet + scheduler + kubelet + HPA: a CPU rise scales 4 -> 8 at the next sync; a
    drop scales back to minReplicas 2 once the stabilization window has passed."""
    text = RS % {"replicas": 4, "request": "250m"} + "---\n" + HPA % {
        "min": 2, "max": 10, "target": 40, "behavior": ""}
    rise = [MetricChange("ns", f"web-{i}", 200, at=32) for i in range(4)]
    result = run(state_of(text), ACTORS, rise)
    assert result.converged and replicas(result.state) == 8
    scaled = [s for s in result.timeline if s.actor == "hpa" and s.action == "update"]
    assert [s.clock for s in scaled] == [45]
    ready = [p for p in result.state.list("Pod") if kubelet.is_pod_ready(p)]
    assert len(ready) == 8
    drop = [MetricChange("ns", f"web-{i}", 20, at=100) for i in range(8)]
    result = run(result.state, ACTORS, drop)
    assert result.converged and replicas(result.state) == 2
    scaled = [s for s in result.timeline if s.actor == "hpa" and s.action == "update"]
    assert [s.clock for s in scaled] == [405]  # the last recommendation of 8 was at 90
    assert len(result.state.list("Pod")) == 2


# ---- properties ------------------------------------------------------------------------------------

levels_st = st.lists(st.one_of(st.none(), st.integers(0, 3000)), min_size=0, max_size=6)


@settings(max_examples=40, deadline=None)
@given(levels=levels_st, ready=st.lists(st.booleans(), min_size=6, max_size=6), target=st.integers(1, 200),
       bounds=st.tuples(st.integers(1, 5), st.integers(0, 12)), behavior=st.booleans())
def test_reconcile_is_pure_and_scales_within_bounds(levels, ready, target, bounds, behavior):
    """reconcile never changes its view, and any scale it writes lies in [minReplicas, maxReplicas]."""
    low, extra = bounds
    kwargs = {"target": target, "min_replicas": low, "max_replicas": low + extra,
              "ready": ["True" if r else "False" for r in ready[:len(levels)]],
              "behavior": "  behavior: {}\n" if behavior else ""}
    state, twin = cluster(levels, **kwargs), cluster(levels, **kwargs)
    actions = hpa.reconcile(state)
    assert state == twin and list(state.all()) == list(twin.all())
    scale = scale_of(actions)
    if scale is not None:
        assert low <= scale <= low + extra
    assert hpa.reconcile(state) == actions
    wakeup = hpa.wakeup(state)
    assert state == twin and (wakeup is None or wakeup > state.clock)


def test_objects_helper_decodes_hpa_behavior():
    """The behavior block decodes to upstream's rules with defaults filled in."""
    (obj,) = [o for o in objects(HPA % {"min": 1, "max": 5, "target": 50, "behavior": """  behavior:
    scaleDown:
      selectPolicy: Min
      policies: [{type: Pods, value: 2, periodSeconds: 30}]
"""}) if o.kind == "HorizontalPodAutoscaler"]
    behavior = hpa.behavior_of(obj)
    assert behavior.scale_up == hpa.DEFAULT_SCALE_UP
    assert behavior.scale_down == hpa.ScalingRules(300, "Min", (hpa.ScalingPolicy("Pods", 2, 30),))


def test_a_deleted_pods_metric_does_not_outlive_it():
    """A pod's CPU usage goes with the pod (metrics-server reports only live pods)."""
    state = cluster([500], target=50)
    state = apply(state, Delete("Pod", "ns", "web-0", grace_seconds=0)).state
    assert state.get("Pod", "ns", "web-0") is None
    assert ("ns", "web-0") not in state.metrics
