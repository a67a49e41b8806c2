"""Brute-force oracle: kspec's verdict equals "some order of the pods and some node per pod
passes the scheduler model's filters at each step", on small random clusters."""

from functools import lru_cache

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kspec.controllers.scheduler import filter_nodes
from kspec.controllers.schedsnapshot import Snapshot
from kspec.placement.solve import Options, place
from kspec.placement.verify import violations
from tests.placement.helpers import deployment, node, problem

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"


def oracle(p) -> bool:
    """Every order and every node per pod through ``scheduler.filter_nodes`` (memoised on the
    multiset of (identical pod class, node) placed so far)."""
    pods = [q for q in p.pods if q.fixed is None]
    fixed = [q.pod for q in p.pods if q.fixed is not None]
    namespaces = p.state.list("Namespace")
    classes: dict = {}
    kind = [classes.setdefault((q.pod.metadata.namespace, q.pod.metadata.labels, q.pod.spec), len(classes))
            for q in pods]

    def bound(q, name):
        return attrs.evolve(q.pod, spec=attrs.evolve(q.pod.spec, node_name=name))

    @lru_cache(maxsize=None)
    def reachable(state: tuple) -> bool:  # state: sorted ((class, node), ...) placed
        placed = list(state)
        if len(placed) == len(pods):
            return True
        used = {}
        chosen = []
        for c, name in placed:  # materialise: the first unused pods of each class
            i = next(i for i in range(len(pods)) if kind[i] == c and i not in used)
            used[i] = name
            chosen.append(bound(pods[i], name))
        snapshot = Snapshot(p.nodes, fixed + chosen, namespaces)
        tried = set()
        for i, q in enumerate(pods):
            if i in used or kind[i] in tried:
                continue
            tried.add(kind[i])
            feasible, _ = filter_nodes(snapshot, q.pod, snapshot.shape(q.pod))
            for info in feasible:
                if reachable(tuple(sorted(state + ((kind[i], info.name),)))):
                    return True
        return False

    return reachable(())


AFFINITY = """\
      affinity:
        {kind}:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {{matchLabels: {{app: {target}}}}}
            topologyKey: {key}
"""
SPREAD = ("      - {{maxSkew: {skew}, topologyKey: {key}, whenUnsatisfiable: DoNotSchedule, "
          "labelSelector: {{matchLabels: {{app: {target}}}}}{extra}}}\n")


@st.composite
def instances(draw) -> str:
    """<= 4 nodes (zone label on some, a disk label, a taint, 1-4 CPUs), <= 6 pods in
    workloads with node selectors, tolerations, required (anti-)affinity and DoNotSchedule
    spread, and sometimes an existing pod bound to n0 (with anti-affinity or without)."""
    text = ""
    for i in range(draw(st.integers(1, 4))):
        labels = []
        zone = draw(st.sampled_from(["a", "b", None]))
        if zone:
            labels.append(f"{ZONE}: {zone}")
        if draw(st.booleans()):
            labels.append("disk: ssd")
        taint = draw(st.sampled_from(["", "", "{key: dedicated, value: db, effect: NoSchedule}"]))
        text += node(f"n{i}", cpu=draw(st.sampled_from(["1", "2", "2", "4"])), labels=", ".join(labels), taints=taint)
    budget = draw(st.integers(1, 6))
    names = [f"w{w}" for w in range(draw(st.integers(1, 3)))]
    for name in names:
        if budget <= 0:
            break
        replicas = draw(st.integers(1, min(3, budget)))
        budget -= replicas
        extras = ""
        if draw(st.integers(0, 3)) == 0:
            extras += "      tolerations: [{key: dedicated, operator: Exists}]\n"
        if draw(st.integers(0, 3)) == 0:
            extras += "      nodeSelector: {disk: ssd}\n"
        terms = draw(st.lists(st.sampled_from(["affinity", "anti"]), max_size=2, unique=True))
        blocks = {}
        for kind in terms:
            blocks[kind] = AFFINITY.format(kind="podAffinity" if kind == "affinity" else "podAntiAffinity",
                                           target=draw(st.sampled_from(names)), key=draw(st.sampled_from([ZONE, HOST])))
        if len(blocks) == 2:  # one affinity: block with both kinds
            both = blocks["affinity"] + blocks["anti"].split("\n", 1)[1]
            extras += both
        else:
            extras += "".join(blocks.values())
        spreads = draw(st.lists(st.tuples(st.sampled_from([ZONE, HOST]), st.integers(1, 2), st.sampled_from(names),
                                          st.sampled_from(["", ", minDomains: 3", ", nodeTaintsPolicy: Honor",
                                                           ", nodeAffinityPolicy: Ignore"])),
                                max_size=2, unique_by=lambda t: t[0]))
        if spreads:
            extras += "      topologySpreadConstraints:\n" + "".join(
                SPREAD.format(key=key, skew=skew, target=target, extra=extra) for key, skew, target, extra in spreads)
        text += deployment(name, replicas, cpu=draw(st.sampled_from(["250m", "500m", "1", "2"])), memory="256Mi",
                           pod_spec=extras)
    if draw(st.integers(0, 3)) == 0:  # an existing pod, bound from the start (never re-checked)
        anti = draw(st.booleans())
        target = draw(st.sampled_from(names))
        text += EXISTING.format(app=draw(st.sampled_from(names)), extra=AFFINITY.replace("      ", "  ", 1).replace(
            "\n      ", "\n  ").format(kind="podAntiAffinity", target=target, key=draw(st.sampled_from([ZONE, HOST])))
            if anti else "")
    return text


EXISTING = """---
apiVersion: v1
kind: Pod
metadata: {{name: old, namespace: shop, labels: {{app: {app}}}}}
spec:
  nodeName: n0
{extra}  containers: [{{name: c, image: "x:1", resources: {{requests: {{cpu: 250m}}}}}}]
"""


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(instances())
def test_verdict_agrees_with_the_brute_force_oracle(text):
    """kspec says feasible exactly when some order and node choice passes every filter."""
    p = problem(text)
    expected = oracle(p)
    answer = place(p, Options(timeout=30))
    assert answer.status == ("sat" if expected else "unsat"), (answer.status, answer.notes, answer.explanation)
    if answer.status == "sat":
        assert violations(p, answer.assignments) == []
