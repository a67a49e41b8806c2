"""The HorizontalPodAutoscaler controller (upstream ``pkg/controller/podautoscaler/horizontal.go``
and ``replica_calculator.go``), for CPU Resource metrics.

Every ``SYNC_PERIOD`` seconds (``--horizontal-pod-autoscaler-sync-period``; syncs fall on
multiples of 15 s of the logical clock) an HPA reads its target's scale (``spec.replicas``
and selector), computes a raw recommendation from the pods' CPU usage (the state's
``metrics``, what metrics-server would report) with upstream's rules for unready and
missing pods and the 0.1 tolerance, stabilizes it (scale-down over 300 s, or the
``behavior`` windows), limits the rate of change, clamps to [minReplicas, maxReplicas]
and writes the target's ``spec.replicas`` and its own status.

Upstream keeps the timestamped recommendations (and, with ``behavior``, the scale events)
in controller memory; the model keeps them in ``status.recommendations`` so that a state
says everything. To keep runs quiescent, a sync whose outcome would be identical is not
written: the last stored recommendation stands for every later sync until the
recommendation changes (it is re-materialised at the previous sync time when the list is
next written), and a sync that records no recommendation (an error, a clamp to the
bounds) stores the marker ``NO_RECOMMENDATION``. ``wakeup`` returns the next sync time at
which a sync would write something, and None otherwise.
"""

from __future__ import annotations

import math

import attrs

from kspec.api import core
from kspec.api.quantity import Quantity, QuantityError
from kspec.api.selectors import LabelSelector
from kspec.api.status import HorizontalPodAutoscalerStatus, condition
from kspec.controllers.replicaset import selector_of
from kspec.model.state import ClusterState
from kspec.model.store import Action, Update, UpdateStatus

NAME = "hpa"

SYNC_PERIOD = 15                 # --horizontal-pod-autoscaler-sync-period
TOLERANCE = 0.1                  # --horizontal-pod-autoscaler-tolerance
DOWNSCALE_STABILIZATION = 300    # --horizontal-pod-autoscaler-downscale-stabilization
CPU_INITIALIZATION_PERIOD = 300  # --horizontal-pod-autoscaler-cpu-initialization-period
INITIAL_READINESS_DELAY = 30     # --horizontal-pod-autoscaler-initial-readiness-delay
METRIC_WINDOW = 15               # metrics-server --metric-resolution (the window of a sample)
SCALE_UP_LIMIT_FACTOR = 2.0      # horizontal.go scaleUpLimitFactor (no behavior)
SCALE_UP_LIMIT_MINIMUM = 4.0     # horizontal.go scaleUpLimitMinimum (no behavior)
DEFAULT_CPU_UTILIZATION = 80     # autoscaling defaults: a HPA without metrics targets 80% CPU
NO_RECOMMENDATION = -1           # marker: from this sync on, syncs recorded no recommendation

SCALE_TARGETS = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")


# ---- behavior (autoscaling/v2 defaults, pkg/apis/autoscaling/v2/defaults.go) -------------------

@attrs.frozen
class ScalingPolicy:
    type: str  # Pods | Percent
    value: int
    period_seconds: int


@attrs.frozen
class ScalingRules:
    stabilization_window_seconds: int
    select_policy: str  # Max | Min | Disabled
    policies: tuple[ScalingPolicy, ...]


@attrs.frozen
class Behavior:
    scale_up: ScalingRules
    scale_down: ScalingRules


DEFAULT_SCALE_UP = ScalingRules(0, "Max", (ScalingPolicy("Pods", 4, 15), ScalingPolicy("Percent", 100, 15)))
# stabilizationWindowSeconds nil: the controller's --horizontal-pod-autoscaler-downscale-stabilization
DEFAULT_SCALE_DOWN = ScalingRules(DOWNSCALE_STABILIZATION, "Max", (ScalingPolicy("Percent", 100, 15),))


@attrs.frozen(kw_only=True)
class HPAStatusWithEvents(HorizontalPodAutoscalerStatus):
    """The HPA status plus upstream's in-memory scale events (``storeScaleEvent``), kept only
    for HPAs with ``behavior``. DEVIATION(kspec): ``HorizontalPodAutoscalerStatus`` has no
    field for them (see the report); entries are (time, replica change), positive for a
    scale-up and negative for a scale-down."""

    scale_events: tuple[tuple[int, int], ...] = ()


def _as_dict(frozen) -> dict:
    """A mapping frozen by ``kspec.api.types.freeze`` (a tuple of (key, value) pairs) as a dict."""
    if isinstance(frozen, tuple) and all(isinstance(i, tuple) and len(i) == 2 and isinstance(i[0], str)
                                         for i in frozen):
        return dict(frozen)
    return {}


def _int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _rules(frozen, defaults: ScalingRules) -> ScalingRules:
    """Upstream ``GenerateHPAScaleUpRules``/``GenerateHPAScaleDownRules``: fill what is unset."""
    if frozen is None:
        return defaults
    raw = _as_dict(frozen)
    policies = []
    for item in raw.get("policies") or ():
        policy = _as_dict(item)
        if policy.get("type") in ("Pods", "Percent"):
            policies.append(ScalingPolicy(policy["type"], _int(policy.get("value"), 0),
                                          _int(policy.get("periodSeconds"), 15)))
    select = raw.get("selectPolicy")
    return ScalingRules(_int(raw.get("stabilizationWindowSeconds"), defaults.stabilization_window_seconds),
                        select if select in ("Max", "Min", "Disabled") else defaults.select_policy,
                        tuple(policies) or defaults.policies)


def behavior_of(hpa) -> Behavior | None:
    """The HPA's ``behavior`` with upstream defaults applied, or None (autoscaling/v1 has none)."""
    raw = hpa.spec.behavior
    if raw is None or _is_v1(hpa):
        return None
    spec = _as_dict(raw.value)
    return Behavior(_rules(spec.get("scaleUp"), DEFAULT_SCALE_UP), _rules(spec.get("scaleDown"), DEFAULT_SCALE_DOWN))


def _is_v1(hpa) -> bool:
    return hpa.api_version == "autoscaling/v1"


# ---- metrics (replica_calculator.go) -----------------------------------------------------------

@attrs.frozen
class CpuTarget:
    utilization: int | None = None   # averageUtilization / targetCPUUtilizationPercentage
    average_milli: int | None = None  # averageValue, in millicores


def metric_targets(hpa) -> tuple[CpuTarget | None, ...]:
    """One entry per metric; None for a metric the model cannot measure (only CPU usage exists).

    autoscaling/v1 ``targetCPUUtilizationPercentage`` and a v2 HPA without metrics default to
    80% CPU (upstream defaulting)."""
    if _is_v1(hpa):
        target = hpa.spec.target_cpu_utilization_percentage
        return (CpuTarget(utilization=target if target is not None else DEFAULT_CPU_UTILIZATION),)
    if not hpa.spec.metrics:
        return (CpuTarget(utilization=DEFAULT_CPU_UTILIZATION),)
    targets = []
    for metric in hpa.spec.metrics:
        resource = metric.resource
        if metric.type != "Resource" or resource is None or resource.name != "cpu":
            # DEVIATION(upstream): Pods/Object/External/ContainerResource and memory metrics have
            # no source in the model; they count as metrics that could not be fetched.
            targets.append(None)
            continue
        target = resource.target
        if target.average_value is not None:  # computeStatusForResourceMetric: a value target first
            try:
                targets.append(CpuTarget(average_milli=Quantity.parse(target.average_value.value).milli_value()))
            except (QuantityError, TypeError):
                targets.append(None)
        elif target.average_utilization is not None:
            targets.append(CpuTarget(utilization=target.average_utilization))
        else:
            targets.append(None)
    return tuple(targets)


def group_pods(pods: list[core.Pod], metrics: dict[str, int], now: int):
    """Upstream ``groupPods`` (CPU): (ready count, unready, missing, ignored pod names).

    DEVIATION(upstream): a metric sample is taken to be collected at the sync time, with
    the window ``METRIC_WINDOW``; the model has no sample timestamps."""
    ready_count, unready, missing, ignored = 0, set(), set(), set()
    for pod in pods:
        name = pod.metadata.name
        if pod.metadata.deletion_timestamp is not None or pod.status.phase == "Failed":
            ignored.add(name)
            continue
        if pod.status.phase == "Pending":
            unready.add(name)
            continue
        if name not in metrics:
            missing.add(name)
            continue
        ready = condition(pod.status.conditions, "Ready")
        start = pod.status.start_time
        if ready is None or start is None:
            is_unready = True
        else:
            transition = ready.last_transition_time or 0
            if start + CPU_INITIALIZATION_PERIOD > now:
                # within the initialisation period: unready, or no full sample since the transition
                is_unready = ready.status == "False" or now < transition + METRIC_WINDOW
            else:
                # afterwards only a pod that has never been ready is ignored
                is_unready = ready.status == "False" and start + INITIAL_READINESS_DELAY > transition
        if is_unready:
            unready.add(name)
            continue
        ready_count += 1
    return ready_count, unready, missing, ignored


def calculate_pod_requests(pods: list[core.Pod]) -> dict[str, int] | None:
    """Upstream ``calculatePodRequestsFromContainers``: CPU millicores per pod, summed over the
    containers and sidecar init containers; None when a container has no CPU request."""
    requests = {}
    for pod in pods:
        containers = list(pod.spec.containers) + [c for c in pod.spec.init_containers if c.restart_policy == "Always"]
        total = 0
        for container in containers:
            request = container.resources.requests.get("cpu")
            if request is None:
                return None
            total += request.milli_value()
        requests[pod.metadata.name] = total
    return requests


def get_resource_utilization_ratio(metrics: dict[str, int], requests: dict[str, int],
                                   target: int) -> float | None:
    """Upstream ``GetResourceUtilizationRatio``: the utilization is a whole percentage."""
    used = sum(v for k, v in metrics.items() if k in requests)
    requested = sum(requests[k] for k in metrics if k in requests)
    if requested == 0:
        return None
    utilization = (used * 100) // requested
    return utilization / target


def get_metric_usage_ratio(metrics: dict[str, int], target: int) -> float:
    """Upstream ``GetMetricUsageRatio``: the average usage (whole millicores) over the target."""
    return (sum(metrics.values()) // len(metrics)) / target


def _within_tolerance(ratio: float) -> bool:
    return 1.0 - TOLERANCE <= ratio <= 1.0 + TOLERANCE


def get_resource_replicas(view: ClusterState, pods: list[core.Pod], current: int, target: CpuTarget,
                          now: int) -> int | None:
    """Upstream ``GetResourceReplicas`` (utilization) / ``GetRawResourceReplicas`` (average
    value): the replica count proposed by one CPU metric, or None when it cannot be computed."""
    if not pods:
        return None  # no pods returned by selector while calculating replica count
    if target.utilization is not None and target.utilization <= 0 or target.average_milli == 0:
        return None
    namespace = pods[0].metadata.namespace
    metrics = {p.metadata.name: view.metrics[(namespace, p.metadata.name)] for p in pods
               if (namespace, p.metadata.name) in view.metrics}
    ready_count, unready, missing, ignored = group_pods(pods, metrics, now)
    for name in ignored | unready:
        metrics.pop(name, None)
    if not metrics:
        return None  # did not receive metrics for targeted pods (pods might be unready)
    requests = calculate_pod_requests(pods) if target.utilization is not None else {}
    if requests is None:
        return None  # missing request for cpu in a container

    def ratio_of(usage: dict[str, int]) -> float | None:
        if target.utilization is not None:
            return get_resource_utilization_ratio(usage, requests, target.utilization)
        return get_metric_usage_ratio(usage, target.average_milli)

    ratio = ratio_of(metrics)
    if ratio is None:
        return None
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if _within_tolerance(ratio):
            return current
        return math.ceil(ratio * ready_count)
    if missing:
        if ratio < 1.0:
            # on a scale-down, missing pods use 100% of their request (or the target when higher)
            for name in missing:
                if target.utilization is not None:
                    metrics[name] = requests[name] * max(100, target.utilization) // 100
                else:
                    metrics[name] = target.average_milli
        elif ratio > 1.0:
            for name in missing:  # on a scale-up, missing pods use 0%
                metrics[name] = 0
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = 0
    new_ratio = ratio_of(metrics)
    if new_ratio is None:
        return None
    if _within_tolerance(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current  # too small a change, or the direction of the scale would flip
    proposed = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and proposed > current) or (new_ratio > 1.0 and proposed < current):
        return current
    return proposed


def target_selector(target) -> LabelSelector | None:
    """The selector the target's scale subresource reports."""
    if isinstance(target, core.ReplicationController):
        return selector_of(target)
    return target.spec.selector


def compute_replicas_for_metrics(view: ClusterState, hpa, target, current: int, now: int) -> int | None:
    """Upstream ``computeReplicasForMetrics``: the largest proposal; None (an error, no scaling)
    when every metric is invalid, or some are and the valid ones would scale down."""
    targets = metric_targets(hpa)
    selector = target_selector(target)
    if selector is None or selector.validate() or selector.is_empty():
        return None  # selector is required
    pods = [p for p in view.list("Pod", hpa.metadata.namespace) if selector.matches(p.metadata.labels)]
    replicas, invalid = 0, 0
    for metric in targets:
        proposal = None if metric is None else get_resource_replicas(view, pods, current, metric, now)
        if proposal is None:
            invalid += 1
        elif proposal > replicas:
            replicas = proposal
    if invalid >= len(targets) or (invalid > 0 and replicas < current):
        return None
    return replicas


# ---- normalization (horizontal.go) -------------------------------------------------------------

def stabilize_recommendation(recommendations: list[tuple[int, int]], raw: int, now: int):
    """Upstream ``stabilizeRecommendation`` (no behavior): the highest recommendation of the last
    ``DOWNSCALE_STABILIZATION`` seconds. Returns (stabilized, recommendations to keep)."""
    cutoff = now - DOWNSCALE_STABILIZATION
    best = raw
    for at, value in recommendations:
        if at >= cutoff and value > best:  # not rec.timestamp.Before(cutoff)
            best = value
    kept = [(at, value) for at, value in recommendations if at >= cutoff]
    return best, kept + [(now, raw)]


def stabilize_recommendation_with_behaviors(recommendations: list[tuple[int, int]], raw: int, current: int,
                                            behavior: Behavior, now: int):
    """Upstream ``stabilizeRecommendationWithBehaviors``: the current count brought within
    [min of the scale-up window, max of the scale-down window]."""
    up_cutoff = now - behavior.scale_up.stabilization_window_seconds
    down_cutoff = now - behavior.scale_down.stabilization_window_seconds
    up, down = raw, raw
    for at, value in recommendations:
        if value < 0:
            continue
        if at > up_cutoff:
            up = min(up, value)
        if at > down_cutoff:
            down = max(down, value)
    recommendation = max(current, up)
    recommendation = min(recommendation, down)
    kept = [(at, value) for at, value in recommendations if not (at < up_cutoff and at < down_cutoff)]
    return recommendation, kept + [(now, raw)]


def convert_desired_replicas_with_rules(current: int, desired: int, min_replicas: int, max_replicas: int) -> int:
    """Upstream ``convertDesiredReplicasWithRules``: clamp, scaling up at most to max(2x, 4)."""
    scale_up_limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    maximum = min(max_replicas, scale_up_limit)
    if desired < min_replicas:
        return min_replicas
    if desired > maximum:
        return maximum
    return desired


def _change_in_period(period: int, events: list[tuple[int, int]], now: int) -> int:
    """Upstream ``getReplicasChangePerPeriod``."""
    return sum(change for at, change in events if at > now - period)


def _period_start(current: int, policy: ScalingPolicy, ups, downs, now: int) -> int:
    return current - _change_in_period(policy.period_seconds, ups, now) + _change_in_period(
        policy.period_seconds, downs, now)


def calculate_scale_up_limit_with_scaling_rules(current: int, ups, downs, rules: ScalingRules, now: int) -> int:
    if rules.select_policy == "Disabled":
        return current
    proposals = []
    for policy in rules.policies:
        start = _period_start(current, policy, ups, downs, now)
        if policy.type == "Pods":
            proposals.append(start + policy.value)
        else:  # rounded up, or a small percentage could never add a pod
            proposals.append(math.ceil(start * (1 + policy.value / 100)))
    return (min if rules.select_policy == "Min" else max)(proposals)


def calculate_scale_down_limit_with_behaviors(current: int, ups, downs, rules: ScalingRules, now: int) -> int:
    if rules.select_policy == "Disabled":
        return current
    proposals = []
    for policy in rules.policies:
        start = _period_start(current, policy, ups, downs, now)
        if policy.type == "Pods":
            proposals.append(start - policy.value)
        else:
            proposals.append(int(start * (1 - policy.value / 100)))
    return (max if rules.select_policy == "Min" else min)(proposals)


def convert_desired_replicas_with_behavior_rate(current: int, desired: int, min_replicas: int, max_replicas: int,
                                                behavior: Behavior, events: tuple[tuple[int, int], ...],
                                                now: int) -> int:
    """Upstream ``convertDesiredReplicasWithBehaviorRate``: the policies' rate limits, then the bounds."""
    ups = [(at, change) for at, change in events if change > 0]
    downs = [(at, -change) for at, change in events if change < 0]
    if desired > current:
        limit = max(calculate_scale_up_limit_with_scaling_rules(current, ups, downs, behavior.scale_up, now), current)
        maximum = min(max_replicas, limit)
        return min(desired, maximum)
    if desired < current:
        limit = min(calculate_scale_down_limit_with_behaviors(current, ups, downs, behavior.scale_down, now), current)
        minimum = max(min_replicas, limit)
        return max(desired, minimum)
    return desired


def store_scale_event(behavior: Behavior, events: tuple[tuple[int, int], ...], previous: int, new: int,
                      now: int) -> tuple[tuple[int, int], ...]:
    """Upstream ``storeScaleEvent``: record the change, forgetting events older than the longest
    policy period of their direction."""
    longest_up = max((p.period_seconds for p in behavior.scale_up.policies), default=0)
    longest_down = max((p.period_seconds for p in behavior.scale_down.policies), default=0)
    kept = [(at, change) for at, change in events
            if at >= now - (longest_up if change > 0 else longest_down)]
    if new != previous:
        kept.append((now, new - previous))
    return tuple(kept)


# ---- the sync ------------------------------------------------------------------------------------

def scale_target(view: ClusterState, hpa):
    ref = hpa.spec.scale_target_ref
    if ref.kind not in SCALE_TARGETS:
        return None
    return view.get(ref.kind, hpa.metadata.namespace, ref.name)


def _materialised(recommendations: tuple[tuple[int, int], ...], now: int) -> list[tuple[int, int]]:
    """The stored recommendations plus the one the syncs since the last write repeated: the last
    recommendation stood for every sync up to the previous one (see the module docstring)."""
    recs = list(recommendations)
    if recs:
        at, value = recs[-1]
        previous_sync = now - SYNC_PERIOD
        if value >= 0 and at < previous_sync:
            recs.append((previous_sync, value))
    return recs


def reconcile_autoscaler(view: ClusterState, hpa, now: int) -> tuple[Action, ...]:
    """One sync of ``hpa`` at time ``now`` (upstream ``reconcileAutoscaler``): the status write
    and the target's scale, in that order, or nothing when neither would change.

    DEVIATION(upstream): the status (with ``lastScaleTime``) is written before the scale, so
    that the second write of a sync can be recognised on the next turn; upstream scales first."""
    target = scale_target(view, hpa)
    if target is None or hpa.spec.max_replicas < 1:
        return ()  # FailedGetScale: upstream only sets conditions, which the model does not keep
    status = hpa.status
    current = target.spec.replicas
    min_replicas = hpa.spec.min_replicas
    max_replicas = hpa.spec.max_replicas
    behavior = behavior_of(hpa)
    events = status.scale_events if isinstance(status, HPAStatusWithEvents) else ()
    stored = status.recommendations or ((now, current),)  # recordInitialRecommendation
    recs = _materialised(stored, now)
    raw = NO_RECOMMENDATION
    rescale, failed = True, False
    if current == 0 and min_replicas != 0:
        desired, rescale = 0, False  # ScalingDisabled: the target was scaled to zero
    elif current > max_replicas:
        desired = max_replicas
    elif current < min_replicas:
        desired = min_replicas
    else:
        proposal = compute_replicas_for_metrics(view, hpa, target, current, now)
        if proposal is None:  # FailedComputeMetricsReplicas: status keeps its desired count
            rescale, failed = False, True
        else:
            raw = proposal
            if behavior is None:
                stabilized, recs = stabilize_recommendation(recs, raw, now)
                desired = convert_desired_replicas_with_rules(current, stabilized, min_replicas, max_replicas)
            else:
                stabilized, recs = stabilize_recommendation_with_behaviors(recs, raw, current, behavior, now)
                desired = convert_desired_replicas_with_behavior_rate(current, stabilized, min_replicas,
                                                                      max_replicas, behavior, events, now)
            rescale = desired != current
    if raw == NO_RECOMMENDATION and recs[-1][1] != NO_RECOMMENDATION:
        recs.append((now, NO_RECOMMENDATION))
    if failed:
        desired = status.desired_replicas
    elif not rescale:
        desired = current
    new_status = {
        "current_replicas": current,
        "desired_replicas": desired,
        "last_scale_time": now if rescale else status.last_scale_time,
        "recommendations": tuple(recs),
    }
    if behavior is not None:
        new_status["scale_events"] = store_scale_event(behavior, events, current, desired, now) if rescale else events
    changed = (current != status.current_replicas or desired != status.desired_replicas or rescale
               or not status.recommendations or stored[-1][1] != recs[-1][1])
    if not changed:
        return ()
    if behavior is not None:
        fields = attrs.asdict(status, recurse=False)
        fields.pop("scale_events", None)
        fields.update(new_status)
        written = HPAStatusWithEvents(**fields)
    else:
        base = {f.name: getattr(status, f.name) for f in attrs.fields(HorizontalPodAutoscalerStatus)}
        base.update(new_status)
        written = HorizontalPodAutoscalerStatus(**base)
    actions: list[Action] = [UpdateStatus(attrs.evolve(hpa, status=written))]
    if rescale:
        actions.append(Update(attrs.evolve(target, spec=attrs.evolve(target.spec, replicas=desired))))
    return tuple(actions)


def _pending_scale(view: ClusterState, hpa):
    """The second write of a sync made at this very time: the target's scale."""
    if hpa.status.last_scale_time != view.clock:
        return None
    target = scale_target(view, hpa)
    if target is None or target.spec.replicas == hpa.status.desired_replicas:
        return None
    return Update(attrs.evolve(target, spec=attrs.evolve(target.spec, replicas=hpa.status.desired_replicas)))


def sync(view: ClusterState, hpa) -> tuple[Action, ...]:
    """The writes ``hpa`` makes now: finishing a sync made at this time, or a sync when the
    clock is on the sync period."""
    if hpa.metadata.deletion_timestamp is not None:
        return ()
    pending = _pending_scale(view, hpa)
    if pending is not None:
        return (pending,)
    if hpa.status.last_scale_time == view.clock or view.clock % SYNC_PERIOD:
        return ()  # one sync per period
    return reconcile_autoscaler(view, hpa, view.clock)


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for hpa in view.list("HorizontalPodAutoscaler"):
        actions += sync(view, hpa)
    return tuple(actions)


def _next_sync(t: int) -> int:
    """The first sync time at or after ``t``."""
    return -(-t // SYNC_PERIOD) * SYNC_PERIOD


def _boundaries(view: ClusterState, hpa) -> set[int]:
    """Times after which a sync may decide differently with the same objects: a recommendation
    or scale event leaving its window, a pod leaving its CPU initialisation period or
    completing a metric window after a readiness change."""
    times: set[int] = set()
    windows = {DOWNSCALE_STABILIZATION}
    behavior = behavior_of(hpa)
    if behavior is not None:
        windows |= {behavior.scale_up.stabilization_window_seconds, behavior.scale_down.stabilization_window_seconds}
        periods = {p.period_seconds for p in behavior.scale_up.policies + behavior.scale_down.policies}
        for at, _ in getattr(hpa.status, "scale_events", ()):
            times |= {at + p for p in periods}
    for at, _ in hpa.status.recommendations:
        times |= {at + w for w in windows}
    for pod in view.list("Pod", hpa.metadata.namespace):
        start = pod.status.start_time
        if start is not None:
            times |= {start + CPU_INITIALIZATION_PERIOD, start + INITIAL_READINESS_DELAY}
        ready = condition(pod.status.conditions, "Ready")
        if ready is not None and ready.last_transition_time is not None:
            times.add(ready.last_transition_time + METRIC_WINDOW)
    return times


def wakeup(view: ClusterState) -> int | None:
    """The next sync time at which some HPA would write: the next period when a sync now would,
    else the first period after a window closes that changes the outcome; None when syncs
    would change nothing (the run can be quiescent)."""
    now = view.clock
    best = None
    for hpa in view.list("HorizontalPodAutoscaler"):
        if hpa.metadata.deletion_timestamp is not None:
            continue
        candidates = {_next_sync(now + 1)}
        for t in _boundaries(view, hpa):
            if t >= now:
                candidates |= {_next_sync(t), _next_sync(t) + SYNC_PERIOD}
        for t in sorted(c for c in candidates if c > now):
            if best is not None and t >= best:
                break
            if reconcile_autoscaler(view.with_clock(t), hpa, t):
                best = t
                break
    return best
