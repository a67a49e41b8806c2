"""LimitRanger, as upstream ``plugin/pkg/admission/limitranger/admission.go`` applies it.

Mutating phase (``PodMutateLimitFunc``): every container (and init container) missing a
limit or request for a resource that a ``Container`` item of a LimitRange defaults gets
the default, and the pod is annotated ``kubernetes.io/limit-ranger``. Validating phase
(``PodValidateLimitFunc``, ``PersistentVolumeClaimValidateLimitFunc``): min, max and
maxLimitRequestRatio per container, per pod (summed over containers) and per claim.

A LimitRange is read with upstream's API defaulting (``SetDefaults_LimitRangeItem``):
for a Container item, ``default`` falls back to ``max`` and ``defaultRequest`` to
``default`` and then to ``min``. The pod itself is defaulted first (``SetDefaults_Pod``:
a request falls back to the container's own limit), so a container that sets only a
limit requests that limit, whatever the LimitRange's defaultRequest says.

Worked example: ``max: {cpu: 1}`` and a container with ``limits: {cpu: 2}`` ->
"maximum cpu usage per Container is 1, but limit is 2".

Pure functions; nothing here modifies its arguments.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from kspec.api import core
from kspec.api.quantity import Quantity
from kspec.api.quota import LimitRange, LimitRangeItem
from kspec.api.resources import ResourceList
from kspec.model.podresources import default_requests, limits_of, pod_limits, pod_requests, requests_of

ANNOTATION = "kubernetes.io/limit-ranger"
CONTAINER, POD, CLAIM = "Container", "Pod", "PersistentVolumeClaim"
# resource.MaxMilliValue: above it upstream compares whole units instead of millis
_MAX_MILLI_VALUE = (2**63 - 1) // 1000


@attrs.frozen
class Defaulted:
    """One value LimitRanger filled in: ``where`` is ``containers[0]`` or ``initContainers[1]``,
    ``field`` is ``requests`` or ``limits``; ``limit_range`` names the LimitRange."""

    limit_range: str
    where: str
    container: str
    field: str
    resource: str
    value: Quantity


@attrs.frozen
class Violation:
    """One broken constraint: ``where`` is the container (``containers[0]``) or ``""`` for
    the pod or claim as a whole."""

    where: str
    message: str


def defaulted_item(item: LimitRangeItem) -> LimitRangeItem:
    """``item`` after upstream ``SetDefaults_LimitRangeItem`` (Container items only)."""
    if item.type != CONTAINER:
        return item
    default = {**item.max, **item.default}
    default_request = {**item.min, **default, **item.default_request}
    return attrs.evolve(item, default=ResourceList(default), default_request=ResourceList(default_request))


def items_of(ranges: Iterable[LimitRange]) -> list[LimitRangeItem]:
    return [defaulted_item(item) for lr in ranges for item in lr.spec.limits]


# ---- mutating phase ---------------------------------------------------------------------------

def _defaults(items: Iterable[LimitRangeItem]) -> tuple[dict, dict]:
    """``defaultContainerResourceRequirements``: (requests, limits); a later item wins."""
    requests, limits = {}, {}
    for item in items:
        if item.type == CONTAINER:
            requests.update(item.default_request)
            limits.update(item.default)
    return requests, limits


def _merge(container: core.Container, where: str, requests: dict, limits: dict,
           source: str) -> tuple[core.Container, list]:
    """``mergeContainerResources``: fill what is absent, report what was filled."""
    resources = container.resources
    new_limits = {k: v for k, v in limits.items() if k not in resources.limits}
    new_requests = {k: v for k, v in requests.items() if k not in resources.requests}
    if not new_limits and not new_requests:
        return container, []
    filled = [Defaulted(source, where, container.name, "limits", k, v) for k, v in sorted(new_limits.items())]
    filled += [Defaulted(source, where, container.name, "requests", k, v) for k, v in sorted(new_requests.items())]
    resources = attrs.evolve(resources, limits=ResourceList({**resources.limits, **new_limits}),
                             requests=ResourceList({**resources.requests, **new_requests}))
    return attrs.evolve(container, resources=resources), filled


def mutate_spec(spec: core.PodSpec, ranges: Iterable[LimitRange]) -> tuple[core.PodSpec, tuple[Defaulted, ...]]:
    """The pod spec after API defaulting and each LimitRange's defaults, and what was filled.
    Each LimitRange mutates in turn, so a later one sees the earlier one's defaults as set."""
    spec = default_requests(spec)
    filled: list[Defaulted] = []
    for lr in ranges:
        requests, limits = _defaults(defaulted_item(item) for item in lr.spec.limits)
        if not requests and not limits:
            continue
        containers, init = [], []
        for field, source, into in (("containers", spec.containers, containers),
                                    ("initContainers", spec.init_containers, init)):
            for index, container in enumerate(source):
                merged, done = _merge(container, f"{field}[{index}]", requests, limits, lr.metadata.name)
                into.append(merged)
                filled += done
        spec = attrs.evolve(spec, containers=tuple(containers), init_containers=tuple(init))
    return spec, tuple(filled)


def annotation_value(filled: Iterable[Defaulted]) -> str:
    """The ``kubernetes.io/limit-ranger`` annotation text upstream writes."""
    parts: list[str] = []
    by_container: dict[tuple[str, str], dict[str, list[str]]] = {}
    for d in filled:
        by_container.setdefault((d.where, d.container), {}).setdefault(d.field, []).append(d.resource)
    for (where, name), fields in by_container.items():
        prefix = "init container" if where.startswith("init") else "container"
        for field, label in (("requests", "request"), ("limits", "limit")):
            if field in fields:
                parts.append(f"{', '.join(sorted(set(fields[field])))} {label} for {prefix} {name}")
    return "LimitRanger plugin set: " + "; ".join(parts) if parts else ""


def mutate_pod(pod: core.Pod, ranges: Iterable[LimitRange]) -> core.Pod:
    """The pod as stored after the mutating phase (with the annotation when anything was set)."""
    spec, filled = mutate_spec(pod.spec, ranges)
    if spec is pod.spec:
        return pod
    meta = pod.metadata
    text = annotation_value(filled)
    if text:
        meta = attrs.evolve(meta, annotations=meta.annotations.set(ANNOTATION, text))
    return attrs.evolve(pod, metadata=meta, spec=spec)


# ---- validating phase -------------------------------------------------------------------------

def _enforced_values(request: Quantity | None, limit: Quantity | None, enforced: Quantity) -> tuple[int, int, int]:
    """``requestLimitEnforcedValues``: millis when every value fits, else whole units."""
    zero = Quantity.zero()
    values = [(q or zero) for q in (request, limit, enforced)]
    if all(q.value() <= _MAX_MILLI_VALUE for q in values):
        return tuple(q.milli_value() for q in values)
    return tuple(q.value() for q in values)


def min_constraint(kind: str, name: str, enforced: Quantity, requests, limits) -> str:
    req, lim = requests.get(name), limits.get(name)
    observed_req, observed_lim, value = _enforced_values(req, lim, enforced)
    if req is None:
        return f"minimum {name} usage per {kind} is {enforced}.  No request is specified"
    if observed_req < value:
        return f"minimum {name} usage per {kind} is {enforced}, but request is {req}"
    if lim is not None and observed_lim < value:
        return f"minimum {name} usage per {kind} is {enforced}, but limit is {lim}"
    return ""


def max_constraint(kind: str, name: str, enforced: Quantity, requests, limits) -> str:
    req, lim = requests.get(name), limits.get(name)
    observed_req, observed_lim, value = _enforced_values(req, lim, enforced)
    if lim is None:
        return f"maximum {name} usage per {kind} is {enforced}.  No limit is specified"
    if observed_lim > value:
        return f"maximum {name} usage per {kind} is {enforced}, but limit is {lim}"
    if req is not None and observed_req > value:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {req}"
    return ""


def max_request_constraint(kind: str, name: str, enforced: Quantity, requests) -> str:
    """For claims: the max applies to what is requested (a claim's limits are not user input)."""
    req = requests.get(name)
    observed_req, _, value = _enforced_values(req, None, enforced)
    if req is None:
        return f"maximum {name} usage per {kind} is {enforced}.  No request is specified"
    if observed_req > value:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {req}"
    return ""


def ratio_constraint(kind: str, name: str, enforced: Quantity, requests, limits) -> str:
    """``limitRequestRatioConstraint``, with upstream's float arithmetic and ``%f`` display."""
    req, lim = requests.get(name), limits.get(name)
    observed_req, observed_lim, _ = _enforced_values(req, lim, enforced)
    if req is None or observed_req == 0:
        return (f"{name} max limit to request ratio per {kind} is {enforced}, "
                f"but no request is specified or request is 0")
    if lim is None or observed_lim == 0:
        return (f"{name} max limit to request ratio per {kind} is {enforced}, "
                f"but no limit is specified or limit is 0")
    ratio = observed_lim / observed_req
    shown, allowed = ratio, float(enforced.value())
    if enforced.value() <= _MAX_MILLI_VALUE:
        ratio, allowed = ratio * 1000, float(enforced.milli_value())
    if ratio > allowed:
        return f"{name} max limit to request ratio per {kind} is {enforced}, but provided ratio is {shown:f}"
    return ""


def _check(item: LimitRangeItem, kind: str, where: str, requests, limits) -> list[Violation]:
    messages = [min_constraint(kind, k, v, requests, limits) for k, v in item.min.items()]
    messages += [max_constraint(kind, k, v, requests, limits) for k, v in item.max.items()]
    messages += [ratio_constraint(kind, k, v, requests, limits) for k, v in item.max_limit_request_ratio.items()]
    return [Violation(where, m) for m in messages if m]


def validate_spec(spec: core.PodSpec, limit_range: LimitRange) -> list[Violation]:
    """Every constraint of one LimitRange that a (mutated) pod spec breaks."""
    found: list[Violation] = []
    for item in items_of((limit_range,)):
        if item.type == CONTAINER:
            for field, containers in (("containers", spec.containers), ("initContainers", spec.init_containers)):
                for index, container in enumerate(containers):
                    found += _check(item, CONTAINER, f"{field}[{index}]", requests_of(container),
                                    limits_of(container))
        elif item.type == POD:
            # no overhead: LimitRanger limits what containers ask for (upstream podRequests NOTE)
            found += _check(item, POD, "", _without_overhead(spec, pod_requests),
                            _without_overhead(spec, pod_limits))
    return found


def _without_overhead(spec: core.PodSpec, total) -> dict[str, Quantity]:
    return total(attrs.evolve(spec, overhead=ResourceList())) if spec.overhead else total(spec)


def validate_claim(claim: core.PersistentVolumeClaim, limit_range: LimitRange) -> list[Violation]:
    """``PersistentVolumeClaimValidateLimitFunc``: min and max on the claim's requests."""
    requests = claim.spec.resources.requests
    found = []
    for item in limit_range.spec.limits:
        if item.type != CLAIM:
            continue
        found += [min_constraint(CLAIM, k, v, requests, ResourceList()) for k, v in item.min.items()]
        found += [max_request_constraint(CLAIM, k, v, requests) for k, v in item.max.items()]
    return [Violation("", m) for m in found if m]


def aggregate_message(violations: Iterable[Violation]) -> str:
    """utilerrors ``NewAggregate(...).Error()``: one message as is, several as ``[a, b]``."""
    messages = [v.message for v in violations]
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"


def first_rejection(spec_or_claim, ranges: Iterable[LimitRange]) -> tuple[LimitRange | None, list[Violation]]:
    """The first LimitRange (in name order) that rejects a pod spec or claim, and its
    violations, as upstream's ``Validate`` stops at the first failing LimitRange;
    ``(None, [])`` when every one admits it."""
    check = validate_claim if isinstance(spec_or_claim, core.PersistentVolumeClaim) else validate_spec
    for lr in ranges:
        found = check(spec_or_claim, lr)
        if found:
            return lr, found
    return None, []
