"""The PersistentVolume controller: binding claims to volumes, provisioning, reclaiming
(upstream ``pkg/controller/volume/persistentvolume/pv_controller.go``, matching in
``pkg/controller/volume/persistentvolume/util/util.go`` ``FindMatchingVolume`` and
``index.go`` ``findByClaim``).

- ``syncUnboundClaim``: a Pending claim with ``volumeName`` binds to that volume if it is
  free (or already reserved for the claim) and satisfies the claim; otherwise to the best
  Available volume: same class, offering every requested access mode, the requested
  volumeMode, matching the claim's selector, with capacity >= the request; the volume
  pre-bound to the claim (``claimRef``) first, then the fewest access modes, then the
  smallest. A claim without ``storageClassName`` gets the default StorageClass
  (annotation ``storageclass.kubernetes.io/is-default-class: "true"``, the newest when
  several) written into it (the DefaultStorageClass admission plugin, or the retroactive
  assignment of upstream ``assignDefaultStorageClass``); with no default it stays nil,
  which binds to volumes without a class. ``""`` asks for no class.
- No match and a class with a provisioner (and no selector): a volume ``pvc-<claim uid>``
  is provisioned with the requested size, the claim's access modes and volumeMode and the
  class's ``reclaimPolicy``, pre-bound to the claim. A ``WaitForFirstConsumer`` class
  delays static binding and provisioning until a pod using the claim has a node.
- ``bind``: the volume's ``claimRef``, then its phase Bound, then the claim's
  ``volumeName``, then its phase Bound: four writes, in upstream's order.
- ``syncVolume``: a volume without ``claimRef`` (or reserved by the user for a claim, not
  bound yet) is Available; a volume whose claim is gone
  is Released and then reclaimed per ``persistentVolumeReclaimPolicy`` (Delete: the volume
  is deleted; Retain: it stays Released and is never bound again; Recycle: it is made
  Available again). ``syncBoundClaim``: a Bound claim whose volume is gone is Lost.

DEVIATION(upstream): ``claimRef`` has no uid in the typed class; the claim's uid is kept in
the volume annotation ``kspec.dev/claim-uid`` so that a claim deleted and recreated under
the same name does not inherit the old volume (upstream compares ``claimRef.uid``).
DEVIATION(upstream): with WaitForFirstConsumer upstream's scheduler picks the volume
before binding the pod (and honours the volume's node affinity, not modelled); here the
pod is bound first and the claim then. The ``kubernetes.io/pvc-protection`` and
``pv-protection`` finalizers (admission) are not modelled; Recycle does not run a
recycler pod.
"""

from __future__ import annotations

import attrs

from kspec.api import core
from kspec.api.meta import ObjectMeta
from kspec.api.quantity import Quantity
from kspec.api.resources import ResourceList
from kspec.api.status import VolumeStatus
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, Update, UpdateStatus

NAME = "pvbinder"

DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
CLAIM_UID = "kspec.dev/claim-uid"


# ---- helpers ----------------------------------------------------------------------------------

def _annotate(obj, **pairs):
    annotations = obj.metadata.annotations
    for key, value in pairs.items():
        annotations = annotations.set(key, value)
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, annotations=annotations))


def _phase(obj, phase: str) -> Action:
    return UpdateStatus(attrs.evolve(obj, status=VolumeStatus(phase=phase)))


def default_storage_class(view: ClusterState):
    """Upstream ``GetDefaultClass``: the class annotated default; the newest when several."""
    defaults = [c for c in view.list("StorageClass") if c.metadata.annotations.get(DEFAULT_CLASS) == "true"]
    if not defaults:
        return None
    return sorted(defaults, key=lambda c: (-(c.metadata.creation_timestamp or 0), c.metadata.name))[0]


def claim_class(claim: core.PersistentVolumeClaim) -> str:
    """Upstream ``GetPersistentVolumeClaimClass``: nil is no class."""
    return claim.spec.storage_class_name or ""


def requested_storage(claim: core.PersistentVolumeClaim) -> Quantity:
    return claim.spec.resources.requests.get("storage", Quantity.zero())


def volume_storage(volume: core.PersistentVolume) -> Quantity:
    return volume.spec.capacity.get("storage", Quantity.zero())


def is_volume_bound_to_claim(volume: core.PersistentVolume, claim: core.PersistentVolumeClaim) -> bool:
    """Upstream ``IsVolumeBoundToClaim``: claimRef names the claim (and its uid, when recorded)."""
    ref = volume.spec.claim_ref
    if ref is None or ref.namespace != claim.metadata.namespace or ref.name != claim.metadata.name:
        return False
    uid = volume.metadata.annotations.get(CLAIM_UID)
    return uid is None or uid == claim.metadata.uid


def check_access_modes(claim, volume) -> bool:
    """The volume offers every mode the claim requests."""
    return set(claim.spec.access_modes) <= set(volume.spec.access_modes)


def check_volume_satisfy_claim(volume, claim) -> bool:
    """Upstream ``checkVolumeSatisfyClaim`` (for a claim naming its volume): size, class,
    volumeMode and access modes."""
    return (volume_storage(volume) >= requested_storage(claim)
            and volume.spec.storage_class_name == claim_class(claim)
            and volume.spec.volume_mode == claim.spec.volume_mode
            and check_access_modes(claim, volume))


def delay_binding(view: ClusterState, claim) -> bool:
    """Upstream ``IsDelayBindingMode``: the claim's class binds on the first consumer."""
    cls = view.get("StorageClass", "", claim_class(claim)) if claim_class(claim) else None
    return cls is not None and cls.volume_binding_mode == "WaitForFirstConsumer"


def has_scheduled_consumer(view: ClusterState, claim) -> bool:
    """A pod using the claim is bound to a node (upstream: the scheduler's selected node)."""
    for pod in view.list("Pod", claim.metadata.namespace):
        if pod.spec.node_name and any(v.persistent_volume_claim is not None
                                      and v.persistent_volume_claim.claim_name == claim.metadata.name
                                      for v in pod.spec.volumes):
            return True
    return False


def find_best_match(view: ClusterState, claim, *, delayed: bool):
    """Upstream ``findByClaim``/``FindMatchingVolume``: a volume pre-bound to the claim first;
    else (unless binding is delayed) the Available volumes that satisfy it, fewest access
    modes first, then smallest."""
    candidates = []
    for volume in view.list("PersistentVolume"):
        if volume.metadata.deletion_timestamp is not None:
            continue
        if volume.spec.volume_mode != claim.spec.volume_mode or not check_access_modes(claim, volume):
            continue
        if is_volume_bound_to_claim(volume, claim):
            return volume
        if delayed or volume.spec.claim_ref is not None or volume.status.phase != "Available":
            continue
        selector = claim.spec.selector
        if selector is not None and not selector.matches(volume.metadata.labels):
            continue
        if volume.spec.storage_class_name != claim_class(claim):
            continue
        if volume_storage(volume) >= requested_storage(claim):
            candidates.append(volume)
    if not candidates:
        return None
    return min(candidates, key=lambda v: (len(set(v.spec.access_modes)), volume_storage(v), v.metadata.name))


def provisioned_name(claim) -> str:
    """``pvc-<claim uid>`` (upstream uses the uid as is; the model's uid ``ns/name#N`` loses
    ``#`` and has ``/`` replaced to stay a valid name)."""
    return "pvc-" + claim.metadata.uid.replace("#", "").replace("/", "-")


def provision_claim(view: ClusterState, claim) -> Action | None:
    """Upstream ``provisionClaimOperation``: a new volume pre-bound to the claim."""
    name = claim_class(claim)
    cls = view.get("StorageClass", "", name) if name else None
    if cls is None or not cls.provisioner or cls.provisioner == NO_PROVISIONER:
        return None
    if claim.spec.selector is not None:
        return None  # upstream: "claim Selector is not supported" for provisioning
    if view.get("PersistentVolume", "", provisioned_name(claim)) is not None:
        return None
    ref = core.ObjectReference(api_version="v1", kind="PersistentVolumeClaim", namespace=claim.metadata.namespace,
                               name=claim.metadata.name)
    spec = core.PersistentVolumeSpec(capacity=ResourceList({"storage": requested_storage(claim)}),
                                     access_modes=claim.spec.access_modes, reclaim_policy=cls.reclaim_policy,
                                     storage_class_name=name, volume_mode=claim.spec.volume_mode, claim_ref=ref)
    volume = core.PersistentVolume(metadata=ObjectMeta(name=provisioned_name(claim)),
                                   spec=spec, status=VolumeStatus(phase="Pending"))
    volume = _annotate(volume, **{PROVISIONED_BY: cls.provisioner, BOUND_BY_CONTROLLER: "yes",
                                  CLAIM_UID: claim.metadata.uid})
    return Create(volume)


def bind(volume, claim) -> Action | None:
    """Upstream ``bind``: the next of the four writes, or None when done."""
    if not is_volume_bound_to_claim(volume, claim) or CLAIM_UID not in volume.metadata.annotations:
        # bound-by-controller only when the controller chose the volume (not pre-bound by the user)
        extra = {} if volume.spec.claim_ref is not None else {BOUND_BY_CONTROLLER: "yes"}
        ref = core.ObjectReference(api_version="v1", kind="PersistentVolumeClaim",
                                   namespace=claim.metadata.namespace, name=claim.metadata.name)
        volume = attrs.evolve(volume, spec=attrs.evolve(volume.spec, claim_ref=ref))
        return Update(_annotate(volume, **{CLAIM_UID: claim.metadata.uid}, **extra))
    if volume.status.phase != "Bound":
        return _phase(volume, "Bound")
    if claim.spec.volume_name != volume.metadata.name:
        claim = attrs.evolve(claim, spec=attrs.evolve(claim.spec, volume_name=volume.metadata.name))
        return Update(_annotate(claim, **{BIND_COMPLETED: "yes"}))
    if claim.status.phase != "Bound":
        return _phase(claim, "Bound")
    return None


# ---- syncs ------------------------------------------------------------------------------------

def sync_claim(view: ClusterState, claim) -> list[Action]:
    """Upstream ``syncClaim``: ``syncUnboundClaim`` or ``syncBoundClaim``."""
    if claim.metadata.deletion_timestamp is not None:
        return []
    name = claim.spec.volume_name
    if claim.status.phase == "Bound" and name:
        volume = view.get("PersistentVolume", "", name)
        if volume is None or (volume.spec.claim_ref is not None and not is_volume_bound_to_claim(volume, claim)):
            return [_phase(claim, "Lost")]
        action = bind(volume, claim)
        return [action] if action is not None else []
    if claim.status.phase == "Lost":
        return []
    if claim.spec.storage_class_name is None:
        default = default_storage_class(view)
        if default is not None:
            return [Update(attrs.evolve(claim, spec=attrs.evolve(claim.spec,
                                                                 storage_class_name=default.metadata.name)))]
    if name:
        volume = view.get("PersistentVolume", "", name)
        if volume is None or volume.metadata.deletion_timestamp is not None:
            return []
        if volume.spec.claim_ref is None and not check_volume_satisfy_claim(volume, claim):
            return []
        if volume.spec.claim_ref is not None and not is_volume_bound_to_claim(volume, claim):
            return []  # "volume already bound to a different claim"
        action = bind(volume, claim)
        return [action] if action is not None else []
    delayed = delay_binding(view, claim) and not has_scheduled_consumer(view, claim)
    volume = find_best_match(view, claim, delayed=delayed)
    if volume is not None:
        action = bind(volume, claim)
        return [action] if action is not None else []
    if delayed:
        return []
    action = provision_claim(view, claim)
    return [action] if action is not None else []


def sync_volume(view: ClusterState, volume) -> list[Action]:
    """Upstream ``syncVolume``: Available when unclaimed; released and reclaimed when its
    claim is gone; unbound when the controller bound it to a claim now bound elsewhere."""
    if volume.metadata.deletion_timestamp is not None:
        return []
    ref = volume.spec.claim_ref
    if ref is None:
        return [] if volume.status.phase == "Available" else [_phase(volume, "Available")]
    uid = volume.metadata.annotations.get(CLAIM_UID)
    if uid is None:
        # pre-bound by the user, not bound yet: Available, the claim's sync binds it
        return [] if volume.status.phase == "Available" else [_phase(volume, "Available")]
    claim = view.get("PersistentVolumeClaim", ref.namespace, ref.name)
    if claim is not None and uid == claim.metadata.uid:
        other = claim.spec.volume_name and claim.spec.volume_name != volume.metadata.name
        if other and volume.metadata.annotations.get(BOUND_BY_CONTROLLER) == "yes":
            return [unbind_volume(volume)]
        return []
    if volume.status.phase != "Released":
        return [_phase(volume, "Released")]
    return reclaim_volume(volume)


def unbind_volume(volume) -> Action:
    """Upstream ``unbindVolume``: clear claimRef (the volume then turns Available)."""
    annotations = {k: v for k, v in volume.metadata.annotations.items() if k not in (BOUND_BY_CONTROLLER, CLAIM_UID)}
    meta = attrs.evolve(volume.metadata, annotations=type(volume.metadata.annotations)(annotations))
    return Update(attrs.evolve(volume, metadata=meta, spec=attrs.evolve(volume.spec, claim_ref=None)))


def reclaim_volume(volume) -> list[Action]:
    """Upstream ``reclaimVolume``: Delete -> the volume is deleted; Retain -> it stays
    Released; Recycle -> scrubbed and made Available again."""
    policy = volume.spec.reclaim_policy
    if policy == "Delete":
        return [Delete("PersistentVolume", "", volume.metadata.name)]
    if policy == "Recycle":
        return [unbind_volume(volume)]
    return []


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for volume in view.list("PersistentVolume"):
        actions += sync_volume(view, volume)
    for claim in view.list("PersistentVolumeClaim"):
        actions += sync_claim(view, claim)
    return tuple(actions)
