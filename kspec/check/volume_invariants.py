"""Volume properties, mirroring ``kspec.controllers.attachdetach`` and
``kspec.controllers.volumemanager`` (imported by ``kspec.check.invariants``)."""

from __future__ import annotations

from typing import Iterator

from kspec.api.status import is_true
from kspec.check.properties import Violation, prop
from kspec.model.state import ClusterState, object_ref


def _has_volumes(state: ClusterState) -> bool:
    return bool(state.list("PersistentVolumeClaim") or state.list("PersistentVolume"))


def _exclusive(pv) -> bool:
    modes = set(pv.spec.access_modes)
    return bool(modes & {"ReadWriteOnce", "ReadWriteOncePod"}) and not modes & {"ReadWriteMany", "ReadOnlyMany"}


@prop("volume-single-writer", "state",
      "volumes: an RWO volume is attached to at most one node, an RWOP claim used by at most one pod",
      applies=_has_volumes)
def volume_single_writer(state: ClusterState) -> Iterator[Violation]:
    """A ReadWriteOnce (or ReadWriteOncePod) PersistentVolume is attached — has a
    VolumeAttachment, attached or being attached — to at most one node at a time: the
    attach/detach controller refuses a second attachment (the Multi-Attach error) until
    the first is gone, after an unmount or, for an unhealthy node, after the forced-detach
    timeout. And a ReadWriteOncePod claim is used by at most one pod that has not
    finished (the scheduler's VolumeRestrictions plugin keeps the second Pending)."""
    nodes_of: dict[str, set[str]] = {}
    for va in state.list("VolumeAttachment"):
        nodes_of.setdefault(va.spec.source.persistent_volume_name, set()).add(va.spec.node_name)
    for pv_name, nodes in sorted(nodes_of.items()):
        pv = state.get("PersistentVolume", "", pv_name)
        if pv is not None and _exclusive(pv) and len(nodes) > 1:
            yield Violation("volume-single-writer", object_ref(pv),
                            f"{'/'.join(pv.spec.access_modes)} volume attached to {len(nodes)} nodes: "
                            f"{', '.join(sorted(nodes))}")
    users: dict[tuple[str, str], list[str]] = {}
    for pod in state.list("Pod"):
        if not pod.spec.node_name or pod.status.phase in ("Succeeded", "Failed"):
            continue
        for volume in pod.spec.volumes:
            if volume.persistent_volume_claim is not None:
                key = (pod.metadata.namespace, volume.persistent_volume_claim.claim_name)
                users.setdefault(key, []).append(pod.metadata.name)
    for (namespace, name), pods in sorted(users.items()):
        claim = state.get("PersistentVolumeClaim", namespace, name)
        if claim is not None and "ReadWriteOncePod" in claim.spec.access_modes and len(pods) > 1:
            yield Violation("volume-single-writer", object_ref(claim),
                            f"ReadWriteOncePod claim used by {len(pods)} pods: {', '.join(sorted(pods))}")


@prop("volume-mounted-before-start", "state",
      "volumes: a running pod's volumes are attached to its node and mounted there",
      applies=_has_volumes)
def volume_mounted_before_start(state: ClusterState) -> Iterator[Violation]:
    """A pod whose containers run on a Ready node has every PersistentVolume-backed volume
    bound, attached to that node (a VolumeAttachment with ``status.attached``) and mounted
    there (listed in the node's ``status.volumesInUse``): the kubelet starts containers
    only after its volume manager mounted their volumes. Pods on a node that is not Ready
    are left out: nobody knows what runs there, and their volumes may be force-detached."""
    for pod in state.list("Pod"):
        if pod.status.phase != "Running" or not pod.spec.node_name:
            continue
        node = state.get("Node", "", pod.spec.node_name)
        if node is None or not is_true(node.status.conditions, "Ready"):
            continue
        for volume in pod.spec.volumes:
            if volume.persistent_volume_claim is None:
                continue
            claim = state.get("PersistentVolumeClaim", pod.metadata.namespace, volume.persistent_volume_claim.claim_name)
            pv_name = claim.spec.volume_name if claim is not None else ""
            va = state.get("VolumeAttachment", "", f"{pv_name}-{node.metadata.name}") if pv_name else None
            if not pv_name:
                problem = "is not bound"
            elif va is None or not va.status.attached:
                problem = f"is not attached to {node.metadata.name}"
            elif pv_name not in node.status.volumes_in_use:
                problem = f"is not mounted on {node.metadata.name}"
            else:
                continue
            yield Violation("volume-mounted-before-start", object_ref(pod),
                            f"running while volume {volume.name} (claim {volume.persistent_volume_claim.claim_name}) "
                            f"{problem}")
