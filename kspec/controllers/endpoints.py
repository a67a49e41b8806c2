"""The EndpointSlice controller (upstream ``pkg/controller/endpointslice``, with the rules of
``staging/src/k8s.io/endpointslice`` and ``pkg/api/v1/endpoints``), and what kube-proxy and
cluster DNS read from the slices.

For every Service with a selector (not ExternalName) the controller keeps one EndpointSlice
``<service>-slice`` (label ``kubernetes.io/service-name``, managed-by the controller, owned
by the Service) listing the pods that match the selector in the namespace and have an IP:
``ready`` = Ready and not terminating (always true with ``publishNotReadyAddresses``),
``serving`` = Ready, ``terminating`` = being deleted. A slice is written only when its
content changes.

DEVIATION(upstream): one slice per Service, whatever the number of endpoints (upstream
splits at 100 per slice) and whatever the ports a named ``targetPort`` resolves to per pod
(upstream groups endpoints by their ports; the model takes the ports of the first pod);
no ``zone`` or ``hints``. The typed ``Endpoint`` has no ``hostname`` field: the hostname of
an endpoint is kept in its ``targetRef`` (``{"kind": "Pod", "namespace", "name", "uid",
"hostname"}``), read back by ``endpoint_hostname``.
"""

from __future__ import annotations

import ipaddress

import attrs

from kspec.api import core, others
from kspec.api.meta import ObjectMeta
from kspec.api.types import FrozenMap, Raw, freeze
from kspec.controllers.common import is_pod_ready, owner_ref
from kspec.model.state import ClusterState
from kspec.model.store import Action, Create, Delete, Update

NAME = "endpoints"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
HEADLESS_LABEL = "service.kubernetes.io/headless"
SLICE_SUFFIX = "slice"
DNS_SUFFIX = "svc"


def slice_name(service) -> str:
    """The name of the Service's slice (upstream generates ``<service>-<random>``)."""
    return f"{service.metadata.name}-{SLICE_SUFFIX}"


def should_pod_be_in_endpoints(pod: core.Pod) -> bool:
    """Upstream ``ShouldPodBeInEndpoints(pod, includeTerminating=true)`` as the EndpointSlice
    controller calls it: not terminal and with an IP; terminating pods stay listed."""
    return pod.status.phase not in ("Succeeded", "Failed") and bool(pod.status.pod_ip)


def should_set_hostname(pod: core.Pod, service: core.Service) -> bool:
    """Upstream ``ShouldSetHostname``: the pod names a hostname and its subdomain is the
    Service (for any Service; DNS serves the names only for headless ones)."""
    return (bool(pod.spec.hostname) and pod.spec.subdomain == service.metadata.name
            and pod.metadata.namespace == service.metadata.namespace)


def pod_to_endpoint(pod: core.Pod, service: core.Service) -> others.Endpoint:
    """Upstream ``podToEndpoint``."""
    serving = is_pod_ready(pod)
    terminating = pod.metadata.deletion_timestamp is not None
    # For compatibility, "ready" is never true for a terminating pod, unless
    # publishNotReadyAddresses is set.
    ready = service.spec.publish_not_ready_addresses or (serving and not terminating)
    ref = {"kind": "Pod", "namespace": pod.metadata.namespace, "name": pod.metadata.name, "uid": pod.metadata.uid}
    if should_set_hostname(pod, service):
        ref["hostname"] = pod.spec.hostname
    return others.Endpoint(addresses=(pod.status.pod_ip,),
                           conditions=others.EndpointConditions(ready=ready, serving=serving, terminating=terminating),
                           node_name=pod.spec.node_name, target_ref=Raw(freeze(ref)))


def find_port(pod: core.Pod, port: core.ServicePort) -> int | None:
    """Upstream ``podutil.FindPort``: a numeric targetPort as is (defaulting to the port), a
    named one from the containers' ports of the same protocol."""
    target = port.target_port
    if target is None:
        return port.port
    if not target.is_name:
        return target.value
    for container in pod.spec.containers + tuple(c for c in pod.spec.init_containers if c.restart_policy == "Always"):
        for cport in container.ports:
            if cport.name == target.value and cport.protocol == port.protocol:
                return cport.container_port
    return None


def endpoint_ports(service: core.Service, pod: core.Pod | None) -> Raw | None:
    """Upstream ``getEndpointPorts``: the service ports the pod resolves (none for no pod)."""
    if pod is None:
        return None
    ports = []
    for port in service.spec.ports:
        number = find_port(pod, port)
        if number is not None:
            ports.append({"name": port.name, "port": number, "protocol": port.protocol})
    return Raw(freeze(ports)) if ports else None


def slice_labels(service: core.Service) -> FrozenMap:
    """Upstream ``getEndpointSliceLabels``: the Service's labels, its name, the controller's
    name, and the headless marker for a headless Service."""
    labels = {k: v for k, v in service.metadata.labels.items()
              if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL)}
    labels[SERVICE_NAME_LABEL] = service.metadata.name
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    if service.spec.headless:
        labels[HEADLESS_LABEL] = ""
    return FrozenMap(labels)


def desired_slice(view: ClusterState, service: core.Service) -> others.EndpointSlice:
    """The content of the Service's slice: one endpoint per pod, in pod-name order."""
    selector = service.spec.selector
    pods = [p for p in view.list("Pod", service.metadata.namespace)
            if all(p.metadata.labels.get(k) == v for k, v in selector.items()) and should_pod_be_in_endpoints(p)]
    meta = ObjectMeta(name=slice_name(service), namespace=service.metadata.namespace, labels=slice_labels(service),
                      owner_references=(owner_ref(service),))
    return others.EndpointSlice(metadata=meta, address_type="IPv4",
                                endpoints=tuple(pod_to_endpoint(p, service) for p in pods),
                                ports=endpoint_ports(service, pods[0] if pods else None))


def _managed_slices(view: ClusterState, namespace: str | None = None):
    for es in view.list("EndpointSlice", namespace):
        if es.metadata.labels.get(MANAGED_BY_LABEL) == CONTROLLER_NAME and SERVICE_NAME_LABEL in es.metadata.labels:
            yield es


def _same_content(stored: others.EndpointSlice, desired: others.EndpointSlice) -> bool:
    return (stored.address_type == desired.address_type and stored.endpoints == desired.endpoints
            and stored.ports == desired.ports and stored.metadata.labels == desired.metadata.labels
            and stored.metadata.owner_references == desired.metadata.owner_references)


def sync_service(view: ClusterState, service: core.Service) -> list[Action]:
    """Upstream ``syncService`` + ``reconciler.reconcile`` for one Service."""
    if service.spec.type == "ExternalName" or not service.spec.selector:
        # DEVIATION(upstream): an empty selector ({}) cannot be told from none after decoding.
        return []
    if service.metadata.deletion_timestamp is not None:
        return []
    ns, name = service.metadata.namespace, service.metadata.name
    actions: list[Action] = []
    desired = desired_slice(view, service)
    # slices of the service managed by the controller but owned by another object go
    for es in _managed_slices(view, ns):
        if es.metadata.labels.get(SERVICE_NAME_LABEL) != name or es.metadata.deletion_timestamp is not None:
            continue
        owners = {r.uid for r in es.metadata.owner_references}
        if service.metadata.uid not in owners:
            actions.append(Delete("EndpointSlice", ns, es.metadata.name))
    if actions:
        return actions
    stored = view.get("EndpointSlice", ns, desired.metadata.name)
    if stored is None:
        return [Create(desired)]
    if not _same_content(stored, desired):
        meta = attrs.evolve(stored.metadata, labels=desired.metadata.labels,
                            owner_references=desired.metadata.owner_references)
        return [Update(attrs.evolve(stored, metadata=meta, address_type=desired.address_type,
                                    endpoints=desired.endpoints, ports=desired.ports))]
    return []


def reconcile(view: ClusterState) -> tuple[Action, ...]:
    actions: list[Action] = []
    for service in view.list("Service"):
        actions += sync_service(view, service)
    # the slices of a deleted Service are the garbage collector's (they are owned by it)
    return tuple(actions)


# ---- readers: kube-proxy and cluster DNS ---------------------------------------------------------

def _ref(endpoint: others.Endpoint) -> dict:
    value = endpoint.target_ref.value if endpoint.target_ref is not None else ()
    try:
        return dict(value)
    except (TypeError, ValueError):
        return {}


def endpoint_hostname(endpoint: others.Endpoint) -> str:
    """The endpoint's hostname (kept in its targetRef, see the module docstring)."""
    hostname = _ref(endpoint).get("hostname", "")
    return hostname if isinstance(hostname, str) else ""


def endpoint_pod(endpoint: others.Endpoint) -> str:
    """The name of the pod an endpoint points to, or ''."""
    ref = _ref(endpoint)
    return ref.get("name", "") if ref.get("kind") == "Pod" else ""


def service_slices(view: ClusterState, service: core.Service) -> list[others.EndpointSlice]:
    """Every slice of the Service (the controller's, and ones written out of band)."""
    return [es for es in view.list("EndpointSlice", service.metadata.namespace)
            if es.metadata.labels.get(SERVICE_NAME_LABEL) == service.metadata.name]


def _is_ready(ep: others.Endpoint) -> bool:
    # kube-proxy endpointslicecache: an unset condition reads as ready / serving / not terminating
    return ep.conditions.ready is None or ep.conditions.ready


def _is_serving(ep: others.Endpoint) -> bool:
    return ep.conditions.serving is None or ep.conditions.serving


def _sorted_ips(ips) -> tuple[str, ...]:
    def key(ip: str):
        try:
            return (0, ipaddress.ip_address(ip))
        except ValueError:
            return (1, ip)
    return tuple(sorted(set(ips), key=key))


def service_backends(view: ClusterState, service: core.Service) -> tuple[str, ...]:
    """The pod IPs the Service routes to, as kube-proxy does (upstream ``pkg/proxy/topology.go``
    ``CategorizeEndpoints``): the ready endpoints or, when none is ready, the serving
    terminating ones. For a headless Service, what DNS resolves it to: the ready endpoints.
    ExternalName Services route to no pod."""
    if service.spec.type == "ExternalName":
        return ()
    endpoints = [ep for es in service_slices(view, service) for ep in es.endpoints]
    ready = [ip for ep in endpoints if _is_ready(ep) for ip in ep.addresses]
    if ready or service.spec.headless:
        return _sorted_ips(ready)
    fallback = [ip for ep in endpoints if _is_serving(ep) and ep.conditions.terminating for ip in ep.addresses]
    return _sorted_ips(fallback)


def dns_records(view: ClusterState, service: core.Service) -> tuple[tuple[str, str], ...]:
    """(name, IP) A records cluster DNS serves for a headless Service: ``<svc>.<ns>.svc`` for
    every ready endpoint, and ``<hostname>.<svc>.<ns>.svc`` for a ready endpoint with a
    hostname (the stable names of StatefulSet pods). Empty for other Services (their name
    resolves to the cluster IP)."""
    if not service.spec.headless:
        return ()
    base = f"{service.metadata.name}.{service.metadata.namespace}.{DNS_SUFFIX}"
    records = set()
    for es in service_slices(view, service):
        for ep in es.endpoints:
            if not _is_ready(ep):
                continue
            hostname = endpoint_hostname(ep)
            for ip in ep.addresses:
                records.add((base, ip))
                if hostname:
                    records.add((f"{hostname}.{base}", ip))
    return tuple(sorted(records))


def dns_names(view: ClusterState, service: core.Service) -> tuple[str, ...]:
    """The per-pod DNS names of a headless Service (``<hostname>.<svc>.<ns>.svc``), sorted."""
    base = f"{service.metadata.name}.{service.metadata.namespace}.{DNS_SUFFIX}"
    return tuple(sorted({name for name, _ in dns_records(view, service) if name != base}))
