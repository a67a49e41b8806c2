"""Semantic checks of pod specs the API server makes (upstream
``pkg/apis/core/validation/validation.go``): container resources, probes, environment
variables, tolerations, affinity and topology spread constraints.

Registered through ``semantic.check`` like the checks of ``semantic.py``, which imports this
module. Each function names the upstream function it follows; values the decoder could not take
(wrong types, unparsable quantities) are ``invalid-value`` findings already and not re-checked.
"""

from __future__ import annotations

import re
from fractions import Fraction

from kspec.api import core
from kspec.api.decode import field_node, nearest_node
from kspec.api.quantity import Quantity, QuantityError
from kspec.reading.nodes import Mapping, Node, Scalar, Sequence
from kspec.validation import names
from kspec.validation.semantic import (NAME_INVALID, Checker, _all_containers, _rule, check,
                                      check_labels, pod_parts)

RESOURCE_INVALID = _rule(
    "resource-invalid", "error", "a container resource name or quantity is not accepted",
    "Container requests and limits take the standard resources cpu, memory, ephemeral-storage and "
    "hugepages-<size>, or extended resources named by a domain (`example.com/gpu`); a misspelt "
    "name such as `memroy` is rejected (`must be a standard resource for containers`). Quantities "
    "may not be negative, extended resources are whole numbers whose request must equal the limit "
    "(they cannot be overcommitted, so a request needs a limit), hugepages must be a multiple of "
    "their page size and equal in request and limit, and hugepages need a cpu or memory request or "
    "limit. The API server rejects the pod otherwise.")
PROBE_INVALID = _rule(
    "probe-invalid", "error", "a probe or lifecycle hook has no handler, several, or a bad setting",
    "A probe needs exactly one handler (exec, httpGet, tcpSocket or grpc), and so does a lifecycle "
    "postStart or preStop hook (exec, httpGet, tcpSocket or sleep): `must specify a handler type`, "
    "`may not specify more than 1 handler type`. initialDelaySeconds, timeoutSeconds, periodSeconds "
    "and the thresholds may not be negative (0 means the default), an exec handler needs a command, "
    "a handler's port must be 1-65535 or a port name, header names are HTTP tokens, a sleep may not "
    "outlast terminationGracePeriodSeconds, and a readiness probe has no terminationGracePeriodSeconds. "
    "Init containers accept probes and lifecycle hooks only with restartPolicy Always (sidecars).")
ENV_INVALID = _rule(
    "env-invalid", "error", "an environment variable's name or source is invalid",
    "Each env entry needs a name of printable ASCII characters other than '=' (older API servers, "
    "without RelaxedEnvironmentVariableValidation, allow only letters, digits, '_', '-' and '.', "
    "not starting with a digit), and a valueFrom with exactly one of fieldRef, resourceFieldRef, "
    "configMapKeyRef or secretKeyRef, and no value beside it. envFrom entries need exactly one of "
    "configMapRef or secretRef.")
TOLERATION_INVALID = _rule(
    "toleration-invalid", "error", "a toleration's operator, value, key or effect do not fit together",
    "A toleration with operator Exists may not have a value; one without a key must use operator "
    "Exists (it tolerates every taint); tolerationSeconds is only allowed with effect NoExecute; "
    "the key is a qualified name and an Equal value a valid label value. The API server rejects "
    "the pod otherwise.")
AFFINITY_INVALID = _rule(
    "affinity-invalid", "error", "a node or pod affinity term is malformed",
    "Node selector requirements need values for In and NotIn, none for Exists and DoesNotExist, "
    "and exactly one for Gt and Lt; a required node affinity needs at least one nodeSelectorTerm; "
    "preferred terms have a weight of 1-100; pod (anti-)affinity terms need a topologyKey. The "
    "API server rejects the pod otherwise.")
TOPOLOGY_SPREAD_INVALID = _rule(
    "topology-spread-invalid", "error", "a topology spread constraint is malformed",
    "maxSkew must be greater than zero, topologyKey may not be empty, and no two constraints may "
    "share {topologyKey, whenUnsatisfiable}. minDomains must be greater than zero and is only "
    "allowed with whenUnsatisfiable DoNotSchedule. matchLabelKeys need a labelSelector, must be "
    "label keys, and may not repeat a key of the labelSelector. The API server rejects the pod "
    "otherwise.")

POD_SPEC_INVALID = _rule(
    "pod-spec-invalid", "error", "a pod spec field has a value the API server rejects",
    "A pod needs at least one container; activeDeadlineSeconds must be at least 1 and "
    "terminationGracePeriodSeconds not negative; "
    "dnsPolicy None needs a dnsConfig, which holds at most 3 nameservers and 32 search domains; "
    "hostname and subdomain are DNS-1123 labels and serviceAccountName, nodeName and "
    "priorityClassName DNS-1123 subdomains; with hostNetwork a container's hostPort, when set, must "
    "equal its containerPort. The API server rejects the pod (or the workload) otherwise.")

_NEGATIVE = "must be greater than or equal to 0"
_NOT_POSITIVE = "must be greater than zero"


def _at(obj, *path) -> Node | None:
    return nearest_node(obj, *path) if obj is not None and getattr(obj, "node", None) is not None else None


@check()
def check_pod_spec_parts(c: Checker, obj) -> None:
    for prefix, _, spec in pod_parts(obj):
        for field, index, container in _all_containers(spec):
            path = f"{prefix}.{field}[{index}]"
            _check_part_name(c, container, f"{path}.name", "container")
            _check_resources(c, container, f"{path}.resources")
            _check_probes(c, container, path, init=field == "initContainers")
            _check_lifecycle(c, container, path, init=field == "initContainers",
                             grace=spec.termination_grace_period_seconds)
            _check_env(c, container, path)
        for index, volume in enumerate(spec.volumes):
            _check_part_name(c, volume, f"{prefix}.volumes[{index}].name", "volume")
        # upstream validateOverhead reuses the container rules for its resource names
        _check_resource_list(c, spec, ("overhead",), spec.overhead, f"{prefix}.overhead")
        _check_pod_fields(c, spec, prefix)
        _check_tolerations(c, spec, prefix)
        _check_affinity(c, spec, prefix)
        _check_topology_spread(c, spec, prefix)


def _check_part_name(c: Checker, part, path: str, what: str) -> None:
    """upstream validateContainerCommon and ValidateVolumes: a DNS-1123 label, required."""
    node = _at(part, "name")
    if not part.name:
        if isinstance(node, Scalar):  # a missing name is schema-required
            c.report(NAME_INVALID, node, path, f"{what} name is required")
        return
    for problem in names.dns1123_label(part.name):
        c.report(NAME_INVALID, node, path, f"{what} name {part.name!r} {problem}")


_NAME_FIELDS = (("hostname", names.dns1123_label), ("subdomain", names.dns1123_label),
                ("serviceAccountName", names.dns1123_subdomain), ("serviceAccount", names.dns1123_subdomain),
                ("nodeName", names.dns1123_subdomain), ("priorityClassName", names.dns1123_subdomain))


def _check_pod_fields(c: Checker, spec: core.PodSpec, prefix: str) -> None:
    """upstream ValidatePodSpec: deadlines, DNS, names, validateHostNetwork; nodeSelector labels."""
    node = spec.node
    if not isinstance(node, Mapping):
        return
    containers = node.get("containers")
    if isinstance(containers, Sequence) and not containers.items:  # a missing list is schema-required
        c.report(POD_SPEC_INVALID, containers, f"{prefix}.containers", "containers is required: a pod needs at least one")
    deadline = _int(node.get("activeDeadlineSeconds"))
    if deadline is not None and deadline < 1:
        c.report(POD_SPEC_INVALID, node.get("activeDeadlineSeconds"), f"{prefix}.activeDeadlineSeconds",
                 f"activeDeadlineSeconds {deadline} must be between 1 and 2147483647, inclusive")
    grace = _int(node.get("terminationGracePeriodSeconds"))
    if grace is not None and grace < 0:
        c.report(POD_SPEC_INVALID, node.get("terminationGracePeriodSeconds"), f"{prefix}.terminationGracePeriodSeconds",
                 f"terminationGracePeriodSeconds {grace} {_NEGATIVE}")
    dns_config = node.get("dnsConfig")
    policy_node, policy = _text(node, "dnsPolicy")
    if policy == "None" and not _set(dns_config):
        c.report(POD_SPEC_INVALID, policy_node, f"{prefix}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None")
    if isinstance(dns_config, Mapping):
        for key, limit in (("nameservers", 3), ("searches", 32)):
            items = dns_config.get(key)
            if isinstance(items, Sequence) and len(items.items) > limit:
                c.report(POD_SPEC_INVALID, items, f"{prefix}.dnsConfig.{key}",
                         f"must not have more than {limit} {key} (has {len(items.items)})")
    for key, rule in _NAME_FIELDS:
        value_node, value = _text(node, key)
        for problem in rule(value) if value else ():
            c.report(POD_SPEC_INVALID, value_node, f"{prefix}.{key}", f"{key} {value!r} {problem}")
    if spec.host_network:
        for field, index, container in _all_containers(spec):
            for port_index, port in enumerate(container.ports):
                if port.host_port and port.host_port != port.container_port:
                    c.report(POD_SPEC_INVALID, _at(port, "hostPort"), f"{prefix}.{field}[{index}].ports[{port_index}].hostPort",
                             f"hostPort {port.host_port} must match containerPort {port.container_port} when "
                             f"hostNetwork is true")
    check_labels(c, node.get("nodeSelector"), f"{prefix}.nodeSelector", "nodeSelector")


# ---- resources (upstream ValidateContainerResourceRequirements, validateContainerResourceName,
# ValidateResourceQuantityValue, validateResourceQuantityHugePageValue) -------------------------

_STANDARD_CONTAINER = {"cpu", "memory", "ephemeral-storage"}


def _is_native(name: str) -> bool:
    """upstream IsNativeResource: no domain, or a kubernetes.io domain."""
    return "/" not in name or "kubernetes.io/" in name


def _is_extended(name: str) -> bool:
    """upstream IsExtendedResourceName."""
    if _is_native(name) or name.startswith("requests."):
        return False
    return not names.qualified_name("requests." + name)


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def resource_name_problems(name: str) -> list[str]:
    """upstream validateContainerResourceName (with validateResourceName)."""
    problems = names.qualified_name(name)
    if problems:
        return problems
    if "/" not in name:
        if name not in _STANDARD_CONTAINER and not _is_hugepages(name):
            return ["must be a standard resource for containers"]
    elif not _is_native(name) and not _is_extended(name):
        return ["doesn't follow extended resource name standard"]
    return []


def _key_node(mapping: Node | None, name: str) -> Node | None:
    """The key node of ``name`` in a mapping (a name's problem is the key's, not the value's)."""
    if isinstance(mapping, Mapping):
        for key, _ in mapping.items:
            if isinstance(key, Scalar) and str(key.value) == name:
                return key
    return None


def _hugepage_size(name: str) -> Fraction | None:
    try:
        size = Quantity.parse(name.removeprefix("hugepages-"))
    except (QuantityError, ValueError):
        return None
    return size.amount if size.sign() > 0 else None


def _check_resource_list(c: Checker, owner, base: tuple[str, ...], resources, path: str) -> None:
    for name, quantity in resources.items():
        node = _at(owner, *base, name)
        where = f"{path}.{name}"
        problems = resource_name_problems(name)
        key = _key_node(field_node(owner, *base), name) or node
        for problem in problems:
            c.report(RESOURCE_INVALID, key, where, f"resource name {name!r} {problem}")
        if quantity.sign() < 0:
            c.report(RESOURCE_INVALID, node, where, f"{name} {quantity} {_NEGATIVE}")
        elif _is_extended(name) and quantity.milli_value() % 1000:
            c.report(RESOURCE_INVALID, node, where, f"{name} {quantity} must be an integer")
        if _is_hugepages(name) and not problems:
            size = _hugepage_size(name)
            if size is None or quantity.amount % size:
                c.report(RESOURCE_INVALID, node, where,
                         f"{name} {quantity} is not positive integer multiple of {name.removeprefix('hugepages-')}")


def _check_resources(c: Checker, container: core.Container, path: str) -> None:
    requests, limits = container.resources.requests, container.resources.limits
    _check_resource_list(c, container, ("resources", "limits"), limits, f"{path}.limits")
    _check_resource_list(c, container, ("resources", "requests"), requests, f"{path}.requests")
    for name, request in requests.items():
        if resource_name_problems(name):
            continue
        overcommit = _is_native(name) and not _is_hugepages(name)  # upstream IsOvercommitAllowed
        limit = limits.get(name)
        node = _at(container, "resources", "requests", name)
        if limit is None and not overcommit:
            c.report(RESOURCE_INVALID, node, f"{path}.requests.{name}",
                     f"{name} cannot be overcommitted: a request needs a limit (`Limit must be set for non "
                     f"overcommitable resources`)")
        elif limit is not None and not overcommit and request != limit:
            c.report(RESOURCE_INVALID, node, f"{path}.requests.{name}",
                     f"{name} request {request} must be equal to {name} limit of {limit}")
    hugepages = any(_is_hugepages(n) for n in (*requests, *limits))
    if hugepages and not any(n in ("cpu", "memory") for n in (*requests, *limits)):
        c.report(RESOURCE_INVALID, _at(container, "resources"), path, "HugePages require cpu or memory")


# ---- probes (upstream validateProbe, validateHandler, validateLivenessProbe, validateInitContainers)

_HTTP_HEADER_NAME = re.compile(r"[-A-Za-z0-9]+\Z")  # upstream IsHTTPHeaderName
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
_PROBE_FIELDS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")


def _set(node: Node | None) -> bool:
    return node is not None and not (isinstance(node, Scalar) and node.value is None)


def _check_probes(c: Checker, container: core.Container, path: str, *, init: bool) -> None:
    sidecar = container.restart_policy == "Always"
    for field in ("livenessProbe", "readinessProbe", "startupProbe"):
        node = field_node(container, field)
        if not _set(node):
            continue
        where = f"{path}.{field}"
        if init and not sidecar:
            c.report(PROBE_INVALID, node, where,
                     f"{field} may not be set for init containers without restartPolicy=Always")
            continue
        if not isinstance(node, Mapping):
            continue
        _check_handlers(c, node, field, where, _HANDLERS)
        for key in _PROBE_FIELDS:
            value = _int(node.get(key))
            if value is not None and value < 0:
                c.report(PROBE_INVALID, node.get(key), f"{where}.{key}", f"{key} {value} {_NEGATIVE}")
        grace = node.get("terminationGracePeriodSeconds")
        if _set(grace):
            if field == "readinessProbe":
                c.report(PROBE_INVALID, grace, f"{where}.terminationGracePeriodSeconds",
                         "terminationGracePeriodSeconds must not be set for readinessProbes")
            elif (value := _int(grace)) is not None and value <= 0:
                c.report(PROBE_INVALID, grace, f"{where}.terminationGracePeriodSeconds",
                         f"terminationGracePeriodSeconds {value} must be greater than 0")


def _check_handlers(c: Checker, node: Mapping, field: str, where: str, kinds: tuple[str, ...],
                    grace: int | None = None) -> None:
    """upstream validateHandler: exactly one handler type, each valid."""
    handlers = [h for h in kinds if _set(node.get(h))]
    if not handlers:
        c.report(PROBE_INVALID, node, where, f"{field} must specify a handler type ({', '.join(kinds)})")
    for extra in handlers[1:]:
        c.report(PROBE_INVALID, node.get(extra), f"{where}.{extra}",
                 f"{field} may not specify more than 1 handler type ({handlers[0]} is already set)")
    if handlers:
        _check_handler(c, node.get(handlers[0]), handlers[0], f"{where}.{handlers[0]}", grace)


def _check_lifecycle(c: Checker, container: core.Container, path: str, *, init: bool, grace: int) -> None:
    """upstream validateLifecycle (and validateInitContainers: only sidecars may have one)."""
    node = field_node(container, "lifecycle")
    if not _set(node):
        return
    where = f"{path}.lifecycle"
    if init and container.restart_policy != "Always":
        c.report(PROBE_INVALID, node, where, "lifecycle may not be set for init containers without restartPolicy=Always")
        return
    if not isinstance(node, Mapping):
        return
    for hook in ("postStart", "preStop"):
        hook_node = node.get(hook)
        if _set(hook_node) and isinstance(hook_node, Mapping):
            _check_handlers(c, hook_node, f"lifecycle.{hook}", f"{where}.{hook}", _LIFECYCLE_HANDLERS, grace)


def _int(node: Node | None) -> int | None:
    if isinstance(node, Scalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _check_handler(c: Checker, node: Node, kind: str, where: str, grace: int | None = None) -> None:
    if not isinstance(node, Mapping):
        return
    if kind == "sleep":  # upstream validateSleepAction (zero allowed: PodLifecycleSleepActionAllowZero)
        seconds = _int(node.get("seconds"))
        if seconds is not None and grace is not None and not 0 <= seconds <= grace:
            c.report(PROBE_INVALID, node.get("seconds"), f"{where}.seconds",
                     f"sleep seconds {seconds} must be non-negative and less than terminationGracePeriodSeconds ({grace})")
        return
    if kind == "exec":
        command = node.get("command")
        if not isinstance(command, Sequence) or not command.items:
            c.report(PROBE_INVALID, command or node, f"{where}.command", "exec needs a command (`Required value`)")
        return
    headers = node.get("httpHeaders") if kind == "httpGet" else None
    for index, header in enumerate(headers.items if isinstance(headers, Sequence) else ()):
        name = header.get("name") if isinstance(header, Mapping) else None
        if isinstance(name, Scalar) and isinstance(name.value, str) and not _HTTP_HEADER_NAME.match(name.value):
            c.report(PROBE_INVALID, name, f"{where}.httpHeaders[{index}].name",
                     f"header name {name.value!r} must be a valid HTTP header name (letters, digits and '-')")
    port = node.get("port")
    if not isinstance(port, Scalar) or port.value is None:
        return  # a missing port is schema-required
    value = port.value
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not 1 <= value <= 65535:
            c.report(PROBE_INVALID, port, f"{where}.port", f"port {value} must be between 1 and 65535, inclusive")
    elif isinstance(value, str) and kind != "grpc":
        for problem in names.port_name(value):
            c.report(PROBE_INVALID, port, f"{where}.port", f"port name {value!r} {problem}")


# ---- environment (upstream ValidateEnv, validateEnvVarValueFrom, ValidateEnvFrom) -------------

_RELAXED_ENV_NAME = re.compile(r"[ -<>-~]+\Z")  # printable ASCII except '='


def env_name_problems(name: str) -> list[str]:
    """upstream IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default since 1.32)."""
    if not _RELAXED_ENV_NAME.match(name):
        return ["must consist of printable ASCII characters except '='"]
    return []


def _check_env(c: Checker, container: core.Container, path: str) -> None:
    for index, var in enumerate(container.env):
        where = f"{path}.env[{index}]"
        if not var.name:
            c.report(ENV_INVALID, _at(var, "name"), f"{where}.name", "env var name is required")
        for problem in env_name_problems(var.name) if var.name else ():
            c.report(ENV_INVALID, _at(var, "name"), f"{where}.name", f"env var name {var.name!r} {problem}")
        node = field_node(var, "valueFrom")
        if not _set(node) or not isinstance(node, Mapping):
            continue
        sources = [s for s in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if _set(node.get(s))]
        if not sources:
            c.report(ENV_INVALID, node, f"{where}.valueFrom",
                     "valueFrom must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`")
        elif var.value:
            c.report(ENV_INVALID, node, f"{where}.valueFrom", "valueFrom may not be specified when `value` is not empty")
        elif len(sources) > 1:
            c.report(ENV_INVALID, node.get(sources[1]), f"{where}.valueFrom",
                     f"valueFrom may not have more than one field specified at a time ({', '.join(sources)})")
        for source in sources:
            _check_env_source(c, source, node.get(source), f"{where}.valueFrom.{source}")
    for index, source in enumerate(container.env_from):
        where = f"{path}.envFrom[{index}]"
        for problem in env_name_problems(source.prefix) if source.prefix else ():
            c.report(ENV_INVALID, _at(source, "prefix"), f"{where}.prefix", f"prefix {source.prefix!r} {problem}")
        node = source.node
        if not isinstance(node, Mapping):
            continue
        sources = [s for s in ("configMapRef", "secretRef") if _set(node.get(s))]
        if not sources:
            c.report(ENV_INVALID, node, where, "envFrom must specify one of: `configMapRef` or `secretRef`")
        elif len(sources) > 1:
            c.report(ENV_INVALID, node.get(sources[1]), where, "envFrom may not have more than one field specified at a time")


_FIELD_PATHS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
                "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")
_RESOURCE_FIELDS = ("limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory",
                    "requests.ephemeral-storage")
_SUBSCRIPTED = re.compile(r"(metadata\.(?:labels|annotations))\['(.*)'\]\Z")
_CONFIG_MAP_KEY = re.compile(r"[-._a-zA-Z0-9]+\Z")


def _text(node: Node | None, key: str) -> tuple[Node | None, str | None]:
    child = node.get(key) if isinstance(node, Mapping) else None
    if isinstance(child, Scalar) and isinstance(child.value, str):
        return child, child.value
    return child, None


def config_map_key_problems(key: str) -> list[str]:
    """upstream IsConfigMapKey."""
    problems = []
    if len(key) > 253:
        problems.append("must be no more than 253 characters")
    if not _CONFIG_MAP_KEY.match(key):
        problems.append("a valid config key must consist of alphanumeric characters, '-', '_' or '.'")
    if key in (".", "..") or key.startswith(".."):
        problems.append("must not be '.' or '..' and must not start with '..'")
    return problems


def _check_env_source(c: Checker, kind: str, node: Node | None, where: str) -> None:
    """upstream validateObjectFieldSelector, validateContainerResourceFieldSelector,
    validateConfigMapKeySelector, validateSecretKeySelector (apiVersion defaults to v1)."""
    if not isinstance(node, Mapping):
        return
    if kind == "fieldRef":
        path_node, path = _text(node, "fieldPath")
        if not path:
            c.report(ENV_INVALID, path_node or node, f"{where}.fieldPath", "fieldRef.fieldPath is required")
        elif match := _SUBSCRIPTED.match(path):
            key = match.group(2).lower() if match.group(1).endswith("annotations") else match.group(2)
            for problem in names.qualified_name(key):
                c.report(ENV_INVALID, path_node, f"{where}.fieldPath", f"fieldPath {path!r}: key {problem}")
        elif path not in _FIELD_PATHS:
            c.report(ENV_INVALID, path_node, f"{where}.fieldPath",
                     f"unsupported fieldPath {path!r}; supported: {', '.join(_FIELD_PATHS)}, "
                     f"metadata.labels['<key>'], metadata.annotations['<key>']")
    elif kind == "resourceFieldRef":
        resource_node, resource = _text(node, "resource")
        if not resource:
            c.report(ENV_INVALID, resource_node or node, f"{where}.resource", "resourceFieldRef.resource is required")
        elif resource not in _RESOURCE_FIELDS and not resource.startswith(("requests.hugepages-", "limits.hugepages-")):
            c.report(ENV_INVALID, resource_node, f"{where}.resource",
                     f"unsupported resource {resource!r}; supported: {', '.join(_RESOURCE_FIELDS)}")
    else:
        name_node, name = _text(node, "name")
        for problem in names.dns1123_subdomain(name or ""):
            c.report(ENV_INVALID, name_node or node, f"{where}.name", f"{kind} name {name or ''!r} {problem}")
        key_node, key = _text(node, "key")
        if not key:
            c.report(ENV_INVALID, key_node or node, f"{where}.key", f"{kind}.key is required")
        for problem in config_map_key_problems(key) if key else ():
            c.report(ENV_INVALID, key_node, f"{where}.key", f"key {key!r}: {problem}")


# ---- tolerations (upstream ValidateTolerations) -----------------------------------------------

def _check_tolerations(c: Checker, spec: core.PodSpec, prefix: str) -> None:
    for index, toleration in enumerate(spec.tolerations):
        where = f"{prefix}.tolerations[{index}]"
        if toleration.key:
            for problem in names.qualified_name(toleration.key):
                c.report(TOLERATION_INVALID, _at(toleration, "key"), f"{where}.key",
                         f"key {toleration.key!r}: {problem}")
        operator = toleration.operator or "Equal"
        if not toleration.key and operator != "Exists":
            c.report(TOLERATION_INVALID, _at(toleration, "operator"), f"{where}.operator",
                     "operator must be Exists when `key` is empty, which means \"match all values and all keys\"")
        if toleration.toleration_seconds is not None and toleration.effect != "NoExecute":
            c.report(TOLERATION_INVALID, _at(toleration, "tolerationSeconds"), f"{where}.tolerationSeconds",
                     "effect must be 'NoExecute' when `tolerationSeconds` is set")
        if operator == "Exists" and toleration.value:
            c.report(TOLERATION_INVALID, _at(toleration, "value"), f"{where}.value",
                     "value must be empty when `operator` is 'Exists'")
        elif operator == "Equal":
            for problem in names.label_value(toleration.value):
                c.report(TOLERATION_INVALID, _at(toleration, "value"), f"{where}.value",
                         f"value {toleration.value!r}: {problem}")


# ---- affinity (upstream validateAffinity, ValidateNodeSelectorRequirement, validatePodAffinityTerm)

def _check_node_requirement(c: Checker, req: core.NodeSelectorRequirement, where: str, *, required: bool) -> None:
    op, count = req.operator, len(req.values)
    values_node = _at(req, "values")
    if op in ("In", "NotIn") and count == 0:
        c.report(AFFINITY_INVALID, values_node, f"{where}.values", "values must be specified when `operator` is 'In' or 'NotIn'")
    elif op in ("Exists", "DoesNotExist") and count:
        c.report(AFFINITY_INVALID, values_node, f"{where}.values",
                 "values may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
    elif op in ("Gt", "Lt") and count != 1:
        c.report(AFFINITY_INVALID, values_node, f"{where}.values",
                 "values must be specified single value when `operator` is 'Lt' or 'Gt'")
    for problem in names.qualified_name(req.key):
        c.report(AFFINITY_INVALID, _at(req, "key"), f"{where}.key", f"key {req.key!r}: {problem}")
    if required:  # preferred terms allow invalid label values
        for value in req.values:
            for problem in names.label_value(value):
                c.report(AFFINITY_INVALID, values_node, f"{where}.values", f"value {value!r}: {problem}")


def _check_node_term(c: Checker, term: core.NodeSelectorTerm, where: str, *, required: bool) -> None:
    for index, req in enumerate(term.match_expressions):
        _check_node_requirement(c, req, f"{where}.matchExpressions[{index}]", required=required)
    for index, req in enumerate(term.match_fields):  # upstream ValidateNodeFieldSelectorRequirement
        path = f"{where}.matchFields[{index}]"
        if req.operator not in ("In", "NotIn"):
            c.report(AFFINITY_INVALID, _at(req, "operator"), f"{path}.operator",
                     f"operator {req.operator!r} is not a valid selector operator for a node field selector (In, NotIn)")
        elif len(req.values) != 1:
            c.report(AFFINITY_INVALID, _at(req, "values"), f"{path}.values",
                     "must be only one value when `operator` is 'In' or 'NotIn' for node field selector")
        if req.key != "metadata.name":
            c.report(AFFINITY_INVALID, _at(req, "key"), f"{path}.key", f"{req.key!r} is not a valid field selector key")


def _check_selector(c: Checker, rule, owner, selector, where: str) -> None:
    """upstream ValidateLabelSelector (wrong types are decode problems already)."""
    if selector is None or selector.read_problems:
        return
    for problem in selector.validate():
        c.report(rule, _at(owner, "labelSelector"), f"{where}.labelSelector", f"labelSelector {problem}")


def _check_pod_affinity_term(c: Checker, term: core.PodAffinityTerm, where: str) -> None:
    _check_selector(c, AFFINITY_INVALID, term, term.label_selector, where)
    if not term.topology_key:
        c.report(AFFINITY_INVALID, _at(term, "topologyKey"), f"{where}.topologyKey", "topologyKey can not be empty")
    else:
        for problem in names.qualified_name(term.topology_key):
            c.report(AFFINITY_INVALID, _at(term, "topologyKey"), f"{where}.topologyKey",
                     f"topologyKey {term.topology_key!r}: {problem}")
    for field, keys in (("matchLabelKeys", term.match_label_keys), ("mismatchLabelKeys", term.mismatch_label_keys)):
        if keys and term.label_selector is None:
            c.report(AFFINITY_INVALID, _at(term, field), f"{where}.{field}",
                     f"{field} must not be specified when labelSelector is not set")
    for key in set(term.match_label_keys) & set(term.mismatch_label_keys):
        c.report(AFFINITY_INVALID, _at(term, "matchLabelKeys"), f"{where}.matchLabelKeys",
                 f"{key!r} exists in both matchLabelKeys and mismatchLabelKeys")


def _check_affinity(c: Checker, spec: core.PodSpec, prefix: str) -> None:
    affinity = spec.affinity
    if affinity is None:
        return
    base = f"{prefix}.affinity"
    node = affinity.node_affinity
    if node is not None:
        if node.required is not None:
            where = f"{base}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            if not node.required.node_selector_terms:
                c.report(AFFINITY_INVALID, _at(node.required, "nodeSelectorTerms"), f"{where}.nodeSelectorTerms",
                         "must have at least one node selector term")
            for index, term in enumerate(node.required.node_selector_terms):
                _check_node_term(c, term, f"{where}.nodeSelectorTerms[{index}]", required=True)
        for index, preferred in enumerate(node.preferred):
            where = f"{base}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{index}]"
            if not 1 <= preferred.weight <= 100:
                c.report(AFFINITY_INVALID, _at(preferred, "weight"), f"{where}.weight",
                         f"weight {preferred.weight} must be in the range 1-100")
            _check_node_term(c, preferred.preference, f"{where}.preference", required=False)
    for field, pod in (("podAffinity", affinity.pod_affinity), ("podAntiAffinity", affinity.pod_anti_affinity)):
        if pod is None:
            continue
        for index, term in enumerate(pod.required):
            _check_pod_affinity_term(c, term, f"{base}.{field}.requiredDuringSchedulingIgnoredDuringExecution[{index}]")
        for index, weighted in enumerate(pod.preferred):
            where = f"{base}.{field}.preferredDuringSchedulingIgnoredDuringExecution[{index}]"
            if not 1 <= weighted.weight <= 100:
                c.report(AFFINITY_INVALID, _at(weighted, "weight"), f"{where}.weight",
                         f"weight {weighted.weight} must be in the range 1-100")
            _check_pod_affinity_term(c, weighted.pod_affinity_term, f"{where}.podAffinityTerm")


# ---- topology spread (upstream validateTopologySpreadConstraints) ------------------------------

def _check_topology_spread(c: Checker, spec: core.PodSpec, prefix: str) -> None:
    constraints = spec.topology_spread_constraints
    for index, constraint in enumerate(constraints):
        where = f"{prefix}.topologySpreadConstraints[{index}]"
        if constraint.max_skew <= 0:
            c.report(TOPOLOGY_SPREAD_INVALID, _at(constraint, "maxSkew"), f"{where}.maxSkew",
                     f"maxSkew {constraint.max_skew} {_NOT_POSITIVE}")
        if not constraint.topology_key:
            c.report(TOPOLOGY_SPREAD_INVALID, _at(constraint, "topologyKey"), f"{where}.topologyKey",
                     "topologyKey can not be empty")
        for later in constraints[index + 1:]:
            if (later.topology_key, later.when_unsatisfiable) == (constraint.topology_key, constraint.when_unsatisfiable):
                c.report(TOPOLOGY_SPREAD_INVALID, constraint.node, where,
                         f"duplicate {{topologyKey, whenUnsatisfiable}}: "
                         f"{{{constraint.topology_key}, {constraint.when_unsatisfiable}}}")
                break
        if constraint.min_domains is not None:
            node = _at(constraint, "minDomains")
            if constraint.min_domains <= 0:
                c.report(TOPOLOGY_SPREAD_INVALID, node, f"{where}.minDomains",
                         f"minDomains {constraint.min_domains} {_NOT_POSITIVE}")
            if constraint.when_unsatisfiable != "DoNotSchedule":
                c.report(TOPOLOGY_SPREAD_INVALID, node, f"{where}.minDomains",
                         f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not "
                         f"{constraint.when_unsatisfiable or '(unset)'}")
        _check_selector(c, TOPOLOGY_SPREAD_INVALID, constraint, constraint.label_selector, where)
        keys = constraint.match_label_keys
        if keys:
            selector = constraint.label_selector
            if selector is None:
                c.report(TOPOLOGY_SPREAD_INVALID, _at(constraint, "matchLabelKeys"), f"{where}.matchLabelKeys",
                         "matchLabelKeys must not be specified when labelSelector is not set")
                selected: set[str] = set()
            else:
                selected = {k for k, _ in selector.match_labels} | {r.key for r in selector.match_expressions}
            for key_index, key in enumerate(keys):
                key_where = f"{where}.matchLabelKeys[{key_index}]"
                key_node = field_node(constraint, "matchLabelKeys", key_index) or _at(constraint, "matchLabelKeys")
                for problem in names.qualified_name(key):
                    c.report(TOPOLOGY_SPREAD_INVALID, key_node, key_where, f"matchLabelKeys {key!r}: {problem}")
                if key in selected:
                    c.report(TOPOLOGY_SPREAD_INVALID, key_node, key_where,
                             f"{key!r} exists in both matchLabelKeys and labelSelector")
