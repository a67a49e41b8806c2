"""Controllers never build work proportional to an absurd count: one sync makes at most the
upstream burst of creations (ReplicaSet 500, Job 500, DaemonSet 250, a Parallel
StatefulSet pass 500), however large ``replicas``, ``parallelism`` or ``completions`` is."""

import time

import attrs

from kspec.controllers import daemonset, job, replicaset, statefulset
from kspec.controllers.common import burst, slow_start_batches
from kspec.model.store import Create, Delete, Update, apply
from tests.controllers.helpers import state_of

BILLION = 1_000_000_000

RS = """apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: shop}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""

JOB = """apiVersion: batch/v1
kind: Job
metadata: {name: batch, namespace: shop}
spec:
  parallelism: %d
  completions: %d
  completionMode: %s
  template:
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox}]
"""

STS = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: %d
  serviceName: db
  podManagementPolicy: %s
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
"""


def _creates(actions) -> list:
    return [a for a in actions if isinstance(a, Create) and a.obj.kind == "Pod"]


def test_slow_start_batches_double_from_one():
    """slowStartBatch's sizes: 1, 2, 4, ... the last cut to what remains; a handful for a billion."""
    assert slow_start_batches(20) == [1, 2, 4, 8, 5]
    assert slow_start_batches(0) == []
    assert sum(slow_start_batches(BILLION)) == BILLION and len(slow_start_batches(BILLION)) == 30
    assert burst(BILLION, 500) == 500 and burst(3, 500) == 3 and burst(-1, 500) == 0


def test_replicaset_of_a_billion_creates_500_per_sync():
    """A ReplicaSet short of 10^9 pods offers burstReplicas (500) creations, in milliseconds."""
    state = state_of(RS % BILLION)
    started = time.monotonic()
    actions = replicaset.reconcile(state)
    assert time.monotonic() - started < 2
    assert len(_creates(actions)) == replicaset.BURST_REPLICAS == 500


def test_replicaset_deletions_are_capped_too():
    """Scaling 600 pods down to 0 deletes at most 500 in one sync (manageReplicas caps both diffs)."""
    state = state_of(RS % 600)
    for _ in range(2):  # 600 pods through the store: 500 in one sync, 100 in the next
        for action in _creates(replicaset.reconcile(state)):
            state = apply(state, action).state
    assert len(state.list("Pod", "shop")) == 600
    rs = state.get("ReplicaSet", "shop", "web")
    state = apply(state, Update(attrs.evolve(rs, spec=attrs.evolve(rs.spec, replicas=0)))).state
    deletes = [a for a in replicaset.reconcile(state) if isinstance(a, Delete)]
    assert len(deletes) == 500


def test_job_of_a_billion_creates_500_per_sync():
    """A non-indexed Job with parallelism 10^9 offers MaxPodCreateDeletePerSync (500) creations."""
    state = state_of(JOB % (BILLION, BILLION, "NonIndexed"))
    actions = job.reconcile(state)
    assert len(_creates(actions)) == job.MAX_POD_CREATE_DELETE_PER_SYNC == 500


def test_indexed_job_of_a_billion_names_the_first_500_indexes():
    """An Indexed Job with completions 10^9: the lowest 500 pending indexes, found without a range over 10^9."""
    state = state_of(JOB % (BILLION, BILLION, "Indexed"))
    started = time.monotonic()
    creates = _creates(job.reconcile(state))
    assert time.monotonic() - started < 5
    indexes = [int(c.obj.metadata.annotations[job.INDEX_KEY]) for c in creates]
    assert indexes == list(range(500))


def test_parallel_statefulset_of_a_billion_stops_after_500_creations():
    """A Parallel StatefulSet pass handles 500 missing ordinals (db-0..db-499), not 10^9."""
    state = state_of(STS % (BILLION, "Parallel"))
    started = time.monotonic()
    creates = _creates(statefulset.reconcile(state))
    assert time.monotonic() - started < 5
    assert [c.obj.metadata.name for c in creates] == [f"db-{i}" for i in range(500)]


def test_ordered_statefulset_of_a_billion_creates_one():
    """OrderedReady creates one pod at a time whatever replicas says: db-0 only."""
    state = state_of(STS % (BILLION, "OrderedReady"))
    assert [c.obj.metadata.name for c in _creates(statefulset.reconcile(state))] == ["db-0"]


def test_daemonset_sync_nodes_caps_creations_at_250():
    """DaemonSet syncNodes: at most BurstReplicas (250) creations and 250 deletions per sync."""
    creates = [Create(None)] * 300
    deletes = [Delete("Pod", "ns", f"p{i}") for i in range(300)]
    synced = daemonset.sync_nodes(creates, deletes)
    assert len(synced) == 500 and synced[249] is creates[0] and synced[250] == deletes[0]
