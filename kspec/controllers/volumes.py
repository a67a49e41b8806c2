"""What a pod's volumes need before it can start, shared by the attach/detach controller,
the kubelet's volume manager and the kubelet (upstream ``pkg/volume/util``,
``pkg/kubelet/volumemanager``, ``pkg/kubelet/kubelet_pods.go``).

Every volume backed by a PersistentVolume is attachable (a CSI driver's, as in most
clusters); ConfigMap and Secret volumes and env references are resolved from the objects
in the state.
"""

from __future__ import annotations

from typing import Iterator

from kspec.api import core
from kspec.model.state import ClusterState

EXCLUSIVE = ("ReadWriteOnce", "ReadWriteOncePod")


def claim_volumes(view: ClusterState, pod: core.Pod) -> Iterator[tuple[str, core.PersistentVolumeClaim | None]]:
    """(volume name, its claim or None when missing) for each PVC volume of the pod."""
    for volume in pod.spec.volumes:
        if volume.persistent_volume_claim is not None:
            name = volume.persistent_volume_claim.claim_name
            yield volume.name, view.get("PersistentVolumeClaim", pod.metadata.namespace, name)


def bound_volume(view: ClusterState, claim: core.PersistentVolumeClaim | None) -> core.PersistentVolume | None:
    """The PersistentVolume a claim is bound to, or None while unbound."""
    if claim is None or not claim.spec.volume_name or claim.status.phase != "Bound":
        return None
    return view.get("PersistentVolume", "", claim.spec.volume_name)


def pod_volumes(view: ClusterState, pod: core.Pod) -> list[tuple[str, core.PersistentVolume | None]]:
    """(volume name, bound PV or None) for each PVC volume of the pod."""
    return [(name, bound_volume(view, claim)) for name, claim in claim_volumes(view, pod)]


def is_exclusive(pv: core.PersistentVolume) -> bool:
    """An RWO/RWOP volume (and no RWX/ROX mode): attachable to one node at a time."""
    modes = set(pv.spec.access_modes)
    return bool(modes & set(EXCLUSIVE)) and not modes & {"ReadWriteMany", "ReadOnlyMany"}


def attachment_name(pv: str, node: str) -> str:
    """Upstream names VolumeAttachments ``csi-<sha256>``; the model keeps them readable."""
    return f"{pv}-{node}"


def attachments(view: ClusterState, pv: str) -> list:
    return [va for va in view.list("VolumeAttachment") if va.spec.source.persistent_volume_name == pv]


def is_attached(view: ClusterState, pv: str, node: str) -> bool:
    va = view.get("VolumeAttachment", "", attachment_name(pv, node))
    return va is not None and va.status.attached and va.metadata.deletion_timestamp is None


def holds_volumes(pod: core.Pod) -> bool:
    """A pod whose volumes are wanted on its node: bound and not finished (a terminating pod
    keeps them until it is gone)."""
    return bool(pod.spec.node_name) and pod.status.phase not in ("Succeeded", "Failed")


def missing_config(view: ClusterState, pod: core.Pod) -> tuple[str, str] | None:
    """(reason, message) when a ConfigMap or Secret the pod needs is missing, as the kubelet
    reports it: volumes keep the pod ContainerCreating (``MountVolume.SetUp failed``), env
    references make the container's ``CreateContainerConfigError``; ``optional`` ones are skipped."""
    ns = pod.metadata.namespace
    for volume in pod.spec.volumes:
        if volume.config_map is not None and not volume.config_map.optional \
                and view.get("ConfigMap", ns, volume.config_map.name) is None:
            return ("ContainerCreating", f'MountVolume.SetUp failed for volume "{volume.name}" : configmap '
                                         f'"{volume.config_map.name}" not found')
        if volume.secret is not None and not volume.secret.optional \
                and view.get("Secret", ns, volume.secret.secret_name) is None:
            return ("ContainerCreating", f'MountVolume.SetUp failed for volume "{volume.name}" : secret '
                                         f'"{volume.secret.secret_name}" not found')
    for container in (*pod.spec.init_containers, *pod.spec.containers):
        for source in container.env_from:
            for kind, ref in (("ConfigMap", source.config_map_ref), ("Secret", source.secret_ref)):
                if ref is not None and not ref.optional and view.get(kind, ns, ref.name) is None:
                    return ("CreateContainerConfigError", f'{kind.lower()} "{ref.name}" not found')
        for env in container.env:
            source = env.value_from
            if source is None:
                continue
            for kind, ref in (("ConfigMap", source.config_map_key_ref), ("Secret", source.secret_key_ref)):
                if ref is None or ref.optional:
                    continue
                obj = view.get(kind, ns, ref.name)
                if obj is None:
                    return ("CreateContainerConfigError", f'{kind.lower()} "{ref.name}" not found')
                keys = set(obj.data) | set(getattr(obj, "string_data", {}) or {}) | set(
                    getattr(obj, "binary_data", {}) or {})
                if ref.key not in keys:
                    return ("CreateContainerConfigError", f"couldn't find key {ref.key} in {kind} {ns}/{ref.name}")
    return None


def unready_volumes(view: ClusterState, pod: core.Pod, node: core.Node) -> tuple[str, str] | None:
    """(reason, message) while a PVC volume of the pod is not bound, attached to its node and
    mounted there (in ``volumesInUse``), with the attach/detach controller's Multi-Attach
    error when an exclusive volume is still attached elsewhere."""
    unattached, unmounted = [], []
    for name, pv in pod_volumes(view, pod):
        if pv is None:
            unattached.append(name)
            unmounted.append(name)
            continue
        if not is_attached(view, pv.metadata.name, node.metadata.name):
            elsewhere = [va.spec.node_name for va in attachments(view, pv.metadata.name)
                         if va.spec.node_name != node.metadata.name]
            if elsewhere and is_exclusive(pv):
                return ("ContainerCreating", f'Multi-Attach error for volume "{pv.metadata.name}" Volume is '
                                             f"already exclusively attached to one node and can't be attached "
                                             f"to another")
            unattached.append(name)
        if pv.metadata.name not in node.status.volumes_in_use:
            unmounted.append(name)
    if unattached or unmounted:
        return ("ContainerCreating", f"Unable to attach or mount volumes: unmounted volumes=[{' '.join(unmounted)}], "
                                     f"unattached volumes=[{' '.join(unattached)}]: timed out waiting for the "
                                     f"condition")
    return None
