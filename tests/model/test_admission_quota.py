"""ResourceQuota in the store's admission chain (upstream resourcequota/controller.go
checkRequest and the evaluators in pkg/quota/v1/evaluator/core)."""

import attrs
import pytest

from kspec.model import quota
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, UpdateStatus, apply
from tests.controllers.helpers import objects, state_of


def rq(hard: str, extra: str = "", name: str = "q") -> str:
    return f"apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n  hard: {hard}\n{extra}"


def pod_text(name: str, resources: str = "{requests: {cpu: 500m, memory: 128Mi}}", spec: str = "") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n{spec}"
            f"  containers: [{{name: c, image: x, resources: {resources}}}]\n")


def one(text: str):
    (obj,) = objects(text)
    return obj


def create_all(state, *texts):
    for text in texts:
        outcome = apply(state, Create(one(text)))
        assert outcome.ok, outcome.message
        state = outcome.state
    return state


def test_pod_count_quota_refuses_the_pod_beyond_it():
    """hard pods: 2 -> the third pod is refused with upstream's exceeded-quota message."""
    state = create_all(state_of(rq("{pods: 2}")), pod_text("a"), pod_text("b"))
    outcome = apply(state, Create(one(pod_text("c"))))
    assert not outcome.ok and outcome.state is state
    assert outcome.message == ('pods "c" is forbidden: exceeded quota: q, requested: pods=1, '
                               'used: pods=2, limited: pods=2')


def test_compute_quota_names_only_the_exceeded_resources():
    """requests.cpu and the cpu alias count requests; only exceeded names are printed, sorted."""
    state = create_all(state_of(rq("{cpu: '1', requests.memory: 1Gi, count/pods: 10}")), pod_text("a"))
    outcome = apply(state, Create(one(pod_text("b", "{requests: {cpu: 600m, memory: 128Mi}}"))))
    assert outcome.message.endswith("exceeded quota: q, requested: cpu=600m, used: cpu=500m, limited: cpu=1")


def test_limits_quota_counts_limits_and_a_limit_only_container_requests_its_limit():
    """limits.memory counts limits; SetDefaults_Pod makes a limit-only container request its limit."""
    state = state_of(rq("{limits.memory: 1Gi, requests.memory: 1Gi}"))
    state = create_all(state, pod_text("a", "{limits: {memory: 768Mi}}"))
    assert quota.used(state, state.get("ResourceQuota", "ns", "q")) == \
        {"limits.memory": 768 * 2**20, "requests.memory": 768 * 2**20}
    outcome = apply(state, Create(one(pod_text("b", "{limits: {memory: 512Mi}}"))))
    assert "requested: limits.memory=512Mi,requests.memory=512Mi, used: limits.memory=768Mi," \
           "requests.memory=768Mi, limited: limits.memory=1Gi,requests.memory=1Gi" in outcome.message


def test_cpu_quota_requires_every_container_to_state_cpu():
    """podEvaluator.Constraints: a quota on cpu refuses a pod whose container requests none."""
    outcome = apply(state_of(rq("{requests.cpu: '2', limits.memory: 1Gi}")),
                    Create(one(pod_text("a", "{requests: {memory: 64Mi}}"))))
    assert outcome.message == ('pods "a" is forbidden: failed quota: q: must specify '
                               'limits.memory for: c; requests.cpu for: c')


def test_limit_range_default_satisfies_the_quota_constraint():
    """LimitRanger runs before ResourceQuota: its defaults are what the quota sees."""
    lr = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: ns}\nspec:\n  limits:\n" \
         "  - {type: Container, defaultRequest: {cpu: 100m}, default: {cpu: 200m}}\n"
    state = state_of(lr + "---\n" + rq("{requests.cpu: '1'}"))
    state = create_all(state, pod_text("a", "{}"))
    assert quota.used(state, state.get("ResourceQuota", "ns", "q"))["requests.cpu"] == quota.Quantity.parse("100m")


def test_terminal_pods_do_not_use_compute_quota_but_count_as_objects():
    """QuotaV1Pod: a Succeeded pod frees `pods` and cpu, but count/pods still counts it."""
    state = create_all(state_of(rq("{pods: 1, count/pods: 2, cpu: 500m}")), pod_text("a"))
    done = state.get("Pod", "ns", "a")
    state = apply(state, UpdateStatus(attrs.evolve(done, status=attrs.evolve(done.status, phase="Succeeded")))).state
    state = create_all(state, pod_text("b"))
    outcome = apply(state, Create(one(pod_text("c"))))
    assert "requested: count/pods=1,cpu=500m,pods=1, used: count/pods=2,cpu=500m,pods=1" in outcome.message


def test_a_terminating_pod_counts_until_its_deletion_is_overdue():
    """QuotaV1Pod: a terminating pod counts until now > deletionTimestamp + grace period."""
    state = create_all(state_of(rq("{pods: 1}")), pod_text("a", spec="  nodeName: node-0\n"))
    state = apply(state, Delete("Pod", "ns", "a")).state  # graceful: deletionTimestamp = 30, grace 30
    assert state.get("Pod", "ns", "a").metadata.deletion_timestamp == 30
    assert not apply(state.with_clock(60), Create(one(pod_text("b")))).ok
    assert apply(state.with_clock(61), Create(one(pod_text("b")))).ok


@pytest.mark.parametrize("scopes, best_effort_ok, burstable_ok", [
    ("  scopes: [BestEffort]\n", False, True),
    ("  scopes: [NotBestEffort]\n", True, False),
])
def test_best_effort_scopes(scopes, best_effort_ok, burstable_ok):
    """A BestEffort-scoped quota limits only pods without cpu/memory requests or limits."""
    state = create_all(state_of(rq("{pods: 1}", scopes)), pod_text("x", "{}"),
                       pod_text("y", "{requests: {cpu: 100m}}"))
    # whichever scope: exactly one of the two existing pods counted, so one more of that kind fails
    assert apply(state, Create(one(pod_text("be", "{}")))).ok == best_effort_ok
    assert apply(state, Create(one(pod_text("bu", "{requests: {cpu: 100m}}")))).ok == burstable_ok


def test_create_state_for_scopes_needs_room():
    """Creating the first pod of each kind under pods: 1 with scope fits (sanity of the above)."""
    state = state_of(rq("{pods: 1}", "  scopes: [BestEffort]\n"))
    assert apply(state, Create(one(pod_text("be", "{}")))).ok


def test_terminating_scope_selects_pods_with_an_active_deadline():
    """Terminating = spec.activeDeadlineSeconds >= 0; NotTerminating the others."""
    state = create_all(state_of(rq("{pods: 1}", "  scopes: [Terminating]\n")),
                       pod_text("t", spec="  activeDeadlineSeconds: 60\n"))
    assert not apply(state, Create(one(pod_text("t2", spec="  activeDeadlineSeconds: 30\n")))).ok
    assert apply(state, Create(one(pod_text("long")))).ok


def test_priority_class_scope_selector():
    """scopeSelector PriorityClass In [high] limits only pods of that priority class."""
    selector = ("  scopeSelector:\n    matchExpressions:\n"
                "    - {scopeName: PriorityClass, operator: In, values: [high]}\n")
    state = create_all(state_of(rq("{pods: 1}", selector)), pod_text("h", spec="  priorityClassName: high\n"))
    assert not apply(state, Create(one(pod_text("h2", spec="  priorityClassName: high\n")))).ok
    assert apply(state, Create(one(pod_text("low", spec="  priorityClassName: low\n")))).ok
    assert apply(state, Create(one(pod_text("none")))).ok


def test_scoped_quota_does_not_count_other_kinds():
    """MatchesNoScopeFunc: a quota with scopes never matches Services or ConfigMaps."""
    state = state_of(rq("{pods: 1, services: 0}", "  scopes: [NotTerminating]\n"))
    svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: ns}\nspec: {ports: [{port: 80}]}\n"
    assert apply(state, Create(one(svc))).ok


def test_object_counts_legacy_and_count_syntax():
    """configmaps / count/deployments.apps: object counts per kind."""
    state = state_of(rq("{configmaps: 1, count/deployments.apps: 0}"))
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: ns}\n"
    state = create_all(state, cm % "a")
    assert "requested: configmaps=1, used: configmaps=1, limited: configmaps=1" in \
        apply(state, Create(one(cm % "b"))).message
    deploy = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\nspec:\n"
              "  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n"
              "    spec: {containers: [{name: c, image: x}]}\n")
    assert "exceeded quota: q, requested: count/deployments.apps=1" in apply(state, Create(one(deploy))).message


def test_services_load_balancers_and_node_ports_including_on_update():
    """services.go: a LoadBalancer uses one load balancer and a node port per port; a type
    change on update is checked too."""
    state = state_of(rq("{services.loadbalancers: 0, services.nodeports: 2}"))
    svc = ("apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: ns}\n"
           "spec: {type: %s, ports: [{port: 80}, {port: 443}]}\n")
    state = create_all(state, svc % "NodePort")
    outcome = apply(state, Create(one(svc.replace("name: s", "name: t") % "NodePort")))
    assert "requested: services.nodeports=2, used: services.nodeports=2" in outcome.message
    stored = state.get("Service", "ns", "s")
    lb = attrs.evolve(stored, spec=attrs.evolve(stored.spec, type="LoadBalancer"))
    outcome = apply(state, Update(lb))
    assert not outcome.ok and "requested: services.loadbalancers=1" in outcome.message


def test_storage_quota_per_class_and_total():
    """persistent_volume_claims.go: requests.storage and <class>.storageclass.storage.k8s.io/..."""
    hard = "{requests.storage: 10Gi, gold.storageclass.storage.k8s.io/requests.storage: 5Gi, " \
           "gold.storageclass.storage.k8s.io/persistentvolumeclaims: 1}"
    claim = ("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: %s, namespace: ns}\n"
             "spec: {storageClassName: %s, accessModes: [ReadWriteOnce], resources: {requests: {storage: %s}}}\n")
    state = create_all(state_of(rq(hard)), claim % ("a", "gold", "4Gi"))
    assert "requested: gold.storageclass.storage.k8s.io/persistentvolumeclaims=1," \
           "gold.storageclass.storage.k8s.io/requests.storage=2Gi" in \
        apply(state, Create(one(claim % ("b", "gold", "2Gi")))).message
    state = create_all(state, claim % ("c", "silver", "6Gi"))
    assert "requested: requests.storage=1Gi, used: requests.storage=10Gi, limited: requests.storage=10Gi" in \
        apply(state, Create(one(claim % ("d", "silver", "1Gi")))).message


def test_rejected_controller_create_is_retried_when_the_state_changes():
    """The runner records the refusal and the controller's create succeeds once quota frees up."""
    from kspec.controllers import replicaset
    rs = ("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r, namespace: ns}\nspec:\n  replicas: 2\n"
          "  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n"
          "    spec: {containers: [{name: c, image: x}]}\n")
    state = state_of(rq("{pods: 1}") + "---\n" + rs)
    actors = (Actor(replicaset.NAME, replicaset.reconcile),)
    result = run(state, actors, max_steps=50)
    refused = [s for s in result.timeline if not s.ok]
    assert refused and "exceeded quota: q" in refused[0].message
    assert len(result.state.list("Pod", "ns")) == 1
    hq = result.state.get("ResourceQuota", "ns", "q")
    raised = attrs.evolve(hq, spec=attrs.evolve(hq.spec, hard=hq.spec.hard.set("pods", quota.Quantity.parse(2))))
    state = apply(result.state, Update(raised)).state
    assert len(run(state, actors, max_steps=50).state.list("Pod", "ns")) == 2
