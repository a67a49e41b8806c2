"""Namespace policy kinds: LimitRange and ResourceQuota (core/v1).

Both are enforced by admission (``kspec.model.admission``) and checked statically by
``kspec.validation.limits``. Field names follow upstream ``k8s.io/api/core/v1/types.go``.
"""

from __future__ import annotations

import attrs

from kspec.api.decode import k8s, node_field
from kspec.api.meta import EMPTY_META, ObjectMeta
from kspec.api.resources import EMPTY_RESOURCES, ResourceList
from kspec.reading.nodes import Mapping


# ---- LimitRange -------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class LimitRangeItem:
    """One ``spec.limits[]`` entry; ``type`` is Container, Pod or PersistentVolumeClaim."""

    type: str = k8s("type", "")
    max: ResourceList = k8s("max", EMPTY_RESOURCES)
    min: ResourceList = k8s("min", EMPTY_RESOURCES)
    default: ResourceList = k8s("default", EMPTY_RESOURCES)
    default_request: ResourceList = k8s("defaultRequest", EMPTY_RESOURCES)
    max_limit_request_ratio: ResourceList = k8s("maxLimitRequestRatio", EMPTY_RESOURCES)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class LimitRangeSpec:
    limits: tuple[LimitRangeItem, ...] = k8s("limits", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class LimitRange:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "LimitRange")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: LimitRangeSpec = k8s("spec", LimitRangeSpec())
    node: Mapping | None = node_field()


# ---- ResourceQuota ----------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ScopedResourceSelectorRequirement:
    scope_name: str = k8s("scopeName", "")
    operator: str = k8s("operator", "")
    values: tuple[str, ...] = k8s("values", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ScopeSelector:
    match_expressions: tuple[ScopedResourceSelectorRequirement, ...] = k8s("matchExpressions", ())
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ResourceQuotaSpec:
    hard: ResourceList = k8s("hard", EMPTY_RESOURCES)
    scopes: tuple[str, ...] = k8s("scopes", ())
    scope_selector: ScopeSelector | None = k8s("scopeSelector")
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ResourceQuotaStatus:
    hard: ResourceList = k8s("hard", EMPTY_RESOURCES)
    used: ResourceList = k8s("used", EMPTY_RESOURCES)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ResourceQuota:
    api_version: str = k8s("apiVersion", "v1")
    kind: str = k8s("kind", "ResourceQuota")
    metadata: ObjectMeta = k8s("metadata", EMPTY_META)
    spec: ResourceQuotaSpec = k8s("spec", ResourceQuotaSpec())
    status: ResourceQuotaStatus = k8s("status", ResourceQuotaStatus())
    node: Mapping | None = node_field()
