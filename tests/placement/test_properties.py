"""Hypothesis properties of ``kspec place`` on small random clusters.

- every placement returned passes the independent plain-Python check;
- whenever the greedy scheduler places everything, kspec says feasible;
- kspec never says infeasible when a placement exists (checked against the greedy one).
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kspec.placement.greedy import compare_greedy
from kspec.placement.solve import Options, place
from kspec.placement.verify import violations
from tests.placement.helpers import deployment, node, problem

ZONES = ("a", "b")


@st.composite
def clusters(draw) -> str:
    count = draw(st.integers(1, 4))
    text = ""
    for i in range(count):
        taint = draw(st.sampled_from(["", "{key: dedicated, value: db, effect: NoSchedule}"]))
        labels = f"topology.kubernetes.io/zone: {ZONES[i % 2]}" + draw(st.sampled_from(["", ", disk: ssd"]))
        text += node(f"n{i}", cpu=draw(st.sampled_from(["1", "2", "4"])), labels=labels, taints=taint)
    for w in range(draw(st.integers(1, 3))):
        name = f"w{w}"
        extras = ""
        if draw(st.booleans()):
            extras += "      tolerations: [{key: dedicated, operator: Exists}]\n"
        if draw(st.booleans()):
            extras += "      nodeSelector: {disk: ssd}\n"
        kind = draw(st.sampled_from(["none", "anti", "spread", "ports"]))
        container = ""
        if kind == "anti":
            extras += ("      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n"
                       f"          - labelSelector: {{matchLabels: {{app: {name}}}}}\n"
                       "            topologyKey: kubernetes.io/hostname\n")
        elif kind == "spread":
            extras += ("      topologySpreadConstraints:\n      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, "
                       f"whenUnsatisfiable: DoNotSchedule, labelSelector: {{matchLabels: {{app: {name}}}}}}}\n")
        elif kind == "ports":
            container = "        ports: [{containerPort: 80, hostPort: 80}]\n"
        text += deployment(name, draw(st.integers(1, 4)), cpu=draw(st.sampled_from(["250m", "500m", "1", "2"])),
                           memory="256Mi", pod_spec=extras, container=container)
    return text


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(clusters())
def test_every_placement_passes_the_independent_check(text):
    """A 'sat' answer's assignments place every pod and break no constraint."""
    p = problem(text)
    answer = place(p, Options(timeout=20))
    if answer.status == "sat":
        assert set(answer.assignments) == {q.key for q in p.pods}
        assert violations(p, answer.assignments) == []
    else:
        assert answer.status == "unsat" and answer.explanation


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(clusters())
def test_whenever_greedy_places_everything_kspec_says_feasible(text):
    """Greedy's complete placement is a witness: kspec must find one too."""
    p = problem(text)
    greedy = compare_greedy(p)
    if not greedy.pending:
        assert violations(p, greedy.assignments) == []
        assert place(p, Options(timeout=20)).status == "sat"
