"""A feasible verdict means an order in which kube-scheduler's filters admit every pod one
at a time; the three cases of issue 18 where kspec used to contradict its own greedy run."""

from pathlib import Path

from kspec.cli import main
from kspec.placement.greedy import compare_greedy
from kspec.placement.solve import Options, place
from kspec.placement.verify import schedule_order, violations
from tests.placement.helpers import deployment, node, problem

DATA = Path(__file__).resolve().parent / "data"


def _run(name: str, capsys) -> tuple[int, str]:
    code = main(["place", str(DATA / name), "--compare-greedy"])
    return code, capsys.readouterr().out


def test_mutual_affinity_without_self_match_is_infeasible(capsys):
    """Two pods whose required affinity selects only the other, neither itself: no first pod, exit 1."""
    # upstream interpodaffinity/filtering.go satisfyPodAffinity: with no matching pod anywhere
    # the pod passes only if it matches all its own terms
    code, out = _run("mutual-affinity.yaml", capsys)
    assert code == 1
    assert out.startswith("infeasible:")
    assert "greedy (kube-scheduler model, input order): 0 of 2 placed" in out


def test_zone_and_hostname_spread_ignore_a_node_without_the_zone_label(capsys):
    """A node lacking the zone key is no hostname domain either: 3 replicas fit on 2 nodes, exit 0."""
    # upstream podtopologyspread/filtering.go calPreFilterState: nodes without every
    # constraint's topology key are skipped (nodeLabelsMatchSpreadConstraints)
    code, out = _run("spread-missing-zone.yaml", capsys)
    assert code == 0
    assert out.startswith("feasible: all 3 pods placed")
    assert "greedy (kube-scheduler model, input order): 3 of 3 placed" in out


def test_a_spread_constraint_is_checked_only_when_its_own_pod_is_scheduled(capsys):
    """Another pod landing later in the spread pod's domain does not undo it: feasible, exit 0."""
    code, out = _run("spread-own-constraint.yaml", capsys)
    assert code == 0
    assert out.startswith("feasible: all 2 pods placed")
    assert "greedy (kube-scheduler model, input order): 2 of 2 placed" in out


def test_the_checker_finds_the_order_and_refuses_a_placement_with_none():
    """The replay names an order for case (c), and no order exists for case (a) on its only node."""
    c = _load("spread-own-constraint.yaml")
    result = schedule_order(c, {"default/spread": "n1", "default/plain": "n1"})
    assert result.order is not None and result.order.index("default/spread") < result.order.index("default/plain")
    a = _load("mutual-affinity.yaml")
    found = violations(a, {"default/a": "n1", "default/b": "n1"})
    assert found and found[0].startswith("no order in which kube-scheduler admits every pod")


def test_self_selecting_affinity_lets_exactly_the_first_pod_go_anywhere():
    """A group selecting itself: the first pod goes anywhere, the rest follow it; no others."""
    affinity = """\
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
"""
    text = node("n1", cpu="2") + node("n2", cpu="2") + deployment("web", 3, pod_spec=affinity)
    p = problem(text)
    assert place(p, Options()).status == "unsat"  # 3 CPUs must share one 2-CPU node
    p = problem(node("n1", cpu="3") + node("n2", cpu="2") + deployment("web", 3, pod_spec=affinity))
    answer = place(p, Options())
    assert answer.status == "sat" and set(answer.assignments.values()) == {"n1"}
    assert not compare_greedy(p).pending


def test_pods_bound_from_the_start_are_not_rechecked():
    """An existing pod's own spread constraint is not read again when others land (upstream never re-filters)."""
    spread = """\
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
         labelSelector: {matchLabels: {app: web}}}
"""
    existing = """---
apiVersion: v1
kind: Pod
metadata: {name: old, namespace: shop, labels: {app: web}}
spec:
  nodeName: n1
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
     labelSelector: {matchLabels: {app: web}}}
  containers: [{name: c, image: "x:1"}]
"""
    text = node("n1") + node("n2") + existing + deployment("web", 3, pod_spec=spread)
    p = problem(text)
    answer = place(p, Options())
    assert answer.status == "sat"
    assert violations(p, answer.assignments) == []
    assert not compare_greedy(p).pending


def test_a_pod_not_matching_its_own_affinity_term_needs_a_matching_pod():
    """Affinity NotIn its own label, no pod matches anywhere: infeasible, as upstream refuses it."""
    # ported from upstream interpodaffinity filtering_test.go TestRequiredAffinitySingleNode:
    # "pod matches its own Label in PodAffinity and that matches the existing pod Labels"
    affinity = """\
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web, value2]}]}
            topologyKey: region
"""
    text = node("n1", labels="region: r1") + deployment("web", 1, pod_spec=affinity)
    p = problem(text)
    assert place(p, Options()).status == "unsat"
    assert compare_greedy(p).pending


def _z3_only(monkeypatch):
    """Make the heuristic and the greedy witness find nothing, so Z3 must answer."""
    from kspec.placement import solve
    from kspec.placement.greedy import GreedyAnswer

    monkeypatch.setattr(solve, "first_fit_decreasing", lambda problem, **kw: ({}, [p.key for p in problem.pods]))
    monkeypatch.setattr(solve, "compare_greedy", lambda problem: GreedyAnswer(assignments={}, pending={"x": "x"}))


def _load(name: str):
    from kspec.api.registry import decode_object
    from kspec.placement.problem import build
    from kspec.reading.loader import load_text

    manifests, errors = load_text((DATA / name).read_text(), name)
    assert not errors
    return build(decode_object(m) for m in manifests)


def test_the_z3_encoding_alone_gives_the_three_verdicts(monkeypatch):
    """With the heuristics out of the way, Z3's order encoding decides (a) infeasible, (b) and (c) feasible."""
    _z3_only(monkeypatch)
    assert place(_load("mutual-affinity.yaml"), Options()).status == "unsat"
    for name in ("spread-missing-zone.yaml", "spread-own-constraint.yaml"):
        p = _load(name)
        answer = place(p, Options())
        assert (answer.status, answer.method) == ("sat", "z3"), name
        assert violations(p, answer.assignments) == []


def test_a_z3_model_the_checker_refuses_is_never_reported(monkeypatch):
    """If the replay refused every model (a kspec bug), the answer is no verdict, not feasible."""
    from kspec.placement import solve

    _z3_only(monkeypatch)
    monkeypatch.setattr(solve, "violations", lambda problem, assignment, order=None: ["refused"])
    answer = place(_load("spread-own-constraint.yaml"), Options())
    assert answer.status == "unknown" and not answer.proven
    assert answer.notes and answer.notes[0].startswith("internal: Z3's placement fails the independent check")
