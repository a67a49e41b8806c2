"""Plain-Python check of a complete placement against every constraint kind.

Independent of the Z3 encoding (it never imports z3) and of the search that found the
placement: a placement this module accepts proves feasibility whoever found it. The
semantics are the filter plugins' (``pkg/scheduler/framework/plugins``) read on the final
placement: resources (``NodeResourcesFit``, equality fits), static filters (NodeName,
NodeUnschedulable, TaintToleration, NodeAffinity), ``NodePorts``, ``InterPodAffinity``
(required affinity with the first-pod rule, anti-affinity both ways) and
``PodTopologySpread`` (DoNotSchedule: a domain's matching pods minus the fewest in any
eligible domain, 0 while fewer than ``minDomains`` domains exist, at most ``maxSkew``).
"""

from __future__ import annotations

from typing import Mapping

from kspec.api import core
from kspec.controllers import interpod, topologyspread
from kspec.controllers.nodeplugins import host_ports, node_taints, ports_conflict, required_node_affinity_matches, \
    untolerated_taint
from kspec.placement.problem import PodToPlace, Problem, static_reason


def namespace_labels(problem: Problem) -> dict[str, dict]:
    return {ns.metadata.name: dict(ns.metadata.labels) for ns in problem.state.list("Namespace")}


def _ns(p: PodToPlace) -> str:
    return p.pod.metadata.namespace or "default"


def term_matches(term: interpod.AffinityTerm, q: PodToPlace, ns_labels: Mapping[str, dict]) -> bool:
    return term.matches(q.pod, ns_labels.get(_ns(q), {}))


def spread_counts_node(c: topologyspread.Constraint, p: PodToPlace, node: core.Node) -> bool:
    """``matchNodeInclusionPolicies`` for the constraint's owner ``p``."""
    if c.node_affinity_policy == "Honor" and not required_node_affinity_matches(p.pod, node):
        return False
    if c.node_taints_policy == "Honor" and untolerated_taint(node_taints(node), p.pod.spec.tolerations) is not None:
        return False
    return True


def violations(problem: Problem, assignment: Mapping[str, str]) -> list[str]:
    """Every constraint the placement breaks, as sentences (empty: the placement is valid)."""
    found: list[str] = []
    nodes = {n.metadata.name: n for n in problem.nodes}
    ns_labels = namespace_labels(problem)
    placed: dict[str, list[PodToPlace]] = {name: [] for name in nodes}
    for p in problem.pods:
        node = assignment.get(p.key)
        if node is None:
            found.append(f"{p.key} is not placed")
            continue
        if node not in nodes:
            found.append(f"{p.key} is on unknown node {node}")
            continue
        if p.fixed is not None and node != p.fixed:
            found.append(f"{p.key} must stay on {p.fixed}")
        if p.fixed is None:
            reason = static_reason(p, nodes[node])
            if reason:
                found.append(f"{p.key} on {node}: {reason}")
        placed[node].append(p)
    for name, pods in placed.items():
        allocatable = problem.allocatable(nodes[name])
        used: dict[str, int] = {}
        ports: set = set()
        for p in pods:
            for resource, value in p.requests.items():
                used[resource] = used.get(resource, 0) + value
            wanted = host_ports(p.pod)
            if wanted and ports_conflict(wanted, ports):
                found.append(f"{p.key} on {name}: host port conflict")
            ports.update(wanted)
        for resource, value in used.items():
            if value > 0 and value > allocatable.get(resource, 0):
                found.append(f"{name}: {resource} requested {value} > allocatable {allocatable.get(resource, 0)}")
    where = {p.key: nodes[assignment[p.key]] for p in problem.pods if assignment.get(p.key) in nodes}
    everyone = [p for p in problem.pods if p.key in where]
    cache: dict = {}
    for p in everyone:
        if interpod.pod_terms(p.pod).any:
            found += _affinity_violations(p, everyone, where, ns_labels)
        if p.pod.spec.topology_spread_constraints:
            found += _spread_violations(p, everyone, where, problem, cache)
    return found


def _domain(node: core.Node, key: str) -> str | None:
    return node.metadata.labels.get(key)


def _affinity_violations(p, everyone, where, ns_labels) -> list[str]:
    found = []
    terms = interpod.pod_terms(p.pod)
    mine = where[p.key]
    for term in terms.required_anti:
        value = _domain(mine, term.topology_key)
        if value is None:
            continue
        for q in everyone:
            if q.key != p.key and term_matches(term, q, ns_labels) and _domain(where[q.key], term.topology_key) == value:
                found.append(f"{p.key}: anti-affinity on {term.topology_key} broken by {q.key} ({value})")
                break
    for term in terms.required_affinity:
        others = [q for q in everyone if q.key != p.key and term_matches(term, q, ns_labels)]
        if not others and term_matches(term, p, ns_labels):
            continue  # the first pod of a group that selects itself (upstream's bootstrap rule)
        value = _domain(mine, term.topology_key)
        if value is None or not any(_domain(where[q.key], term.topology_key) == value for q in others):
            found.append(f"{p.key}: affinity on {term.topology_key} has no matching pod in its domain")
    return found


def spread_counts(c, p, everyone, where, problem: Problem) -> dict[str, int]:
    """Matching pods per domain of the nodes eligible for ``p``'s constraint ``c``."""
    eligible = [n for n in problem.nodes if spread_counts_node(c, p, n) and _domain(n, c.topology_key) is not None]
    counts = {_domain(n, c.topology_key): 0 for n in eligible}
    eligible_names = {n.metadata.name for n in eligible}
    for q in everyone:
        node = where[q.key]
        if node.metadata.name in eligible_names and _ns(q) == _ns(p) and c.selector.matches(q.pod.metadata.labels):
            counts[_domain(node, c.topology_key)] += 1
    return counts


def _spread_violations(p, everyone, where, problem: Problem, cache: dict) -> list[str]:
    from kspec.controllers.schedsnapshot import shape_key

    found = []
    for c in topologyspread.constraints(p.pod, "DoNotSchedule"):
        mine = _domain(where[p.key], c.topology_key)
        if mine is None:
            found.append(f"{p.key}: node {where[p.key].metadata.name} lacks topology key {c.topology_key}")
            continue
        key = (_ns(p), c, shape_key(p.pod))
        counts = cache.get(key)
        if counts is None:
            counts = cache[key] = spread_counts(c, p, everyone, where, problem)
        low = 0 if len(counts) < c.min_domains else min(counts.values(), default=0)
        if counts.get(mine, 0) - low > c.max_skew:
            found.append(f"{p.key}: topology spread on {c.topology_key} skew {counts.get(mine, 0) - low} > "
                         f"maxSkew {c.max_skew}")
    return found
