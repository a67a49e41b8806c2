"""The Deployment controller against upstream pkg/controller/deployment behaviour.

Unit tests port upstream table tests (deployment_util_test.go, sync_test.go, rolling_test.go)
on the pure helpers in their upstream mode (counts from ReplicaSet statuses); model tests run
the controller with the ReplicaSet controller, the scheduler and the kubelets and check the
rollout guarantees on every intermediate state.
"""

import itertools

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kspec.api.intstr import IntOrPercent, IntOrPercentError
from kspec.api.meta import ObjectMeta
from kspec.api.selectors import LabelSelector
from kspec.api.status import Condition, DeploymentStatus, ReplicaSetStatus, condition
from kspec.api.types import FrozenMap
from kspec.api.workloads import (Deployment, DeploymentSpec, DeploymentStrategy, ReplicaSet, ReplicaSetSpec,
                                 RollingUpdateDeployment)
from kspec.controllers import deployment, kubelet, replicaset, scheduler
from kspec.controllers.common import is_pod_ready, is_terminating
from kspec.model.events import ApplyObject, ImageUpdate, Scale
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, UpdateStatus, apply
from tests.controllers.helpers import objects, state_of

# ---- fixtures ---------------------------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  replicas: %(replicas)d
  revisionHistoryLimit: %(history)d
  minReadySeconds: %(min_ready)d
  progressDeadlineSeconds: %(deadline)d
  selector: {matchLabels: {app: web}}
  strategy: %(strategy)s
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "%(image)s", resources: {requests: {cpu: 100m}}}]
"""


def manifest(replicas=10, strategy="{}", image="a", history=10, min_ready=0, deadline=600) -> str:
    return DEPLOYMENT % {"replicas": replicas, "strategy": strategy, "image": image, "history": history,
                         "min_ready": min_ready, "deadline": deadline}


class Recorder:
    """Wraps actors to record every state any of them observes: after each write, the next
    actor's ``reconcile`` sees the new state, so this is every intermediate state of a run."""

    def __init__(self):
        self.states = []

    def wrap(self, actor: Actor) -> Actor:
        def reconcile(view):
            if not self.states or self.states[-1] is not view:
                self.states.append(view)
            return actor.reconcile(view)
        return attrs.evolve(actor, reconcile=reconcile)


def actors(recorder: Recorder | None = None) -> tuple[Actor, ...]:
    base = (Actor(replicaset.NAME, replicaset.reconcile, replicaset.wakeup), Actor(scheduler.NAME, scheduler.reconcile),
            Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup),
            Actor(deployment.NAME, deployment.reconcile, deployment.wakeup))
    return tuple(recorder.wrap(a) for a in base) if recorder else base


def settled(text: str):
    """The state after running ``text`` to quiescence."""
    result = run(state_of(text), actors())
    assert result.converged
    return result.state


def web(state):
    return state.get("Deployment", "ns", "web")


def replica_sets(state):
    return state.list("ReplicaSet", "ns")


def image_of(pod) -> str:
    return pod.spec.containers[0].image


def update_deployment(state, **spec_changes):
    d = web(state)
    return apply(state, Update(attrs.evolve(d, spec=attrs.evolve(d.spec, **spec_changes)))).state


def rs(name, replicas, created=0, available=None, desired=None, max_replicas=None, revision=None, status_replicas=None,
       uid=None, template_image="a"):
    """A ReplicaSet for the pure helpers (upstream tests' ``rs(...)``)."""
    annotations = {}
    if desired is not None:
        annotations[deployment.DESIRED_REPLICAS] = str(desired)
    if max_replicas is not None:
        annotations[deployment.MAX_REPLICAS] = str(max_replicas)
    if revision is not None:
        annotations[deployment.REVISION] = str(revision)
    meta = ObjectMeta(name=name, namespace="ns", uid=uid or name, creation_timestamp=created, generation=1,
                      annotations=FrozenMap(annotations), resource_version="1")
    status = ReplicaSetStatus(replicas=replicas if status_replicas is None else status_replicas,
                              available_replicas=replicas if available is None else available, observed_generation=1)
    template = objects(manifest(image=template_image))[0].spec.template
    return ReplicaSet(metadata=meta, spec=ReplicaSetSpec(replicas=replicas, template=template), status=status)


def dep(replicas, max_surge=0, max_unavailable=0, strategy="RollingUpdate", status_replicas=0, history=10):
    """A Deployment for the pure helpers (upstream tests' ``newDeployment``: surge and unavailable default to 0)."""
    rolling = RollingUpdateDeployment(max_surge=IntOrPercent.parse(max_surge),
                                      max_unavailable=IntOrPercent.parse(max_unavailable))
    return Deployment(metadata=ObjectMeta(name="foo", namespace="ns", uid="foo", generation=1),
                      spec=DeploymentSpec(replicas=replicas, strategy=DeploymentStrategy(type=strategy, rolling_update=rolling),
                                          selector=LabelSelector.from_python({"matchLabels": {"app": "web"}}),
                                          revision_history_limit=history),
                      status=DeploymentStatus(replicas=status_replicas))


def sizes_after(actions, rss) -> dict:
    """name -> spec.replicas once the ReplicaSet updates among ``actions`` are applied."""
    out = {r.metadata.name: r.spec.replicas for r in rss if r is not None}
    for action in actions:
        assert isinstance(action, Update) and action.obj.kind == "ReplicaSet"
        out[action.obj.metadata.name] = action.obj.spec.replicas
    return out


# ---- fenceposts (deployment_util_test.go TestResolveFenceposts) ---------------------------------

def test_resolve_fenceposts_rounds_surge_up_and_unavailable_down():
    """10 replicas: maxSurge 25% -> 3 (up), maxUnavailable 25% -> 2 (down)."""
    assert deployment.resolve_fenceposts(IntOrPercent.parse("25%"), IntOrPercent.parse("25%"), 10) == (3, 2)


def test_resolve_fenceposts_both_zero_makes_max_unavailable_one():
    """When both fenceposts resolve to 0, maxUnavailable becomes 1 (surge might not work due to quota)."""
    assert deployment.resolve_fenceposts(0, 0, 10) == (0, 1)
    assert deployment.resolve_fenceposts("10%", "10%", 3) == (1, 0)  # 0.3 up is 1: not both zero


@pytest.mark.parametrize("surge,unavailable,desired,expected", [
    ("0%", "0%", 0, (0, 1)),
    ("39%", "39%", 10, (4, 3)),
    (None, "39%", 10, (0, 3)),
    ("39%", None, 10, (4, 0)),
    (None, None, 10, (0, 1)),
])
def test_resolve_fenceposts_upstream_table(surge, unavailable, desired, expected):
    """Upstream TestResolveFenceposts, valid rows."""
    assert deployment.resolve_fenceposts(surge, unavailable, desired) == expected


@pytest.mark.parametrize("surge,unavailable", [("oops", "39%"), ("55%", "urg")])
def test_resolve_fenceposts_rejects_malformed_values(surge, unavailable):
    """Upstream TestResolveFenceposts, error rows."""
    with pytest.raises(IntOrPercentError):
        deployment.resolve_fenceposts(surge, unavailable, 10)


def test_max_surge_and_max_unavailable_of_a_deployment():
    """MaxUnavailable is capped at replicas and 0 for 0 replicas; Recreate has neither."""
    assert (deployment.max_surge(dep(10, "25%", "25%")), deployment.max_unavailable(dep(10, "25%", "25%"))) == (3, 2)
    assert deployment.max_unavailable(dep(2, 0, 5)) == 2
    assert deployment.max_unavailable(dep(0, 0, 5)) == 0
    assert (deployment.max_surge(dep(10, 3, 2, strategy="Recreate")),
            deployment.max_unavailable(dep(10, 3, 2, strategy="Recreate"))) == (0, 0)


# ---- deployment_util_test.go -------------------------------------------------------------------

@pytest.mark.parametrize("strategy,dep_replicas,new_rs_replicas,surge,expected", [
    ("RollingUpdate", 1, 5, 1, 5),   # can not scale up - to newRSReplicas
    ("RollingUpdate", 6, 2, 10, 6),  # scale up - to depReplicas
    ("Recreate", 3, 1, 1, 3),        # recreate - to depReplicas
])
def test_new_rs_new_replicas_upstream_table(strategy, dep_replicas, new_rs_replicas, surge, expected):
    """Upstream TestNewRSNewReplicas (allRSs holds one other set of 5)."""
    d = dep(dep_replicas, surge, 1, strategy=strategy)
    new = rs("new", new_rs_replicas)
    assert deployment.new_rs_new_replicas(d, [rs("rs5", 5)], new) == expected


def test_find_new_replica_set_ignores_the_hash_label_and_prefers_the_oldest():
    """Upstream TestFindNewReplicaSet: same template but another pod-template-hash is the new set; oldest wins."""
    d = objects(manifest(image="a"))[0]
    newer, older = rs("newer", 1, created=20), rs("older", 1, created=10)
    labels = older.spec.template.metadata.labels.set(deployment.HASH_LABEL, "whatever")
    older = attrs.evolve(older, spec=attrs.evolve(older.spec, template=attrs.evolve(
        older.spec.template, metadata=attrs.evolve(older.spec.template.metadata, labels=labels))))
    other = rs("other", 1, created=0, template_image="b")
    assert deployment.find_new_replica_set(d, [newer, older, other]).metadata.name == "older"
    assert deployment.find_new_replica_set(d, [other]) is None


@pytest.mark.parametrize("desired,current,updated,available,expected", [
    (5, 5, 5, 4, False),  # min but not all pods become available
    (5, 5, 5, 3, False),  # min availability is not honored
    (5, 5, 5, 5, True),   # complete
    (5, 5, 4, 5, False),  # all pods are available but not updated
    (1, 2, 1, 1, False),  # still running old pods
    (1, 1, 1, 0, False),  # one replica deployment never comes up
])
def test_deployment_complete_upstream_table(desired, current, updated, available, expected):
    """Upstream TestDeploymentComplete."""
    d = dep(desired)
    status = DeploymentStatus(replicas=current, updated_replicas=updated, available_replicas=available,
                              observed_generation=1)
    assert deployment.deployment_complete(d, status) is expected


@pytest.mark.parametrize("old,new,expected", [
    ((10, 5, 5, 5), (10, 6, 5, 5), True),    # more updated replicas
    ((10, 5, 5, 5), (9, 5, 5, 5), True),     # fewer old replicas
    ((10, 5, 5, 5), (10, 5, 6, 5), True),    # more ready replicas
    ((10, 5, 5, 5), (10, 5, 5, 6), True),    # more available replicas
    ((10, 5, 5, 5), (10, 5, 5, 5), False),   # no change
    ((10, 5, 5, 5), (10, 5, 4, 4), False),   # fewer ready: no progress
])
def test_deployment_progressing_upstream_rules(old, new, expected):
    """Upstream TestDeploymentProgressing: progress = more updated/ready/available or fewer old replicas."""
    def status(t):
        return DeploymentStatus(replicas=t[0], updated_replicas=t[1], ready_replicas=t[2], available_replicas=t[3])
    d = attrs.evolve(dep(10), status=status(old))
    assert deployment.deployment_progressing(d, status(new)) is expected


@pytest.mark.parametrize("deadline,reason,since,now,expected", [
    (2**31 - 1, "", 69, 80, False),                      # no progress deadline: no timeout
    (10, "", 69, 80, True),                              # 80 - 69 = 11s > 10s
    (10, "", 71, 80, False),                             # 9s
    (10, "", 70, 80, False),                             # exactly 10s: not yet (time.Before)
    (10, deployment.NEW_RS_AVAILABLE_REASON, 0, 80, False),  # previous status was a complete deployment
])
def test_deployment_timed_out_upstream_table(deadline, reason, since, now, expected):
    """Upstream TestDeploymentTimedOut (clock in seconds)."""
    d = attrs.evolve(dep(1), spec=attrs.evolve(dep(1).spec, progress_deadline_seconds=deadline))
    cond = Condition(type="Progressing", status="True", reason=reason, last_transition_time=since)
    assert deployment.deployment_timed_out(d, DeploymentStatus(conditions=(cond,)), now) is expected


def test_new_replica_set_annotations_record_rollback_history():
    """SetNewReplicaSetAnnotations: a set raised from revision 1 to 3 keeps "1" in revision-history."""
    d = dep(3)
    old = rs("a", 0, revision=1)
    raised = deployment.set_new_replica_set_annotations(d, old, "3", exists=True)
    assert raised.metadata.annotations[deployment.REVISION] == "3"
    assert raised.metadata.annotations[deployment.REVISION_HISTORY] == "1"
    again = deployment.set_new_replica_set_annotations(d, raised, "5", exists=True)
    assert again.metadata.annotations[deployment.REVISION_HISTORY] == "1,3"
    assert deployment.set_new_replica_set_annotations(d, again, "4", exists=True) == again  # never lowered


def test_new_replica_set_annotations_copy_deployment_annotations_but_not_kubectl_ones():
    """Deployment annotations are copied to the new set, except last-applied and deployment.kubernetes.io ones."""
    d = dep(3)
    d = attrs.evolve(d, metadata=attrs.evolve(d.metadata, annotations=FrozenMap({
        "team": "x", deployment.LAST_APPLIED: "{}", deployment.REVISION: "9"})))
    created = deployment.set_new_replica_set_annotations(d, rs("a", 0), "1", exists=False)
    annotations = created.metadata.annotations
    assert annotations["team"] == "x" and deployment.LAST_APPLIED not in annotations
    assert annotations[deployment.REVISION] == "1"
    assert (annotations[deployment.DESIRED_REPLICAS], annotations[deployment.MAX_REPLICAS]) == ("3", "3")


# ---- sync_test.go TestScale ----------------------------------------------------------------------

NEW, OLD, OLDER = 30, 20, 10  # creation timestamps


@pytest.mark.parametrize("name,replicas,old_replicas,surge,old_surge,new,olds,expected_new,expected_olds,annotation", [
    ("normal scaling event: 10 -> 12", 12, 10, 0, 0, ("foo-v1", 10, NEW), [], 12, [], {}),
    ("normal scaling event: 10 -> 5", 5, 10, 0, 0, ("foo-v1", 10, NEW), [], 5, [], {}),
    ("proportional scaling: 5 -> 10", 10, 5, 0, 0, ("foo-v2", 2, NEW), [("foo-v1", 3, OLD)], 4, [6], {}),
    ("proportional scaling: 5 -> 3", 3, 5, 0, 0, ("foo-v2", 2, NEW), [("foo-v1", 3, OLD)], 1, [2], {}),
    ("proportional scaling: 9 -> 4", 4, 9, 0, 0, ("foo-v2", 8, NEW), [("foo-v1", 1, OLD)], 4, [0], {}),
    ("proportional scaling: 7 -> 10", 10, 7, 0, 0, ("foo-v3", 2, NEW),
     [("foo-v2", 3, OLD), ("foo-v1", 2, OLDER)], 3, [4, 3], {}),
    ("proportional scaling: 13 -> 8", 8, 13, 0, 0, ("foo-v3", 2, NEW),
     [("foo-v2", 8, OLD), ("foo-v1", 3, OLDER)], 1, [5, 2], {}),
    ("leftover distribution: 3 -> 4", 4, 3, 0, 0, ("foo-v3", 1, NEW),
     [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)], 2, [1, 1], {}),
    ("leftover distribution: 3 -> 2", 2, 3, 0, 0, ("foo-v3", 1, NEW),
     [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)], 1, [1, 0], {}),
    ("proportional scaling (no new rs): 4 -> 5", 5, 4, 0, 0, None,
     [("foo-v2", 2, OLD), ("foo-v1", 2, OLDER)], None, [3, 2], {}),
    ("proportional scaling: 6 -> 0", 0, 6, 0, 0, ("foo-v3", 3, NEW),
     [("foo-v2", 2, OLD), ("foo-v1", 1, OLDER)], 0, [0, 0], {}),
    ("proportional scaling: 0 -> 6", 6, 6, 0, 0, ("foo-v3", 0, NEW),
     [("foo-v2", 0, OLD), ("foo-v1", 0, OLDER)], 6, [0, 0], {}),
    ("failed rs update", 5, 5, 0, 0, ("foo-v3", 2, NEW),
     [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)], 2, [2, 1], {"foo-v2": 3}),
    ("deployment with surge pods", 20, 10, 2, 2, ("foo-v2", 6, NEW), [("foo-v1", 6, OLD)], 11, [11], {}),
    ("change both surge and size", 50, 10, 6, 3, ("foo-v2", 5, NEW), [("foo-v1", 8, OLD)], 22, [34], {}),
])
def test_scale_upstream_table(name, replicas, old_replicas, surge, old_surge, new, olds, expected_new,
                              expected_olds, annotation):
    """Upstream TestScale: proportional scaling with its rounding and leftover rule."""
    d = dep(replicas, surge, 0)

    def make(spec):
        n, size, created = spec
        desired = annotation.get(n, old_replicas)
        return rs(n, size, created=created, desired=desired, max_replicas=desired + old_surge)

    new_rs = make(new) if new else None
    old_rss = [make(o) for o in olds]
    result = sizes_after(deployment.scale(d, new_rs, old_rss), [new_rs] + old_rss)
    if new_rs is not None:
        assert result[new_rs.metadata.name] == expected_new, name
    assert [result[o.metadata.name] for o in old_rss] == expected_olds, name


def test_scale_saturated_but_broken_new_replica_set_keeps_old_pods():
    """Upstream TestScale "saturated but broken new replica set does not affect old pods"."""
    d = dep(2, 1, 1)
    new = rs("foo", 2, created=NEW, available=0, desired=2, max_replicas=3)
    old = rs("foo-v1", 1, created=OLD, desired=2, max_replicas=3)
    assert deployment.scale(d, new, [old]) == []


def test_scale_saturated_new_replica_set_drains_old_ones():
    """IsSaturated: a new set at full size, desired and available, scales every old active set to 0."""
    d = dep(3, 1, 0)
    new = rs("new", 3, created=NEW, desired=3, max_replicas=4)
    old = rs("old", 1, created=OLD, desired=3, max_replicas=4)
    assert sizes_after(deployment.scale(d, new, [old]), [new, old]) == {"new": 3, "old": 0}


def test_scale_matches_the_documented_proportional_scaling_example():
    """Docs "proportional scaling": 10 replicas (surge 3), stuck at old 8 / new 5, scaled to 15 -> 11 / 7."""
    d = dep(15, 3, 2)
    new = rs("new", 5, created=NEW, desired=10, max_replicas=13)
    old = rs("old", 8, created=OLD, desired=10, max_replicas=13)
    assert sizes_after(deployment.scale(d, new, [old]), [new, old]) == {"new": 7, "old": 11}


# ---- rolling_test.go -------------------------------------------------------------------------------

@pytest.mark.parametrize("replicas,surge,old,new,expected", [
    (10, 0, 10, 0, None),  # should not scale up
    (10, 2, 10, 0, 2),
    (10, 2, 5, 0, 7),
    (10, 2, 10, 2, None),
    (2, 2, 2, 4, 2),       # should scale down
])
def test_reconcile_new_replica_set_upstream_table(replicas, surge, old, new, expected):
    """Upstream TestDeploymentController_reconcileNewReplicaSet (maxUnavailable 0)."""
    d = dep(replicas, surge, 0)
    old_rs, new_rs = rs("foo-v1", old, created=OLD), rs("foo-v2", new, created=NEW)
    actions = deployment.reconcile_new_replica_set([old_rs, new_rs], new_rs, d)
    if expected is None:
        assert actions == []
    else:
        assert sizes_after(actions, [new_rs])["foo-v2"] == expected


def _reconcile_old_to_fixpoint(d, old_rs, new_rs):
    """Upstream does cleanup then scale-down in one sync; the model does one phase per turn."""
    scaled = False
    for _ in range(5):
        actions = deployment.reconcile_old_replica_sets([old_rs, new_rs], [old_rs], new_rs, d)
        if not actions:
            return scaled, old_rs.spec.replicas
        scaled = True
        (action,) = actions
        old_rs = attrs.evolve(old_rs, spec=action.obj.spec)
    raise AssertionError("no fixpoint")


@pytest.mark.parametrize("replicas,unavailable,old,new,ready_old,ready_new,expected", [
    (10, 0, 10, 0, 10, 0, 9),
    (10, 2, 10, 0, 10, 0, 8),
    (10, 2, 10, 0, 8, 0, 8),   # unhealthy replicas of old sets are cleaned up
    (10, 2, 10, 0, 9, 0, 8),   # 1 unhealthy cleaned up, 1 ready scaled down
    (10, 2, 8, 2, 8, 0, None),  # unavailable new pods do not let old sets scale down further
])
def test_reconcile_old_replica_sets_upstream_table(replicas, unavailable, old, new, ready_old, ready_new, expected):
    """Upstream TestDeploymentController_reconcileOldReplicaSets (maxSurge 0)."""
    d = dep(replicas, 0, unavailable)
    old_rs = rs("foo-v1", old, created=OLD, available=ready_old)
    new_rs = rs("foo-v2", new, created=NEW, available=ready_new)
    scaled, final = _reconcile_old_to_fixpoint(d, old_rs, new_rs)
    assert scaled is (expected is not None)
    if expected is not None:
        assert final == expected


@pytest.mark.parametrize("ready,max_cleanup,expected", [(8, 1, 1), (8, 3, 2), (8, 0, 0), (10, 3, 0)])
def test_cleanup_unhealthy_replicas_upstream_table(ready, max_cleanup, expected):
    """Upstream TestDeploymentController_cleanupUnhealthyReplicas (10 old replicas)."""
    old = rs("foo-v1", 10, available=ready)
    actions = deployment.cleanup_unhealthy_replicas([old], dep(10), max_cleanup)
    assert 10 - sizes_after(actions, [old])["foo-v1"] == expected


@pytest.mark.parametrize("unavailable,ready,expected", [(0, 10, 9), (2, 10, 8), (2, 8, None), (2, 9, 9)])
def test_scale_down_old_replica_sets_for_rolling_update_upstream_table(unavailable, ready, expected):
    """Upstream TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate (10 replicas, 10 old)."""
    old = rs("foo-v1", 10, available=ready)
    actions = deployment.scale_down_old_replica_sets_for_rolling_update([old], [old], dep(10, 0, unavailable))
    if expected is None:
        assert actions == []
    else:
        assert sizes_after(actions, [old])["foo-v1"] == expected


def test_cleanup_unhealthy_replicas_refuses_a_stale_status_above_spec():
    """More available than spec.replicas (a stale status): upstream's "invalid request to scale down" error."""
    old = rs("foo-v1", 3, available=4)
    with pytest.raises(deployment.SyncError):
        deployment.cleanup_unhealthy_replicas([old], dep(4), 2)


def test_live_counts_cap_available_at_spec_and_count_undeleted_pods():
    """DEVIATION counts: available = min(available pods, spec); pods = max(spec, active pods)."""
    old = rs("foo-v1", 3, available=4)
    counts = deployment.PodCounts(active={"foo-v1": 5}, available={"foo-v1": 4})
    assert deployment.available_replicas(old, counts) == 3
    assert deployment.get_replica_count_for_replica_sets([old], counts) == 5
    assert deployment.get_replica_count_for_replica_sets([old]) == 3
    assert deployment.cleanup_unhealthy_replicas([old], dep(4), 2, counts) == []


# ---- sync_test.go cleanupDeployment --------------------------------------------------------------

@pytest.mark.parametrize("olds,limit,expected", [
    ([(0, 0), (0, 0), (0, 0)], 1, 2),
    ([(0, 0), (0, 1), (1, 0), (1, 1)], 0, 1),  # only sets with spec and status replicas 0
    ([(0, 0), (0, 0)], 0, 2),
    ([(1, 1), (1, 1)], 0, 0),
])
def test_cleanup_deployment_upstream_table(olds, limit, expected):
    """Upstream TestDeploymentController_cleanupDeployment: (spec, status) replicas per old set."""
    old_rss = [rs(f"foo-{i}", spec, created=i, status_replicas=status, revision=i + 1)
               for i, (spec, status) in enumerate(olds)]
    actions = deployment.cleanup_deployment(old_rss, dep(1, history=limit))
    assert len(actions) == expected and all(isinstance(a, Delete) for a in actions)


def test_cleanup_deployment_deletes_lowest_revisions_first():
    """Upstream TestDeploymentController_cleanupDeploymentOrder: ReplicaSetsByRevision, not by age."""
    old_rss = [rs("r3", 0, created=1, revision=3), rs("r1", 0, created=2, revision=1), rs("r2", 0, created=3, revision=2)]
    actions = deployment.cleanup_deployment(old_rss, dep(1, history=1))
    assert [a.name for a in actions] == ["r1", "r2"]


# ---- model runs: creation, status, conditions --------------------------------------------------

def test_creates_a_new_replica_set_named_after_the_template_hash():
    """The new set is <deployment>-<hash>, owned by the Deployment, hash label on selector, template and pods."""
    state = settled(manifest(replicas=3))
    d = web(state)
    (new,) = replica_sets(state)
    pod_hash = new.metadata.labels[deployment.HASH_LABEL]
    assert new.metadata.name == f"web-{pod_hash}"
    assert pod_hash == deployment.template_hash(d.spec.template)
    assert new.metadata.controller_ref().uid == d.metadata.uid
    assert dict(new.spec.selector.match_labels) == {"app": "web", deployment.HASH_LABEL: pod_hash}
    assert new.spec.template.metadata.labels[deployment.HASH_LABEL] == pod_hash
    pods = state.list("Pod", "ns")
    assert len(pods) == 3 and all(p.metadata.labels[deployment.HASH_LABEL] == pod_hash for p in pods)
    assert new.metadata.annotations[deployment.REVISION] == "1" == d.metadata.annotations[deployment.REVISION]


def test_status_and_conditions_after_a_complete_rollout():
    """Status counts, observedGeneration, Available=True and Progressing=True NewReplicaSetAvailable."""
    d = web(settled(manifest(replicas=3)))
    s = d.status
    assert (s.replicas, s.updated_replicas, s.ready_replicas, s.available_replicas, s.unavailable_replicas) == (3, 3, 3, 3, 0)
    assert s.observed_generation == d.metadata.generation
    available, progressing = condition(s.conditions, "Available"), condition(s.conditions, "Progressing")
    assert (available.status, available.reason) == ("True", "MinimumReplicasAvailable")
    assert (progressing.status, progressing.reason) == ("True", "NewReplicaSetAvailable")


def test_first_sync_writes_progressing_before_creating_the_set():
    """NewReplicaSetCreated is recorded (at the current clock) as the set is created."""
    state = state_of(manifest(replicas=2))
    first = deployment.reconcile(state)
    assert isinstance(first[0], UpdateStatus)
    cond = condition(first[0].obj.status.conditions, "Progressing")
    assert (cond.reason, cond.last_transition_time) == ("NewReplicaSetCreated", 0)
    state = apply(state, first[0]).state
    (create,) = deployment.reconcile(state)
    assert isinstance(create, Create) and create.obj.spec.replicas == 2


def test_observed_generation_follows_generation():
    """Every spec change bumps generation; the status catches up to it."""
    state = settled(manifest(replicas=2))
    state = update_deployment(state, replicas=3)
    assert web(state).metadata.generation == 2 and web(state).status.observed_generation == 1
    state = run(state, actors()).state
    assert web(state).status.observed_generation == web(state).metadata.generation == 2


def test_adopts_orphan_replica_sets_and_releases_non_matching_ones():
    """ClaimReplicaSets: an orphan set matching the selector is adopted; an owned one relabelled is released."""
    state = settled(manifest(replicas=1))
    (owned,) = replica_sets(state)
    orphan = attrs.evolve(owned, metadata=attrs.evolve(owned.metadata, name="stray", owner_references=()))
    state = apply(state, Create(orphan)).state
    (adopt,) = deployment.reconcile(state)
    assert adopt.obj.metadata.name == "stray" and adopt.obj.metadata.controller_ref().uid == web(state).metadata.uid
    state = apply(state.remove("ReplicaSet", "ns", "stray"), Update(attrs.evolve(owned, metadata=attrs.evolve(
        owned.metadata, labels=owned.metadata.labels.set("app", "other"))))).state
    (release,) = deployment.reconcile(state)
    assert release.obj.metadata.name == owned.metadata.name and release.obj.metadata.controller_ref() is None


def test_a_hash_collision_bumps_collision_count_and_rehashes():
    """A set already named <deployment>-<hash> that is not ours: collisionCount+1 and another name."""
    state = state_of(manifest(replicas=1))
    d = web(state)
    name = f"web-{deployment.template_hash(d.spec.template)}"
    squatter = rs(name, 0)
    squatter = attrs.evolve(squatter, metadata=ObjectMeta(name=name, namespace="ns", labels=FrozenMap({"app": "x"})))
    state = apply(state, Create(squatter)).state
    result = run(state, actors())
    assert result.converged and web(result.state).status.collision_count == 1
    names = sorted(r.metadata.name for r in replica_sets(result.state) if r.metadata.controller_ref())
    assert len(names) == 1 and names[0] != name and len(result.state.list("Pod", "ns")) == 1


# ---- model runs: rolling update -----------------------------------------------------------------

def _rollout_states(text, replicas, image="b", events=()):
    """Every state of a rollout to ``image`` from the settled ``text``, and the final run."""
    state = settled(text)
    recorder = Recorder()
    result = run(state, actors(recorder), [ImageUpdate("Deployment", "ns", "web", "web", image, at=state.clock),
                                           *events])
    return recorder.states, result


def _check_rolling_bounds(states, replicas, surge, unavailable):
    for state in states:
        active = [p for p in state.list("Pod", "ns") if not is_terminating(p)]
        ready = [p for p in active if is_pod_ready(p)]
        assert len(ready) >= replicas - unavailable, state.clock
        assert len(active) <= replicas + surge, state.clock


@pytest.mark.parametrize("replicas,strategy,surge,unavailable", [
    (10, "{}", 3, 2),  # defaults 25% / 25%
    (4, "{rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}", 0, 1),
    (3, "{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}", 1, 0),
])
def test_rolling_update_converges_within_surge_and_unavailability_bounds(replicas, strategy, surge, unavailable):
    """A rollout A -> B ends with every pod on B; on every intermediate state ready >= replicas - maxUnavailable
    and (non-terminating) pods <= replicas + maxSurge."""
    states, result = _rollout_states(manifest(replicas=replicas, strategy=strategy), replicas)
    assert result.converged and len(states) > 10
    _check_rolling_bounds(states, replicas, surge, unavailable)
    pods = result.state.list("Pod", "ns")
    assert len(pods) == replicas and {image_of(p) for p in pods} == {"b"}
    d = web(result.state)
    assert d.status.updated_replicas == d.status.available_replicas == replicas
    assert sorted(r.spec.replicas for r in replica_sets(result.state)) == [0, replicas]
    assert condition(d.status.conditions, "Progressing").reason == "NewReplicaSetAvailable"
    reasons = {getattr(condition(web(s).status.conditions, "Progressing"), "reason", None) for s in states}
    assert "ReplicaSetUpdated" in reasons


def test_rolling_bounds_hold_for_every_actor_turn_order():
    """All 24 turn orders, with the new set sorting before the old one (the ReplicaSet controller then creates
    before it deletes): the bounds hold. Upstream's spec-only pod count exceeds maxSurge here (DEVIATION)."""
    base = settled(manifest(replicas=7, strategy="{rollingUpdate: {maxSurge: 2, maxUnavailable: 2}}", image="d"))
    new_name = "web-" + deployment.template_hash(attrs.evolve(web(base).spec.template, spec=attrs.evolve(
        web(base).spec.template.spec, containers=(attrs.evolve(web(base).spec.template.spec.containers[0], image="a"),))))
    assert new_name < replica_sets(base)[0].metadata.name
    for order in itertools.permutations(range(4)):
        recorder = Recorder()
        wrapped = actors(recorder)
        result = run(base, [wrapped[i] for i in order], [ImageUpdate("Deployment", "ns", "web", "web", "a", at=base.clock)])
        assert result.converged, order
        _check_rolling_bounds(recorder.states, 7, 2, 2)


def test_rolling_bounds_hold_on_runs_cut_at_every_step_bound():
    """Cross-check of the recorder: run(..., max_steps=k) states are intermediate states that keep the bounds."""
    state = settled(manifest(replicas=4))
    event = ImageUpdate("Deployment", "ns", "web", "web", "b", at=state.clock)
    full = run(state, actors(), [event])
    cuts = [run(state, actors(), [event], max_steps=k).state for k in range(1, full.steps + 1, 3)]
    _check_rolling_bounds(cuts, 4, 1, 1)
    assert run(state, actors(), [event], max_steps=full.steps).state == full.state


def test_rolling_update_with_min_ready_seconds_waits_on_the_clock():
    """minReadySeconds: pods count as available only after it; the run advances the clock via wakeup."""
    _, result = _rollout_states(manifest(replicas=3, min_ready=30), 3)
    assert result.converged and result.state.clock >= 30
    assert {image_of(p) for p in result.state.list("Pod", "ns")} == {"b"}
    assert web(result.state).status.available_replicas == 3


def test_rollback_reuses_the_matching_replica_set_with_the_next_revision():
    """Re-applying template A after B: A's set becomes new again with revision 3 and revision-history 1."""
    state = settled(manifest(replicas=2))
    first = replica_sets(state)[0].metadata.name
    state = run(state, actors(), [ImageUpdate("Deployment", "ns", "web", "web", "b", at=state.clock)]).state
    state = run(state, actors(), [ImageUpdate("Deployment", "ns", "web", "web", "a", at=state.clock)]).state
    sets = {r.metadata.name: r for r in replica_sets(state)}
    assert len(sets) == 2
    assert sets[first].spec.replicas == 2
    assert sets[first].metadata.annotations[deployment.REVISION] == "3"
    assert sets[first].metadata.annotations[deployment.REVISION_HISTORY] == "1"
    assert web(state).metadata.annotations[deployment.REVISION] == "3"
    assert {image_of(p) for p in state.list("Pod", "ns")} == {"a"}


def test_rollback_of_a_stuck_rollout_restores_the_old_set():
    """A rollout that cannot progress, undone by re-applying the old template: the old set is scaled back up."""
    state = settled(manifest(replicas=4))
    good = web(state).spec.template
    state = _with_template(state, attrs.evolve(good, spec=attrs.evolve(good.spec, node_selector=FrozenMap({"disk": "x"}))))
    state = run(state, actors(), max_steps=200).state
    assert sorted(r.spec.replicas for r in replica_sets(state)) == [2, 3]
    state = run(_with_template(state, good), actors()).state
    assert sorted((deployment.revision(r), r.spec.replicas) for r in replica_sets(state)) == [(2, 0), (3, 4)]
    assert len(state.list("Pod", "ns")) == 4 and web(state).status.available_replicas == 4


def _with_template(state, template):
    d = web(state)
    return apply(state, Update(attrs.evolve(d, spec=attrs.evolve(d.spec, template=template)))).state


def test_revision_history_limit_prunes_old_replica_sets():
    """revisionHistoryLimit 1: after A -> B -> C -> D only D and C remain; old sets are scaled to 0 first."""
    state = settled(manifest(replicas=2, history=1))
    for image in ("b", "c", "d"):
        state = run(state, actors(), [ImageUpdate("Deployment", "ns", "web", "web", image, at=state.clock)]).state
    sets = replica_sets(state)
    assert len(sets) == 2
    by_revision = sorted((deployment.revision(r), r.spec.replicas, image_of(r.spec.template)) for r in sets)
    assert by_revision == [(3, 0, "c"), (4, 2, "d")]
    d = web(state)
    assert d.status.observed_generation == d.metadata.generation == 4


def test_progress_deadline_exceeded_on_a_stuck_rollout():
    """A new template whose pods never schedule: Progressing turns False ProgressDeadlineExceeded after the deadline."""
    state = settled(manifest(replicas=2, deadline=30))
    d = web(state)
    template = d.spec.template
    template = attrs.evolve(template, spec=attrs.evolve(template.spec, node_selector=FrozenMap({"disk": "none"})))
    state = apply(state, Update(attrs.evolve(d, spec=attrs.evolve(d.spec, template=template)))).state
    result = run(state, actors())
    assert result.converged
    cond = condition(web(result.state).status.conditions, "Progressing")
    assert (cond.status, cond.reason) == ("False", "ProgressDeadlineExceeded")
    assert result.state.clock > 30
    assert condition(web(result.state).status.conditions, "Available").status == "True"
    assert deployment.wakeup(result.state) is None


def test_wakeup_is_the_first_second_after_the_progress_deadline():
    """requeueStuckDeployment: wake at last progress + progressDeadlineSeconds + 1 while not complete."""
    state = state_of(manifest(replicas=1, deadline=30))
    state = apply(state, deployment.reconcile(state)[0]).state  # NewReplicaSetCreated at 0
    assert deployment.wakeup(state) == 31


# ---- model runs: recreate, paused, scaling -------------------------------------------------------

def test_recreate_never_runs_old_and_new_pods_together():
    """Recreate: old sets go to 0, their pods disappear, then the new set scales up; never both at once."""
    states, result = _rollout_states(manifest(replicas=3, strategy="{type: Recreate}"), 3)
    assert result.converged
    for state in states:
        images = {image_of(p) for p in state.list("Pod", "ns")}
        assert images != {"a", "b"}, state.clock
    pods = result.state.list("Pod", "ns")
    assert len(pods) == 3 and {image_of(p) for p in pods} == {"b"}


def test_paused_deployment_creates_no_replica_set_until_resumed():
    """Paused: a template change makes no new set (Progressing Unknown DeploymentPaused); resuming rolls out."""
    state = update_deployment(settled(manifest(replicas=2)), paused=True)
    state = run(state, actors(), [ImageUpdate("Deployment", "ns", "web", "web", "b", at=state.clock)]).state
    assert len(replica_sets(state)) == 1
    assert {image_of(p) for p in state.list("Pod", "ns")} == {"a"}
    cond = condition(web(state).status.conditions, "Progressing")
    assert (cond.status, cond.reason) == ("Unknown", "DeploymentPaused")
    state = run(update_deployment(state, paused=False), actors()).state
    assert len(replica_sets(state)) == 2
    assert {image_of(p) for p in state.list("Pod", "ns")} == {"b"}
    assert condition(web(state).status.conditions, "Progressing").reason == "NewReplicaSetAvailable"


def test_paused_deployment_still_scales():
    """Scaling a paused Deployment resizes its set (sync: scale) without starting a rollout."""
    state = update_deployment(settled(manifest(replicas=2)), paused=True)
    state = run(state, actors(), [Scale("Deployment", "ns", "web", 4, at=state.clock)]).state
    (only,) = replica_sets(state)
    assert only.spec.replicas == 4 and len(state.list("Pod", "ns")) == 4


def test_scaling_mid_rollout_is_proportional():
    """Docs example: 10 replicas (surge 3, unavailable 2) stuck at old 8 / new 5; scaled to 15 -> old 11 / new 7."""
    state = settled(manifest(replicas=10, strategy="{rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}"))
    d = web(state)
    template = d.spec.template
    template = attrs.evolve(template, spec=attrs.evolve(template.spec, node_selector=FrozenMap({"disk": "none"})))
    state = apply(state, Update(attrs.evolve(d, spec=attrs.evolve(d.spec, template=template)))).state
    stuck = run(state, actors(), max_steps=400).state
    sizes = {image_of(r.spec.template) + str(bool(r.spec.template.spec.node_selector)): r.spec.replicas
             for r in replica_sets(stuck)}
    assert sizes == {"aFalse": 8, "aTrue": 5}
    scaled = run(stuck, actors(), [Scale("Deployment", "ns", "web", 15, at=stuck.clock)], max_steps=600).state
    sizes = {str(bool(r.spec.template.spec.node_selector)): r.spec.replicas for r in replica_sets(scaled)}
    assert sizes == {"False": 11, "True": 7}
    for r in replica_sets(scaled):
        assert (r.metadata.annotations[deployment.DESIRED_REPLICAS], r.metadata.annotations[deployment.MAX_REPLICAS]) \
            == ("15", "18")


def test_scaling_a_settled_deployment_resizes_its_only_set():
    """FindActiveOrLatest: one active set takes all replicas, down as well as up."""
    state = settled(manifest(replicas=3))
    for size in (5, 1):
        state = run(state, actors(), [Scale("Deployment", "ns", "web", size, at=state.clock)]).state
        (only,) = replica_sets(state)
        assert only.spec.replicas == size and len(state.list("Pod", "ns")) == size
        assert web(state).status.replicas == size


# ---- purity ------------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(replicas=st.integers(0, 5), surge=st.sampled_from(["0", "1", "50%"]), unavailable=st.sampled_from(["1", "0", "25%"]),
       recreate=st.booleans(), paused=st.booleans(), steps=st.integers(0, 60))
def test_reconcile_never_mutates_its_view(replicas, surge, unavailable, recreate, paused, steps):
    """Decisions are pure: any reachable state hashes the same before and after reconcile and wakeup."""
    if surge == "0" and unavailable == "0":
        unavailable = "1"
    strategy = "{type: Recreate}" if recreate else (
        f"{{rollingUpdate: {{maxSurge: {surge}, maxUnavailable: {unavailable}}}}}")
    state = state_of(manifest(replicas=replicas, strategy=strategy))
    paused_object = attrs.evolve(web(state), spec=attrs.evolve(web(state).spec, paused=True))
    events = [ImageUpdate("Deployment", "ns", "web", "web", "b", at=0)]
    if paused:
        events.insert(0, ApplyObject(paused_object, at=0))
    state = run(state, actors(), events, max_steps=steps).state
    before = hash(state)
    first = deployment.reconcile(state)
    deployment.wakeup(state)
    assert hash(state) == before and deployment.reconcile(state) == first


# ---- shared-file bugs found on the way ----------------------------------------------------------

# Regression: the ReplicaSet controller had no wakeup, so such a set settled early
# (upstream replica_set.go requeues a set AddAfter minReadySeconds).
def test_standalone_replica_set_with_min_ready_seconds_becomes_available():
    """A ReplicaSet with minReadySeconds 30 alone: its pod should count as available at clock 30."""
    text = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: solo, namespace: ns}
spec:
  replicas: 1
  minReadySeconds: 30
  selector: {matchLabels: {app: solo}}
  template:
    metadata: {labels: {app: solo}}
    spec: {containers: [{name: c, image: nginx}]}
"""
    result = run(state_of(text), actors()[:3])
    assert result.state.get("ReplicaSet", "ns", "solo").status.available_replicas == 1
