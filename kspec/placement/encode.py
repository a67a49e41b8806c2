"""The Z3 encoding: one Boolean per (pod, allowed node), one ``_encode_<kind>`` per constraint kind.

Every constraint group is guarded by a labelled assumption literal, so an unsatisfiable
encoding yields a core of user-level labels ("web replicas = 5", "node n3 cpu capacity",
"web anti-affinity on kubernetes.io/hostname") for ``explain``. Resource constraints are
native pseudo-Boolean (``PbLe``) with coefficients divided by the gcd of everything on
that resource (millicores and bytes usually share 1Mi), so they stay exact and small.
Nothing from z3 leaves this package: ``solve`` turns models into plain assignments.
"""

from __future__ import annotations

import math
from typing import Iterable

import attrs
import z3

from kspec.controllers import interpod, topologyspread
from kspec.controllers.nodeplugins import host_ports, ports_conflict
from kspec.placement.heuristic import Candidates
from kspec.placement.problem import Origin, PodToPlace, Problem, static_reason
from kspec.placement.verify import namespace_labels, spread_counts_node, term_matches

_PB_LIMIT = 2 ** 31 - 1


@attrs.frozen
class Label:
    """A user-level name for a group of constraints, with where it comes from."""

    text: str
    kind: str  # replicas | capacity | static | ports | anti-affinity | affinity | spread
    origins: tuple = ()  # (Origin | None, ...)
    objects: tuple[str, ...] = ()
    workload: str = ""


class Encoding:
    """Variables and labelled constraints for one problem (``with_static``: also encode the
    statically excluded pairs, so an explanation can name taints and selectors)."""

    def __init__(self, problem: Problem, candidates: Candidates | None = None, *, with_static: bool = False,
                 movable_existing: bool = False):
        self.problem = problem
        self.candidates = candidates or Candidates(problem)
        self.with_static = with_static
        self.movable_existing = movable_existing
        self.nodes = problem.nodes
        self.pods = list(problem.pods)
        self.ns_labels = namespace_labels(problem)
        self.node_labels = [dict(n.metadata.labels) for n in self.nodes]
        self.x: dict[tuple[int, int], z3.BoolRef] = {}
        self.labels: dict[str, Label] = {}  # literal name -> label
        self.literals: dict[str, z3.BoolRef] = {}
        self._by_text: dict[str, str] = {}
        self.hard: list = []
        self.guarded: list = []  # (literal, constraint)
        self._y: dict = {}
        self.fixed: dict[int, int] = {}  # pod index -> node index (pods that do not move)
        self._build()

    # --- variables --------------------------------------------------------------------------

    def literal(self, label: Label) -> z3.BoolRef:
        """The assumption literal of ``label`` (one per distinct label text)."""
        name = self._by_text.get(label.text)
        if name is None:
            name = self._by_text[label.text] = f"L{len(self.literals)}"
            self.labels[name] = label
            self.literals[name] = z3.Bool(name)
        return self.literals[name]

    def guard(self, label: Label, constraint) -> None:
        self.guarded.append((self.literal(label), constraint))

    def allowed(self, pi: int) -> list[int]:
        p = self.pods[pi]
        if pi in self.fixed:
            return [self.fixed[pi]]
        if p.fixed is not None and self.movable_existing:
            return [i for i, n in enumerate(self.nodes) if static_reason(_unpinned(p), n) is None]
        return self.candidates.of(p)

    def y(self, pi: int, key: str, value: str):
        """The pod is in the domain ``key=value`` (an Or over its allowed nodes there)."""
        k = (pi, key, value)
        if k not in self._y:
            terms = [self.x[(pi, n)] for n in self._domain_nodes(key, value) if (pi, n) in self.x]
            self._y[k] = z3.Or(terms) if terms else z3.BoolVal(False)
        return self._y[k]

    def _domain_nodes(self, key: str, value: str) -> list[int]:
        cache = self.__dict__.setdefault("_domains", {})
        if (key, value) not in cache:
            cache[(key, value)] = [i for i, labels in enumerate(self.node_labels) if labels.get(key) == value]
        return cache[(key, value)]

    def domains(self, key: str) -> list[str]:
        return sorted({labels[key] for labels in self.node_labels if key in labels})

    # --- the encoders -------------------------------------------------------------------------

    def _build(self) -> None:
        index = self.problem.node_index()
        for pi, p in enumerate(self.pods):
            if p.fixed is not None and not self.movable_existing and p.fixed in index:
                self.fixed[pi] = index[p.fixed]
        for pi in range(len(self.pods)):
            for n in self.allowed(pi):
                self.x[(pi, n)] = z3.Bool(f"x{pi}_{n}")
        if self.with_static:
            self._encode_static()
        self._encode_placement()
        self._encode_resources()
        self._encode_ports()
        self._encode_anti_affinity()
        self._encode_affinity()
        self._encode_spread()

    def _workload_label(self, p: PodToPlace) -> Label:
        w = self.problem.workloads.get(p.workload)
        count = w.replicas if w else 1
        what = "replicas" if count != 1 or p.workload.split("/")[0] not in ("Pod",) else "pod"
        return Label(f"{_short(p.workload)} {what} = {count}" if what == "replicas" else f"{_short(p.workload)}",
                     "replicas", (w.origin if w else None,), (p.workload,), p.workload)

    def _encode_static(self) -> None:
        """Pairs the static filters exclude, each group under its reason, so cores can name it."""
        for pi, p in enumerate(self.pods):
            if pi in self.fixed:
                continue
            for n, node in enumerate(self.nodes):
                if (pi, n) in self.x:
                    continue
                reason = static_reason(p, node)
                if reason is None:
                    continue
                self.x[(pi, n)] = z3.Bool(f"x{pi}_{n}")
                label = Label(f"{_short(p.workload)}: {reason}", "static",
                              (_origin(self.problem, p.workload),), (p.workload,), p.workload)
                self.guard(label, z3.Not(self.x[(pi, n)]))

    def _encode_placement(self) -> None:
        by_pod: dict[int, list] = {}
        for (pi, n), var in self.x.items():
            by_pod.setdefault(pi, []).append(var)
        for pi, p in enumerate(self.pods):
            if pi in self.fixed:
                self.hard.append(self.x[(pi, self.fixed[pi])])
                continue
            options = by_pod.get(pi, [])
            if len(options) > 1:
                self.hard.append(z3.AtMost(*options, 1))
            self.guard(self._workload_label(p), z3.Or(options) if options else z3.BoolVal(False))

    def _encode_resources(self) -> None:
        resources = sorted({r for p in self.pods for r, v in p.requests.items() if v > 0})
        on_node: dict[int, list[int]] = {}
        for (pi, n) in self.x:
            on_node.setdefault(n, []).append(pi)
        for r in resources:
            values = [p.requests.get(r, 0) for p in self.pods] + [self.problem.allocatable(n).get(r, 0)
                                                                  for n in self.nodes]
            divisor = math.gcd(*[v for v in values if v]) or 1
            for n, node in enumerate(self.nodes):
                pods = [pi for pi in on_node.get(n, []) if self.pods[pi].requests.get(r, 0) > 0]
                if not pods:
                    continue
                capacity = self.problem.allocatable(node).get(r, 0) // divisor
                terms = [(self.x[(pi, n)], -(-self.pods[pi].requests[r] // divisor)) for pi in pods]
                total = sum(c for _, c in terms)
                if total <= capacity:
                    continue
                scale = 1
                while max(capacity, max(c for _, c in terms)) // scale > _PB_LIMIT:
                    scale *= 2
                if scale > 1:  # conservative: requests round up, capacity down
                    terms = [(v, -(-c // scale)) for v, c in terms]
                    capacity //= scale
                allocatable = self.problem.allocatable(node).get(r, 0)
                label = Label(f"node {node.metadata.name} {r} capacity ({_amount(r, allocatable)} allocatable)",
                              "capacity", (self.problem.node_origins.get(node.metadata.name),),
                              (f"Node/{node.metadata.name}",))
                self.guard(label, z3.PbLe(terms, capacity))

    def _encode_ports(self) -> None:
        wanting = [(pi, host_ports(p.pod)) for pi, p in enumerate(self.pods) if host_ports(p.pod)]
        for a in range(len(wanting)):
            for b in range(a + 1, len(wanting)):
                (pa, wa), (pb, wb) = wanting[a], wanting[b]
                if not ports_conflict(wa, set(wb)) and not ports_conflict(wb, set(wa)):
                    continue
                label = Label(f"{_short(self.pods[pa].workload)} host port "
                              f"{'/'.join(f'{port}/{proto}' for _, proto, port in wa)}", "ports",
                              (_origin(self.problem, self.pods[pa].workload, "containers"),), (self.pods[pa].workload,),
                              self.pods[pa].workload)
                for n in range(len(self.nodes)):
                    if (pa, n) in self.x and (pb, n) in self.x:
                        self.guard(label, z3.Not(z3.And(self.x[(pa, n)], self.x[(pb, n)])))

    def _term_groups(self, kind: str):
        """(workload, term) -> pod indexes carrying it."""
        groups: dict[tuple, list[int]] = {}
        for pi, p in enumerate(self.pods):
            terms = interpod.pod_terms(p.pod)
            for term in (terms.required_anti if kind == "anti" else terms.required_affinity):
                groups.setdefault((p.workload, term), []).append(pi)
        return groups

    def _encode_anti_affinity(self) -> None:
        for (workload, term), owners in self._term_groups("anti").items():
            key = term.topology_key
            label = Label(f"{_short(workload)} anti-affinity on {key}", "anti-affinity",
                          (_origin(self.problem, workload, "affinity", "podAntiAffinity"),), (workload,), workload)
            matched = [qi for qi, q in enumerate(self.pods) if term_matches(term, q, self.ns_labels)]
            inside = [pi for pi in owners if pi in set(matched)]
            outside = [qi for qi in matched if qi not in set(owners)]
            for value in self.domains(key):
                ys = [self.y(pi, key, value) for pi in inside]
                if len(ys) > 1:
                    self.guard(label, z3.AtMost(*ys, 1))
                for pi in owners:
                    if pi in set(inside):
                        continue
                    for qi in matched:
                        if qi != pi:
                            self.guard(label, z3.Not(z3.And(self.y(pi, key, value), self.y(qi, key, value))))
                if inside and outside:
                    mine = z3.Or([self.y(pi, key, value) for pi in inside])
                    for qi in outside:
                        self.guard(label, z3.Not(z3.And(mine, self.y(qi, key, value))))

    def _encode_affinity(self) -> None:
        for (workload, term), owners in self._term_groups("affinity").items():
            key = term.topology_key
            label = Label(f"{_short(workload)} affinity on {key}", "affinity",
                          (_origin(self.problem, workload, "affinity", "podAffinity"),), (workload,), workload)
            matched = [qi for qi, q in enumerate(self.pods) if term_matches(term, q, self.ns_labels)]
            for pi in owners:
                others = [qi for qi in matched if qi != pi]
                if not others and pi in matched:
                    continue  # upstream's first-pod rule
                for n in self.allowed(pi):
                    if key not in self.node_labels[n]:
                        self.guard(label, z3.Not(self.x[(pi, n)]))
                for value in self.domains(key):
                    support = [self.y(qi, key, value) for qi in others]
                    self.guard(label, z3.Implies(self.y(pi, key, value), z3.Or(support) if support
                                                 else z3.BoolVal(False)))

    def _encode_spread(self) -> None:
        groups: dict[tuple, list[int]] = {}
        for pi, p in enumerate(self.pods):
            for c in topologyspread.constraints(p.pod, "DoNotSchedule"):
                groups.setdefault((p.workload, p.pod.metadata.namespace, c), []).append(pi)
        for (workload, namespace, c), owners in groups.items():
            key = c.topology_key
            label = Label(f"{_short(workload)} topology spread on {key} (maxSkew {c.max_skew})", "spread",
                          (_origin(self.problem, workload, "topologySpreadConstraints"),), (workload,), workload)
            sample = self.pods[owners[0]]
            eligible = [n for n, node in enumerate(self.nodes)
                        if key in self.node_labels[n] and spread_counts_node(c, sample, node)]
            values = sorted({self.node_labels[n][key] for n in eligible})
            matching = [qi for qi, q in enumerate(self.pods) if (q.pod.metadata.namespace == namespace
                                                                 and c.selector.matches(q.pod.metadata.labels))]
            counts = {}
            for value in values:
                nodes_here = [n for n in eligible if self.node_labels[n][key] == value]
                counts[value] = z3.Sum([z3.If(self.x[(qi, n)], 1, 0) for qi in matching for n in nodes_here
                                        if (qi, n) in self.x] or [z3.IntVal(0)])
            low = z3.Int(f"min_{len(self.literals)}_{key}")
            if len(values) < c.min_domains:
                self.guard(label, low == 0)
            for value in values:
                self.guard(label, low <= counts[value])
                placed_here = z3.Or([self.y(pi, key, value) for pi in owners])
                self.guard(label, z3.Implies(placed_here, counts[value] <= low + c.max_skew))
            for pi in owners:
                for n in self.allowed(pi):
                    if key not in self.node_labels[n]:
                        self.guard(label, z3.Not(self.x[(pi, n)]))

    # --- use ------------------------------------------------------------------------------------

    def solver(self, timeout_ms: int | None = None) -> z3.Solver:
        solver = z3.Solver()
        if timeout_ms:
            solver.set("timeout", int(timeout_ms))
        solver.add(*self.hard)
        for literal, constraint in self.guarded:
            solver.add(z3.Implies(literal, constraint))
        return solver

    def all_literals(self) -> list:
        return list(self.literals.values())

    def decode(self, model) -> dict[str, str]:
        out = {}
        for (pi, n), var in self.x.items():
            if z3.is_true(model.eval(var, model_completion=True)):
                out[self.pods[pi].key] = self.nodes[n].metadata.name
        return out

    def label_of(self, literal) -> Label:
        return self.labels[str(literal)]

    def node_use(self) -> list:
        """``use[n]``: some pod is on node n (for min-nodes)."""
        use = [z3.Bool(f"use{n}") for n in range(len(self.nodes))]
        for (pi, n), var in self.x.items():
            self.hard.append(z3.Implies(var, use[n]))
        return use


def _unpinned(p: PodToPlace):
    return attrs.evolve(p, pod=attrs.evolve(p.pod, spec=attrs.evolve(p.pod.spec, node_name="")))


def _short(ref: str) -> str:
    """``Deployment/shop/web`` -> ``web`` (the name users call it)."""
    return ref.rsplit("/", 1)[-1]


def _origin(problem: Problem, workload: str, *pod_spec_path: str) -> Origin | None:
    w = problem.workloads.get(workload)
    if w is None:
        return None
    return w.field_origin(*pod_spec_path) if pod_spec_path else w.origin


def _amount(resource: str, value: int) -> str:
    if value == 0:
        return "0"
    if resource == "cpu":
        if value % 1000 == 0:
            return str(value // 1000)
        return f"{value}m" if value < 1000 else f"{value / 1000:g}"
    if resource in ("memory", "ephemeral-storage"):
        for unit, size in (("Gi", 2 ** 30), ("Mi", 2 ** 20), ("Ki", 2 ** 10)):
            if value % size == 0:
                return f"{value // size}{unit}"
        return str(value)
    return str(value)


def amount(resource: str, value: int) -> str:
    return _amount(resource, value)


def literals_of(encoding: Encoding, texts: Iterable[str]) -> list:
    wanted = set(texts)
    return [encoding.literals[k] for k, lb in encoding.labels.items() if lb.text in wanted]
