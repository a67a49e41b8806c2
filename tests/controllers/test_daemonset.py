"""The DaemonSet controller against upstream pkg/controller/daemon (daemon_controller_test.go,
update_test.go, util/daemonset_util_test.go)."""

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from kspec.controllers import daemonset, kubelet, nodelifecycle, scheduler
from kspec.controllers.common import is_pod_available, is_terminating
from kspec.model.events import ApplyObject, DeleteObject, ImageUpdate, apply_event
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, apply
from tests.controllers.helpers import objects, state_of

ACTORS = (Actor(daemonset.NAME, daemonset.reconcile, daemonset.wakeup), Actor(scheduler.NAME, scheduler.reconcile),
          Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup),
          # PodGC (gcOrphaned) removes the pods of a deleted node, as upstream
          Actor(nodelifecycle.NAME, nodelifecycle.reconcile, nodelifecycle.wakeup))


def ds_yaml(pod_spec: str = "", strategy: str = "", min_ready: int = 0) -> str:
    return f"""\
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent, namespace: ns}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  minReadySeconds: {min_ready}
{strategy}  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
{pod_spec}      containers: [{{name: a, image: "agent:1", resources: {{requests: {{cpu: 100m}}}}}}]
"""


def node_yaml(name: str, labels: str = "{}", taints: str = "[]", extra: str = "") -> str:
    return f"""\
apiVersion: v1
kind: Node
metadata: {{name: {name}, labels: {labels}}}
spec: {{taints: {taints}{extra}}}
status:
  allocatable: {{cpu: "4", memory: 16Gi, pods: "110"}}
  conditions: [{{type: Ready, status: "True"}}]
"""


def nodes_of(state, ds_name="agent"):
    """Node of each live daemon pod (sorted)."""
    return sorted(p.spec.node_name for p in state.list("Pod", "ns") if not is_terminating(p))


def settle(text: str):
    return run(state_of(text), ACTORS).state


def test_simple_daemon_set_launches_one_pod_per_node():
    """TestSimpleDaemonSetLaunchesPods: one pod per node, each bound by the scheduler."""
    result = run(state_of(ds_yaml()), ACTORS)
    assert result.converged
    assert nodes_of(result.state) == ["node-0", "node-1", "node-2"]
    status = result.state.get("DaemonSet", "ns", "agent").status
    assert (status.desired_number_scheduled, status.current_number_scheduled, status.number_ready,
            status.number_available, status.updated_number_scheduled, status.number_misscheduled) == (3, 3, 3, 3, 3, 0)
    assert status.observed_generation == 1


def test_pods_are_created_unbound_with_node_affinity_and_daemon_tolerations():
    """Upstream creates pods with matchFields metadata.name affinity and the default tolerations."""
    state = state_of(ds_yaml(pod_spec="      hostNetwork: true\n"))
    creates = [a for a in daemonset.reconcile(state) if isinstance(a, Create)]
    assert len(creates) == 3
    pod = creates[0].obj
    assert pod.spec.node_name == ""
    (term,) = pod.spec.affinity.node_affinity.required.node_selector_terms
    assert [(f.key, f.operator, f.values) for f in term.match_fields] == [("metadata.name", "In", ("node-0",))]
    keys = {(t.key, t.effect) for t in pod.spec.tolerations}
    assert keys == {("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
                    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                    ("node.kubernetes.io/unschedulable", "NoSchedule"),
                    ("node.kubernetes.io/network-unavailable", "NoSchedule")}
    assert pod.metadata.labels["controller-revision-hash"] and pod.metadata.labels["pod-template-generation"] == "1"


def test_existing_daemon_toleration_is_replaced_not_duplicated():
    """AddOrUpdateTolerationInPodSpec replaces a toleration with the same key/operator/value/effect."""
    spec = ("      tolerations: [{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute,"
            " tolerationSeconds: 5}]\n")
    ds = state_of(ds_yaml(pod_spec=spec)).get("DaemonSet", "ns", "agent")
    tolerations = daemonset.add_or_update_daemon_pod_tolerations(ds.spec.template.spec).tolerations
    not_ready = [t for t in tolerations if t.key == "node.kubernetes.io/not-ready"]
    assert len(not_ready) == 1 and not_ready[0].toleration_seconds is None
    assert len(tolerations) == 6


def test_node_selector_is_respected():
    """TestSelectorDaemonLaunchesPods: only nodes matching nodeSelector get a pod."""
    text = (ds_yaml(pod_spec="      nodeSelector: {disk: ssd}\n") + "---\n" + node_yaml("a", "{disk: ssd}")
            + "---\n" + node_yaml("b", "{disk: hdd}") + "---\n" + node_yaml("c", "{disk: ssd}"))
    state = settle(text)
    assert nodes_of(state) == ["a", "c"]
    assert state.get("DaemonSet", "ns", "agent").status.desired_number_scheduled == 2


def test_required_node_affinity_is_respected():
    """TestNodeAffinityDaemonLaunchesPods: required node affinity limits the nodes."""
    spec = ("      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms:"
            " [{matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [zone-b]}]}]}}}\n")
    state = settle(ds_yaml(pod_spec=spec))
    assert nodes_of(state) == ["node-1"]
    pod = state.list("Pod", "ns")[0]
    (term,) = pod.spec.affinity.node_affinity.required.node_selector_terms
    assert not term.match_expressions  # replaced by the node's name (ReplaceDaemonSetPodNodeNameNodeAffinity)


def test_tainted_node_is_skipped_without_toleration():
    """TestTaintedNodeDaemonDoesNotLaunchIntolerantPods: a NoSchedule taint keeps the pod off."""
    text = ds_yaml() + "---\n" + node_yaml("a") + "---\n" + node_yaml(
        "b", taints="[{key: dedicated, value: gpu, effect: NoSchedule}]")
    state = settle(text)
    assert nodes_of(state) == ["a"]
    assert state.get("DaemonSet", "ns", "agent").status.desired_number_scheduled == 1


def test_tainted_node_runs_pod_with_toleration():
    """TestTaintedNodeDaemonLaunchesToleratePod: a tolerated taint lets the pod run there."""
    spec = "      tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]\n"
    text = ds_yaml(pod_spec=spec) + "---\n" + node_yaml("a") + "---\n" + node_yaml(
        "b", taints="[{key: dedicated, value: gpu, effect: NoSchedule}]")
    assert nodes_of(settle(text)) == ["a", "b"]


def test_unschedulable_and_not_ready_tainted_nodes_still_get_daemon_pods():
    """TestUnschedulableNodeDaemonDoesLaunchPod / TestNotReadyNodeDaemonDoesLaunchPod: the
    default tolerations cover unschedulable and not-ready:NoExecute."""
    text = (ds_yaml() + "---\n" + node_yaml("a", extra=", unschedulable: true") + "---\n"
            + node_yaml("b", taints="[{key: node.kubernetes.io/not-ready, effect: NoExecute}]"))
    state = state_of(text)
    assert [daemonset.node_should_run_daemon_pod(n, state.get("DaemonSet", "ns", "agent"))
            for n in state.list("Node")] == [(True, True), (True, True)]
    assert nodes_of(run(state, ACTORS).state) == ["a", "b"]


def test_node_should_run_daemon_pod_table():
    """NodeShouldRunDaemonPod cases: nodeName mismatch, NoSchedule vs NoExecute taints on a running pod."""
    state = state_of(ds_yaml() + "---\n" + node_yaml("a"))
    ds = state.get("DaemonSet", "ns", "agent")
    node = state.get("Node", "", "a")
    from kspec.api import core

    def tainted(effect):
        return attrs.evolve(node, spec=attrs.evolve(node.spec, taints=(core.Taint(key="k", effect=effect),)))

    assert daemonset.node_should_run_daemon_pod(node, ds) == (True, True)
    assert daemonset.node_should_run_daemon_pod(tainted("NoSchedule"), ds) == (False, True)
    assert daemonset.node_should_run_daemon_pod(tainted("NoExecute"), ds) == (False, False)
    assert daemonset.node_should_run_daemon_pod(tainted("PreferNoSchedule"), ds) == (True, True)
    other = attrs.evolve(ds, spec=attrs.evolve(ds.spec, template=attrs.evolve(
        ds.spec.template, spec=attrs.evolve(ds.spec.template.spec, node_name="b"))))
    assert daemonset.node_should_run_daemon_pod(node, other) == (False, False)


def test_node_added_later_gets_a_pod():
    """A node that joins gets a daemon pod (addNode -> enqueue)."""
    (new_node,) = objects(node_yaml("node-9"))
    result = run(state_of(ds_yaml()), ACTORS, [ApplyObject(new_node, at=50)])
    assert nodes_of(result.state) == ["node-0", "node-1", "node-2", "node-9"]
    pod = next(p for p in result.state.list("Pod") if p.spec.node_name == "node-9")
    assert pod.metadata.creation_timestamp == 50


def test_node_removed_or_no_longer_eligible_loses_its_pod():
    """A deleted node's pod goes; a node relabelled out of the nodeSelector has its pod deleted."""
    text = ds_yaml(pod_spec="      nodeSelector: {disk: ssd}\n") + "---\n" + node_yaml("a", "{disk: ssd}") + \
        "---\n" + node_yaml("b", "{disk: ssd}") + "---\n" + node_yaml("c", "{disk: ssd}")
    state = settle(text)
    assert nodes_of(state) == ["a", "b", "c"]
    node_b = state.get("Node", "", "b")
    relabelled = attrs.evolve(node_b, metadata=attrs.evolve(node_b.metadata,
                                                            labels=node_b.metadata.labels.set("disk", "hdd")))
    state = apply(state, Update(relabelled)).state
    state = run(state, ACTORS, [DeleteObject("Node", "", "c")]).state
    assert nodes_of(state) == ["a"] and len(state.list("Pod")) == 1
    status = state.get("DaemonSet", "ns", "agent").status
    assert (status.desired_number_scheduled, status.number_misscheduled) == (1, 0)


def test_no_execute_taint_evicts_and_no_schedule_taint_keeps_running_pod():
    """shouldContinueRunning: a running pod stays under a new NoSchedule taint, goes under NoExecute."""
    state = settle(ds_yaml() + "---\n" + node_yaml("a") + "---\n" + node_yaml("b"))
    from kspec.api import core
    for name, effect in (("a", "NoSchedule"), ("b", "NoExecute")):
        node = state.get("Node", "", name)
        state = apply(state, Update(attrs.evolve(node, spec=attrs.evolve(
            node.spec, taints=(core.Taint(key="k", value="v", effect=effect),))))).state
    state = run(state, ACTORS).state
    assert nodes_of(state) == ["a"]
    status = state.get("DaemonSet", "ns", "agent").status
    assert (status.desired_number_scheduled, status.number_misscheduled) == (0, 1)


def test_duplicate_pods_on_a_node_keep_the_oldest():
    """TestDealsWithExistingPods: extra daemon pods on a node are deleted, the oldest stays."""
    state = settle(ds_yaml())
    original = next(p for p in state.list("Pod") if p.spec.node_name == "node-0")
    later = state.with_clock(100)
    for i in range(2):
        dup = attrs.evolve(original, metadata=attrs.evolve(original.metadata, name=f"agent-dup{i}"),
                           status=attrs.evolve(original.status))
        later = apply(later, Create(dup)).state
    deletes = [a for a in daemonset.reconcile(later) if isinstance(a, Delete)]
    assert sorted(d.name for d in deletes) == ["agent-dup0", "agent-dup1"]
    final = run(later, ACTORS).state
    assert [p.metadata.name for p in final.list("Pod") if p.spec.node_name == "node-0"] == [original.metadata.name]


def test_failed_daemon_pod_is_replaced():
    """A failed daemon pod is deleted and a new one created on its node."""
    state = settle(ds_yaml())
    pod = next(p for p in state.list("Pod") if p.spec.node_name == "node-1")
    state = state.put(attrs.evolve(pod, status=attrs.evolve(pod.status, phase="Failed")))
    (delete,) = [a for a in daemonset.reconcile(state) if isinstance(a, Delete)]
    assert delete.name == pod.metadata.name
    final = run(state, ACTORS).state
    assert nodes_of(final) == ["node-0", "node-1", "node-2"]
    assert all(p.status.phase == "Running" for p in final.list("Pod"))


def test_orphan_matching_pod_is_adopted():
    """ClaimPods: an orphan with the selector's labels is adopted (and so counts for its node)."""
    state = state_of(ds_yaml() + "---\n" + node_yaml("a"))
    orphan = """\
apiVersion: v1
kind: Pod
metadata: {name: stray, namespace: ns, labels: {app: agent}}
spec: {nodeName: a, containers: [{name: a, image: "agent:0"}]}
"""
    state = apply(state, Create(objects(orphan)[0])).state
    (adopt,) = daemonset.reconcile(state)[:1]
    assert isinstance(adopt, Update) and adopt.obj.metadata.controller_ref().kind == "DaemonSet"


def _step_until_settled(state, check, limit=400):
    """Apply one write at a time (DaemonSet first, then scheduler, kubelet, clock), checking each state."""
    for _ in range(limit):
        check(state)
        result = run(state, ACTORS, max_steps=1)
        if result.state == state:
            return state
        state = result.state
    raise AssertionError("did not settle")


def _unavailable_nodes(state):
    ds = state.get("DaemonSet", "ns", "agent")
    have = {p.spec.node_name for p in state.list("Pod") if not is_terminating(p)
            and is_pod_available(p, ds.spec.min_ready_seconds, state.clock)}
    return {"node-0", "node-1", "node-2"} - have


def test_rolling_update_max_unavailable_one():
    """update.go rollingUpdate (maxSurge 0): at most maxUnavailable nodes without an available pod."""
    state = settle(ds_yaml())
    state = apply_event(state, ImageUpdate("DaemonSet", "ns", "agent", "a", "agent:2")).state

    def check(s):
        assert len(_unavailable_nodes(s)) <= 1
        assert len([p for p in s.list("Pod") if not is_terminating(p)]) <= 3

    state = _step_until_settled(state, check)
    pods = state.list("Pod")
    assert len(pods) == 3 and {p.spec.containers[0].image for p in pods} == {"agent:2"}
    status = state.get("DaemonSet", "ns", "agent").status
    assert status.updated_number_scheduled == 3 and status.observed_generation == 2


def test_rolling_update_max_unavailable_percent_rounds_up():
    """UnavailableCount rounds a percentage up: 50% of 3 nodes allows 2 old pods deleted at once."""
    strategy = "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 50%}}\n"
    state = settle(ds_yaml(strategy=strategy))
    state = apply_event(state, ImageUpdate("DaemonSet", "ns", "agent", "a", "agent:2")).state
    deletes = [a for a in daemonset.reconcile(state) if isinstance(a, Delete)]
    assert len(deletes) == 2


def test_rolling_update_with_surge_keeps_every_node_available():
    """maxSurge 1, maxUnavailable 0: a new pod is surged next to the old one, which goes once the new is available."""
    strategy = "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n"
    state = settle(ds_yaml(strategy=strategy, min_ready=5))
    state = apply_event(state, ImageUpdate("DaemonSet", "ns", "agent", "a", "agent:2")).state
    surged = []

    def check(s):
        assert not _unavailable_nodes(s)
        live = [p for p in s.list("Pod") if not is_terminating(p)]
        assert len(live) <= 4
        surged.append(len(live))

    state = _step_until_settled(state, check)
    assert max(surged) == 4
    pods = state.list("Pod")
    assert len(pods) == 3 and {p.spec.containers[0].image for p in pods} == {"agent:2"}


def test_on_delete_strategy_waits_for_manual_deletion():
    """OnDelete: a template change alone replaces nothing; a deleted pod comes back updated."""
    state = settle(ds_yaml(strategy="  updateStrategy: {type: OnDelete}\n"))
    state = run(state, ACTORS, [ImageUpdate("DaemonSet", "ns", "agent", "a", "agent:2")]).state
    assert {p.spec.containers[0].image for p in state.list("Pod")} == {"agent:1"}
    assert state.get("DaemonSet", "ns", "agent").status.updated_number_scheduled == 0
    victim = next(p for p in state.list("Pod") if p.spec.node_name == "node-0")
    state = run(state, ACTORS, [DeleteObject("Pod", "ns", victim.metadata.name)]).state
    images = {p.spec.node_name: p.spec.containers[0].image for p in state.list("Pod")}
    assert images == {"node-0": "agent:2", "node-1": "agent:1", "node-2": "agent:1"}
    assert state.get("DaemonSet", "ns", "agent").status.updated_number_scheduled == 1


def test_min_ready_seconds_delays_availability_via_wakeup():
    """numberAvailable waits minReadySeconds; the controller asks to be woken then."""
    state = state_of(ds_yaml(min_ready=30))
    result = run(state, ACTORS)
    status = result.state.get("DaemonSet", "ns", "agent").status
    assert (status.number_ready, status.number_available) == (3, 3)
    assert result.state.clock == 30


@settings(max_examples=25, deadline=None)
@given(steps=st.integers(0, 25), selector=st.sampled_from(["", "      nodeSelector: {topology.kubernetes.io/zone: zone-a}\n"]),
       surge=st.booleans())
def test_reconcile_does_not_modify_its_view(steps, selector, surge):
    """Property: reconcile never mutates its input, at any point of a run and a rollout."""
    strategy = "  updateStrategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n" if surge else ""
    state = run(state_of(ds_yaml(pod_spec=selector, strategy=strategy)), ACTORS, max_steps=steps).state
    state = apply_event(state, ImageUpdate("DaemonSet", "ns", "agent", "a", "agent:2")).state
    state = run(state, ACTORS, max_steps=steps).state
    before = (state.clock, [hash(o) for o in state.all()], [repr(o) for o in state.all()])
    daemonset.reconcile(state)
    daemonset.wakeup(state)
    assert before == (state.clock, [hash(o) for o in state.all()], [repr(o) for o in state.all()])
