"""The kubelet of every Ready node: starts bound pods, reports readiness, restarts crashed
containers, finishes terminating pods (upstream ``pkg/kubelet``, status in
``pkg/kubelet/status``).

Modelled at the level controllers observe: a bound pod starts (phase Running, a pod IP
from the node's podCIDR, containers running); it turns Ready at once, or after its
readiness probe's ``initialDelaySeconds``; a crashed container restarts per
``restartPolicy`` (Always/OnFailure) with upstream's back-off (10 s doubling, at most
300 s) or, under Never, the pod fails; a pod of a Job completes after
``kspec.dev/run-seconds`` (annotation, default 10) of running. A terminating pod is
removed once stopped (its grace period is not waited out: DEVIATION(upstream), the
controllers only see the pod disappear, which is what they react to). A node that is not
Ready runs no kubelet. A pod starts only once its ConfigMaps and Secrets exist (else it
waits: ContainerCreating with upstream's FailedMount message for volumes,
CreateContainerConfigError for env references) and its PersistentVolume-backed volumes
are attached to the node and mounted (``kspec.controllers.volumemanager``), reporting the
attach/detach controller's Multi-Attach error while an exclusive volume is attached
elsewhere.
"""

from __future__ import annotations

import ipaddress

import attrs

from kspec.api import core
from kspec.api.status import Condition, ContainerStatus, set_condition
from kspec.controllers import volumes
from kspec.controllers.common import is_pod_ready, is_terminating
from kspec.controllers.scheduler import node_is_ready
from kspec.model.state import ClusterState
from kspec.model.store import Action, Delete, UpdateStatus

NAME = "kubelet"
RUN_SECONDS = "kspec.dev/run-seconds"
DEFAULT_RUN_SECONDS = 10
BACKOFF_START, BACKOFF_MAX = 10, 300


def _ready_delay(pod: core.Pod) -> int:
    probes = [c.readiness_probe for c in pod.spec.containers if c.readiness_probe is not None]
    return max((p.initial_delay_seconds for p in probes), default=0)


def _run_seconds(pod: core.Pod) -> int | None:
    """How long a run-to-completion pod runs (pods of Jobs, or with the annotation)."""
    annotation = pod.metadata.annotations.get(RUN_SECONDS)
    if annotation is not None:
        try:
            return int(annotation)
        except ValueError:
            return DEFAULT_RUN_SECONDS
    ref = pod.metadata.controller_ref()
    return DEFAULT_RUN_SECONDS if ref is not None and ref.kind == "Job" else None


def _backoff(restarts: int) -> int:
    return min(BACKOFF_START * 2 ** max(restarts - 1, 0), BACKOFF_MAX)


def _pod_ip(view: ClusterState, node: core.Node) -> str:
    network = ipaddress.ip_network(node.spec.pod_cidr or "10.244.0.0/24", strict=False)
    used = {p.status.pod_ip for p in view.list("Pod") if p.spec.node_name == node.metadata.name}
    for host in list(network.hosts())[1:]:
        if str(host) not in used:
            return str(host)
    return ""


def _waiting(pod: core.Pod, reason: str, message: str) -> Action | None:
    """Report why the pod cannot start yet (once; nothing to write when already reported)."""
    containers = tuple(ContainerStatus(name=c.name, state="waiting", reason=reason, message=message)
                       for c in pod.spec.containers)
    if pod.status.container_statuses == containers:
        return None
    return _status(pod, container_statuses=containers)


def _status(pod: core.Pod, **changes):
    return UpdateStatus(attrs.evolve(pod, status=attrs.evolve(pod.status, **changes)))


def _ready(pod: core.Pod, ready: bool, now: int, reason: str = "") -> tuple:
    condition = Condition(type="Ready", status="True" if ready else "False", reason=reason, last_transition_time=now)
    return set_condition(pod.status.conditions, condition)


def sync_pod(view: ClusterState, pod: core.Pod, node: core.Node) -> Action | None:
    """The next write the kubelet makes for one of its pods, or None."""
    now = view.clock
    if is_terminating(pod):
        return Delete("Pod", pod.metadata.namespace, pod.metadata.name, grace_seconds=0)
    phase = pod.status.phase
    if phase in ("Succeeded", "Failed"):
        return None
    if phase == "Pending":
        blocked = volumes.missing_config(view, pod) or volumes.unready_volumes(view, pod, node)
        if blocked is not None:
            return _waiting(pod, *blocked)
        containers = tuple(ContainerStatus(name=c.name, started=True, state="running") for c in pod.spec.containers)
        ready = _ready_delay(pod) == 0
        return _status(pod, phase="Running", pod_ip=_pod_ip(view, node), host_ip=node.metadata.name,
                       start_time=now, container_statuses=containers, ready_since=now if ready else None,
                       conditions=_ready(pod, ready, now, "" if ready else "ContainersNotReady"))
    crashed = [c for c in pod.status.container_statuses if c.state == "terminated" and c.exit_code]
    if crashed:
        if pod.spec.restart_policy == "Never":
            return _status(pod, phase="Failed", reason="Error", conditions=_ready(pod, False, now, "PodFailed"))
        restarts = max(c.restart_count for c in crashed) + 1
        crashed_at = next((c.last_transition_time for c in pod.status.conditions if c.type == "Ready"), now) or 0
        if now < crashed_at + _backoff(restarts):
            return None
        containers = tuple(attrs.evolve(c, state="running", exit_code=None, reason="", restart_count=restarts)
                           if c in crashed else c for c in pod.status.container_statuses)
        ready = _ready_delay(pod) == 0
        return _status(pod, container_statuses=containers, ready_since=now if ready else None,
                       conditions=_ready(pod, ready, now, "" if ready else "ContainersNotReady"))
    start = pod.status.start_time or 0
    run_seconds = _run_seconds(pod)
    if run_seconds is not None and now >= start + run_seconds:
        done = tuple(attrs.evolve(c, state="terminated", ready=False, reason="Completed", exit_code=0)
                     for c in pod.status.container_statuses)
        return _status(pod, phase="Succeeded", container_statuses=done, ready_since=None,
                       conditions=_ready(pod, False, now, "PodCompleted"))
    if not is_pod_ready(pod) and now >= start + _ready_delay(pod):
        return _status(pod, ready_since=now, conditions=_ready(pod, True, now))
    return None


def _my_pods(view: ClusterState):
    nodes = {n.metadata.name: n for n in view.list("Node") if node_is_ready(n)}
    for pod in view.list("Pod"):
        node = nodes.get(pod.spec.node_name)
        if node is not None:
            yield pod, node


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions = []
    for pod, node in _my_pods(view):
        action = sync_pod(view, pod, node)
        if action is not None:
            actions.append(action)
    return tuple(actions)


def wakeup(view: ClusterState) -> int | None:
    """The next time a running pod turns ready, completes, or may restart."""
    times = []
    for pod, _ in _my_pods(view):
        if pod.status.phase != "Running":
            continue
        start = pod.status.start_time or 0
        if not is_pod_ready(pod):
            crashed = [c for c in pod.status.container_statuses if c.state == "terminated" and c.exit_code]
            if crashed:
                since = next((c.last_transition_time for c in pod.status.conditions if c.type == "Ready"), 0) or 0
                times.append(since + _backoff(max(c.restart_count for c in crashed) + 1))
            else:
                times.append(start + _ready_delay(pod))
        run_seconds = _run_seconds(pod)
        if run_seconds is not None:
            times.append(start + run_seconds)
    future = [t for t in times if t > view.clock]
    return min(future) if future else None
