"""LimitRange and ResourceQuota findings of `kspec validate` (kspec/validation/limits.py)."""

import pytest

from tests.validation.helpers import findings_of

LR = """\
apiVersion: v1
kind: LimitRange
metadata: {name: lr, namespace: ns}
spec:
  limits:
  - %s
"""
DEPLOY = """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: %s}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: %s
"""
QUOTA = """\
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: ns}
spec:
  hard: %s
"""


def deploy(resources: str = "{}", namespace: str = "ns") -> str:
    return DEPLOY % (namespace, resources)


def test_rejected_workload_is_an_error_at_the_container(tmp_path):
    """A container limit above a Container max: error with upstream's reason, at the container."""
    (f,) = findings_of(tmp_path, LR % "{type: Container, max: {cpu: 1}}" + deploy("{limits: {cpu: 2}}"),
                       "limitrange-rejects")
    assert f.severity == "error"
    assert f.message == ("LimitRange 'lr' would refuse every pod of this Deployment: "
                         "maximum cpu usage per Container is 1, but limit is 2")
    assert (f.line, f.column, f.path) == (17, 9, "spec.template.spec.containers[0]")
    assert f.object.endswith("Deployment/ns/web")


def test_defaulted_fields_are_info_findings_naming_field_and_value(tmp_path):
    """Each value LimitRanger fills in is one info finding at the container."""
    found = findings_of(tmp_path, LR % "{type: Container, default: {memory: 256Mi}, defaultRequest: {cpu: 100m}}"
                        + deploy("{requests: {cpu: 50m}}"), "limitrange-defaults")
    assert [(f.severity, f.message, f.path, f.line) for f in found] == [
        ("info", "LimitRange 'lr' sets limits.memory: 256Mi on container 'web', which states none",
         "spec.template.spec.containers[0].resources.limits.memory", 17),
        ("info", "LimitRange 'lr' sets requests.memory: 256Mi on container 'web', which states none",
         "spec.template.spec.containers[0].resources.requests.memory", 17),
    ]


def test_fully_specified_container_within_range_has_no_findings(tmp_path):
    """Nothing to default, nothing refused: no LimitRange finding."""
    found = findings_of(tmp_path, LR % "{type: Container, min: {cpu: 10m}, max: {cpu: 1}}"
                        + deploy("{requests: {cpu: 100m}, limits: {cpu: 500m}}"))
    assert [f for f in found if f.rule.startswith("limitrange")] == []


def test_other_namespace_is_not_affected(tmp_path):
    """A LimitRange only applies in its own namespace."""
    assert findings_of(tmp_path, LR % "{type: Container, max: {cpu: 1}}" + deploy("{limits: {cpu: 2}}", "other"),
                       "limitrange-rejects") == []


def test_default_limit_below_explicit_request_is_refused(tmp_path):
    """A default limit of 200m under a 500m request makes the pod invalid after defaulting."""
    (f,) = findings_of(tmp_path, LR % "{type: Container, default: {cpu: 200m}}" + deploy("{requests: {cpu: 500m}}"),
                       "limitrange-rejects")
    assert "default limit is below the container's request" in f.message and "cpu limit of 200m" in f.message


def test_pod_item_reports_at_the_pod_spec(tmp_path):
    """A Pod item's total has no single container: the finding points at the pod spec."""
    pod = ("---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n"
           "  - {name: a, image: x, resources: {limits: {cpu: 700m}}}\n"
           "  - {name: b, image: x, resources: {limits: {cpu: 700m}}}\n")
    (f,) = findings_of(tmp_path, LR % "{type: Pod, max: {cpu: 1}}" + pod, "limitrange-rejects")
    assert f.message == "LimitRange 'lr' would refuse this pod: maximum cpu usage per Pod is 1, but limit is 1400m"
    assert f.path == "spec" and f.line == 12  # where the pod spec's mapping starts


def test_claim_outside_storage_bounds(tmp_path):
    """A PersistentVolumeClaim above the max storage: error at requests.storage."""
    claim = ("---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: ns}\n"
             "spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests: {storage: 50Gi}\n")
    (f,) = findings_of(tmp_path, LR % "{type: PersistentVolumeClaim, max: {storage: 10Gi}}" + claim,
                       "limitrange-rejects")
    assert f.message.endswith("maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 50Gi")
    assert (f.line, f.path) == (14, "spec.resources.requests.storage")


@pytest.mark.parametrize("item, message", [
    ("{type: Container, min: {cpu: 2}, max: {cpu: 1}}", "min value 2 is greater than max value 1"),
    ("{type: Container, max: {cpu: 1}, defaultRequest: {cpu: 2}}", "default request value 2 is greater than max value 1"),
    ("{type: Container, default: {cpu: 100m}, defaultRequest: {cpu: 200m}}",
     "default request value 200m is greater than default limit value 100m"),
    ("{type: Container, maxLimitRequestRatio: {cpu: 500m}}", "ratio 500m is less than 1"),
    ("{type: Container, min: {cpu: 500m}, max: {cpu: 1}, maxLimitRequestRatio: {cpu: 4}}",
     "ratio 4 is greater than max/min = 2.000000"),
    ("{type: Pod, max: {cpu: 1}, default: {cpu: 1}}", "default may not be specified when type is 'Pod'"),
    ("{type: PersistentVolumeClaim, max: {cpu: 1}}", "either minimum or maximum storage value is required"),
])
def test_invalid_limit_range(tmp_path, item, message):
    """Upstream ValidateLimitRange, after the LimitRange's own defaulting."""
    found = findings_of(tmp_path, LR % item, "limitrange-invalid")
    assert any(message in f.message for f in found), [f.message for f in found]


def test_valid_limit_range_is_not_reported(tmp_path):
    """min <= defaultRequest <= default <= max and a ratio within max/min: no finding."""
    assert findings_of(tmp_path, LR % "{type: Container, min: {cpu: 100m}, defaultRequest: {cpu: 200m}, "
                       "default: {cpu: 500m}, max: {cpu: 1}, maxLimitRequestRatio: {cpu: 5}}",
                       "limitrange-invalid") == []


def test_quota_on_cpu_requires_containers_to_state_cpu(tmp_path):
    """A quota on requests.cpu: a container without a cpu request is an error at the container."""
    (f,) = findings_of(tmp_path, deploy("{requests: {memory: 64Mi}}").removeprefix("---\n")
                       + QUOTA % "{requests.cpu: '2'}", "quota-requires-resources")
    assert f.message == ("ResourceQuota 'q' limits requests.cpu: the API server would refuse every pod of this "
                         "Deployment (must specify requests.cpu for container 'web')")
    assert f.line == 10


def test_limit_range_default_satisfies_the_quota(tmp_path):
    """LimitRange defaults are applied before the quota's constraint, as in the API server."""
    text = LR % "{type: Container, defaultRequest: {cpu: 100m}}" + deploy() + QUOTA % "{requests.cpu: '2'}"
    assert findings_of(tmp_path, text, "quota-requires-resources") == []
