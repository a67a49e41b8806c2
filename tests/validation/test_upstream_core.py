"""Upstream API-server validation tables (``pkg/apis/core/validation/validation_test.go``)
ported to manifests, for the pod-spec checks of ``kspec/validation/semantic_pods.py`` and the
container checks of ``semantic.py``.

Each table names the upstream test function it comes from. Upstream tests call the internal
validation functions on *internal* (already defaulted) types; a manifest goes through the v1
defaulting first (``pkg/apis/core/v1/defaults.go``), so a case whose only fault is a field the v1
defaults fill in (a port's protocol, a fieldRef's apiVersion) is expected to pass here and says so.
Cases about what kspec does not decode (pod-level resources, ephemeral containers, sleep
handlers, resize policies) are left out. An ``expected`` rule of None means "no error at all"; a
tuple means any of those rules (the schema may report a missing required field first).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kspec.validation import semantic_pods
from kspec.validation.findings import RULES, Rule
from tests.validation.helpers import findings_of

_CONTAINER = {"name": "c", "image": "nginx:1.27"}


def pod(container: dict | None = None, spec: dict | None = None, init: dict | None = None) -> str:
    """A Pod manifest (JSON, which is YAML) with one container updated by ``container``."""
    body = {"containers": [{**_CONTAINER, **(container or {})}], **(spec or {})}
    if init is not None:
        body["initContainers"] = [{"name": "init", "image": "busybox:1.36", **init}]
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": body}, indent=1)


def error_rules(tmp_path: Path, manifest: str) -> set[str]:
    """The rules of the error findings of the API-server checks (reading and decoding, schema, semantic)."""
    findings = findings_of(tmp_path, {"pod.yaml": manifest})
    return {f.rule for f in findings if f.severity == "error"
            and RULES.get(f.rule).category in ("semantic", "schema", "reading")}


def check_case(tmp_path: Path, manifest: str, expected: str | tuple[str, ...] | None) -> None:
    rules = error_rules(tmp_path, manifest)
    if expected is None:
        assert rules == set()
    else:
        wanted = (expected,) if isinstance(expected, str) else expected
        assert rules & set(wanted), f"expected one of {wanted}, got {sorted(rules)}"


def cases(*rows):
    return [pytest.param(manifest, expected, id=name) for name, manifest, expected in rows]


def test_rules_of_the_module_are_documented_and_semantic():
    # name-invalid is semantic.py's, imported for container and volume names
    defined = {value.id for value in vars(semantic_pods).values() if isinstance(value, Rule)} - {"name-invalid"}
    defined -= {"label-invalid"}  # semantic.py's too, for nodeSelector
    assert defined == {"resource-invalid", "probe-invalid", "env-invalid", "toleration-invalid",
                       "affinity-invalid", "topology-spread-invalid", "pod-spec-invalid"}
    assert all(RULES.get(rule).category == "semantic" and RULES.get(rule).doc for rule in defined)


# ---- resources --------------------------------------------------------------------------------

def _res(requests: dict | None = None, limits: dict | None = None) -> str:
    resources = {}
    if requests is not None:
        resources["requests"] = requests
    if limits is not None:
        resources["limits"] = limits
    return pod({"resources": resources})


# upstream TestValidateResourceRequirements (the ValidateContainerResourceRequirements cases; the
# validatePodResourceRequirements ones concern pod-level resources, which kspec does not decode)
RESOURCE_REQUIREMENTS = cases(
    ("limits and requests of hugepage resource are equal",
     _res({"cpu": "10", "hugepages-2Mi": "2Mi"}, {"cpu": "10", "hugepages-2Mi": "2Mi"}), None),
    ("limits and requests of memory resource are equal", _res({"memory": "2Mi"}, {"memory": "2Mi"}), None),
    ("limits and requests of cpu resource are equal", _res({"cpu": "10"}, {"cpu": "10"}), None),
    ("hugepage resource without cpu or memory",
     _res({"hugepages-2Mi": "2Mi"}, {"hugepages-2Mi": "2Mi"}), "resource-invalid"),
)

# upstream TestHugePagesIsolation
HUGEPAGES_ISOLATION = cases(
    ("Valid: request hugepages-2Mi",
     _res({"cpu": "10", "memory": "10G", "hugepages-2Mi": "1Gi"},
          {"cpu": "10", "memory": "10G", "hugepages-2Mi": "1Gi"}), None),
    ("Valid: request more than one hugepages size",
     _res({"cpu": "10", "memory": "10G", "hugepages-2Mi": "1Gi", "hugepages-1Gi": "2Gi"},
          {"cpu": "10", "memory": "10G", "hugepages-2Mi": "1Gi", "hugepages-1Gi": "2Gi"}), None),
    ("Invalid: not requesting cpu and memory",
     _res({"hugepages-2Mi": "1Gi"}, {"hugepages-2Mi": "1Gi"}), "resource-invalid"),
    ("Invalid: request 1Gi hugepages-2Mi but limit 2Gi",
     _res({"cpu": "10", "memory": "10G", "hugepages-2Mi": "1Gi"},
          {"cpu": "10", "memory": "10G", "hugepages-2Mi": "2Gi"}), "resource-invalid"),
)

# upstream TestValidateOverhead (validateOverhead reuses the container resource rules)
OVERHEAD = cases(
    ("Valid Overhead for CPU + Memory", pod(spec={"overhead": {"cpu": "10", "memory": "10G"}}), None),
    ("Invalid Overhead Resources", pod(spec={"overhead": {"my.org": "10m"}}), "resource-invalid"),
)

# upstream TestAlphaLocalStorageCapacityIsolation (the container case)
LOCAL_STORAGE = cases(
    ("ephemeral-storage limit", _res(None, {"ephemeral-storage": "40"}), None),
)

# upstream validateContainerResourceName, ValidateResourceQuantityValue, IsOvercommitAllowed
# (no table read for these: cases written from the functions)
RESOURCE_NAMES = cases(
    ("misspelt memory", _res({"memroy": "256Mi"}), "resource-invalid"),
    ("storage is not a container resource", _res({"storage": "1Gi"}), "resource-invalid"),
    ("negative request", _res({"cpu": "-1"}), "resource-invalid"),
    ("negative limit", _res(None, {"memory": "-1Gi"}), "resource-invalid"),
    ("extended resource with equal request and limit",
     _res({"nvidia.com/gpu": "1"}, {"nvidia.com/gpu": "1"}), None),
    ("extended resource limit only", _res(None, {"example.com/dongle": "2"}), None),
    ("extended resource request without limit", _res({"nvidia.com/gpu": "1"}), "resource-invalid"),
    ("extended resource request below limit",
     _res({"nvidia.com/gpu": "1"}, {"nvidia.com/gpu": "2"}), "resource-invalid"),
    ("extended resource fraction", _res(None, {"nvidia.com/gpu": "500m"}), "resource-invalid"),
    ("kubernetes.io prefixed native resource", _res(None, {"kubernetes.io/whatever": "1"}), None),
    ("requests. prefix is not an extended resource", _res(None, {"requests.example.com/x": "1"}), "resource-invalid"),
    ("hugepages not a multiple of the page size",
     _res({"cpu": "1", "hugepages-2Mi": "3Mi"}, {"cpu": "1", "hugepages-2Mi": "3Mi"}), "resource-invalid"),
    ("request above limit", _res({"cpu": "2"}, {"cpu": "1"}), "requests-exceed-limits"),
)


def test_extended_request_above_limit_is_one_finding(tmp_path):
    """upstream reports only `must be equal to ... limit` for a resource that cannot be overcommitted."""
    assert error_rules(tmp_path, _res({"nvidia.com/gpu": "2"}, {"nvidia.com/gpu": "1"})) == {"resource-invalid"}


@pytest.mark.parametrize("manifest, expected",
                         RESOURCE_REQUIREMENTS + HUGEPAGES_ISOLATION + OVERHEAD + LOCAL_STORAGE + RESOURCE_NAMES)
def test_resources(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- container and volume names ---------------------------------------------------------------

# upstream validateContainerCommon (ValidateDNS1123Label of the name) and ValidateVolumes (no table
# read: cases written from the functions)
NAMES = cases(
    ("container name with dashes", pod({"name": "web-1"}), None),
    ("zero-length container name", pod({"name": ""}), "name-invalid"),
    ("container name > 63 characters", pod({"name": "a" * 64}), "name-invalid"),
    ("container name not a DNS label", pod({"name": "a.b.c"}), "name-invalid"),
    ("container name with underscore", pod({"name": "my_app"}), "name-invalid"),
    ("init container name upper case", pod(init={"name": "Init"}), "name-invalid"),
    ("volume name", pod(spec={"volumes": [{"name": "data", "emptyDir": {}}]}), None),
    ("volume name not a DNS label", pod(spec={"volumes": [{"name": "my_data", "emptyDir": {}}]}), "name-invalid"),
)


@pytest.mark.parametrize("manifest, expected", NAMES)
def test_names(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- pod spec fields --------------------------------------------------------------------------

def _host_network(host_port: int | None) -> str:
    port = {"containerPort": 8080} if host_port is None else {"containerPort": 8080, "hostPort": host_port}
    return pod({"ports": [port]}, spec={"hostNetwork": True})


# upstream ValidatePodSpec, validatePodDNSConfig, validateHostNetwork (no table read: cases written
# from the functions; a hostPort left out is defaulted to the containerPort under hostNetwork)
POD_SPEC = cases(
    ("no containers (validateContainers)", pod(spec={"containers": []}), "pod-spec-invalid"),
    ("activeDeadlineSeconds 1", pod(spec={"activeDeadlineSeconds": 1}), None),
    ("bad activeDeadlineSeconds", pod(spec={"activeDeadlineSeconds": 0}), "pod-spec-invalid"),
    ("negative terminationGracePeriodSeconds", pod(spec={"terminationGracePeriodSeconds": -1}),
     ("pod-spec-invalid", "invalid-value")),
    ("dnsPolicy None with dnsConfig", pod(spec={"dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.1.1.1"]}}), None),
    ("dnsPolicy None without dnsConfig", pod(spec={"dnsPolicy": "None"}), "pod-spec-invalid"),
    ("four nameservers", pod(spec={"dnsConfig": {"nameservers": ["1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4"]}}),
     "pod-spec-invalid"),
    ("bad hostname", pod(spec={"hostname": "Web_1"}), "pod-spec-invalid"),
    ("bad subdomain", pod(spec={"subdomain": "a.b"}), "pod-spec-invalid"),
    ("bad service account name", pod(spec={"serviceAccountName": "invalidName"}), "pod-spec-invalid"),
    ("bad nodeName", pod(spec={"nodeName": "node_1"}), "pod-spec-invalid"),
    ("bad priorityClassName", pod(spec={"priorityClassName": "InvalidName"}), "pod-spec-invalid"),
    ("hostNetwork hostPort equal to containerPort", _host_network(8080), None),
    ("hostNetwork hostPort unspecified (defaulted in v1)", _host_network(None), None),
    ("hostNetwork hostPort not equal to containerPort", _host_network(9090), "pod-spec-invalid"),
    ("bad nodeSelector key", pod(spec={"nodeSelector": {"bad key": "x"}}), "label-invalid"),
    ("bad nodeSelector value", pod(spec={"nodeSelector": {"disk": "fast ssd"}}), "label-invalid"),
)


@pytest.mark.parametrize("manifest, expected", POD_SPEC)
def test_pod_spec_fields(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- persistent volume claims -----------------------------------------------------------------

def _claim(spec: dict) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                       "spec": spec})


_STORAGE = {"requests": {"storage": "10G"}}

# upstream ValidatePersistentVolumeClaimSpec (no table read: cases written from the function)
CLAIMS = cases(
    ("good claim", _claim({"accessModes": ["ReadWriteOnce"], "resources": _STORAGE}), None),
    ("good claim with storage class", _claim({"accessModes": ["ReadOnlyMany"], "resources": _STORAGE,
                                              "storageClassName": "fast"}), None),
    ("no storage class", _claim({"accessModes": ["ReadWriteOnce"], "resources": _STORAGE, "storageClassName": ""}), None),
    ("missing access modes", _claim({"resources": _STORAGE}), "claim-invalid"),
    ("ReadWriteOncePod with others", _claim({"accessModes": ["ReadWriteOncePod", "ReadWriteMany"],
                                             "resources": _STORAGE}), "claim-invalid"),
    ("ReadWriteOncePod alone", _claim({"accessModes": ["ReadWriteOncePod"], "resources": _STORAGE}), None),
    ("no resource requests", _claim({"accessModes": ["ReadWriteOnce"]}), "claim-invalid"),
    ("zero storage request", _claim({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "0"}}}),
     "claim-invalid"),
    ("negative storage request",
     _claim({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "-10G"}}}), "claim-invalid"),
    ("invalid storage class name", _claim({"accessModes": ["ReadWriteOnce"], "resources": _STORAGE,
                                           "storageClassName": "-invalid-"}), "claim-invalid"),
    ("unparsable storage request is reported once, as invalid-value",
     _claim({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "lots"}}}), "invalid-value"),
)


@pytest.mark.parametrize("manifest, expected", CLAIMS)
def test_claims(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


def test_unparsable_storage_is_not_also_missing(tmp_path):
    manifest = _claim({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "lots"}}})
    assert "claim-invalid" not in error_rules(tmp_path, manifest)


# ---- ports ------------------------------------------------------------------------------------

def _ports(*ports: dict) -> str:
    return pod({"ports": list(ports)})


# upstream TestValidatePorts
PORTS = cases(
    ("success case",
     _ports({"name": "abc", "containerPort": 80, "hostPort": 80, "protocol": "TCP"},
            {"name": "easy", "containerPort": 82, "protocol": "TCP"},
            {"name": "as", "containerPort": 83, "protocol": "UDP"},
            {"name": "do-re-me", "containerPort": 84, "protocol": "SCTP"},
            {"containerPort": 85, "protocol": "TCP"}), None),
    ("non-canonical case", _ports({"containerPort": 80, "protocol": "TCP"}), None),
    ("name > 15 characters", _ports({"name": "a" * 16, "containerPort": 80, "protocol": "TCP"}), "port-invalid"),
    ("name contains invalid characters", _ports({"name": "a.b.c", "containerPort": 80, "protocol": "TCP"}),
     "port-invalid"),
    ("name is a number", _ports({"name": "80", "containerPort": 80, "protocol": "TCP"}), "port-invalid"),
    ("name not unique", _ports({"name": "abc", "containerPort": 80, "protocol": "TCP"},
                               {"name": "abc", "containerPort": 81, "protocol": "TCP"}), "duplicate-name"),
    ("zero container port", _ports({"containerPort": 0, "protocol": "TCP"}), "port-invalid"),
    ("invalid container port", _ports({"containerPort": 65536, "protocol": "TCP"}), "port-invalid"),
    ("invalid host port", _ports({"containerPort": 80, "hostPort": 65536, "protocol": "TCP"}), "port-invalid"),
    ("invalid protocol case", _ports({"containerPort": 80, "protocol": "tcp"}), ("unsupported-value", "invalid-value")),
    ("invalid protocol", _ports({"containerPort": 80, "protocol": "ICMP"}), ("unsupported-value", "invalid-value")),
    # v1 defaulting sets protocol TCP, so a manifest without it is accepted
    ("protocol required (defaulted in v1)", _ports({"name": "abc", "containerPort": 80}), None),
)


# upstream checkHostPortConflicts / AccumulateUniqueHostPorts (validateContainers and
# validateInitContainers): regular containers are checked together, each init container alone
def _host_port_pod(init_port: int, second_port: int) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "initContainers": [{"name": "i", "image": "busybox:1.36", "ports": [{"containerPort": 80, "hostPort": init_port}]}],
        "containers": [{"name": "a", "image": "nginx:1.27", "ports": [{"containerPort": 80, "hostPort": 8080}]},
                       {"name": "b", "image": "nginx:1.27", "ports": [{"containerPort": 81, "hostPort": second_port}]}]}})


HOST_PORTS = cases(
    ("init container may reuse a regular container's host port", _host_port_pod(8080, 8081), None),
    ("two regular containers share a host port", _host_port_pod(9090, 8080), "duplicate-name"),
)


@pytest.mark.parametrize("manifest, expected", PORTS + HOST_PORTS)
def test_ports(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- environment ------------------------------------------------------------------------------

def _env(*env: dict) -> str:
    return pod({"env": list(env)})


def _field_ref(path: str, name: str = "abc") -> dict:
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}


_SECRET_REF = {"secretKeyRef": {"name": "a-secret", "key": "a-key"}}
_CONFIG_MAP_REF = {"configMapKeyRef": {"name": "some-config-map", "key": "some-key"}}
_FIELD_REF = {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}

# upstream TestValidateEnv (success cases) and TestRelaxedValidateEnv. RelaxedEnvironmentVariable
# Validation is on by default since 1.32 (GA in 1.34), so the names TestValidateEnv's
# updateErrorCase rejects under the old rule are accepted here.
ENV = cases(
    ("success case",
     _env({"name": "abc", "value": "value"}, {"name": "ABC", "value": "value"}, {"name": "AbC_123", "value": "value"},
          {"name": "abc", "value": ""}, {"name": "a.b.c", "value": "value"}, {"name": "a-b-c", "value": "value"},
          _field_ref("metadata.annotations['key']"), _field_ref("metadata.labels['key']"),
          _field_ref("metadata.name"), _field_ref("metadata.namespace"), _field_ref("metadata.uid"),
          _field_ref("spec.nodeName"), _field_ref("spec.serviceAccountName"), _field_ref("status.hostIP"),
          _field_ref("status.podIP"), _field_ref("status.podIPs"),
          {"name": "secret_value", "valueFrom": {"secretKeyRef": {"name": "some-secret", "key": "secret-key"}}},
          {"name": "ENV_VAR_1", "valueFrom": _CONFIG_MAP_REF}), None),
    ("relaxed names",
     _env({"name": "!\"#$%&'()", "value": "value"}, {"name": "* +,-./0123456789", "value": "value"},
          {"name": ":;<>?@", "value": "value"}, {"name": "ABCDEFG", "value": "value"},
          {"name": "abcdefghijklmn", "value": "value"}, {"name": "[\\]^_`{}|~", "value": "value"}), None),
    ("illegal character", _env({"name": "=abc"}), "env-invalid"),
    ("zero-length name", _env({"name": ""}), "env-invalid"),
    ("value and valueFrom specified", _env({"name": "abc", "value": "foo", "valueFrom": _FIELD_REF}), "env-invalid"),
    ("valueFrom without a source", _env({"name": "abc", "valueFrom": {}}), "env-invalid"),
    ("valueFrom.fieldRef and valueFrom.secretKeyRef specified",
     _env({"name": "abc", "valueFrom": {**_FIELD_REF, **_SECRET_REF}}), "env-invalid"),
    ("valueFrom.fieldRef and valueFrom.configMapKeyRef set",
     _env({"name": "some_var_name", "valueFrom": {**_FIELD_REF, **_CONFIG_MAP_REF}}), "env-invalid"),
    ("valueFrom.fieldRef, secretKeyRef and configMapKeyRef specified",
     _env({"name": "abc", "valueFrom": {**_FIELD_REF, **_SECRET_REF, **_CONFIG_MAP_REF}}), "env-invalid"),
    ("valueFrom.secretKeyRef.name invalid",
     _env({"name": "abc", "valueFrom": {"secretKeyRef": {"name": "$%^&*#", "key": "a-key"}}}), "env-invalid"),
    ("valueFrom.configMapKeyRef.name invalid",
     _env({"name": "abc", "valueFrom": {"configMapKeyRef": {"name": "$%^&*#", "key": "some-key"}}}), "env-invalid"),
    ("missing FieldPath on ObjectFieldSelector",
     _env({"name": "abc", "valueFrom": {"fieldRef": {"apiVersion": "v1"}}}), ("env-invalid", "schema-required")),
    # v1 defaulting sets fieldRef.apiVersion to "v1"
    ("missing APIVersion on ObjectFieldSelector (defaulted in v1)",
     _env({"name": "abc", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}), None),
    ("invalid fieldPath", _env(_field_ref("metadata.whoops")), "env-invalid"),
    ("metadata.name with subscript", _env(_field_ref("metadata.name['key']", "labels")), "env-invalid"),
    ("metadata.labels without subscript", _env(_field_ref("metadata.labels", "labels")), "env-invalid"),
    ("metadata.annotations without subscript", _env(_field_ref("metadata.annotations")), "env-invalid"),
    ("metadata.annotations with invalid key", _env(_field_ref("metadata.annotations['invalid~key']")), "env-invalid"),
    ("metadata.labels with invalid key", _env(_field_ref("metadata.labels['Www.k8s.io/test']")), "env-invalid"),
    ("unsupported fieldPath", _env(_field_ref("status.phase")), "env-invalid"),
)

# upstream TestLocalStorageEnvWithFeatureGate and TestHugePagesEnv
RESOURCE_FIELD_ENV = cases(
    ("ephemeral-storage limits and requests",
     _env({"name": "a", "valueFrom": {"resourceFieldRef": {"containerName": "c", "resource": "limits.ephemeral-storage"}}},
          {"name": "b", "valueFrom": {"resourceFieldRef": {"containerName": "c", "resource": "requests.ephemeral-storage"}}}),
     None),
    ("hugepages limits and requests",
     _env({"name": "a", "valueFrom": {"resourceFieldRef": {"containerName": "c", "resource": "limits.hugepages-2Mi"}}},
          {"name": "b", "valueFrom": {"resourceFieldRef": {"containerName": "c", "resource": "requests.hugepages-2Mi"}}}),
     None),
    ("unsupported resource (validateContainerResourceFieldSelector)",
     _env({"name": "a", "valueFrom": {"resourceFieldRef": {"resource": "limits.gpu"}}}), "env-invalid"),
)

# upstream ValidateEnvFrom (no table read: cases written from the function)
ENV_FROM = cases(
    ("configMapRef", pod({"envFrom": [{"configMapRef": {"name": "cm"}, "prefix": "CM_"}]}), None),
    ("no source", pod({"envFrom": [{"prefix": "X_"}]}), "env-invalid"),
    ("two sources", pod({"envFrom": [{"configMapRef": {"name": "cm"}, "secretRef": {"name": "s"}}]}), "env-invalid"),
    ("prefix with '='", pod({"envFrom": [{"configMapRef": {"name": "cm"}, "prefix": "A=B"}]}), "env-invalid"),
)


@pytest.mark.parametrize("manifest, expected", ENV + RESOURCE_FIELD_ENV + ENV_FROM)
def test_env(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- probes -----------------------------------------------------------------------------------

_EXEC = {"exec": {"command": ["echo"]}}
_POSITIVE_FIELDS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")

# upstream TestValidateProbe (validateProbe is common to all probes: readinessProbe here, since
# liveness and startup probes also need successThreshold 1)
PROBE = cases(
    *[(f"{name} 10", pod({"readinessProbe": {**_EXEC, name: 10}}), None) for name in _POSITIVE_FIELDS],
    ("no handler", pod({"readinessProbe": {"timeoutSeconds": 10, "initialDelaySeconds": 10}}), "probe-invalid"),
    *[(f"{name} -10", pod({"readinessProbe": {**_EXEC, name: -10}}), "probe-invalid") for name in _POSITIVE_FIELDS],
)

# upstream Test_validateProbe (terminationGracePeriodSeconds cases on a liveness probe: readiness
# probes may not set it, validateReadinessProbe)
PROBE_FIELDS = cases(
    ("empty probe", pod({"livenessProbe": {}}), "probe-invalid"),
    ("exec probe", pod({"livenessProbe": _EXEC}), None),
    *[(f"{name} -1", pod({"livenessProbe": {**_EXEC, name: -1}}), "probe-invalid") for name in _POSITIVE_FIELDS],
    ("terminationGracePeriodSeconds -1", pod({"livenessProbe": {**_EXEC, "terminationGracePeriodSeconds": -1}}),
     "probe-invalid"),
    ("terminationGracePeriodSeconds 0", pod({"livenessProbe": {**_EXEC, "terminationGracePeriodSeconds": 0}}),
     "probe-invalid"),
    ("terminationGracePeriodSeconds 1", pod({"livenessProbe": {**_EXEC, "terminationGracePeriodSeconds": 1}}), None),
    ("readinessProbe terminationGracePeriodSeconds (validateReadinessProbe)",
     pod({"readinessProbe": {**_EXEC, "terminationGracePeriodSeconds": 1}}), "probe-invalid"),
    ("livenessProbe successThreshold 2 (validateLivenessProbe)",
     pod({"livenessProbe": {**_EXEC, "successThreshold": 2}}), "probe-success-threshold"),
    ("init container probe without restartPolicy Always (validateInitContainers)",
     pod(init={"readinessProbe": _EXEC}), "probe-invalid"),
    ("sidecar init container probe", pod(init={"restartPolicy": "Always", "readinessProbe": _EXEC}), None),
)


def _http(**fields) -> dict:
    return {"httpGet": {"path": "/", "port": 80, **fields}}


# upstream TestValidateHandler
HANDLER = cases(
    ("exec echo", pod({"readinessProbe": _EXEC}), None),
    ("httpGet port 1", pod({"readinessProbe": _http(port=1, host="", scheme="HTTP")}), None),
    ("httpGet port 65535", pod({"readinessProbe": _http(path="/foo", port=65535, host="host", scheme="HTTP")}), None),
    ("httpGet named port", pod({"readinessProbe": _http(port="port", scheme="HTTP")}), None),
    ("httpGet Host header", pod({"readinessProbe": _http(port="port", httpHeaders=[
        {"name": "Host", "value": "foo.example.com"}])}), None),
    ("httpGet repeated header", pod({"readinessProbe": _http(port="port", httpHeaders=[
        {"name": "X-Forwarded-For", "value": "1.2.3.4"}, {"name": "X-Forwarded-For", "value": "5.6.7.8"}])}), None),
    ("no handler", pod({"readinessProbe": {"periodSeconds": 5}}), "probe-invalid"),
    ("exec without command", pod({"readinessProbe": {"exec": {"command": []}}}), "probe-invalid"),
    ("httpGet port 0", pod({"readinessProbe": _http(path="", port=0)}), "probe-invalid"),
    ("httpGet port 65536", pod({"readinessProbe": _http(path="/foo", port=65536, host="host")}), "probe-invalid"),
    ("httpGet empty port name", pod({"readinessProbe": _http(path="", port="")}), "probe-invalid"),
    ("httpGet header name with colon", pod({"readinessProbe": _http(port="port", httpHeaders=[
        {"name": "Host:", "value": "foo.example.com"}])}), "probe-invalid"),
    ("httpGet header name with underscores", pod({"readinessProbe": _http(port="port", httpHeaders=[
        {"name": "X_Forwarded_For", "value": "foo.example.com"}])}), "probe-invalid"),
    ("two handlers (validateHandler)", pod({"readinessProbe": {**_EXEC, "tcpSocket": {"port": 80}}}), "probe-invalid"),
)


# upstream validateLifecycle, validateSleepAction and validateInitContainers (no table read for
# lifecycle hooks; TestValidateSleepAction's cases with the zero value allowed)
LIFECYCLE = cases(
    ("preStop exec", pod({"lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}}}), None),
    ("postStart httpGet", pod({"lifecycle": {"postStart": {"httpGet": {"path": "/", "port": 80}}}}), None),
    ("preStop sleep within the grace period", pod({"lifecycle": {"preStop": {"sleep": {"seconds": 5}}}}), None),
    ("preStop sleep of zero", pod({"lifecycle": {"preStop": {"sleep": {"seconds": 0}}}}), None),
    ("preStop sleep longer than the grace period", pod({"lifecycle": {"preStop": {"sleep": {"seconds": 31}}}}),
     "probe-invalid"),
    ("preStop sleep negative", pod({"lifecycle": {"preStop": {"sleep": {"seconds": -1}}}}), "probe-invalid"),
    ("preStop without a handler", pod({"lifecycle": {"preStop": {}}}), "probe-invalid"),
    ("preStop with two handlers",
     pod({"lifecycle": {"preStop": {"exec": {"command": ["x"]}, "sleep": {"seconds": 1}}}}), "probe-invalid"),
    ("postStart exec without command", pod({"lifecycle": {"postStart": {"exec": {}}}}), "probe-invalid"),
    ("init container lifecycle without restartPolicy Always",
     pod(init={"lifecycle": {"preStop": {"exec": {"command": ["x"]}}}}), "probe-invalid"),
    ("sidecar init container lifecycle",
     pod(init={"restartPolicy": "Always", "lifecycle": {"preStop": {"exec": {"command": ["x"]}}}}), None),
)


@pytest.mark.parametrize("manifest, expected", PROBE + PROBE_FIELDS + HANDLER + LIFECYCLE)
def test_probes(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- topology spread constraints --------------------------------------------------------------

def _spread(*constraints: dict) -> str:
    return pod(spec={"topologySpreadConstraints": list(constraints)})


# upstream TestValidateTopologySpreadConstraints
TOPOLOGY_SPREAD = cases(
    ("all required fields ok",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule", "minDomains": 3}), None),
    ("missing MaxSkew", _spread({"topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule"}),
     ("topology-spread-invalid", "schema-required")),
    ("negative MaxSkew", _spread({"maxSkew": -1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule"}),
     "topology-spread-invalid"),
    ("can use MinDomains with ScheduleAnyway, when MinDomains = nil",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}), None),
    ("negative minDomains is invalid",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule", "minDomains": -1}),
     "topology-spread-invalid"),
    ("cannot use non-nil MinDomains with ScheduleAnyway",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": 10}),
     "topology-spread-invalid"),
    ("use negative MinDomains with ScheduleAnyway(invalid)",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": -1}),
     "topology-spread-invalid"),
    ("missing TopologyKey", _spread({"maxSkew": 1, "whenUnsatisfiable": "DoNotSchedule"}),
     ("topology-spread-invalid", "schema-required")),
    ("missing scheduling mode", _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone"}),
     ("schema-required", "unsupported-value")),
    ("unsupported scheduling mode", _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "N/A"}),
     ("unsupported-value", "invalid-value")),
    ("multiple constraints ok with all required fields",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule"},
             {"maxSkew": 2, "topologyKey": "k8s.io/node", "whenUnsatisfiable": "ScheduleAnyway"}), None),
    ("multiple constraints missing TopologyKey on partial ones",
     _spread({"maxSkew": 1, "whenUnsatisfiable": "ScheduleAnyway"},
             {"maxSkew": 2, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule"}),
     ("topology-spread-invalid", "schema-required")),
    ("duplicate constraints",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule"},
             {"maxSkew": 2, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule"}),
     "topology-spread-invalid"),
    ("supported policy name set on NodeAffinityPolicy and NodeTaintsPolicy",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule",
              "nodeAffinityPolicy": "Honor", "nodeTaintsPolicy": "Ignore"}), None),
    ("unsupported policy name set on NodeAffinityPolicy",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule",
              "nodeAffinityPolicy": "Unknown", "nodeTaintsPolicy": "Ignore"}), ("unsupported-value", "invalid-value")),
    ("unsupported policy name set on NodeTaintsPolicy",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule",
              "nodeAffinityPolicy": "Honor", "nodeTaintsPolicy": "Unknown"}), ("unsupported-value", "invalid-value")),
    ("key in MatchLabelKeys isn't correctly defined",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "labelSelector": {}, "whenUnsatisfiable": "DoNotSchedule",
              "matchLabelKeys": ["/simple"]}), "topology-spread-invalid"),
    ("key exists in both matchLabelKeys and labelSelector",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule",
              "matchLabelKeys": ["foo"], "labelSelector": {"matchExpressions": [
                  {"key": "foo", "operator": "NotIn", "values": ["value1", "value2"]}]}}), "topology-spread-invalid"),
    ("key in MatchLabelKeys is forbidden to be specified when labelSelector is not set",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule",
              "matchLabelKeys": ["foo"]}), "topology-spread-invalid"),
    ("invalid matchLabels set on labelSelector when AllowInvalidTopologySpreadConstraintLabelSelector is false",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule",
              "labelSelector": {"matchLabels": {"NoUppercaseOrSpecialCharsLike=Equals": "foo"}}}),
     "topology-spread-invalid"),
    ("valid matchLabels set on labelSelector when AllowInvalidTopologySpreadConstraintLabelSelector is false",
     _spread({"maxSkew": 1, "topologyKey": "k8s.io/zone", "whenUnsatisfiable": "DoNotSchedule",
              "labelSelector": {"matchLabels": {"foo": "foo"}}}), None),
)


@pytest.mark.parametrize("manifest, expected", TOPOLOGY_SPREAD)
def test_topology_spread(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- tolerations ------------------------------------------------------------------------------

def _tolerations(*tolerations: dict) -> str:
    return pod(spec={"tolerations": list(tolerations)})


# upstream ValidateTolerations (no table read: the cases follow each branch of the function)
TOLERATIONS = cases(
    ("Equal with value", _tolerations({"key": "foo", "operator": "Equal", "value": "bar", "effect": "NoSchedule"}), None),
    ("Exists without key tolerates everything", _tolerations({"operator": "Exists"}), None),
    ("NoExecute with tolerationSeconds",
     _tolerations({"key": "foo", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}), None),
    ("Exists with a value", _tolerations({"key": "foo", "operator": "Exists", "value": "bar"}), "toleration-invalid"),
    ("empty key needs Exists", _tolerations({"operator": "Equal", "value": "bar"}), "toleration-invalid"),
    ("empty key with operator defaulting to Equal", _tolerations({"effect": "NoSchedule"}), "toleration-invalid"),
    ("tolerationSeconds without NoExecute",
     _tolerations({"key": "foo", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 60}),
     "toleration-invalid"),
    ("invalid key", _tolerations({"key": "nospecialchars^=@", "operator": "Exists"}), "toleration-invalid"),
    ("invalid value", _tolerations({"key": "foo", "value": "bar baz"}), "toleration-invalid"),
    ("unsupported operator", _tolerations({"key": "foo", "operator": "In", "value": "bar"}),
     ("unsupported-value", "invalid-value")),
    ("unsupported effect", _tolerations({"key": "foo", "operator": "Exists", "effect": "NoScheduleNoAdmit"}),
     ("unsupported-value", "invalid-value")),
)


@pytest.mark.parametrize("manifest, expected", TOLERATIONS)
def test_tolerations(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- affinity ---------------------------------------------------------------------------------

def _node_affinity(*expressions: dict, fields: list | None = None) -> str:
    term: dict = {"matchExpressions": list(expressions)}
    if fields is not None:
        term = {"matchFields": fields}
    return pod(spec={"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}})


def _pod_affinity(term: dict, *, weight: int | None = None) -> str:
    if weight is None:
        body = {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
    else:
        body = {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": weight, "podAffinityTerm": term}]}
    return pod(spec={"affinity": {"podAntiAffinity": body}})


_TERM = {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}

# upstream ValidateNodeSelectorRequirement, ValidateNodeFieldSelectorRequirement, ValidateNodeSelector,
# ValidatePreferredSchedulingTerms, validatePodAffinityTerm (no table read: the cases follow each
# branch; Gt/Lt values that are not integers pass the API server and fail in the scheduler)
AFFINITY = cases(
    ("In with values", _node_affinity({"key": "zone", "operator": "In", "values": ["a", "b"]}), None),
    ("Exists without values", _node_affinity({"key": "gpu", "operator": "Exists"}), None),
    ("Gt with one value", _node_affinity({"key": "cores", "operator": "Gt", "values": ["8"]}), None),
    ("In without values", _node_affinity({"key": "zone", "operator": "In"}), "affinity-invalid"),
    ("NotIn with empty values", _node_affinity({"key": "zone", "operator": "NotIn", "values": []}), "affinity-invalid"),
    ("Exists with values", _node_affinity({"key": "gpu", "operator": "Exists", "values": ["x"]}), "affinity-invalid"),
    ("DoesNotExist with values", _node_affinity({"key": "gpu", "operator": "DoesNotExist", "values": ["x"]}),
     "affinity-invalid"),
    ("Lt with two values", _node_affinity({"key": "cores", "operator": "Lt", "values": ["1", "2"]}), "affinity-invalid"),
    ("Gt without values", _node_affinity({"key": "cores", "operator": "Gt"}), "affinity-invalid"),
    ("invalid key", _node_affinity({"key": "bad key", "operator": "Exists"}), "affinity-invalid"),
    ("invalid value in a required term", _node_affinity({"key": "zone", "operator": "In", "values": ["a b"]}),
     "affinity-invalid"),
    ("unsupported operator", _node_affinity({"key": "zone", "operator": "Within", "values": ["a"]}),
     ("unsupported-value", "invalid-value")),
    ("matchFields metadata.name In one value",
     _node_affinity(fields=[{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]), None),
    ("matchFields with two values",
     _node_affinity(fields=[{"key": "metadata.name", "operator": "In", "values": ["a", "b"]}]), "affinity-invalid"),
    ("matchFields unknown key",
     _node_affinity(fields=[{"key": "spec.nodeName", "operator": "In", "values": ["a"]}]), "affinity-invalid"),
    ("no node selector terms", pod(spec={"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}}), "affinity-invalid"),
    ("preferred weight 0", pod(spec={"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 0, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}}]}}}),
     "affinity-invalid"),
    ("preferred term may use an invalid label value", pod(spec={"affinity": {"nodeAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a b"]}]}}]}}}),
     None),
    ("pod anti-affinity term", _pod_affinity(_TERM), None),
    ("pod anti-affinity without topologyKey", _pod_affinity({"labelSelector": {"matchLabels": {"app": "web"}}}),
     ("affinity-invalid", "schema-required")),
    ("pod anti-affinity weight 101", _pod_affinity(_TERM, weight=101), "affinity-invalid"),
    ("matchLabelKeys without labelSelector",
     _pod_affinity({"topologyKey": "kubernetes.io/hostname", "matchLabelKeys": ["pod-template-hash"]}),
     "affinity-invalid"),
    ("key in both matchLabelKeys and mismatchLabelKeys",
     _pod_affinity({**_TERM, "matchLabelKeys": ["x"], "mismatchLabelKeys": ["x"]}), "affinity-invalid"),
    ("invalid labelSelector", _pod_affinity({**_TERM, "labelSelector": {"matchLabels": {"a b": "c"}}}),
     "affinity-invalid"),
)


@pytest.mark.parametrize("manifest, expected", AFFINITY)
def test_affinity(tmp_path, manifest, expected):
    check_case(tmp_path, manifest, expected)


# ---- positions: each finding points at the offending field ------------------------------------

POSITIONED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources:
          requests:
            memroy: 256Mi
            cpu: -1
        env:
        - name: A=B
          value: x
        livenessProbe:
          periodSeconds: -1
      tolerations:
      - key: dedicated
        operator: Exists
        value: gpu
      topologySpreadConstraints:
      - maxSkew: 0
        topologyKey: zone
        whenUnsatisfiable: ScheduleAnyway
        minDomains: 2
"""


def test_findings_point_at_the_field(tmp_path):
    findings = findings_of(tmp_path, POSITIONED)
    got = sorted((f.rule, f.line, f.path) for f in findings if f.rule in {
        "resource-invalid", "env-invalid", "probe-invalid", "toleration-invalid", "topology-spread-invalid"})
    base = "spec.template.spec"
    assert got == [
        ("env-invalid", 20, f"{base}.containers[0].env[0].name"),
        ("probe-invalid", 23, f"{base}.containers[0].livenessProbe"),
        ("probe-invalid", 23, f"{base}.containers[0].livenessProbe.periodSeconds"),
        ("resource-invalid", 17, f"{base}.containers[0].resources.requests.memroy"),
        ("resource-invalid", 18, f"{base}.containers[0].resources.requests.cpu"),
        ("toleration-invalid", 27, f"{base}.tolerations[0].value"),
        ("topology-spread-invalid", 29, f"{base}.topologySpreadConstraints[0].maxSkew"),
        ("topology-spread-invalid", 32, f"{base}.topologySpreadConstraints[0].minDomains"),
    ]
    messages = {f.message for f in findings}
    assert "resource name 'memroy' must be a standard resource for containers" in messages
    assert "cpu -1 must be greater than or equal to 0" in messages
    assert "maxSkew 0 must be greater than zero" in messages
    assert "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway" in messages
    assert "value must be empty when `operator` is 'Exists'" in messages
