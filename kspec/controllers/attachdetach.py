"""The attach/detach controller and the CSI external attacher (upstream
``pkg/controller/volume/attachdetach``; reconciler in ``reconciler/reconciler.go``).

Desired state of the world: (volume, node) for every PV-backed volume of a pod bound to a
node and not finished. Actual state: ``VolumeAttachment`` objects (``status.attached``
set by the external attacher once the driver attached it). Each turn:

- attach: a desired pair without a VolumeAttachment gets one, unless the volume is
  exclusive (ReadWriteOnce/ReadWriteOncePod) and attached, or being attached, to another
  node: upstream's Multi-Attach error; the pod waits (the kubelet reports why);
- the attacher marks a new VolumeAttachment attached;
- detach: a VolumeAttachment nobody wants is first marked (the time detach was requested),
  then deleted once the node's kubelet no longer lists the volume in ``volumesInUse``, or,
  when the node is unhealthy (not Ready, or gone), once ``maxWaitForUnmountDuration``
  (6 minutes) has passed since: upstream's forced detach after a node failure.
"""

from __future__ import annotations

import attrs

from kspec.api.meta import ObjectMeta
from kspec.api.others import VolumeAttachment, VolumeAttachmentSource, VolumeAttachmentSpec
from kspec.controllers import volumes
from kspec.controllers.nodeplugins import node_is_ready
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, Update, UpdateStatus

NAME = "attachdetach"
ATTACHER = "csi.kspec.dev"
DETACH_REQUESTED = "kspec.dev/detach-requested-at"
# reconciler.go: maxWaitForUnmountDuration (the ADC's default, 6 minutes)
MAX_WAIT_FOR_UNMOUNT = 360


def desired_state(view: ClusterState) -> dict[tuple[str, str], str]:
    """(pv, node) -> a pod that wants it there."""
    wanted: dict[tuple[str, str], str] = {}
    for pod in view.list("Pod"):
        if not volumes.holds_volumes(pod):
            continue
        for _, pv in volumes.pod_volumes(view, pod):
            if pv is not None:
                wanted.setdefault((pv.metadata.name, pod.spec.node_name), pod.metadata.name)
    return wanted


def _requested_at(va) -> int | None:
    value = va.metadata.annotations.get(DETACH_REQUESTED)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _node_healthy(view: ClusterState, name: str) -> bool:
    node = view.get("Node", "", name)
    return node is not None and node_is_ready(node)


def attach(view: ClusterState, wanted: dict) -> list[Action]:
    actions: list[Action] = []
    for (pv_name, node) in sorted(wanted):
        if view.get("VolumeAttachment", "", volumes.attachment_name(pv_name, node)) is not None:
            continue
        pv = view.get("PersistentVolume", "", pv_name)
        others = [va for va in volumes.attachments(view, pv_name) if va.spec.node_name != node]
        if others and volumes.is_exclusive(pv):
            continue  # Multi-Attach error: wait for the other node's attachment to go
        va = VolumeAttachment(metadata=ObjectMeta(name=volumes.attachment_name(pv_name, node)),
                              spec=VolumeAttachmentSpec(attacher=ATTACHER, node_name=node,
                                                        source=VolumeAttachmentSource(persistent_volume_name=pv_name)))
        actions.append(Create(va))
    return actions


def mark_attached(view: ClusterState) -> list[Action]:
    """The external attacher: the driver attached the volume."""
    return [UpdateStatus(attrs.evolve(va, status=attrs.evolve(va.status, attached=True)))
            for va in view.list("VolumeAttachment")
            if not va.status.attached and va.metadata.deletion_timestamp is None]


def detach(view: ClusterState, wanted: dict) -> list[Action]:
    actions: list[Action] = []
    for va in view.list("VolumeAttachment"):
        key = (va.spec.source.persistent_volume_name, va.spec.node_name)
        if key in wanted:
            if DETACH_REQUESTED in va.metadata.annotations:  # wanted again: the request lapses
                annotations = va.metadata.annotations.remove(DETACH_REQUESTED)
                actions.append(Update(attrs.evolve(va, metadata=attrs.evolve(va.metadata, annotations=annotations))))
            continue
        requested = _requested_at(va)
        if requested is None:
            annotations = va.metadata.annotations.set(DETACH_REQUESTED, str(view.clock))
            actions.append(Update(attrs.evolve(va, metadata=attrs.evolve(va.metadata, annotations=annotations))))
            continue
        node = view.get("Node", "", va.spec.node_name)
        mounted = node is None or key[0] in node.status.volumes_in_use
        if not mounted:
            actions.append(Delete("VolumeAttachment", "", va.metadata.name))
        elif not _node_healthy(view, va.spec.node_name) and view.clock >= requested + MAX_WAIT_FOR_UNMOUNT:
            actions.append(Delete("VolumeAttachment", "", va.metadata.name))  # forced detach
    return actions


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    wanted = desired_state(view)
    return tuple(detach(view, wanted) + attach(view, wanted) + mark_attached(view))


def wakeup(view: ClusterState) -> int | None:
    """When a forced detach from an unhealthy node becomes due."""
    times = [requested + MAX_WAIT_FOR_UNMOUNT for va in view.list("VolumeAttachment")
             if (requested := _requested_at(va)) is not None and not _node_healthy(view, va.spec.node_name)]
    future = [t for t in times if t > view.clock]
    return min(future) if future else None
