"""Invariants written as files (kind: Invariant) in kspec check."""

from pathlib import Path

from kspec.check.properties import PROPERTIES
from kspec.cli import main

DATA = Path(__file__).parent / "data"
APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}]
---
apiVersion: kspec.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  start: settled
  faults:
  - {type: scale, target: Deployment/shop/web, replicas: [%d]}
  properties: [web-max-four]
"""


def test_a_user_invariant_is_found_violated_with_a_trace(tmp_path, capsys):
    """Scaling to 6 breaks the file's invariant; the trace ends with the pod that breaks it."""
    path = tmp_path / "app.yaml"
    path.write_text(APP % 6)
    try:
        code = main(["check", str(path), "--properties", str(DATA), "--engine", "exhaustive", "--depth", "6"])
        out = capsys.readouterr().out
        assert code == 1
        assert out.startswith("violation: web-max-four (Deployment/shop/web)\n  web runs 5 pods")
        assert "fault: scale" in out and "replay: kspec check" in out
    finally:
        PROPERTIES._by_id.pop("web-max-four", None)


def test_the_invariant_holds_when_the_scale_stays_within_it(tmp_path, capsys):
    """Scaling to 4 keeps it: exit 0."""
    path = tmp_path / "app.yaml"
    path.write_text(APP % 4)
    try:
        assert main(["check", str(path), "--properties", str(DATA), "--engine", "exhaustive", "--depth", "6"]) == 0
    finally:
        PROPERTIES._by_id.pop("web-max-four", None)
        capsys.readouterr()
