"""The greedy scheduler's filters and effective requests (kube-scheduler plugins)."""

import pytest

from kspec.api.quantity import Quantity
from kspec.controllers import scheduler
from kspec.model.store import Bind
from tests.controllers.helpers import objects, state_of

NODES = """\
apiVersion: v1
kind: Node
metadata: {name: small, labels: {disk: hdd}}
status: {allocatable: {cpu: "1", memory: 1Gi, pods: "10"}}
---
apiVersion: v1
kind: Node
metadata: {name: tainted, labels: {disk: ssd}}
spec:
  taints: [{key: dedicated, value: db, effect: NoSchedule}]
status: {allocatable: {cpu: "8", memory: 8Gi, pods: "10"}}
"""


def pod(spec: str, name: str = "p") -> str:
    return f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n{spec}"


def bind_of(text: str):
    actions = scheduler.reconcile(state_of(NODES + text))
    return actions[0].node if actions and isinstance(actions[0], Bind) else None


@pytest.mark.parametrize("spec,node", [
    ("  containers: [{name: c, image: x, resources: {requests: {cpu: 500m}}}]\n", "small"),
    ("  containers: [{name: c, image: x, resources: {requests: {cpu: '2'}}}]\n", None),
    ("  tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}]\n"
     "  containers: [{name: c, image: x, resources: {requests: {cpu: '2'}}}]\n", "tainted"),
    ("  nodeSelector: {disk: ssd}\n  containers: [{name: c, image: x}]\n", None),
    ("  nodeSelector: {disk: ssd}\n  tolerations: [{operator: Exists}]\n  containers: [{name: c, image: x}]\n",
     "tainted"),
    ("  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n"
     "        nodeSelectorTerms: [{matchExpressions: [{key: disk, operator: NotIn, values: [hdd]}]}]\n"
     "  containers: [{name: c, image: x}]\n", None),
])
def test_filters(spec, node):
    """Resources, taints and tolerations, nodeSelector and required node affinity decide the node."""
    assert bind_of(pod(spec)) == node


def test_unschedulable_pod_records_why():
    """A pod that fits nowhere gets PodScheduled=False with upstream's per-reason node counts, once."""
    state = state_of(NODES + pod("  containers: [{name: c, image: x, resources: {requests: {cpu: '9'}}}]\n"))
    (action,) = scheduler.reconcile(state)
    message = next(c.message for c in action.obj.status.conditions if c.type == "PodScheduled")
    # upstream FitError.Error(): "0/N nodes are available: <count> <reason>, ..."
    assert message.startswith("0/2 nodes are available: ")
    assert "1 Insufficient cpu" in message and "1 node(s) had untolerated taint {dedicated: db}" in message
    from kspec.model.store import apply
    assert scheduler.reconcile(apply(state, action).state) == ()


def test_effective_requests_count_init_containers_and_sidecars():
    """max(app + sidecars, each init + earlier sidecars) + overhead (upstream resource.PodRequests)."""
    (p,) = objects(pod(
        "  initContainers:\n"
        "  - {name: sidecar, image: x, restartPolicy: Always, resources: {requests: {cpu: 200m}}}\n"
        "  - {name: init, image: x, resources: {requests: {cpu: '2'}}}\n"
        "  containers: [{name: app, image: x, resources: {requests: {cpu: 500m}}}]\n"
        "  overhead: {cpu: 100m}\n"))
    requests = scheduler.pod_requests(p)
    assert requests["cpu"] == Quantity.parse("2.3")  # init 2 + sidecar 0.2 > app 0.5 + sidecar 0.2; + 0.1
    assert requests["pods"] == Quantity.parse(1)


def test_host_ports_conflict():
    """Two pods asking for the same host port cannot share a node."""
    text = (pod("  nodeName: small\n  containers: [{name: c, image: x, ports: [{containerPort: 80, hostPort: 80}]}]\n", "a")
            + pod("  nodeSelector: {disk: hdd}\n  containers: [{name: c, image: x, ports: [{containerPort: 80, hostPort: 80}]}]\n", "b"))
    assert bind_of(text) is None


def test_least_allocated_spreads_and_ties_break_by_name():
    """Equal nodes tie-break by name; a loaded node scores lower (LeastAllocated)."""
    state = state_of(pod("  containers: [{name: c, image: x, resources: {requests: {cpu: '1'}}}]\n"))
    assert scheduler.reconcile(state)[0].node == "node-0"
