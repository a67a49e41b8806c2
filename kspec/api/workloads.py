"""Workload kinds: Deployment, ReplicaSet, StatefulSet, DaemonSet (``apps/v1``), Job and
CronJob (``batch/v1``). Defaults as upstream ``pkg/apis/apps/v1/defaults.go`` and
``pkg/apis/batch/v1/defaults.go``."""

from __future__ import annotations

import attrs

from kspec.api.core import PersistentVolumeClaim, PodTemplateSpec
from kspec.api.decode import k8s, node_field
from kspec.api.intstr import IntOrPercent
from kspec.api.meta import EMPTY_META, ObjectMeta
from kspec.api.selectors import LabelSelector
from kspec.api.status import (CronJobStatus, DaemonSetStatus, DeploymentStatus, JobStatus, ReplicaSetStatus,
                              StatefulSetStatus)
from kspec.reading.nodes import Mapping

_25_PERCENT = IntOrPercent.parse("25%")
_ONE = IntOrPercent.parse(1)
_ZERO = IntOrPercent.parse(0)


# ---- Deployment and ReplicaSet ----------------------------------------------------------------

@attrs.frozen(kw_only=True)
class RollingUpdateDeployment:
    max_surge: IntOrPercent = k8s("maxSurge", _25_PERCENT)
    max_unavailable: IntOrPercent = k8s("maxUnavailable", _25_PERCENT)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class DeploymentStrategy:
    type: str = k8s("type", "RollingUpdate", enum=("RollingUpdate", "Recreate"))
    rolling_update: RollingUpdateDeployment = k8s("rollingUpdate", RollingUpdateDeployment())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class DeploymentSpec:
    replicas: int = k8s("replicas", 1)
    selector: LabelSelector | None = k8s("selector")
    template: PodTemplateSpec = k8s("template", PodTemplateSpec())
    strategy: DeploymentStrategy = k8s("strategy", DeploymentStrategy())
    min_ready_seconds: int = k8s("minReadySeconds", 0)
    revision_history_limit: int = k8s("revisionHistoryLimit", 10)
    paused: bool = k8s("paused", False)
    progress_deadline_seconds: int = k8s("progressDeadlineSeconds", 600)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Deployment:
    api_version: str = k8s("apiVersion", "apps/v1")
    kind: str = k8s("kind", "Deployment")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: DeploymentSpec = k8s("spec", DeploymentSpec())
    status: DeploymentStatus = k8s("status", DeploymentStatus())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ReplicaSetSpec:
    replicas: int = k8s("replicas", 1)
    selector: LabelSelector | None = k8s("selector")
    template: PodTemplateSpec = k8s("template", PodTemplateSpec())
    min_ready_seconds: int = k8s("minReadySeconds", 0)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ReplicaSet:
    api_version: str = k8s("apiVersion", "apps/v1")
    kind: str = k8s("kind", "ReplicaSet")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: ReplicaSetSpec = k8s("spec", ReplicaSetSpec())
    status: ReplicaSetStatus = k8s("status", ReplicaSetStatus())
    node: Mapping | None = node_field()


# ---- StatefulSet ------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class RollingUpdateStatefulSetStrategy:
    partition: int = k8s("partition", 0)
    max_unavailable: IntOrPercent = k8s("maxUnavailable", _ONE)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class StatefulSetUpdateStrategy:
    type: str = k8s("type", "RollingUpdate", enum=("RollingUpdate", "OnDelete"))
    rolling_update: RollingUpdateStatefulSetStrategy = k8s("rollingUpdate", RollingUpdateStatefulSetStrategy())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class PVCRetentionPolicy:
    when_deleted: str = k8s("whenDeleted", "Retain", enum=("Retain", "Delete"))
    when_scaled: str = k8s("whenScaled", "Retain", enum=("Retain", "Delete"))
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class StatefulSetOrdinals:
    start: int = k8s("start", 0)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class StatefulSetSpec:
    replicas: int = k8s("replicas", 1)
    selector: LabelSelector | None = k8s("selector")
    template: PodTemplateSpec = k8s("template", PodTemplateSpec())
    service_name: str = k8s("serviceName", "")
    pod_management_policy: str = k8s("podManagementPolicy", "OrderedReady", enum=("OrderedReady", "Parallel"))
    update_strategy: StatefulSetUpdateStrategy = k8s("updateStrategy", StatefulSetUpdateStrategy())
    volume_claim_templates: tuple[PersistentVolumeClaim, ...] = k8s("volumeClaimTemplates", ())
    pvc_retention_policy: PVCRetentionPolicy = k8s("persistentVolumeClaimRetentionPolicy", PVCRetentionPolicy())
    min_ready_seconds: int = k8s("minReadySeconds", 0)
    revision_history_limit: int = k8s("revisionHistoryLimit", 10)
    ordinals: StatefulSetOrdinals = k8s("ordinals", StatefulSetOrdinals())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class StatefulSet:
    api_version: str = k8s("apiVersion", "apps/v1")
    kind: str = k8s("kind", "StatefulSet")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: StatefulSetSpec = k8s("spec", StatefulSetSpec())
    status: StatefulSetStatus = k8s("status", StatefulSetStatus())
    node: Mapping | None = node_field()


# ---- DaemonSet --------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class RollingUpdateDaemonSet:
    max_unavailable: IntOrPercent = k8s("maxUnavailable", _ONE)
    max_surge: IntOrPercent = k8s("maxSurge", _ZERO)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class DaemonSetUpdateStrategy:
    type: str = k8s("type", "RollingUpdate", enum=("RollingUpdate", "OnDelete"))
    rolling_update: RollingUpdateDaemonSet = k8s("rollingUpdate", RollingUpdateDaemonSet())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class DaemonSetSpec:
    selector: LabelSelector | None = k8s("selector")
    template: PodTemplateSpec = k8s("template", PodTemplateSpec())
    update_strategy: DaemonSetUpdateStrategy = k8s("updateStrategy", DaemonSetUpdateStrategy())
    min_ready_seconds: int = k8s("minReadySeconds", 0)
    revision_history_limit: int = k8s("revisionHistoryLimit", 10)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class DaemonSet:
    api_version: str = k8s("apiVersion", "apps/v1")
    kind: str = k8s("kind", "DaemonSet")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: DaemonSetSpec = k8s("spec", DaemonSetSpec())
    status: DaemonSetStatus = k8s("status", DaemonSetStatus())
    node: Mapping | None = node_field()


# ---- Job and CronJob --------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class JobSpec:
    parallelism: int = k8s("parallelism", 1)
    # None: any single successful pod completes the Job (upstream "work queue" mode).
    completions: int | None = k8s("completions")
    backoff_limit: int = k8s("backoffLimit", 6)
    active_deadline_seconds: int | None = k8s("activeDeadlineSeconds", int64=True)
    completion_mode: str = k8s("completionMode", "NonIndexed", enum=("NonIndexed", "Indexed"))
    suspend: bool = k8s("suspend", False)
    manual_selector: bool = k8s("manualSelector", False)
    selector: LabelSelector | None = k8s("selector")
    template: PodTemplateSpec = k8s("template", PodTemplateSpec())
    ttl_seconds_after_finished: int | None = k8s("ttlSecondsAfterFinished")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class Job:
    api_version: str = k8s("apiVersion", "batch/v1")
    kind: str = k8s("kind", "Job")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: JobSpec = k8s("spec", JobSpec())
    status: JobStatus = k8s("status", JobStatus())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class JobTemplateSpec:
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: JobSpec = k8s("spec", JobSpec())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class CronJobSpec:
    schedule: str = k8s("schedule", "")
    time_zone: str = k8s("timeZone", "")
    concurrency_policy: str = k8s("concurrencyPolicy", "Allow", enum=("Allow", "Forbid", "Replace"))
    suspend: bool = k8s("suspend", False)
    starting_deadline_seconds: int | None = k8s("startingDeadlineSeconds", int64=True)
    successful_jobs_history_limit: int = k8s("successfulJobsHistoryLimit", 3)
    failed_jobs_history_limit: int = k8s("failedJobsHistoryLimit", 1)
    job_template: JobTemplateSpec = k8s("jobTemplate", JobTemplateSpec())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class CronJob:
    api_version: str = k8s("apiVersion", "batch/v1")
    kind: str = k8s("kind", "CronJob")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: CronJobSpec = k8s("spec", CronJobSpec())
    status: CronJobStatus = k8s("status", CronJobStatus())
    node: Mapping | None = node_field()
