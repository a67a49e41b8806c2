"""Which class decodes which kind, and ``decode_object`` for any manifest.

Kinds kspec does not model become ``GenericObject``: kept, schema-checked, never dropped.
"""

from __future__ import annotations

import attrs

from kspec.api import core, others, quota, workloads
from kspec.api.decode import DecodeProblem, decode, describe, k8s, node_field
from kspec.api.meta import EMPTY_META, ObjectMeta
from kspec.reading.loader import Manifest
from kspec.reading.nodes import Mapping, Scalar


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


# The versions of each modelled kind that kspec reads with its class: those some supported
# Kubernetes release (1.25 and later) serves. autoscaling/v2beta2 was served until 1.26.
_SERVED: dict[tuple[str, str], tuple[str, ...]] = {
    ("autoscaling", "HorizontalPodAutoscaler"): ("v1", "v2", "v2beta2"),
    ("kspec.dev", "NodePool"): ("v1alpha1",),
    ("kspec.dev", "Scenario"): ("v1alpha1",),
}
_KIND_GROUPS: dict[str, str] = {kind: group for group, kind in KINDS}


def served_versions(group: str, kind: str) -> tuple[str, ...]:
    """The versions of a modelled kind kspec reads (``v1`` unless listed otherwise)."""
    return _SERVED.get((group, kind), ("v1",))


def group_of(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> ``""`` (the core group)."""
    return api_version.rpartition("/")[0]


def class_for(api_version: str, kind: str) -> type:
    return KINDS.get((group_of(api_version), kind), GenericObject)


@attrs.frozen
class Decoded:
    """A manifest's typed object and every value that could not be taken as written."""

    obj: object
    problems: tuple[DecodeProblem, ...]


def decode_manifest(manifest: Manifest) -> Decoded:
    """``decode_node`` of a manifest's mapping."""
    return decode_node(manifest.node)


def decode_node(root: Mapping) -> Decoded:
    """The typed object for a manifest, with its decode problems: a missing or non-string
    ``apiVersion``/``kind``, a modelled kind under a version that does not serve it (under
    another group it decodes as ``GenericObject``, never as the kind it claims; a removed
    version of its own group still decodes, for validation), and every field problem."""
    problems: list[DecodeProblem] = []
    api_version = _type_meta(root, "apiVersion", problems)
    kind = _type_meta(root, "kind", problems)
    cls = class_for(api_version, kind) if api_version is not None and kind is not None else GenericObject
    if api_version is None or kind is None:
        pass  # already a problem; decoded for its identity only
    elif cls is GenericObject and kind in _KIND_GROUPS:
        group = _KIND_GROUPS[kind]
        node = root.get("apiVersion")
        wanted = " or ".join(f"{group + '/' if group else ''}{v}" for v in served_versions(group, kind))
        problems.append(DecodeProblem(node=node, path="apiVersion", message=(
            f"apiVersion: {api_version} does not serve kind {kind}; use {wanted}"), reason="unserved-api-version"))
    elif cls is not GenericObject:
        version = api_version.rpartition("/")[2]
        group = group_of(api_version)
        if version not in served_versions(group, kind):
            node = root.get("apiVersion")
            wanted = " or ".join(f"{group + '/' if group else ''}{v}" for v in served_versions(group, kind))
            problems.append(DecodeProblem(node=node, path="apiVersion", message=(
                f"apiVersion: {api_version} {kind} is not served by the Kubernetes versions kspec models "
                f"(1.25 and later); use {wanted}"), reason="unserved-api-version"))
    obj = decode(cls, root, problems)
    problems.sort(key=lambda p: p.node.start)
    return Decoded(obj=obj, problems=tuple(problems))


def _type_meta(root: Mapping, key: str, problems: list[DecodeProblem]) -> str | None:
    """``apiVersion`` or ``kind`` as a non-empty string, or None with a problem saying why."""
    node = root.get(key)
    if isinstance(node, Scalar) and isinstance(node.value, str) and node.value:
        return node.value
    if node is None or (isinstance(node, Scalar) and node.value in (None, "")):
        near = [k.text for k, _ in root.items
                if isinstance(k, Scalar) and isinstance(k.value, str) and k.value.lower() == key.lower()]
        hint = f" (found {near[0]!r}: keys are case-sensitive)" if near else ""
        problems.append(DecodeProblem(node=node or root, path=key,
                                      message=f"{key}: missing; every Kubernetes object needs one{hint}",
                                      reason="missing-type-meta"))
    else:
        problems.append(DecodeProblem(node=node, path=key, message=f"{key}: expected a string, got {describe(node)}",
                                      reason="missing-type-meta"))
    return None


def decode_object(manifest: Manifest) -> object:
    """The typed object for a manifest (``GenericObject`` for kinds kspec does not model);
    ``decode_manifest`` also gives the problems."""
    return decode_manifest(manifest).obj
