"""`kspec simulate` from the command line: timeline, summary, exit codes, scenario errors."""

import json

from kspec.cli import main

RS = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""
SCENARIO = """\
---
apiVersion: kspec.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  events:
  - {at: 30, type: scale, target: ReplicaSet/shop/web, replicas: 3}
"""


def run(capsys, tmp_path, text, *options):
    path = tmp_path / "in.yaml"
    path.write_text(text)
    code = main(["simulate", *options, str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_design_shape_and_converges(capsys, tmp_path):
    """JSON: converged, steps, timeline of {step, actor, action, object}, workloads; exit 0."""
    code, out, _ = run(capsys, tmp_path, RS + SCENARIO, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["converged"] is True
    assert {"step", "actor", "action", "object"} <= set(data["timeline"][0])
    assert data["workloads"] == [{"object": "ReplicaSet/shop/web", "desired": 3, "current": 3, "ready": 3,
                                  "updated": 3}]
    scale = next(s for s in data["timeline"] if s["actor"] == "environment")
    assert (scale["clock"], scale["action"]) == (30, "scale to 3")


def test_text_timeline_and_summary(capsys, tmp_path):
    """Text: one line per step and a workload table, then how the run ended."""
    code, out, _ = run(capsys, tmp_path, RS)
    lines = out.splitlines()
    assert code == 0 and "replicaset       create                     Pod/shop/web-0" in lines[0]
    assert lines[-1].startswith("converged after")
    assert any(line.startswith("ReplicaSet/shop/web") and line.split()[1:] == ["2", "2", "2", "2"] for line in lines)


def test_not_settling_within_the_bound_is_no_verdict(capsys, tmp_path):
    """A run cut by --max-steps exits 3 (no verdict) and says what was still changing."""
    code, out, _ = run(capsys, tmp_path, RS, "--max-steps", "3")
    assert code == 3 and "did not converge within 3 steps" in out and "still changing" in out


def test_a_bad_scenario_event_is_exit_2_with_its_position(capsys, tmp_path):
    """A mistake in a Scenario is reported at its line before anything runs."""
    code, _, err = run(capsys, tmp_path, RS + SCENARIO.replace("type: scale", "type: scael"))
    assert code == 2 and ":17:20:" in err and "unknown event type 'scael'" in err


def test_objects_without_a_controller_are_reported_not_dropped(capsys, tmp_path):
    """Kinds the model does not run are kept and listed."""
    ingress = "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\n"
    _, out, _ = run(capsys, tmp_path, RS + ingress)
    assert "not modelled (kept, no controller acts on them): Ingress/shop/web" in out


def test_bundled_volumes_example_waits_for_the_forced_detach(capsys):
    """models/volumes: after its node is lost, db-0 is recreated elsewhere at t=60, waits with
    the Multi-Attach error, and starts at t=420, once the old attachment is force-detached
    six minutes (maxWaitForUnmountDuration) after the detach was requested."""
    from pathlib import Path

    models = Path(__file__).resolve().parents[1] / "models"
    assert main(["simulate", str(models / "volumes"), "--format", "json"]) == 0
    timeline = json.loads(capsys.readouterr().out)["timeline"]
    db0 = [s for s in timeline if s["object"] == "Pod/data/db-0"]
    waiting = next(s for s in db0 if "Multi-Attach error" in s["action"])
    assert waiting["clock"] == 60
    detach = next(s for s in timeline if s["actor"] == "attachdetach" and s["action"] == "delete")
    assert (detach["clock"], detach["object"]) == (420, "VolumeAttachment/pvc-data-data-db-01-worker-0")
    started = [s for s in db0 if s["action"].startswith("status Running")]
    assert started[-1]["clock"] == 420 and started[-1]["step"] > detach["step"]


def test_an_apply_event_with_a_bad_object_is_exit_2_at_the_value(capsys, tmp_path):
    """The object a Scenario applies is refused like any input object: no default for `replicas: many`."""
    apply = SCENARIO.replace("  - {at: 30, type: scale, target: ReplicaSet/shop/web, replicas: 3}\n",
                             "  - at: 30\n    type: apply\n    object:\n      apiVersion: apps/v1\n"
                             "      kind: ReplicaSet\n      metadata: {name: api, namespace: shop}\n"
                             "      spec: {replicas: many}\n")
    code, _, err = run(capsys, tmp_path, RS + apply)
    assert code == 2 and ":23:24:" in err and "spec.replicas: expected an integer" in err, err
