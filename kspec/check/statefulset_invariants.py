"""StatefulSet properties, mirroring ``kspec.controllers.statefulset`` (imported by
``kspec.check.invariants``). Ordinals and names are read from the objects, not through
the controller's helpers."""

from __future__ import annotations

from typing import Iterator

from kspec.api.status import condition, is_true
from kspec.check.properties import Violation, prop
from kspec.check.workload_invariants import is_live, owned_by
from kspec.model.state import ClusterState, object_ref


def _ordinal(sts, pod) -> int | None:
    prefix = sts.metadata.name + "-"
    suffix = pod.metadata.name[len(prefix):] if pod.metadata.name.startswith(prefix) else ""
    return int(suffix) if suffix.isdigit() else None


def _pods_by_ordinal(state: ClusterState, sts) -> dict[int, object]:
    found = {}
    for pod in owned_by(state, sts):
        ordinal = _ordinal(sts, pod)
        if ordinal is not None:
            found[ordinal] = pod
    return found


def _running_and_ready(pod) -> bool:
    return pod.status.phase == "Running" and is_true(pod.status.conditions, "Ready") and is_live(pod)


def _disrupted(pod) -> bool:
    """Marked for deletion by someone other than the StatefulSet controller (eviction, the
    taint manager, PodGC): upstream's DisruptionTarget condition."""
    target = condition(pod.status.conditions, "DisruptionTarget")
    return target is not None and target.status == "True"


def _has_statefulsets(state: ClusterState) -> bool:
    return bool(state.list("StatefulSet"))


def _starts_going(old_pod, new_pod) -> bool:
    """The step deletes the pod (marks it terminating or removes it)."""
    return is_live(old_pod) and (new_pod is None or new_pod.metadata.uid != old_pod.metadata.uid
                                 or not is_live(new_pod))


@prop("statefulset-ordered-ready", "transition",
      "statefulsets: OrderedReady creates pod i after 0..i-1 are Running and Ready, deletes from the highest "
      "ordinal, and a rolling update leaves ordinals below the partition alone",
      applies=_has_statefulsets)
def statefulset_ordered_ready(old: ClusterState, new: ClusterState) -> Iterator[Violation]:
    """For a StatefulSet with ``podManagementPolicy: OrderedReady``, checked on every step:
    a pod with ordinal i is created only when every pod with a lower ordinal exists, is
    Running and Ready and is not terminating; a pod beyond ``replicas`` is deleted only when
    no pod with a higher ordinal is left (scale-down goes from N-1 down, one at a time). For
    every StatefulSet with a RollingUpdate strategy, a healthy pod whose ordinal is below
    ``start + partition`` is never deleted by the controller (deletions marked with a
    DisruptionTarget condition, by eviction or the node lifecycle, are not the
    controller's). Upstream: ``pkg/controller/statefulset/stateful_set_control.go``."""
    for sts in new.list("StatefulSet"):
        before_sts = old.get("StatefulSet", sts.metadata.namespace, sts.metadata.name)
        if before_sts is None or before_sts.metadata.uid != sts.metadata.uid or not is_live(sts):
            continue
        before = _pods_by_ordinal(old, before_sts)
        after = _pods_by_ordinal(new, sts)
        start = sts.spec.ordinals.start
        end = start + sts.spec.replicas
        ordered = sts.spec.pod_management_policy == "OrderedReady"
        for ordinal, pod in after.items():
            previous = before.get(ordinal)
            created = previous is None or previous.metadata.uid != pod.metadata.uid
            if ordered and created:
                # the first lower ordinal missing or not ready: found within len(before) + 1
                # steps, however high the new pod's ordinal is
                waiting = next((j for j in range(start, ordinal) if j not in before or not _running_and_ready(before[j])),
                               None)
                if waiting is not None:
                    yield Violation("statefulset-ordered-ready", object_ref(pod),
                                    f"created while {sts.metadata.name}-{waiting} was not Running and Ready")
        for ordinal, pod in before.items():
            if not _starts_going(pod, after.get(ordinal)):
                continue
            gone = after.get(ordinal)
            if _disrupted(gone if gone is not None else pod) or pod.status.phase in ("Failed", "Succeeded"):
                continue
            higher = [j for j in before if j > ordinal]
            if ordered and ordinal >= end and higher:
                yield Violation("statefulset-ordered-ready", object_ref(pod),
                                f"deleted while {sts.metadata.name}-{max(higher)} still exists")
            strategy = sts.spec.update_strategy
            partition = start + strategy.rolling_update.partition
            if (strategy.type == "RollingUpdate" and ordinal < min(partition, end) and _running_and_ready(pod)):
                yield Violation("statefulset-ordered-ready", object_ref(pod),
                                f"deleted although its ordinal {ordinal} is below the partition {partition}")


def claim_name(template, sts, ordinal: int) -> str:
    """Upstream ``getPersistentVolumeClaimName``: ``<template>-<set>-<ordinal>``."""
    return f"{template.metadata.name}-{sts.metadata.name}-{ordinal}"


@prop("statefulset-identity", "transition",
      "statefulsets: a pod keeps its name, ordinal and claims across recreation",
      applies=_has_statefulsets)
def statefulset_identity(old: ClusterState, new: ClusterState) -> Iterator[Violation]:
    """Every pod a StatefulSet owns is named ``<set>-<ordinal>``, labelled with
    ``statefulset.kubernetes.io/pod-name``, and mounts, for each volumeClaimTemplate, the
    claim ``<template>-<set>-<ordinal>``; such a claim, once it exists, is never replaced by
    another object of the same name and is not removed while the set exists, unless
    ``persistentVolumeClaimRetentionPolicy`` says Delete. So a pod recreated after a failure
    comes back with the same name, ordinal and data."""
    for sts in new.list("StatefulSet"):
        templates = sts.spec.volume_claim_templates
        for pod in owned_by(new, sts):
            ordinal = _ordinal(sts, pod)
            if ordinal is None:
                yield Violation("statefulset-identity", object_ref(pod),
                                f"name does not follow {sts.metadata.name}-<ordinal>")
                continue
            if pod.metadata.labels.get("statefulset.kubernetes.io/pod-name") != pod.metadata.name:
                yield Violation("statefulset-identity", object_ref(pod), "pod-name label does not match its name")
            claims = {v.name: v.persistent_volume_claim.claim_name for v in pod.spec.volumes
                      if v.persistent_volume_claim is not None}
            for template in templates:
                want = claim_name(template, sts, ordinal)
                if claims.get(template.metadata.name) != want:
                    yield Violation("statefulset-identity", object_ref(pod),
                                    f"volume {template.metadata.name} uses claim "
                                    f"{claims.get(template.metadata.name)!r}, expected {want!r}")
        retain = sts.spec.pvc_retention_policy
        if not templates or not is_live(sts) or "Delete" in (retain.when_deleted, retain.when_scaled):
            continue
        for template in templates:
            prefix = f"{template.metadata.name}-{sts.metadata.name}-"
            for claim in old.list("PersistentVolumeClaim", sts.metadata.namespace):
                if not claim.metadata.name.startswith(prefix) or not claim.metadata.name[len(prefix):].isdigit():
                    continue
                now = new.get("PersistentVolumeClaim", claim.metadata.namespace, claim.metadata.name)
                if now is None or now.metadata.uid != claim.metadata.uid:
                    yield Violation("statefulset-identity", object_ref(claim),
                                    "claim deleted" if now is None else "claim replaced by a new object")
