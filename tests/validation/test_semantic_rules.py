"""Per-rule tests of the semantic checks (``kspec/validation/semantic.py``) and of the filters
``validate`` applies last (``--disable``, the minimum severity, the ``kspec.dev/ignore`` annotation).

Each rule gets a manifest that triggers it, with the exact severity, line, column and path of the
finding, and the near-identical fixed manifest that does not. What is right is decided by upstream
Kubernetes (``pkg/apis/*/validation``, the defaulting in ``pkg/apis/*/v1/defaults.go`` that runs
before it, and the controllers), not by what kspec outputs; where kspec disagrees the case is a
strict xfail naming the upstream code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kspec.validation import semantic
from kspec.validation.findings import RULES, Finding, Rule
from tests.validation.helpers import findings_of


def where(findings: list[Finding]) -> list[tuple[str, int, int, str]]:
    return [(f.severity, f.line, f.column, f.path) for f in findings]


def assert_pair(tmp_path: Path, rule: str, bad: str, expected: list[tuple], good: str | None) -> None:
    """``bad`` gives exactly ``expected`` (severity, line, column, path) findings of ``rule``;
    the fixed manifest ``good`` gives none."""
    assert where(findings_of(tmp_path / "bad", bad, rule)) == expected
    if good is not None:
        assert findings_of(tmp_path / "good", good, rule) == []


def test_every_rule_of_the_module_is_covered_here():
    """The rule ids semantic.py defines are exactly the ones this file has tests for."""
    defined = {value.id for value in vars(semantic).values() if isinstance(value, Rule)}
    assert defined == {
        "name-invalid", "name-missing", "label-invalid", "annotation-invalid", "selector-mismatch",
        "selector-invalid", "duplicate-name", "volume-mount-undeclared", "port-invalid", "nodeport-range",
        "requests-exceed-limits", "restart-policy", "image-missing", "rollout-parameters", "count-negative",
        "cron-schedule", "job-fields", "hpa-replicas", "pdb-budget", "probe-success-threshold",
        "unsupported-value", "yaml-ambiguous-scalar", "claim-invalid"}
    assert all(RULES.get(rule).category == "semantic" for rule in defined)


# ---- name-invalid / name-missing ---------------------------------------------------------------

def _named(kind: str, name: str, api_version: str = "v1") -> str:
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: {name}\n"


@pytest.mark.parametrize("bad, good", [
    pytest.param(_named("ConfigMap", "Web_Config"), _named("ConfigMap", "web.config"), id="subdomain-chars"),
    pytest.param(_named("ConfigMap", "a" * 254), _named("ConfigMap", "a" * 253), id="subdomain-253"),
    pytest.param(_named("Namespace", "team.a"), _named("Namespace", "team-a"), id="namespace-dns-label"),
    pytest.param(_named("Service", "1web"), _named("Service", "web1"), id="service-dns1035"),
    pytest.param(_named("CronJob", "c" * 53, "batch/v1"), _named("CronJob", "c" * 52, "batch/v1"), id="cronjob-52"),
    # apps/validation ValidateStatefulSetName = NameIsDNSLabel (pods are named <sts>-<ordinal>).
    pytest.param(_named("StatefulSet", "db.primary", "apps/v1"), _named("StatefulSet", "db-primary", "apps/v1"),
                 id="statefulset-dns-label"),
])
def test_name_invalid(tmp_path, bad, good):
    """A name has its kind's syntax: subdomain; label (Namespace, StatefulSet); DNS-1035 (Service); CronJob <= 52."""
    assert_pair(tmp_path, "name-invalid", bad, [("error", 4, 9, "metadata.name")], good)


@pytest.mark.parametrize("bad, expected", [
    pytest.param("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {app: web}\n", (4, 3),
                 id="metadata-without-name"),
    pytest.param("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", (1, 1), id="no-metadata"),
])
def test_name_missing(tmp_path, bad, expected):
    """An object without metadata.name or generateName is reported at metadata (at the object without metadata)."""
    good = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels: {app: web}\n"
    assert_pair(tmp_path, "name-missing", bad, [("error", *expected, "metadata")], good)


@pytest.mark.parametrize("text", [
    pytest.param("apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: job-\n", id="generateName"),
    pytest.param("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  labels: {a: b}\n", id="custom-resource"),
])
def test_name_missing_not_reported(tmp_path, text):
    """generateName stands in for a name, and nameless custom resources (tool inputs) are not reported."""
    assert findings_of(tmp_path, text, "name-missing") == []


# ---- label-invalid / annotation-invalid -----------------------------------------------------------

LABELLED = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  labels:
    {label}
"""


@pytest.mark.parametrize("bad, column, path, good", [
    pytest.param("app_: web", 5, "metadata.labels.app_", "app: web", id="key-name-end"),
    pytest.param("Example.com/team: a", 5, "metadata.labels.Example.com/team", "example.com/team: a",
                 id="key-prefix-case-sensitive"),
    pytest.param("a/b/c: x", 5, "metadata.labels.a/b/c", "a.b/c: x", id="key-two-slashes"),
    pytest.param(f"tier: {'x' * 64}", 11, "metadata.labels.tier", f"tier: {'x' * 63}", id="value-64-chars"),
    pytest.param('version: "v1/2"', 14, "metadata.labels.version", 'version: "v1.2"', id="value-chars"),
])
def test_label_invalid_metadata(tmp_path, bad, column, path, good):
    """Label keys are qualified names (case-sensitive prefix) and values at most 63 name characters."""
    expected = [("error", 6, column, path)] * (2 if "a/b/c" in bad else 1)
    assert_pair(tmp_path, "label-invalid", LABELLED.format(label=bad), expected, LABELLED.format(label=good))


def test_label_invalid_pod_template(tmp_path):
    """Pod template labels of a workload are checked too, with the template's path."""
    bad = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web, tier: front end}
        spec:
          containers: [{name: web, image: nginx}]
    """
    assert_pair(tmp_path, "label-invalid", bad, [("error", 9, 32, "spec.template.metadata.labels.tier")],
                bad.replace("front end", "front-end"))


def test_label_invalid_cronjob_template(tmp_path):
    """A CronJob's pod template labels are checked at spec.jobTemplate.spec.template."""
    bad = """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      schedule: "@daily"
      jobTemplate:
        spec:
          template:
            metadata:
              labels: {job: "nightly report"}
            spec:
              restartPolicy: Never
              containers: [{name: run, image: busybox}]
    """
    assert_pair(tmp_path, "label-invalid", bad,
                [("error", 10, 25, "spec.jobTemplate.spec.template.metadata.labels.job")],
                bad.replace("nightly report", "nightly-report"))


ANNOTATED = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  annotations:
    {annotation}
"""


def test_annotation_invalid_key(tmp_path):
    """An annotation key must be a qualified name; the finding is at the key."""
    assert_pair(tmp_path, "annotation-invalid", ANNOTATED.format(annotation="bad key: x"),
                [("error", 6, 5, "metadata.annotations.bad key")], ANNOTATED.format(annotation="bad-key: x"))


def test_annotation_invalid_total_size(tmp_path):
    """Annotations may total 262144 bytes (keys plus values) and no more; the finding is at the annotations."""
    bad = ANNOTATED.format(annotation="a: " + "x" * 262144)
    good = ANNOTATED.format(annotation="a: " + "x" * 262143)
    assert_pair(tmp_path, "annotation-invalid", bad, [("error", 6, 5, "metadata.annotations")], good)



def test_annotation_key_case_does_not_matter(tmp_path):
    """An annotation key with an upper-case prefix is valid (apimachinery ValidateAnnotations lower-cases keys)."""
    assert findings_of(tmp_path, ANNOTATED.format(annotation="Example.COM/Owner: team"), "annotation-invalid") == []



def test_annotation_size_is_counted_in_bytes(tmp_path):
    """The 256 KiB annotation limit counts UTF-8 bytes, not characters."""
    bad = ANNOTATED.format(annotation="a: " + "\u00e9" * 131072)  # 1 + 262144 bytes
    assert where(findings_of(tmp_path, bad, "annotation-invalid")) == [("error", 6, 5, "metadata.annotations")]


# ---- selector-mismatch / selector-invalid ---------------------------------------------------------

WORKLOAD = """\
apiVersion: apps/v1
kind: {kind}
metadata: {{name: web}}
spec:
  serviceName: web
  selector:
    {selector}
  template:
    metadata:
      labels: {labels}
    spec:
      containers: [{{name: web, image: nginx}}]
"""


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"])
def test_selector_mismatch_match_labels(tmp_path, kind):
    """A workload whose matchLabels do not hold for its template labels is reported at spec.selector."""
    bad = WORKLOAD.format(kind=kind, selector="matchLabels: {app: web}", labels="{app: api}")
    good = WORKLOAD.format(kind=kind, selector="matchLabels: {app: web}", labels="{app: web, tier: fe}")
    assert_pair(tmp_path, "selector-mismatch", bad, [("error", 7, 5, "spec.selector")], good)


def test_selector_mismatch_match_expressions(tmp_path):
    """matchExpressions must hold for the template labels too (tier In [fe] against tier: be)."""
    selector = "matchExpressions: [{key: tier, operator: In, values: [fe]}]"
    bad = WORKLOAD.format(kind="Deployment", selector=selector, labels="{tier: be}")
    good = WORKLOAD.format(kind="Deployment", selector=selector, labels="{tier: fe}")
    assert_pair(tmp_path, "selector-mismatch", bad, [("error", 7, 5, "spec.selector")], good)


RC = """\
apiVersion: v1
kind: ReplicationController
metadata: {{name: web}}
spec:
  {selector}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers: [{{name: web, image: nginx}}]
"""


def test_selector_mismatch_replication_controller(tmp_path):
    """A ReplicationController's map selector must match its template labels; an omitted one defaults to them."""
    assert_pair(tmp_path, "selector-mismatch", RC.format(selector="selector: {app: api}"),
                [("error", 5, 13, "spec.selector")], RC.format(selector="replicas: 2"))


@pytest.mark.parametrize("selector", [
    pytest.param("{}", id="empty"),
    pytest.param("matchExpressions: [{key: app, operator: Equals, values: [web]}]", id="bad-operator"),
    pytest.param("matchExpressions: [{key: app, operator: In}]", id="in-without-values"),
    pytest.param("matchExpressions: [{key: app, operator: Exists, values: [web]}]", id="exists-with-values"),
    pytest.param("matchLabels: {app: web server}", id="bad-label-value"),
])
def test_selector_invalid(tmp_path, selector):
    """An empty or malformed workload selector is reported at spec.selector; a valid one is not."""
    bad = WORKLOAD.format(kind="Deployment", selector=selector, labels="{app: web}")
    good = WORKLOAD.format(kind="Deployment", selector="matchExpressions: [{key: app, operator: Exists}]",
                           labels="{app: web}")
    assert_pair(tmp_path, "selector-invalid", bad, [("error", 7, 5, "spec.selector")], good)


# ---- duplicate-name ---------------------------------------------------------------------------------

def pod(spec: str) -> str:
    """A Pod named web with ``spec`` (indented two spaces) as its spec, starting on line 5."""
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n" + spec


def pod_template(spec: str) -> str:
    """Like :func:`pod`, as a ``str.format`` template (``spec`` already has its braces doubled)."""
    return "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n" + spec


@pytest.mark.parametrize("bad, expected, fix", [
    pytest.param("""\
  initContainers:
  - {name: app, image: busybox}
  containers:
  - {name: app, image: nginx}
""", (8, 12, "spec.containers[0].name"), ("{name: app, image: nginx}", "{name: web, image: nginx}"),
        id="init-and-container"),
    pytest.param("""\
  containers:
  - {name: app, image: nginx}
  - {name: app, image: envoy}
""", (7, 12, "spec.containers[1].name"), ("{name: app, image: envoy}", "{name: proxy, image: envoy}"),
        id="two-containers"),
    pytest.param("""\
  containers: [{name: app, image: nginx}]
  volumes:
  - {name: data, emptyDir: {}}
  - {name: data, configMap: {name: cfg, optional: true}}
""", (8, 12, "spec.volumes[1].name"), ("{name: data, configMap", "{name: config, configMap"), id="volumes"),
    pytest.param("""\
  containers:
  - name: app
    image: nginx
    ports:
    - {name: http, containerPort: 80}
    - {name: http, containerPort: 8080}
""", (10, 14, "spec.containers[0].ports[1].name"), ("{name: http, containerPort: 8080}",
                                                      "{name: admin, containerPort: 8080}"), id="container-ports"),
    pytest.param("""\
  containers:
  - name: app
    image: nginx
    volumeMounts:
    - {name: a, mountPath: /data}
    - {name: b, mountPath: /data}
  volumes: [{name: a, emptyDir: {}}, {name: b, emptyDir: {}}]
""", (10, 28, "spec.containers[0].volumeMounts[1].mountPath"), ("{name: b, mountPath: /data}",
                                                                  "{name: b, mountPath: /cache}"), id="mount-paths"),
])
def test_duplicate_name_in_pod(tmp_path, bad, expected, fix):
    """Container names (init ones too), volume names, and a container's port names and mount paths are unique."""
    good = bad.replace(*fix)
    assert good != bad
    assert_pair(tmp_path, "duplicate-name", pod(bad), [("error", *expected)], pod(good))


def test_duplicate_name_per_container_scope(tmp_path):
    """Port names and mount paths only need to be unique within one container."""
    text = pod("""\
  containers:
  - name: a
    image: nginx
    ports: [{name: http, containerPort: 80}]
    volumeMounts: [{name: data, mountPath: /data}]
  - name: b
    image: nginx
    ports: [{name: http, containerPort: 8080}]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
""")
    assert findings_of(tmp_path, text, "duplicate-name") == []


def test_duplicate_name_service_ports(tmp_path):
    """Service port names are unique; the second use is reported."""
    bad = """\
    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      selector: {app: web}
      ports:
      - {name: http, port: 80}
      - {name: http, port: 8080}
    """
    assert_pair(tmp_path, "duplicate-name", bad, [("error", 8, 12, "spec.ports[1].name")],
                bad.replace("{name: http, port: 8080}", "{name: alt, port: 8080}"))


# ---- volume-mount-undeclared ------------------------------------------------------------------------

def test_volume_mount_undeclared(tmp_path):
    """A volumeMount must name a declared volume; the finding is at the mount's name."""
    bad = pod("""\
  containers:
  - name: app
    image: nginx
    volumeMounts: [{name: data, mountPath: /data}]
""")
    good = bad + "  volumes: [{name: data, emptyDir: {}}]\n"
    assert_pair(tmp_path, "volume-mount-undeclared", bad,
                [("error", 8, 27, "spec.containers[0].volumeMounts[0].name")], good)


def test_volume_mount_undeclared_init_container(tmp_path):
    """Init containers' mounts are checked too."""
    bad = pod("""\
  initContainers:
  - name: setup
    image: busybox
    volumeMounts: [{name: cache, mountPath: /cache}]
  containers: [{name: app, image: nginx}]
""")
    assert_pair(tmp_path, "volume-mount-undeclared", bad,
                [("error", 8, 27, "spec.initContainers[0].volumeMounts[0].name")],
                bad + "  volumes: [{name: cache, emptyDir: {}}]\n")


def test_volume_mount_of_statefulset_claim_template(tmp_path):
    """A StatefulSet's volumeClaimTemplates are volumes of each pod: mounting one is not undeclared."""
    text = """\
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      serviceName: db
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec:
          containers:
          - name: db
            image: postgres
            volumeMounts: [{name: data, mountPath: /var/lib/postgresql}]
      volumeClaimTemplates:
      - metadata: {name: data}
        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
    """
    assert findings_of(tmp_path, text, "volume-mount-undeclared") == []
    assert where(findings_of(tmp_path / "renamed", text.replace("{name: data}", "{name: pgdata}"),
                             "volume-mount-undeclared")) == [
        ("error", 13, 31, "spec.template.spec.containers[0].volumeMounts[0].name")]


# ---- port-invalid / nodeport-range ------------------------------------------------------------------

CONTAINER_PORT = pod_template("""\
  containers:
  - name: app
    image: nginx
    ports:
    - {port}
""")


@pytest.mark.parametrize("bad, column, path, good", [
    pytest.param("{containerPort: 70000}", 23, "containerPort", "{containerPort: 7000}", id="container-port-high"),
    pytest.param("{containerPort: 0}", 23, "containerPort", "{containerPort: 1}", id="container-port-zero"),
    pytest.param("{containerPort: 80, hostPort: 70000}", 37, "hostPort", "{containerPort: 80, hostPort: 0}",
                 id="host-port-high"),
    pytest.param("{name: http_web, containerPort: 80}", 14, "name", "{name: http-web, containerPort: 80}",
                 id="name-charset"),
    pytest.param("{name: web--http, containerPort: 80}", 14, "name", "{name: web-http, containerPort: 80}",
                 id="name-double-hyphen"),
    pytest.param("{name: '8080', containerPort: 80}", 14, "name", "{name: p8080, containerPort: 80}",
                 id="name-needs-letter"),
    pytest.param("{name: metrics-exporter, containerPort: 80}", 14, "name", "{name: metrics, containerPort: 80}",
                 id="name-over-15"),
])
def test_port_invalid_container(tmp_path, bad, column, path, good):
    """Container ports are 1-65535, host ports 0-65535, and port names IANA service names."""
    assert_pair(tmp_path, "port-invalid", CONTAINER_PORT.format(port=bad),
                [("error", 9, column, f"spec.containers[0].ports[0].{path}")], CONTAINER_PORT.format(port=good))


SERVICE_PORT = """\
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  type: NodePort
  ports:
  - {port}
"""


@pytest.mark.parametrize("bad, column, path, good", [
    pytest.param("{port: 70000}", 12, "port", "{port: 7000}", id="port-high"),
    pytest.param("{port: 0}", 12, "port", "{port: 80}", id="port-zero"),
    pytest.param("{port: 80, targetPort: 70000}", 28, "targetPort", "{port: 80, targetPort: 8080}", id="target-high"),
    pytest.param("{port: 80, targetPort: HTTP_1}", 28, "targetPort", "{port: 80, targetPort: http-1}",
                 id="target-name"),
])
def test_port_invalid_service(tmp_path, bad, column, path, good):
    """Service ports are 1-65535 and a targetPort is a valid port number or IANA port name."""
    expected = [("error", 8, column, f"spec.ports[0].{path}")]
    if "HTTP_1" in bad:  # upper case and '_' break the charset; no lower-case letter either
        expected *= 2
    assert_pair(tmp_path, "port-invalid", SERVICE_PORT.format(port=bad), expected, SERVICE_PORT.format(port=good))


@pytest.mark.parametrize("target", [
    pytest.param("0", id="zero"),
    pytest.param('""', id="empty-string"),
])

def test_port_invalid_not_for_defaulted_target_port(tmp_path, target):
    """targetPort 0 or "" is defaulted to the port (SetDefaults_Service), so it is valid."""
    text = SERVICE_PORT.format(port=f"{{port: 80, targetPort: {target}}}")
    assert findings_of(tmp_path, text, "port-invalid") == []


def test_nodeport_range(tmp_path):
    """A nodePort outside 30000-32767 is a warning at the nodePort."""
    assert_pair(tmp_path, "nodeport-range", SERVICE_PORT.format(port="{port: 80, nodePort: 8080}"),
                [("warning", 8, 26, "spec.ports[0].nodePort")], SERVICE_PORT.format(port="{port: 80, nodePort: 30080}"))


# ---- requests-exceed-limits ---------------------------------------------------------------------------

RESOURCES = pod_template("""\
  containers:
  - name: app
    image: nginx
    resources:
      requests: {{cpu: {cpu}, memory: {memory}}}
      limits: {{cpu: "1", memory: 1Gi}}
""")


@pytest.mark.parametrize("cpu, memory, expected", [
    pytest.param("1500m", "512Mi", [(9, 23, "cpu")], id="cpu-millis"),
    pytest.param("500m", "2Gi", [(9, 37, "memory")], id="memory"),
    pytest.param("2", "1025Mi", [(9, 23, "cpu"), (9, 34, "memory")], id="both"),
])
def test_requests_exceed_limits(tmp_path, cpu, memory, expected):
    """A request above its limit is reported at the request; equal quantities in other units are fine."""
    assert_pair(tmp_path, "requests-exceed-limits", RESOURCES.format(cpu=cpu, memory=memory),
                [("error", line, col, f"spec.containers[0].resources.requests.{r}") for line, col, r in expected],
                RESOURCES.format(cpu="1000m", memory="1024Mi"))


# ---- restart-policy -----------------------------------------------------------------------------------

TEMPLATED = """\
apiVersion: {api}
kind: {kind}
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: nginx}}]
{policy}"""


@pytest.mark.parametrize("api, kind", [("apps/v1", "Deployment"), ("apps/v1", "ReplicaSet"),
                                       ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"),
                                       ("v1", "ReplicationController")])
def test_restart_policy_controllers_need_always(tmp_path, api, kind):
    """Controllers' pod templates only take restartPolicy Always (omitted defaults to Always)."""
    bad = TEMPLATED.format(api=api, kind=kind, policy="      restartPolicy: OnFailure\n")
    assert_pair(tmp_path, "restart-policy", bad, [("error", 10, 22, "spec.template.spec.restartPolicy")],
                TEMPLATED.format(api=api, kind=kind, policy=""))


def test_restart_policy_job_needs_onfailure_or_never(tmp_path):
    """A Job's pods need OnFailure or Never; Always is reported at the field."""
    bad = TEMPLATED.format(api="batch/v1", kind="Job", policy="      restartPolicy: Always\n")
    assert_pair(tmp_path, "restart-policy", bad, [("error", 10, 22, "spec.template.spec.restartPolicy")],
                bad.replace("Always", "Never"))


def test_restart_policy_job_omitted_defaults_to_always(tmp_path):
    """A Job without restartPolicy gets the PodSpec default Always, which Jobs reject: reported at the pod spec."""
    bad = TEMPLATED.format(api="batch/v1", kind="Job", policy="")
    assert_pair(tmp_path, "restart-policy", bad, [("error", 9, 7, "spec.template.spec.restartPolicy")],
                bad + "      restartPolicy: OnFailure\n")


def test_restart_policy_cronjob(tmp_path):
    """A CronJob's job template pods need OnFailure or Never too."""
    bad = """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      schedule: "@daily"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: Always
              containers: [{name: run, image: busybox}]
    """
    assert_pair(tmp_path, "restart-policy", bad,
                [("error", 10, 26, "spec.jobTemplate.spec.template.spec.restartPolicy")],
                bad.replace("Always", "Never"))


def test_restart_policy_pod_any(tmp_path):
    """A bare Pod may use any restartPolicy."""
    for policy in ("Always", "OnFailure", "Never"):
        text = pod(f"  restartPolicy: {policy}\n  containers: [{{name: a, image: nginx}}]\n")
        assert findings_of(tmp_path / policy, text, "restart-policy") == []


# ---- image-missing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, expected, good", [
    pytest.param("  containers:\n  - name: app\n    command: [sleep]\n", (6, 5, "spec.containers[0].image"),
                 "  containers:\n  - name: app\n    image: busybox\n", id="absent"),
    pytest.param("  containers:\n  - {name: app, image: ''}\n", (6, 24, "spec.containers[0].image"),
                 "  containers:\n  - {name: app, image: busybox}\n", id="empty"),
    pytest.param("  initContainers:\n  - {name: setup}\n  containers:\n  - {name: app, image: nginx}\n",
                 (6, 5, "spec.initContainers[0].image"),
                 "  initContainers:\n  - {name: setup, image: busybox}\n  containers:\n  - {name: app, image: nginx}\n",
                 id="init-container"),
])
def test_image_missing(tmp_path, bad, expected, good):
    """Every container, init containers included, needs an image; reported at image or at the container."""
    assert_pair(tmp_path, "image-missing", pod(bad), [("error", *expected)], pod(good))


# ---- rollout-parameters ----------------------------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: nginx}}]
{extra}"""


@pytest.mark.parametrize("bad, expected, good", [
    pytest.param("  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: 0}\n",
                 [(11, 20, "spec.strategy.rollingUpdate")],
                 "  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: 1}\n", id="both-zero"),
    pytest.param("  strategy:\n    rollingUpdate: {maxSurge: 0%, maxUnavailable: 0}\n",
                 [(11, 20, "spec.strategy.rollingUpdate")],
                 "  strategy:\n    rollingUpdate: {maxSurge: 1%, maxUnavailable: 0}\n", id="both-zero-percent"),
    pytest.param("  strategy:\n    rollingUpdate: {maxUnavailable: 150%}\n",
                 [(11, 37, "spec.strategy.rollingUpdate.maxUnavailable")],
                 "  strategy:\n    rollingUpdate: {maxUnavailable: 100%}\n", id="unavailable-over-100"),
    pytest.param("  strategy:\n    rollingUpdate: {maxUnavailable: -1}\n",
                 [(11, 37, "spec.strategy.rollingUpdate.maxUnavailable")],
                 "  strategy:\n    rollingUpdate: {maxUnavailable: 1}\n", id="negative"),
    pytest.param("  strategy:\n    type: Recreate\n    rollingUpdate: {maxSurge: 1}\n",
                 [(12, 20, "spec.strategy.rollingUpdate")],
                 "  strategy:\n    type: Recreate\n", id="recreate-with-rolling-update"),
    pytest.param("  minReadySeconds: 30\n  progressDeadlineSeconds: 30\n",
                 [(11, 28, "spec.progressDeadlineSeconds")],
                 "  minReadySeconds: 30\n  progressDeadlineSeconds: 31\n", id="deadline-equals-min-ready"),
    # the deadline is defaulted (600): the finding sits on the nearest field written, spec
    pytest.param("  minReadySeconds: 600\n", [(5, 3, "spec.progressDeadlineSeconds")],
                 "  minReadySeconds: 599\n", id="default-deadline-600"),
])
def test_rollout_parameters_deployment(tmp_path, bad, expected, good):
    """A Deployment's rollout must be able to progress and its parameters be in range."""
    assert_pair(tmp_path, "rollout-parameters", DEPLOYMENT.format(extra=bad),
                [("error", *e) for e in expected], DEPLOYMENT.format(extra=good))


@pytest.mark.parametrize("extra", [
    pytest.param("  strategy:\n    rollingUpdate: {maxSurge: 200%, maxUnavailable: 0}\n", id="surge-over-100"),
    pytest.param("  strategy:\n    type: Recreate\n    rollingUpdate:\n", id="recreate-null-rolling-update"),
    pytest.param("  strategy:\n    rollingUpdate: {maxSurge: 100%, maxUnavailable: 0%}\n", id="surge-100"),
])
def test_rollout_parameters_deployment_valid(tmp_path, extra):
    """Valid Deployment strategies are not reported: maxSurge may exceed 100%, a null rollingUpdate is absent."""
    assert findings_of(tmp_path, DEPLOYMENT.format(extra=extra), "rollout-parameters") == []


STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db}}
spec:
  serviceName: db
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers: [{{name: db, image: postgres}}]
{extra}"""


@pytest.mark.parametrize("bad, expected, good", [
    pytest.param("  updateStrategy:\n    type: OnDelete\n    rollingUpdate: {partition: 1}\n",
                 (13, 20, "spec.updateStrategy.rollingUpdate"), "  updateStrategy:\n    type: OnDelete\n",
                 id="ondelete-with-rolling-update"),
    pytest.param("  updateStrategy:\n    rollingUpdate: {maxUnavailable: 0}\n",
                 (12, 37, "spec.updateStrategy.rollingUpdate.maxUnavailable"),
                 "  updateStrategy:\n    rollingUpdate: {maxUnavailable: 2}\n", id="max-unavailable-zero"),
    pytest.param("  updateStrategy:\n    rollingUpdate: {maxUnavailable: 150%}\n",
                 (12, 37, "spec.updateStrategy.rollingUpdate.maxUnavailable"),
                 "  updateStrategy:\n    rollingUpdate: {maxUnavailable: 100%}\n", id="max-unavailable-over-100"),
])
def test_rollout_parameters_statefulset(tmp_path, bad, expected, good):
    """A StatefulSet's rollingUpdate needs the RollingUpdate strategy and a positive maxUnavailable <= 100%."""
    assert_pair(tmp_path, "rollout-parameters", STATEFULSET.format(extra=bad), [("error", *expected)],
                STATEFULSET.format(extra=good))


DAEMONSET = DEPLOYMENT.replace("kind: Deployment", "kind: DaemonSet")


@pytest.mark.parametrize("bad, expected, good", [
    pytest.param("  updateStrategy:\n    rollingUpdate: {maxUnavailable: 0}\n",
                 (11, 20, "spec.updateStrategy.rollingUpdate"),
                 "  updateStrategy:\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}\n", id="both-zero"),
    pytest.param("  updateStrategy:\n    rollingUpdate: {maxUnavailable: 1, maxSurge: 1}\n",
                 (11, 50, "spec.updateStrategy.rollingUpdate.maxSurge"),
                 "  updateStrategy:\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}\n", id="both-non-zero"),
    pytest.param("  updateStrategy:\n    rollingUpdate: {maxUnavailable: 150%}\n",
                 (11, 37, "spec.updateStrategy.rollingUpdate.maxUnavailable"),
                 "  updateStrategy:\n    rollingUpdate: {maxUnavailable: 100%}\n", id="over-100"),
])
def test_rollout_parameters_daemonset(tmp_path, bad, expected, good):
    """A DaemonSet rolls with exactly one of maxSurge/maxUnavailable non-zero, each at most 100%."""
    assert_pair(tmp_path, "rollout-parameters", DAEMONSET.format(extra=bad), [("error", *expected)],
                DAEMONSET.format(extra=good))


# ---- count-negative -------------------------------------------------------------------------------------

def _spec(api: str, kind: str, body: str) -> str:
    return f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x}}\nspec:\n{body}"


def _count(api: str, kind: str, body: str, column: int, path: str):
    return pytest.param(api, kind, body, column, path, id=f"{kind}.{path.removeprefix('spec.')}")


@pytest.mark.parametrize("api, kind, body, column, path", [
    _count("apps/v1", "Deployment", "  replicas: {}\n", 13, "spec.replicas"),
    _count("apps/v1", "Deployment", "  revisionHistoryLimit: {}\n", 25, "spec.revisionHistoryLimit"),
    _count("apps/v1", "Deployment", "  minReadySeconds: {}\n", 20, "spec.minReadySeconds"),
    _count("apps/v1", "ReplicaSet", "  replicas: {}\n", 13, "spec.replicas"),
    _count("v1", "ReplicationController", "  replicas: {}\n", 13, "spec.replicas"),
    _count("apps/v1", "StatefulSet", "  replicas: {}\n", 13, "spec.replicas"),
    _count("apps/v1", "StatefulSet", "  updateStrategy:\n    rollingUpdate:\n      partition: {}\n", 18,
           "spec.updateStrategy.rollingUpdate.partition"),
    _count("batch/v1", "Job", "  parallelism: {}\n", 16, "spec.parallelism"),
    _count("batch/v1", "Job", "  completions: {}\n", 16, "spec.completions"),
    _count("batch/v1", "Job", "  backoffLimit: {}\n", 17, "spec.backoffLimit"),
    _count("batch/v1", "CronJob", "  successfulJobsHistoryLimit: {}\n", 31, "spec.successfulJobsHistoryLimit"),
    _count("batch/v1", "CronJob", "  failedJobsHistoryLimit: {}\n", 27, "spec.failedJobsHistoryLimit"),
    _count("batch/v1", "CronJob", "  startingDeadlineSeconds: {}\n", 28, "spec.startingDeadlineSeconds"),
    _count("batch/v1", "CronJob", "  jobTemplate:\n    spec:\n      backoffLimit: {}\n", 21,
           "spec.jobTemplate.spec.backoffLimit"),
    # upstream ValidateDaemonSetSpec / ValidateStatefulSetSpec / ValidateReplicaSetSpec
    _count("apps/v1", "DaemonSet", "  revisionHistoryLimit: {}\n", 25, "spec.revisionHistoryLimit"),
    _count("apps/v1", "DaemonSet", "  minReadySeconds: {}\n", 20, "spec.minReadySeconds"),
    _count("apps/v1", "StatefulSet", "  minReadySeconds: {}\n", 20, "spec.minReadySeconds"),
    _count("apps/v1", "ReplicaSet", "  minReadySeconds: {}\n", 20, "spec.minReadySeconds"),
])
def test_count_negative(tmp_path, api, kind, body, column, path):
    """Replica, completion, parallelism, backoff, partition, history and deadline counts must be >= 0; 0 is fine."""
    line = 4 + body.count("\n")
    assert_pair(tmp_path, "count-negative", _spec(api, kind, body.format(-1)), [("error", line, column, path)],
                _spec(api, kind, body.format(0)))


# ---- cron-schedule --------------------------------------------------------------------------------------

CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly}}
spec:
  schedule: "{schedule}"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: run, image: busybox}}]
"""


@pytest.mark.parametrize("schedule", [
    pytest.param("0 0 * *", id="four-fields"),
    pytest.param("0 0 * * * *", id="six-fields"),
    pytest.param("60 * * * *", id="minute-60"),
    pytest.param("0 24 * * *", id="hour-24"),
    pytest.param("0 0 32 * *", id="day-32"),
    pytest.param("0 0 0 * *", id="day-0"),
    pytest.param("0 0 * 13 *", id="month-13"),
    pytest.param("0 0 * * 7", id="weekday-7"),  # robfig/cron v3 day-of-week is 0-6
    pytest.param("5-1 * * * *", id="reversed-range"),
    pytest.param("*/0 * * * *", id="step-zero"),
    pytest.param("0 0 * * funday", id="bad-name"),
    pytest.param("TZ=UTC 0 0 * * *", id="tz-prefix"),
    pytest.param("CRON_TZ=Europe/Paris 0 0 * * *", id="cron-tz-prefix"),
    pytest.param("@fortnightly", id="bad-descriptor"),
    pytest.param("@every 1d", id="every-bad-duration"),
])
def test_cron_schedule_invalid(tmp_path, schedule):
    """A schedule robfig/cron's standard parser rejects, or one with a TZ= prefix, is reported at spec.schedule."""
    assert_pair(tmp_path, "cron-schedule", CRONJOB.format(schedule=schedule), [("error", 5, 13, "spec.schedule")],
                CRONJOB.format(schedule="0 0 * * *"))


@pytest.mark.parametrize("schedule", ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly",
                                      "@annually", "@every 1h30m", "@every 90s", "*/15 9-17 * * mon-fri",
                                      "0 0 1 JAN,jul ?", "0-59/5 0 1-31 1-12 0-6", "5/15 * * * *"])
def test_cron_schedule_valid(tmp_path, schedule):
    """Descriptors, @every durations, steps, ranges, lists and names are accepted."""
    assert findings_of(tmp_path, CRONJOB.format(schedule=schedule), "cron-schedule") == []


# ---- job-fields -------------------------------------------------------------------------------------------

def test_job_fields_indexed_needs_completions(tmp_path):
    """An Indexed Job without completions is reported at completionMode."""
    bad = _spec("batch/v1", "Job", "  completionMode: Indexed\n")
    assert_pair(tmp_path, "job-fields", bad, [("error", 5, 19, "spec.completionMode")],
                bad + "  completions: 3\n")


def test_job_fields_cronjob_template(tmp_path):
    """A CronJob's job template is checked at spec.jobTemplate.spec.completionMode."""
    bad = _spec("batch/v1", "CronJob", "  jobTemplate:\n    spec:\n      completionMode: Indexed\n")
    assert_pair(tmp_path, "job-fields", bad, [("error", 7, 23, "spec.jobTemplate.spec.completionMode")],
                bad + "      completions: 2\n")


def test_job_fields_parallelism_above_completions_allowed(tmp_path):
    """parallelism above completions is allowed (only wasteful), so it is not reported."""
    text = _spec("batch/v1", "Job", "  completions: 2\n  parallelism: 5\n")
    assert findings_of(tmp_path, text, "job-fields") == []


# ---- hpa-replicas ------------------------------------------------------------------------------------------

HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
{extra}"""
METRIC = """\
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {{type: Utilization, averageUtilization: {}}}
"""


@pytest.mark.parametrize("bad, expected, good", [
    pytest.param("  minReplicas: 0\n  maxReplicas: 3\n", (6, 16, "spec.minReplicas"),
                 "  minReplicas: 1\n  maxReplicas: 3\n", id="min-zero"),
    pytest.param("  minReplicas: 3\n  maxReplicas: 2\n", (7, 16, "spec.maxReplicas"),
                 "  minReplicas: 3\n  maxReplicas: 3\n", id="max-below-min"),
    pytest.param("  minReplicas: 2\n", (5, 3, "spec.maxReplicas"), "  minReplicas: 2\n  maxReplicas: 2\n",
                 id="max-missing"),
    pytest.param("  maxReplicas: 3\n" + METRIC.format(0),
                 (11, 55, "spec.metrics[0].resource.target.averageUtilization"),
                 "  maxReplicas: 3\n" + METRIC.format(80), id="utilization-zero"),
])
def test_hpa_replicas(tmp_path, bad, expected, good):
    """minReplicas >= 1, maxReplicas >= minReplicas, and a utilization target > 0."""
    assert_pair(tmp_path, "hpa-replicas", HPA.format(extra=bad), [("error", *expected)], HPA.format(extra=good))



def test_hpa_replicas_v1_target_cpu(tmp_path):
    """An autoscaling/v1 targetCPUUtilizationPercentage of 0 is rejected like averageUtilization 0."""
    text = HPA.format(extra="  maxReplicas: 3\n  targetCPUUtilizationPercentage: 0\n").replace("/v2", "/v1")
    assert where(findings_of(tmp_path, text, "hpa-replicas")) == [
        ("error", 7, 35, "spec.targetCPUUtilizationPercentage")]


# ---- pdb-budget ------------------------------------------------------------------------------------------

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
{extra}"""


@pytest.mark.parametrize("bad, expected, good", [
    pytest.param("  minAvailable: 1\n  maxUnavailable: 1\n", (7, 19, "spec.maxUnavailable"), "  minAvailable: 1\n",
                 id="both-set"),
    pytest.param("  minAvailable: 150%\n", (6, 17, "spec.minAvailable"), "  minAvailable: 100%\n", id="over-100"),
    pytest.param("  maxUnavailable: -1\n", (6, 19, "spec.maxUnavailable"), "  maxUnavailable: 0\n", id="negative"),
])
def test_pdb_budget(tmp_path, bad, expected, good):
    """A PDB sets at most one budget, with percentages <= 100% and no negative numbers."""
    assert_pair(tmp_path, "pdb-budget", PDB.format(extra=bad), [("error", *expected)], PDB.format(extra=good))


def test_pdb_budget_neither_set_is_valid(tmp_path):
    """Neither minAvailable nor maxUnavailable is valid upstream (policy ValidatePodDisruptionBudgetSpec)."""
    assert findings_of(tmp_path, PDB.format(extra=""), "pdb-budget") == []


# ---- probe-success-threshold ------------------------------------------------------------------------------

PROBED = pod_template("""\
  containers:
  - name: app
    image: nginx
    {probe}:
      exec: {{command: [true]}}
      successThreshold: {threshold}
""")


@pytest.mark.parametrize("probe", ["livenessProbe", "startupProbe"])
def test_probe_success_threshold(tmp_path, probe):
    """Liveness and startup probes need successThreshold 1; the finding is at the value."""
    assert_pair(tmp_path, "probe-success-threshold", PROBED.format(probe=probe, threshold=3),
                [("error", 10, 25, f"spec.containers[0].{probe}.successThreshold")],
                PROBED.format(probe=probe, threshold=1))


def test_probe_success_threshold_readiness_may_exceed_one(tmp_path):
    """A readiness probe may require several successes."""
    text = PROBED.format(probe="readinessProbe", threshold=3)
    assert findings_of(tmp_path, text, "probe-success-threshold") == []



def test_probe_success_threshold_zero_is_defaulted(tmp_path):
    """successThreshold 0 means 'unset' and is defaulted to 1 (SetDefaults_Probe), so it is valid."""
    text = PROBED.format(probe="livenessProbe", threshold=0)
    assert findings_of(tmp_path, text, "probe-success-threshold") == []


# ---- unsupported-value ------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, expected, good", [
    pytest.param(pod("  containers: [{name: a, image: nginx, imagePullPolicy: always}]\n"),
                 (5, 57, "spec.containers[0].imagePullPolicy"),
                 pod("  containers: [{name: a, image: nginx, imagePullPolicy: Always}]\n"), id="pull-policy"),
    pytest.param(CONTAINER_PORT.format(port="{containerPort: 80, protocol: tcp}"),
                 (9, 37, "spec.containers[0].ports[0].protocol"),
                 CONTAINER_PORT.format(port="{containerPort: 80, protocol: TCP}"), id="protocol"),
    pytest.param(SERVICE_PORT.format(port="{port: 80}").replace("NodePort", "Nodeport"), (6, 9, "spec.type"),
                 SERVICE_PORT.format(port="{port: 80}"), id="service-type"),
    pytest.param(DEPLOYMENT.format(extra="  strategy: {type: Rolling}\n"), (10, 20, "spec.strategy.type"),
                 DEPLOYMENT.format(extra="  strategy: {type: RollingUpdate}\n"), id="strategy-type"),
    pytest.param(pod("  containers: [{name: a, image: nginx}]\n  tolerations: [{key: k, effect: NoScheduled}]\n"),
                 (6, 34, "spec.tolerations[0].effect"),
                 pod("  containers: [{name: a, image: nginx}]\n  tolerations: [{key: k, effect: NoSchedule}]\n"),
                 id="toleration-effect"),
])
def test_unsupported_value(tmp_path, bad, expected, good):
    """A value outside a field's fixed set (case-sensitive) is reported at the value."""
    assert_pair(tmp_path, "unsupported-value", bad, [("error", *expected)], good)


@pytest.mark.parametrize("spec", [
    pytest.param("  containers: [{name: a, image: nginx, imagePullPolicy: ''}]\n", id="pull-policy-empty"),
    pytest.param("  containers: [{name: a, image: nginx}]\n  tolerations: [{operator: Exists, effect: ''}]\n",
                 id="toleration-effect-empty"),
    pytest.param("  containers: [{name: a, image: nginx}]\n  tolerations: [{key: k, operator: '', value: v}]\n",
                 id="toleration-operator-empty"),
    pytest.param("  containers: [{name: a, image: nginx}]\n  tolerations: [{operator: Exists}]\n", id="tolerate-all"),
])
def test_unsupported_value_empty_means_default(tmp_path, spec):
    """Empty strings that upstream defaults or treats as 'any' are not unsupported values."""
    assert findings_of(tmp_path, pod(spec), "unsupported-value") == []


# ---- yaml-ambiguous-scalar ----------------------------------------------------------------------------------

CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata: {{name: cfg}}
data:
  {entry}
"""


@pytest.mark.parametrize("bad, column, path, good", [
    pytest.param("debug: yes", 10, "data.debug", 'debug: "yes"', id="yes-value"),
    pytest.param("mode: off", 9, "data.mode", "mode: 'off'", id="off-value"),
    pytest.param("on: push", 3, "data.on", '"on": push', id="on-key"),
    pytest.param("1.10: stable", 3, "data.1.10", '"1.10": stable', id="version-key"),
])
def test_yaml_ambiguous_scalar(tmp_path, bad, column, path, good):
    """Plain yes/no/on/off and keys like 1.10 read differently under YAML 1.1; quoting fixes them."""
    assert_pair(tmp_path, "yaml-ambiguous-scalar", CONFIG.format(entry=bad), [("warning", 5, column, path)],
                CONFIG.format(entry=good))


def test_yaml_ambiguous_scalar_plain_booleans_and_numbers(tmp_path):
    """true/false and keys that round-trip (1.5) are not ambiguous."""
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, annotations: {a: 'x'}}\ndata: {1.5: x, b: 'y'}\n"
    text += "immutable: true\n"
    assert findings_of(tmp_path, text, "yaml-ambiguous-scalar") == []


# ---- filters: --disable, minimum severity, kspec.dev/ignore ------------------------------------------------

NOISY = """\
apiVersion: v1
kind: Service
metadata:
  name: web
{annotations}spec:
  selector: {{app: web}}
  type: NodePort
  ports:
  - {{port: 70000, nodePort: 80}}
"""


def _rules(findings: list[Finding]) -> list[str]:
    return sorted({f.rule for f in findings})


def test_filters_none(tmp_path):
    """Unfiltered, the noisy Service has port-invalid, nodeport-range and service-selects-nothing findings."""
    assert _rules(findings_of(tmp_path, NOISY.format(annotations=""))) == [
        "nodeport-range", "port-invalid", "service-selects-nothing"]


def test_filter_disable(tmp_path):
    """ValidateOptions(disable=...) drops exactly the named rules."""
    found = findings_of(tmp_path, NOISY.format(annotations=""), disable=frozenset({"port-invalid", "nodeport-range"}))
    assert _rules(found) == ["service-selects-nothing"]


def test_filter_min_severity(tmp_path):
    """min_severity drops less severe findings: 'warning' drops info, 'error' drops warnings too."""
    files = {"svc.yaml": NOISY.format(annotations=""), "kustomization.yaml": "resources: [svc.yaml]\n"}
    assert "not-kubernetes" in _rules(findings_of(tmp_path / "all", files))
    kept = findings_of(tmp_path / "warn", files, min_severity="warning")
    assert _rules(kept) == ["nodeport-range", "port-invalid", "service-selects-nothing"]
    assert _rules(findings_of(tmp_path / "err", files, min_severity="error")) == ["port-invalid"]


@pytest.mark.parametrize("value, kept", [
    ("port-invalid,nodeport-range", ["service-selects-nothing"]),
    (" port-invalid , service-selects-nothing ", ["nodeport-range"]),
    ("all", []),
    ("some-other-rule", ["nodeport-range", "port-invalid", "service-selects-nothing"]),
])
def test_filter_ignore_annotation(tmp_path, value, kept):
    """kspec.dev/ignore on an object drops its findings of the listed rules (or all), cross-object ones included."""
    text = NOISY.format(annotations=f"  annotations:\n    kspec.dev/ignore: \"{value}\"\n")
    assert _rules(findings_of(tmp_path, text)) == kept


def test_filter_ignore_annotation_is_per_object(tmp_path):
    """kspec.dev/ignore on one object does not silence another object's findings."""
    quiet = NOISY.format(annotations="  annotations: {kspec.dev/ignore: all}\n")
    loud = NOISY.format(annotations="").replace("name: web", "name: api")
    found = findings_of(tmp_path, {"quiet.yaml": quiet, "loud.yaml": loud})
    assert {f.object for f in found} == {"v1/Service//api"}
    assert _rules(found) == ["nodeport-range", "port-invalid", "service-selects-nothing"]


# ---- rules added after the first review -----------------------------------------------------------

def _findings(tmp_path, text: str, rule: str):
    return [(f.line, f.column, f.path) for f in findings_of(tmp_path, {"x.yaml": text}, rule)]


def test_service_with_several_ports_names_each(tmp_path):
    """upstream validateServicePort: several ports need names, and names are DNS-1123 labels."""
    text = ("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: a}\n  ports:\n"
            "  - {port: 80}\n  - {port: 443, name: Https}\n")
    assert _findings(tmp_path, text, "port-invalid") == [(7, 5, "spec.ports[0].name"), (8, 23, "spec.ports[1].name")]
    fixed = text.replace("{port: 80}", "{port: 80, name: http}").replace("Https", "https")
    assert _findings(tmp_path, fixed, "port-invalid") == []


def test_job_names_fit_the_job_name_label(tmp_path):
    """A Job's name becomes its pods' job-name label, so it is at most 63 characters."""
    template = ("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n"
                "      restartPolicy: Never\n      containers: [{{name: c, image: busybox}}]\n")
    assert _findings(tmp_path, template.format(name="j" * 64), "name-invalid") == [(3, 18, "metadata.name")]
    assert _findings(tmp_path, template.format(name="j" * 63), "name-invalid") == []


def test_host_ports_are_unique_within_a_pod(tmp_path):
    """upstream AccumulateUniqueHostPorts: one hostPort/protocol/hostIP per pod."""
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
            "  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}]}\n"
            "  - {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080}]}\n")
    assert _findings(tmp_path, text, "duplicate-name") == [(7, 63, "spec.containers[1].ports[0].hostPort")]
    assert _findings(tmp_path, text.replace("hostPort: 8080}]}\n", "hostPort: 8080, protocol: UDP}]}\n", 1),
                     "duplicate-name") == []
