"""A pod's resources as the API server's admission plugins add them up.

- ``default_requests``: upstream API defaulting ``SetDefaults_Pod`` (pkg/apis/core/v1/defaults.go):
  a container with a limit and no request for a resource requests its limit.
- ``aggregate``: component-helpers ``AggregateContainerRequests``/``...Limits``: app
  containers plus restartable init containers (sidecars), or the largest init container
  plus the sidecars started before it, whichever is larger.

Worked example: containers requesting 100m and 200m, an init container requesting 500m
-> pod request max(300m, 500m) = 500m.
"""

from __future__ import annotations

from typing import Callable

import attrs

from kspec.api import core
from kspec.api.quantity import Quantity
from kspec.api.resources import ResourceList

Pick = Callable[[core.Container], ResourceList]


def requests_of(container: core.Container) -> ResourceList:
    return container.resources.requests


def limits_of(container: core.Container) -> ResourceList:
    return container.resources.limits


def default_container_requests(container: core.Container) -> core.Container:
    """The container with a request equal to its limit for every resource that has a limit
    but no request (``SetDefaults_Pod``). Returns ``container`` itself when nothing changes."""
    resources = container.resources
    missing = {k: v for k, v in resources.limits.items() if k not in resources.requests}
    if not missing:
        return container
    requests = ResourceList({**resources.requests, **missing})
    return attrs.evolve(container, resources=attrs.evolve(resources, requests=requests))


def default_requests(spec: core.PodSpec) -> core.PodSpec:
    """``spec`` after ``SetDefaults_Pod`` for app and init containers. Does not modify ``spec``."""
    containers = tuple(map(default_container_requests, spec.containers))
    init = tuple(map(default_container_requests, spec.init_containers))
    if containers == spec.containers and init == spec.init_containers:
        return spec
    return attrs.evolve(spec, containers=containers, init_containers=init)


def _add(into: dict[str, Quantity], values) -> None:
    for name, value in values.items():
        into[name] = into.get(name, Quantity.zero()) + value


def aggregate(spec: core.PodSpec, pick: Pick) -> dict[str, Quantity]:
    """The pod's total of ``pick`` (requests or limits) without overhead (see module doc)."""
    total: dict[str, Quantity] = {}
    for container in spec.containers:
        _add(total, pick(container))
    sidecars: dict[str, Quantity] = {}
    peak: dict[str, Quantity] = {}
    for container in spec.init_containers:
        if container.restart_policy == "Always":
            _add(total, pick(container))
            _add(sidecars, pick(container))
            running = sidecars
        else:
            running = dict(sidecars)
            _add(running, pick(container))
        for name, value in running.items():
            if name not in peak or value > peak[name]:
                peak[name] = value
    for name, value in peak.items():
        if name not in total or value > total[name]:
            total[name] = value
    return total


def pod_requests(spec: core.PodSpec) -> dict[str, Quantity]:
    """Upstream ``PodRequests``: the aggregate plus the pod overhead."""
    total = aggregate(spec, requests_of)
    _add(total, spec.overhead)
    return total


def pod_limits(spec: core.PodSpec) -> dict[str, Quantity]:
    """Upstream ``PodLimits``: the aggregate, overhead added only to resources with a limit."""
    total = aggregate(spec, limits_of)
    for name, value in spec.overhead.items():
        if name in total:
            total[name] = total[name] + value
    return total
