"""Checks over the whole input set: what one object expects of the others.

References to objects that are not in the set are warnings, not errors: they may
already live in the cluster. Namespaces compare as written (an object without
``metadata.namespace`` is in "the namespace it is applied to", which all such
objects share).
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Iterable

import attrs

from kspec.api import core, others, workloads
from kspec.api.decode import nearest_node
from kspec.api.registry import group_of
from kspec.api.selectors import LabelSelector
from kspec.validation.findings import RULES, Finding, Rule, finding_at
from kspec.validation.semantic import pod_parts


def _rule(id: str, severity: str, summary: str, doc: str) -> Rule:
    return RULES.define(id, severity, summary, doc, category="cross-object")


DUPLICATE_OBJECT = _rule(
    "duplicate-object", "error", "two objects in one directory have the same kind, namespace and name",
    "Applying the directory (`kubectl apply -f DIR`) would make the second silently overwrite the "
    "first. Rename one, give it another namespace, or delete the copy. Objects in different "
    "directories are not compared: kustomize bases and overlays, or separate environments, "
    "legitimately repeat names.")
SERVICE_SELECTS_NOTHING = _rule(
    "service-selects-nothing", "warning", "a Service's selector matches no pod template in the set",
    "A Service routes to pods whose labels match its selector. If no Deployment, StatefulSet, "
    "DaemonSet, Job, ReplicaSet or Pod in the same namespace carries those labels, the Service has no "
    "endpoints (unless the pods come from elsewhere). Check the selector against the template labels. "
    "When the namespace holds a custom resource whose operator creates pods (Prometheus, Alertmanager, "
    "an Argo Rollout, ...: `OPERATOR_KINDS`), this and `target-missing` are info, since those pods are "
    "not in the manifests; annotate the Service `kspec.dev/ignore: service-selects-nothing` to say so.")
STATEFULSET_SERVICE = _rule(
    "statefulset-service", "warning", "a StatefulSet's serviceName has no headless Service",
    "A StatefulSet's pods get stable DNS names (pod-0.<serviceName>) only through a headless Service "
    "(clusterIP: None) named by spec.serviceName in the same namespace. Add one, or make the existing "
    "Service headless.")
TARGET_MISSING = _rule(
    "target-missing", "warning", "an autoscaler targets, or a disruption budget selects, nothing in the set",
    "A HorizontalPodAutoscaler's scaleTargetRef must name a workload, and a PodDisruptionBudget's "
    "selector should match some pod template; otherwise it has no effect. The target may already "
    "live in the cluster, so this is a warning.")
REFERENCE_NOT_FOUND = _rule(
    "reference-not-found", "warning",
    "a ConfigMap, Secret, PVC, ServiceAccount or PriorityClass referenced by a pod is not in the set",
    "Pods that reference a missing ConfigMap, Secret or PersistentVolumeClaim stay in "
    "ContainerCreating or Pending; a missing ServiceAccount or PriorityClass makes creation fail. "
    "The object may already exist in the cluster, so this is a warning; references marked "
    "optional: true are not reported.")
SELECTOR_OVERLAP = _rule(
    "selector-overlap", "warning", "two controllers in one directory select each other's pods",
    "When a controller's selector (Deployment, ReplicaSet, StatefulSet, DaemonSet, "
    "ReplicationController) matches the pod template of another, they fight over the pods: each "
    "adopts or deletes pods the other created. Give each controller a label no other selects. Like duplicate-object, this "
    "compares controllers of one directory, which are applied together.")

_BUILTIN_PRIORITY_CLASSES = {"system-cluster-critical", "system-node-critical"}
_CONTROLLERS = (workloads.Deployment, workloads.ReplicaSet, workloads.StatefulSet, workloads.DaemonSet,
                core.ReplicationController)
_TEMPLATE_OWNERS = (*_CONTROLLERS, workloads.Job, workloads.CronJob, core.Pod)


@attrs.frozen(kw_only=True)
class Checked:
    """One decoded object of the set with its identity."""

    obj: object
    object_id: str


def _ns(obj) -> str:
    return obj.metadata.namespace


def _applied_together(a, b) -> bool:
    """Objects of one directory are applied together (``kubectl apply -f DIR``)."""
    return os.path.dirname(a.node.file) == os.path.dirname(b.node.file)


def _kind_key(obj) -> tuple[str, str]:
    return group_of(obj.api_version), obj.kind


def _template_labels(obj) -> dict:
    template = obj.spec.template
    return dict(template.metadata.labels) if template is not None else {}


def _selector_of(obj) -> LabelSelector | None:
    if isinstance(obj, core.ReplicationController):
        selector = obj.spec.selector or (obj.spec.template.metadata.labels if obj.spec.template else None)
        return LabelSelector.from_python({"matchLabels": dict(selector)}) if selector else None
    return obj.spec.selector


def run_cross_object(checked: Iterable[Checked]) -> list[Finding]:
    """Every cross-object finding of a set of decoded objects."""
    items = list(checked)
    findings: list[Finding] = []
    findings += _duplicates(items)
    templates = [(c, meta) for c in items if isinstance(c.obj, _TEMPLATE_OWNERS)
                 for _, meta, _ in pod_parts(c.obj)]
    by_kind_name = {(_kind_key(c.obj), _ns(c.obj), c.obj.metadata.name) for c in items
                    if hasattr(c.obj, "metadata")}
    names_by_kind: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for c in items:
        if hasattr(c.obj, "metadata"):
            names_by_kind[c.obj.kind].add((_ns(c.obj), c.obj.metadata.name))
    operated = _operated_namespaces(items)
    for c in items:
        obj = c.obj
        if isinstance(obj, core.Service):
            findings += _operated(_service_selects(c, templates), operated.get(_ns(obj)))
        elif isinstance(obj, workloads.StatefulSet):
            findings += _statefulset_service(c, items)
        elif isinstance(obj, others.HorizontalPodAutoscaler):
            findings += _operated(_hpa_target(c, by_kind_name), _operator_target(obj))
        elif isinstance(obj, others.PodDisruptionBudget):
            findings += _operated(_pdb_selects(c, templates), operated.get(_ns(obj)))
        findings += _references(c, names_by_kind)
    findings += _overlaps([c for c in items if isinstance(c.obj, _CONTROLLERS)])
    return findings


# Custom resources whose operators create pods (StatefulSets, Deployments) that are not in
# the manifests: a Service, PDB or HPA aimed at those pods is not aimed at nothing.
OPERATOR_KINDS = {
    ("monitoring.coreos.com", "Prometheus"), ("monitoring.coreos.com", "Alertmanager"),
    ("monitoring.coreos.com", "ThanosRuler"), ("monitoring.coreos.com", "PrometheusAgent"),
    ("argoproj.io", "Rollout"), ("postgresql.cnpg.io", "Cluster"), ("kafka.strimzi.io", "Kafka"),
    ("elasticsearch.k8s.elastic.co", "Elasticsearch"), ("kibana.k8s.elastic.co", "Kibana"),
    ("rabbitmq.com", "RabbitmqCluster"), ("mongodbcommunity.mongodb.com", "MongoDBCommunity"),
    ("acid.zalan.do", "postgresql"), ("redis.redis.opstreelabs.in", "Redis"),
    ("opentelemetry.io", "OpenTelemetryCollector"), ("jaegertracing.io", "Jaeger"),
}


def _operated_namespaces(items: list[Checked]) -> dict[str, str]:
    """namespace -> ``Kind/name`` of an operator-managed custom resource in it."""
    found: dict[str, str] = {}
    for c in items:
        obj = c.obj
        if (group_of(getattr(obj, "api_version", "")), getattr(obj, "kind", "")) in OPERATOR_KINDS:
            found.setdefault(_ns(obj), f"{obj.kind}/{obj.metadata.name}")
    return found


def _operator_target(hpa) -> str | None:
    ref = hpa.spec.scale_target_ref
    return f"{ref.kind}/{ref.name}" if (group_of(ref.api_version), ref.kind) in OPERATOR_KINDS else None


def _operated(findings: list[Finding], owner: str | None) -> list[Finding]:
    """Findings about pods that an operator may create: at most an info, saying so."""
    if owner is None:
        return findings
    return [attrs.evolve(f, severity="info", message=f"{f.message}; the operator of {owner} may create them "
                         f"(annotate kspec.dev/ignore: {f.rule} when it does)") for f in findings]


def _duplicates(items: list[Checked]) -> list[Finding]:
    seen: dict[tuple, Checked] = {}
    findings = []
    for c in items:
        meta = getattr(c.obj, "metadata", None)
        if meta is None or not meta.name:
            continue
        key = (_kind_key(c.obj), meta.namespace, meta.name, os.path.dirname(c.obj.node.file))
        if key in seen:
            first = seen[key].obj.node
            findings.append(finding_at(DUPLICATE_OBJECT, nearest_node(c.obj, "metadata", "name"),
                                       f"{c.obj.kind} {meta.name!r} is defined twice (first at "
                                       f"{first.file}:{first.line})", object=c.object_id, path="metadata.name"))
        else:
            seen[key] = c
    return findings


def _service_selects(c: Checked, templates) -> list[Finding]:
    service: core.Service = c.obj
    selector = service.spec.selector
    if not selector or service.spec.type == "ExternalName":
        return []
    for owner, meta in templates:
        if _ns(owner.obj) == _ns(service) and all(meta.labels.get(k) == v for k, v in selector.items()):
            return []
    return [finding_at(SERVICE_SELECTS_NOTHING, nearest_node(service, "spec", "selector"),
                       f"no pod template in namespace {_ns(service) or '(unset)'!r} has labels {dict(selector)!r}",
                       object=c.object_id, path="spec.selector")]


def _statefulset_service(c: Checked, items: list[Checked]) -> list[Finding]:
    sts: workloads.StatefulSet = c.obj
    name = sts.spec.service_name
    if not name:
        return []
    services = [i.obj for i in items if isinstance(i.obj, core.Service)
                and i.obj.metadata.name == name and _ns(i.obj) == _ns(sts)]
    node = nearest_node(sts, "spec", "serviceName")
    if not services:
        return [finding_at(STATEFULSET_SERVICE, node, f"no Service named {name!r} in the set; pods get "
                           f"stable DNS names only through a headless Service", object=c.object_id,
                           path="spec.serviceName")]
    if not any(s.spec.headless for s in services):
        return [finding_at(STATEFULSET_SERVICE, node, f"Service {name!r} is not headless (clusterIP: None)",
                           object=c.object_id, path="spec.serviceName")]
    return []


def _hpa_target(c: Checked, by_kind_name: set) -> list[Finding]:
    ref = c.obj.spec.scale_target_ref
    key = ((group_of(ref.api_version), ref.kind), _ns(c.obj), ref.name)
    if not ref.kind or key in by_kind_name:
        return []
    return [finding_at(TARGET_MISSING, nearest_node(c.obj, "spec", "scaleTargetRef"),
                       f"scaleTargetRef {ref.kind} {ref.name!r} is not in the set", object=c.object_id,
                       path="spec.scaleTargetRef")]


def _pdb_selects(c: Checked, templates) -> list[Finding]:
    selector = c.obj.spec.selector
    if selector is None or selector.validate():
        return []
    if any(_ns(owner.obj) == _ns(c.obj) and selector.matches(meta.labels) for owner, meta in templates):
        return []
    return [finding_at(TARGET_MISSING, nearest_node(c.obj, "spec", "selector"),
                       "the selector matches no pod template in the set", object=c.object_id, path="spec.selector")]


def _references(c: Checked, names_by_kind) -> list[Finding]:
    findings = []
    ns = _ns(c.obj) if hasattr(c.obj, "metadata") else ""

    def missing(kind: str, name: str, node, path: str, namespace: str = ns) -> None:
        known = names_by_kind[kind]
        if name and (namespace, name) not in known and ("", name) not in known:
            findings.append(finding_at(REFERENCE_NOT_FOUND, node,
                                       f"{kind} {name!r} is not in the set", object=c.object_id, path=path))

    claim_templates = {t.metadata.name for t in c.obj.spec.volume_claim_templates} \
        if isinstance(c.obj, workloads.StatefulSet) else set()
    for prefix, _, spec in pod_parts(c.obj):
        for index, volume in enumerate(spec.volumes):
            path = f"{prefix}.volumes[{index}]"
            if volume.config_map and not volume.config_map.optional:
                missing("ConfigMap", volume.config_map.name, nearest_node(volume.config_map, "name"), f"{path}.configMap.name")
            if volume.secret and not volume.secret.optional:
                missing("Secret", volume.secret.secret_name, nearest_node(volume.secret, "secretName"),
                        f"{path}.secret.secretName")
            claim = volume.persistent_volume_claim
            # The StatefulSet controller replaces volumes *named* like a claim template
            # (upstream updateStorage); any other claim must exist.
            if claim and volume.name not in claim_templates:
                missing("PersistentVolumeClaim", claim.claim_name, nearest_node(claim, "claimName"),
                        f"{path}.persistentVolumeClaim.claimName")
        for field, containers in (("initContainers", spec.init_containers), ("containers", spec.containers)):
            for ci, container in enumerate(containers):
                base = f"{prefix}.{field}[{ci}]"
                for ei, env in enumerate(container.env):
                    source = env.value_from
                    for kind, ref, key in (("ConfigMap", source and source.config_map_key_ref, "configMapKeyRef"),
                                           ("Secret", source and source.secret_key_ref, "secretKeyRef")):
                        if ref and not ref.optional:
                            missing(kind, ref.name, nearest_node(ref, "name"), f"{base}.env[{ei}].valueFrom.{key}.name")
                for ei, env_from in enumerate(container.env_from):
                    for kind, ref, key in (("ConfigMap", env_from.config_map_ref, "configMapRef"),
                                           ("Secret", env_from.secret_ref, "secretRef")):
                        if ref and not ref.optional:
                            missing(kind, ref.name, nearest_node(ref, "name"), f"{base}.envFrom[{ei}].{key}.name")
        account_field = "serviceAccountName" if spec.service_account_name else "serviceAccount"
        account = spec.service_account_name or spec.service_account  # serviceAccount is deprecated
        if account and account != "default":
            missing("ServiceAccount", account, nearest_node(spec, account_field), f"{prefix}.{account_field}")
        priority = spec.priority_class_name
        if priority not in _BUILTIN_PRIORITY_CLASSES:
            missing("PriorityClass", priority, nearest_node(spec, "priorityClassName"),
                    f"{prefix}.priorityClassName", namespace="")  # PriorityClasses are cluster-scoped
    return findings


def _overlaps(controllers: list[Checked]) -> list[Finding]:
    """One finding per controller whose selector matches an earlier controller's pods (or
    whose pods an earlier one selects); copies of one object are duplicate-object's business."""
    findings = []
    for i, b in enumerate(controllers):
        selector_b = _selector_of(b.obj)
        if selector_b is None or selector_b.validate():
            continue
        for a in controllers[:i]:
            selector_a = _selector_of(a.obj)
            if (selector_a is None or selector_a.validate() or _ns(a.obj) != _ns(b.obj)
                    or not _applied_together(a.obj, b.obj) or _same_object(a.obj, b.obj)):
                continue
            # They fight when one selects the pods the other creates.
            if selector_b.matches(_template_labels(a.obj)) or selector_a.matches(_template_labels(b.obj)):
                findings.append(finding_at(
                    SELECTOR_OVERLAP, nearest_node(b.obj, "spec", "selector"),
                    f"{b.obj.kind} {b.obj.metadata.name!r} and {a.obj.kind} {a.obj.metadata.name!r} "
                    f"(at {a.obj.node.file}:{a.obj.node.line}) select each other's pods",
                    object=b.object_id, path="spec.selector"))
                break
    return findings


def _same_object(a, b) -> bool:
    return _kind_key(a) == _kind_key(b) and a.metadata.name == b.metadata.name
