"""A kustomize tree: patches named by a kustomization are notes, not objects missing their
required fields; the rendered result, piped in, is validated as the API server gets it."""

import shutil
import subprocess
import sys

import pytest

from kspec.cli import main

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""
PATCH = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: \"3\"\n"


def _tree(root):
    (root / "base").mkdir()
    (root / "base" / "deploy.yaml").write_text(DEPLOY)
    (root / "base" / "kustomization.yaml").write_text("resources: [deploy.yaml]\n")
    prod = root / "overlays" / "prod"
    prod.mkdir(parents=True)
    (prod / "kustomization.yaml").write_text("resources: [../../base]\nnamePrefix: prod-\nnamespace: prod\n"
                                             "patches:\n- path: replicas.yaml\n")
    (prod / "replicas.yaml").write_text(PATCH)
    return prod


def test_patches_are_notes_not_objects(tmp_path, capsys):
    """validate: the patch is an info naming the command to check the merged result, not
    'missing required field selector'; simulate keeps one Deployment without a duplicate error."""
    _tree(tmp_path)
    assert main(["validate", "--color", "never", "--disable", "schema-required", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "replicas.yaml:1:1: info input-skipped: a kustomize patch" in out and "kubectl kustomize" in out
    assert main(["validate", "--color", "never", str(tmp_path)]) == 0
    assert "schema-required" not in capsys.readouterr().out
    assert main(["simulate", str(tmp_path)]) == 0


@pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")), reason="no kustomize binary")
def test_the_rendered_overlay_piped_in_is_validated(tmp_path):
    """`kubectl kustomize overlays/prod | kspec validate -` reports the patch's `replicas: "3"`."""
    prod = _tree(tmp_path)
    command = ["kustomize", "build"] if shutil.which("kustomize") else ["kubectl", "kustomize"]
    rendered = subprocess.run([*command, str(prod)], capture_output=True, text=True, timeout=120, check=True).stdout
    result = subprocess.run([sys.executable, "-m", "kspec", "validate", "--color", "never", "-"], input=rendered,
                            capture_output=True, text=True, timeout=120)
    errors = [line for line in result.stdout.splitlines() if " error " in line]
    assert result.returncode == 1 and [line for line in errors if '"3"' in line], result.stdout
