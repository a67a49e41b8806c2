"""The ResourceQuota controller publishes status.hard and status.used."""

from kspec.controllers import kubelet, resourcequota, scheduler
from kspec.model.run import Actor, run
from kspec.model.store import Delete, apply
from tests.controllers.helpers import state_of

TEXT = """\
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: ns}
spec:
  hard: {pods: 5, requests.cpu: '2', configmaps: 3}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns}
spec:
  containers: [{name: c, image: x, resources: {requests: {cpu: 300m}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns}
spec:
  containers: [{name: c, image: x, resources: {requests: {cpu: 200m}}}]
"""
ACTORS = (Actor(resourcequota.NAME, resourcequota.reconcile, resourcequota.wakeup),
          Actor(scheduler.NAME, scheduler.reconcile), Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup))


def status(state):
    s = state.get("ResourceQuota", "ns", "q").status
    return {k: str(v) for k, v in s.hard.items()}, {k: str(v) for k, v in s.used.items()}


def test_status_reports_hard_and_used_with_zeros():
    """syncResourceQuota: hard copied from spec, used for every hard name (0 when unused)."""
    result = run(state_of(TEXT), ACTORS, max_steps=100)
    assert result.converged
    assert status(result.state) == ({"configmaps": "3", "pods": "5", "requests.cpu": "2"},
                                    {"configmaps": "0", "pods": "2", "requests.cpu": "500m"})


def test_used_drops_once_a_terminating_pod_is_overdue():
    """A pod that is deleted but never confirmed (its kubelet is not running) stops counting once
    now > deletionTimestamp + grace; the controller wakes up then and republishes."""
    state = run(state_of(TEXT), ACTORS, max_steps=100).state
    state = apply(state, Delete("Pod", "ns", "a")).state  # bound: graceful, deletionTimestamp = now + 30
    assert state.get("Pod", "ns", "a").metadata.deletion_timestamp is not None
    quota_only = (ACTORS[0],)
    result = run(state, quota_only, max_steps=20)
    assert result.state.clock == state.clock + 61
    assert status(result.state)[1] == {"configmaps": "0", "pods": "1", "requests.cpu": "200m"}
