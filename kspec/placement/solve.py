"""The portfolio: bounds, then first-fit decreasing checked constraint by constraint, then Z3.

``place(problem, options) -> Answer``. Feasibility is proved by any placement that
``verify.violations`` accepts, whoever found it; infeasibility by the resource bounds or
by Z3 (an unsat core, minimised and explained). Objectives: ``feasible``, ``min-nodes``
(descending feasibility search under assumptions from the lower bound), ``balance``
(the lowest utilisation cap, in percent, under which everything fits), ``min-moves``
(existing pods may move; the fewest that must). Resilience: the same question after losing
each set of ``K`` nodes, or each zone.
"""

from __future__ import annotations

import itertools
import math
import time

import attrs
import z3

from kspec.placement import explain as explaining
from kspec.placement.encode import Encoding
from kspec.placement.greedy import compare_greedy
from kspec.placement.heuristic import Candidates, compact, first_fit_decreasing
from kspec.placement.problem import ZONE, Problem
from kspec.placement.quotas import quota_explanations
from kspec.placement.verify import violations

OBJECTIVES = ("feasible", "min-nodes", "balance", "min-moves")
_STATIC_PAIRS_LIMIT = 400_000
_MIN_NODES_PAIRS_LIMIT = 100_000
_MAX_REJECTED = 5  # Z3 models the order replay rejects before feasible() gives no verdict


@attrs.frozen(kw_only=True)
class Options:
    objective: str = "feasible"
    timeout: float | None = None  # seconds, for the whole query
    survive_node_loss: int = 0
    survive_zone_loss: bool = False


@attrs.frozen(kw_only=True)
class Explanation:
    message: str
    file: str | None = None
    line: int | None = None
    objects: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"message": self.message, "file": self.file, "line": self.line, "objects": list(self.objects)}


@attrs.frozen(kw_only=True)
class Loss:
    """One resilience case: the nodes lost, and what can no longer be placed."""

    lost: tuple[str, ...]
    status: str
    unplaceable: tuple[str, ...] = ()
    explanation: tuple[Explanation, ...] = ()

    def to_json(self) -> dict:
        return {"lost": list(self.lost), "status": self.status, "unplaceable": list(self.unplaceable),
                "explanation": [e.to_json() for e in self.explanation]}


@attrs.frozen(kw_only=True)
class Answer:
    status: str  # sat | unsat | unknown
    assignments: dict = attrs.field(factory=dict)
    explanation: tuple[Explanation, ...] = ()
    method: str = ""  # bounds | heuristic | greedy | z3
    objective: str = "feasible"
    proven: bool = True  # the objective's optimum (or the verdict) is proven
    value: float | None = None  # nodes used (min-nodes), max utilisation % (balance), moves (min-moves)
    lower_bound: float | None = None
    resilience: tuple[Loss, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    soft_cost: int | None = None  # the placement's soft cost (see ``soft_costs``), when any preference exists


class _Clock:
    def __init__(self, timeout: float | None):
        self.start = time.monotonic()
        self.timeout = timeout

    def left_ms(self) -> int | None:
        if self.timeout is None:
            return None
        return max(1, int((self.timeout - (time.monotonic() - self.start)) * 1000))

    def expired(self) -> bool:
        return self.timeout is not None and time.monotonic() - self.start >= self.timeout


# ---- bounds --------------------------------------------------------------------------------------

def resource_bounds(problem: Problem) -> list[Explanation]:
    """Cheap infeasibility proofs: a pod no node allows or fits alone; more requested than
    the whole cluster (or the nodes a workload may use) can hold."""
    out: list[Explanation] = []
    candidates = Candidates(problem)
    alloc = [problem.allocatable(n) for n in problem.nodes]
    seen: set = set()
    for p in problem.movable:
        allowed = candidates.of(p)
        fits_alone = [i for i in allowed if all(v <= alloc[i].get(r, 0) for r, v in p.requests.items() if v > 0)]
        if p.workload in seen or fits_alone:
            continue
        seen.add(p.workload)
        w = problem.workloads[p.workload]
        out.append(explaining.no_node_for(problem, p, w, allowed))
    totals: dict[str, int] = {}
    for p in problem.pods:
        for r, v in p.requests.items():
            totals[r] = totals.get(r, 0) + v
    for r, want in sorted(totals.items()):
        have = sum(a.get(r, 0) for a in alloc)
        if want > have:
            out.append(explaining.over_capacity(problem, r, want, have))
    if not out:
        out += _half_node_bound(problem, candidates, alloc)
    return out


def _half_node_bound(problem: Problem, candidates: Candidates, alloc: list[dict]) -> list[Explanation]:
    """Pods that need more than half of every node they may use, on some resource, share no
    node: more of them than nodes able to take one is infeasible (bin packing's L1 bound)."""
    out = []
    for r in ("cpu", "memory"):
        big = []
        hosts: set[int] = set()
        for p in problem.movable:
            need = p.requests.get(r, 0)
            allowed = [i for i in candidates.of(p) if need <= alloc[i].get(r, 0)]
            if need and allowed and all(2 * need > alloc[i].get(r, 0) for i in allowed):
                big.append(p)
                hosts.update(allowed)
        fixed_big = {p.fixed for p in problem.pods if p.fixed and problem.node_index().get(p.fixed) in hosts
                     and 2 * p.requests.get(r, 0) > alloc[problem.node_index()[p.fixed]].get(r, 0)}
        room = len(hosts) - len(fixed_big)
        if len(big) > room:
            out.append(explaining.half_node(problem, r, big, room))
    return out


def node_lower_bound(problem: Problem) -> int:
    """Fewest nodes that could hold every request: per resource, the fewest largest nodes
    whose capacities add up to the total, and at least every node pinned by a fixed pod."""
    alloc = [problem.allocatable(n) for n in problem.nodes]
    bound = len({p.fixed for p in problem.pods if p.fixed})
    totals: dict[str, int] = {}
    for p in problem.pods:
        for r, v in p.requests.items():
            totals[r] = totals.get(r, 0) + v
    for r, want in totals.items():
        capacities = sorted((a.get(r, 0) for a in alloc), reverse=True)
        acc, k = 0, 0
        while acc < want and k < len(capacities):
            acc += capacities[k]
            k += 1
        bound = max(bound, k)
    return bound


# ---- feasibility ---------------------------------------------------------------------------------

def feasible(problem: Problem, clock: _Clock, *, explain: bool = True) -> Answer:
    quota = quota_explanations(problem)
    if quota:
        return Answer(status="unsat", explanation=tuple(quota), method="bounds")
    bounds = resource_bounds(problem)
    if bounds:
        return Answer(status="unsat", explanation=tuple(bounds), method="bounds")
    candidates = Candidates(problem)
    assignment, unplaced = first_fit_decreasing(problem, candidates=candidates)
    if not unplaced and not violations(problem, assignment):
        return Answer(status="sat", assignments=assignment, method="heuristic")
    if _order_matters(problem) and not clock.expired():
        # the scheduler model itself, in input order: a complete run is a witness (its order
        # is one the filters admitted), still replayed by the independent check
        greedy = compare_greedy(problem)
        if not greedy.pending:
            order = [p.key for p in problem.movable]
            if not violations(problem, greedy.assignments, order):
                return Answer(status="sat", assignments=dict(greedy.assignments), method="greedy")
    if clock.expired():
        return Answer(status="unknown", method="heuristic", proven=False,
                      notes=("no placement found before the timeout; not proven either way",))
    encoding = Encoding(problem, candidates)
    solver = encoding.solver(clock.left_ms())
    literals = encoding.all_literals()
    result = solver.check(*literals)
    rejected: list[str] = []
    while result == z3.sat:
        model = solver.model()
        found = encoding.decode(model)
        problems = violations(problem, found, encoding.decode_order(model))
        if not problems:
            return Answer(status="sat", assignments=found, method="z3")
        # the encoding and the order replay disagree: a kspec bug. The model is never
        # reported; another is asked for (a few times), then no verdict, said plainly.
        rejected += problems[:3]
        if len(rejected) >= 3 * _MAX_REJECTED or clock.expired():
            return Answer(status="unknown", method="z3", proven=False,
                          notes=tuple(f"internal: Z3's placement fails the independent check: {v}"
                                      for v in rejected[:5]))
        solver.add(encoding.block(found))
        solver.set("timeout", clock.left_ms() or 4294967295)
        result = solver.check(*literals)
    if result == z3.unsat and rejected:
        return Answer(status="unknown", method="z3", proven=False,
                      notes=tuple(f"internal: Z3's placement fails the independent check: {v}" for v in rejected[:5]))
    if result == z3.unknown:
        return Answer(status="unknown", method="z3", proven=False,
                      notes=("no placement found before the timeout; not proven either way",))
    if not explain:
        return Answer(status="unsat", method="z3")
    return Answer(status="unsat", explanation=tuple(explain_unsat(problem, candidates, clock)), method="z3")


def _order_matters(problem: Problem) -> bool:
    from kspec.placement.verify import order_dependent

    return any(order_dependent(p) for p in problem.movable)


def explain_unsat(problem: Problem, candidates: Candidates, clock: _Clock) -> list[Explanation]:
    pairs = len(problem.pods) * len(problem.nodes)
    encoding = Encoding(problem, candidates, with_static=pairs <= _STATIC_PAIRS_LIMIT)
    solver = encoding.solver(clock.left_ms())
    literals = encoding.all_literals()
    if solver.check(*literals) != z3.unsat:
        return [Explanation(message="infeasible, but the explanation timed out")]
    core = minimise_core(solver, list(solver.unsat_core()), clock)
    return explaining.sentences(problem, [encoding.label_of(lit) for lit in core])


def minimise_core(solver: z3.Solver, core: list, clock: _Clock) -> list:
    """Deletion-based minimisation: drop each literal the rest still proves unsat without."""
    kept = list(core)
    for literal in list(core):
        if clock.expired() or literal not in kept:
            continue
        trial = [lit for lit in kept if not lit.eq(literal)]
        if solver.check(*trial) == z3.unsat:
            smaller = {str(lit) for lit in solver.unsat_core()}
            kept = [lit for lit in trial if str(lit) in smaller]
    return kept


# ---- objectives ----------------------------------------------------------------------------------

def min_nodes(problem: Problem, clock: _Clock) -> Answer:
    first = feasible(problem, clock)
    if first.status != "sat":
        return attrs.evolve(first, objective="min-nodes")
    lower = node_lower_bound(problem)
    best = first.assignments
    tries = [first_fit_decreasing(problem, largest_nodes_first=True),
             first_fit_decreasing(problem, strategy="best", largest_nodes_first=True),
             first_fit_decreasing(problem, strategy="dot", measure="sum", largest_nodes_first=True)]
    for packed, unplaced in tries:
        if unplaced:
            continue
        packed = compact(problem, packed)
        if not violations(problem, packed) and len(set(packed.values())) < len(set(best.values())):
            best = packed
    used = len(set(best.values()))
    best, used = _pack_fewer(problem, best, used, lower, clock)
    if used <= lower:
        return Answer(status="sat", assignments=best, method="heuristic", objective="min-nodes", value=used,
                      lower_bound=lower)
    if len(problem.movable) * len(problem.nodes) > _MIN_NODES_PAIRS_LIMIT:
        return Answer(status="sat", assignments=best, method="heuristic", objective="min-nodes", value=used,
                      lower_bound=lower, proven=False,
                      notes=(f"{len(problem.movable)} pods x {len(problem.nodes)} nodes is beyond the size kspec "
                             f"searches exhaustively for min-nodes; the answer is first-fit decreasing's",))
    encoding = Encoding(problem)
    use = encoding.node_use()
    solver = encoding.solver(clock.left_ms())
    _order_identical_nodes(problem, use, solver)
    literals = encoding.all_literals()
    proven = False
    while used > lower and not clock.expired():
        limit = z3.Bool(f"at_most_{used - 1}")
        solver.add(z3.Implies(limit, z3.AtMost(*use, used - 1)))
        solver.set("timeout", clock.left_ms() or 4294967295)
        result = solver.check(*literals, limit)
        if result == z3.sat:
            model = solver.model()
            found = encoding.decode(model)
            if violations(problem, found, encoding.decode_order(model)):
                break
            best, used = found, len(set(found.values()))
        else:
            proven = result == z3.unsat
            break
    proven = proven or used <= lower
    return Answer(status="sat", assignments=best, method="z3", objective="min-nodes", value=used,
                  lower_bound=lower, proven=proven,
                  notes=() if proven else ("the timeout came before the optimum was proven",))


def _pack_fewer(problem: Problem, best: dict, used: int, lower: int, clock: _Clock) -> tuple[dict, int]:
    """Descending search with the heuristic: try to pack everything into the ``k`` largest
    nodes (those without fixed pods may be left out), several pod orders each, k = used-1 down."""
    pinned = {p.fixed for p in problem.pods if p.fixed}
    order = sorted(problem.nodes, key=lambda n: (n.metadata.name not in pinned,
                                                 -problem.allocatable(n).get("cpu", 0),
                                                 -problem.allocatable(n).get("memory", 0), n.metadata.name))
    k = used - 1
    while k >= max(lower, len(pinned), 1) and not clock.expired():
        keep = {n.metadata.name for n in order[:k]}
        smaller = problem.without_nodes(n.metadata.name for n in problem.nodes if n.metadata.name not in keep)
        found = None
        closest = None
        for strategy in ("dot", "best", "first"):
            for measure in ("sum", "max", "cpu", "memory"):
                packed, unplaced = first_fit_decreasing(smaller, strategy=strategy, measure=measure,
                                                        largest_nodes_first=True, repair_budget=500)
                if not unplaced and not violations(problem, packed):
                    found = packed
                    break
                if closest is None or len(unplaced) < len(closest[1]):
                    closest = (packed, unplaced)
            if found:
                break
        if found is None and closest is not None and len(closest[1]) <= max(5, len(problem.pods) // 50):
            found = _neighbourhood_repack(smaller, *closest, clock)
            if found is not None and violations(problem, found):
                found = None
        if found is None:
            break
        best, used = found, len(set(found.values()))
        k = used - 1
    return best, used


def _neighbourhood_repack(problem: Problem, packed: dict, unplaced: list[str], clock: _Clock,
                          size: int = 8, rounds: int = 300, seconds: float = 10.0) -> dict | None:
    """Large-neighbourhood search with the heuristic: take the unplaced pods and the pods of a
    few nodes (the emptiest, then random ones), re-pack them into those nodes with another
    strategy; keep a re-pack that places more, until nothing is left (or the budget ends).
    Only for pods without inter-pod constraints (a neighbourhood must not see the others)."""
    import random

    from kspec.controllers import interpod
    from kspec.controllers.nodeplugins import host_ports

    if any(interpod.pod_terms(p.pod).any or p.pod.spec.topology_spread_constraints or host_ports(p.pod)
           for p in problem.pods):
        return None
    rng = random.Random(0)
    by_key = {p.key: p for p in problem.pods}
    nodes = {n.metadata.name: n for n in problem.nodes}
    assignment, left = dict(packed), list(unplaced)
    started = time.monotonic()
    for round_ in range(rounds):
        if not left:
            return assignment
        if clock.expired() or time.monotonic() - started > seconds:
            return None
        load: dict[str, float] = {name: 0.0 for name in nodes}
        for key, node in assignment.items():
            alloc = problem.allocatable(nodes[node])
            load[node] += sum(by_key[key].requests.get(r, 0) / alloc[r] for r in ("cpu", "memory") if alloc.get(r))
        names = sorted(nodes, key=lambda n: load[n])[:size // 2] + rng.sample(sorted(nodes), min(size, len(nodes)))
        window = list(dict.fromkeys(names))[:size]
        if any(p.fixed in window for p in problem.pods if p.fixed):
            continue
        pods = [by_key[k] for k, n in assignment.items() if n in window] + [by_key[k] for k in left]
        local = attrs.evolve(problem, nodes=tuple(nodes[n] for n in window), pods=tuple(pods))
        strategy, measure = rng.choice([("dot", "sum"), ("best", "max"), ("dot", "max"), ("best", "memory"),
                                        ("first", "sum"), ("dot", "cpu"), ("best", "cpu")])
        local_packed, local_left = first_fit_decreasing(local, strategy=strategy, measure=measure, repair_budget=200)
        if len(local_left) < len(left):
            assignment = {k: n for k, n in assignment.items() if n not in window}
            assignment.update(local_packed)
            left = local_left
    return assignment if not left else None


def _order_identical_nodes(problem: Problem, use: list, solver: z3.Solver) -> None:
    """Symmetry breaking within classes of truly identical nodes (same allocatable, taints,
    labels but the hostname, no fixed pod): node i+1 used implies node i used."""
    pinned = {p.fixed for p in problem.pods if p.fixed}
    classes: dict[tuple, list[int]] = {}
    for i, node in enumerate(problem.nodes):
        if node.metadata.name in pinned:
            continue
        labels = tuple(sorted((k, v) for k, v in node.metadata.labels.items() if k != "kubernetes.io/hostname"))
        key = (tuple(sorted(problem.allocatable(node).items())), labels, node.spec.taints, node.spec.unschedulable)
        classes.setdefault(key, []).append(i)
    hostname_terms = any("kubernetes.io/hostname" == c.topology_key for p in problem.pods
                         for c in p.pod.spec.topology_spread_constraints)
    if hostname_terms:
        return  # spread over hostnames counts empty nodes: they are not interchangeable then
    for members in classes.values():
        for a, b in zip(members, members[1:]):
            solver.add(z3.Implies(use[b], use[a]))


def balance(problem: Problem, clock: _Clock) -> Answer:
    """The lowest cap c (percent of allocatable cpu and memory on every node) under which
    everything fits; binary search over c, each step a feasibility check."""
    first = feasible(problem, clock)
    if first.status != "sat":
        return attrs.evolve(first, objective="balance")
    spread, unplaced = first_fit_decreasing(problem, strategy="spread")
    best = first.assignments
    if not unplaced and not violations(problem, spread) and utilisation(problem, spread) < utilisation(problem, best):
        best = spread
    high = math.ceil(utilisation(problem, best))
    low = math.ceil(_utilisation_bound(problem))
    encoding = Encoding(problem)
    solver = encoding.solver(clock.left_ms())
    literals = encoding.all_literals()
    caps = {}
    proven = True
    while low < high and not clock.expired():
        middle = (low + high) // 2
        cap = caps.setdefault(middle, _cap_literal(encoding, problem, solver, middle))
        solver.set("timeout", clock.left_ms() or 4294967295)
        result = solver.check(*literals, cap)
        if result == z3.sat:
            model = solver.model()
            found = encoding.decode(model)
            if violations(problem, found, encoding.decode_order(model)):
                proven = False
                break
            best, high = found, min(middle, math.ceil(utilisation(problem, found)))
        elif result == z3.unsat:
            low = middle + 1
        else:
            proven = False
            break
    proven = proven and low >= high
    return Answer(status="sat", assignments=best, method="z3", objective="balance",
                  value=round(utilisation(problem, best), 1), lower_bound=low, proven=proven)


def _cap_literal(encoding: Encoding, problem: Problem, solver: z3.Solver, percent: int):
    literal = z3.Bool(f"cap_{percent}")
    for n, node in enumerate(problem.nodes):
        alloc = problem.allocatable(node)
        for r in ("cpu", "memory"):
            terms = [(var, encoding.pods[pi].requests.get(r, 0)) for (pi, m), var in encoding.x.items()
                     if m == n and encoding.pods[pi].requests.get(r, 0) > 0]
            if not terms or not alloc.get(r):
                continue
            divisor = math.gcd(*[c for _, c in terms], alloc[r])
            solver.add(z3.Implies(literal, z3.PbLe([(v, c // divisor) for v, c in terms],
                                                   alloc[r] * percent // 100 // divisor)))
    return literal


def utilisation(problem: Problem, assignment: dict[str, str]) -> float:
    """The most-loaded node's share of its allocatable cpu or memory, in percent."""
    used: dict[str, dict[str, int]] = {}
    for p in problem.pods:
        node = assignment.get(p.key)
        if node is None:
            continue
        for r in ("cpu", "memory"):
            used.setdefault(node, {}).setdefault(r, 0)
            used[node][r] += p.requests.get(r, 0)
    worst = 0.0
    for node in problem.nodes:
        alloc = problem.allocatable(node)
        for r in ("cpu", "memory"):
            if alloc.get(r):
                worst = max(worst, 100.0 * used.get(node.metadata.name, {}).get(r, 0) / alloc[r])
    return worst


def _utilisation_bound(problem: Problem) -> float:
    worst = 0.0
    for r in ("cpu", "memory"):
        total = sum(p.requests.get(r, 0) for p in problem.pods)
        capacity = sum(problem.allocatable(n).get(r, 0) for n in problem.nodes)
        if capacity:
            worst = max(worst, 100.0 * total / capacity)
    return worst


def min_moves(problem: Problem, clock: _Clock) -> Answer:
    """Existing pods may move; the fewest moves that make everything fit."""
    first = feasible(problem, clock, explain=False)
    if first.status == "sat":
        return attrs.evolve(first, objective="min-moves", value=0, lower_bound=0)
    encoding = Encoding(problem, movable_existing=True)
    moved = []
    index = problem.node_index()
    for pi, p in enumerate(encoding.pods):
        if p.fixed is not None and (pi, index.get(p.fixed, -1)) in encoding.x:
            moved.append(z3.Not(encoding.x[(pi, index[p.fixed])]))
        elif p.fixed is not None:
            moved.append(z3.BoolVal(True))
    solver = encoding.solver(clock.left_ms())
    literals = encoding.all_literals()
    if solver.check(*literals) != z3.sat:
        explanation = explain_unsat(problem, Candidates(problem), clock)
        return Answer(status="unsat", objective="min-moves", method="z3", explanation=tuple(explanation),
                      notes=("even moving existing pods does not make everything fit",))
    best = encoding.decode(solver.model())
    count = sum(1 for p in problem.pods if p.fixed and best.get(p.key) != p.fixed)
    proven = False
    while count > 0 and not clock.expired():
        limit = z3.Bool(f"moves_{count - 1}")
        solver.add(z3.Implies(limit, z3.AtMost(*moved, count - 1)))
        solver.set("timeout", clock.left_ms() or 4294967295)
        result = solver.check(*literals, limit)
        if result != z3.sat:
            proven = result == z3.unsat
            break
        best = encoding.decode(solver.model())
        count = sum(1 for p in problem.pods if p.fixed and best.get(p.key) != p.fixed)
    return Answer(status="sat", assignments=best, method="z3", objective="min-moves", value=count,
                  lower_bound=count if proven or count == 0 else 0, proven=proven or count == 0)


# ---- resilience ----------------------------------------------------------------------------------

MAX_LOSS_CASES = 2000


def resilience(problem: Problem, options: Options, clock: _Clock) -> tuple[tuple[Loss, ...], tuple[str, ...]]:
    cases: list[tuple[str, ...]] = []
    notes: list[str] = []
    if options.survive_zone_loss:
        zones = sorted({n.metadata.labels.get(ZONE) for n in problem.nodes if n.metadata.labels.get(ZONE)})
        if not zones:
            notes.append(f"no node has the {ZONE} label: no zone to lose")
        for zone in zones:
            cases.append(tuple(n.metadata.name for n in problem.nodes if n.metadata.labels.get(ZONE) == zone))
    k = options.survive_node_loss
    if k:
        names = [n.metadata.name for n in problem.nodes]
        combos = itertools.combinations(names, k)
        total = math.comb(len(names), k)
        if total > MAX_LOSS_CASES:
            notes.append(f"{total} ways to lose {k} nodes; checked the first {MAX_LOSS_CASES} (in node name order)")
        cases += list(itertools.islice(combos, MAX_LOSS_CASES))
    losses = []
    for lost in cases:
        if clock.expired():
            notes.append("the timeout came before every loss was checked")
            break
        answer = feasible(problem.without_nodes(lost), clock)
        unplaceable = tuple(sorted({obj for e in answer.explanation for obj in e.objects
                                    if not obj.startswith("Node/") and not obj.startswith("ResourceQuota/")}))
        losses.append(Loss(lost=lost, status=answer.status, unplaceable=unplaceable, explanation=answer.explanation))
    return tuple(losses), tuple(notes)


# ---- soft costs ----------------------------------------------------------------------------------

PREFER_NO_SCHEDULE_COST = 100  # one untolerated PreferNoSchedule taint weighs as much as the heaviest preference
_SOFT_PAIRS_LIMIT = 60_000


def soft_costs(problem: Problem) -> dict[tuple[int, int], int]:
    """(pod index, node index) -> cost: the weights of the pod's preferred node-affinity terms
    the node does not match, plus ``PREFER_NO_SCHEDULE_COST`` per untolerated
    PreferNoSchedule taint (kube-scheduler's NodeAffinity and TaintToleration scores, as
    costs). Empty when no pod has a preference."""
    from kspec.controllers.nodeplugins import (intolerable_prefer_no_schedule, node_taints, preferred_affinity_score,
                                               preferred_terms)

    costs = {}
    for pi, p in enumerate(problem.pods):
        if p.fixed is not None:
            continue
        terms = preferred_terms(p.pod)
        total = sum(w for w, _ in terms)
        for n, node in enumerate(problem.nodes):
            cost = total - (preferred_affinity_score(terms, node) if terms else 0)
            cost += PREFER_NO_SCHEDULE_COST * intolerable_prefer_no_schedule(p.pod, node_taints(node))
            if cost:
                costs[(pi, n)] = cost
    return costs


def _preferred_pod_terms(problem: Problem) -> list[tuple[int, str, object, int, list[int]]]:
    """(pod index, "affinity"|"anti", term, weight, indexes of the other pods it matches)."""
    from kspec.controllers import interpod
    from kspec.placement.verify import namespace_labels, term_matches

    ns_labels = namespace_labels(problem)
    found = []
    for pi, p in enumerate(problem.pods):
        if p.fixed is not None:
            continue
        terms = interpod.pod_terms(p.pod)
        for kind, group in (("affinity", terms.preferred_affinity), ("anti", terms.preferred_anti)):
            for term in group:
                matched = [qi for qi, q in enumerate(problem.pods) if qi != pi and term_matches(term, q, ns_labels)]
                found.append((pi, kind, term, term.weight, matched))
    return found


def assignment_cost(problem: Problem, costs: dict, assignment: dict) -> int:
    """Node preferences plus preferred pod (anti-)affinity: a term's weight when an
    anti-affinity target shares the pod's domain, or no affinity target does."""
    index = problem.node_index()
    total = sum(costs.get((pi, index.get(assignment.get(p.key), -1)), 0) for pi, p in enumerate(problem.pods))
    nodes = {n.metadata.name: n for n in problem.nodes}
    for pi, kind, term, weight, matched in _preferred_pod_terms(problem):
        mine = nodes.get(assignment.get(problem.pods[pi].key))
        value = mine.metadata.labels.get(term.topology_key) if mine is not None else None
        together = value is not None and any(
            (node := nodes.get(assignment.get(problem.pods[qi].key))) is not None
            and node.metadata.labels.get(term.topology_key) == value for qi in matched)
        if (kind == "anti" and together) or (kind == "affinity" and not together):
            total += weight
    return total


def prefer(problem: Problem, answer: Answer, clock: _Clock) -> Answer:
    """Among feasible placements, one of least soft cost (Z3 Optimize, within the timeout and
    for problems small enough); the answer says whether the optimum is proven."""
    costs = soft_costs(problem)
    pod_terms = _preferred_pod_terms(problem)
    if not (costs or pod_terms) or answer.status != "sat":
        return answer
    current = assignment_cost(problem, costs, answer.assignments)
    if current == 0:
        return attrs.evolve(answer, soft_cost=0)
    if len(problem.movable) * len(problem.nodes) > _SOFT_PAIRS_LIMIT:
        return attrs.evolve(answer, soft_cost=current, notes=answer.notes + (
            "preferences not optimised at this size (soft cost of the placement found)",))
    encoding = Encoding(problem)
    optimizer = z3.Optimize()
    if clock.left_ms():
        optimizer.set("timeout", clock.left_ms())
    optimizer.add(*encoding.hard)
    for literal, constraint in encoding.guarded:
        optimizer.add(constraint)
    terms = [z3.If(var, costs[key], 0) for key, var in encoding.x.items() if key in costs]
    for pi, kind, term, weight, matched in pod_terms:
        for value in encoding.domains(term.topology_key):
            mine = encoding.y(pi, term.topology_key, value)
            others = z3.Or([encoding.y(qi, term.topology_key, value) for qi in matched] or [z3.BoolVal(False)])
            broken = z3.And(mine, others) if kind == "anti" else z3.And(mine, z3.Not(others))
            terms.append(z3.If(broken, weight, 0))
        if kind == "affinity":  # a node without the topology key has no domain: no target shares it
            for n in encoding.allowed(pi):
                if term.topology_key not in encoding.node_labels[n]:
                    terms.append(z3.If(encoding.x[(pi, n)], weight, 0))
    optimizer.minimize(z3.Sum(terms or [z3.IntVal(0)]))
    result = optimizer.check()
    if result != z3.sat:
        return attrs.evolve(answer, soft_cost=current, notes=answer.notes + (
            "preferences: no better placement found before the timeout",))
    model = optimizer.model()
    found = encoding.decode(model)
    if violations(problem, found, encoding.decode_order(model)):
        return attrs.evolve(answer, soft_cost=current)
    better = assignment_cost(problem, costs, found)
    if better < current:
        return attrs.evolve(answer, assignments=found, soft_cost=better, method="z3")
    return attrs.evolve(answer, soft_cost=current)


def place(problem: Problem, options: Options = Options()) -> Answer:
    """Answer ``options.objective`` for ``problem`` (and the resilience questions)."""
    if options.objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {options.objective!r}; expected one of {', '.join(OBJECTIVES)}")
    clock = _Clock(options.timeout)
    runner = {"feasible": feasible, "min-nodes": min_nodes, "balance": balance, "min-moves": min_moves}
    answer = runner[options.objective](problem, clock)
    answer = attrs.evolve(answer, objective=options.objective)
    if options.objective == "feasible":
        answer = prefer(problem, answer, clock)
    if options.survive_node_loss or options.survive_zone_loss:
        losses, notes = resilience(problem, options, clock)
        answer = attrs.evolve(answer, resilience=losses, notes=answer.notes + notes)
    return attrs.evolve(answer, seconds=time.monotonic() - clock.start)
