"""Decoding read documents into typed objects: values, defaults, positions, leniency."""

import pytest

from kspec.api import core, others, workloads
from kspec.api.decode import field_node, nearest_node
from kspec.api.quantity import Quantity
from kspec.api.registry import GenericObject, decode_manifest, decode_object
from kspec.reading.loader import load_text

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 50%}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        env:
        - name: PORT
          value: 8080
        - name: DEBUG
          value: yes
        resources:
          requests: {cpu: 250m, memory: 1Gi}
          limits: {cpu: 1}
        ports:
        - containerPort: 80
"""


def decoded(text: str):
    manifests, errors = load_text(text, "x.yaml")
    assert not errors
    return decode_object(manifests[0])


def test_a_deployment_decodes_with_values_and_upstream_defaults():
    """Fields decode to typed values; absent ones take upstream's defaults."""
    d = decoded(DEPLOYMENT)
    assert isinstance(d, workloads.Deployment)
    assert (d.metadata.name, d.metadata.namespace, d.spec.replicas) == ("web", "shop", 3)
    assert str(d.spec.strategy.rolling_update.max_surge) == "50%"
    assert str(d.spec.strategy.rolling_update.max_unavailable) == "25%"  # default
    assert d.spec.strategy.type == "RollingUpdate" and d.spec.revision_history_limit == 10
    assert d.spec.selector.matches({"app": "web"})
    container = d.spec.template.spec.containers[0]
    assert container.resources.requests["cpu"] == Quantity.parse("0.25")
    assert container.resources.limits["cpu"] == Quantity.parse(1)
    assert container.ports[0].protocol == "TCP"
    assert d.spec.template.spec.restart_policy == "Always"


def test_string_fields_receive_numbers_and_booleans_as_sigs_yaml_formats_them():
    """An int or a YAML 1.1 boolean in a string field decodes as the text the API server would get."""
    env = decoded(DEPLOYMENT).spec.template.spec.containers[0].env
    assert [(e.name, e.value) for e in env] == [("PORT", "8080"), ("DEBUG", "true")]


def test_positions_of_any_field_are_one_lookup_away():
    """Every decoded object keeps its node: field_node finds the line of any field."""
    d = decoded(DEPLOYMENT)
    assert (field_node(d, "spec", "replicas").line, field_node(d, "spec", "replicas").column) == (8, 13)
    container = d.spec.template.spec.containers[0]
    image = field_node(container, "image")
    assert (image.line, image.column) == (19, 16)
    assert field_node(d, "spec", "template", "spec", "containers", 0, "name").value == "web"
    assert field_node(d, "spec", "paused") is None
    assert nearest_node(d, "spec", "paused") is d.spec.node


def test_decoded_objects_compare_by_content_not_by_position():
    """Two objects with the same content are equal and hash equally, wherever they were written."""
    a = decoded(DEPLOYMENT)
    b = decoded("# a comment moves every line\n" + DEPLOYMENT)
    assert a == b and hash(a) == hash(b)
    assert field_node(a, "spec").line != field_node(b, "spec").line


def test_values_of_the_wrong_shape_are_problems_never_raise():
    """A wrong shape keeps the default, never raises, and is recorded as a problem at its line."""
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
            "spec:\n  replicas: many\n  template: [oops]\n  strategy:\n    rollingUpdate: {maxSurge: lots}\n")
    (manifest,), _ = load_text(text, "x.yaml")
    found = decode_manifest(manifest)
    d = found.obj
    assert d.spec.replicas == 1
    assert d.spec.template == workloads.DeploymentSpec().template
    assert str(d.spec.strategy.rolling_update.max_surge) == "25%"
    assert [(p.path, p.node.line) for p in found.problems] == [
        ("spec.replicas", 5), ("spec.template", 6), ("spec.strategy.rollingUpdate.maxSurge", 8)]


@pytest.mark.parametrize("api_version,kind,cls", [
    ("v1", "Pod", core.Pod), ("v1", "Service", core.Service), ("v1", "Node", core.Node),
    ("apps/v1", "StatefulSet", workloads.StatefulSet), ("apps/v1", "DaemonSet", workloads.DaemonSet),
    ("batch/v1", "Job", workloads.Job), ("batch/v1", "CronJob", workloads.CronJob),
    ("autoscaling/v2", "HorizontalPodAutoscaler", others.HorizontalPodAutoscaler),
    ("autoscaling/v1", "HorizontalPodAutoscaler", others.HorizontalPodAutoscaler),
    ("policy/v1", "PodDisruptionBudget", others.PodDisruptionBudget),
    ("kspec.dev/v1alpha1", "NodePool", others.NodePool),
    ("example.com/v1", "Widget", GenericObject),
])
def test_each_kind_decodes_into_its_class(api_version, kind, cls):
    """The registry picks the class by group and kind; unknown kinds are kept as GenericObject."""
    obj = decoded(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\n")
    assert type(obj) is cls and obj.metadata.name == "x" and obj.kind == kind


def test_statefulset_claim_templates_and_node_pool_fields():
    """Nested kinds decode too: claim templates of a StatefulSet, a NodePool's node template."""
    sts = decoded("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n"
                  "  serviceName: db\n  volumeClaimTemplates:\n  - metadata: {name: data}\n"
                  "    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {requests: {storage: 10Gi}}\n")
    claim = sts.spec.volume_claim_templates[0]
    assert claim.metadata.name == "data" and claim.spec.access_modes == ("ReadWriteOnce",)
    assert claim.spec.resources.requests["storage"] == Quantity.parse("10Gi")
    assert sts.spec.pod_management_policy == "OrderedReady"
    pool = decoded("apiVersion: kspec.dev/v1alpha1\nkind: NodePool\nmetadata: {name: w}\nspec:\n"
                   "  count: 2\n  zones: [a, b]\n  template:\n    status:\n      allocatable: {cpu: 4}\n")
    assert (pool.spec.count, pool.spec.zones) == (2, ("a", "b"))
    assert pool.spec.template.status.allocatable["cpu"] == Quantity.parse("4")
