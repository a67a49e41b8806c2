"""PodTopologySpread: DoNotSchedule constraints filter, ScheduleAnyway constraints score.

Upstream ``pkg/scheduler/framework/plugins/podtopologyspread`` (``common.go``,
``filtering.go``, ``scoring.go``) and ``helper/spread.go`` ``DefaultSelector``.

- A node counts for a constraint only if it has *every* constraint's topology key, and
  passes the constraint's ``nodeAffinityPolicy`` (Honor: the pod's nodeSelector and required
  node affinity) and ``nodeTaintsPolicy`` (Honor: no untolerated NoSchedule/NoExecute taint;
  Ignore by default).
- Pods counted: on such nodes, in the pod's namespace, not terminating, matching the
  selector (with ``matchLabelKeys`` values of the incoming pod added). An empty selector
  counts nothing.
- Filter: ``count(domain) + selfMatch - globalMin <= maxSkew``; globalMin is 0 while fewer
  than ``minDomains`` domains are eligible. A node without the key fails.
- Score: a pod without constraints gets the system defaults (hostname maxSkew 3, zone
  maxSkew 5, ScheduleAnyway) if a Service, ReplicationController, ReplicaSet or StatefulSet
  selects it.
"""

from __future__ import annotations

import math

import attrs

from kspec.api import core
from kspec.api.selectors import LabelSelector, LabelSelectorRequirement
from kspec.controllers.interpod import usable
from kspec.controllers.nodeplugins import required_node_affinity_matches, untolerated_taint

REASON_CONSTRAINTS = "node(s) didn't match pod topology spread constraints"
REASON_MISSING_LABEL = REASON_CONSTRAINTS + " (missing required label)"

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


@attrs.frozen
class Constraint:
    max_skew: int
    topology_key: str
    selector: LabelSelector
    min_domains: int = 1
    node_affinity_policy: str = "Honor"
    node_taints_policy: str = "Ignore"

    def counts_node(self, pod: core.Pod, info) -> bool:
        """``matchNodeInclusionPolicies``."""
        if self.node_affinity_policy == "Honor" and not info.required_affinity(pod):
            return False
        if self.node_taints_policy == "Honor" and untolerated_taint(info.taints, pod.spec.tolerations) is not None:
            return False
        return True


# system default constraints (podtopologyspread/plugin.go systemDefaultConstraints)
SYSTEM_DEFAULTS = ((HOSTNAME, 3), (ZONE, 5))


def constraints(pod: core.Pod, action: str) -> tuple[Constraint, ...]:
    """The pod's constraints with ``whenUnsatisfiable == action`` (``filterTopologySpreadConstraints``)."""
    out = []
    labels = pod.metadata.labels
    for c in pod.spec.topology_spread_constraints:
        if c.when_unsatisfiable != action:
            continue
        selector = usable(c.label_selector)
        extra = tuple(LabelSelectorRequirement(k, "In", (labels[k],)) for k in c.match_label_keys if k in labels)
        if extra and not selector.nil:
            selector = LabelSelector(selector.match_labels, selector.match_expressions + extra)
        out.append(Constraint(max_skew=c.max_skew, topology_key=c.topology_key, selector=selector,
                              min_domains=c.min_domains if c.min_domains is not None else 1,
                              node_affinity_policy=c.node_affinity_policy or "Honor",
                              node_taints_policy=c.node_taints_policy or "Ignore"))
    return tuple(out)


def default_selector(snapshot, pod: core.Pod) -> LabelSelector:
    """``helper.DefaultSelector``: the selectors of the Services selecting the pod, and of
    its controller (ReplicationController, ReplicaSet or StatefulSet) when that exists."""
    labels: dict[str, str] = {}
    for service in snapshot.services(pod.metadata.namespace):
        selector = service.spec.selector
        if selector and all(pod.metadata.labels.get(k) == v for k, v in selector.items()):
            labels.update(selector)
    expressions: tuple = ()
    owner = pod.metadata.controller_ref()
    if owner is not None:
        controller = snapshot.controller(owner.kind, pod.metadata.namespace, owner.name)
        if controller is not None and owner.kind == "ReplicationController":
            labels.update(controller.spec.selector)
        elif controller is not None and controller.spec.selector is not None \
                and not controller.spec.selector.validate():
            expressions = controller.spec.selector.requirements()
    return LabelSelector(labels, expressions)


def score_constraints(snapshot, pod: core.Pod) -> tuple[tuple[Constraint, ...], bool]:
    """(constraints that score, whether they are the system defaults)."""
    if pod.spec.topology_spread_constraints:
        return constraints(pod, "ScheduleAnyway"), False
    selector = default_selector(snapshot, pod)
    if selector.is_empty():
        return (), True
    return tuple(Constraint(max_skew=skew, topology_key=key, selector=selector) for key, skew in SYSTEM_DEFAULTS), True


def count_matching(info, selector: LabelSelector, namespace: str) -> int:
    """``countPodsMatchSelector``: the node's pods in ``namespace``, not terminating."""
    if selector.is_empty() or selector.nil:
        return 0
    return sum(1 for p in info.pods_in(namespace)
               if p.metadata.deletion_timestamp is None and selector.matches(p.metadata.labels))


def has_all_keys(labels, cs: tuple[Constraint, ...]) -> bool:
    return all(c.topology_key in labels for c in cs)


# ---- filter -----------------------------------------------------------------------------

@attrs.frozen
class FilterState:
    constraints: tuple[Constraint, ...]
    counts: tuple[dict[str, int], ...]
    minimum: tuple[int, ...]
    self_match: tuple[int, ...]


def pre_filter(snapshot, pod: core.Pod) -> FilterState | None:
    """Matching pods per eligible domain of each DoNotSchedule constraint (None: no constraint)."""
    cs = constraints(pod, "DoNotSchedule")
    if not cs:
        return None
    counts: tuple[dict[str, int], ...] = tuple({} for _ in cs)
    namespace = pod.metadata.namespace
    for info in snapshot.nodes:
        if not has_all_keys(info.labels, cs):
            continue
        for c, by_value in zip(cs, counts):
            if c.counts_node(pod, info):
                value = info.labels[c.topology_key]
                by_value[value] = by_value.get(value, 0) + count_matching(info, c.selector, namespace)
    # minMatchNum: the global minimum, or 0 while fewer than minDomains domains are eligible
    minimum = tuple(0 if len(by_value) < c.min_domains else min(by_value.values())
                    for c, by_value in zip(cs, counts))
    labels = pod.metadata.labels
    self_match = tuple(int(c.selector.matches(labels)) for c in cs)
    return FilterState(constraints=cs, counts=counts, minimum=minimum, self_match=self_match)


def filter_node(state: FilterState | None, labels) -> str | None:
    if state is None:
        return None
    for c, by_value, low, own in zip(state.constraints, state.counts, state.minimum, state.self_match):
        value = labels.get(c.topology_key)
        if value is None:
            return REASON_MISSING_LABEL
        if by_value.get(value, 0) + own - low > c.max_skew:
            return REASON_CONSTRAINTS
    return None


# ---- score ------------------------------------------------------------------------------

@attrs.frozen
class ScoreState:
    constraints: tuple[Constraint, ...]
    ignored: frozenset[str]
    pair_counts: dict[tuple[str, str], int]
    weights: tuple[float, ...]


def pre_score(snapshot, pod: core.Pod, feasible: list) -> ScoreState | None:
    """Upstream ``PreScore``: domains among the feasible nodes, matching pods per domain over
    all nodes (hostname counted per node at score time), log(domains + 2) weights."""
    cs, defaulted = score_constraints(snapshot, pod)
    if not cs:
        return None
    # Only a pod's own constraints require every key; system defaults let nodes without a
    # zone label still spread by hostname.
    require_all = not defaulted
    ignored = set()
    pair_counts: dict[tuple[str, str], int] = {}
    sizes = [0] * len(cs)
    for info in feasible:
        if require_all and not has_all_keys(info.labels, cs):
            ignored.add(info.name)
            continue
        for i, c in enumerate(cs):
            if c.topology_key == HOSTNAME:
                continue
            pair = (c.topology_key, info.labels.get(c.topology_key, ""))
            if pair not in pair_counts:
                pair_counts[pair] = 0
                sizes[i] += 1
    weights = tuple(math.log((len(feasible) - len(ignored) if c.topology_key == HOSTNAME else sizes[i]) + 2)
                    for i, c in enumerate(cs))
    namespace = pod.metadata.namespace
    for info in snapshot.nodes:
        if require_all and not has_all_keys(info.labels, cs):
            continue
        for c in cs:
            if not c.counts_node(pod, info):
                continue
            pair = (c.topology_key, info.labels.get(c.topology_key, ""))
            if pair in pair_counts:
                pair_counts[pair] += count_matching(info, c.selector, namespace)
    return ScoreState(constraints=cs, ignored=frozenset(ignored), pair_counts=pair_counts, weights=weights)


def score(state: ScoreState, info, namespace: str) -> int:
    """Sum over constraints of ``count * weight + (maxSkew - 1)``, rounded half away from zero."""
    if info.name in state.ignored:
        return 0
    total = 0.0
    for c, weight in zip(state.constraints, state.weights):
        value = info.labels.get(c.topology_key)
        if value is None:
            continue
        if c.topology_key == HOSTNAME:
            count = count_matching(info, c.selector, namespace)
        else:
            count = state.pair_counts[(c.topology_key, value)]
        total += count * weight + (c.max_skew - 1)
    return math.floor(total + 0.5)


def normalize(state: ScoreState, names: list[str], scores: list[int]) -> list[int]:
    """Fewer matching pods is better: ``100 * (max + min - s) / max``; ignored nodes 0."""
    valid = [s for name, s in zip(names, scores) if name not in state.ignored]
    if not valid:
        return [0] * len(scores)
    low, high = min(valid), max(valid)
    out = []
    for name, s in zip(names, scores):
        if name in state.ignored:
            out.append(0)
        elif high == 0:
            out.append(100)
        else:
            out.append(100 * (high + low - s) // high)
    return out
