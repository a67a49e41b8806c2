"""Status of the kinds the model runs (written by controllers, read from `kubectl get -o yaml`).

Times are the model's logical clock in seconds (an int); a timestamp string read from
YAML decodes to None, as the model cannot place it on its clock.
"""

from __future__ import annotations

import attrs

from kspec.api.decode import k8s, node_field
from kspec.reading.nodes import Mapping


@attrs.frozen(kw_only=True)
class Condition:
    """A status condition (``Ready``, ``Available``, ``Progressing``, ``Complete``, ...)."""

    type: str = k8s("type", "")
    status: str = k8s("status", "Unknown")
    reason: str = k8s("reason", "")
    message: str = k8s("message", "")
    last_transition_time: int | None = k8s("lastTransitionTime", timestamp=True)
    node: Mapping | None = node_field()


def condition(conditions: tuple[Condition, ...], type: str) -> Condition | None:
    return next((c for c in conditions if c.type == type), None)


def is_true(conditions: tuple[Condition, ...], type: str) -> bool:
    found = condition(conditions, type)
    return found is not None and found.status == "True"


def set_condition(conditions: tuple[Condition, ...], new: Condition) -> tuple[Condition, ...]:
    """Replace the condition of ``new.type`` (keeping its transition time when the status
    did not change), as upstream ``SetCondition`` helpers do."""
    old = condition(conditions, new.type)
    if old is not None and old.status == new.status:
        new = attrs.evolve(new, last_transition_time=old.last_transition_time)
    rest = tuple(c for c in conditions if c.type != new.type)
    return tuple(sorted(rest + (new,), key=lambda c: c.type))


@attrs.frozen(kw_only=True)
class ContainerStatus:
    name: str = k8s("name", "")
    ready: bool = k8s("ready", False)
    started: bool = k8s("started", False)
    restart_count: int = k8s("restartCount", 0)
    # "waiting", "running" or "terminated" (the key present under state:)
    state: str = "waiting"
    reason: str = ""
    message: str = ""
    exit_code: int | None = None
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PodStatus:
    phase: str = k8s("phase", "Pending")
    conditions: tuple[Condition, ...] = k8s("conditions", ())
    pod_ip: str = k8s("podIP", "")
    host_ip: str = k8s("hostIP", "")
    start_time: int | None = k8s("startTime", timestamp=True)
    container_statuses: tuple[ContainerStatus, ...] = k8s("containerStatuses", ())
    init_container_statuses: tuple[ContainerStatus, ...] = k8s("initContainerStatuses", ())
    reason: str = k8s("reason", "")
    message: str = k8s("message", "")
    # When the pod last became Ready (for minReadySeconds / availability).
    ready_since: int | None = None
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ReplicaSetStatus:
    replicas: int = k8s("replicas", 0)
    ready_replicas: int = k8s("readyReplicas", 0)
    available_replicas: int = k8s("availableReplicas", 0)
    fully_labeled_replicas: int = k8s("fullyLabeledReplicas", 0)
    observed_generation: int = k8s("observedGeneration", 0, int64=True)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class DeploymentStatus:
    observed_generation: int = k8s("observedGeneration", 0, int64=True)
    replicas: int = k8s("replicas", 0)
    updated_replicas: int = k8s("updatedReplicas", 0)
    ready_replicas: int = k8s("readyReplicas", 0)
    available_replicas: int = k8s("availableReplicas", 0)
    unavailable_replicas: int = k8s("unavailableReplicas", 0)
    conditions: tuple[Condition, ...] = k8s("conditions", ())
    collision_count: int = k8s("collisionCount", 0)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class StatefulSetStatus:
    observed_generation: int = k8s("observedGeneration", 0, int64=True)
    replicas: int = k8s("replicas", 0)
    ready_replicas: int = k8s("readyReplicas", 0)
    current_replicas: int = k8s("currentReplicas", 0)
    updated_replicas: int = k8s("updatedReplicas", 0)
    available_replicas: int = k8s("availableReplicas", 0)
    current_revision: str = k8s("currentRevision", "")
    update_revision: str = k8s("updateRevision", "")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class DaemonSetStatus:
    observed_generation: int = k8s("observedGeneration", 0, int64=True)
    desired_number_scheduled: int = k8s("desiredNumberScheduled", 0)
    current_number_scheduled: int = k8s("currentNumberScheduled", 0)
    number_ready: int = k8s("numberReady", 0)
    number_available: int = k8s("numberAvailable", 0)
    updated_number_scheduled: int = k8s("updatedNumberScheduled", 0)
    number_misscheduled: int = k8s("numberMisscheduled", 0)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class JobStatus:
    active: int = k8s("active", 0)
    succeeded: int = k8s("succeeded", 0)
    failed: int = k8s("failed", 0)
    start_time: int | None = k8s("startTime", timestamp=True)
    completion_time: int | None = k8s("completionTime", timestamp=True)
    conditions: tuple[Condition, ...] = k8s("conditions", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class CronJobStatus:
    active: tuple[str, ...] = ()  # names of running Jobs
    last_schedule_time: int | None = k8s("lastScheduleTime", timestamp=True)
    last_successful_time: int | None = k8s("lastSuccessfulTime", timestamp=True)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class HorizontalPodAutoscalerStatus:
    current_replicas: int = k8s("currentReplicas", 0)
    desired_replicas: int = k8s("desiredReplicas", 0)
    last_scale_time: int | None = k8s("lastScaleTime", timestamp=True)
    # (time, recommendation) pairs for scale-down stabilization (upstream keeps them in memory)
    recommendations: tuple[tuple[int, int], ...] = ()
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class VolumeStatus:
    """PersistentVolume and PersistentVolumeClaim phase."""

    phase: str = k8s("phase", "Pending")
    node: Mapping | None = node_field()
