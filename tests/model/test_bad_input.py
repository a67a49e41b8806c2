"""Bad input never makes the model build absurd amounts of work, and mistakes in it are
errors at their file:line:column: huge replica counts end at the step bound with bounded
memory, NodePool counts have a maximum, Scenario events must aim at something that can exist."""

import subprocess
import sys
import time

import pytest

from kspec.model import events as ev
from kspec.model.actors import default_actors
from kspec.model.cluster import MAX_NODES, initial_state, node_pool_errors
from kspec.model.inputs import input_errors
from kspec.model.run import run
from kspec.model.scenario import scenario_errors, scenario_events
from kspec.reading.errors import ReadError
from tests.controllers.helpers import objects

BILLION = 1_000_000_000
PEAK_MIB = 400  # an ordinary simulate peaks at ~60 MiB; 10^9 pods would need tens of GiB
SECONDS = 60    # generous for a loaded CI machine; ~2 s each on an idle one

TEMPLATE = """  template:
    metadata: {labels: {app: w}}
    spec:
      restartPolicy: %s
      containers: [{name: w, image: busybox, resources: {requests: {cpu: 10m}}}]
"""
WORKLOADS = {
    "Deployment": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: 1000000000\n"
                  "  selector: {matchLabels: {app: w}}\n" + TEMPLATE % "Always",
    "ReplicaSet": "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: w}\nspec:\n  replicas: 1000000000\n"
                  "  selector: {matchLabels: {app: w}}\n" + TEMPLATE % "Always",
    "Job": "apiVersion: batch/v1\nkind: Job\nmetadata: {name: w}\nspec:\n  parallelism: 1000000000\n"
           "  completions: 1000000000\n" + TEMPLATE % "Never",
    "IndexedJob": "apiVersion: batch/v1\nkind: Job\nmetadata: {name: w}\nspec:\n  parallelism: 1000000000\n"
                  "  completions: 1000000000\n  completionMode: Indexed\n" + TEMPLATE % "Never",
    "StatefulSet": "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: w}\nspec:\n  replicas: 1000000000\n"
                   "  podManagementPolicy: Parallel\n  serviceName: w\n  selector: {matchLabels: {app: w}}\n"
                   + TEMPLATE % "Always",
}

# Runs the CLI in this child and reports the child's own peak RSS (KiB) as the last stderr line.
_MEASURED = ("import resource, sys\nfrom kspec.cli import main\ncode = main(sys.argv[1:])\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(code)\n")


@pytest.mark.parametrize("kind", sorted(WORKLOADS))
def test_a_billion_replicas_simulate_ends_at_max_steps_with_bounded_memory(tmp_path, kind):
    """simulate of a 10^9-pod workload stops at --max-steps ("still changing") in seconds and tens of MiB."""
    path = tmp_path / "w.yaml"
    path.write_text(WORKLOADS[kind])
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURED, "simulate", "--max-steps", "600", str(path)],
                          capture_output=True, text=True, timeout=SECONDS * 2)
    seconds = time.monotonic() - started
    peak_mib = int(done.stderr.strip().splitlines()[-1]) / 1024
    assert done.returncode not in (0, 2) and "still changing" in done.stdout, (done.stdout[-500:], done.stderr)
    assert "did not converge within 600 steps" in done.stdout
    assert seconds < SECONDS and peak_mib < PEAK_MIB, (seconds, peak_mib)


def test_a_billion_replicas_run_creates_pods_in_bursts():
    """The runner's state after 400 steps holds the pods made so far (a few hundred), not 10^9."""
    state = initial_state(objects(WORKLOADS["ReplicaSet"]))
    result = run(state, default_actors(), max_steps=400)
    assert not result.converged and "replicaset" in result.still_changing
    assert 0 < len(result.state.list("Pod")) <= 400


POOL = """apiVersion: kspec.dev/v1alpha1
kind: NodePool
metadata: {name: %s}
spec:
  count: %s
  template:
    status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
"""


def test_a_huge_node_pool_is_an_error_at_its_count():
    """count: 10^9 is a ReadError at the count's line:column (5:10), found before any node is built."""
    pools = objects(POOL % ("worker", BILLION))
    (error,) = node_pool_errors(pools)
    assert (error.line, error.column) == (5, 10)
    assert f"{MAX_NODES:,}" in error.message and "1,000,000,000" in error.message
    with pytest.raises(ReadError):
        initial_state(pools)


def test_node_pools_share_the_maximum():
    """Two pools of 3,000: the second crosses 5,000 nodes and is the one reported, with what is left."""
    pools = objects(POOL % ("a", 3000) + "---\n" + POOL % ("b", 3000))
    (error,) = input_errors(pools)
    assert error.line == 13 and "NodePool b" in error.message and "at most 2,000 here" in error.message


def test_negative_pool_count_is_an_error():
    """count: -1 is refused at the count, never read as an empty pool."""
    (error,) = node_pool_errors(objects(POOL % ("worker", -1)))
    assert "0 or more" in error.message and error.line == 5


def test_a_pool_of_zero_is_a_cluster_without_nodes():
    """A NodePool with count 0 (and no other node) is a cluster of no nodes, not the default cluster."""
    assert initial_state(objects(POOL % ("worker", 0))).list("Node") == []
    assert len(initial_state(objects(POOL % ("worker", 2))).list("Node")) == 2


APP = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
""" + POOL % ("worker", 3) + """---
apiVersion: kspec.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  events:
"""
EVENTS_LINE = APP.count("\n") + 1  # the line of the first event


def _errors(*events: str) -> list[ReadError]:
    found = objects(APP + "".join(f"  - {e}\n" for e in events))
    scenario = [o for o in found if o.kind == "Scenario"][0]
    return scenario_errors(scenario, found)


@pytest.mark.parametrize("event,at,message", [
    ("{at: 30, type: nodeFailure, node: worker-9}", "worker-9",
     "node 'worker-9' is not in the input (nodes: worker-0..worker-2)"),
    ("{at: 30, type: nodeRecovery, node: node-0}", "node-0", "node 'node-0' is not in the input"),
    ("{at: 60, type: scale, target: Deployment/shop/api, replicas: 3}", "Deployment/",
     "Deployment/shop/api is not in the input; Deployments in namespace 'shop': web"),
    ("{at: 60, type: scale, target: Deployment/web, replicas: 3}", "Deployment/", "Deployment/web is not in the input"),
    ("{at: 60, type: scale, target: ConfigMap/shop/web, replicas: 3}", "ConfigMap/", "scale applies to Deployment"),
    ("{type: imageUpdate, target: Deployment/shop/web, container: app, image: x}", "app",
     "Deployment web has no container 'app' (containers: web)"),
    ("{type: podCrash, pod: shop/cache-0}", "shop/", "Pod/shop/cache-0 is not in the input, and no controller would "
                                                     "create it"),
    ("{type: metric, pod: other/web-1, cpu: 100m}", "other/", "Pod/other/web-1 is not in the input"),
    ("{type: delete, target: PersistentVolumeClaim/shop/logs-db-0}", "Persistent", "data-db-<ordinal>"),
    ("{type: delete, target: ReplicaSet/shop/db-1}", "ReplicaSet/", "web-..."),
])
def test_events_aimed_at_nothing_are_errors_at_the_target(event, at, message):
    """An event whose node, workload or pod cannot exist in a run of the input is an error at its field."""
    (error,) = _errors(event)
    column = ("  - " + event).index(at) + 1
    assert (error.line, error.column) == (EVENTS_LINE, column), error.format()
    assert message in error.message, error.message


def test_targets_that_may_exist_are_accepted():
    """Input objects, pool nodes, generated pod/ReplicaSet/claim names and apply-created Nodes are accepted."""
    assert _errors("{at: 1, type: nodeFailure, node: worker-2}",
                   "{at: 2, type: podCrash, pod: shop/web-5c14b471a9-0}",
                   "{at: 3, type: podCrash, pod: shop/db-0}",
                   "{at: 4, type: delete, target: ReplicaSet/shop/web-5c14b471a9}",
                   "{at: 5, type: delete, target: PersistentVolumeClaim/shop/data-db-0}",
                   "{at: 6, type: imageUpdate, target: StatefulSet/shop/db, container: db, image: postgres:17}",
                   "{at: 7, type: apply, object: {apiVersion: v1, kind: Node, metadata: {name: spare}}}",
                   "{at: 8, type: nodeFailure, node: spare}",
                   "{at: 9, type: delete, target: Node/worker-0}") == []


def test_a_node_applied_later_does_not_exist_earlier():
    """A nodeFailure before the apply event that creates its node is an error (events run in time order)."""
    (error,) = _errors("{at: 8, type: apply, object: {apiVersion: v1, kind: Node, metadata: {name: spare}}}",
                       "{at: 2, type: nodeFailure, node: spare}")
    assert "node 'spare' is not in the input" in error.message


def test_every_mistake_is_reported_and_scenario_events_raises_the_first():
    """scenario_errors lists each bad event in line order; scenario_events(s, objects) raises the first."""
    found = objects(APP + "  - {type: nodeFailure, node: a}\n  - {type: explode}\n  - {type: podCrash, pod: shop/x}\n")
    scenario = [o for o in found if o.kind == "Scenario"][0]
    errors = scenario_errors(scenario, found)
    assert [e.line for e in errors] == [EVENTS_LINE, EVENTS_LINE + 1, EVENTS_LINE + 2]
    with pytest.raises(ReadError) as raised:
        scenario_events(scenario, found)
    assert raised.value.line == EVENTS_LINE
    assert [type(e) for e in scenario_events(objects(APP + "  - {type: nodeFailure, node: a}\n")[-1])] == [
        ev.NodeFailure]  # without objects, only reading is checked


def test_default_cluster_nodes_are_known_without_nodes():
    """With no Node and no NodePool, node-0..node-2 (the default cluster) are the nodes an event may name."""
    text = ("apiVersion: kspec.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  events:\n"
            "  - {type: nodeFailure, node: node-2}\n  - {type: nodeFailure, node: node-3}\n")
    found = objects(text)
    (error,) = input_errors(found)
    assert error.line == 7 and "nodes: node-0, node-1, node-2" in error.message
