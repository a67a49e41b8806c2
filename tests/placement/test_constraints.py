"""One feasible and one infeasible case per constraint kind; the explanation names the
objects involved and the lines where they are written."""

from kspec.placement.verify import violations
from tests.placement.helpers import deployment, line_of, node, solve

ANTI_SELF = """\
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
"""


def _sat(text: str, **options):
    problem, answer = solve(text, **options)
    assert answer.status == "sat", answer.explanation
    assert violations(problem, answer.assignments) == []
    return problem, answer


def _unsat(text: str, **options):
    problem, answer = solve(text, **options)
    assert answer.status == "unsat", answer
    assert answer.explanation
    return problem, answer


def test_resources_fit_exactly():
    """Equality fits: two 2-CPU pods fill a 4-CPU node."""
    _, answer = _sat(node("n1") + deployment("web", 2, cpu="2"))
    assert set(answer.assignments.values()) == {"n1"}


def test_resources_over_the_cluster_are_proved_by_the_bound():
    """More CPU requested than all nodes hold: the bound proves it and names the workload."""
    text = node("n1") + node("n2") + deployment("web", 3, cpu="3")
    _, answer = _unsat(text)
    assert answer.method == "bounds"
    assert "request 9 cpu in all, the 2 nodes have 8 allocatable" in answer.explanation[0].message
    assert "Deployment/shop/web" in answer.explanation[0].objects


def test_resources_fragmented_are_proved_by_z3_with_node_lines():
    """Totals fit (6 of 8 CPUs) but no node takes two 3-CPU pods... with a third: core names nodes."""
    text = node("n1") + node("n2") + deployment("web", 2, cpu="3") + deployment("api", 1, cpu="1500m")
    _, answer = _unsat(text)
    assert answer.method == "z3"
    headline = answer.explanation[0]
    assert "cannot" in headline.message and "capacity" in headline.message
    capacity = [e for e in answer.explanation[1:] if "cpu capacity" in e.message]
    # a Node's position is its first line (apiVersion), two above its name
    assert {e.line for e in capacity} == {line_of(text, "name: n1") - 2, line_of(text, "name: n2") - 2}


def test_a_pod_that_fits_no_node_alone():
    """A 5-CPU pod and 4-CPU nodes: 'fits on no node', at the Deployment's line."""
    text = node("n1") + deployment("web", 1, cpu="5")
    _, answer = _unsat(text)
    assert "fits on no node" in answer.explanation[0].message and "Insufficient cpu" in answer.explanation[0].message
    assert answer.explanation[0].line == line_of(text, "kind: Deployment") - 1


def test_node_name_pins_an_existing_pod():
    """An existing pod with nodeName stays put and uses its node's capacity."""
    existing = ("---\napiVersion: v1\nkind: Pod\nmetadata: {name: old, namespace: shop}\nspec:\n  nodeName: n1\n"
                "  containers: [{name: c, image: x, resources: {requests: {cpu: '3'}}}]\n")
    _, answer = _sat(node("n1") + node("n2") + existing + deployment("web", 1, cpu="2"))
    assert answer.assignments["shop/old"] == "n1" and answer.assignments["shop/web-0"] == "n2"
    _unsat(node("n1") + existing + deployment("web", 1, cpu="2"))


def test_node_selector():
    """nodeSelector picks the labelled node; with no such node nothing fits."""
    selector = "      nodeSelector: {disk: ssd}\n"
    _, answer = _sat(node("n1") + node("n2", labels="disk: ssd") + deployment("db", 1, pod_spec=selector))
    assert answer.assignments["shop/db-0"] == "n2"
    _, answer = _unsat(node("n1") + deployment("db", 1, pod_spec=selector))
    assert "didn't match Pod's node affinity/selector" in answer.explanation[0].message


def test_required_node_affinity_gt():
    """A Gt expression admits only nodes whose label is a larger integer."""
    affinity = """\
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: generation, operator: Gt, values: ["5"]}]
"""
    _, answer = _sat(node("old", labels="generation: '4'") + node("new", labels="generation: '6'")
                     + deployment("web", 1, pod_spec=affinity))
    assert answer.assignments["shop/web-0"] == "new"
    _unsat(node("old", labels="generation: '4'") + deployment("web", 1, pod_spec=affinity))


def test_taints_and_tolerations():
    """A NoSchedule taint is tolerated only with a toleration; the core names the tainted node's line."""
    taint = "{key: dedicated, value: db, effect: NoSchedule}"
    toleration = "      tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}]\n"
    _sat(node("n1", taints=taint) + deployment("db", 1, pod_spec=toleration))
    text = node("n1") + node("n2", taints=taint) + deployment("web", 3, cpu="2")
    _, answer = _unsat(text)
    assert any("untolerated taint {dedicated: db}" in e.message and e.line == line_of(text, "name: n2") - 2
               for e in answer.explanation[1:])


def test_empty_key_exists_tolerates_everything():
    """An empty key with Exists tolerates every taint."""
    taint = "{key: a, value: b, effect: NoExecute}"
    _sat(node("n1", taints=taint) + deployment("web", 1, pod_spec="      tolerations: [{operator: Exists}]\n"))


def test_unschedulable_node():
    """A cordoned node takes no new pod."""
    _, answer = _unsat(node("n1", unschedulable=True) + deployment("web", 1))
    assert "unschedulable" in answer.explanation[0].message


def test_host_ports():
    """Two pods asking for host port 8080 need two nodes; the core names the port."""
    port = "        ports: [{containerPort: 8080, hostPort: 8080}]\n"
    _, answer = _sat(node("n1") + node("n2") + deployment("web", 2, container=port))
    assert len(set(answer.assignments.values())) == 2
    text = node("n1") + deployment("web", 2, container=port)
    _, answer = _unsat(text)
    assert any("host port 8080/TCP" in e.message for e in answer.explanation)


def test_anti_affinity_needs_distinct_hosts():
    """Three replicas with hostname anti-affinity: three nodes fit, two do not, and the core
    names the anti-affinity at its line."""
    _sat(node("n1") + node("n2") + node("n3") + deployment("web", 3, pod_spec=ANTI_SELF))
    text = node("n1") + node("n2") + deployment("web", 3, pod_spec=ANTI_SELF)
    _, answer = _unsat(text)
    anti = [e for e in answer.explanation[1:] if "anti-affinity of web on kubernetes.io/hostname needs 3" in e.message]
    assert anti and anti[0].line == line_of(text, "podAntiAffinity")


def test_existing_pods_anti_affinity_is_symmetric():
    """An existing pod's anti-affinity keeps matching newcomers off its node."""
    existing = """---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: shop, labels: {app: lonely}}
spec:
  nodeName: n1
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: web}}
        topologyKey: kubernetes.io/hostname
  containers: [{name: c, image: x}]
"""
    _, answer = _sat(node("n1") + node("n2") + existing + deployment("web", 1))
    assert answer.assignments["shop/web-0"] == "n2"
    _unsat(node("n1") + existing + deployment("web", 1))


def test_pod_affinity_follows_its_target_and_the_first_pod_rule():
    """web must share a zone with cache; cache alone may go anywhere (first-pod rule for a
    self-selecting group); with cache's zone full, web cannot be placed."""
    affinity = """\
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: cache}}
            topologyKey: topology.kubernetes.io/zone
"""
    self_affinity = affinity.replace("app: cache", "app: solo")
    zones = node("a1", labels="topology.kubernetes.io/zone: a") + node("b1", labels="topology.kubernetes.io/zone: b")
    cache_in_a = deployment("cache", 1, pod_spec="      nodeSelector: {topology.kubernetes.io/zone: a}\n")
    _, answer = _sat(zones + cache_in_a + deployment("web", 1, pod_spec=affinity))
    assert answer.assignments["shop/web-0"] == "a1"
    _sat(zones + deployment("solo", 1, pod_spec=self_affinity))
    text = zones + cache_in_a.replace('cpu: "1"', 'cpu: "4"') + deployment("web", 1, pod_spec=affinity)
    _, answer = _unsat(text)
    assert any("affinity on topology.kubernetes.io/zone" in e.message for e in answer.explanation)


def test_topology_spread_over_zones():
    """maxSkew 1 over two zones: 4 pods go 2/2; minDomains 3 with two zones caps each at 1."""
    spread = """\
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: web}}%s
"""
    nodes = (node("a1", labels="topology.kubernetes.io/zone: a") + node("a2", labels="topology.kubernetes.io/zone: a")
             + node("b1", cpu="8", labels="topology.kubernetes.io/zone: b"))
    problem, answer = _sat(nodes + deployment("web", 4, pod_spec=spread % ""))
    zones = [answer.assignments[p.key][0] for p in problem.pods]
    assert sorted(zones) == ["a", "a", "b", "b"]
    text = nodes + deployment("web", 3, pod_spec=spread % "\n        minDomains: 3")
    _, answer = _unsat(text)
    assert any("topology spread on topology.kubernetes.io/zone" in e.message
               and e.line == line_of(text, "topologySpreadConstraints") for e in answer.explanation)


def test_kubernetes_109364_six_replicas_are_infeasible():
    """Zone A with two nodes, zone B with one, zone and hostname spread at maxSkew 1 (the
    setup of kubernetes#109364): five replicas fit, a sixth cannot, proved."""
    spread = """\
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule,
         labelSelector: {matchLabels: {app: web}}}
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
         labelSelector: {matchLabels: {app: web}}}
"""
    nodes = (node("n11", labels="topology.kubernetes.io/zone: a") + node("n12", labels="topology.kubernetes.io/zone: a")
             + node("n21", labels="topology.kubernetes.io/zone: b"))
    _sat(nodes + deployment("web", 5, cpu="100m", pod_spec=spread))
    _unsat(nodes + deployment("web", 6, cpu="100m", pod_spec=spread))


def test_quota_refuses_pods_before_any_search():
    """A ResourceQuota of 2 pods refuses the third replica: the explanation names the quota and its line."""
    quota = "---\napiVersion: v1\nkind: ResourceQuota\nmetadata: {name: small, namespace: shop}\nspec:\n  hard: {pods: '2'}\n"
    text = node("n1") + quota + deployment("web", 3, cpu="100m")
    _, answer = _unsat(text)
    assert answer.method == "bounds"
    message = answer.explanation[0].message
    assert "1 of 3 pods are refused by ResourceQuota shop/small" in message
    assert f"in.yaml:{line_of(text, 'kind: ResourceQuota') - 1}" in message
    _sat(node("n1") + quota + deployment("web", 2, cpu="100m"))


def test_preferences_are_soft_costs():
    """Preferred node affinity and PreferNoSchedule steer the placement without making it
    infeasible: the pod lands on the preferred, untainted node; cost 0."""
    prefer = """\
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 50
            preference: {matchExpressions: [{key: disk, operator: In, values: [ssd]}]}
"""
    text = (node("a", labels="disk: ssd", taints="{key: spot, value: 'yes', effect: PreferNoSchedule}")
            + node("b") + node("c", labels="disk: ssd") + deployment("db", 1, pod_spec=prefer))
    _, answer = _sat(text)
    assert answer.assignments["shop/db-0"] == "c" and answer.soft_cost == 0
    # with c full, the best left is b (50 unmatched) rather than a (100 for the taint)
    full = text + deployment("hog", 1, cpu="4", pod_spec="      nodeSelector: {kubernetes.io/hostname: c}\n")
    _, answer = _sat(full)
    assert answer.assignments["shop/db-0"] == "b" and answer.soft_cost == 50


def test_preferred_pod_anti_affinity_is_a_soft_cost():
    """cache prefers not to share a node with web: kspec keeps them apart (cost 0), while
    first-fit alone would stack both on n1."""
    anti = """\
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 30
            podAffinityTerm:
              labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname
"""
    problem, answer = _sat(node("n1") + node("n2") + deployment("web", 1) + deployment("cache", 1, pod_spec=anti))
    assert answer.assignments["shop/cache-0"] != answer.assignments["shop/web-0"] and answer.soft_cost == 0
