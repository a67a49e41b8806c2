"""The ReplicaSet controller against upstream pkg/controller/replicaset behaviour."""

import attrs

from kspec.controllers import kubelet, replicaset, scheduler
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, apply
from tests.controllers.helpers import state_of

RS = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: ns}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m}}}]
"""
ACTORS = (Actor(replicaset.NAME, replicaset.reconcile), Actor(scheduler.NAME, scheduler.reconcile),
          Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup))


def test_creates_pods_up_to_replicas_with_owner_references():
    """A ReplicaSet creates the missing pods from its template, owned by it."""
    state = state_of(RS % 3)
    actions = replicaset.reconcile(state)
    creates = [a for a in actions if isinstance(a, Create)]
    assert len(creates) == 3
    pod = creates[0].obj
    assert pod.metadata.generate_name == "web-" and pod.metadata.labels == {"app": "web"}
    assert pod.metadata.controller_ref().uid == state.get("ReplicaSet", "ns", "web").metadata.uid


def test_runs_to_ready_replicas_and_status():
    """With the scheduler and kubelets, the set converges to replicas ready pods and says so."""
    result = run(state_of(RS % 3), ACTORS)
    assert result.converged
    rs = result.state.get("ReplicaSet", "ns", "web")
    assert (rs.status.replicas, rs.status.ready_replicas, rs.status.available_replicas) == (3, 3, 3)
    assert rs.status.observed_generation == rs.metadata.generation == 1
    assert sorted(p.metadata.name for p in result.state.list("Pod")) == ["web-0", "web-1", "web-2"]


def test_scale_down_deletes_unscheduled_then_not_ready_pods_first():
    """Upstream getPodsToDelete: unassigned before assigned, not-ready before ready (TestSortingActivePods)."""
    state = run(state_of(RS % 3), ACTORS).state
    rs = state.get("ReplicaSet", "ns", "web")
    # an extra unscheduled pod and one running-but-unready pod
    pending = attrs.evolve(state.get("Pod", "ns", "web-0"), spec=attrs.evolve(
        state.get("Pod", "ns", "web-0").spec, node_name=""))
    pending = attrs.evolve(pending, metadata=attrs.evolve(pending.metadata, name="web-9"))
    state = apply(state, Create(pending)).state
    unready = state.get("Pod", "ns", "web-1")
    status = attrs.evolve(unready.status, conditions=tuple(
        attrs.evolve(c, status="False") if c.type == "Ready" else c for c in unready.status.conditions))
    state = state.put(attrs.evolve(unready, status=status))
    rs = state.get("ReplicaSet", "ns", "web")
    state = apply(state, Update(attrs.evolve(rs, spec=attrs.evolve(rs.spec, replicas=2)))).state
    deletes = [a for a in replicaset.reconcile(state) if isinstance(a, Delete)]
    assert [d.name for d in deletes] == ["web-9", "web-1"]


def test_adopts_matching_orphans_and_releases_non_matching_pods():
    """ClaimPods: an orphan with matching labels is adopted; an owned pod relabelled is released."""
    state = run(state_of(RS % 1), ACTORS).state
    pod = state.get("Pod", "ns", "web-0")
    orphan = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name="stray", owner_references=()))
    state = apply(state, Create(orphan)).state
    (adopt,) = [a for a in replicaset.reconcile(state) if isinstance(a, Update)]
    assert adopt.obj.metadata.name == "stray" and adopt.obj.metadata.controller_ref() is not None
    relabelled = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, labels=pod.metadata.labels.set("app", "other")))
    state = apply(state.remove("Pod", "ns", "stray"), Update(relabelled)).state
    (release,) = [a for a in replicaset.reconcile(state) if isinstance(a, Update)]
    assert release.obj.metadata.name == "web-0" and release.obj.metadata.controller_ref() is None


def test_reconcile_does_not_modify_its_view():
    """Decisions are pure: the view is the same object, with the same hash, afterwards."""
    state = state_of(RS % 2)
    before = hash(state)
    replicaset.reconcile(state)
    assert hash(state) == before
