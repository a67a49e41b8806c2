"""The store against the API server's write rules (upstream staging/src/k8s.io/apiserver/pkg/registry
and pkg/registry/core/pod); strict xfails mark where the store deviates from upstream."""

import attrs
import pytest

from kspec.api.status import Condition, set_condition
from kspec.model.state import ClusterState
from kspec.model.store import (FOREGROUND, ORPHAN, Bind, Create, Delete, Evict, Update, UpdateStatus, apply)
from tests.controllers.helpers import objects, state_of

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: ns%s}\n"
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


def one(text: str):
    (obj,) = objects(text)
    return obj


def pod_yaml(name: str, node: str = "", labels: str = "{app: web}", extra: str = "") -> str:
    node_line = f"  nodeName: {node}\n" if node else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: ns, labels: {labels}}}\n"
            f"spec:\n{node_line}{extra}  containers: [{{name: c, image: x}}]\n")


def ok(state, action):
    outcome = apply(state, action)
    assert outcome.ok, outcome.message
    return outcome.state


def rejected(state, action) -> str:
    """The store refuses ``action`` and leaves the state as it was."""
    before = hash(state)
    outcome = apply(state, action)
    assert not outcome.ok and outcome.state is state and hash(outcome.state) == before
    return outcome.message


def ready(pod, status="True"):
    cond = Condition(type="Ready", status=status)
    return attrs.evolve(pod, status=attrs.evolve(pod.status, phase="Running",
                                                 conditions=set_condition(pod.status.conditions, cond)))


def with_pods(text: str = "", count: int = 3, ready_count: int | None = None):
    """A cluster with ``count`` bound pods p0.. on node-0 (the first ``ready_count`` Ready) and ``text``."""
    state = state_of(text) if text else state_of(CM % ("x", ""))
    ready_count = count if ready_count is None else ready_count
    for i in range(count):
        state = ok(state, Create(one(pod_yaml(f"p{i}", "node-0"))))
        pod = state.get("Pod", "ns", f"p{i}")
        state = ok(state, UpdateStatus(ready(pod, "True" if i < ready_count else "False")))
    return state


# ---- create -----------------------------------------------------------------------------------

def test_create_sets_identity_and_rejects_an_existing_name():
    """Create: uid, resourceVersion 1, generation 1, creation time; the same name again is AlreadyExists."""
    state = ok(ClusterState(clock=5), Create(one(CM % ("a", ""))))
    cm = state.get("ConfigMap", "ns", "a")
    assert (cm.metadata.uid, cm.metadata.resource_version, cm.metadata.creation_timestamp) == ("ns/a#1", "1", 5)
    assert "already exists" in rejected(state, Create(one(CM % ("a", ""))))


def test_generate_name_takes_the_smallest_free_suffix():
    """generateName: prefix plus a free suffix (deterministic here); no name and no prefix is refused."""
    meta = one(CM % ("x", "")).metadata
    obj = attrs.evolve(one(CM % ("x", "")), metadata=attrs.evolve(meta, name="", generate_name="web-"))
    outcome = apply(ClusterState(), Create(obj))
    assert outcome.ref == "ConfigMap/ns/web-0"
    state = ok(outcome.state, Create(obj))
    assert [c.metadata.name for c in state.list("ConfigMap")] == ["web-0", "web-1"]
    state = ok(state.remove("ConfigMap", "ns", "web-0"), Create(obj))
    assert state.get("ConfigMap", "ns", "web-0") is not None
    nameless = attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, generate_name=""))
    assert "required" in rejected(state, Create(nameless))


def test_each_incarnation_gets_a_new_uid():
    """Deleting and creating the same name again gives another uid (owners are matched by uid)."""
    state = ok(ClusterState(), Create(one(CM % ("a", ""))))
    first = state.get("ConfigMap", "ns", "a").metadata.uid
    state = ok(ok(state, Delete("ConfigMap", "ns", "a")), Create(one(CM % ("a", ""))))
    assert state.get("ConfigMap", "ns", "a").metadata.uid != first


# ---- update -----------------------------------------------------------------------------------

def test_stale_resource_version_is_a_conflict_and_changes_nothing():
    """Optimistic concurrency: an Update or UpdateStatus carrying an old resourceVersion is refused."""
    state = state_of(DEPLOYMENT)
    stale = state.get("Deployment", "ns", "web")
    state = ok(state, Update(attrs.evolve(stale, spec=attrs.evolve(stale.spec, replicas=3))))
    assert "conflict" in rejected(state, Update(attrs.evolve(stale, spec=attrs.evolve(stale.spec, replicas=5))))
    assert "conflict" in rejected(state, UpdateStatus(stale))
    assert state.get("Deployment", "ns", "web").spec.replicas == 3


def test_update_of_a_missing_object_is_not_found():
    """Update and Delete of an object that does not exist are refused."""
    assert "not found" in rejected(ClusterState(), Update(one(CM % ("a", ""))))
    assert "not found" in rejected(ClusterState(), Delete("ConfigMap", "ns", "a"))


def test_generation_grows_on_spec_changes_only():
    """generation +1 on a spec change; not on status writes nor metadata-only (labels) changes;
    the resourceVersion grows on every write."""
    state = state_of(DEPLOYMENT)
    d = state.get("Deployment", "ns", "web")
    assert (d.metadata.generation, d.metadata.resource_version) == (1, "1")
    state = ok(state, Update(attrs.evolve(d, spec=attrs.evolve(d.spec, replicas=3))))
    d = state.get("Deployment", "ns", "web")
    assert (d.metadata.generation, d.metadata.resource_version) == (2, "2")
    state = ok(state, UpdateStatus(attrs.evolve(d, status=attrs.evolve(d.status, replicas=3))))
    d = state.get("Deployment", "ns", "web")
    assert (d.metadata.generation, d.metadata.resource_version, d.status.replicas) == (2, "3", 3)
    labelled = attrs.evolve(d, metadata=attrs.evolve(d.metadata, labels=d.metadata.labels.set("team", "a")))
    state = ok(state, Update(labelled))
    d = state.get("Deployment", "ns", "web")
    assert (d.metadata.generation, d.metadata.resource_version, d.metadata.labels["team"]) == (2, "4", "a")


def test_update_ignores_status_and_update_status_ignores_spec():
    """The status subresource: Update keeps the stored status; UpdateStatus keeps spec and metadata."""
    state = state_of(DEPLOYMENT)
    d = state.get("Deployment", "ns", "web")
    state = ok(state, Update(attrs.evolve(d, status=attrs.evolve(d.status, replicas=9))))
    d = state.get("Deployment", "ns", "web")
    assert d.status.replicas == 0
    changed = attrs.evolve(d, spec=attrs.evolve(d.spec, replicas=7), status=attrs.evolve(d.status, replicas=1))
    state = ok(state, UpdateStatus(changed))
    d = state.get("Deployment", "ns", "web")
    assert (d.spec.replicas, d.status.replicas, d.metadata.generation) == (2, 1, 1)


def test_update_cannot_set_or_clear_the_deletion_timestamp():
    """deletionTimestamp is the server's: an Update carrying another value keeps the stored one."""
    state = ok(ClusterState(clock=3), Create(one(CM % ("a", ", finalizers: [example.com/f]"))))
    cm = state.get("ConfigMap", "ns", "a")
    state = ok(state, Update(attrs.evolve(cm, metadata=attrs.evolve(cm.metadata, deletion_timestamp=1))))
    assert state.get("ConfigMap", "ns", "a").metadata.deletion_timestamp is None
    state = ok(state, Delete("ConfigMap", "ns", "a"))
    cm = state.get("ConfigMap", "ns", "a")
    state = ok(state, Update(attrs.evolve(cm, metadata=attrs.evolve(cm.metadata, deletion_timestamp=None,
                                                                    labels=cm.metadata.labels.set("k", "v")))))
    assert state.get("ConfigMap", "ns", "a").metadata.deletion_timestamp == 3


def test_update_status_of_a_kind_without_status_is_refused():
    """A ConfigMap has no status subresource: the write is refused, not a crash."""
    state = ok(ClusterState(), Create(one(CM % ("a", ""))))
    rejected(state, UpdateStatus(state.get("ConfigMap", "ns", "a")))


# ---- delete -----------------------------------------------------------------------------------

def test_graceful_pod_deletion_waits_for_the_kubelet():
    """A bound pod gets deletionTimestamp and its grace period; the kubelet's grace-0 delete removes it."""
    state = with_pods(count=1)
    state = ok(state, Delete("Pod", "ns", "p0"))
    pod = state.get("Pod", "ns", "p0")
    assert pod.metadata.deletion_timestamp is not None and pod.metadata.deletion_grace_period_seconds == 30
    state = ok(state, Delete("Pod", "ns", "p0", grace_seconds=0))
    assert state.get("Pod", "ns", "p0") is None


def test_unscheduled_pod_and_grace_zero_delete_at_once():
    """CheckGracefulDelete: a pod without a node, or a delete with grace 0, is removed at once."""
    state = ok(with_pods(count=1), Create(one(pod_yaml("pending"))))
    state = ok(state, Delete("Pod", "ns", "pending"))
    assert state.get("Pod", "ns", "pending") is None
    state = ok(state, Delete("Pod", "ns", "p0", grace_seconds=0))
    assert state.get("Pod", "ns", "p0") is None


def test_finalizers_hold_deletion_until_removed():
    """An object with finalizers stays (deletionTimestamp set) until an Update removes the last one."""
    state = ok(ClusterState(clock=4), Create(one(CM % ("a", ", finalizers: [example.com/a, example.com/b]"))))
    state = ok(state, Delete("ConfigMap", "ns", "a"))
    cm = state.get("ConfigMap", "ns", "a")
    assert cm.metadata.deletion_timestamp == 4 and cm.metadata.deletion_grace_period_seconds == 0
    state = ok(state, Update(attrs.evolve(cm, metadata=attrs.evolve(cm.metadata, finalizers=("example.com/b",)))))
    cm = state.get("ConfigMap", "ns", "a")
    assert cm is not None
    state = ok(state, Update(attrs.evolve(cm, metadata=attrs.evolve(cm.metadata, finalizers=()))))
    assert state.get("ConfigMap", "ns", "a") is None


def test_foreground_and_orphan_propagation_add_their_finalizers():
    """propagationPolicy Foreground/Orphan: the object stays with foregroundDeletion/orphan for the GC."""
    state = state_of(DEPLOYMENT)
    fg = ok(state, Delete("Deployment", "ns", "web", propagation="Foreground")).get("Deployment", "ns", "web")
    assert fg.metadata.finalizers == (FOREGROUND,) and fg.metadata.deletion_timestamp is not None
    orphan = ok(state, Delete("Deployment", "ns", "web", propagation="Orphan")).get("Deployment", "ns", "web")
    assert orphan.metadata.finalizers == (ORPHAN,)
    assert ok(state, Delete("Deployment", "ns", "web")).get("Deployment", "ns", "web") is None


def test_foreground_replaces_an_orphan_finalizer():
    """Upstream: the explicit policy decides; Foreground removes `orphan` and adds `foregroundDeletion`."""
    state = state_of(DEPLOYMENT.replace("namespace: ns}", "namespace: ns, finalizers: [orphan]}"))
    state = ok(state, Delete("Deployment", "ns", "web", propagation="Foreground"))
    assert state.get("Deployment", "ns", "web").metadata.finalizers == (FOREGROUND,)


def test_terminated_pod_is_deleted_at_once():
    """Upstream: a pod in phase Succeeded or Failed is deleted immediately even on a live node."""
    state = with_pods(count=1)
    pod = state.get("Pod", "ns", "p0")
    state = ok(state, UpdateStatus(attrs.evolve(pod, status=attrs.evolve(pod.status, phase="Succeeded"))))
    assert ok(state, Delete("Pod", "ns", "p0")).get("Pod", "ns", "p0") is None


def test_repeated_delete_of_a_terminating_object_does_not_write():
    """Upstream BeforeDelete: deleting again with the same (or no) grace period changes nothing."""
    state = ok(with_pods(count=1), Delete("Pod", "ns", "p0"))
    again = ok(state, Delete("Pod", "ns", "p0"))
    assert again == state


def test_kubelet_confirming_a_pod_held_by_a_finalizer_settles():
    """A deleted pod with a finalizer on a live node: the kubelet confirms once and the run is quiescent."""
    from kspec.controllers import kubelet
    from kspec.model.run import Actor, run
    state = with_pods(count=1)
    pod = state.get("Pod", "ns", "p0")
    state = ok(state, Update(attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, finalizers=("x/y",)))))
    state = ok(state, Delete("Pod", "ns", "p0"))
    assert run(state, (Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup),), max_steps=50).converged


def test_deletion_bumps_generation():
    """Upstream: setting deletionTimestamp increments metadata.generation."""
    state = state_of(DEPLOYMENT)
    state = ok(state, Delete("Deployment", "ns", "web", propagation="Foreground"))
    assert state.get("Deployment", "ns", "web").metadata.generation == 2


def test_pod_deletion_timestamp_is_now_plus_grace():
    """Upstream BeforeDelete sets deletionTimestamp = now + gracePeriodSeconds."""
    state = with_pods(count=1).with_clock(100)
    state = ok(state, Delete("Pod", "ns", "p0"))
    assert state.get("Pod", "ns", "p0").metadata.deletion_timestamp == 130


def test_pod_of_a_missing_node_is_deleted_gracefully():
    """Upstream CheckGracefulDelete does not look at the node: the pod stays terminating."""
    state = with_pods(count=1)
    state = ok(state, Delete("Node", "", "node-0"))
    state = ok(state, Delete("Pod", "ns", "p0"))
    assert state.get("Pod", "ns", "p0").metadata.deletion_timestamp is not None


def test_no_new_finalizers_on_a_terminating_object():
    """Upstream refuses an update adding a finalizer to an object being deleted."""
    state = ok(ClusterState(), Create(one(CM % ("a", ", finalizers: [example.com/a]"))))
    state = ok(state, Delete("ConfigMap", "ns", "a"))
    cm = state.get("ConfigMap", "ns", "a")
    more = attrs.evolve(cm, metadata=attrs.evolve(cm.metadata, finalizers=("example.com/a", "example.com/b")))
    rejected(state, Update(more))


# ---- eviction ---------------------------------------------------------------------------------

def pdb(spec: str) -> str:
    return ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b, namespace: ns}\n"
            f"spec: {{selector: {{matchLabels: {{app: web}}}}, {spec}}}\n")


@pytest.mark.parametrize("spec, allowed", [
    ("minAvailable: 2", 1), ("minAvailable: 3", 0), ("minAvailable: '50%'", 1), ("minAvailable: '34%'", 1),
    ("maxUnavailable: 1", 1), ("maxUnavailable: 0", 0), ("maxUnavailable: '34%'", 2), ("maxUnavailable: '0%'", 0),
])
def test_eviction_honours_the_budget(spec, allowed):
    """3 ready pods: evict one by one (each evicted pod is removed) until the budget refuses, with 429."""
    state = with_pods(pdb(spec))
    done = 0
    for name in ("p0", "p1", "p2"):
        outcome = apply(state, Evict("ns", name))
        if not outcome.ok:
            assert "disruption budget" in outcome.message and outcome.state is state
            break
        done += 1
        state = ok(outcome.state, Delete("Pod", "ns", name, grace_seconds=0))  # the kubelet
        # the controller replaces it with a pod that is not ready yet
        state = ok(state, Create(one(pod_yaml(f"new-{name}", "node-0"))))
    assert done == allowed


def test_evicted_pod_is_deleted_gracefully_and_evicting_it_again_skips_the_budget():
    """An allowed eviction is a graceful delete; a terminating pod may always be evicted."""
    state = ok(with_pods(pdb("minAvailable: 2")), Evict("ns", "p0"))
    assert state.get("Pod", "ns", "p0").metadata.deletion_timestamp is not None
    assert not apply(state, Evict("ns", "p1")).ok
    assert apply(state, Evict("ns", "p0")).ok


def test_unhealthy_pod_eviction_policies():
    """IfHealthyBudget: an unready pod may go while the budget is met; AlwaysAllow: always."""
    met = with_pods(pdb("minAvailable: 2"), count=3, ready_count=2)
    assert apply(met, Evict("ns", "p2")).ok
    assert not apply(met, Evict("ns", "p0")).ok  # a ready one would break it
    short = with_pods(pdb("minAvailable: 3"), count=3, ready_count=2)
    assert "disruption budget" in rejected(short, Evict("ns", "p2"))
    always = with_pods(pdb("minAvailable: 3, unhealthyPodEvictionPolicy: AlwaysAllow"), count=3, ready_count=2)
    assert apply(always, Evict("ns", "p2")).ok


def test_pods_outside_the_selector_are_not_protected():
    """A budget only guards the pods its selector matches."""
    state = with_pods(pdb("minAvailable: 3"))
    state = ok(state, Create(one(pod_yaml("other", "node-0", labels="{app: other}"))))
    assert apply(state, Evict("ns", "other")).ok
    assert not apply(state, Evict("ns", "p0")).ok


def test_budget_counts_the_controllers_scale_while_pods_terminate():
    """maxUnavailable 1 over a 3-replica ReplicaSet: after one eviction (still terminating) the next is refused."""
    rs = ("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web, namespace: ns}\n"
          "spec: {replicas: 3, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, "
          "spec: {containers: [{name: c, image: x}]}}}\n")
    state = with_pods(pdb("maxUnavailable: 1") + "---\n" + rs)
    state = ok(state, Evict("ns", "p0"))
    assert state.get("Pod", "ns", "p0").metadata.deletion_timestamp is not None
    rejected(state, Evict("ns", "p1"))


def test_pending_pod_eviction_ignores_the_budget():
    """Upstream eviction.go canIgnorePDB: a Pending pod is deleted without consulting the budget."""
    state = with_pods(pdb("minAvailable: 3"), count=2)
    state = ok(state, Create(one(pod_yaml("pending"))))
    assert apply(state, Evict("ns", "pending")).ok


# ---- bind -------------------------------------------------------------------------------------

def test_bind_sets_the_node_and_pod_scheduled_once():
    """Bind sets spec.nodeName and PodScheduled=True; binding an assigned pod is refused."""
    state = ok(state_of(pod_yaml("p")).with_clock(9), Bind("ns", "p", "node-1"))
    pod = state.get("Pod", "ns", "p")
    assert pod.spec.node_name == "node-1"
    assert any(c.type == "PodScheduled" and c.status == "True" and c.last_transition_time == 9
               for c in pod.status.conditions)
    assert "already assigned" in rejected(state, Bind("ns", "p", "node-2"))
    assert "not found" in rejected(state, Bind("ns", "nope", "node-2"))


def test_bind_refuses_a_pod_being_deleted():
    """Upstream setPodHostAndAnnotations refuses a pod with a deletionTimestamp."""
    state = state_of(pod_yaml("p").replace("labels: {app: web}", "labels: {app: web}, finalizers: [x/y]"))
    state = ok(state, Delete("Pod", "ns", "p"))
    rejected(state, Bind("ns", "p", "node-0"))


def test_bind_does_not_check_the_node_exists():
    """Upstream accepts the binding; the pod is then orphaned."""
    assert apply(state_of(pod_yaml("p")), Bind("ns", "p", "ghost")).ok
