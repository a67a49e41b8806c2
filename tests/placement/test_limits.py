"""kspec place on inputs beyond what it answers for: no pod is built past the pod limit, the
node limit is an input error, and a node-loss question that can never be survived is a
usage error, each with a message that says what and where."""

import time

import pytest

from kspec.cli import main
from kspec.placement.problem import MAX_PODS, TooManyPods, build
from tests.controllers.helpers import objects
from tests.placement.helpers import deployment, node

HUGE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1000000000
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, resources: {requests: {cpu: 10m}}}]
"""


def test_a_billion_pods_are_refused_at_the_replicas_field(tmp_path, capsys):
    """10^9 replicas: exit 3 (no verdict) at once, with the limit and replicas' file:line:column."""
    path = tmp_path / "deploy.yaml"
    path.write_text(HUGE)
    started = time.monotonic()
    assert main(["place", str(path)]) == 3
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert f"{path}:5:13: error: kspec place handles up to {MAX_PODS:,} pods" in err
    assert "Deployment/shop/web asks for 1,000,000,000" in err
    assert "replicas: 1000000000" in err  # the excerpt with its caret


def test_the_workload_that_crosses_the_limit_is_named():
    """Two workloads of 100,000 each: the second is reported, with the total so far, at its replicas."""
    text = HUGE.replace("1000000000", "100000") + "---\n" + HUGE.replace("1000000000", "100000").replace(
        "name: web,", "name: api,")
    with pytest.raises(TooManyPods) as raised:
        build(objects(text))
    assert raised.value.line == 16 and "Deployment/shop/api asks for 100,000 (200,000 in all" in raised.value.message


def test_jobs_and_statefulsets_count_too():
    """A Job's parallelism (or smaller completions) and a StatefulSet's replicas are counted before building."""
    job = ("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  parallelism: 1000000000\n"
           "  completions: 200000\n  template:\n    spec:\n      restartPolicy: Never\n"
           "      containers: [{name: w, image: busybox}]\n")
    with pytest.raises(TooManyPods) as raised:
        build(objects(job))
    assert raised.value.line == 6 and "Job/j asks for 200,000" in raised.value.message  # completions, the smaller


def test_a_huge_node_pool_is_an_input_error(tmp_path, capsys):
    """NodePool count 10^9: exit 2 at the count, before any node or pod is built."""
    path = tmp_path / "pool.yaml"
    path.write_text("apiVersion: kspec.dev/v1alpha1\nkind: NodePool\nmetadata: {name: worker}\nspec:\n"
                    "  count: 1000000000\n")
    assert main(["place", str(path)]) == 2
    assert f"{path}:5:10: error: NodePool worker: count 1,000,000,000 is too many" in capsys.readouterr().err


def test_surviving_the_loss_of_every_node_is_a_usage_error(tmp_path, capsys):
    """--survive-node-loss K with K >= nodes: exit 2 naming K and the node count (it would check nothing)."""
    path = tmp_path / "in.yaml"
    path.write_text(node("n1") + node("n2") + deployment("web", 1, cpu="1"))
    for k in ("2", "7"):
        assert main(["place", str(path), "--survive-node-loss", k]) == 2
        err = capsys.readouterr().err
        assert f"--survive-node-loss {k} asks to lose" in err and "of the 2 nodes" in err
        assert "at most 1 can be lost" in err
    assert main(["place", str(path), "--survive-node-loss", "1"]) == 0  # one of two: answered


def test_the_default_cluster_is_named_when_k_is_too_large(tmp_path, capsys):
    """Without nodes in the input, the message says the 3 nodes are the default cluster's."""
    path = tmp_path / "in.yaml"
    path.write_text(deployment("web", 1, cpu="1"))
    assert main(["place", str(path), "--survive-node-loss", "3"]) == 2
    assert "every one of the 3 nodes (the default cluster)" in capsys.readouterr().err
