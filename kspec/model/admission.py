"""The admission chain the store runs on every create and update, in kube-apiserver's
order: API defaulting, LimitRanger (mutating: container defaults), object validation of
the result, LimitRanger (validating: min/max/ratio), ResourceQuota (validating, last).

Upstream: ``plugin/pkg/admission/limitranger/admission.go``,
``staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go``; the
default plugin order is ``pkg/kubeapiserver/options/plugins.go`` ``AllOrderedPlugins``.
A refusal reads as the API server's: ``pods "web-1" is forbidden: exceeded quota: ...``.

Pure: ``admit_create(state, obj)`` returns the object to store (maybe defaulted) and ""
or the reason it is refused.
"""

from __future__ import annotations

import attrs

from kspec.api import core
from kspec.model import limitranger, quota
from kspec.model.podresources import default_requests
from kspec.model.state import ClusterState


def admit_create(state: ClusterState, obj) -> tuple[object, str]:
    """``(object to store, "")`` or ``(obj, reason)`` when admission refuses it."""
    namespace = obj.metadata.namespace
    if isinstance(obj, core.Pod):
        obj = attrs.evolve(obj, spec=default_requests(obj.spec))
        ranges = state.list("LimitRange", namespace)
        if ranges:
            obj = limitranger.mutate_pod(obj, ranges)
        invalid = requests_above_limits(obj.spec)
        if invalid:
            return obj, f'Pod "{obj.metadata.name}" is invalid: {invalid}'
        _, violations = limitranger.first_rejection(obj.spec, ranges)
        if violations:
            return obj, _forbidden(obj, limitranger.aggregate_message(violations))
    elif isinstance(obj, core.PersistentVolumeClaim):
        _, violations = limitranger.first_rejection(obj, state.list("LimitRange", namespace))
        if violations:
            return obj, _forbidden(obj, limitranger.aggregate_message(violations))
    error = quota.admission_error(state, obj)
    return obj, _forbidden(obj, error) if error else ""


def admit_update(state: ClusterState, old, obj) -> str:
    """"" or why an update of ``old`` to ``obj`` is refused. Only claims and Services are
    checked: pods' resources are immutable (LimitRanger and the pod quota evaluator skip
    pod updates) and object counts only change on create. LimitRanger leaves objects that
    are being deleted alone."""
    if isinstance(obj, core.PersistentVolumeClaim) and old.metadata.deletion_timestamp is None:
        _, violations = limitranger.first_rejection(obj, state.list("LimitRange", obj.metadata.namespace))
        if violations:
            return _forbidden(obj, limitranger.aggregate_message(violations))
    if isinstance(obj, (core.PersistentVolumeClaim, core.Service)):
        error = quota.admission_error(state, obj, old)
        if error:
            return _forbidden(obj, error)
    return ""


def requests_above_limits(spec: core.PodSpec) -> str:
    """Upstream ``ValidateResourceRequirements``: a request may not exceed its limit (which a
    LimitRange default limit below an explicit request would cause)."""
    for field, containers in (("containers", spec.containers), ("initContainers", spec.init_containers)):
        for index, container in enumerate(containers):
            resources = container.resources
            for name, request in resources.requests.items():
                limit = resources.limits.get(name)
                if limit is not None and request > limit:
                    return (f"spec.{field}[{index}].resources.requests: Invalid value: \"{request}\": "
                            f"must be less than or equal to {name} limit of {limit}")
    return ""


def _forbidden(obj, error: str) -> str:
    """``admission.NewForbidden``: ``<resource> "<name>" is forbidden: <error>``."""
    return f'{quota.resource_name(obj)} "{obj.metadata.name}" is forbidden: {error}'
