"""Node lifecycle against upstream nodelifecycle, tainteviction, DefaultTolerationSeconds and podgc."""

import importlib.util

import attrs
import pytest

from kspec.api import core
from kspec.controllers import kubelet, nodelifecycle, replicaset, scheduler
from kspec.controllers.nodelifecycle import NOT_READY, OUT_OF_SERVICE, UNREACHABLE
from kspec.model.events import DeleteObject, NodeFailure, NodeRecovery, apply_event
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, UpdateStatus, apply
from kspec.api.status import Condition, set_condition
from tests.controllers.helpers import objects, state_of

NLC = Actor(nodelifecycle.NAME, nodelifecycle.reconcile, nodelifecycle.wakeup)
ACTORS = (Actor(replicaset.NAME, replicaset.reconcile), Actor(scheduler.NAME, scheduler.reconcile),
          Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup), NLC)
BASE = (Actor(scheduler.NAME, scheduler.reconcile), Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup), NLC)

RS = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {topology.kubernetes.io/zone: zone-a}
      containers: [{name: web, image: nginx}]
"""


def pod(name: str, tolerations: str = "[]", node: str = "node-0") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: ns}}\n"
            f"spec:\n  nodeSelector: {{kubernetes.io/hostname: {node}}}\n  tolerations: {tolerations}\n"
            f"  containers: [{{name: c, image: x}}]\n")


def running(text: str):
    """The objects of ``text`` scheduled and running."""
    return run(state_of(text), BASE).state


def taints(state, node="node-0"):
    return {(t.key, t.effect) for t in state.get("Node", "", node).spec.taints}


def settle(state, actor=NLC):
    """Apply the actor's writes at the current time until it has none (no clock jumps)."""
    for _ in range(100):
        actions = actor.reconcile(state)
        if not actions:
            return state
        state = apply(state, actions[0]).state
    raise AssertionError("does not settle")


def set_ready(state, node: str, status: str):
    """The node's Ready condition set to ``status`` (as the environment does)."""
    obj = state.get("Node", "", node)
    ready = Condition(type="Ready", status=status, last_transition_time=state.clock)
    obj = attrs.evolve(obj, status=attrs.evolve(obj.status, conditions=set_condition(obj.status.conditions, ready)))
    return apply(state, UpdateStatus(obj)).state


def test_unreachable_node_gets_noexecute_and_noschedule_taints_removed_on_recovery():
    """Ready Unknown -> unreachable NoExecute (and NoSchedule) taints; Ready again -> removed."""
    state = apply_event(running(pod("p")), NodeFailure("node-0")).state
    (update,) = [a for a in nodelifecycle.reconcile(state) if isinstance(a, Update)]
    assert update.obj.metadata.resource_version == state.get("Node", "", "node-0").metadata.resource_version
    state = settle(state)
    assert taints(state) == {(UNREACHABLE, "NoExecute"), (UNREACHABLE, "NoSchedule")}
    assert taints(state, "node-1") == set()
    state = settle(apply_event(state, NodeRecovery("node-0")).state)
    assert taints(state) == set()


def test_not_ready_node_gets_not_ready_taint_swapped_for_unreachable():
    """Ready False -> not-ready taint; turning Unknown swaps it for unreachable at once."""
    state = settle(set_ready(running(pod("p")), "node-0", "False"))
    assert taints(state) == {(NOT_READY, "NoExecute"), (NOT_READY, "NoSchedule")}
    state = settle(set_ready(state, "node-0", "Unknown"))
    assert taints(state) == {(UNREACHABLE, "NoExecute"), (UNREACHABLE, "NoSchedule")}


def test_user_taints_are_kept():
    """Taints the controller does not manage stay on the node through failure and recovery."""
    state = running(pod("p"))
    node = state.get("Node", "", "node-1")
    custom = core.Taint(key="dedicated", value="db", effect="NoSchedule")
    state = apply(state, Update(attrs.evolve(node, spec=attrs.evolve(node.spec, taints=(custom,))))).state
    state = settle(apply_event(state, NodeFailure("node-1")).state)
    assert ("dedicated", "NoSchedule") in taints(state, "node-1")
    state = settle(apply_event(state, NodeRecovery("node-1")).state)
    assert taints(state, "node-1") == {("dedicated", "NoSchedule")}


def test_pods_on_a_failed_node_are_marked_not_ready():
    """MarkPodsNotReady: pods of a node that stopped reporting lose their Ready condition."""
    state = apply_event(running(pod("p")), NodeFailure("node-0", at=0)).state
    state = settle(state)
    ready = next(c for c in state.get("Pod", "ns", "p").status.conditions if c.type == "Ready")
    assert ready.status == "False"


def test_default_tolerations_evict_after_300_seconds_and_pod_stays_terminating():
    """DefaultTolerationSeconds: evicted 300 s after the failure; the kubelet is down, so the
    pod is terminating (DisruptionTarget condition) and the ReplicaSet replaces it elsewhere."""
    state = run(state_of(RS), ACTORS).state
    assert {p.spec.node_name for p in state.list("Pod")} == {"node-0"}
    result = run(state, ACTORS, [NodeFailure("node-0", at=10)])
    assert result.converged
    deletes = [s for s in result.timeline if s.actor == nodelifecycle.NAME and s.action == "delete"]
    assert [s.clock for s in deletes] == [310, 310]
    old = [p for p in result.state.list("Pod") if p.spec.node_name == "node-0"]
    # deletionTimestamp = request time + the pod's 30 s grace period (upstream BeforeDelete)
    assert len(old) == 2 and all(p.metadata.deletion_timestamp == 340 for p in old)
    assert all(any(c.type == "DisruptionTarget" and c.reason == "DeletionByTaintManager"
                   for c in p.status.conditions) for p in old)
    # zone-a has only node-0: replacements cannot be placed
    new = [p for p in result.state.list("Pod") if p.metadata.deletion_timestamp is None]
    assert len(new) == 2 and all(not p.spec.node_name for p in new)


def test_own_toleration_seconds_replace_the_default_for_that_taint():
    """A pod tolerating unreachable for 60 s is evicted at 60 s; the not-ready default is still added."""
    text = pod("p", "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, "
                    "tolerationSeconds: 60}]")
    state = running(text)
    tolerations = nodelifecycle.default_tolerations(state.get("Pod", "ns", "p"))
    assert [(t.key, t.toleration_seconds) for t in tolerations] == [(UNREACHABLE, 60), (NOT_READY, 300)]
    result = run(state, BASE, [NodeFailure("node-0")])
    (delete,) = [s for s in result.timeline if s.action == "delete"]
    assert delete.clock == 60


def test_toleration_without_seconds_is_never_evicted():
    """A toleration with no tolerationSeconds tolerates the taint forever (getMinTolerationTime -1)."""
    state = running(pod("p", "[{operator: Exists}]"))
    result = run(state, BASE, [NodeFailure("node-0")])
    assert result.converged and result.state.get("Pod", "ns", "p").metadata.deletion_timestamp is None
    assert nodelifecycle.wakeup(result.state) is None


def test_a_matching_key_without_a_tolerating_value_suppresses_the_default_and_evicts_at_once():
    """The admission default is skipped for any toleration with the taint's key; if it does not
    tolerate the taint (wrong value) the pod is deleted at once."""
    state = running(pod("p", "[{key: node.kubernetes.io/unreachable, operator: Equal, value: x, effect: NoExecute}]"))
    result = run(state, BASE, [NodeFailure("node-0", at=5)])
    (delete,) = [s for s in result.timeline if s.action == "delete"]
    assert delete.clock == 5


def test_untolerated_user_noexecute_taint_evicts_at_once_and_tolerated_one_waits():
    """A NoExecute taint the pod does not tolerate deletes it now; a bounded toleration delays it."""
    state = running(pod("a") + "---\n" + pod("b", "[{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]"))
    node = state.get("Node", "", "node-0")
    taint = core.Taint(key="k", effect="NoExecute")
    state = apply(state, Update(attrs.evolve(node, spec=attrs.evolve(node.spec, taints=(taint,))))).state
    assert nodelifecycle.wakeup(state) == 30
    result = run(state, BASE)
    deletes = [(s.clock, s.object) for s in result.timeline if s.action == "delete" and s.actor == nodelifecycle.NAME]
    assert deletes == [(0, "Pod/ns/a"), (30, "Pod/ns/b")]
    # on a Ready node the kubelet confirms the deletion
    assert result.state.list("Pod") == []


def test_recovery_before_expiry_cancels_the_eviction():
    """A node back before the toleration runs out keeps its pods (taint removed, timer gone)."""
    state = running(pod("p"))
    result = run(state, BASE, [NodeFailure("node-0", at=0), NodeRecovery("node-0", at=200)])
    assert result.converged and result.state.get("Pod", "ns", "p").metadata.deletion_timestamp is None
    assert not any(s.action == "delete" for s in result.timeline)
    assert kubelet.is_pod_ready(result.state.get("Pod", "ns", "p"))


def test_wakeup_is_the_next_toleration_expiry():
    """wakeup(view): the failure time plus the smallest remaining toleration."""
    state = running(pod("a") + "---\n" + pod("b", "[{key: node.kubernetes.io/unreachable, operator: Exists, "
                                                  "tolerationSeconds: 20}]"))
    state = settle(apply_event(state.with_clock(7), NodeFailure("node-0")).state)
    assert nodelifecycle.wakeup(state) == 27
    assert nodelifecycle.wakeup(state.with_clock(27)) == 307


def test_terminating_pod_on_unreachable_node_is_removed_only_when_the_node_is_deleted():
    """PodGC does not force-delete terminating pods of an unreachable node: the name stays
    taken (a StatefulSet cannot recreate web-0) until the node object is deleted."""
    state = running(pod("web-0"))
    state = run(state, BASE, [NodeFailure("node-0")]).state
    stuck = state.get("Pod", "ns", "web-0")
    assert stuck.metadata.deletion_timestamp == 330  # evicted at 300, plus the 30 s grace period
    again = objects(pod("web-0"))[0]
    assert not apply(state, Create(again)).ok
    result = run(state, BASE, [DeleteObject("Node", "", "node-0", at=1000)])
    assert result.state.get("Pod", "ns", "web-0") is None
    assert apply(result.state, Create(again)).ok


@pytest.mark.skipif(importlib.util.find_spec("kspec.controllers.statefulset") is None,
                    reason="no StatefulSet controller yet")
def test_statefulset_recreates_its_pod_only_after_the_node_is_gone():
    """Upstream: a StatefulSet pod on a dead node is not replaced until the node is deleted."""
    statefulset = importlib.import_module("kspec.controllers.statefulset")
    text = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: ns}
spec:
  replicas: 1
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {kubernetes.io/hostname: node-0}
      containers: [{name: web, image: nginx}]
"""
    actors = (Actor(statefulset.NAME, statefulset.reconcile, getattr(statefulset, "wakeup", lambda v: None)),) + BASE
    state = run(state_of(text), actors).state
    uid = state.get("Pod", "ns", "web-0").metadata.uid
    state = run(state, actors, [NodeFailure("node-0")]).state
    assert state.get("Pod", "ns", "web-0").metadata.uid == uid
    assert state.get("Pod", "ns", "web-0").metadata.deletion_timestamp is not None
    state = run(state, actors, [DeleteObject("Node", "", "node-0", at=state.clock + 1)]).state
    assert state.get("Pod", "ns", "web-0") is not None and state.get("Pod", "ns", "web-0").metadata.uid != uid


def test_pods_of_a_deleted_node_are_marked_failed_then_force_deleted():
    """PodGC gcOrphaned: phase Failed with DisruptionTarget DeletionByPodGC, then a delete with grace 0."""
    state = running(pod("p"))
    state = apply(state, Delete("Node", "", "node-0")).state
    actions = nodelifecycle.reconcile(state)
    assert isinstance(actions[0], UpdateStatus) and actions[0].obj.status.phase == "Failed"
    assert any(c.reason == "DeletionByPodGC" for c in actions[0].obj.status.conditions)
    state = apply(state, actions[0]).state
    (delete,) = nodelifecycle.reconcile(state)
    assert delete == Delete("Pod", "ns", "p", grace_seconds=0)
    assert apply(state, delete).state.get("Pod", "ns", "p") is None


def test_out_of_service_taint_force_deletes_terminating_pods():
    """PodGC gcTerminating: terminating pods of a not-Ready node tainted out-of-service go at once."""
    state = run(running(pod("p")), BASE, [NodeFailure("node-0")]).state
    assert state.get("Pod", "ns", "p").metadata.deletion_timestamp is not None
    node = state.get("Node", "", "node-0")
    oos = core.Taint(key=OUT_OF_SERVICE, value="nodeshutdown", effect="NoExecute")
    state = apply(state, Update(attrs.evolve(node, spec=attrs.evolve(node.spec, taints=node.spec.taints + (oos,))))).state
    result = run(state, BASE)
    assert result.state.get("Pod", "ns", "p") is None


NODES = "".join(f"""\
---
apiVersion: v1
kind: Node
metadata: {{name: n{i}, labels: {{topology.kubernetes.io/zone: {zone}}}}}
status: {{allocatable: {{cpu: '4', memory: 8Gi, pods: '110'}}}}
""" for i, zone in enumerate(["a", "a", "a", "a", "b"]))


def test_all_zones_fully_disrupted_stops_evictions():
    """Master disruption mode: when no node of any zone is Ready, no NoExecute taint, no eviction."""
    state = running(pod("p"))
    events = [NodeFailure(f"node-{i}") for i in range(3)]
    result = run(state, BASE, events)
    assert result.converged and result.state.get("Pod", "ns", "p").metadata.deletion_timestamp is None
    assert (UNREACHABLE, "NoExecute") not in taints(result.state)
    assert (UNREACHABLE, "NoSchedule") in taints(result.state)
    # one zone comes back: the others are tainted again and evictions resume
    result = run(result.state, BASE, [NodeRecovery("node-2", at=result.state.clock + 1)])
    assert (UNREACHABLE, "NoExecute") in taints(result.state)
    assert result.state.get("Pod", "ns", "p").metadata.deletion_timestamp is not None


def test_small_zone_in_partial_disruption_gets_no_new_noexecute_taints():
    """ReducedQPSFunc: > 2 and >= 55% of a zone of <= 50 nodes not Ready -> tainting stops there."""
    state = run(state_of(NODES), BASE).state
    state = run(state, (NLC,), [NodeFailure("n0"), NodeFailure("n1")]).state
    assert all((UNREACHABLE, "NoExecute") in taints(state, n) for n in ("n0", "n1"))
    state = run(state, (NLC,), [NodeFailure("n2", at=state.clock)]).state
    # 3 of 4 down: n2 is not tainted, the existing taints stay
    assert (UNREACHABLE, "NoExecute") not in taints(state, "n2")
    assert all((UNREACHABLE, "NoExecute") in taints(state, n) for n in ("n0", "n1"))
    assert nodelifecycle.zone_states(state)[nodelifecycle.get_zone_key(state.get("Node", "", "n0"))][0] \
        == nodelifecycle.STATE_PARTIAL


def test_reconcile_does_not_modify_its_view():
    """Decisions are pure: same hash and equal to a copy afterwards."""
    state = run(running(pod("p")), BASE, [NodeFailure("node-0")], max_steps=3).state
    before, copy = hash(state), attrs.evolve(state)
    nodelifecycle.reconcile(state)
    nodelifecycle.wakeup(state)
    assert hash(state) == before and state == copy
