"""LimitRange and ResourceQuota checks over the input set: what admission would do to the
pods and claims of the set when a LimitRange or ResourceQuota of the same namespace (as
written) is in the set too. Uses the model's own admission code (``kspec.model.limitranger``,
``kspec.model.quota``), so ``kspec validate`` and ``kspec simulate`` agree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from kspec.api import core
from kspec.api.decode import nearest_node
from kspec.api.quota import LimitRange, LimitRangeItem, ResourceQuota
from kspec.model import limitranger, quota
from kspec.model.admission import requests_above_limits
from kspec.model.podresources import default_requests
from kspec.validation.crossobject import Checked
from kspec.validation.findings import RULES, Finding, Rule, finding_at
from kspec.validation.semantic import pod_parts


def _rule(id: str, severity: str, summary: str, doc: str) -> Rule:
    return RULES.define(id, severity, summary, doc, category="cross-object")


LIMITRANGE_REJECTS = _rule(
    "limitrange-rejects", "error", "a LimitRange in the set would refuse a pod or claim",
    "The LimitRanger admission plugin refuses a pod whose containers (or whose total, for a `Pod` "
    "item) fall outside a LimitRange's `min`, `max` or `maxLimitRequestRatio` in the same namespace, "
    "and a PersistentVolumeClaim outside a `PersistentVolumeClaim` item's storage bounds. For a "
    "workload, every pod it creates is refused, so it never starts. The check runs after the "
    "LimitRange's defaults are applied, as the API server does; a default limit below an explicit "
    "request is refused too. Fit the resources into the range or change the LimitRange.")
LIMITRANGE_DEFAULTS = _rule(
    "limitrange-defaults", "info", "a LimitRange in the set fills in a container's request or limit",
    "A container that states no request or limit for a resource gets the `defaultRequest` / "
    "`default` of a `Container` item of a LimitRange in its namespace (with upstream's fallbacks: "
    "`default` from `max`, `defaultRequest` from `default` then `min`; a request falls back to the "
    "container's own limit first). The pod then runs with values that are not in its manifest; state "
    "them to make the manifest say what runs.")
LIMITRANGE_INVALID = _rule(
    "limitrange-invalid", "error", "a LimitRange's bounds, defaults and ratio contradict each other",
    "The API server refuses a LimitRange whose `min` exceeds its `max`, whose `default` or "
    "`defaultRequest` lies outside them (after its own defaulting), whose `defaultRequest` exceeds "
    "its `default`, whose `maxLimitRequestRatio` is below 1 or above max/min, with `default` on a "
    "`Pod` item, or a `PersistentVolumeClaim` item without a storage bound (upstream "
    "`ValidateLimitRange`). Applying it fails, so none of its limits take effect.")
QUOTA_REQUIRES_RESOURCES = _rule(
    "quota-requires-resources", "error",
    "a ResourceQuota on cpu or memory refuses pods whose containers do not state them",
    "When a ResourceQuota in the namespace limits `cpu`, `memory`, `requests.*` or `limits.*` of "
    "those, the API server refuses every pod with a container that states neither a request nor a "
    "limit for it (`failed quota: ...: must specify ...`), after LimitRange defaults. State the "
    "resources, or add a LimitRange with defaults.")

_INDEX = re.compile(r"([A-Za-z]+)\[(\d+)\]")


def run_limits(checked: Iterable[Checked]) -> list[Finding]:
    """Every LimitRange and ResourceQuota finding of a set of decoded objects."""
    items = list(checked)
    ranges: dict[str, list[LimitRange]] = defaultdict(list)
    quotas: dict[str, list[ResourceQuota]] = defaultdict(list)
    findings: list[Finding] = []
    for c in items:
        if isinstance(c.obj, LimitRange):
            ranges[c.obj.metadata.namespace].append(c.obj)
            findings += _invalid_limit_range(c)
        elif isinstance(c.obj, ResourceQuota):
            quotas[c.obj.metadata.namespace].append(c.obj)
    for group in ranges.values():
        group.sort(key=lambda lr: lr.metadata.name)
    for c in items:
        namespace = getattr(getattr(c.obj, "metadata", None), "namespace", "")
        if not ranges.get(namespace) and not quotas.get(namespace):
            continue
        for prefix, meta, spec in pod_parts(c.obj):
            findings += _pod_findings(c, prefix, meta, spec, ranges[namespace], quotas[namespace])
        if isinstance(c.obj, core.PersistentVolumeClaim):
            findings += _claim_findings(c, ranges[namespace])
    return findings


def _steps(path: str) -> list:
    """``spec.template.spec.containers[0]`` -> ["spec", "template", "spec", "containers", 0]."""
    steps: list = []
    for part in path.split("."):
        match = _INDEX.fullmatch(part)
        steps += [match.group(1), int(match.group(2))] if match else [part]
    return steps


def _at(c: Checked, rule: Rule, where: str, message: str, path: str = "") -> Finding:
    """A finding at the node of ``where`` (or its nearest written parent), reporting ``path``
    (default ``where``) as the field."""
    return finding_at(rule, nearest_node(c.obj, *_steps(where)), message, object=c.object_id, path=path or where)


def _whose(c: Checked) -> str:
    return "this pod" if isinstance(c.obj, core.Pod) else f"every pod of this {c.obj.kind}"


def _pod_findings(c: Checked, prefix: str, meta, spec: core.PodSpec, ranges, quotas) -> list[Finding]:
    findings = []
    mutated, filled = limitranger.mutate_spec(spec, ranges)
    for d in filled:
        findings.append(_at(c, LIMITRANGE_DEFAULTS, f"{prefix}.{d.where}",
                            f"LimitRange {d.limit_range!r} sets {d.field}.{d.resource}: {d.value} on container "
                            f"{d.container!r}, which states none",
                            path=f"{prefix}.{d.where}.resources.{d.field}.{d.resource}"))
    if filled and not requests_above_limits(default_requests(spec)):
        invalid = requests_above_limits(mutated)
        if invalid:
            where, _, reason = invalid.partition(".resources.requests: ")
            field = where.removeprefix("spec.")
            findings.append(_at(c, LIMITRANGE_REJECTS, f"{prefix}.{field}",
                                f"the API server would refuse {_whose(c)}: a LimitRange default limit is below "
                                f"the container's request ({reason.split(': ', 1)[-1]})"))
    limit_range, violations = limitranger.first_rejection(mutated, ranges)
    for v in violations:
        path = f"{prefix}.{v.where}" if v.where else prefix
        findings.append(_at(c, LIMITRANGE_REJECTS, path,
                            f"LimitRange {limit_range.metadata.name!r} would refuse {_whose(c)}: {v.message}"))
    findings += _quota_findings(c, prefix, meta, mutated, quotas)
    return findings


def _quota_findings(c: Checked, prefix: str, meta, spec: core.PodSpec, quotas) -> list[Finding]:
    pod = core.Pod(metadata=meta, spec=spec, node=None)
    findings = []
    for rq in quotas:
        if not quota.matches(rq, pod):
            continue
        required = sorted(n for n in rq.spec.hard if n in quota.MUST_SPECIFY)
        for field, containers in (("containers", spec.containers), ("initContainers", spec.init_containers)):
            for index, container in enumerate(containers):
                have = quota.compute_usage(container.resources.requests, container.resources.limits)
                missing = [n for n in required if n not in have]
                if missing:
                    findings.append(_at(c, QUOTA_REQUIRES_RESOURCES, f"{prefix}.{field}[{index}]",
                                        f"ResourceQuota {rq.metadata.name!r} limits {', '.join(missing)}: the API "
                                        f"server would refuse {_whose(c)} (must specify {', '.join(missing)} for "
                                        f"container {container.name!r})"))
    return findings


def _claim_findings(c: Checked, ranges) -> list[Finding]:
    limit_range, violations = limitranger.first_rejection(c.obj, ranges)
    return [_at(c, LIMITRANGE_REJECTS, "spec.resources.requests.storage",
                f"LimitRange {limit_range.metadata.name!r} would refuse this claim: {v.message}") for v in violations]


# ---- the LimitRange itself (upstream ValidateLimitRange) --------------------------------------

def _invalid_limit_range(c: Checked) -> list[Finding]:
    findings = []
    seen_types: set[str] = set()
    for index, written in enumerate(c.obj.spec.limits):
        base = f"spec.limits[{index}]"
        if written.type in seen_types:
            findings.append(_at(c, LIMITRANGE_INVALID, f"{base}.type", f"duplicate limit type {written.type!r}"))
        seen_types.add(written.type)
        if written.type == limitranger.POD:
            for field, values in (("default", written.default), ("defaultRequest", written.default_request)):
                if values:
                    findings.append(_at(c, LIMITRANGE_INVALID, f"{base}.{field}",
                                        f"{field} may not be specified when type is 'Pod'"))
        if written.type == limitranger.CLAIM and "storage" not in written.min and "storage" not in written.max:
            findings.append(_at(c, LIMITRANGE_INVALID, base,
                                "either minimum or maximum storage value is required, but neither was provided"))
        for field, message in _contradictions(limitranger.defaulted_item(written)):
            findings.append(_at(c, LIMITRANGE_INVALID, f"{base}.{field}", message))
    return findings


def _contradictions(item: LimitRangeItem) -> list[tuple[str, str]]:
    """(field path, message) for every bound that contradicts another, as upstream words them."""
    found = []
    names = sorted({*item.min, *item.max, *item.default, *item.default_request, *item.max_limit_request_ratio})
    for name in names:
        low, high = item.min.get(name), item.max.get(name)
        default, request = item.default.get(name), item.default_request.get(name)
        ratio = item.max_limit_request_ratio.get(name)
        checks = [
            (low is not None and high is not None and low > high, f"min.{name}",
             f"min value {low} is greater than max value {high}"),
            (request is not None and low is not None and low > request, f"defaultRequest.{name}",
             f"min value {low} is greater than default request value {request}"),
            (request is not None and high is not None and request > high, f"defaultRequest.{name}",
             f"default request value {request} is greater than max value {high}"),
            (request is not None and default is not None and request > default, f"defaultRequest.{name}",
             f"default request value {request} is greater than default limit value {default}"),
            (default is not None and low is not None and low > default, f"default.{name}",
             f"min value {low} is greater than default value {default}"),
            (default is not None and high is not None and default > high, f"default.{name}",
             f"default value {default} is greater than max value {high}"),
            (ratio is not None and ratio < 1, f"maxLimitRequestRatio.{name}", f"ratio {ratio} is less than 1"),
        ]
        if ratio is not None and low is not None and high is not None and low > 0:
            bound = high.amount / low.amount
            checks.append((ratio.amount > bound, f"maxLimitRequestRatio.{name}",
                           f"ratio {ratio} is greater than max/min = {float(bound):f}"))
        found += [(path, message) for broken, path, message in checks if broken]
    return found
