"""Core (``v1``) kinds: Pod and its parts, Service, Node, Namespace, ConfigMap, Secret,
PersistentVolume(Claim), Endpoints, ReplicationController. JSON names as upstream
``k8s.io/api/core/v1/types.go``; defaults as upstream ``pkg/apis/core/v1/defaults.go``."""

from __future__ import annotations

import attrs

from kspec.api.decode import k8s, node_field
from kspec.api.meta import EMPTY_META, ObjectMeta
from kspec.api.resources import EMPTY_RESOURCES, ResourceList
from kspec.api.selectors import LabelSelector
from kspec.api.status import Condition, PodStatus, ReplicaSetStatus, VolumeStatus
from kspec.api.types import EMPTY_MAP, FrozenMap, IntOrName, Raw
from kspec.reading.nodes import Mapping

PROTOCOLS = ("TCP", "UDP", "SCTP")


# ---- containers -----------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ContainerPort:
    name: str = k8s("name", "")
    container_port: int = k8s("containerPort", 0)
    host_port: int = k8s("hostPort", 0)
    host_ip: str = k8s("hostIP", "")
    protocol: str = k8s("protocol", "TCP", enum=PROTOCOLS)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class KeyRef:
    """``configMapKeyRef`` / ``secretKeyRef`` of an env var."""

    name: str = k8s("name", "")
    key: str = k8s("key", "")
    optional: bool = k8s("optional", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class EnvVarSource:
    config_map_key_ref: KeyRef | None = k8s("configMapKeyRef")
    secret_key_ref: KeyRef | None = k8s("secretKeyRef")
    field_ref: Raw | None = k8s("fieldRef")
    resource_field_ref: Raw | None = k8s("resourceFieldRef")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class EnvVar:
    name: str = k8s("name", "")
    value: str | None = k8s("value")
    value_from: EnvVarSource | None = k8s("valueFrom")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class NameRef:
    """A reference by name (``configMapRef``, ``secretRef``, ``imagePullSecrets[]``)."""

    name: str = k8s("name", "")
    optional: bool = k8s("optional", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class EnvFromSource:
    prefix: str = k8s("prefix", "")
    config_map_ref: NameRef | None = k8s("configMapRef")
    secret_ref: NameRef | None = k8s("secretRef")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ResourceRequirements:
    requests: ResourceList = k8s("requests", EMPTY_RESOURCES)
    limits: ResourceList = k8s("limits", EMPTY_RESOURCES)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class VolumeMount:
    name: str = k8s("name", "")
    mount_path: str = k8s("mountPath", "")
    read_only: bool = k8s("readOnly", False)
    sub_path: str = k8s("subPath", "")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Probe:
    http_get: Raw | None = k8s("httpGet")
    tcp_socket: Raw | None = k8s("tcpSocket")
    exec: Raw | None = k8s("exec")
    grpc: Raw | None = k8s("grpc")
    initial_delay_seconds: int = k8s("initialDelaySeconds", 0)
    period_seconds: int = k8s("periodSeconds", 10)
    timeout_seconds: int = k8s("timeoutSeconds", 1)
    success_threshold: int = k8s("successThreshold", 1)
    failure_threshold: int = k8s("failureThreshold", 3)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Container:
    name: str = k8s("name", "")
    image: str = k8s("image", "")
    command: tuple[str, ...] = k8s("command", ())
    args: tuple[str, ...] = k8s("args", ())
    working_dir: str = k8s("workingDir", "")
    ports: tuple[ContainerPort, ...] = k8s("ports", ())
    env: tuple[EnvVar, ...] = k8s("env", ())
    env_from: tuple[EnvFromSource, ...] = k8s("envFrom", ())
    resources: ResourceRequirements = k8s("resources", ResourceRequirements())
    volume_mounts: tuple[VolumeMount, ...] = k8s("volumeMounts", ())
    liveness_probe: Probe | None = k8s("livenessProbe")
    readiness_probe: Probe | None = k8s("readinessProbe")
    startup_probe: Probe | None = k8s("startupProbe")
    lifecycle: Raw | None = k8s("lifecycle")
    image_pull_policy: str = k8s("imagePullPolicy", "", enum=("Always", "IfNotPresent", "Never"))
    # Only for init containers: "Always" makes a sidecar (KEP-753).
    restart_policy: str = k8s("restartPolicy", "", enum=("Always", "OnFailure", "Never"))
    security_context: Raw | None = k8s("securityContext")
    node: Mapping | None = node_field()


# ---- volumes ----------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ConfigMapVolumeSource:
    name: str = k8s("name", "")
    optional: bool = k8s("optional", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class SecretVolumeSource:
    secret_name: str = k8s("secretName", "")
    optional: bool = k8s("optional", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PVCVolumeSource:
    claim_name: str = k8s("claimName", "")
    read_only: bool = k8s("readOnly", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Volume:
    name: str = k8s("name", "")
    config_map: ConfigMapVolumeSource | None = k8s("configMap")
    secret: SecretVolumeSource | None = k8s("secret")
    persistent_volume_claim: PVCVolumeSource | None = k8s("persistentVolumeClaim")
    empty_dir: Raw | None = k8s("emptyDir")
    host_path: Raw | None = k8s("hostPath")
    projected: Raw | None = k8s("projected")
    ephemeral: Raw | None = k8s("ephemeral")
    node: Mapping | None = node_field()


# ---- scheduling -------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class NodeSelectorRequirement:
    key: str = k8s("key", "")
    operator: str = k8s("operator", "", enum=("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"))
    values: tuple[str, ...] = k8s("values", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class NodeSelectorTerm:
    match_expressions: tuple[NodeSelectorRequirement, ...] = k8s("matchExpressions", ())
    match_fields: tuple[NodeSelectorRequirement, ...] = k8s("matchFields", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class NodeSelector:
    node_selector_terms: tuple[NodeSelectorTerm, ...] = k8s("nodeSelectorTerms", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PreferredSchedulingTerm:
    weight: int = k8s("weight", 0)
    preference: NodeSelectorTerm = k8s("preference", NodeSelectorTerm())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class NodeAffinity:
    required: NodeSelector | None = k8s("requiredDuringSchedulingIgnoredDuringExecution")
    preferred: tuple[PreferredSchedulingTerm, ...] = k8s("preferredDuringSchedulingIgnoredDuringExecution", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PodAffinityTerm:
    label_selector: LabelSelector | None = k8s("labelSelector")
    namespaces: tuple[str, ...] = k8s("namespaces", ())
    namespace_selector: LabelSelector | None = k8s("namespaceSelector")
    topology_key: str = k8s("topologyKey", "")
    match_label_keys: tuple[str, ...] = k8s("matchLabelKeys", ())
    mismatch_label_keys: tuple[str, ...] = k8s("mismatchLabelKeys", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class WeightedPodAffinityTerm:
    weight: int = k8s("weight", 0)
    pod_affinity_term: PodAffinityTerm = k8s("podAffinityTerm", PodAffinityTerm())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PodAffinity:
    """Used for both ``podAffinity`` and ``podAntiAffinity``."""

    required: tuple[PodAffinityTerm, ...] = k8s("requiredDuringSchedulingIgnoredDuringExecution", ())
    preferred: tuple[WeightedPodAffinityTerm, ...] = k8s("preferredDuringSchedulingIgnoredDuringExecution", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Affinity:
    node_affinity: NodeAffinity | None = k8s("nodeAffinity")
    pod_affinity: PodAffinity | None = k8s("podAffinity")
    pod_anti_affinity: PodAffinity | None = k8s("podAntiAffinity")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Toleration:
    key: str = k8s("key", "")
    operator: str = k8s("operator", "Equal", enum=("", "Equal", "Exists"))
    value: str = k8s("value", "")
    effect: str = k8s("effect", "", enum=("", "NoSchedule", "PreferNoSchedule", "NoExecute"))
    toleration_seconds: int | None = k8s("tolerationSeconds", int64=True)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class TopologySpreadConstraint:
    max_skew: int = k8s("maxSkew", 0)
    topology_key: str = k8s("topologyKey", "")
    when_unsatisfiable: str = k8s("whenUnsatisfiable", "", enum=("DoNotSchedule", "ScheduleAnyway"))
    label_selector: LabelSelector | None = k8s("labelSelector")
    min_domains: int | None = k8s("minDomains")
    node_affinity_policy: str = k8s("nodeAffinityPolicy", "Honor", enum=("Honor", "Ignore"))
    node_taints_policy: str = k8s("nodeTaintsPolicy", "Ignore", enum=("Honor", "Ignore"))
    match_label_keys: tuple[str, ...] = k8s("matchLabelKeys", ())
    node: Mapping | None = node_field()


# ---- pods -------------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class PodSpec:
    containers: tuple[Container, ...] = k8s("containers", ())
    init_containers: tuple[Container, ...] = k8s("initContainers", ())
    volumes: tuple[Volume, ...] = k8s("volumes", ())
    restart_policy: str = k8s("restartPolicy", "Always", enum=("Always", "OnFailure", "Never"))
    node_name: str = k8s("nodeName", "")
    node_selector: FrozenMap = k8s("nodeSelector", EMPTY_MAP)
    affinity: Affinity | None = k8s("affinity")
    tolerations: tuple[Toleration, ...] = k8s("tolerations", ())
    topology_spread_constraints: tuple[TopologySpreadConstraint, ...] = k8s("topologySpreadConstraints", ())
    service_account_name: str = k8s("serviceAccountName", "")
    service_account: str = k8s("serviceAccount", "")
    priority_class_name: str = k8s("priorityClassName", "")
    priority: int | None = k8s("priority")
    scheduler_name: str = k8s("schedulerName", "default-scheduler")
    host_network: bool = k8s("hostNetwork", False)
    hostname: str = k8s("hostname", "")
    subdomain: str = k8s("subdomain", "")
    overhead: ResourceList = k8s("overhead", EMPTY_RESOURCES)
    termination_grace_period_seconds: int = k8s("terminationGracePeriodSeconds", 30, int64=True)
    image_pull_secrets: tuple[NameRef, ...] = k8s("imagePullSecrets", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PodTemplateSpec:
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: PodSpec = k8s("spec", PodSpec())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Pod:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "Pod")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: PodSpec = k8s("spec", PodSpec())
    status: PodStatus = k8s("status", PodStatus())
    node: Mapping | None = node_field()


# ---- services and endpoints --------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ServicePort:
    name: str = k8s("name", "")
    protocol: str = k8s("protocol", "TCP", enum=PROTOCOLS)
    port: int = k8s("port", 0)
    target_port: IntOrName | None = k8s("targetPort")
    node_port: int = k8s("nodePort", 0)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ServiceSpec:
    type: str = k8s("type", "ClusterIP", enum=("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"))
    cluster_ip: str = k8s("clusterIP", "")
    selector: FrozenMap = k8s("selector", EMPTY_MAP)
    ports: tuple[ServicePort, ...] = k8s("ports", ())
    publish_not_ready_addresses: bool = k8s("publishNotReadyAddresses", False)
    external_name: str = k8s("externalName", "")
    node: Mapping | None = node_field()

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"


@attrs.frozen(kw_only=True)
class Service:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "Service")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: ServiceSpec = k8s("spec", ServiceSpec())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Endpoints:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "Endpoints")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    subsets: Raw | None = k8s("subsets")
    node: Mapping | None = node_field()


# ---- nodes ------------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class Taint:
    key: str = k8s("key", "")
    value: str = k8s("value", "")
    effect: str = k8s("effect", "", enum=("NoSchedule", "PreferNoSchedule", "NoExecute"))
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class NodeSpec:
    unschedulable: bool = k8s("unschedulable", False)
    taints: tuple[Taint, ...] = k8s("taints", ())
    pod_cidr: str = k8s("podCIDR", "")
    provider_id: str = k8s("providerID", "")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class NodeStatus:
    allocatable: ResourceList = k8s("allocatable", EMPTY_RESOURCES)
    capacity: ResourceList = k8s("capacity", EMPTY_RESOURCES)
    conditions: tuple[Condition, ...] = k8s("conditions", ())
    # volumes the kubelet has mounted or is mounting (the attach/detach controller does not
    # detach these), by PersistentVolume name
    volumes_in_use: tuple[str, ...] = k8s("volumesInUse", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Node:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "Node")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: NodeSpec = k8s("spec", NodeSpec())
    status: NodeStatus = k8s("status", NodeStatus())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Namespace:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "Namespace")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    node: Mapping | None = node_field()


# ---- configuration ----------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ConfigMap:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "ConfigMap")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    data: FrozenMap = k8s("data", EMPTY_MAP)
    binary_data: FrozenMap = k8s("binaryData", EMPTY_MAP)
    immutable: bool = k8s("immutable", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Secret:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "Secret")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    type: str = k8s("type", "Opaque")
    data: FrozenMap = k8s("data", EMPTY_MAP)
    string_data: FrozenMap = k8s("stringData", EMPTY_MAP)
    immutable: bool = k8s("immutable", False)
    node: Mapping | None = node_field()


# ---- storage ----------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ObjectReference:
    api_version: str = k8s("apiVersion", "")
    kind: str = k8s("kind", "")
    namespace: str = k8s("namespace", "")
    name: str = k8s("name", "")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PersistentVolumeSpec:
    capacity: ResourceList = k8s("capacity", EMPTY_RESOURCES)
    access_modes: tuple[str, ...] = k8s("accessModes", ())
    reclaim_policy: str = k8s("persistentVolumeReclaimPolicy", "Retain", enum=("Retain", "Delete", "Recycle"))
    storage_class_name: str = k8s("storageClassName", "")
    volume_mode: str = k8s("volumeMode", "Filesystem", enum=("Filesystem", "Block"))
    claim_ref: ObjectReference | None = k8s("claimRef")
    node_affinity: Raw | None = k8s("nodeAffinity")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PersistentVolume:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "PersistentVolume")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: PersistentVolumeSpec = k8s("spec", PersistentVolumeSpec())
    status: VolumeStatus = k8s("status", VolumeStatus(phase="Available"))
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PersistentVolumeClaimSpec:
    access_modes: tuple[str, ...] = k8s("accessModes", ())
    resources: ResourceRequirements = k8s("resources", ResourceRequirements())
    # None means "the default StorageClass"; "" means "no class" (upstream semantics).
    storage_class_name: str | None = k8s("storageClassName")
    volume_name: str = k8s("volumeName", "")
    volume_mode: str = k8s("volumeMode", "Filesystem", enum=("Filesystem", "Block"))
    selector: LabelSelector | None = k8s("selector")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PersistentVolumeClaim:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "PersistentVolumeClaim")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: PersistentVolumeClaimSpec = k8s("spec", PersistentVolumeClaimSpec())
    status: VolumeStatus = k8s("status", VolumeStatus())
    node: Mapping | None = node_field()


# ---- replication controllers ------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ReplicationControllerSpec:
    replicas: int = k8s("replicas", 1)
    selector: FrozenMap = k8s("selector", EMPTY_MAP)
    template: PodTemplateSpec | None = k8s("template")
    min_ready_seconds: int = k8s("minReadySeconds", 0)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ReplicationController:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "ReplicationController")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: ReplicationControllerSpec = k8s("spec", ReplicationControllerSpec())
    status: ReplicaSetStatus = k8s("status", ReplicaSetStatus())
    node: Mapping | None = node_field()

