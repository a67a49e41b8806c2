"""``kspec place`` from the command line: output shapes and exit codes."""

import json
from pathlib import Path

from kspec.cli import main
from tests.placement.helpers import deployment, node

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_feasible_text_table_and_greedy_comparison(capsys):
    """Exit 0, a node table, and greedy's Pending pod with upstream's message."""
    assert main(["place", str(MODELS / "place-fragmentation"), "--compare-greedy"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("feasible: all 5 pods placed on 2 nodes")
    assert "NODE" in out and "worker-0" in out
    assert "shop/big-0: 0/2 nodes are available: 2 Insufficient cpu." in out


def test_json_has_the_design_shape(capsys):
    """status, assignments, nodes, explanation and greedy as DESIGN.md gives them."""
    assert main(["place", str(MODELS / "place-anti-affinity"), "--compare-greedy", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "sat"
    assert data["assignments"] == {"shop/cache-0": "node-b", "shop/db-0": "node-a"}
    assert {n["name"] for n in data["nodes"]} == {"node-a", "node-b"}
    assert data["greedy"] == {"placed": 1, "pending": ["shop/db-0"], "reasons": {
        "shop/db-0": "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
                     "1 node(s) didn't match pod anti-affinity rules."}}


def test_infeasible_is_exit_1_with_the_explanation(tmp_path, capsys):
    """Exit 1; each explanation line starts with file:line."""
    path = tmp_path / "in.yaml"
    path.write_text(node("n1") + deployment("web", 2, cpu="3"))
    assert main(["place", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("infeasible:")
    assert f"{path}:" in out


def test_unreadable_input_is_exit_2(tmp_path, capsys):
    """A YAML error: exit 2 with file:line:column on stderr, no traceback."""
    path = tmp_path / "bad.yaml"
    path.write_text("kind: Pod\nmetadata: {name: [x\n")
    assert main(["place", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:" in err and "Traceback" not in err


def test_min_nodes_reports_the_bound_and_proof(tmp_path, capsys):
    """Six 1-CPU pods on four 4-CPU nodes: 2 nodes, equal to the lower bound, proven."""
    path = tmp_path / "in.yaml"
    path.write_text("".join(node(f"n{i}") for i in range(4)) + deployment("web", 6, cpu="1", memory="1Gi"))
    assert main(["place", str(path), "--objective", "min-nodes", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["value"] == 2 and data["lower_bound"] == 2 and data["proven"] is True
    assert len(set(data["assignments"].values())) == 2


def test_survive_node_loss_names_the_broken_workload(capsys):
    """Losing either SSD-capable node breaks db; the exit code says a loss was not survived."""
    assert main(["place", str(MODELS / "place-anti-affinity"), "--survive-node-loss", "1", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    broken = {tuple(loss["lost"]): loss for loss in data["resilience"]}
    assert broken[("node-a",)]["status"] == "unsat"
    assert "Deployment/shop/db" in broken[("node-a",)]["unplaceable"]
