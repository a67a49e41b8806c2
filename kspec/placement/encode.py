"""The Z3 encoding: one Boolean per (pod, allowed node), one ``_encode_<kind>`` per constraint kind.

Every constraint group is guarded by a labelled assumption literal, so an unsatisfiable
encoding yields a core of user-level labels ("web replicas = 5", "node n3 cpu capacity",
"web anti-affinity on kubernetes.io/hostname") for ``explain``. Resource constraints are
native pseudo-Boolean (``PbLe``) with coefficients divided by the gcd of everything on
that resource (millicores and bytes usually share 1Mi), so they stay exact and small.
Required pod affinity and DoNotSchedule topology spread are encoded as kube-scheduler
checks them, when the pod is scheduled, given the pods bound before it (see ``before``):
replicas of one template in index order, distinct integer order variables between other
pods. ``decode_order`` gives the model's order, which ``verify`` replays before anything is
reported. Nothing from z3 leaves this package: ``solve`` turns models into plain assignments.
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
from kspec.placement.verify import matches_all, namespace_labels, spread_eligible, spread_selects, term_matches

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
        self.t: dict[int, z3.ArithRef] = {}  # order variables of the movable pods whose order matters
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
        self._classes()
        if self.with_static:
            self._encode_static()
        self._encode_placement()
        self._encode_resources()
        self._encode_ports()
        self._encode_anti_affinity()
        self._encode_affinity()
        self._encode_spread()
        self._encode_order()

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
        """Order-independent: a conflicting pair fails whichever pod comes second (its own
        terms, or the first one's terms by symmetry), so it is read on the final placement.
        Two pods bound from the start are never re-checked."""
        fixed = self.fixed
        for (workload, term), owners in self._term_groups("anti").items():
            key = term.topology_key
            label = Label(f"{_short(workload)} anti-affinity on {key}", "anti-affinity",
                          (_origin(self.problem, workload, "affinity", "podAntiAffinity"),), (workload,), workload)
            matched = [qi for qi, q in enumerate(self.pods) if term_matches(term, q, self.ns_labels)]
            matched_set, owner_set = set(matched), set(owners)
            inside = [pi for pi in owners if pi in matched_set]
            outside = [qi for qi in matched if qi not in owner_set]
            for value in self.domains(key):
                if any(pi in fixed and self.node_labels[fixed[pi]].get(key) == value for pi in inside):
                    for pi in inside:
                        if pi not in fixed:
                            self.guard(label, z3.Not(self.y(pi, key, value)))
                else:
                    ys = [self.y(pi, key, value) for pi in inside]
                    if len(ys) > 1:
                        self.guard(label, z3.AtMost(*ys, 1))
                for pi in owners:
                    if pi in matched_set:
                        continue
                    for qi in matched:
                        if qi != pi and not (pi in fixed and qi in fixed):
                            self.guard(label, z3.Not(z3.And(self.y(pi, key, value), self.y(qi, key, value))))
                for pi in inside:
                    for qi in outside:
                        if not (pi in fixed and qi in fixed):
                            self.guard(label, z3.Not(z3.And(self.y(pi, key, value), self.y(qi, key, value))))

    # --- order: required affinity and topology spread are read when the pod is scheduled ------
    #
    # Identical movable pods (same namespace, labels, owner and spec: the replicas of one
    # template) are interchangeable, so the order among them is fixed by their index (any
    # valid placement and order maps to one where the i-th of them scheduled is the i-th by
    # index): "before" between two of them is a constant, and what the earlier ones of a class
    # contribute is a prefix sum (or prefix Or) shared by the later ones. Between classes an
    # integer order variable per pod, all distinct, decides.

    def _classes(self) -> None:
        self.cls: dict[int, tuple[int, int]] = {}  # pod index -> (class, rank in the class)
        self.members: list[list[int]] = []
        ids: dict = {}
        for pi, p in enumerate(self.pods):
            if pi in self.fixed:
                continue
            pod = p.pod
            key = (pod.metadata.namespace, pod.metadata.labels, pod.metadata.owner_references, pod.spec)
            k = ids.setdefault(key, len(ids))
            if k == len(self.members):
                self.members.append([])
            self.cls[pi] = (k, len(self.members[k]))
            self.members[k].append(pi)
        self._prefix: dict = {}
        self._on: dict = {}

    def before(self, qi: int, pi: int):
        """Pod ``qi`` is bound before pod ``pi`` is scheduled (``qi`` of another class, or bound
        from the start)."""
        if qi in self.fixed:
            return z3.BoolVal(True)
        if self.cls[qi][0] == self.cls[pi][0]:
            return z3.BoolVal(self.cls[qi][1] < self.cls[pi][1])
        return self._t(qi) < self._t(pi)

    def _t(self, pi: int):
        var = self.t.get(pi)
        if var is None:
            var = self.t[pi] = z3.Int(f"t{pi}")
        return var

    def _on_nodes(self, qi: int, nodes: tuple[int, ...]) -> z3.BoolRef:
        if qi in self.fixed:
            return z3.BoolVal(self.fixed[qi] in nodes)
        k = (qi, nodes)
        found = self._on.get(k)
        if found is None:
            terms = [self.x[(qi, n)] for n in nodes if (qi, n) in self.x]
            found = self._on[k] = z3.Or(terms) if terms else z3.BoolVal(False)
        return found

    def _earlier(self, k: int, rank: int, nodes: tuple[int, ...], count: bool):
        """Of class ``k``'s first ``rank`` pods: how many are on ``nodes`` (``count``), or
        whether any is (prefix sums / Ors, shared by the class)."""
        key = (k, nodes, count)
        prefix = self._prefix.get(key)
        if prefix is None:
            prefix = [z3.IntVal(0) if count else z3.BoolVal(False)]
            for qi in self.members[k][:-1]:
                on = self._on_nodes(qi, nodes)
                prefix.append(prefix[-1] + z3.If(on, 1, 0) if count else z3.Or(prefix[-1], on))
            self._prefix[key] = prefix
        return prefix[rank]

    def _bound_before(self, pi: int, pods: list[int], nodes: tuple[int, ...], count: bool):
        """How many of ``pods`` (or whether any) are on ``nodes`` and bound before ``pi``."""
        mine, rank = self.cls[pi]
        classes = {self.cls[qi][0] for qi in pods if qi in self.cls}
        parts = []
        if mine in classes:
            parts.append(self._earlier(mine, rank, nodes, count))
        fixed = sum(1 for qi in pods if qi in self.fixed and self.fixed[qi] in nodes)
        if fixed:
            parts.append(z3.IntVal(fixed) if count else z3.BoolVal(True))
        for qi in pods:
            if qi in self.cls and self.cls[qi][0] != mine:
                both = z3.And(self._on_nodes(qi, nodes), self._t(qi) < self._t(pi))
                parts.append(z3.If(both, 1, 0) if count else both)
        if count:
            return z3.Sum(parts) if len(parts) > 1 else (parts[0] if parts else z3.IntVal(0))
        return z3.Or(parts) if len(parts) > 1 else (parts[0] if parts else z3.BoolVal(False))

    def _encode_order(self) -> None:
        if len(self.t) > 1:
            self.hard.append(z3.Distinct(*self.t.values()))
        for members in self.members:
            ordered = [self.t[pi] for pi in members if pi in self.t]
            for a, b in zip(ordered, ordered[1:]):
                self.hard.append(a < b)

    def _domain_nodes_of(self, key: str, value: str) -> tuple[int, ...]:
        return tuple(self._domain_nodes(key, value))

    def _encode_affinity(self) -> None:
        """Upstream ``satisfyPodAffinity`` when ``p`` is scheduled: the node has every term's
        topology key, and either every term finds, in the node's domain, a pod bound before
        ``p`` that matches all of ``p``'s terms, or no such pod is bound on any node that has
        one of the terms' keys and ``p`` matches all its own terms (the first pod of a series)."""
        for pi, p in enumerate(self.pods):
            if pi in self.fixed:
                continue
            terms = interpod.pod_terms(p.pod).required_affinity
            if not terms:
                continue
            keys = sorted({t.topology_key for t in terms})
            workload = p.workload
            label = Label(f"{_short(workload)} affinity on {', '.join(keys)}", "affinity",
                          (_origin(self.problem, workload, "affinity", "podAffinity"),), (workload,), workload)
            for n in self.allowed(pi):
                if any(k not in self.node_labels[n] for k in keys):
                    self.guard(label, z3.Not(self.x[(pi, n)]))
            support = self._support(pi, terms)
            every = []
            for term in terms:
                key = term.topology_key
                found = []
                for value in self.domains(key):
                    mine = self.y(pi, key, value)
                    if z3.is_false(mine) or not support:
                        continue
                    there = self._bound_before(pi, support, self._domain_nodes_of(key, value), count=False)
                    found.append(z3.And(mine, there))
                every.append(z3.Or(found) if found else z3.BoolVal(False))
            satisfied = z3.And(every)
            if matches_all(terms, p, self.ns_labels):
                keyed = tuple(n for n in range(len(self.nodes)) if any(k in self.node_labels[n] for k in keys))
                seen = self._bound_before(pi, support, keyed, count=False) if support else z3.BoolVal(False)
                satisfied = z3.Or(satisfied, z3.Not(seen))
            self.guard(label, satisfied)

    def _support(self, pi: int, terms) -> list[int]:
        cache = self.__dict__.setdefault("_supports", {})
        p = self.pods[pi]
        signature = (_ns_of(p), terms)
        found = cache.get(signature)
        if found is None:
            found = cache[signature] = [qi for qi, q in enumerate(self.pods) if matches_all(terms, q, self.ns_labels)]
        return [qi for qi in found if qi != pi]

    def _encode_spread(self) -> None:
        """Upstream PodTopologySpread Filter when ``p`` is scheduled, for ``p``'s own
        DoNotSchedule constraints only: matching pods bound before ``p``, counted per domain
        over the nodes that carry every constraint's key and pass the inclusion policies;
        ``count(p's domain) + selfMatch - globalMin <= maxSkew`` (globalMin 0 while fewer
        than minDomains domains); a node without a constraint's key takes nothing."""
        cache: dict = {}
        for pi, p in enumerate(self.pods):
            if pi in self.fixed:
                continue
            cs = topologyspread.constraints(p.pod, "DoNotSchedule")
            for c in cs:
                key = c.topology_key
                workload = p.workload
                label = Label(f"{_short(workload)} topology spread on {key} (maxSkew {c.max_skew})", "spread",
                              (_origin(self.problem, workload, "topologySpreadConstraints"),), (workload,), workload)
                for n in self.allowed(pi):
                    if key not in self.node_labels[n]:
                        self.guard(label, z3.Not(self.x[(pi, n)]))
                signature = (self.cls[pi][0], c)
                shared = cache.get(signature)
                if shared is None:
                    eligible = [n for n, node in enumerate(self.nodes) if spread_eligible(c, p, node, cs)]
                    values = sorted({self.node_labels[n][key] for n in eligible})
                    by_value = {v: tuple(n for n in eligible if self.node_labels[n][key] == v) for v in values}
                    matching = [qi for qi, q in enumerate(self.pods) if spread_selects(c, p, q)]
                    shared = cache[signature] = (values, by_value, matching)
                values, by_value, matching = shared
                others = [qi for qi in matching if qi != pi]
                own = int(c.selector.matches(p.pod.metadata.labels))
                counts = {value: self._bound_before(pi, others, by_value[value], count=True) for value in values}
                mine_values = sorted({self.node_labels[n][key] for n in self.allowed(pi) if key in self.node_labels[n]})
                if len(values) < c.min_domains:
                    low = z3.IntVal(0)
                else:  # any lower bound of every count: p's count may exceed it by maxSkew at most
                    low = z3.Int(f"low{pi}_{cs.index(c)}")
                    for value in values:
                        self.guard(label, low <= counts[value])
                for value in mine_values:
                    here = counts.get(value, z3.IntVal(0))
                    self.guard(label, z3.Implies(self.y(pi, key, value), here + own - low <= c.max_skew))

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

    def block(self, assignment: dict[str, str]):
        """A clause no model with the movable pods of ``assignment`` where they are satisfies."""
        index = self.problem.node_index()
        chosen = [self.x[(pi, index[assignment[p.key]])] for pi, p in enumerate(self.pods)
                  if pi not in self.fixed and (pi, index.get(assignment.get(p.key), -1)) in self.x]
        return z3.Not(z3.And(chosen)) if chosen else z3.BoolVal(False)

    def decode_order(self, model) -> list[str]:
        """The movable pods' keys in the scheduling order the model describes: by order
        variable; a pod without one right after the previous pod of its class that has one."""
        keys = {}
        for k, members in enumerate(self.members):
            last = -math.inf
            for rank, pi in enumerate(members):
                var = self.t.get(pi)
                if var is not None:
                    last = model.eval(var, model_completion=True).as_long()
                    keys[pi] = (last, 0, k, rank)
                else:
                    keys[pi] = (last, 1, k, rank)
        return [self.pods[pi].key for pi in sorted(keys, key=keys.__getitem__)]

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


def _ns_of(p: PodToPlace) -> str:
    return p.pod.metadata.namespace or "default"


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
