"""Per-rule tests of the cross-object checks (``kspec/validation/crossobject.py``), run end to end
through ``validate`` on directories written under ``tmp_path``.

Each rule gets an input set that triggers it, with the exact file, severity, line, column and path
of the finding, and the near-identical fixed set that does not. What is right is decided by
upstream Kubernetes behaviour (kubectl apply, the controllers, the API server), not by what kspec
outputs; where kspec disagrees the case is a strict xfail naming the upstream code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kspec.validation import crossobject
from kspec.validation.findings import RULES, Finding, Rule
from tests.validation.helpers import findings_of


def where(tmp_path: Path, findings: list[Finding]) -> list[tuple[str, str, int, int, str]]:
    """(file relative to tmp_path, severity, line, column, path) of each finding."""
    return [(os.path.relpath(f.file, tmp_path), f.severity, f.line, f.column, f.path) for f in findings]


def assert_pair(tmp_path: Path, rule: str, bad, expected: list[tuple], good) -> None:
    """The ``bad`` set gives exactly ``expected`` findings of ``rule``; the fixed ``good`` set gives none."""
    assert where(tmp_path / "bad", findings_of(tmp_path / "bad", bad, rule)) == expected
    if good is not None:
        assert findings_of(tmp_path / "good", good, rule) == []


def test_every_rule_of_the_module_is_covered_here():
    """The rule ids crossobject.py defines are exactly the ones this file has tests for."""
    defined = {value.id for value in vars(crossobject).values() if isinstance(value, Rule)}
    assert defined == {"duplicate-object", "service-selects-nothing", "statefulset-service", "target-missing",
                       "reference-not-found", "selector-overlap"}
    assert all(RULES.get(rule).category == "cross-object" for rule in defined)


def configmap(name: str, namespace: str | None = None) -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{ns}data: {{a: b}}\n"


def deployment(name: str, labels: str, selector: str | None = None, namespace: str | None = None,
               pod_spec: str = "") -> str:
    """A Deployment whose spec.selector is on line 5 (column 13) and whose template labels are ``labels``."""
    ns = f", namespace: {namespace}" if namespace else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}{ns}}}\nspec:\n"
            f"  selector: {{matchLabels: {selector or labels}}}\n"
            f"  template:\n    metadata: {{labels: {labels}}}\n    spec:\n"
            f"      containers: [{{name: app, image: nginx}}]\n{pod_spec}")


# ---- duplicate-object -----------------------------------------------------------------------------

def test_duplicate_object_across_files_of_one_directory(tmp_path):
    """Two files of one directory defining the same kind/namespace/name: the later one is reported at its name."""
    assert_pair(tmp_path, "duplicate-object", {"a.yaml": configmap("cfg"), "b.yaml": configmap("cfg")},
                [("b.yaml", "error", 4, 9, "metadata.name")],
                {"a.yaml": configmap("cfg"), "b.yaml": configmap("cfg-2")})


def test_duplicate_object_in_one_file(tmp_path):
    """The second document of a file repeating an object is reported."""
    assert_pair(tmp_path, "duplicate-object", configmap("cfg") + "---\n" + configmap("cfg"),
                [("a.yaml", "error", 10, 9, "metadata.name")],
                configmap("cfg") + "---\n" + configmap("cfg", namespace="other"))


def test_duplicate_object_across_api_versions(tmp_path):
    """autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers with one name are the same object."""
    hpa = "apiVersion: autoscaling/{}\nkind: HorizontalPodAutoscaler\nmetadata: {{name: {}}}\n"
    assert_pair(tmp_path, "duplicate-object", hpa.format("v1", "web") + "---\n" + hpa.format("v2", "web"),
                [("a.yaml", "error", 7, 18, "metadata.name")],
                hpa.format("v1", "web") + "---\n" + hpa.format("v2", "api"))


@pytest.mark.parametrize("files", [
    pytest.param({"base/cm.yaml": configmap("cfg"), "overlays/prod/cm.yaml": configmap("cfg")}, id="other-directories"),
    pytest.param({"a/cm.yaml": configmap("cfg"), "a/sub/cm.yaml": configmap("cfg")}, id="subdirectory"),
    pytest.param({"a.yaml": configmap("cfg", "dev"), "b.yaml": configmap("cfg", "prod")}, id="other-namespaces"),
    pytest.param({"a.yaml": configmap("cfg"),
                  "b.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cfg\n"}, id="other-kinds"),
])
def test_duplicate_object_not_reported(tmp_path, files):
    """Objects in different directories (bases and overlays), namespaces or kinds are not duplicates."""
    assert findings_of(tmp_path, files, "duplicate-object") == []


# ---- service-selects-nothing --------------------------------------------------------------------------

def service(selector: str = "{app: web}", namespace: str | None = None, extra: str = "") -> str:
    """A Service whose spec.selector is on line 5 (column 13)."""
    ns = f", namespace: {namespace}" if namespace else ""
    return f"apiVersion: v1\nkind: Service\nmetadata: {{name: web{ns}}}\nspec:\n  selector: {selector}\n{extra}"


def test_service_selects_nothing(tmp_path):
    """A Service whose selector matches no pod template is a warning at spec.selector; a superset of labels matches."""
    assert_pair(tmp_path, "service-selects-nothing",
                {"svc.yaml": service(), "deploy.yaml": deployment("web", "{app: api}")},
                [("svc.yaml", "warning", 5, 13, "spec.selector")],
                {"svc.yaml": service(), "deploy.yaml": deployment("web", "{app: web, tier: fe}", "{app: web}")})


def test_service_selects_nothing_other_namespace(tmp_path):
    """Pods of another namespace do not back a Service."""
    assert_pair(tmp_path, "service-selects-nothing",
                {"svc.yaml": service(namespace="shop"), "deploy.yaml": deployment("web", "{app: web}", "", "blog")},
                [("svc.yaml", "warning", 5, 13, "spec.selector")],
                {"svc.yaml": service(namespace="shop"), "deploy.yaml": deployment("web", "{app: web}", "", "shop")})


@pytest.mark.parametrize("files", [
    pytest.param({"svc.yaml": service(selector="{app: web, role: db}"),
                  "sts.yaml": "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n"
                              "  template: {metadata: {labels: {app: web, role: db}}}\n"}, id="statefulset-template"),
    pytest.param({"svc.yaml": service(),
                  "cron.yaml": "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n"
                               "    spec: {template: {metadata: {labels: {app: web}}}}\n"}, id="cronjob-template"),
    pytest.param({"svc.yaml": service(),
                  "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: web}}\n"}, id="bare-pod"),
    pytest.param({"svc.yaml": service(selector="{}")}, id="no-selector"),
    pytest.param({"svc.yaml": service(extra="  type: ExternalName\n  externalName: db.example.com\n")},
                 id="external-name"),
])
def test_service_selects_nothing_not_reported(tmp_path, files):
    """Any pod template (StatefulSet, CronJob, Pod) backs a Service; selector-less and ExternalName ones are skipped."""
    assert findings_of(tmp_path, files, "service-selects-nothing") == []


# ---- statefulset-service ---------------------------------------------------------------------------------

STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
"""
HEADLESS = "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  clusterIP: None\n  selector: {app: db}\n"


@pytest.mark.parametrize("services", [
    pytest.param("", id="no-service"),
    pytest.param(HEADLESS.replace("  clusterIP: None\n", ""), id="not-headless"),
    pytest.param(HEADLESS.replace("{name: db}", "{name: db, namespace: other}"), id="other-namespace"),
    pytest.param(HEADLESS.replace("{name: db}", "{name: postgres}"), id="other-name"),
])
def test_statefulset_service(tmp_path, services):
    """A StatefulSet's serviceName must name a headless Service of its namespace: a warning at spec.serviceName."""
    bad = {"sts.yaml": STATEFULSET, **({"svc.yaml": services} if services else {})}
    assert_pair(tmp_path, "statefulset-service", bad, [("sts.yaml", "warning", 5, 16, "spec.serviceName")],
                {"sts.yaml": STATEFULSET, "svc.yaml": HEADLESS})


def test_statefulset_service_name_omitted(tmp_path):
    """A StatefulSet without serviceName is not reported."""
    assert findings_of(tmp_path, STATEFULSET.replace("  serviceName: db\n", ""), "statefulset-service") == []


# ---- target-missing -------------------------------------------------------------------------------------

HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: {kind}, name: {name}}}
  maxReplicas: 3
"""


@pytest.mark.parametrize("kind, name", [("Deployment", "api"), ("StatefulSet", "web")])
def test_target_missing_hpa(tmp_path, kind, name):
    """An HPA whose scaleTargetRef (kind and name) is not in the set is a warning at scaleTargetRef."""
    assert_pair(tmp_path, "target-missing", {"hpa.yaml": HPA.format(kind=kind, name=name),
                                             "deploy.yaml": deployment("web", "{app: web}")},
                [("hpa.yaml", "warning", 5, 19, "spec.scaleTargetRef")],
                {"hpa.yaml": HPA.format(kind="Deployment", name="web"), "deploy.yaml": deployment("web", "{app: web}")})


PDB = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web}}\nspec:\n  selector: {selector}\n"


@pytest.mark.parametrize("selector", [
    pytest.param("{matchLabels: {app: web}}", id="match-labels"),
    pytest.param("{matchExpressions: [{key: app, operator: In, values: [web, api]}]}", id="match-expressions"),
])
def test_target_missing_pdb(tmp_path, selector):
    """A PDB whose selector matches no pod template of its namespace is a warning at spec.selector."""
    assert_pair(tmp_path, "target-missing", {"pdb.yaml": PDB.format(selector=selector),
                                             "deploy.yaml": deployment("web", "{app: db}")},
                [("pdb.yaml", "warning", 5, 13, "spec.selector")],
                {"pdb.yaml": PDB.format(selector=selector), "deploy.yaml": deployment("web", "{app: web}")})


# ---- reference-not-found ------------------------------------------------------------------------------------

def pod(spec: str) -> str:
    """A Pod named web whose ``spec`` (indented two spaces) starts on line 5."""
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n" + spec


CONTAINER = "  containers:\n  - name: app\n    image: nginx\n"
SECRET = "apiVersion: v1\nkind: Secret\nmetadata: {{name: {}}}\n"
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {}}}\n"
PVC = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {}}}\n"
SA = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {}}}\n"
PC = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {{name: {}}}\nvalue: 1000\n"


@pytest.mark.parametrize("spec, expected, provide", [
    pytest.param(CONTAINER + "  volumes: [{name: v, configMap: {name: cfg}}]\n",
                 (8, 41, "spec.volumes[0].configMap.name"), CM.format("cfg"), id="configmap-volume"),
    pytest.param(CONTAINER + "  volumes: [{name: v, secret: {secretName: tls}}]\n",
                 (8, 44, "spec.volumes[0].secret.secretName"), SECRET.format("tls"), id="secret-volume"),
    pytest.param(CONTAINER + "  volumes: [{name: v, persistentVolumeClaim: {claimName: data}}]\n",
                 (8, 58, "spec.volumes[0].persistentVolumeClaim.claimName"), PVC.format("data"), id="pvc-volume"),
    pytest.param(CONTAINER + "    env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: a}}}]\n",
                 (8, 57, "spec.containers[0].env[0].valueFrom.configMapKeyRef.name"), CM.format("cfg"),
                 id="env-configmap-key"),
    pytest.param(CONTAINER + "    env: [{name: A, valueFrom: {secretKeyRef: {name: creds, key: a}}}]\n",
                 (8, 54, "spec.containers[0].env[0].valueFrom.secretKeyRef.name"), SECRET.format("creds"),
                 id="env-secret-key"),
    pytest.param(CONTAINER + "    envFrom: [{configMapRef: {name: cfg}}]\n",
                 (8, 37, "spec.containers[0].envFrom[0].configMapRef.name"), CM.format("cfg"), id="envfrom-configmap"),
    pytest.param(CONTAINER + "    envFrom: [{prefix: S_, secretRef: {name: creds}}]\n",
                 (8, 46, "spec.containers[0].envFrom[0].secretRef.name"), SECRET.format("creds"), id="envfrom-secret"),
    pytest.param("  initContainers: [{name: i, image: busybox, envFrom: [{secretRef: {name: creds}}]}]\n" + CONTAINER,
                 (5, 75, "spec.initContainers[0].envFrom[0].secretRef.name"), SECRET.format("creds"),
                 id="init-container"),
    pytest.param(CONTAINER + "  serviceAccountName: builder\n", (8, 23, "spec.serviceAccountName"),
                 SA.format("builder"), id="service-account"),
    pytest.param(CONTAINER + "  priorityClassName: batch-low\n", (8, 22, "spec.priorityClassName"),
                 PC.format("batch-low"), id="priority-class"),
])
def test_reference_not_found(tmp_path, spec, expected, provide):
    """A pod's ConfigMap/Secret/PVC/ServiceAccount/PriorityClass missing from the set is a warning at the name."""
    assert_pair(tmp_path, "reference-not-found", {"pod.yaml": pod(spec)}, [("pod.yaml", "warning", *expected)],
                {"pod.yaml": pod(spec), "refs.yaml": provide})


def test_reference_not_found_in_templates(tmp_path):
    """Workload and CronJob pod templates are checked, with the template's path."""
    cron = """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      schedule: "@daily"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: run, image: busybox, envFrom: [{configMapRef: {name: cfg}}]}]
    """
    deploy = deployment("web", "{app: web}", pod_spec="      volumes: [{name: v, secret: {secretName: tls}}]\n")
    assert_pair(tmp_path, "reference-not-found", {"cron.yaml": cron, "deploy.yaml": deploy},
                [("cron.yaml", "warning", 11, 84,
                  "spec.jobTemplate.spec.template.spec.containers[0].envFrom[0].configMapRef.name"),
                 ("deploy.yaml", "warning", 10, 48, "spec.template.spec.volumes[0].secret.secretName")],
                {"cron.yaml": cron, "deploy.yaml": deploy,
                 "refs.yaml": CM.format("cfg") + "---\n" + SECRET.format("tls")})


def test_reference_not_found_other_namespace(tmp_path):
    """A ConfigMap of another namespace does not satisfy the reference; one without a namespace does."""
    bad = {"pod.yaml": pod(CONTAINER + "  volumes: [{name: v, configMap: {name: cfg}}]\n").replace(
        "{name: web}", "{name: web, namespace: shop}"), "cm.yaml": configmap("cfg", "blog")}
    good = {**bad, "cm.yaml": configmap("cfg")}
    assert_pair(tmp_path, "reference-not-found", bad,
                [("pod.yaml", "warning", 8, 41, "spec.volumes[0].configMap.name")], good)


@pytest.mark.parametrize("spec", [
    pytest.param(CONTAINER + "  volumes: [{name: v, configMap: {name: cfg, optional: true}}]\n",
                 id="optional-configmap"),
    pytest.param(CONTAINER + "  volumes: [{name: v, secret: {secretName: tls, optional: true}}]\n",
                 id="optional-secret"),
    pytest.param(CONTAINER + "    env: [{name: A, valueFrom: {secretKeyRef: {name: c, key: a, optional: true}}}]\n",
                 id="optional-secret-key"),
    pytest.param(CONTAINER + "    env: [{name: A, valueFrom: {configMapKeyRef: {name: c, key: a, optional: true}}}]\n",
                 id="optional-configmap-key"),
    pytest.param(CONTAINER + "    envFrom: [{configMapRef: {name: c, optional: true}}, "
                             "{secretRef: {name: s, optional: true}}]\n", id="optional-envfrom"),
    pytest.param(CONTAINER + "  serviceAccountName: default\n", id="default-service-account"),
    pytest.param(CONTAINER + "  priorityClassName: system-cluster-critical\n", id="builtin-priority-cluster"),
    pytest.param(CONTAINER + "  priorityClassName: system-node-critical\n", id="builtin-priority-node"),
    pytest.param(CONTAINER + "    env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]\n",
                 id="field-ref"),
])
def test_reference_not_found_not_reported(tmp_path, spec):
    """Optional references, the default ServiceAccount and the built-in PriorityClasses are not reported."""
    assert findings_of(tmp_path, {"pod.yaml": pod(spec)}, "reference-not-found") == []


STS_CLAIMS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db}}
spec:
  serviceName: db
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers:
      - name: db
        image: postgres
        volumeMounts: [{{name: data, mountPath: /var/lib/postgresql}}]
{volumes}  volumeClaimTemplates:
  - metadata: {{name: data}}
    spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}
"""


@pytest.mark.parametrize("volumes", [
    pytest.param("", id="mount-only"),
    pytest.param("      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]\n", id="same-claim-name"),
    pytest.param("      volumes: [{name: data, persistentVolumeClaim: {claimName: scratch}}]\n",
                 id="volume-replaced-by-template"),
])
def test_reference_not_found_statefulset_claim_templates(tmp_path, volumes):
    """Volumes provided by a StatefulSet's volumeClaimTemplates are not missing PVCs."""
    assert findings_of(tmp_path, STS_CLAIMS.format(volumes=volumes), "reference-not-found") == []



def test_reference_not_found_claim_name_is_not_a_template_volume(tmp_path):
    """A PVC volume with another volume name but a template's name as claimName references a real PVC 'data'."""
    text = STS_CLAIMS.format(volumes="      volumes: [{name: extra, persistentVolumeClaim: {claimName: data}}]\n")
    assert where(tmp_path, findings_of(tmp_path, text, "reference-not-found")) == [
        ("a.yaml", "warning", 14, 66, "spec.template.spec.volumes[0].persistentVolumeClaim.claimName")]



def test_reference_not_found_deprecated_service_account_field(tmp_path):
    """A ServiceAccount given by the deprecated serviceAccount field is reported at that field."""
    text = pod(CONTAINER + "  serviceAccount: builder\n")
    assert where(tmp_path, findings_of(tmp_path, text, "reference-not-found")) == [
        ("a.yaml", "warning", 8, 19, "spec.serviceAccount")]


# ---- selector-overlap -------------------------------------------------------------------------------------

def test_selector_overlap(tmp_path):
    """Two controllers of one directory and namespace where one selects the other's pods: the later is reported."""
    stable = deployment("web", "{app: web, track: stable}", "{app: web}")
    canary = deployment("web-canary", "{app: web, track: canary}")
    assert_pair(tmp_path, "selector-overlap", {"a.yaml": stable, "b.yaml": canary},
                [("b.yaml", "warning", 5, 13, "spec.selector")],
                {"a.yaml": stable.replace("matchLabels: {app: web}", "matchLabels: {app: web, track: stable}"),
                 "b.yaml": canary})


def test_selector_overlap_match_expressions_and_replication_controller(tmp_path):
    """A ReplicationController's map selector and a matchExpressions selector can overlap too."""
    rc = ("apiVersion: v1\nkind: ReplicationController\nmetadata: {name: legacy}\nspec:\n"
          "  selector: {app: api}\n  template:\n    metadata: {labels: {app: api}}\n")
    deploy = deployment("web", "{app: web}", "{}").replace(
        "{matchLabels: {}}", "{matchExpressions: [{key: app, operator: In, values: [web, api]}]}")
    assert_pair(tmp_path, "selector-overlap", {"a.yaml": rc, "b.yaml": deploy},
                [("b.yaml", "warning", 5, 13, "spec.selector")],
                {"a.yaml": rc, "b.yaml": deploy.replace("[web, api]", "[web]")})


@pytest.mark.parametrize("files", [
    pytest.param({"prod/a.yaml": deployment("web", "{app: web}"),
                  "staging/a.yaml": deployment("web-staging", "{app: web}")}, id="other-directories"),
    pytest.param({"a.yaml": deployment("web", "{app: web}", namespace="prod"),
                  "b.yaml": deployment("web2", "{app: web}", namespace="staging")}, id="other-namespaces"),
])
def test_selector_overlap_not_reported(tmp_path, files):
    """Controllers in different directories (applied separately) or namespaces are not compared."""
    assert findings_of(tmp_path, files, "selector-overlap") == []


# ---- filters on cross-object findings ----------------------------------------------------------------------

def test_ignore_annotation_applies_to_cross_object_findings(tmp_path):
    """kspec.dev/ignore on an object suppresses the cross-object findings reported on it."""
    quiet = service().replace("{name: web}", "{name: web, annotations: {kspec.dev/ignore: service-selects-nothing}}")
    assert findings_of(tmp_path / "quiet", quiet, "service-selects-nothing") == []
    assert len(findings_of(tmp_path / "loud", service(), "service-selects-nothing")) == 1


def test_disable_and_min_severity_apply_to_cross_object_findings(tmp_path):
    """--disable and a minimum severity of error drop cross-object warnings."""
    files = {"a.yaml": configmap("cfg"), "b.yaml": configmap("cfg"), "svc.yaml": service()}
    rules = sorted({f.rule for f in findings_of(tmp_path / "all", files)})
    assert rules == ["duplicate-object", "service-selects-nothing"]
    assert [f.rule for f in findings_of(tmp_path / "err", files, min_severity="error")] == ["duplicate-object"]
    assert findings_of(tmp_path / "off", files, disable=frozenset(rules)) == []
