"""User Rule files through `kspec validate --rules DIR`."""

import pytest

from kspec.cli import main
from kspec.validation.findings import RULES


@pytest.fixture(autouse=True)
def forget_user_rules():
    """User rules register their ids; keep the global registry as the docs render it."""
    yield
    RULES._rules.pop("team-label", None)

RULE = """\
apiVersion: kspec.dev/v1alpha1
kind: Rule
metadata: {name: team}
spec:
  match: {kinds: [Deployment], namespaces: [shop]}
  validations:
  - id: team-label
    severity: error
    summary: every Deployment names its owning team
    doc: Teams are paged by this label. Add metadata.labels.team.
    expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
    messageExpression: "'Deployment ' + object.metadata.name + ' has no team label'"
    fieldPath: metadata
"""

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""


def test_a_user_rule_fires_with_its_message_and_position(tmp_path, capsys):
    """The finding carries the rule's id, severity, message and the fieldPath's line."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(RULE)
    (tmp_path / "deploy.yaml").write_text(DEPLOY)
    code = main(["validate", "--rules", str(rules), "--format", "json", str(tmp_path / "deploy.yaml")])
    import json

    found = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "team-label"]
    assert code == 1
    assert [(f["severity"], f["message"], f["line"]) for f in found] == [
        ("error", "Deployment web has no team label", 3)]


def test_a_syntax_error_in_a_rule_is_exit_2_at_its_line(tmp_path, capsys):
    """A broken expression is reported at the rule file's line and column; exit 2."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(RULE.replace("'team' in object.metadata.labels", "'team' in (object"))
    (tmp_path / "deploy.yaml").write_text(DEPLOY)
    assert main(["validate", "--rules", str(rules), str(tmp_path / "deploy.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{rules / 'team.yaml'}:11:" in err and "Traceback" not in err
