"""Plain-Python check of a complete placement: can kube-scheduler produce it?

Independent of the Z3 encoding (it never imports z3) and of the search that found the
placement: a placement this module accepts proves feasibility whoever found it.

Semantics: a placement is valid when there is an ORDER in which kube-scheduler's filters
(``pkg/scheduler/framework/plugins``, as ``kspec/controllers/scheduler.py`` models them)
admit every pod to its node one at a time, given the pods bound before it (existing pods
fixed to their node are bound from the start and are not re-checked, as upstream never
re-filters a bound pod). Two parts:

- order-independent filters, checked on the final placement: static filters (NodeName,
  NodeUnschedulable, TaintToleration, NodeAffinity), ``NodeResourcesFit`` (usage only grows,
  so the final sums bound every prefix; equality fits), ``NodePorts`` and required
  anti-affinity (a conflicting pair fails whichever of the two comes second: the newcomer's
  own terms one way, the existing pod's terms (symmetry) the other way);
- order-dependent filters, replayed pod by pod (:func:`schedule_order`): required pod
  affinity (a pod whose terms match no bound pod may go only if it matches its own terms,
  upstream's first-pod rule) and ``PodTopologySpread`` DoNotSchedule (only the constraints
  of the pod being scheduled, counted over the nodes that carry every constraint's key and
  pass nodeAffinityPolicy/nodeTaintsPolicy, globalMin 0 while fewer than minDomains).
  The replay calls the scheduler model's own filter functions (``topologyspread`` and
  ``interpod`` PreFilter/Filter on a ``schedsnapshot.Snapshot``).

The order is searched: the order a solver proposes first (Z3's order variables), then a
greedy pass (any pod whose node admits it now goes next), then an exhaustive search over
the pods the order matters for (identical pods bound for the same node are one class),
within a budget; past the budget the placement is not accepted ("undecided").
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import attrs

from kspec.api import core
from kspec.controllers import interpod, topologyspread
from kspec.controllers.nodeplugins import host_ports, node_taints, ports_conflict, required_node_affinity_matches, \
    untolerated_taint
from kspec.controllers.schedsnapshot import NAMESPACE_NAME_LABEL, Snapshot
from kspec.placement.problem import PodToPlace, Problem, static_reason

SEARCH_BUDGET = 20_000  # states of the exhaustive order search before "undecided"
GREEDY_CHECKS = 2_000_000  # filter calls of the greedy pass
MAX_SEARCH_PODS = 400  # pods past which the exhaustive search is not tried (its depth)


class NamespaceLabels(dict):
    """Namespace name -> labels, with ``kubernetes.io/metadata.name`` as the API server sets
    it (a namespace with no object has only that label), as ``Snapshot.namespace_labels``."""

    def get(self, namespace, default=None):  # noqa: D401 - dict protocol
        found = super().get(namespace)
        return found if found is not None else {NAMESPACE_NAME_LABEL: namespace}


def namespace_labels(problem: Problem) -> NamespaceLabels:
    return NamespaceLabels({ns.metadata.name: {**ns.metadata.labels, NAMESPACE_NAME_LABEL: ns.metadata.name}
                            for ns in problem.state.list("Namespace")})


def _ns(p: PodToPlace) -> str:
    return p.pod.metadata.namespace or "default"


def term_matches(term: interpod.AffinityTerm, q: PodToPlace, ns_labels: Mapping[str, dict]) -> bool:
    return term.matches(q.pod, ns_labels.get(_ns(q)) or {NAMESPACE_NAME_LABEL: _ns(q)})


def matches_all(terms: Sequence[interpod.AffinityTerm], q: PodToPlace, ns_labels) -> bool:
    """Upstream counts an existing pod for required affinity only if it matches every term."""
    return all(term_matches(t, q, ns_labels) for t in terms)


def spread_counts_node(c: topologyspread.Constraint, p: PodToPlace, node: core.Node) -> bool:
    """``matchNodeInclusionPolicies`` for the constraint's owner ``p``."""
    if c.node_affinity_policy == "Honor" and not required_node_affinity_matches(p.pod, node):
        return False
    if c.node_taints_policy == "Honor" and untolerated_taint(node_taints(node), p.pod.spec.tolerations) is not None:
        return False
    return True


def spread_eligible(c: topologyspread.Constraint, p: PodToPlace, node: core.Node,
                    cs: Sequence[topologyspread.Constraint]) -> bool:
    """Whether ``node``'s pods count for ``p``'s constraint ``c``: it carries the topology key
    of every DoNotSchedule constraint ``cs`` of ``p`` and passes ``c``'s inclusion policies
    (``podtopologyspread/filtering.go`` ``calPreFilterState``)."""
    labels = node.metadata.labels
    return all(k.topology_key in labels for k in cs) and spread_counts_node(c, p, node)


def spread_selects(c: topologyspread.Constraint, p: PodToPlace, q: PodToPlace) -> bool:
    """``countPodsMatchSelector``: ``q`` counts for ``p``'s constraint ``c`` (same namespace,
    selector matches; an empty or nil selector counts nothing)."""
    if c.selector.is_empty() or c.selector.nil:
        return False
    return _ns(q) == _ns(p) and c.selector.matches(q.pod.metadata.labels)


def order_dependent(p: PodToPlace) -> bool:
    """Whether whether ``p`` is admitted depends on which pods are bound before it."""
    return bool(interpod.pod_terms(p.pod).required_affinity
                or topologyspread.constraints(p.pod, "DoNotSchedule"))


def violations(problem: Problem, assignment: Mapping[str, str], order: Sequence[str] | None = None) -> list[str]:
    """Every reason the placement cannot be produced by kube-scheduler, as sentences (empty:
    valid). ``order``: pod keys in a proposed scheduling order, tried first."""
    found = final_violations(problem, assignment)
    if found:
        return found
    result = schedule_order(problem, assignment, order)
    if result.order is None:
        if result.undecided:
            found.append("no scheduling order found within the search budget (undecided)")
        else:
            found.append("no order in which kube-scheduler admits every pod one at a time")
        found += result.stuck
    return found


def final_violations(problem: Problem, assignment: Mapping[str, str]) -> list[str]:
    """The order-independent filters, on the final placement."""
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
    prebound = {p.key for p in everyone if p.fixed is not None and assignment[p.key] == p.fixed}
    for p in everyone:
        if interpod.pod_terms(p.pod).required_anti:
            # two pods bound from the start were never filtered against each other
            others = [q for q in everyone if q.key not in prebound] if p.key in prebound else everyone
            found += _anti_violations(p, others, where, ns_labels)
    return found


def _domain(node: core.Node, key: str) -> str | None:
    return node.metadata.labels.get(key)


def _anti_violations(p, everyone, where, ns_labels) -> list[str]:
    found = []
    mine = where[p.key]
    for term in interpod.pod_terms(p.pod).required_anti:
        value = _domain(mine, term.topology_key)
        if value is None:
            continue
        for q in everyone:
            if q.key != p.key and term_matches(term, q, ns_labels) and _domain(where[q.key], term.topology_key) == value:
                found.append(f"{p.key}: anti-affinity on {term.topology_key} broken by {q.key} ({value})")
                break
    return found


# ---- the order replay --------------------------------------------------------------------------

@attrs.frozen
class OrderResult:
    order: tuple[str, ...] | None  # pod keys of the movable pods, in an order the filters admit
    undecided: bool = False  # the search budget ran out
    stuck: tuple[str, ...] = ()  # why the pods left over were refused, when no order was found


def _bound(pod: core.Pod, node: str) -> core.Pod:
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=node))


def _unbound(pod: core.Pod) -> core.Pod:
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=""))


def admit_reason(snapshot: Snapshot, pod: core.Pod, node: str, spread=None) -> str | None:
    """Why the scheduler model's filters refuse ``pod`` on ``node`` given the snapshot (None:
    admitted): ``scheduler.filter_nodes`` for one node, with the same plugin functions.
    ``spread``: the pod's PodTopologySpread PreFilter state, when the caller keeps it current."""
    from kspec.controllers.noderesources import request_vector
    from kspec.controllers.nodeplugins import REASON_NODE_PORTS

    info = snapshot.by_name[node]
    static = snapshot.shape(pod).reasons[info.index]
    if static is not None:
        return static
    ports = host_ports(pod)
    if ports and ports_conflict(ports, info.ports):
        return REASON_NODE_PORTS
    insufficient = info.fits(request_vector(pod))
    if insufficient:
        return ", ".join(insufficient)
    if spread is None:
        spread = topologyspread.pre_filter(snapshot, pod)
    why = topologyspread.filter_node(spread, info.labels)
    if why is not None:
        return why
    terms = interpod.pod_terms(pod)
    if terms.required_affinity or terms.required_anti or snapshot.with_required_anti():
        return interpod.filter_node(interpod.pre_filter(snapshot, pod), info.labels)
    return None


class _Growing:
    """A snapshot that only grows, with the PodTopologySpread PreFilter states computed on it
    kept current as pods are added (upstream ``PreFilterExtensions.AddPod``: a pod on a node
    that counts for a constraint and matches its selector adds one to its domain)."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.states: dict[tuple, tuple[core.Pod, object]] = {}

    def spread(self, pod: core.Pod):
        key = (pod.metadata.namespace, pod.metadata.labels, pod.spec)
        found = self.states.get(key)
        if found is None:
            found = self.states[key] = (pod, topologyspread.pre_filter(self.snapshot, pod))
        return found[1]

    def add(self, pod: core.Pod, node: str) -> None:
        info = self.snapshot.by_name[node]
        self.snapshot.add(pod, info)
        if pod.metadata.deletion_timestamp is not None:
            return
        for key, (owner, state) in list(self.states.items()):
            if state is None or owner.metadata.namespace != pod.metadata.namespace \
                    or not topologyspread.has_all_keys(info.labels, state.constraints):
                continue
            changed = False
            for c, by_value in zip(state.constraints, state.counts):
                if c.selector.is_empty() or c.selector.nil or not c.counts_node(owner, info):
                    continue
                if c.selector.matches(pod.metadata.labels):
                    value = info.labels[c.topology_key]
                    by_value[value] = by_value.get(value, 0) + 1
                    changed = True
            if changed:
                minimum = tuple(0 if len(by_value) < c.min_domains else min(by_value.values())
                                for c, by_value in zip(state.constraints, state.counts))
                self.states[key] = (owner, attrs.evolve(state, minimum=minimum))


def _relevant(problem: Problem, movable: list[PodToPlace], ns_labels) -> set[str]:
    """Keys of movable pods whose place in the order can matter: those with order-dependent
    filters, and those such a pod's affinity terms or spread selectors count."""
    owners = [p for p in movable if order_dependent(p)]
    keys = {p.key for p in owners}
    seen: set = set()
    for p in owners:
        signature = (p.workload, _ns(p), tuple(sorted(p.pod.metadata.labels.items())))
        if signature in seen:
            continue
        seen.add(signature)
        required = interpod.pod_terms(p.pod).required_affinity
        cs = topologyspread.constraints(p.pod, "DoNotSchedule")
        for q in movable:
            if q.key in keys:
                continue
            if (required and matches_all(required, q, ns_labels)) or any(spread_selects(c, p, q) for c in cs):
                keys.add(q.key)
    return keys


def schedule_order(problem: Problem, assignment: Mapping[str, str], hint: Sequence[str] | None = None,
                   budget: int = SEARCH_BUDGET) -> OrderResult:
    """An order in which the filters admit every movable pod of ``assignment`` (which must
    already pass :func:`final_violations`), or why none was found."""
    ns_objects = problem.state.list("Namespace")
    ns_labels = namespace_labels(problem)
    prebound, movable = [], []
    for p in problem.pods:
        if p.fixed is not None and assignment[p.key] == p.fixed:
            prebound.append(p.pod)
        else:
            movable.append(p)
    if not any(order_dependent(p) for p in movable):
        return OrderResult(order=tuple(p.key for p in movable))
    relevant = _relevant(problem, movable, ns_labels)
    # pods whose order matters for nobody go first: only order-independent filters read them
    free = [p for p in movable if p.key not in relevant]
    base = prebound + [_bound(p.pod, assignment[p.key]) for p in free]
    involved = [p for p in movable if p.key in relevant]
    prefix = tuple(p.key for p in free)

    def snapshot_of(placed: Iterable[PodToPlace]) -> Snapshot:
        return Snapshot(problem.nodes, base + [_bound(p.pod, assignment[p.key]) for p in placed], ns_objects)

    def admit(snapshot, p: PodToPlace) -> str | None:
        if not order_dependent(p):
            return None  # its own filters do not depend on the order (see the module docstring)
        pod = _unbound(p.pod)
        if isinstance(snapshot, _Growing):
            return admit_reason(snapshot.snapshot, pod, assignment[p.key], snapshot.spread(pod))
        return admit_reason(snapshot, pod, assignment[p.key])

    by_key = {p.key: p for p in involved}
    if hint is not None:
        sequence = [by_key[k] for k in hint if k in by_key]
        if len(sequence) == len(involved):
            snapshot = _Growing(snapshot_of(()))
            for p in sequence:
                if admit(snapshot, p) is not None:
                    break
                snapshot.add(_bound(p.pod, assignment[p.key]), assignment[p.key])
            else:
                return OrderResult(order=prefix + tuple(p.key for p in sequence))
    greedy, stuck = _greedy_order(involved, _Growing(snapshot_of(())), admit, assignment)
    if greedy is not None:
        return OrderResult(order=prefix + tuple(p.key for p in greedy))
    if len(involved) > MAX_SEARCH_PODS:
        return OrderResult(order=None, undecided=True, stuck=tuple(stuck))
    found, undecided = _search_order(involved, snapshot_of, admit, assignment, budget)
    if found is not None:
        return OrderResult(order=prefix + tuple(p.key for p in found))
    return OrderResult(order=None, undecided=undecided, stuck=tuple(stuck))


def _greedy_order(involved, snapshot: _Growing, admit, assignment):
    """Any pod with order-dependent filters that its node admits now goes next; when none
    does, the next pod without such filters (it is always admitted). (order, []) or
    (None, why the pods left over were refused)."""
    waiting = [p for p in involved if order_dependent(p)]
    helpers = [p for p in involved if not order_dependent(p)]
    order: list[PodToPlace] = []
    checks = 0
    while waiting or helpers:
        progress = False
        left = []
        for p in waiting:
            checks += 1
            if admit(snapshot, p) is None:
                snapshot.add(_bound(p.pod, assignment[p.key]), assignment[p.key])
                order.append(p)
                progress = True
            else:
                left.append(p)
        waiting = left
        if progress:
            continue
        if helpers:
            p = helpers.pop(0)
            snapshot.add(_bound(p.pod, assignment[p.key]), assignment[p.key])
            order.append(p)
            continue
        if waiting or checks > GREEDY_CHECKS:
            break
    if not waiting and not helpers:
        return order, []
    stuck = [f"{p.key} on {assignment[p.key]}: {admit(snapshot, p)}" for p in waiting[:5]]
    return None, stuck


def _alike(p: PodToPlace, node: str) -> tuple:
    pod = p.pod
    return (pod.metadata.namespace, pod.metadata.labels, pod.metadata.owner_references, pod.spec, node)


def _search_order(involved, snapshot_of, admit, assignment, budget: int):
    """Exhaustive depth-first search over orders; identical pods bound for the same node form
    one class (which of them goes first changes nothing the filters read). (order, undecided)."""
    classes: dict[tuple, list[PodToPlace]] = {}
    for p in involved:
        classes.setdefault(_alike(p, assignment[p.key]), []).append(p)
    members = list(classes.values())
    # classes with order-dependent filters first: the search tries them before helpers
    members.sort(key=lambda ps: not order_dependent(ps[0]))
    full = tuple(len(ps) for ps in members)
    failed: set[tuple[int, ...]] = set()
    spent = 0
    path: list[PodToPlace] = []

    def placed_of(state):
        return [p for k, count in enumerate(state) for p in members[k][:count]]

    def dfs(state: tuple[int, ...]) -> bool | None:
        nonlocal spent
        if state == full:
            return True
        if state in failed:
            return False
        spent += 1
        if spent > budget:
            return None
        snapshot = snapshot_of(placed_of(state))
        for k, count in enumerate(state):
            if count == full[k]:
                continue
            p = members[k][count]
            if admit(snapshot, p) is not None:
                continue
            path.append(p)
            result = dfs(state[:k] + (count + 1,) + state[k + 1:])
            if result is None or result:
                return result
            path.pop()
        failed.add(state)
        return False

    result = dfs(tuple(0 for _ in members))
    if result:
        return list(path), False
    return None, result is None
