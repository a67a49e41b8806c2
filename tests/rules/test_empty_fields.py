"""Fields present but empty read as unset, as the API server decodes them: no rule fails to
evaluate on `resources:`, `securityContext:` or `volumes:` holding only a comment."""

from kspec.reading.loader import Loaded, load_text
from kspec.validation.validate import validate

EMPTY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes:
        # nothing yet
      containers:
      - name: web
        image: nginx:1.27
        resources:
        securityContext:
"""


def test_empty_fields_are_unset_for_every_rule():
    """No rule-error; the rules that want the fields report them as missing, at the container."""
    manifests, errors = load_text(EMPTY, "app.yaml")
    loaded = Loaded(manifests=tuple(manifests), errors=tuple(errors), files=("app.yaml",), sources={})
    found = validate(loaded).findings
    assert not [f for f in found if f.rule == "rule-error"], [f.message for f in found if f.rule == "rule-error"]
    rules = {f.rule for f in found}
    assert {"requests-set", "memory-limit-set", "run-as-non-root"} <= rules
