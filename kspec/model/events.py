"""Environment events: what happens to a cluster from outside its controllers.

Each event is plain data with a time ``at`` (logical seconds) and is applied by one pure
function; writes go through the store like any other, so the API server's rules hold for
the environment too. The checking engines use the same events as their rules.
"""

from __future__ import annotations

from typing import Union

import attrs

from kspec.api.status import Condition, set_condition
from kspec.model.state import ClusterState
from kspec.model.store import Create, Delete, Outcome, SetMetric, Update, UpdateStatus, apply


@attrs.frozen
class NodeFailure:
    """The node stops reporting: its Ready condition turns Unknown (node lifecycle evicts later)."""

    node: str
    at: int = 0

    def describe(self) -> str:
        return "node failure"

    def target(self) -> str:
        return f"Node/{self.node}"


@attrs.frozen
class NodeRecovery:
    node: str
    at: int = 0

    def describe(self) -> str:
        return "node recovery"

    def target(self) -> str:
        return f"Node/{self.node}"


@attrs.frozen
class PodCrash:
    """Every container of the pod exits with an error (the kubelet restarts per restartPolicy)."""

    namespace: str
    name: str
    at: int = 0

    def describe(self) -> str:
        return "pod crash"

    def target(self) -> str:
        return f"Pod/{self.namespace}/{self.name}"


@attrs.frozen
class Scale:
    kind: str
    namespace: str
    name: str
    replicas: int
    at: int = 0

    def describe(self) -> str:
        return f"scale to {self.replicas}"

    def target(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"


@attrs.frozen
class ImageUpdate:
    """Set a container image in a workload's pod template (starts a rollout)."""

    kind: str
    namespace: str
    name: str
    container: str
    image: str
    at: int = 0

    def describe(self) -> str:
        return f"set image {self.container}={self.image}"

    def target(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"


@attrs.frozen
class ApplyObject:
    obj: object
    at: int = 0

    def describe(self) -> str:
        return "apply"

    def target(self) -> str:
        meta = self.obj.metadata
        return f"{self.obj.kind}/{meta.namespace}/{meta.name}" if meta.namespace else f"{self.obj.kind}/{meta.name}"


@attrs.frozen
class DeleteObject:
    kind: str
    namespace: str
    name: str
    propagation: str = "Background"
    at: int = 0

    def describe(self) -> str:
        return f"delete ({self.propagation.lower()})"

    def target(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


@attrs.frozen
class MetricChange:
    namespace: str
    name: str
    millicores: int
    at: int = 0

    def describe(self) -> str:
        return f"cpu usage {self.millicores}m"

    def target(self) -> str:
        return f"Pod/{self.namespace}/{self.name}"


Event = Union[NodeFailure, NodeRecovery, PodCrash, Scale, ImageUpdate, ApplyObject, DeleteObject, MetricChange]


def apply_event(state: ClusterState, event: Event) -> Outcome:
    """Apply one environment event. Does not modify ``state``."""
    return _HANDLERS[type(event)](state, event)


def _node_ready(state: ClusterState, name: str, status: str, reason: str) -> Outcome:
    node = state.get("Node", "", name)
    if node is None:
        return Outcome(state, False, f"node {name!r} not found")
    ready = Condition(type="Ready", status=status, reason=reason, last_transition_time=state.clock)
    status_obj = attrs.evolve(node.status, conditions=set_condition(node.status.conditions, ready))
    return apply(state, UpdateStatus(attrs.evolve(node, status=status_obj)))


def _node_failure(state: ClusterState, event: NodeFailure) -> Outcome:
    return _node_ready(state, event.node, "Unknown", "NodeStatusUnknown")


def _node_recovery(state: ClusterState, event: NodeRecovery) -> Outcome:
    return _node_ready(state, event.node, "True", "KubeletReady")


def _pod_crash(state: ClusterState, event: PodCrash) -> Outcome:
    pod = state.get("Pod", event.namespace, event.name)
    if pod is None or pod.status.phase != "Running":
        return Outcome(state, False, f"pod {event.name!r} is not running")
    crashed = tuple(attrs.evolve(c, ready=False, state="terminated", reason="Error", exit_code=1)
                    for c in pod.status.container_statuses)
    ready = Condition(type="Ready", status="False", reason="ContainersNotReady", last_transition_time=state.clock)
    status = attrs.evolve(pod.status, container_statuses=crashed, ready_since=None,
                          conditions=set_condition(pod.status.conditions, ready))
    return apply(state, UpdateStatus(attrs.evolve(pod, status=status)))


def _scale(state: ClusterState, event: Scale) -> Outcome:
    obj = state.get(event.kind, event.namespace, event.name)
    if obj is None:
        return Outcome(state, False, f"{event.kind} {event.name!r} not found")
    return apply(state, Update(attrs.evolve(obj, spec=attrs.evolve(obj.spec, replicas=event.replicas))))


def _image_update(state: ClusterState, event: ImageUpdate) -> Outcome:
    obj = state.get(event.kind, event.namespace, event.name)
    if obj is None:
        return Outcome(state, False, f"{event.kind} {event.name!r} not found")
    template = obj.spec.template
    containers = tuple(attrs.evolve(c, image=event.image) if c.name == event.container else c
                       for c in template.spec.containers)
    template = attrs.evolve(template, spec=attrs.evolve(template.spec, containers=containers))
    return apply(state, Update(attrs.evolve(obj, spec=attrs.evolve(obj.spec, template=template))))


def _apply_object(state: ClusterState, event: ApplyObject) -> Outcome:
    meta = event.obj.metadata
    stored = state.get(event.obj.kind, meta.namespace, meta.name)
    if stored is None:
        return apply(state, Create(event.obj))
    obj = attrs.evolve(event.obj, metadata=attrs.evolve(meta, resource_version=stored.metadata.resource_version))
    return apply(state, Update(obj))


def _delete_object(state: ClusterState, event: DeleteObject) -> Outcome:
    return apply(state, Delete(event.kind, event.namespace, event.name, propagation=event.propagation))


def _metric(state: ClusterState, event: MetricChange) -> Outcome:
    return apply(state, SetMetric(event.namespace, event.name, event.millicores))


_HANDLERS = {NodeFailure: _node_failure, NodeRecovery: _node_recovery, PodCrash: _pod_crash, Scale: _scale,
             ImageUpdate: _image_update, ApplyObject: _apply_object, DeleteObject: _delete_object,
             MetricChange: _metric}
