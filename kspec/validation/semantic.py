"""Semantic checks the API server makes (upstream ``pkg/apis/*/validation``), per object.

Each check is a small function registered for the kinds it applies to; it reads the
typed object and reports through ``Checker.report`` at the node of the offending field
(or of the nearest enclosing one when the field is absent).
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

import attrs

from kspec.api import core, others, workloads
from kspec.api.cron import CronError, parse_schedule
from kspec.api.decode import field_node, nearest_node
from kspec.api.intstr import IntOrPercent
from kspec.api.registry import GenericObject
from kspec.reading.nodes import Mapping, Node, Scalar, Sequence
from kspec.validation import names
from kspec.validation.findings import RULES, Finding, Rule, finding_at

_ANNOTATIONS_LIMIT = 256 * 1024  # upstream TotalAnnotationSizeLimitB


def _rule(id: str, severity: str, summary: str, doc: str) -> Rule:
    return RULES.define(id, severity, summary, doc, category="semantic")


NAME_INVALID = _rule(
    "name-invalid", "error", "metadata.name is not a valid name for this kind",
    "The API server rejects an object whose name does not have the syntax its kind requires: "
    "a DNS-1123 subdomain for most kinds (lower case letters, digits, '-' and '.', at most 253 "
    "characters), a DNS-1123 label for Namespaces (no dots, at most 63), a DNS-1035 label for "
    "Services (must start with a letter), and at most 52 characters for CronJobs (their Jobs add a "
    "suffix). Rename the object. The names of containers, init containers and volumes in a pod "
    "spec are DNS-1123 labels too (no '_', no upper case).")
NAME_MISSING = _rule(
    "name-missing", "error", "the object has neither metadata.name nor metadata.generateName",
    "Every built-in object needs a name (or a generateName prefix for `kubectl create`); `kubectl "
    "apply` cannot apply an object without metadata.name. Add metadata.name. (Custom resources are "
    "not checked: nameless ones are usually inputs to tools such as istioctl or kustomize.)")
LABEL_INVALID = _rule(
    "label-invalid", "error", "a label key or value has invalid syntax",
    "Label keys are qualified names (`[prefix/]name`, name at most 63 characters of letters, digits, "
    "'-', '_', '.', starting and ending alphanumeric; the prefix a DNS subdomain) and values are at "
    "most 63 such characters or empty. The API server rejects anything else, in metadata.labels, in "
    "pod templates and in matchLabels selectors alike.")
ANNOTATION_INVALID = _rule(
    "annotation-invalid", "error", "an annotation key is invalid or annotations exceed 256 KiB",
    "Annotation keys follow the same qualified-name syntax as label keys, and all annotations of an "
    "object together may not exceed 256 KiB. Large data belongs in a ConfigMap.")
SELECTOR_MISMATCH = _rule(
    "selector-mismatch", "error", "the selector does not match the pod template's labels",
    "A Deployment, ReplicaSet, StatefulSet, DaemonSet or ReplicationController must select the pods "
    "it creates: the API server rejects `selector does not match template labels`. Make every "
    "matchLabels pair (and matchExpression) true for spec.template.metadata.labels.")
SELECTOR_INVALID = _rule(
    "selector-invalid", "error", "a label selector is empty or malformed",
    "In apps/v1 a workload's selector may not be empty, and every matchExpression needs a valid "
    "operator (In, NotIn, Exists, DoesNotExist) with values for In/NotIn and none for Exists/"
    "DoesNotExist. An empty selector would adopt every pod in the namespace.")
DUPLICATE_NAME = _rule(
    "duplicate-name", "error", "two containers, volumes, ports or mounts share a name",
    "Container names must be unique across containers and initContainers, volume names within a pod, "
    "port names within a container, mount paths within a container, and host ports (with protocol "
    "and host IP) within a pod; the API server rejects duplicates (`Duplicate value`). Rename or "
    "renumber one of the two.")
VOLUME_MOUNT_UNDECLARED = _rule(
    "volume-mount-undeclared", "error", "a volumeMount names a volume the pod does not declare",
    "Each volumeMounts[].name must be the name of an entry of the pod's volumes (spec.volumes); "
    "otherwise the API server rejects the pod (`Not found`). Declare the volume or fix the name.")
PORT_INVALID = _rule(
    "port-invalid", "error", "a port number is out of range or a port name is invalid",
    "Container and Service ports must be 1-65535, host ports 0-65535, and container port names IANA "
    "service names (at most 15 lower-case letters, digits and single hyphens, with at least one "
    "letter). A Service targetPort given as a name must follow the same rule; a Service's own port "
    "names are DNS-1123 labels and are required when it has several ports.")
NODEPORT_RANGE = _rule(
    "nodeport-range", "warning", "a nodePort is outside the default range 30000-32767",
    "Clusters allocate NodePorts from --service-node-port-range, 30000-32767 by default; a nodePort "
    "outside it is rejected unless the cluster was configured otherwise. Pick a port in the range or "
    "leave nodePort out to get one allocated.")
REQUESTS_EXCEED_LIMITS = _rule(
    "requests-exceed-limits", "error", "a resource request is greater than its limit",
    "The API server requires requests <= limits for every resource of a container "
    "(`must be less than or equal to ... limit`). Raise the limit or lower the request; remember that "
    "a limit without a request also sets the request.")
RESTART_POLICY = _rule(
    "restart-policy", "error", "the pod template's restartPolicy is not allowed for this kind",
    "Deployments, ReplicaSets, StatefulSets, DaemonSets and ReplicationControllers only accept "
    "restartPolicy Always; Jobs and CronJobs only OnFailure or Never. The API server rejects other "
    "combinations: a Job's pods must be able to finish.")
IMAGE_MISSING = _rule(
    "image-missing", "error", "a container has no image",
    "Every container needs an image; the API server rejects pods and pod templates whose container "
    "has no `image` (`Required value`). A kustomize patch may omit it on purpose; validate the built "
    "output (`kustomize build | kspec validate -`) rather than the patch.")
ROLLOUT_PARAMETERS = _rule(
    "rollout-parameters", "error", "the rolling update parameters cannot make progress",
    "maxSurge and maxUnavailable may not both be 0 (the rollout could neither add nor remove a pod), "
    "percentages may not exceed 100%, values may not be negative, and a Recreate strategy may not "
    "carry rollingUpdate settings. For a StatefulSet, rollingUpdate settings require the "
    "RollingUpdate strategy. progressDeadlineSeconds must exceed minReadySeconds.")
REPLICAS_NEGATIVE = _rule(
    "count-negative", "error", "a replica, completion, parallelism or history count is negative",
    "Counts such as replicas, completions, parallelism, backoffLimit, partition and history limits "
    "must be >= 0. The API server rejects a negative value; use 0 to mean none.")
CRON_SCHEDULE = _rule(
    "cron-schedule", "error", "the CronJob schedule cannot be parsed",
    "spec.schedule must be a cron expression of five fields (minute hour day-of-month month "
    "day-of-week) or a descriptor such as @hourly; the time zone goes in spec.timeZone, not in a "
    "TZ= prefix. The API server rejects a schedule the CronJob controller could not parse, so no Job "
    "would ever run.")
JOB_FIELDS = _rule(
    "job-fields", "error", "Job fields are inconsistent",
    "An Indexed Job needs spec.completions: the API server rejects it otherwise (each index "
    "0..completions-1 is one unit of work). Set completions, or use completionMode NonIndexed.")
HPA_REPLICAS = _rule(
    "hpa-replicas", "error", "HorizontalPodAutoscaler min/max replicas are inconsistent",
    "minReplicas must be at least 1 and maxReplicas at least minReplicas (`must be greater than or "
    "equal to minReplicas`); a resource utilization target must be positive. The API server rejects "
    "the autoscaler otherwise.")
PDB_BUDGET = _rule(
    "pdb-budget", "error", "a PodDisruptionBudget sets both budgets, or a bad value",
    "Set exactly one of minAvailable and maxUnavailable (`minAvailable and maxUnavailable cannot be "
    "both set`); percentages may not exceed 100% and numbers may not be negative. The API server "
    "rejects the budget otherwise.")
PROBE_SUCCESS_THRESHOLD = _rule(
    "probe-success-threshold", "error", "a liveness or startup probe has successThreshold other than 1",
    "Liveness and startup probes must have successThreshold 1 (`must be 1`); only readiness probes "
    "may require several consecutive successes. Remove the field or set it to 1.")
CLAIM_INVALID = _rule(
    "claim-invalid", "error", "a PersistentVolumeClaim has no access mode or no storage request",
    "A PersistentVolumeClaim needs at least one access mode (`at least 1 access mode is required`), "
    "ReadWriteOncePod only on its own, and a positive spec.resources.requests.storage (`Required "
    "value`, `must be greater than zero`); a storageClassName other than \"\" is a DNS-1123 "
    "subdomain. The API server rejects the claim otherwise.")
UNSUPPORTED_VALUE = _rule(
    "unsupported-value", "error", "a field has a value the API server does not support",
    "Many fields take one of a fixed set of values (imagePullPolicy, restartPolicy, protocol, Service "
    "type, strategy types, taint effects, access modes, ...). The published schemas do not list them, "
    "but the API server's validation rejects anything else (`Unsupported value`). The message lists "
    "the supported values; mind the capitalisation.")
YAML_AMBIGUOUS = _rule(
    "yaml-ambiguous-scalar", "warning", "a plain value reads differently in Kubernetes than it looks",
    "Kubernetes reads YAML with YAML 1.1 rules: unquoted yes/no/on/off/y/n are booleans, and an "
    "unquoted key `on:` or a numeric key `1.10:` becomes the text \"true\" or \"1.1\". When you meant "
    "the text, quote it (\"yes\", \"1.10\"). Numbers such as `version: 1.10` in fields that must "
    "be strings are reported by schema-type, with the same advice.")


@attrs.define
class Checker:
    """Collects the findings of one object; ``report`` positions them at a field's node."""

    obj: object
    object_id: str
    root: Mapping
    findings: list[Finding] = attrs.field(factory=list)

    def report(self, rule: Rule, node: Node | None, path: str, message: str) -> None:
        self.findings.append(finding_at(rule, node if node is not None else self.root, message,
                                        object=self.object_id, path=path))


Check = Callable[[Checker, object], None]
_CHECKS: list[tuple[tuple[type, ...] | None, Check]] = []


def check(*kinds: type) -> Callable[[Check], Check]:
    """Register a check for some kinds (no kinds: every object)."""
    def register(fn: Check) -> Check:
        _CHECKS.append((kinds or None, fn))
        return fn
    return register


def run_semantic(obj: object, object_id: str, root: Mapping) -> list[Finding]:
    """Every semantic finding of one decoded object."""
    checker = Checker(obj=obj, object_id=object_id, root=root)
    for kinds, fn in _CHECKS:
        if kinds is None or isinstance(obj, kinds):
            fn(checker, obj)
    return checker.findings


# ---- helpers ----------------------------------------------------------------------------------

_TEMPLATED = (workloads.Deployment, workloads.ReplicaSet, workloads.StatefulSet, workloads.DaemonSet,
              workloads.Job, core.ReplicationController)


def pod_parts(obj: object) -> Iterator[tuple[str, object, core.PodSpec]]:
    """(path prefix, template metadata, pod spec) of every pod spec an object carries."""
    if isinstance(obj, core.Pod):
        yield "spec", obj.metadata, obj.spec
    elif isinstance(obj, _TEMPLATED) and obj.spec.template is not None:
        yield "spec.template.spec", obj.spec.template.metadata, obj.spec.template.spec
    elif isinstance(obj, workloads.CronJob):
        template = obj.spec.job_template.spec.template
        yield "spec.jobTemplate.spec.template.spec", template.metadata, template.spec


def _all_containers(spec: core.PodSpec) -> Iterator[tuple[str, int, core.Container]]:
    for field, containers in (("initContainers", spec.init_containers), ("containers", spec.containers)):
        for index, container in enumerate(containers):
            yield field, index, container


# ---- metadata ---------------------------------------------------------------------------------

# upstream ValidateNamespaceName, ValidateServiceName, ValidateStatefulSetName
_NAME_RULES = {core.Namespace: names.dns1123_label, core.Service: names.dns1035_label,
               workloads.StatefulSet: names.dns1123_label}


@check()
def check_name(c: Checker, obj) -> None:
    meta = getattr(obj, "metadata", None)
    if meta is None or isinstance(obj, GenericObject):
        # A custom resource's name rules are its own, and a nameless one is usually a tool's
        # input (istioctl, kustomize functions) rather than something applied.
        return
    if not meta.name and not meta.generate_name:
        c.report(NAME_MISSING, nearest_node(obj, "metadata"), "metadata", "metadata.name is required")
        return
    if not meta.name:
        return
    validate = _NAME_RULES.get(type(obj), names.dns1123_subdomain)
    problems = validate(meta.name)
    # A CronJob's Jobs add an 11-character suffix; a Job's name becomes its pods' job-name label.
    limit = {workloads.CronJob: 52, workloads.Job: 63}.get(type(obj))
    if limit and len(meta.name) > limit:
        problems.append(f"must be no more than {limit} characters")
    for problem in problems:
        c.report(NAME_INVALID, nearest_node(obj, "metadata", "name"), "metadata.name",
                 f"{type(obj).__name__} name {meta.name!r} {problem}")


def check_labels(c: Checker, node: Node | None, path: str, what: str = "label") -> None:
    """Keys as qualified names and values as label values (labels, nodeSelector)."""
    if not isinstance(node, Mapping):
        return
    for key, value in node.items:
        if not isinstance(key, Scalar):
            continue
        for problem in names.qualified_name(str(key.value)):
            c.report(LABEL_INVALID, key, f"{path}.{key.text}", f"{what} key {key.text!r}: {problem}")
        if isinstance(value, Scalar) and isinstance(value.value, str):
            for problem in names.label_value(value.value):
                c.report(LABEL_INVALID, value, f"{path}.{key.text}", f"{what} value {value.value!r}: {problem}")


@check()
def check_labels_and_annotations(c: Checker, obj) -> None:
    check_labels(c, field_node(obj, "metadata", "labels"), "metadata.labels")
    for prefix, meta, _ in pod_parts(obj):
        if prefix != "spec":
            template = prefix.removesuffix(".spec")
            check_labels(c, meta.node.get("labels") if meta.node else None, f"{template}.metadata.labels")
    annotations = field_node(obj, "metadata", "annotations")
    if isinstance(annotations, Mapping):
        total = 0
        for key, value in annotations.items:
            if isinstance(key, Scalar):
                # upstream ValidateAnnotations checks strings.ToLower(key)
                for problem in names.qualified_name(str(key.value).lower()):
                    c.report(ANNOTATION_INVALID, key, f"metadata.annotations.{key.text}",
                             f"annotation key {key.text!r}: {problem}")
                total += len(key.text.encode()) + (len(value.text.encode()) if isinstance(value, Scalar) else 0)
        if total > _ANNOTATIONS_LIMIT:
            c.report(ANNOTATION_INVALID, annotations, "metadata.annotations",
                     f"annotations total {total} bytes, more than the 262144 allowed")


# ---- selectors --------------------------------------------------------------------------------

_SELECTED = (workloads.Deployment, workloads.ReplicaSet, workloads.StatefulSet, workloads.DaemonSet)


@check(*_SELECTED)
def check_selector_matches_template(c: Checker, obj) -> None:
    selector = obj.spec.selector
    node = field_node(obj, "spec", "selector")
    if selector is None:
        return  # missing selector: schema-required reports it
    problems = selector.validate()
    for problem in problems:
        c.report(SELECTOR_INVALID, node, "spec.selector", problem)
    if problems:
        return
    if selector.is_empty():
        c.report(SELECTOR_INVALID, node, "spec.selector",
                 "empty selector is invalid for a workload in apps/v1: it would select every pod")
        return
    labels = obj.spec.template.metadata.labels
    if not selector.matches(labels):
        c.report(SELECTOR_MISMATCH, node, "spec.selector",
                 f"selector does not match template labels {dict(labels)!r}")


@check(core.ReplicationController)
def check_rc_selector(c: Checker, obj: core.ReplicationController) -> None:
    selector = obj.spec.selector
    template = obj.spec.template
    if not selector or template is None:
        return  # an empty selector defaults to the template's labels
    labels = template.metadata.labels
    if any(labels.get(k) != v for k, v in selector.items()):
        c.report(SELECTOR_MISMATCH, nearest_node(obj, "spec", "selector"), "spec.selector",
                 f"selector does not match template labels {dict(labels)!r}")


# ---- pod specs --------------------------------------------------------------------------------

_ALWAYS_ONLY = (workloads.Deployment, workloads.ReplicaSet, workloads.StatefulSet, workloads.DaemonSet,
                core.ReplicationController)


@check()
def check_pod_specs(c: Checker, obj) -> None:
    for prefix, _, spec in pod_parts(obj):
        _check_pod_spec(c, obj, prefix, spec)


def _check_pod_spec(c: Checker, obj, prefix: str, spec: core.PodSpec) -> None:
    volume_names = {v.name for v in spec.volumes}
    if isinstance(obj, workloads.StatefulSet):  # each claim template is a volume of every pod
        volume_names |= {t.metadata.name for t in obj.spec.volume_claim_templates}
    seen_containers: dict[str, str] = {}
    for field, index, container in _all_containers(spec):
        path = f"{prefix}.{field}[{index}]"
        if container.name in seen_containers:
            c.report(DUPLICATE_NAME, nearest_node(container, "name"), f"{path}.name",
                     f"container name {container.name!r} is already used by {seen_containers[container.name]}")
        else:
            seen_containers[container.name] = path
        if not container.image:
            c.report(IMAGE_MISSING, nearest_node(container, "image") or container.node, f"{path}.image",
                     f"container {container.name!r} has no image")
        _check_container(c, path, container, volume_names)
    # upstream checkHostPortConflicts: across the regular containers, and within each init
    # container on its own (init containers run one at a time, before the others)
    host_ports: dict[tuple, str] = {}
    for field, index, container in _all_containers(spec):
        if field == "initContainers":
            host_ports = {}
        elif index == 0:
            host_ports = {}
        for port_index, port in enumerate(container.ports):
            if not port.host_port:
                continue
            key = (port.host_port, port.protocol, port.host_ip)
            where = f"{prefix}.{field}[{index}].ports[{port_index}].hostPort"
            if key in host_ports:
                c.report(DUPLICATE_NAME, nearest_node(port, "hostPort"), where,
                         f"hostPort {port.host_port}/{port.protocol} is already used by {host_ports[key]}")
            else:
                host_ports[key] = where
    seen_volumes: set[str] = set()
    for index, volume in enumerate(spec.volumes):
        if volume.name in seen_volumes:
            c.report(DUPLICATE_NAME, nearest_node(volume, "name"), f"{prefix}.volumes[{index}].name",
                     f"volume name {volume.name!r} is declared twice")
        seen_volumes.add(volume.name)
    policy_node = (spec.node.get("restartPolicy") if spec.node else None)
    if isinstance(obj, _ALWAYS_ONLY) and spec.restart_policy != "Always":
        c.report(RESTART_POLICY, policy_node, f"{prefix}.restartPolicy",
                 f"restartPolicy {spec.restart_policy!r} is not allowed for a {type(obj).__name__}; only Always")
    if isinstance(obj, (workloads.Job, workloads.CronJob)) and spec.restart_policy not in ("OnFailure", "Never"):
        c.report(RESTART_POLICY, policy_node or spec.node, f"{prefix}.restartPolicy",
                 f"a {type(obj).__name__}'s pods need restartPolicy OnFailure or Never, not {spec.restart_policy!r}")


def _check_container(c: Checker, path: str, container: core.Container, volumes: set[str]) -> None:
    port_names: set[str] = set()
    for index, port in enumerate(container.ports):
        port_path = f"{path}.ports[{index}]"
        if not 1 <= port.container_port <= 65535:
            c.report(PORT_INVALID, nearest_node(port, "containerPort") or port.node, f"{port_path}.containerPort",
                     f"containerPort {port.container_port} must be between 1 and 65535")
        if not 0 <= port.host_port <= 65535:
            c.report(PORT_INVALID, nearest_node(port, "hostPort"), f"{port_path}.hostPort",
                     f"hostPort {port.host_port} must be between 0 and 65535")
        if port.name:
            for problem in names.port_name(port.name):
                c.report(PORT_INVALID, nearest_node(port, "name"), f"{port_path}.name",
                         f"port name {port.name!r} {problem}")
            if port.name in port_names:
                c.report(DUPLICATE_NAME, nearest_node(port, "name"), f"{port_path}.name",
                         f"port name {port.name!r} is used twice in container {container.name!r}")
            port_names.add(port.name)
    mount_paths: set[str] = set()
    for index, mount in enumerate(container.volume_mounts):
        mount_path = f"{path}.volumeMounts[{index}]"
        if mount.name not in volumes:
            c.report(VOLUME_MOUNT_UNDECLARED, nearest_node(mount, "name"), f"{mount_path}.name",
                     f"volumeMount {mount.name!r} does not name a volume of this pod")
        if mount.mount_path in mount_paths:
            c.report(DUPLICATE_NAME, nearest_node(mount, "mountPath"), f"{mount_path}.mountPath",
                     f"mountPath {mount.mount_path!r} is used twice in container {container.name!r}")
        mount_paths.add(mount.mount_path)
    requests, limits = container.resources.requests, container.resources.limits
    for resource, request in requests.items():
        limit = limits.get(resource)
        # resources that cannot be overcommitted (extended ones, hugepages) must have request ==
        # limit: resource-invalid reports those (upstream IsOvercommitAllowed)
        overcommit = ("/" not in resource or "kubernetes.io/" in resource) and not resource.startswith("hugepages-")
        if limit is not None and request > limit and overcommit:
            c.report(REQUESTS_EXCEED_LIMITS, nearest_node(container, "resources", "requests", resource),
                     f"{path}.resources.requests.{resource}",
                     f"{resource} request {request} is greater than its limit {limit}")
    for probe_field in ("livenessProbe", "startupProbe"):
        probe = container.liveness_probe if probe_field == "livenessProbe" else container.startup_probe
        if probe is not None and probe.success_threshold not in (0, 1):  # 0 defaults to 1
            c.report(PROBE_SUCCESS_THRESHOLD, nearest_node(probe, "successThreshold"),
                     f"{path}.{probe_field}.successThreshold",
                     f"{probe_field}.successThreshold must be 1, not {probe.success_threshold}")


# ---- workload fields --------------------------------------------------------------------------

def _negative(c: Checker, obj, *pairs: tuple[tuple[str, ...], int | None]) -> None:
    for path, value in pairs:
        if value is not None and value < 0:
            c.report(REPLICAS_NEGATIVE, nearest_node(obj, *path), ".".join(path), f"{path[-1]} must be >= 0, not {value}")


def _check_int_or_percent(c: Checker, obj, path: tuple[str, ...], value: IntOrPercent, rule: Rule,
                          *, at_most_100: bool = True) -> None:
    """Non-negative, and at most 100% when a percentage (upstream ValidatePositiveIntOrPercent,
    IsNotMoreThan100Percent)."""
    node, name, where = nearest_node(obj, *path), path[-1], ".".join(path)
    if at_most_100 and value.is_percent and value.value > 100:
        c.report(rule, node, where, f"{name} {value} must not be greater than 100%")
    if value.value < 0:
        c.report(rule, node, where, f"{name} {value} must not be negative")


def _set(node: Node | None) -> bool:
    """A field written with a value (``rollingUpdate:`` alone is null, i.e. not set)."""
    return node is not None and not (isinstance(node, Scalar) and node.value is None)


@check(workloads.Deployment)
def check_deployment(c: Checker, obj: workloads.Deployment) -> None:
    spec = obj.spec
    _negative(c, obj, (("spec", "replicas"), spec.replicas),
              (("spec", "revisionHistoryLimit"), spec.revision_history_limit),
              (("spec", "minReadySeconds"), spec.min_ready_seconds))
    strategy = spec.strategy
    rolling = field_node(obj, "spec", "strategy", "rollingUpdate")
    if strategy.type == "Recreate" and _set(rolling):
        c.report(ROLLOUT_PARAMETERS, rolling, "spec.strategy.rollingUpdate",
                 "rollingUpdate may not be specified when strategy type is 'Recreate'")
    if strategy.type == "RollingUpdate":
        surge, unavailable = strategy.rolling_update.max_surge, strategy.rolling_update.max_unavailable
        base = ("spec", "strategy", "rollingUpdate")
        # upstream ValidateRollingUpdateDeployment: only maxUnavailable is capped at 100%
        _check_int_or_percent(c, obj, (*base, "maxSurge"), surge, ROLLOUT_PARAMETERS, at_most_100=False)
        _check_int_or_percent(c, obj, (*base, "maxUnavailable"), unavailable, ROLLOUT_PARAMETERS)
        if surge.value == 0 and unavailable.value == 0:
            c.report(ROLLOUT_PARAMETERS, nearest_node(obj, *base), ".".join(base),
                     "maxUnavailable may not be 0 when maxSurge is 0: the rollout could never progress")
    if spec.progress_deadline_seconds <= spec.min_ready_seconds:
        c.report(ROLLOUT_PARAMETERS, nearest_node(obj, "spec", "progressDeadlineSeconds"),
                 "spec.progressDeadlineSeconds",
                 f"progressDeadlineSeconds ({spec.progress_deadline_seconds}) must be greater than "
                 f"minReadySeconds ({spec.min_ready_seconds})")


@check(workloads.ReplicaSet, core.ReplicationController)
def check_replica_counts(c: Checker, obj) -> None:
    _negative(c, obj, (("spec", "replicas"), obj.spec.replicas),
              (("spec", "minReadySeconds"), obj.spec.min_ready_seconds))


@check(workloads.StatefulSet)
def check_statefulset(c: Checker, obj: workloads.StatefulSet) -> None:
    spec = obj.spec
    strategy = spec.update_strategy
    _negative(c, obj, (("spec", "replicas"), spec.replicas),
              (("spec", "minReadySeconds"), spec.min_ready_seconds),
              (("spec", "revisionHistoryLimit"), spec.revision_history_limit),
              (("spec", "updateStrategy", "rollingUpdate", "partition"), strategy.rolling_update.partition))
    rolling = field_node(obj, "spec", "updateStrategy", "rollingUpdate")
    if strategy.type == "OnDelete" and _set(rolling):
        c.report(ROLLOUT_PARAMETERS, rolling, "spec.updateStrategy.rollingUpdate",
                 "rollingUpdate is only allowed for updateStrategy type 'RollingUpdate'")
    # upstream validateRollingUpdateStatefulSet: maxUnavailable positive, at most 100%
    path = ("spec", "updateStrategy", "rollingUpdate", "maxUnavailable")
    max_unavailable = strategy.rolling_update.max_unavailable
    _check_int_or_percent(c, obj, path, max_unavailable, ROLLOUT_PARAMETERS)
    if max_unavailable.value == 0:
        c.report(ROLLOUT_PARAMETERS, nearest_node(obj, *path), ".".join(path),
                 f"maxUnavailable {max_unavailable} must be greater than 0")


@check(workloads.DaemonSet)
def check_daemonset(c: Checker, obj: workloads.DaemonSet) -> None:
    spec = obj.spec
    _negative(c, obj, (("spec", "minReadySeconds"), spec.min_ready_seconds),
              (("spec", "revisionHistoryLimit"), spec.revision_history_limit))
    strategy = spec.update_strategy
    if strategy.type == "RollingUpdate":
        # upstream ValidateRollingUpdateDaemonSet: each at most 100%, exactly one non-zero
        base = ("spec", "updateStrategy", "rollingUpdate")
        surge, unavailable = strategy.rolling_update.max_surge, strategy.rolling_update.max_unavailable
        _check_int_or_percent(c, obj, (*base, "maxUnavailable"), unavailable, ROLLOUT_PARAMETERS)
        _check_int_or_percent(c, obj, (*base, "maxSurge"), surge, ROLLOUT_PARAMETERS)
        if surge.value == 0 and unavailable.value == 0:
            c.report(ROLLOUT_PARAMETERS, nearest_node(obj, *base), ".".join(base),
                     "maxUnavailable may not be 0 when maxSurge is 0")
        elif surge.value != 0 and unavailable.value != 0:
            c.report(ROLLOUT_PARAMETERS, nearest_node(obj, *base, "maxSurge"), ".".join((*base, "maxSurge")),
                     "maxSurge may not be set when maxUnavailable is non-zero")


def _check_job_spec(c: Checker, obj, spec: workloads.JobSpec, path: tuple[str, ...]) -> None:
    _negative(c, obj, ((*path, "parallelism"), spec.parallelism), ((*path, "completions"), spec.completions),
              ((*path, "backoffLimit"), spec.backoff_limit))
    if spec.completion_mode == "Indexed" and spec.completions is None:
        c.report(JOB_FIELDS, nearest_node(obj, *path, "completionMode"), ".".join((*path, "completionMode")),
                 "an Indexed Job needs spec.completions")


@check(workloads.Job)
def check_job(c: Checker, obj: workloads.Job) -> None:
    _check_job_spec(c, obj, obj.spec, ("spec",))


@check(workloads.CronJob)
def check_cronjob(c: Checker, obj: workloads.CronJob) -> None:
    spec = obj.spec
    node = field_node(obj, "spec", "schedule")
    if spec.schedule:
        try:
            parse_schedule(spec.schedule)
        except CronError as error:
            c.report(CRON_SCHEDULE, node, "spec.schedule", f"schedule {spec.schedule!r}: {error}")
    _negative(c, obj, (("spec", "successfulJobsHistoryLimit"), spec.successful_jobs_history_limit),
              (("spec", "failedJobsHistoryLimit"), spec.failed_jobs_history_limit),
              (("spec", "startingDeadlineSeconds"), spec.starting_deadline_seconds))
    _check_job_spec(c, obj, spec.job_template.spec, ("spec", "jobTemplate", "spec"))


@check(others.HorizontalPodAutoscaler)
def check_hpa(c: Checker, obj: others.HorizontalPodAutoscaler) -> None:
    spec = obj.spec
    if spec.min_replicas < 1:
        c.report(HPA_REPLICAS, nearest_node(obj, "spec", "minReplicas"), "spec.minReplicas",
                 f"minReplicas must be at least 1, not {spec.min_replicas}")
    if spec.max_replicas < spec.min_replicas:
        c.report(HPA_REPLICAS, nearest_node(obj, "spec", "maxReplicas") or spec.node, "spec.maxReplicas",
                 f"maxReplicas ({spec.max_replicas}) must be greater than or equal to minReplicas ({spec.min_replicas})")
    cpu = spec.target_cpu_utilization_percentage
    if cpu is not None and cpu <= 0:  # autoscaling/v1; converted to a v2 averageUtilization
        c.report(HPA_REPLICAS, nearest_node(obj, "spec", "targetCPUUtilizationPercentage"),
                 "spec.targetCPUUtilizationPercentage", "targetCPUUtilizationPercentage must be greater than 0")
    for index, metric in enumerate(spec.metrics):
        target = metric.resource.target if metric.resource else None
        if target is not None and target.average_utilization is not None and target.average_utilization <= 0:
            c.report(HPA_REPLICAS, nearest_node(target, "averageUtilization"),
                     f"spec.metrics[{index}].resource.target.averageUtilization",
                     "averageUtilization must be greater than 0")


@check(others.PodDisruptionBudget)
def check_pdb(c: Checker, obj: others.PodDisruptionBudget) -> None:
    spec = obj.spec
    if spec.min_available is not None and spec.max_unavailable is not None:
        c.report(PDB_BUDGET, nearest_node(obj, "spec", "maxUnavailable"), "spec.maxUnavailable",
                 "minAvailable and maxUnavailable cannot be both set")
    for key, value in (("minAvailable", spec.min_available), ("maxUnavailable", spec.max_unavailable)):
        if value is not None:
            _check_int_or_percent(c, obj, ("spec", key), value, PDB_BUDGET)


# ---- services ---------------------------------------------------------------------------------

@check(core.Service)
def check_service_ports(c: Checker, obj: core.Service) -> None:
    names_seen: set[str] = set()
    several = len(obj.spec.ports) > 1
    for index, port in enumerate(obj.spec.ports):
        path = f"spec.ports[{index}]"
        # upstream validateServicePort: a name is required when there are several ports, and
        # it is a DNS-1123 label
        if several and not port.name:
            c.report(PORT_INVALID, nearest_node(port, "name"), f"{path}.name",
                     "a Service with several ports must name each of them")
        for problem in names.dns1123_label(port.name) if port.name else ():
            c.report(PORT_INVALID, nearest_node(port, "name"), f"{path}.name", f"port name {port.name!r} {problem}")
        if not 1 <= port.port <= 65535:
            c.report(PORT_INVALID, nearest_node(port, "port") or port.node, f"{path}.port",
                     f"port {port.port} must be between 1 and 65535")
        target = port.target_port
        if target is not None and target.value not in (0, ""):  # 0 and "" default to port
            if target.is_name:
                for problem in names.port_name(target.value):
                    c.report(PORT_INVALID, nearest_node(port, "targetPort"), f"{path}.targetPort",
                             f"targetPort name {target.value!r} {problem}")
            elif not 1 <= target.value <= 65535:
                c.report(PORT_INVALID, nearest_node(port, "targetPort"), f"{path}.targetPort",
                         f"targetPort {target.value} must be between 1 and 65535")
        if port.node_port and not 30000 <= port.node_port <= 32767:
            c.report(NODEPORT_RANGE, nearest_node(port, "nodePort"), f"{path}.nodePort",
                     f"nodePort {port.node_port} is outside the default range 30000-32767")
        if port.name and port.name in names_seen:
            c.report(DUPLICATE_NAME, nearest_node(port, "name"), f"{path}.name", f"port name {port.name!r} is used twice")
        names_seen.add(port.name)


# ---- claims -----------------------------------------------------------------------------------

@check(core.PersistentVolumeClaim)
def check_claim(c: Checker, obj: core.PersistentVolumeClaim) -> None:
    """upstream ValidatePersistentVolumeClaimSpec."""
    spec = obj.spec
    modes = spec.access_modes
    if not modes:
        c.report(CLAIM_INVALID, nearest_node(obj, "spec", "accessModes"), "spec.accessModes",
                 "at least 1 access mode is required")
    elif "ReadWriteOncePod" in modes and len(set(modes)) > 1:
        c.report(CLAIM_INVALID, nearest_node(obj, "spec", "accessModes"), "spec.accessModes",
                 "may not use ReadWriteOncePod with other access modes")
    requests = field_node(obj, "spec", "resources", "requests")
    storage = spec.resources.requests.get("storage")
    if storage is not None and storage.sign() <= 0:
        c.report(CLAIM_INVALID, nearest_node(obj, "spec", "resources", "requests", "storage"),
                 "spec.resources.requests.storage", f"storage {storage} must be greater than zero")
    elif storage is None and not (isinstance(requests, Mapping) and requests.get("storage") is not None):
        # (a storage value that did not decode is an invalid-value finding already)
        c.report(CLAIM_INVALID, nearest_node(obj, "spec", "resources", "requests"),
                 "spec.resources.requests.storage", "spec.resources.requests.storage is required")
    if spec.storage_class_name:
        for problem in names.dns1123_subdomain(spec.storage_class_name):
            c.report(CLAIM_INVALID, nearest_node(obj, "spec", "storageClassName"), "spec.storageClassName",
                     f"storageClassName {spec.storage_class_name!r} {problem}")


# ---- enumerated values (upstream validation, not in the published schemas) ----------------

_POD_ENUMS = (
    ("restartPolicy", ("Always", "OnFailure", "Never")),
    ("containers[*].imagePullPolicy", ("Always", "IfNotPresent", "Never")),
    ("initContainers[*].imagePullPolicy", ("Always", "IfNotPresent", "Never")),
    ("containers[*].ports[*].protocol", ("TCP", "UDP", "SCTP")),
    ("initContainers[*].ports[*].protocol", ("TCP", "UDP", "SCTP")),
    ("initContainers[*].restartPolicy", ("Always",)),
    ("containers[*].terminationMessagePolicy", ("File", "FallbackToLogsOnError")),
    ("tolerations[*].operator", ("Exists", "Equal")),
    ("tolerations[*].effect", ("NoSchedule", "PreferNoSchedule", "NoExecute")),
    ("topologySpreadConstraints[*].whenUnsatisfiable", ("DoNotSchedule", "ScheduleAnyway")),
    ("topologySpreadConstraints[*].nodeAffinityPolicy", ("Honor", "Ignore")),
    ("topologySpreadConstraints[*].nodeTaintsPolicy", ("Honor", "Ignore")),
    ("dnsPolicy", ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")),
    ("preemptionPolicy", ("PreemptLowerPriority", "Never")),
)
_ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
_OBJECT_ENUMS: dict[type, tuple[tuple[str, tuple[str, ...]], ...]] = {
    core.Service: (("spec.type", ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")),
                   ("spec.ports[*].protocol", ("TCP", "UDP", "SCTP")),
                   ("spec.externalTrafficPolicy", ("Cluster", "Local")),
                   ("spec.internalTrafficPolicy", ("Cluster", "Local")),
                   ("spec.sessionAffinity", ("ClientIP", "None"))),
    workloads.Deployment: (("spec.strategy.type", ("RollingUpdate", "Recreate")),),
    workloads.StatefulSet: (("spec.podManagementPolicy", ("OrderedReady", "Parallel")),
                            ("spec.updateStrategy.type", ("RollingUpdate", "OnDelete")),
                            ("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", ("Retain", "Delete")),
                            ("spec.persistentVolumeClaimRetentionPolicy.whenScaled", ("Retain", "Delete")),
                            ("spec.volumeClaimTemplates[*].spec.accessModes[*]", _ACCESS_MODES)),
    workloads.DaemonSet: (("spec.updateStrategy.type", ("RollingUpdate", "OnDelete")),),
    workloads.Job: (("spec.completionMode", ("NonIndexed", "Indexed")),),
    workloads.CronJob: (("spec.concurrencyPolicy", ("Allow", "Forbid", "Replace")),
                        ("spec.jobTemplate.spec.completionMode", ("NonIndexed", "Indexed"))),
    core.PersistentVolume: (("spec.persistentVolumeReclaimPolicy", ("Retain", "Recycle", "Delete")),
                            ("spec.accessModes[*]", _ACCESS_MODES),
                            ("spec.volumeMode", ("Filesystem", "Block"))),
    core.PersistentVolumeClaim: (("spec.accessModes[*]", _ACCESS_MODES), ("spec.volumeMode", ("Filesystem", "Block"))),
    core.Node: (("spec.taints[*].effect", ("NoSchedule", "PreferNoSchedule", "NoExecute")),),
    others.StorageClass: (("volumeBindingMode", ("Immediate", "WaitForFirstConsumer")),
                          ("reclaimPolicy", ("Retain", "Delete"))),
    others.PodDisruptionBudget: (("spec.unhealthyPodEvictionPolicy", ("IfHealthyBudget", "AlwaysAllow")),),
    others.HorizontalPodAutoscaler: (("spec.metrics[*].type", ("Object", "Pods", "Resource", "ContainerResource", "External")),
                                     ("spec.metrics[*].resource.target.type", ("Utilization", "Value", "AverageValue"))),
}


@check()
def check_enumerated_values(c: Checker, obj) -> None:
    tables = [("", _OBJECT_ENUMS.get(type(obj), ()))]
    tables += [(prefix + ".", _POD_ENUMS) for prefix, _, _ in pod_parts(obj)]
    for prefix, table in tables:
        for pattern, allowed in table:
            for node, path in _select(c.root, prefix + pattern):
                # "" means "use the default" (or "all effects" for a toleration) everywhere here
                if isinstance(node, Scalar) and isinstance(node.value, str) and node.value \
                        and node.value not in allowed:
                    c.report(UNSUPPORTED_VALUE, node, path,
                             f"unsupported value {node.value!r}; supported values: {', '.join(allowed)}")


def _select(root: Node, pattern: str) -> Iterator[tuple[Node, str]]:
    """The nodes at a path pattern such as ``spec.containers[*].ports[*].protocol``."""
    current: list[tuple[Node, str]] = [(root, "")]
    for step in pattern.split("."):
        key, star = (step[:-3], True) if step.endswith("[*]") else (step, False)
        found = []
        for node, path in current:
            child = node.get(key) if isinstance(node, Mapping) else None
            if child is None:
                continue
            where = f"{path}.{key}" if path else key
            if star:
                if isinstance(child, Sequence):
                    found += [(item, f"{where}[{i}]") for i, item in enumerate(child.items)]
            else:
                found.append((child, where))
        current = found
    return iter(current)


# ---- ambiguous YAML 1.1 scalars ---------------------------------------------------------------

_BOOL_SPELLINGS = {"true", "false", "True", "False", "TRUE", "FALSE"}


@check()
def check_ambiguous_scalars(c: Checker, obj) -> None:
    for node, path, is_key in _walk(c.root, ""):
        if not isinstance(node, Scalar) or node.style != "plain" or node.tag is not None:
            continue
        value, text = node.value, node.text
        if isinstance(value, bool) and text not in _BOOL_SPELLINGS:
            where = f"the key {text!r} becomes \"{str(value).lower()}\"" if is_key else \
                f"{text!r} is read as the boolean {str(value).lower()}"
            c.report(YAML_AMBIGUOUS, node, path, f"{where}; quote it if you meant the text")
        elif is_key and isinstance(value, float) and _looks_like_text(text, value):
            c.report(YAML_AMBIGUOUS, node, path,
                     f"the key {text!r} becomes \"{value:g}\"; quote it if you meant the text")


def _looks_like_text(text: str, value: float) -> bool:
    """A float whose spelling would not survive a round trip: '1.10', '1e3', '1_0.5'."""
    if value != value or value in (float("inf"), float("-inf")):
        return False
    return text.lstrip("+") not in (repr(value), repr(value).removesuffix(".0"), f"{value:g}")


def _walk(node: Node, path: str) -> Iterable[tuple[Node, str, bool]]:
    stack = [(node, path, False)]
    while stack:
        current, where, is_key = stack.pop()
        yield current, where, is_key
        if isinstance(current, Mapping):
            for key, value in current.items:
                child = f"{where}.{key.text}" if where and isinstance(key, Scalar) else (
                    key.text if isinstance(key, Scalar) else where)
                stack.append((key, child, True))
                stack.append((value, child, False))
        elif isinstance(current, Sequence):
            for index, item in enumerate(current.items):
                stack.append((item, f"{where}[{index}]", False))


# The pod spec checks of semantic_pods.py register themselves through ``check`` above.
from kspec.validation import semantic_pods  # noqa: E402,F401  (import for its registrations)
