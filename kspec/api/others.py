"""The remaining modelled kinds: HorizontalPodAutoscaler (autoscaling/v2 and v1),
PodDisruptionBudget (policy/v1), StorageClass (storage.k8s.io/v1), EndpointSlice
(discovery.k8s.io/v1), and kspec's own NodePool and Scenario (kspec.dev/v1alpha1)."""

from __future__ import annotations

import attrs

from kspec.api.core import NodeSpec, NodeStatus
from kspec.api.decode import k8s, node_field
from kspec.api.intstr import IntOrPercent
from kspec.api.meta import EMPTY_META, ObjectMeta
from kspec.api.selectors import LabelSelector
from kspec.api.status import HorizontalPodAutoscalerStatus
from kspec.api.types import EMPTY_MAP, FrozenMap, Raw
from kspec.reading.nodes import Mapping


# ---- HorizontalPodAutoscaler ------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ScaleTargetRef:
    api_version: str = k8s("apiVersion", "")
    kind: str = k8s("kind", "")
    name: str = k8s("name", "")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class MetricTarget:
    type: str = k8s("type", "")
    average_utilization: int | None = k8s("averageUtilization")
    average_value: Raw | None = k8s("averageValue")
    value: Raw | None = k8s("value")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ResourceMetricSource:
    name: str = k8s("name", "")
    target: MetricTarget = k8s("target", MetricTarget())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class MetricSpec:
    type: str = k8s("type", "")
    resource: ResourceMetricSource | None = k8s("resource")
    pods: Raw | None = k8s("pods")
    object: Raw | None = k8s("object")
    external: Raw | None = k8s("external")
    container_resource: Raw | None = k8s("containerResource")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class HorizontalPodAutoscalerSpec:
    scale_target_ref: ScaleTargetRef = k8s("scaleTargetRef", ScaleTargetRef())
    min_replicas: int = k8s("minReplicas", 1)
    max_replicas: int = k8s("maxReplicas", 0)
    metrics: tuple[MetricSpec, ...] = k8s("metrics", ())
    behavior: Raw | None = k8s("behavior")
    # autoscaling/v1 only
    target_cpu_utilization_percentage: int | None = k8s("targetCPUUtilizationPercentage")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class HorizontalPodAutoscaler:
    api_version: str = k8s("apiVersion", "autoscaling/v2")
    kind: str = k8s("kind", "HorizontalPodAutoscaler")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: HorizontalPodAutoscalerSpec = k8s("spec", HorizontalPodAutoscalerSpec())
    status: HorizontalPodAutoscalerStatus = k8s("status", HorizontalPodAutoscalerStatus())
    node: Mapping | None = node_field()


# ---- PodDisruptionBudget ----------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class PodDisruptionBudgetSpec:
    min_available: IntOrPercent | None = k8s("minAvailable")
    max_unavailable: IntOrPercent | None = k8s("maxUnavailable")
    selector: LabelSelector | None = k8s("selector")
    unhealthy_pod_eviction_policy: str = k8s("unhealthyPodEvictionPolicy", "IfHealthyBudget")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PodDisruptionBudget:
    api_version: str = k8s("apiVersion", "policy/v1")
    kind: str = k8s("kind", "PodDisruptionBudget")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: PodDisruptionBudgetSpec = k8s("spec", PodDisruptionBudgetSpec())
    node: Mapping | None = node_field()


# ---- storage and discovery --------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class StorageClass:
    api_version: str = k8s("apiVersion", "storage.k8s.io/v1")
    kind: str = k8s("kind", "StorageClass")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    provisioner: str = k8s("provisioner", "")
    parameters: FrozenMap = k8s("parameters", EMPTY_MAP)
    reclaim_policy: str = k8s("reclaimPolicy", "Delete")
    volume_binding_mode: str = k8s("volumeBindingMode", "Immediate")
    allow_volume_expansion: bool = k8s("allowVolumeExpansion", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class EndpointConditions:
    ready: bool | None = k8s("ready")
    serving: bool | None = k8s("serving")
    terminating: bool | None = k8s("terminating")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Endpoint:
    addresses: tuple[str, ...] = k8s("addresses", ())
    conditions: EndpointConditions = k8s("conditions", EndpointConditions())
    node_name: str = k8s("nodeName", "")
    target_ref: Raw | None = k8s("targetRef")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class EndpointSlice:
    api_version: str = k8s("apiVersion", "discovery.k8s.io/v1")
    kind: str = k8s("kind", "EndpointSlice")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    address_type: str = k8s("addressType", "")
    endpoints: tuple[Endpoint, ...] = k8s("endpoints", ())
    ports: Raw | None = k8s("ports")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class VolumeAttachmentSource:
    persistent_volume_name: str = k8s("persistentVolumeName", "")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class VolumeAttachmentSpec:
    attacher: str = k8s("attacher", "")
    node_name: str = k8s("nodeName", "")
    source: VolumeAttachmentSource = k8s("source", VolumeAttachmentSource())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class VolumeAttachmentStatus:
    attached: bool = k8s("attached", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class VolumeAttachment:
    """A volume attached (or being attached) to a node: the attach/detach controller's
    actual state of the world, written through the API as upstream's CSI path does."""

    api_version: str = k8s("apiVersion", "storage.k8s.io/v1")
    kind: str = k8s("kind", "VolumeAttachment")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: VolumeAttachmentSpec = k8s("spec", VolumeAttachmentSpec())
    status: VolumeAttachmentStatus = k8s("status", VolumeAttachmentStatus())
    node: Mapping | None = node_field()


# ---- kspec's own kinds ------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class NodeTemplate:
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: NodeSpec = k8s("spec", NodeSpec())
    status: NodeStatus = k8s("status", NodeStatus())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class NodePoolSpec:
    count: int = k8s("count", 0)
    zones: tuple[str, ...] = k8s("zones", ())
    template: NodeTemplate = k8s("template", NodeTemplate())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class NodePool:
    """``count`` identical nodes named ``<pool>-0..N-1``, zones spread round-robin."""

    api_version: str = k8s("apiVersion", "kspec.dev/v1alpha1")
    kind: str = k8s("kind", "NodePool")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: NodePoolSpec = k8s("spec", NodePoolSpec())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ScenarioBounds:
    depth: int | None = k8s("depth")
    max_examples: int | None = k8s("maxExamples")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ScenarioSpec:
    events: tuple[Raw, ...] = k8s("events", ())
    faults: tuple[Raw, ...] = k8s("faults", ())
    properties: tuple[str, ...] = k8s("properties", ())
    start: str = k8s("start", "")
    bounds: ScenarioBounds = k8s("bounds", ScenarioBounds())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Scenario:
    """What ``kspec check`` explores: scripted events, allowed faults, properties, bounds."""

    api_version: str = k8s("apiVersion", "kspec.dev/v1alpha1")
    kind: str = k8s("kind", "Scenario")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: ScenarioSpec = k8s("spec", ScenarioSpec())
    node: Mapping | None = node_field()
