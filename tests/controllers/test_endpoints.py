"""The EndpointSlice controller and the kube-proxy/DNS views against upstream behaviour
(pkg/controller/endpointslice, staging/src/k8s.io/endpointslice, pkg/proxy)."""

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from kspec.controllers import endpoints, garbagecollector, kubelet, replicaset, scheduler
from kspec.model.events import PodCrash, apply_event
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, apply
from tests.controllers.helpers import state_of

SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: %(name)s, namespace: ns, labels: {tier: front}}
spec:
  clusterIP: %(cluster_ip)s
  selector: {app: %(app)s}
  publishNotReadyAddresses: %(publish)s
  ports: [{name: http, port: 80, targetPort: %(target)s}]
"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: %(name)s, namespace: ns, labels: {app: %(app)s}}
spec:
  nodeName: node-0
  hostname: "%(hostname)s"
  subdomain: "%(subdomain)s"
  containers: [{name: c, image: nginx, ports: [{name: web, containerPort: 8080}]}]
status:
  phase: %(phase)s
  podIP: "%(ip)s"
  conditions: [{type: Ready, status: "%(ready)s"}]
"""
RS = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: ns}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""
ACTORS = (Actor(replicaset.NAME, replicaset.reconcile), Actor(scheduler.NAME, scheduler.reconcile),
          Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup), Actor(endpoints.NAME, endpoints.reconcile))


def service(name="web", app="web", cluster_ip="10.96.0.10", publish="false", target="web") -> str:
    return SERVICE % {"name": name, "app": app, "cluster_ip": cluster_ip, "publish": publish, "target": target}


def pod(name, ip, ready=True, app="web", phase="Running", hostname="", subdomain="") -> str:
    return POD % {"name": name, "ip": ip, "ready": "True" if ready else "False", "app": app, "phase": phase,
                  "hostname": hostname, "subdomain": subdomain}


def settle(state):
    """Apply the controller's writes until it has none."""
    for _ in range(20):
        actions = endpoints.reconcile(state)
        if not actions:
            return state
        outcome = apply(state, actions[0])
        assert outcome.ok, outcome.message
        state = outcome.state
    raise AssertionError("the endpoints controller keeps writing")


def build(*docs):
    return settle(state_of("---\n".join(docs)))


def the_slice(state, name="web"):
    return state.get("EndpointSlice", "ns", f"{name}-slice")


def svc(state, name="web"):
    return state.get("Service", "ns", name)


def terminating(state, name):
    p = state.get("Pod", "ns", name)
    return state.put(attrs.evolve(p, metadata=attrs.evolve(p.metadata, deletion_timestamp=state.clock)))


def test_one_slice_per_service_with_its_pods():
    """A Service with a selector gets `<svc>-slice`: labels, owner, IPv4, one endpoint per
    matching pod with an IP, targetRef and nodeName; resolved named ports."""
    state = build(service(), pod("web-0", "10.244.0.2"), pod("web-1", "10.244.0.3"),
                  pod("other", "10.244.0.4", app="db"), pod("pending", "", phase="Pending"))
    es = the_slice(state)
    assert es.metadata.labels == {"kubernetes.io/service-name": "web", "tier": "front",
                                  "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert es.metadata.owner_references[0].uid == svc(state).metadata.uid
    assert es.address_type == "IPv4"
    assert [ep.addresses for ep in es.endpoints] == [("10.244.0.2",), ("10.244.0.3",)]
    assert [endpoints.endpoint_pod(ep) for ep in es.endpoints] == ["web-0", "web-1"]
    assert {ep.node_name for ep in es.endpoints} == {"node-0"}
    assert dict(es.ports.value[0]) == {"name": "http", "port": 8080, "protocol": "TCP"}
    assert endpoints.service_backends(state, svc(state)) == ("10.244.0.2", "10.244.0.3")


def test_only_ready_pods_are_routed_to():
    """Unready pods are listed with ready=false, serving=false and get no traffic."""
    state = build(service(), pod("web-0", "10.244.0.2"), pod("web-1", "10.244.0.3", ready=False))
    conditions = [ep.conditions for ep in the_slice(state).endpoints]
    assert [(c.ready, c.serving, c.terminating) for c in conditions] == [(True, True, False), (False, False, False)]
    assert endpoints.service_backends(state, svc(state)) == ("10.244.0.2",)


def test_publish_not_ready_addresses_routes_to_every_pod():
    """publishNotReadyAddresses makes every endpoint ready."""
    state = build(service(publish="true"), pod("web-0", "10.244.0.2"), pod("web-1", "10.244.0.3", ready=False))
    assert endpoints.service_backends(state, svc(state)) == ("10.244.0.2", "10.244.0.3")


def test_terminating_pods_are_not_ready_but_serve_when_nothing_else_does():
    """A terminating pod stays listed (terminating=true, ready=false, serving as Ready says);
    kube-proxy uses serving-terminating endpoints only when no endpoint is ready."""
    state = build(service(), pod("web-0", "10.244.0.2"), pod("web-1", "10.244.0.3"))
    state = settle(terminating(state, "web-0"))
    ep0 = the_slice(state).endpoints[0]
    assert (ep0.conditions.ready, ep0.conditions.serving, ep0.conditions.terminating) == (False, True, True)
    assert endpoints.service_backends(state, svc(state)) == ("10.244.0.3",)
    state = settle(terminating(state, "web-1"))
    assert endpoints.service_backends(state, svc(state)) == ("10.244.0.2", "10.244.0.3")


def test_terminal_pods_leave_the_slice():
    """Succeeded and Failed pods are not endpoints (ShouldPodBeInEndpoints)."""
    state = build(service(), pod("web-0", "10.244.0.2", phase="Failed"), pod("web-1", "10.244.0.3",
                                                                             phase="Succeeded"))
    assert the_slice(state).endpoints == () and endpoints.service_backends(state, svc(state)) == ()


def test_pod_crash_removes_it_from_the_backends():
    """End to end: a ReplicaSet's pods become backends; a PodCrash turns one unready and it
    leaves the backends until the kubelet restarts it."""
    result = run(state_of(RS + "---\n" + service(target="80")), ACTORS)
    assert result.converged
    state = result.state
    ips = tuple(sorted(p.status.pod_ip for p in state.list("Pod")))
    assert endpoints.service_backends(state, svc(state)) == ips
    crashed = state.get("Pod", "ns", "web-1").status.pod_ip
    state = settle(apply_event(state, PodCrash("ns", "web-1", at=state.clock)).state)
    assert crashed not in endpoints.service_backends(state, svc(state))
    assert len(endpoints.service_backends(state, svc(state))) == 2
    result = run(state, ACTORS)  # restarted after the back-off, ready again
    assert endpoints.service_backends(result.state, svc(result.state)) == ips


def test_headless_service_hostnames_for_statefulset_pods():
    """Pods with hostname and subdomain = the headless Service get stable DNS names
    `<pod>.<svc>.<ns>.svc`; a pod with another subdomain is listed without a hostname."""
    state = build(service(name="db", app="db", cluster_ip="None"),
                  pod("db-0", "10.244.0.2", app="db", hostname="db-0", subdomain="db"),
                  pod("db-1", "10.244.0.3", app="db", hostname="db-1", subdomain="db"),
                  pod("db-2", "10.244.0.4", app="db", hostname="db-2", subdomain="other"),
                  pod("db-3", "10.244.0.5", app="db", hostname="db-3", subdomain="db", ready=False))
    es = the_slice(state, "db")
    assert es.metadata.labels["service.kubernetes.io/headless"] == ""
    assert [endpoints.endpoint_hostname(ep) for ep in es.endpoints] == ["db-0", "db-1", "", "db-3"]
    service_obj = svc(state, "db")
    assert endpoints.dns_names(state, service_obj) == ("db-0.db.ns.svc", "db-1.db.ns.svc")  # db-3 is not ready
    assert ("db.ns.svc", "10.244.0.4") in endpoints.dns_records(state, service_obj)
    assert endpoints.service_backends(state, service_obj) == ("10.244.0.2", "10.244.0.3", "10.244.0.4")
    assert endpoints.dns_names(state, svc(build(service(), pod("web-0", "10.244.0.2")))) == ()


def test_slice_is_written_only_when_its_content_changes():
    """A converged slice is left alone; an unrelated change does not touch it; a pod change does."""
    state = build(service(), pod("web-0", "10.244.0.2"), pod("other", "10.244.0.9", app="db"))
    version = the_slice(state).metadata.resource_version
    assert endpoints.reconcile(state) == ()
    other = state.get("Pod", "ns", "other")
    state = apply(state, Update(attrs.evolve(other, metadata=attrs.evolve(
        other.metadata, annotations=other.metadata.annotations.set("a", "b"))))).state
    assert endpoints.reconcile(state) == ()
    state = settle(apply(state, Create(state_of(pod("web-1", "10.244.0.3")).get("Pod", "ns", "web-1"))).state)
    assert the_slice(state).metadata.resource_version != version and len(the_slice(state).endpoints) == 2


def test_services_without_selector_or_external_name_get_no_slice_and_deleted_services_lose_theirs():
    """No slice without a selector or for ExternalName; a deleted Service's slice is left to the GC."""
    no_selector = "apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: ns}\nspec: {ports: [{port: 80}]}\n"
    external = ("apiVersion: v1\nkind: Service\nmetadata: {name: name, namespace: ns}\n"
                "spec: {type: ExternalName, externalName: example.com, selector: {app: web}}\n")
    state = build(no_selector, external, service(), pod("web-0", "10.244.0.2"))
    assert [es.metadata.name for es in state.list("EndpointSlice")] == ["web-slice"]
    assert endpoints.service_backends(state, svc(state, "name")) == ()
    state = apply(state, Delete("Service", "ns", "web")).state
    assert endpoints.reconcile(state) == ()  # owned by the Service: the garbage collector's to delete
    (action,) = garbagecollector.reconcile(state)
    assert action.kind == "EndpointSlice" and apply(state, action).state.list("EndpointSlice") == []


def test_slices_of_a_previous_incarnation_are_replaced():
    """A managed slice owned by an older Service of the same name is deleted, then recreated."""
    state = build(service(), pod("web-0", "10.244.0.2"))
    state = apply(state, Delete("Service", "ns", "web")).state
    state = apply(state, Create(state_of(service()).get("Service", "ns", "web"))).state
    (action,) = endpoints.reconcile(state)
    assert action == Delete("EndpointSlice", "ns", "web-slice")
    state = settle(state)
    assert the_slice(state).metadata.owner_references[0].uid == svc(state).metadata.uid


pod_st = st.tuples(st.booleans(), st.booleans(), st.booleans(), st.sampled_from(["Running", "Pending", "Failed"]),
                   st.booleans())


@settings(max_examples=40, deadline=None)
@given(pods=st.lists(pod_st, max_size=6), publish=st.booleans(), headless=st.booleans())
def test_reconcile_is_pure_and_routes_only_to_matching_pods(pods, publish, headless):
    """reconcile never changes its view; backends are IPs of matching, non-terminal pods, and
    ready ones whenever any matching pod is ready and not terminating."""
    docs = [service(publish="true" if publish else "false", cluster_ip="None" if headless else "10.96.0.10")]
    for i, (ready, matches, has_ip, phase, _) in enumerate(pods):
        docs.append(pod(f"p-{i}", f"10.244.0.{i + 2}" if has_ip else "", ready=ready,
                        app="web" if matches else "db", phase=phase))

    def make():
        s = state_of("---\n".join(docs))
        for i, (*_, deleting) in enumerate(pods):
            if deleting:
                s = terminating(s, f"p-{i}")
        return s

    state, twin = make(), make()
    actions = endpoints.reconcile(state)
    assert state == twin and list(state.all()) == list(twin.all())
    assert endpoints.reconcile(state) == actions
    state = settle(state)
    candidates = {p.status.pod_ip for p in state.list("Pod")
                  if p.metadata.labels.get("app") == "web" and p.status.pod_ip and p.status.phase != "Failed"}
    backends = set(endpoints.service_backends(state, svc(state)))
    assert backends <= candidates
    routable = {p.status.pod_ip for p in state.list("Pod") if p.status.pod_ip in candidates
                and (publish or (kubelet.is_pod_ready(p) and p.metadata.deletion_timestamp is None))}
    if routable:
        assert backends == routable
