"""A dump of a running cluster is modelled as that cluster: it stays as it is."""

import json
from pathlib import Path

from kspec.cli import main

DUMP = Path(__file__).parent / "data" / "kubectl-get-dump.yaml"


def test_a_settled_dump_stays_settled(capsys):
    """simulate of `kubectl get -o yaml` output makes no create or delete: the Deployment keeps its
    ReplicaSet and the ReplicaSet its Pods, through the owner uids the dump carries."""
    assert main(["simulate", "--format", "json", str(DUMP)]) == 0
    result = json.loads(capsys.readouterr().out)
    actions = {(step["actor"], step["action"]) for step in result["timeline"]}
    assert not [a for a in actions if a[1] in ("create", "delete")], actions
    assert result["workloads"] == [{"object": "Deployment/shop/web", "desired": 2, "current": 2, "ready": 2,
                                    "updated": 2}]
