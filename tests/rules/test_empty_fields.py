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


def test_probe_rules_cover_bare_serving_pods_only():
    """A bare Pod that restarts gets the probe rules; a run-to-completion Pod does not."""
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n"
            "  containers: [{name: web, image: 'nginx:1.27'}]\n---\n"
            "apiVersion: v1\nkind: Pod\nmetadata: {name: once, namespace: shop}\nspec:\n"
            "  restartPolicy: Never\n  containers: [{name: once, image: 'busybox:1.36'}]\n")
    manifests, errors = load_text(text, "pods.yaml")
    loaded = Loaded(manifests=tuple(manifests), errors=tuple(errors), files=("pods.yaml",), sources={})
    probes = [f for f in validate(loaded).findings if f.rule == "readiness-probe-set"]
    assert [f.object.split("/")[-1] for f in probes] == ["web"] and probes[0].line == 5


def _pack_findings(text, rule):
    manifests, errors = load_text(text, "app.yaml")
    loaded = Loaded(manifests=tuple(manifests), errors=tuple(errors), files=("app.yaml",), sources={})
    return [f for f in validate(loaded).findings if f.rule == rule or f.rule == "rule-error"]


def test_drop_all_is_read_case_insensitively():
    """`drop: [all]` and `drop: [CAP_NET_RAW]` drop NET_RAW, as the runtimes read them."""
    for drop in ("all", "ALL", "CAP_NET_RAW", "net_raw"):
        text = EMPTY.replace("        securityContext:\n", f"        securityContext: {{capabilities: {{drop: [{drop}]}}}}\n")
        assert _pack_findings(text, "drop-net-raw") == [], drop
    text = EMPTY.replace("        securityContext:\n", "        securityContext: {capabilities: {drop: [CHOWN]}}\n")
    assert [f.rule for f in _pack_findings(text, "drop-net-raw")] == ["drop-net-raw"]


def test_sensitive_host_paths_include_dev_etc_with_slash_and_containerd():
    """/dev, /etc/ (trailing slash) and /var/run/containerd/containerd.sock are sensitive; /etc/ssl/certs is not."""
    for path, sensitive in (("/dev", True), ("/etc/", True), ("/var/run/containerd/containerd.sock", True),
                            ("/etc/ssl/certs", False), ("/data", False)):
        text = EMPTY.replace("      volumes:\n        # nothing yet\n",
                             f"      volumes: [{{name: h, hostPath: {{path: '{path}'}}}}]\n")
        found = [f.rule for f in _pack_findings(text, "no-sensitive-host-path")]
        assert found == (["no-sensitive-host-path"] if sensitive else []), path
