"""No silent defaults: every value kspec cannot take as written is an error at its line in
`validate`, and `simulate`, `place` and `check` refuse the object with exit 2."""

import pytest

from kspec.api.registry import decode_manifest
from kspec.cli import main
from kspec.reading.loader import load_text

GOOD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy:
    rollingUpdate: {maxUnavailable: 1, maxSurge: 25%}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 80, protocol: TCP}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: kspec.dev/v1alpha1
kind: NodePool
metadata: {name: worker}
spec:
  count: 2
  template:
    status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
"""

# (name, text to replace, replacement, line:column of the error, words of the message)
CASES = [
    ("maxUnavailable-abc", "maxUnavailable: 1", 'maxUnavailable: "abc"', "10:37", "invalid int-or-percent 'abc'"),
    ("maxSurge-quoted-number", "maxSurge: 25%", 'maxSurge: "5"', "10:50", "invalid int-or-percent '5'"),
    ("pdb-minAvailable-quoted", "minAvailable: 1", 'minAvailable: "50"', "25:17", "invalid int-or-percent '50'"),
    ("cpu-lots", "cpu: 100m", "cpu: lots", "19:37", "invalid quantity 'lots'"),
    ("memory-NaN", "memory: 64Mi", "memory: NaN", "19:51", "invalid quantity 'NaN'"),
    ("nodepool-count-string", "count: 2", 'count: "2"', "32:10", "expected an integer, got the string '2'"),
    ("lowercase-apiversion", "apiVersion: policy/v1", "apiversion: policy/v1", "21:1",
     "apiVersion: missing; every Kubernetes object needs one (found 'apiversion'"),
    ("metadata-missing-space", "metadata:\n  name: web\n  namespace: shop", "metadata:\n  name:web", "4:3",
     "metadata: expected a mapping, got the string 'name:web'"),
    ("v1-deployment", "apiVersion: apps/v1\nkind: Deployment", "apiVersion: v1\nkind: Deployment", "1:13",
     "v1 does not serve kind Deployment; use apps/v1"),
    ("replicas-out-of-range", "replicas: 2", "replicas: 2147483648", "7:13", "out of range for a 32-bit integer"),
    ("replicas-a-string", "replicas: 2", 'replicas: "2"', "7:13", "expected an integer, got the string '2' (remove"),
    ("protocol-http", "protocol: TCP", "protocol: HTTP", "18:47", "unsupported value 'HTTP'"),
    ("containers-a-mapping", "      containers:\n      - name: web", "      containers:\n        name: web", "15:9",
     "containers: expected a list"),
]


def _write(tmp_path, text):
    path = tmp_path / "app.yaml"
    path.write_text(text)
    return str(path)


def _mutated(old, new):
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def test_the_good_manifest_has_no_problems(tmp_path, capsys):
    """The baseline decodes without a problem, validates without errors and simulates (exit 0)."""
    manifests, errors = load_text(GOOD, "app.yaml")
    assert not errors and all(not decode_manifest(m).problems for m in manifests)
    path = _write(tmp_path, GOOD)
    assert main(["simulate", path]) == 0
    assert main(["validate", "--disable", "image-tag-pinned", path]) in (0, 1)
    assert " error " not in capsys.readouterr().out


@pytest.mark.parametrize("name,old,new,where,words", CASES, ids=[c[0] for c in CASES])
def test_validate_reports_the_value_at_its_line(tmp_path, capsys, name, old, new, where, words):
    """validate: the bad value is an error at its line:column (exit 1), whatever check reports it."""
    path = _write(tmp_path, _mutated(old, new))
    assert main(["validate", "--format", "text", "--color", "never", path]) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if f"app.yaml:{where}: error " in line]
    assert errors, out


@pytest.mark.parametrize("command", ["simulate", "place", "check"])
@pytest.mark.parametrize("name,old,new,where,words", CASES, ids=[c[0] for c in CASES])
def test_model_commands_refuse_the_object(tmp_path, capsys, command, name, old, new, where, words):
    """simulate, place and check exit 2 with file:line:column and the reason, never a default."""
    path = _write(tmp_path, _mutated(old, new))
    extra = ["--max-examples", "1", "--no-database"] if command == "check" else []
    assert main([command, *extra, path]) == 2
    err = capsys.readouterr().err
    assert f"app.yaml:{where}: error: " in err and words in err, err


def test_an_integral_float_is_an_integer(tmp_path):
    """`replicas: 3.0` is 3, as the API server reads JSON numbers (not the default 1)."""
    (deployment, *_), _ = load_text(_mutated("replicas: 2", "replicas: 3.0"), "app.yaml")
    found = decode_manifest(deployment)
    assert not found.problems and found.obj.spec.replicas == 3


def test_a_removed_version_of_a_modelled_kind_is_refused(tmp_path, capsys):
    """extensions/v1beta1 Deployment: validate says removed, simulate refuses it (exit 2)."""
    path = _write(tmp_path, _mutated("apiVersion: apps/v1\nkind: Deployment",
                                     "apiVersion: extensions/v1beta1\nkind: Deployment"))
    assert main(["validate", path]) == 1
    assert "removed-api-version" in capsys.readouterr().out
    assert main(["simulate", path]) == 2
    assert "app.yaml:1:13: error: apiVersion: extensions/v1beta1 does not serve kind Deployment" in capsys.readouterr().err


def test_a_timestamp_from_a_cluster_dump_is_not_a_problem():
    """creationTimestamp as the API server writes it is valid input (the model's clock cannot place it)."""
    text = GOOD.replace("  name: web\n  namespace: shop", "  name: web\n  namespace: shop\n"
                        "  creationTimestamp: \"2024-05-01T10:00:00Z\"", 1)
    (deployment, *_), _ = load_text(text, "app.yaml")
    found = decode_manifest(deployment)
    assert not found.problems and found.obj.metadata.creation_timestamp is None


@pytest.mark.parametrize("command", ["simulate", "place", "check"])
def test_model_commands_refuse_what_the_api_server_rejects(tmp_path, capsys, command):
    """A selector that misses its template (the API server refuses it) is exit 2 at its line:
    the model never runs a controller that can never count its own pods."""
    path = _write(tmp_path, _mutated("metadata: {labels: {app: web}}", "metadata: {labels: {app: webb}}"))
    extra = ["--max-examples", "1", "--no-database"] if command == "check" else []
    assert main([command, *extra, path]) == 2
    err = capsys.readouterr().err
    assert "app.yaml:8:" in err and "selector-mismatch" in err, err


@pytest.mark.parametrize("command", ["simulate", "place", "check"])
def test_the_same_object_in_two_files_is_refused_naming_both(tmp_path, capsys, command):
    """Two files defining Deployment shop/web: exit 2 at the second, naming the first; never one kept silently."""
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.split("---")[0])
    extra = ["--max-examples", "1", "--no-database"] if command == "check" else []
    assert main([command, *extra, str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "b.yaml:1:1: error: Deployment shop/web is defined twice: here and at " in err and "a.yaml:1:1" in err


def test_a_value_not_read_is_not_judged_at_its_default(tmp_path, capsys):
    """`containerPort: http` is one error (the type), not also "containerPort 0 out of range"."""
    path = _write(tmp_path, _mutated("containerPort: 80", "containerPort: http"))
    assert main(["validate", "--compact", "--color", "never", path]) == 1
    errors = [line for line in capsys.readouterr().out.splitlines() if " error " in line]
    assert len(errors) == 1 and "app.yaml:18:33:" in errors[0], errors
