"""Helpers shared by controllers: ownership, pod state, pods from templates.

Mirrors upstream ``pkg/controller/controller_utils.go`` and ``pkg/api/v1/pod/util.go``.
"""

from __future__ import annotations

import hashlib

import attrs

from kspec.api import core
from kspec.api.meta import ObjectMeta, OwnerReference
from kspec.api.status import PodStatus, is_true
from kspec.model.state import ClusterState

# Upstream pkg/controller/controller_utils.go: the first batch of slowStartBatch.
SLOW_START_INITIAL_BATCH_SIZE = 1


def burst(count: int, limit: int) -> int:
    """How many of ``count`` creations (or deletions) one sync makes: at most ``limit``, as
    upstream caps every sync (ReplicaSet ``burstReplicas`` = 500 in ``manageReplicas``, Job
    ``MaxPodCreateDeletePerSync`` = 500 in ``manageJob``, DaemonSet ``BurstReplicas`` = 250 in
    ``syncNodes``); the rest waits for a later sync. The model never builds more writes than
    this per sync, whatever a count in the input says (``replicas: 1000000000`` included).

    Upstream then creates those pods with ``slowStartBatch`` (batches of 1, 2, 4, ...,
    doubling while every call of a batch succeeds; after a batch with a failure the remaining
    batches are skipped and the next sync starts again at 1). In the model a sync's writes are
    a list the runner applies one per step, re-syncing in between (what expectations amount
    to), and a write the API server refuses is skipped until the state changes
    (``kspec.model.run``). A ReplicaSet's or a non-indexed Job's creations are one identical
    ``Create`` (the name is generated), so its first refused creation ends the batch and the
    next sync after a change starts over, as ``slowStartBatch`` does. DEVIATION(upstream): the
    distinct creations of an Indexed Job or a DaemonSet (one per index or node) are each tried
    once before the runner gives up on them, not cut after the first refusal. Batch sizes are
    not observable in a one-write-per-step model; ``slow_start_batches`` gives them."""
    return max(min(count, limit), 0)


def slow_start_batches(count: int, initial: int = SLOW_START_INITIAL_BATCH_SIZE) -> list[int]:
    """The batch sizes upstream ``slowStartBatch(count, initialBatchSize, fn)`` uses when every
    call succeeds: ``initial``, then doubling, the last one cut to what remains (1, 2, 4, 8, 5
    for 20). At most ~log2(count) entries, so it is cheap for any count."""
    sizes = []
    remaining = count
    size = min(remaining, initial)
    while size > 0:
        sizes.append(size)
        remaining -= size
        size = min(2 * size, remaining)
    return sizes


def owner_ref(owner, *, controller: bool = True) -> OwnerReference:
    return OwnerReference(api_version=owner.api_version, kind=owner.kind, name=owner.metadata.name,
                          uid=owner.metadata.uid, controller=controller, block_owner_deletion=controller)


def is_controlled_by(obj, owner) -> bool:
    ref = obj.metadata.controller_ref()
    return ref is not None and ref.uid == owner.metadata.uid


def controlled_pods(view: ClusterState, owner) -> list[core.Pod]:
    """Pods in the owner's namespace whose controller reference is the owner."""
    return [p for p in view.list("Pod", owner.metadata.namespace) if is_controlled_by(p, owner)]


def is_terminating(obj) -> bool:
    return obj.metadata.deletion_timestamp is not None


def is_pod_active(pod: core.Pod) -> bool:
    """Upstream ``IsPodActive``: not Succeeded, not Failed, not being deleted."""
    return pod.status.phase not in ("Succeeded", "Failed") and not is_terminating(pod)


def is_pod_ready(pod: core.Pod) -> bool:
    return is_true(pod.status.conditions, "Ready")


def is_pod_available(pod: core.Pod, min_ready_seconds: int, now: int) -> bool:
    """Upstream ``IsPodAvailable``: Ready for at least ``minReadySeconds``."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    since = pod.status.ready_since
    return since is not None and since + min_ready_seconds <= now


def template_hash(template: core.PodTemplateSpec) -> str:
    """A stable short hash of a pod template (upstream ``ComputeHash``, FNV over the template;
    any stable function of the content serves the model)."""
    digest = hashlib.sha256(repr(template).encode()).hexdigest()
    return digest[:10]


def pod_from_template(template: core.PodTemplateSpec, owner, *, name: str = "", generate_name: str = "",
                      extra_labels: dict | None = None) -> core.Pod:
    """Upstream ``GetPodFromTemplate``: labels, annotations and spec from the template, an
    owner reference to the controller, and the owner's namespace."""
    labels = template.metadata.labels
    for key, value in (extra_labels or {}).items():
        labels = labels.set(key, value)
    meta = ObjectMeta(name=name, generate_name=generate_name, namespace=owner.metadata.namespace,
                      labels=labels, annotations=template.metadata.annotations,
                      owner_references=(owner_ref(owner),))
    return core.Pod(metadata=meta, spec=template.spec, status=PodStatus())


def with_status(obj, **changes):
    """``obj`` with status fields changed (for an ``UpdateStatus``)."""
    return attrs.evolve(obj, status=attrs.evolve(obj.status, **changes))
