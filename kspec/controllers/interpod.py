"""InterPodAffinity: required pod affinity and anti-affinity (filter) and preferred terms (score).

Upstream ``pkg/scheduler/framework/plugins/interpodaffinity/filtering.go`` and ``scoring.go``,
terms as ``framework.AffinityTerm`` (``pkg/scheduler/framework/types.go``). A term selects
pods by label in a set of namespaces: its ``namespaces`` list, the namespaces whose labels its
``namespaceSelector`` matches, or (both empty/null) the namespace of the pod that owns the
term. ``matchLabelKeys``/``mismatchLabelKeys`` are merged into the label selector from the
owning pod's labels, as the API server does when the pod is created
(``pkg/registry/core/pod/strategy.go`` ``applyMatchLabelKeysAndMismatchLabelKeys``).

The functions read a scheduler snapshot (``schedsnapshot.Snapshot``); they do not modify it.
"""

from __future__ import annotations

from collections import Counter
from typing import Mapping

import attrs

from kspec.api import core
from kspec.api.selectors import LabelSelector, LabelSelectorRequirement

REASON_AFFINITY = "node(s) didn't match pod affinity rules"
REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"

# InterPodAffinityArgs.HardPodAffinityWeight default (apis/config/v1/defaults.go).
HARD_POD_AFFINITY_WEIGHT = 1


def usable(selector: LabelSelector | None) -> LabelSelector:
    """The selector, or the nil selector (matches nothing) when absent or invalid: upstream
    fails the scheduling cycle on an invalid selector, so such a term never admits a pod."""
    if selector is None or selector.validate():
        return LabelSelector.nothing()
    return selector


@attrs.frozen
class AffinityTerm:
    """One pod (anti-)affinity term as the scheduler holds it (``framework.AffinityTerm``)."""

    selector: LabelSelector
    namespaces: frozenset[str]
    namespace_selector: LabelSelector
    topology_key: str
    weight: int = 0

    def matches(self, pod: core.Pod, namespace_labels: Mapping[str, str]) -> bool:
        """``AffinityTerm.Matches``: the pod's namespace is selected and its labels match."""
        if pod.metadata.namespace in self.namespaces or self.namespace_selector.matches(namespace_labels):
            return self.selector.matches(pod.metadata.labels)
        return False


def affinity_term(owner: core.Pod, term: core.PodAffinityTerm, weight: int = 0) -> AffinityTerm:
    selector = usable(term.label_selector)
    labels = owner.metadata.labels
    if not selector.nil and (term.match_label_keys or term.mismatch_label_keys):
        extra = tuple(LabelSelectorRequirement(k, "In", (labels[k],)) for k in term.match_label_keys if k in labels)
        extra += tuple(LabelSelectorRequirement(k, "NotIn", (labels[k],))
                       for k in term.mismatch_label_keys if k in labels)
        selector = LabelSelector(selector.match_labels, selector.match_expressions + extra)
    if not term.namespaces and term.namespace_selector is None:
        namespaces = frozenset((owner.metadata.namespace,))
    else:
        namespaces = frozenset(term.namespaces)
    return AffinityTerm(selector=selector, namespaces=namespaces, namespace_selector=usable(term.namespace_selector),
                        topology_key=term.topology_key, weight=weight)


@attrs.frozen
class PodTerms:
    """A pod's parsed terms (``framework.PodInfo``'s Required/Preferred(Anti)AffinityTerms)."""

    required_affinity: tuple[AffinityTerm, ...] = ()
    required_anti: tuple[AffinityTerm, ...] = ()
    preferred_affinity: tuple[AffinityTerm, ...] = ()
    preferred_anti: tuple[AffinityTerm, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.required_affinity or self.required_anti or self.preferred_affinity or self.preferred_anti)


NO_TERMS = PodTerms()
_TERMS: dict[int, tuple[core.Pod, PodTerms]] = {}


def pod_terms(pod: core.Pod) -> PodTerms:
    """The pod's affinity terms (cached per pod object; pods are immutable)."""
    affinity = pod.spec.affinity
    if affinity is None or (affinity.pod_affinity is None and affinity.pod_anti_affinity is None):
        return NO_TERMS
    cached = _TERMS.get(id(pod))
    if cached is not None and cached[0] is pod:
        return cached[1]
    aff, anti = affinity.pod_affinity, affinity.pod_anti_affinity
    terms = PodTerms(
        required_affinity=tuple(affinity_term(pod, t) for t in aff.required) if aff else (),
        required_anti=tuple(affinity_term(pod, t) for t in anti.required) if anti else (),
        preferred_affinity=tuple(affinity_term(pod, w.pod_affinity_term, w.weight) for w in aff.preferred)
        if aff else (),
        preferred_anti=tuple(affinity_term(pod, w.pod_affinity_term, w.weight) for w in anti.preferred)
        if anti else (),
    )
    if len(_TERMS) > 200_000:
        _TERMS.clear()
    _TERMS[id(pod)] = (pod, terms)
    return terms


# ---- filter -----------------------------------------------------------------------------

@attrs.frozen
class FilterState:
    """PreFilter's counts per (topologyKey, value) (upstream ``preFilterState``)."""

    terms: PodTerms
    self_match: bool
    existing_anti: Counter
    affinity: Counter
    anti: Counter


def _candidates(snapshot, terms: tuple[AffinityTerm, ...]):
    """Placed pods that some of ``terms`` may select: only the named namespaces' pods
    unless a term has a namespace selector."""
    if any(not t.namespace_selector.nil for t in terms):
        return snapshot.placed()
    return snapshot.placed_in(set().union(*(t.namespaces for t in terms)))


def pre_filter(snapshot, pod: core.Pod) -> FilterState:
    """Count the topology domains each rule touches (upstream ``PreFilter``)."""
    terms = pod_terms(pod)
    own_labels = snapshot.namespace_labels(pod.metadata.namespace)
    existing_anti: Counter = Counter()
    for other, info in snapshot.with_required_anti():
        for term in pod_terms(other).required_anti:
            value = info.labels.get(term.topology_key)
            if value is not None and term.matches(pod, own_labels):
                existing_anti[(term.topology_key, value)] += 1
    affinity: Counter = Counter()
    anti: Counter = Counter()
    required = terms.required_affinity + terms.required_anti
    if required:
        for other, info in _candidates(snapshot, required):
            labels = snapshot.namespace_labels(other.metadata.namespace)
            if terms.required_affinity and all(t.matches(other, labels) for t in terms.required_affinity):
                for t in terms.required_affinity:
                    if t.topology_key in info.labels:
                        affinity[(t.topology_key, info.labels[t.topology_key])] += 1
            for t in terms.required_anti:
                if t.topology_key in info.labels and t.matches(other, labels):
                    anti[(t.topology_key, info.labels[t.topology_key])] += 1
    self_match = all(t.matches(pod, own_labels) for t in terms.required_affinity)
    return FilterState(terms=terms, self_match=self_match, existing_anti=existing_anti, affinity=affinity, anti=anti)


def satisfy_pod_affinity(state: FilterState, labels: Mapping[str, str]) -> bool:
    """Every term finds a matching pod in the node's domain; or no pod anywhere matches and
    the pod matches its own terms (the first pod of a group, upstream ``satisfyPodAffinity``).
    A node without a term's topology key fails."""
    pods_exist = True
    for term in state.terms.required_affinity:
        value = labels.get(term.topology_key)
        if value is None:
            return False
        if state.affinity[(term.topology_key, value)] <= 0:
            pods_exist = False
    return pods_exist or (not state.affinity and state.self_match)


def satisfy_pod_anti_affinity(state: FilterState, labels: Mapping[str, str]) -> bool:
    for term in state.terms.required_anti:
        value = labels.get(term.topology_key)
        if value is not None and state.anti[(term.topology_key, value)] > 0:
            return False
    return True


def satisfy_existing_pods_anti_affinity(state: FilterState, labels: Mapping[str, str]) -> bool:
    """No placed pod's required anti-affinity selects this pod in the node's domains."""
    if state.existing_anti:
        return not any(state.existing_anti[pair] > 0 for pair in labels.items() if pair in state.existing_anti)
    return True


def filter_node(state: FilterState, labels: Mapping[str, str]) -> str | None:
    """Upstream ``Filter`` (affinity, then the pod's anti-affinity, then existing pods')."""
    if state.terms.required_affinity and not satisfy_pod_affinity(state, labels):
        return REASON_AFFINITY
    if state.anti and not satisfy_pod_anti_affinity(state, labels):
        return REASON_ANTI_AFFINITY
    if not satisfy_existing_pods_anti_affinity(state, labels):
        return REASON_EXISTING_ANTI_AFFINITY
    return None


# ---- score ------------------------------------------------------------------------------

def pre_score(snapshot, pod: core.Pod) -> dict[str, dict[str, int]]:
    """Upstream ``PreScore``: per topology key and value, the summed weights of
    - the pod's preferred affinity (+) / anti-affinity (-) terms matching placed pods,
    - placed pods' required affinity (+1, HardPodAffinityWeight) and preferred affinity (+) /
      anti-affinity (-) terms matching the pod,
    credited to the domain of the placed pod's node."""
    terms = pod_terms(pod)
    own_labels = snapshot.namespace_labels(pod.metadata.namespace)
    preferred = terms.preferred_affinity or terms.preferred_anti
    scores: dict[str, dict[str, int]] = {}

    def credit(term: AffinityTerm, weight: int, target: core.Pod, ns_labels, node_labels) -> None:
        value = node_labels.get(term.topology_key)
        if value is not None and term.matches(target, ns_labels):
            by_value = scores.setdefault(term.topology_key, {})
            by_value[value] = by_value.get(value, 0) + weight

    for other, info in (snapshot.placed() if preferred else snapshot.with_affinity()):
        if not info.labels:
            continue
        if preferred:
            other_ns = snapshot.namespace_labels(other.metadata.namespace)
            for term in terms.preferred_affinity:
                credit(term, term.weight, other, other_ns, info.labels)
            for term in terms.preferred_anti:
                credit(term, -term.weight, other, other_ns, info.labels)
        theirs = pod_terms(other)
        for term in theirs.required_affinity:
            credit(term, HARD_POD_AFFINITY_WEIGHT, pod, own_labels, info.labels)
        for term in theirs.preferred_affinity:
            credit(term, term.weight, pod, own_labels, info.labels)
        for term in theirs.preferred_anti:
            credit(term, -term.weight, pod, own_labels, info.labels)
    return scores


def score(topology_score: dict[str, dict[str, int]], labels: Mapping[str, str]) -> int:
    return sum(by_value.get(labels[key], 0) for key, by_value in topology_score.items() if key in labels)


def normalize(topology_score: dict, scores: list[int]) -> list[int]:
    """Upstream ``NormalizeScore``: min..max -> 0..100 (float, truncated); untouched when no
    term counted anywhere."""
    if not topology_score:
        return scores
    low, high = min(scores), max(scores)
    spread = high - low
    return [int(100.0 * ((s - low) / spread)) if spread > 0 else 0 for s in scores]
