"""Which class decodes which kind, and ``decode_object`` for any manifest.

Kinds kspec does not model become ``GenericObject``: kept, schema-checked, never dropped.
"""

from __future__ import annotations

import attrs

from kspec.api import core, others, quota, workloads
from kspec.api.decode import decode, k8s, node_field
from kspec.api.meta import EMPTY_META, ObjectMeta
from kspec.reading.loader import Manifest
from kspec.reading.nodes import Mapping


@attrs.frozen(kw_only=True)
class GenericObject:
    """An object of a kind kspec does not model: its identity and its source node."""

    api_version: str = k8s("apiVersion", "")
    kind: str = k8s("kind", "")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    node: Mapping | None = node_field()


# (group, kind) -> class; every served version of a group decodes with the same class
# (autoscaling/v1 and autoscaling/v2 HPAs share one, with the v1-only field).
KINDS: dict[tuple[str, str], type] = {
    ("", "Pod"): core.Pod,
    ("", "Service"): core.Service,
    ("", "Endpoints"): core.Endpoints,
    ("", "Node"): core.Node,
    ("", "Namespace"): core.Namespace,
    ("", "ConfigMap"): core.ConfigMap,
    ("", "Secret"): core.Secret,
    ("", "PersistentVolume"): core.PersistentVolume,
    ("", "PersistentVolumeClaim"): core.PersistentVolumeClaim,
    ("", "ReplicationController"): core.ReplicationController,
    ("apps", "Deployment"): workloads.Deployment,
    ("apps", "ReplicaSet"): workloads.ReplicaSet,
    ("apps", "StatefulSet"): workloads.StatefulSet,
    ("apps", "DaemonSet"): workloads.DaemonSet,
    ("batch", "Job"): workloads.Job,
    ("batch", "CronJob"): workloads.CronJob,
    ("autoscaling", "HorizontalPodAutoscaler"): others.HorizontalPodAutoscaler,
    ("policy", "PodDisruptionBudget"): others.PodDisruptionBudget,
    ("storage.k8s.io", "StorageClass"): others.StorageClass,
    ("storage.k8s.io", "VolumeAttachment"): others.VolumeAttachment,
    ("discovery.k8s.io", "EndpointSlice"): others.EndpointSlice,
    ("kspec.dev", "NodePool"): others.NodePool,
    ("kspec.dev", "Scenario"): others.Scenario,
    ("", "LimitRange"): quota.LimitRange,
    ("", "ResourceQuota"): quota.ResourceQuota,
}


def group_of(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> ``""`` (the core group)."""
    return api_version.rpartition("/")[0]


def class_for(api_version: str, kind: str) -> type:
    return KINDS.get((group_of(api_version), kind), GenericObject)


def decode_object(manifest: Manifest) -> object:
    """The typed object for a manifest (``GenericObject`` for kinds kspec does not model)."""
    api_version = manifest.field("apiVersion")
    kind = manifest.field("kind")
    cls = class_for(api_version if isinstance(api_version, str) else "", kind if isinstance(kind, str) else "")
    return decode(cls, manifest.node)
