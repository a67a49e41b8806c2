"""The actors a simulation runs, in their turn order."""

from __future__ import annotations

from kspec.controllers import (attachdetach, cronjob, daemonset, deployment, endpoints, garbagecollector, hpa, job,
                               kubelet, nodelifecycle, pvbinder, replicaset, scheduler, statefulset, volumemanager)
from kspec.model.run import Actor


def default_actors() -> tuple[Actor, ...]:
    """Every controller, the scheduler and the kubelets, in a fixed fair turn order."""
    return (
        Actor(hpa.NAME, hpa.reconcile, hpa.wakeup),
        Actor(deployment.NAME, deployment.reconcile, deployment.wakeup),
        Actor(replicaset.NAME, replicaset.reconcile, replicaset.wakeup),
        Actor(statefulset.NAME, statefulset.reconcile, statefulset.wakeup),
        Actor(daemonset.NAME, daemonset.reconcile, daemonset.wakeup),
        Actor(job.NAME, job.reconcile, job.wakeup),
        Actor(cronjob.NAME, cronjob.reconcile, cronjob.wakeup, periodic=True),
        Actor(pvbinder.NAME, pvbinder.reconcile),
        Actor(scheduler.NAME, scheduler.reconcile),
        Actor(attachdetach.NAME, attachdetach.reconcile, attachdetach.wakeup),
        Actor(volumemanager.NAME, volumemanager.reconcile),
        Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup),
        Actor(endpoints.NAME, endpoints.reconcile),
        Actor(nodelifecycle.NAME, nodelifecycle.reconcile, nodelifecycle.wakeup),
        Actor(garbagecollector.NAME, garbagecollector.reconcile),
    )
