"""A fast constructive search: first-fit decreasing with one-move repair.

Pods are placed hardest first (fewest statically allowed nodes, then largest share of
the cluster's capacity), each on the first node (``first``: packs, for min-nodes) or the
emptiest node (``spread``: for balance) where every constraint holds given the pods
already placed. A pod that fits nowhere may take the place of one already placed if that
one can move elsewhere (fragmentation repair). The result is only a candidate: the
caller accepts it after ``verify.violations`` finds nothing.
"""

from __future__ import annotations

from typing import Iterable

from kspec.controllers import interpod, topologyspread
from kspec.controllers.nodeplugins import host_ports, ports_conflict
from kspec.controllers.schedsnapshot import shape_key
from kspec.placement.problem import PodToPlace, Problem, static_reason
from kspec.placement.verify import matches_all, namespace_labels, spread_eligible, spread_selects, term_matches


class Candidates:
    """Statically allowed node indexes per pod shape (cached: pods of a workload share it)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self._by_shape: dict = {}

    def of(self, p: PodToPlace) -> list[int]:
        if p.fixed is not None:
            index = self.problem.node_index().get(p.fixed)
            return [] if index is None else [index]
        key = shape_key(p.pod)
        found = self._by_shape.get(key)
        if found is None:
            found = self._by_shape[key] = [i for i, n in enumerate(self.problem.nodes) if static_reason(p, n) is None]
        return found


class Packing:
    """Mutable partial placement with incremental constraint checks."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.nodes = problem.nodes
        self.alloc = [problem.allocatable(n) for n in self.nodes]
        self.used: list[dict[str, int]] = [{} for _ in self.nodes]
        self.ports: list[set] = [set() for _ in self.nodes]
        self.pods_on: list[list[PodToPlace]] = [[] for _ in self.nodes]
        self.where: dict[str, int] = {}
        self.ns_labels = namespace_labels(problem)
        self.has_terms = any(interpod.pod_terms(p.pod).any for p in problem.pods)
        self.has_spread = any(p.pod.spec.topology_spread_constraints for p in problem.pods)
        self.labels = [dict(n.metadata.labels) for n in self.nodes]
        self.version = 0  # bumped by every place/remove (invalidates the spread cache)
        self._spread_cache: dict = {}
        self._eligible: dict = {}
        self._matching: dict = {}  # (selector, namespace) -> matching placed pods per node
        self._matchers: dict = {}

    # --- checks -----------------------------------------------------------------------------

    def fits(self, p: PodToPlace, i: int) -> bool:
        alloc, used = self.alloc[i], self.used[i]
        for resource, value in p.requests.items():
            if value > 0 and used.get(resource, 0) + value > alloc.get(resource, 0):
                return False
        wanted = host_ports(p.pod)
        if wanted and ports_conflict(wanted, self.ports[i]):
            return False
        if self.has_terms and not self._affinity_ok(p, i):
            return False
        if self.has_spread and p.pod.spec.topology_spread_constraints and not self._spread_ok(p, i):
            return False
        return True

    def _same_domain(self, i: int, key: str) -> Iterable[PodToPlace]:
        value = self.labels[i].get(key)
        if value is None:
            return ()
        return (q for j, pods in enumerate(self.pods_on) if self.labels[j].get(key) == value for q in pods)

    def _affinity_ok(self, p: PodToPlace, i: int) -> bool:
        """Upstream InterPodAffinity Filter given the pods placed so far (the order of the packing)."""
        terms = interpod.pod_terms(p.pod)
        for term in terms.required_anti:
            if any(term_matches(term, q, self.ns_labels) for q in self._same_domain(i, term.topology_key)):
                return False
        required = terms.required_affinity
        if required:
            if any(self.labels[i].get(t.topology_key) is None for t in required):
                return False
            if not all(any(matches_all(required, q, self.ns_labels) for q in self._same_domain(i, t.topology_key))
                       for t in required):
                # upstream's first-pod rule: no placed pod (on a node with one of the keys) matches
                # all the terms, and the pod matches them itself
                keys = {t.topology_key for t in required}
                if not matches_all(required, p, self.ns_labels) or any(
                        matches_all(required, q, self.ns_labels) for j, pods in enumerate(self.pods_on)
                        if any(k in self.labels[j] for k in keys) for q in pods):
                    return False
        # existing pods' anti-affinity against the newcomer (symmetry)
        for pods in self.pods_on:
            for q in pods:
                for term in interpod.pod_terms(q.pod).required_anti:
                    value = self.labels[self.where[q.key]].get(term.topology_key)
                    if value is not None and self.labels[i].get(term.topology_key) == value \
                            and term_matches(term, p, self.ns_labels):
                        return False
        return True

    def _spread_ok(self, p: PodToPlace, i: int) -> bool:
        """Upstream PodTopologySpread Filter for ``p``'s own constraints, given the pods placed so far."""
        for c, counts, low, own in self._spread_state(p):
            mine = self.labels[i].get(c.topology_key)
            if mine is None or counts.get(mine, 0) + own - low > c.max_skew:
                return False
        return True

    def _matching_per_node(self, c, p: PodToPlace) -> list[int]:
        """Per node, the placed pods ``p``'s constraint ``c`` counts (kept current by place/remove)."""
        key = (c.selector, _ns_of(p))
        found = self._matching.get(key)
        if found is None:
            found = self._matching[key] = [sum(1 for q in pods if spread_selects(c, p, q)) for pods in self.pods_on]
            self._matchers[key] = (c, p)
        return found

    def _track(self, q: PodToPlace, i: int, delta: int) -> None:
        for key, (c, p) in self._matchers.items():
            if spread_selects(c, p, q):
                self._matching[key][i] += delta

    def _spread_state(self, p: PodToPlace) -> list:
        """(constraint, matching pods per eligible domain, globalMin, selfMatch) per DoNotSchedule
        constraint of ``p`` (PreFilter), cached until the packing changes."""
        signature = (p.workload, _ns_of(p), tuple(sorted(p.pod.metadata.labels.items())), shape_key(p.pod))
        cached = self._spread_cache.get(signature)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        cs = topologyspread.constraints(p.pod, "DoNotSchedule")
        out = []
        for c in cs:
            eligible_key = (signature, c)
            eligible = self._eligible.get(eligible_key)
            if eligible is None:
                eligible = self._eligible[eligible_key] = [
                    (j, self.labels[j][c.topology_key]) for j, node in enumerate(self.nodes)
                    if spread_eligible(c, p, node, cs)]
            per_node = self._matching_per_node(c, p)
            counts: dict[str, int] = {}
            for j, value in eligible:
                counts[value] = counts.get(value, 0) + per_node[j]
            low = 0 if len(counts) < c.min_domains else min(counts.values(), default=0)
            out.append((c, counts, low, int(c.selector.matches(p.pod.metadata.labels))))
        self._spread_cache[signature] = (self.version, out)
        return out

    # --- moves ------------------------------------------------------------------------------

    def place(self, p: PodToPlace, i: int) -> None:
        self.version += 1
        if self._matchers:
            self._track(p, i, 1)
        for resource, value in p.requests.items():
            self.used[i][resource] = self.used[i].get(resource, 0) + value
        self.ports[i].update(host_ports(p.pod))
        self.pods_on[i].append(p)
        self.where[p.key] = i

    def remove(self, p: PodToPlace) -> int:
        self.version += 1
        i = self.where.pop(p.key)
        if self._matchers:
            self._track(p, i, -1)
        for resource, value in p.requests.items():
            self.used[i][resource] -= value
        self.pods_on[i].remove(p)
        self.ports[i] = {port for q in self.pods_on[i] for port in host_ports(q.pod)}
        return i

    def alignment(self, p: PodToPlace, i: int) -> float:
        alloc, used = self.alloc[i], self.used[i]
        return sum((p.requests.get(r, 0) / alloc[r]) * ((alloc[r] - used.get(r, 0)) / alloc[r])
                   for r in ("cpu", "memory") if alloc.get(r))

    def slack(self, i: int) -> float:
        """The larger free share of cpu and memory on node ``i`` (best fit picks the smallest)."""
        alloc, used = self.alloc[i], self.used[i]
        return max(((alloc[r] - used.get(r, 0)) / alloc[r] for r in ("cpu", "memory") if alloc.get(r)), default=0.0)

    def assignment(self) -> dict[str, str]:
        return {key: self.nodes[i].metadata.name for key, i in self.where.items()}

    def nodes_used(self) -> int:
        return sum(1 for pods in self.pods_on if pods)


def _ns_of(p: PodToPlace) -> str:
    return p.pod.metadata.namespace or "default"


def _size(p: PodToPlace, totals: dict[str, int], measure: str = "max") -> float:
    shares = {r: v / totals[r] for r, v in p.requests.items() if r != "pods" and totals.get(r)}
    if measure == "sum":
        return sum(shares.values())
    if measure in shares or measure in ("cpu", "memory"):
        return shares.get(measure, 0.0)
    return max(shares.values(), default=0.0)


def first_fit_decreasing(problem: Problem, strategy: str = "first", repair_budget: int = 2000,
                         candidates: Candidates | None = None, largest_nodes_first: bool = False,
                         measure: str = "max") -> tuple[dict[str, str], list[str]]:
    """(assignment, keys of pods left unplaced). Deterministic. ``largest_nodes_first``
    tries nodes by decreasing capacity (packs into fewer nodes, for min-nodes)."""
    packing = Packing(problem)
    candidates = candidates or Candidates(problem)
    totals: dict[str, int] = {}
    for alloc in packing.alloc:
        for r, v in alloc.items():
            totals[r] = totals.get(r, 0) + v
    for p in problem.pods:
        if p.fixed is not None and p.fixed in problem.node_index():
            packing.place(p, problem.node_index()[p.fixed])
    order = sorted(problem.movable, key=lambda p: (len(candidates.of(p)), -_size(p, totals, measure), p.key))
    start: dict[tuple, int] = {}  # first-fit pointer per (shape, requests): nodes before it stay full
    unplaced: list[str] = []
    budget = repair_budget
    simple = not packing.has_terms and not packing.has_spread
    rank = None
    if largest_nodes_first:
        by_size = sorted(range(len(packing.nodes)), key=lambda i: (-packing.alloc[i].get("cpu", 0),
                                                                    -packing.alloc[i].get("memory", 0), i))
        rank = {i: position for position, i in enumerate(by_size)}
    for p in order:
        allowed = candidates.of(p)
        if rank is not None:
            allowed = sorted(allowed, key=rank.__getitem__)
        key = (shape_key(p.pod), tuple(sorted(p.requests.items())), bool(host_ports(p.pod)))
        chosen = None
        if strategy in ("best", "dot"):
            used = [i for i in allowed if packing.pods_on[i]]
            fitting = [i for i in used if packing.fits(p, i)]
            if fitting and strategy == "dot":
                # vector packing's DotProduct rule: the node whose spare capacity lines up best
                # with what the pod asks for, so no single resource runs out while others idle
                chosen = max(fitting, key=lambda i: packing.alignment(p, i))
            elif fitting:
                chosen = min(fitting, key=lambda i: packing.slack(i))
            else:
                chosen = next((i for i in allowed if not packing.pods_on[i] and packing.fits(p, i)), None)
        elif strategy == "spread":
            best = None
            for i in allowed:
                if packing.fits(p, i):
                    free = min((1 - packing.used[i].get(r, 0) / a) for r, a in packing.alloc[i].items()
                               if a and r in ("cpu", "memory")) if packing.alloc[i] else 0
                    if best is None or free > best[0]:
                        best = (free, i)
            chosen = best[1] if best else None
        else:
            first = start.get(key, 0) if simple else 0
            for position in range(first, len(allowed)):
                if packing.fits(p, allowed[position]):
                    chosen = allowed[position]
                    start[key] = position
                    break
        if chosen is None and budget > 0:
            chosen, spent = _repair(packing, p, allowed, candidates)
            budget -= spent
            start.clear()
        if chosen is None:
            unplaced.append(p.key)
            continue
        packing.place(p, chosen)
    return packing.assignment(), unplaced


def _repair(packing: Packing, p: PodToPlace, allowed: list[int], candidates: Candidates) -> tuple[int | None, int]:
    """Make room for ``p`` on an allowed node by moving one placed pod elsewhere."""
    spent = 0
    for i in allowed:
        for q in sorted((q for q in packing.pods_on[i] if q.fixed is None), key=lambda q: sum(q.requests.values())):
            spent += 1
            packing.remove(q)
            if packing.fits(p, i):
                packing.place(p, i)
                target = next((j for j in candidates.of(q) if j != i and packing.fits(q, j)), None)
                packing.remove(p)
                if target is not None:
                    packing.place(q, target)
                    return i, spent
            packing.place(q, i)
            if spent > 200:
                return None, spent
    return None, spent


def compact(problem: Problem, assignment: dict[str, str], budget: int = 200_000) -> dict[str, str]:
    """Empty nodes where possible: move every movable pod of the least-loaded used node onto
    the fullest other used nodes that take it; keep the move only if the node empties."""
    packing = Packing(problem)
    index = problem.node_index()
    by_key = {p.key: p for p in problem.pods}
    for key, node in assignment.items():
        packing.place(by_key[key], index[node])
    candidates = Candidates(problem)
    checks = 0
    improved = True
    while improved and checks < budget:
        improved = False
        used = [i for i, pods in enumerate(packing.pods_on) if pods]
        for victim in sorted(used, key=lambda i: (-packing.slack(i), i)):
            pods = list(packing.pods_on[victim])
            if any(q.fixed is not None for q in pods):
                continue
            moved = []
            for q in sorted(pods, key=lambda q: -sum(q.requests.get(r, 0) for r in ("cpu",))):
                packing.remove(q)
                targets = [j for j in candidates.of(q) if j != victim and packing.pods_on[j]]
                checks += len(targets)
                fitting = [j for j in targets if packing.fits(q, j)]
                if not fitting:
                    packing.place(q, victim)
                    break
                target = min(fitting, key=packing.slack)
                packing.place(q, target)
                moved.append(q)
            if not packing.pods_on[victim]:
                improved = True
                break
            for q in moved:  # undo: the node did not empty
                packing.remove(q)
                packing.place(q, victim)
            if checks >= budget:
                break
    return packing.assignment()
