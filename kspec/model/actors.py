"""The actors a simulation runs, in their turn order."""

from __future__ import annotations

from kspec.controllers import kubelet, replicaset, scheduler, statefulset
from kspec.model.run import Actor


def default_actors() -> tuple[Actor, ...]:
    """Every controller, the scheduler and the kubelets, in a fixed fair turn order."""
    return (
        Actor(replicaset.NAME, replicaset.reconcile),
        Actor(statefulset.NAME, statefulset.reconcile, statefulset.wakeup),
        Actor(scheduler.NAME, scheduler.reconcile),
        Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup),
    )
