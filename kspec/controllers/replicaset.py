"""ReplicaSet and ReplicationController (upstream ``pkg/controller/replicaset/replica_set.go``;
the RC controller is the same code behind an adapter).

Per object: claim pods (adopt matching orphans, release owned pods that no longer match),
create or delete pods toward ``spec.replicas``, then write status. Decisions are pure;
the runner applies one write per step, so the sync is re-read after every write, which
is what upstream's expectations emulate.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from kspec.api import core
from kspec.api.selectors import LabelSelector
from kspec.api.status import ReplicaSetStatus
from kspec.controllers.common import (controlled_pods, is_pod_active, is_pod_available, is_pod_ready,
                                      is_terminating, owner_ref, pod_from_template)
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, Update, UpdateStatus

NAME = "replicaset"
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"

_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def selector_of(owner) -> LabelSelector | None:
    """An RC's map selector (defaulting to the template labels) as a LabelSelector."""
    if isinstance(owner, core.ReplicationController):
        labels = owner.spec.selector or (owner.spec.template.metadata.labels if owner.spec.template else {})
        return LabelSelector.from_python({"matchLabels": dict(labels)}) if labels else None
    return owner.spec.selector


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for kind in ("ReplicaSet", "ReplicationController"):
        for owner in view.list(kind):
            actions += sync(view, owner)
    return tuple(actions)


def sync(view: ClusterState, owner) -> list[Action]:
    """The writes one sync of ``owner`` would make, in upstream order."""
    if is_terminating(owner):
        return []
    selector = selector_of(owner)
    if selector is None or selector.validate():
        return []
    claims = list(claim_pods(view, owner, selector))
    if claims:
        return claims
    pods = [p for p in controlled_pods(view, owner) if is_pod_active(p)]
    actions = manage_replicas(view, owner, pods)
    status = calculate_status(view, owner, controlled_pods(view, owner))
    if status != owner.status:
        actions.append(UpdateStatus(attrs.evolve(owner, status=status)))
    return actions


def claim_pods(view: ClusterState, owner, selector: LabelSelector) -> Iterable[Action]:
    """Upstream ``ClaimPods``: adopt matching orphans, release non-matching owned pods."""
    for pod in view.list("Pod", owner.metadata.namespace):
        ref = pod.metadata.controller_ref()
        matches = selector.matches(pod.metadata.labels)
        if ref is None and matches and not is_terminating(pod):
            refs = pod.metadata.owner_references + (owner_ref(owner),)
            yield Update(attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=refs)))
        elif ref is not None and ref.uid == owner.metadata.uid and not matches:
            refs = tuple(r for r in pod.metadata.owner_references if r.uid != owner.metadata.uid)
            yield Update(attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=refs)))


def manage_replicas(view: ClusterState, owner, pods: list[core.Pod]) -> list[Action]:
    """Create the missing pods, or delete the surplus ones ranked by ``pods_to_delete``."""
    diff = len(pods) - owner.spec.replicas
    if diff < 0:
        template = owner.spec.template
        create = Create(pod_from_template(template, owner, generate_name=f"{owner.metadata.name}-"))
        return [create] * -diff
    if diff > 0:
        return [Delete("Pod", p.metadata.namespace, p.metadata.name) for p in pods_to_delete(view, pods, diff)]
    return []


def pods_to_delete(view: ClusterState, pods: list[core.Pod], count: int) -> list[core.Pod]:
    """The ``count`` pods to delete first (upstream ``getPodsToDelete`` with
    ``ActivePodsWithRanks``): unassigned before assigned; Pending, then Unknown, then
    Running; not ready before ready; lower ``pod-deletion-cost`` first; more pods of the
    same owner on the node first; ready for less time first; more restarts first; newer first."""
    colocated: dict[str, int] = {}
    for pod in pods:
        if pod.spec.node_name:
            colocated[pod.spec.node_name] = colocated.get(pod.spec.node_name, 0) + 1

    def rank(pod: core.Pod) -> tuple:
        ready = is_pod_ready(pod)
        try:
            cost = int(pod.metadata.annotations.get(DELETION_COST, "0"))
        except ValueError:
            cost = 0
        restarts = sum(c.restart_count for c in pod.status.container_statuses)
        return (bool(pod.spec.node_name), _PHASE_RANK.get(pod.status.phase, 1), ready, cost,
                -colocated.get(pod.spec.node_name, 0) if pod.spec.node_name else 0,
                -(pod.status.ready_since or 0) if ready else 0, -restarts,
                -(pod.metadata.creation_timestamp or 0), pod.metadata.name)

    return sorted(pods, key=rank)[:count]


def calculate_status(view: ClusterState, owner, pods: list[core.Pod]) -> ReplicaSetStatus:
    """Upstream ``calculateStatus``: counts over the owned, non-terminated pods."""
    active = [p for p in pods if is_pod_active(p)]
    labels = owner.spec.template.metadata.labels if owner.spec.template else {}
    min_ready = owner.spec.min_ready_seconds
    return attrs.evolve(owner.status,
                        replicas=len(active),
                        fully_labeled_replicas=sum(1 for p in active
                                                   if all(p.metadata.labels.get(k) == v for k, v in labels.items())),
                        ready_replicas=sum(1 for p in active if is_pod_ready(p)),
                        available_replicas=sum(1 for p in active if is_pod_available(p, min_ready, view.clock)),
                        observed_generation=owner.metadata.generation)
