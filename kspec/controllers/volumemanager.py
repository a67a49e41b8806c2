"""The kubelet's volume manager (upstream ``pkg/kubelet/volumemanager``): on every Ready
node, mount the volumes of its pods once attached, and unmount those no pod there needs.

Mounted volumes are what the node reports in ``status.volumesInUse`` (the kubelet adds a
volume there before mounting it, and the attach/detach controller never detaches a volume
listed there). A node that is not Ready runs no kubelet: its list goes stale, which is
why a failed node's volumes are only force-detached after a timeout.
"""

from __future__ import annotations

import attrs

from kspec.controllers import volumes
from kspec.controllers.nodeplugins import node_is_ready
from kspec.model.state import ClusterState
from kspec.model.store import Action, UpdateStatus

NAME = "volumemanager"


def wanted_on(view: ClusterState, node_name: str) -> set[str]:
    """PVs that pods bound to the node need (desired state of the world)."""
    return {pv.metadata.name for pod in view.list("Pod")
            if pod.spec.node_name == node_name and volumes.holds_volumes(pod)
            for _, pv in volumes.pod_volumes(view, pod) if pv is not None}


def sync_node(view: ClusterState, node) -> Action | None:
    name = node.metadata.name
    wanted = wanted_on(view, name)
    in_use = list(node.status.volumes_in_use)
    mounted = [pv for pv in in_use if pv in wanted]  # unmount what no pod needs
    for pv in sorted(wanted):
        if pv not in mounted and volumes.is_attached(view, pv, name):
            mounted.append(pv)  # attached: mount
    if mounted == in_use:
        return None
    return UpdateStatus(attrs.evolve(node, status=attrs.evolve(node.status, volumes_in_use=tuple(mounted))))


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions = []
    for node in view.list("Node"):
        if node_is_ready(node):
            action = sync_node(view, node)
            if action is not None:
                actions.append(action)
    return tuple(actions)
