"""`kspec validate` from the command line: exit codes, formats, options."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kspec.cli import main

MODELS = Path(__file__).resolve().parents[1] / "models"
BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: webb}
    spec:
      containers:
      - name: web
        image: nginx
        imagePullPolicy: Sometimes
        colour: blue
"""


def run(capsys, *argv):
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "deploy.yaml"
    path.write_text(BAD)
    return path


def test_the_bundled_models_validate_clean(capsys):
    """The bundled examples have no error (the demos skip some best practices): exit 0."""
    code, out, _ = run(capsys, "--severity", "error", str(MODELS))
    assert code == 0
    assert out.strip().startswith("no findings in ") and out.strip().endswith(" objects)")


def test_errors_exit_1_with_positions(capsys, bad):
    """A mismatched selector and an unsupported value are errors at their lines; exit 1."""
    code, out, _ = run(capsys, "--format", "json", str(bad))
    assert code == 1
    found = {(f["rule"], f["line"], f["column"]) for f in json.loads(out)["findings"]}
    assert ("selector-mismatch", 8, 5) in found
    assert ("unsupported-value", 16, 26) in found
    assert ("schema-unknown-field", 17, 9) in found


def test_strict_makes_unknown_fields_errors(capsys, bad):
    """--strict turns unknown fields from warnings into errors."""
    _, out, _ = run(capsys, "--format", "json", "--strict", str(bad))
    severities = {f["severity"] for f in json.loads(out)["findings"] if f["rule"] == "schema-unknown-field"}
    assert severities == {"error"}


def _pack() -> set:
    from kspec.validation.findings import RULES
    import kspec.validation.validate  # noqa: F401  (registers the rule pack)

    return {r.id for r in RULES if r.category == "best-practice"}


_PACK = _pack()


def test_disable_severity_and_fail_on(capsys, bad):
    """--disable drops rules, --severity hides lower ones, --fail-on sets what fails."""
    code, out, _ = run(capsys, "--format", "json", "--disable", "selector-mismatch,unsupported-value", str(bad))
    rules = {f["rule"] for f in json.loads(out)["findings"]} - _PACK
    assert code == 0 and rules == {"schema-unknown-field"}
    code, _, _ = run(capsys, "--disable", "selector-mismatch,unsupported-value", "--fail-on", "warning", str(bad))
    assert code == 1
    _, out, _ = run(capsys, "--format", "json", "--severity", "error", str(bad))
    assert {f["severity"] for f in json.loads(out)["findings"]} == {"error"}


def test_unknown_rule_id_is_a_usage_error(capsys, bad):
    """A typo in --disable is caught (exit 2), not silently ignored."""
    code, _, err = run(capsys, "--disable", "selector-mismatsh", str(bad))
    assert code == 2 and "selector-mismatsh" in err


def test_unknown_kubernetes_version_is_a_usage_error(capsys, bad):
    """An unbundled --kubernetes-version lists the available ones (exit 2)."""
    code, _, err = run(capsys, "--kubernetes-version", "1.2", str(bad))
    assert code == 2 and "1.37" in err


def test_sarif_junit_and_github_outputs_parse(capsys, bad):
    """SARIF is JSON with results, JUnit is XML with a testcase per object, GitHub is annotations."""
    _, out, _ = run(capsys, "--format", "sarif", str(bad))
    assert json.loads(out)["runs"][0]["results"]
    _, out, _ = run(capsys, "--format", "junit", str(bad))
    assert [t.get("name") for t in ET.fromstring(out).iter("testcase")] == ["apps/v1/Deployment//web"]
    _, out, _ = run(capsys, "--format", "github", str(bad))
    assert out.startswith("::") and "::error file=" in out


def test_unreadable_and_empty_inputs_exit_2(capsys, tmp_path):
    """Malformed YAML, a missing path, or no objects at all is exit 2, never a silent pass."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\n")
    assert run(capsys, str(broken))[0] == 2
    assert run(capsys, str(tmp_path / "missing.yaml"))[0] == 2
    values = tmp_path / "values.yaml"
    values.write_text("replicaCount: 3\n")
    code, out, err = run(capsys, str(values))
    assert code == 2 and "no Kubernetes objects" in err and "not-kubernetes" in out


def test_list_rules_prints_every_rule(capsys):
    """--list-rules prints the rule table with every registered id."""
    from kspec.validation.findings import RULES
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0 and all(rule.id in out for rule in RULES)


def test_a_missing_crd_dir_is_a_usage_error(tmp_path, capsys):
    """--crd-dir that does not exist is exit 2 naming it, not silently no CRDs."""
    from kspec.cli import main

    (tmp_path / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert main(["validate", "--crd-dir", str(tmp_path / "nope"), str(tmp_path / "app.yaml")]) == 2
    err = capsys.readouterr().err
    assert "--crd-dir" in err and "nope" in err and "no such file or directory" in err
