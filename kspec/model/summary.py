"""What a run ended with, per workload, as ``kubectl get`` would show it."""

from __future__ import annotations

from kspec.model.state import ClusterState, object_ref

MODELLED = {"Pod", "ReplicaSet", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet", "Job",
            "CronJob", "HorizontalPodAutoscaler", "Service", "EndpointSlice", "Node", "Namespace", "ConfigMap",
            "Secret", "PersistentVolume", "PersistentVolumeClaim", "StorageClass", "PodDisruptionBudget",
            "Endpoints", "ControllerRevision", "VolumeAttachment"}


def workloads(state: ClusterState) -> list[dict]:
    """``{object, desired, current, ready, updated}`` per workload (from the statuses the
    controllers published). ReplicaSets owned by a Deployment are shown through it."""
    rows = []
    for d in state.list("Deployment"):
        s = d.status
        rows.append(_row(d, d.spec.replicas, s.replicas, s.ready_replicas, s.updated_replicas))
    for kind in ("ReplicaSet", "ReplicationController"):
        for rs in state.list(kind):
            ref = rs.metadata.controller_ref()
            if ref is None:
                s = rs.status
                rows.append(_row(rs, rs.spec.replicas, s.replicas, s.ready_replicas, s.replicas))
    for sts in state.list("StatefulSet"):
        s = sts.status
        rows.append(_row(sts, sts.spec.replicas, s.replicas, s.ready_replicas, s.updated_replicas))
    for ds in state.list("DaemonSet"):
        s = ds.status
        rows.append(_row(ds, s.desired_number_scheduled, s.current_number_scheduled, s.number_ready,
                         s.updated_number_scheduled))
    for job in state.list("Job"):
        s = job.status
        desired = job.spec.completions if job.spec.completions is not None else 1
        rows.append(_row(job, desired, s.active, s.succeeded, s.succeeded))
    return rows


def _row(obj, desired: int, current: int, ready: int, updated: int) -> dict:
    return {"object": object_ref(obj), "desired": desired, "current": current, "ready": ready, "updated": updated}


def unmodelled(state: ClusterState) -> list[str]:
    """Objects kept in the state that no controller acts on (reported, never dropped)."""
    return [object_ref(o) for kind in state.kinds() if kind not in MODELLED for o in state.list(kind)]


def pods(state: ClusterState) -> list[dict]:
    return [{"object": object_ref(p), "node": p.spec.node_name, "phase": p.status.phase,
             "ready": any(c.type == "Ready" and c.status == "True" for c in p.status.conditions)}
            for p in state.list("Pod")]
