"""Pods created by operators are not assumed absent: a Service, PDB or HPA aimed at them is
at most an info that names the custom resource (issue 15, operator-managed workloads)."""

from pathlib import Path

from kspec.reading.loader import Loaded, load_text
from kspec.validation.validate import ValidateOptions, validate

PROMETHEUS = """\
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: monitoring}
spec: {replicas: 2}
---
apiVersion: v1
kind: Service
metadata: {name: prometheus-k8s, namespace: monitoring}
spec:
  selector: {app.kubernetes.io/name: prometheus, prometheus: k8s}
  ports: [{port: 9090, name: web}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: prometheus-k8s, namespace: monitoring}
spec:
  minAvailable: 1
  selector: {matchLabels: {prometheus: k8s}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: apps}
spec:
  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: web}
  minReplicas: 1
  maxReplicas: 3
"""


def _found(text):
    manifests, errors = load_text(text, "in.yaml")
    loaded = Loaded(manifests=tuple(manifests), errors=tuple(errors), files=("in.yaml",), sources={})
    return [f for f in validate(loaded, ValidateOptions(builtin_rules=False)).findings
            if f.rule in ("service-selects-nothing", "target-missing")]


def test_services_pdbs_and_hpas_of_operator_pods_are_info():
    """A Prometheus CR's Service and PDB, and an HPA on an Argo Rollout: info, naming the operator's resource."""
    found = _found(PROMETHEUS)
    assert [(f.rule, f.severity, f.line) for f in found] == [
        ("service-selects-nothing", "info", 10), ("target-missing", "info", 18), ("target-missing", "info", 24)]
    assert "the operator of Prometheus/k8s may create them" in found[0].message


def test_without_the_custom_resource_the_service_still_warns():
    """The same Service with no operator resource in its namespace keeps its warning."""
    text = PROMETHEUS.split("---\n", 1)[1]
    assert [f.severity for f in _found(text) if f.rule == "service-selects-nothing"] == ["warning"]
