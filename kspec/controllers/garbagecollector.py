"""The garbage collector (upstream ``pkg/controller/garbagecollector/garbagecollector.go``).

Upstream keeps a graph of ownerReferences (by uid) fed by informers and works two queues;
here the graph is read from the view on every turn, which is the same level-triggered
decision without the caches:

- ``attemptToDeleteItem``: an object whose owners are all gone (absent, or present with
  another uid: "dangling") is deleted, with the propagation its own finalizers ask for
  (Background by default). An object with some live ("solid") owners only loses the
  references to dangling owners and to owners deleting their dependents in the foreground.
  An object whose owner deletes in the foreground is deleted too (in the foreground when it
  has dependents of its own, so chains Deployment -> ReplicaSet -> Pod unwind bottom-up).
- ``processDeletingDependentsItem``: an owner with ``deletionTimestamp`` and the
  ``foregroundDeletion`` finalizer waits for its dependents whose reference has
  ``blockOwnerDeletion``; when none is left, the finalizer is removed (and the store
  deletes the owner).
- ``attemptToOrphan``/``orphanDependents``: an owner with the ``orphan`` finalizer has its
  references removed from every dependent, then the finalizer is removed.

An object being deleted (other than an owner waiting for its dependents) is left alone, as
upstream does, so a delete is never repeated.
"""

from __future__ import annotations

import attrs

from kspec.model.state import ClusterState
from kspec.model.store import FOREGROUND, ORPHAN, Action, Delete, Update

NAME = "garbagecollector"

# Kinds without a namespace: an ownerReference to one of these is looked up cluster-wide.
CLUSTER_SCOPED = frozenset({
    "Node", "Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode",
    "VolumeAttachment", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "APIService", "NodePool",
})


def owner_of(view: ClusterState, obj, ref):
    """The object ``ref`` names, if it exists with the referenced uid (else None: dangling).

    Upstream ``isDangling``: looked up by kind and name in the dependent's namespace (or
    cluster-wide for a cluster-scoped kind), dangling when absent or of another uid."""
    namespace = "" if ref.kind in CLUSTER_SCOPED else obj.metadata.namespace
    owner = view.get(ref.kind, namespace, ref.name)
    if owner is None or not ref.uid or owner.metadata.uid != ref.uid:
        return None
    return owner


def is_being_deleted(obj) -> bool:
    return obj.metadata.deletion_timestamp is not None


def is_deleting_dependents(obj) -> bool:
    """Upstream ``isDeletingDependents``: being deleted with the foreground finalizer."""
    return is_being_deleted(obj) and FOREGROUND in obj.metadata.finalizers


def classify_references(view: ClusterState, obj) -> tuple[list, list, list]:
    """Upstream ``classifyReferences``: (solid, dangling, waitingForDependentsDeletion)."""
    solid, dangling, waiting = [], [], []
    for ref in obj.metadata.owner_references:
        owner = owner_of(view, obj, ref)
        if owner is None:
            dangling.append(ref)
        elif is_deleting_dependents(owner):
            waiting.append(ref)
        else:
            solid.append(ref)
    return solid, dangling, waiting


def dependents_of(view: ClusterState, owner, *, blocking: bool = False) -> list:
    """Objects holding a reference to ``owner``'s uid (only ``blockOwnerDeletion`` ones
    when ``blocking``: upstream ``blockingDependents``)."""
    uid = owner.metadata.uid
    namespaced = bool(owner.metadata.namespace)
    found = []
    for obj in view.all():
        if namespaced and obj.metadata.namespace != owner.metadata.namespace:
            continue
        if any(r.uid == uid and (r.block_owner_deletion or not blocking) for r in obj.metadata.owner_references):
            found.append(obj)
    return found


def _with_meta(obj, **changes):
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, **changes))


def remove_finalizer(obj, finalizer: str) -> Action:
    return Update(_with_meta(obj, finalizers=tuple(f for f in obj.metadata.finalizers if f != finalizer)))


def _delete(obj, propagation: str) -> Action:
    return Delete(obj.kind, obj.metadata.namespace, obj.metadata.name, propagation=propagation)


def process_deleting_dependents_item(view: ClusterState, owner) -> list[Action]:
    """An owner deleting in the foreground: remove the finalizer once no blocking dependent
    is left (the dependents themselves are handled by ``attempt_to_delete_item``)."""
    if dependents_of(view, owner, blocking=True):
        return []
    return [remove_finalizer(owner, FOREGROUND)]


def attempt_to_delete_item(view: ClusterState, obj) -> list[Action]:
    """The write upstream's ``attemptToDeleteItem`` makes for ``obj`` (none or one)."""
    if is_being_deleted(obj) and not is_deleting_dependents(obj):
        return []
    if is_deleting_dependents(obj):
        return process_deleting_dependents_item(view, obj)
    if not obj.metadata.owner_references:
        return []
    solid, dangling, waiting = classify_references(view, obj)
    if solid:
        if not dangling and not waiting:
            return []
        drop = {r.uid for r in dangling + waiting}
        refs = tuple(r for r in obj.metadata.owner_references if r.uid not in drop)
        return [Update(_with_meta(obj, owner_references=refs))]
    if waiting and dependents_of(view, obj):
        if any(is_deleting_dependents(d) for d in dependents_of(view, obj)):
            # cycle guard: make the references non-blocking before deleting in the foreground
            if any(r.block_owner_deletion for r in obj.metadata.owner_references):
                refs = tuple(attrs.evolve(r, block_owner_deletion=False) for r in obj.metadata.owner_references)
                return [Update(_with_meta(obj, owner_references=refs))]
        return [_delete(obj, "Foreground")]
    if ORPHAN in obj.metadata.finalizers:
        policy = "Orphan"
    elif FOREGROUND in obj.metadata.finalizers:
        policy = "Foreground"
    else:
        policy = "Background"
    return [_delete(obj, policy)]


def attempt_to_orphan(view: ClusterState, owner) -> list[Action]:
    """Upstream ``attemptToOrphanWorker``: drop the owner's references from its dependents
    (``orphanDependents``), then remove the ``orphan`` finalizer."""
    uid = owner.metadata.uid
    dependents = dependents_of(view, owner)
    if dependents:
        return [Update(_with_meta(d, owner_references=tuple(r for r in d.metadata.owner_references if r.uid != uid)))
                for d in dependents]
    return [remove_finalizer(owner, ORPHAN)]


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for obj in view.all():
        if is_being_deleted(obj) and ORPHAN in obj.metadata.finalizers:
            actions += attempt_to_orphan(view, obj)
        actions += attempt_to_delete_item(view, obj)
    return tuple(actions)
