"""The garbage collector against upstream pkg/controller/garbagecollector behaviour."""

import attrs

from kspec.api.meta import ObjectMeta, OwnerReference
from kspec.api.core import ConfigMap
from kspec.controllers import garbagecollector, kubelet, replicaset, scheduler
from kspec.controllers.common import owner_ref
from kspec.model.events import DeleteObject, NodeFailure
from kspec.model.run import Actor, run
from kspec.model.state import ClusterState
from kspec.model.store import FOREGROUND, ORPHAN, Create, Delete, Update, apply
from tests.controllers.helpers import objects, state_of

GC = Actor(garbagecollector.NAME, garbagecollector.reconcile)
ACTORS = (Actor(replicaset.NAME, replicaset.reconcile), Actor(scheduler.NAME, scheduler.reconcile),
          Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup), GC)

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""
REPLICASET = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-abc, namespace: ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""


def chain():
    """Deployment -> ReplicaSet (controller ref, blockOwnerDeletion) -> 2 running Pods."""
    state = state_of(DEPLOYMENT)
    (rs,) = objects(REPLICASET)
    owner = state.get("Deployment", "ns", "web")
    rs = attrs.evolve(rs, metadata=attrs.evolve(rs.metadata, owner_references=(owner_ref(owner),)))
    return run(apply(state, Create(rs)).state, ACTORS).state


def cm(name: str, *owners, finalizers=()) -> ConfigMap:
    refs = tuple(OwnerReference(api_version="v1", kind=o.kind, name=o.metadata.name, uid=o.metadata.uid,
                                block_owner_deletion=block) for o, block in owners)
    return ConfigMap(metadata=ObjectMeta(name=name, namespace="ns", owner_references=refs, finalizers=finalizers))


def created(state, obj):
    outcome = apply(state, Create(obj))
    assert outcome.ok, outcome.message
    return outcome.state


def names(state, kind):
    return [o.metadata.name for o in state.list(kind)]


def test_background_deletion_removes_the_whole_chain():
    """Deleting a Deployment (background): the ReplicaSet and then its pods are collected."""
    state = chain()
    assert len(state.list("Pod")) == 2
    result = run(state, ACTORS, [DeleteObject("Deployment", "ns", "web")])
    assert result.converged
    assert result.state.list("Deployment") == result.state.list("ReplicaSet") == result.state.list("Pod") == []
    order = [s.object.split("/")[0] for s in result.timeline if s.actor == garbagecollector.NAME]
    assert order[0] == "ReplicaSet" and set(order[1:]) == {"Pod"}


def test_foreground_deletion_waits_for_blocking_dependents_bottom_up():
    """Foreground: the ReplicaSet is deleted in the foreground, its pods go first, then the
    ReplicaSet's finalizer is removed, and only then the Deployment's."""
    state = chain()
    state = apply(state, Delete("Deployment", "ns", "web", propagation="Foreground")).state
    deployment = state.get("Deployment", "ns", "web")
    assert deployment.metadata.finalizers == (FOREGROUND,) and deployment.metadata.deletion_timestamp is not None
    (delete_rs,) = garbagecollector.reconcile(state)
    assert delete_rs == Delete("ReplicaSet", "ns", "web-abc", propagation="Foreground")
    result = run(state, ACTORS)
    gc_steps = [(s.action, s.object) for s in result.timeline if s.actor == garbagecollector.NAME]
    assert gc_steps[0] == ("delete", "ReplicaSet/ns/web-abc")
    assert gc_steps[-2:] == [("update", "ReplicaSet/ns/web-abc"), ("update", "Deployment/ns/web")]
    assert result.state.list("Deployment") == result.state.list("ReplicaSet") == result.state.list("Pod") == []


def test_foreground_owner_waits_while_a_dependent_is_terminating():
    """A terminating blocking dependent (pod on a down node) keeps the owner's finalizer."""
    state = chain()
    pods = state.list("Pod")
    state = apply(state, Delete("ReplicaSet", "ns", "web-abc", propagation="Foreground")).state
    state = run(state, ACTORS, [NodeFailure(pods[0].spec.node_name)], max_steps=40).state
    rs = state.get("ReplicaSet", "ns", "web-abc")
    assert rs is not None and FOREGROUND in rs.metadata.finalizers
    assert all(p.metadata.deletion_timestamp is not None for p in state.list("Pod"))
    assert garbagecollector.reconcile(state) == ()


def test_non_blocking_dependents_do_not_hold_a_foreground_owner_but_are_collected():
    """Only blockOwnerDeletion references make a foreground owner wait; the others are deleted anyway."""
    state = created(ClusterState(), cm("owner"))
    owner = state.get("ConfigMap", "ns", "owner")
    state = created(state, cm("free", (owner, False), finalizers=("example.com/hold",)))
    state = apply(state, Delete("ConfigMap", "ns", "owner", propagation="Foreground")).state
    actions = garbagecollector.reconcile(state)
    assert Delete("ConfigMap", "ns", "free", propagation="Background") in actions
    assert any(isinstance(a, Update) and a.obj.metadata.name == "owner" and not a.obj.metadata.finalizers
               for a in actions)


def test_orphan_deletion_removes_owner_references_then_the_finalizer():
    """Orphan: dependents lose the reference to the owner, then the orphan finalizer goes."""
    state = chain()
    result = run(state, ACTORS, [DeleteObject("Deployment", "ns", "web", propagation="Orphan")])
    assert result.state.get("Deployment", "ns", "web") is None
    rs = result.state.get("ReplicaSet", "ns", "web-abc")
    assert rs is not None and rs.metadata.owner_references == ()
    assert len(result.state.list("Pod")) == 2
    gc_steps = [s.object for s in result.timeline if s.actor == garbagecollector.NAME]
    assert gc_steps == ["ReplicaSet/ns/web-abc", "Deployment/ns/web"]


def test_dependent_with_a_live_owner_loses_only_the_dangling_reference():
    """Solid and dangling owners: the reference to the missing owner is removed, the object stays."""
    state = created(created(ClusterState(), cm("a")), cm("b"))
    a, b = state.get("ConfigMap", "ns", "a"), state.get("ConfigMap", "ns", "b")
    state = created(state, cm("dep", (a, True), (b, True)))
    state = apply(state, Delete("ConfigMap", "ns", "a")).state
    (update,) = garbagecollector.reconcile(state)
    assert [r.name for r in update.obj.metadata.owner_references] == ["b"]
    state = run(state, (GC,)).state
    assert names(state, "ConfigMap") == ["b", "dep"]


def test_recreated_owner_with_a_new_uid_does_not_adopt_old_dependents():
    """References are by uid: an owner deleted and recreated under the same name is another owner."""
    state = created(ClusterState(), cm("owner"))
    owner = state.get("ConfigMap", "ns", "owner")
    state = created(state, cm("dep", (owner, True)))
    state = created(state.remove("ConfigMap", "ns", "owner"), cm("owner"))
    assert state.get("ConfigMap", "ns", "owner").metadata.uid != owner.metadata.uid
    assert garbagecollector.reconcile(state) == (Delete("ConfigMap", "ns", "dep"),)


def test_dangling_dependent_with_its_own_orphan_finalizer_is_deleted_orphaning():
    """Upstream honours the dependent's own finalizers when picking the propagation policy."""
    state = created(ClusterState(), cm("owner"))
    owner = state.get("ConfigMap", "ns", "owner")
    state = created(state, cm("dep", (owner, True), finalizers=(ORPHAN,)))
    state = state.remove("ConfigMap", "ns", "owner")
    assert garbagecollector.reconcile(state) == (Delete("ConfigMap", "ns", "dep", propagation="Orphan"),)


def test_objects_without_owners_and_orphans_on_purpose_are_left_alone():
    """Nothing to do for objects with no ownerReferences (including ones orphaned earlier)."""
    state = chain()
    state = run(state, ACTORS, [DeleteObject("Deployment", "ns", "web", propagation="Orphan")]).state
    assert garbagecollector.reconcile(state) == ()


def test_terminating_dependents_are_not_deleted_again():
    """attemptToDeleteItem returns at once for an object already being deleted."""
    state = created(ClusterState(), cm("owner"))
    owner = state.get("ConfigMap", "ns", "owner")
    state = created(state, cm("dep", (owner, True), finalizers=("example.com/hold",)))
    state = apply(state, Delete("ConfigMap", "ns", "dep")).state
    state = state.remove("ConfigMap", "ns", "owner")
    assert garbagecollector.reconcile(state) == ()


def test_cluster_scoped_owner_is_looked_up_without_namespace():
    """A namespaced object owned by a Node stays while the node exists and goes with it."""
    state = state_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: ns}\n")
    node = state.get("Node", "", "node-0")
    dep = cm("dep", (node, False))
    state = created(state, dep)
    assert garbagecollector.reconcile(state) == ()
    state = apply(state, Delete("Node", "", "node-0")).state
    assert garbagecollector.reconcile(state) == (Delete("ConfigMap", "ns", "dep"),)


def test_reconcile_does_not_modify_its_view():
    """Decisions are pure: same hash and equal to a copy afterwards."""
    state = apply(chain(), Delete("Deployment", "ns", "web", propagation="Foreground")).state
    before, copy = hash(state), attrs.evolve(state)
    garbagecollector.reconcile(state)
    assert hash(state) == before and state == copy
