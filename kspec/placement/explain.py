"""Sentences a user can act on, from minimised cores and bounds, with ``file:line``.

A core is a set of labels (see ``encode.Label``) that together cannot hold. The sentence
names the workloads that cannot all be placed and, for each other label, what it asks
and where it is written: "web (3 replicas, 2 cpu each) cannot be placed: anti-affinity on
kubernetes.io/hostname needs 3 domains, 2 are open to it (web.yaml:4); ...".
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from kspec.placement.problem import PodToPlace, Problem, Workload, static_reason

if TYPE_CHECKING:
    from kspec.placement.encode import Label
    from kspec.placement.solve import Explanation


def _explanation(message: str, origin=None, objects=()) -> "Explanation":
    from kspec.placement.solve import Explanation

    return Explanation(message=message, file=origin.file if origin else None, line=origin.line if origin else None,
                       objects=tuple(objects))


def _where(origin) -> str:
    return f" ({origin})" if origin else ""


def describe(w: Workload) -> str:
    """``web (3 replicas, 2 cpu, 1Gi memory each)``."""
    from kspec.placement.encode import amount

    parts = [f"{amount(r, w.requests[r])} {r}" for r in ("cpu", "memory") if w.requests.get(r)]
    parts += [f"{amount(r, v)} {r}" for r, v in sorted(w.requests.items())
              if r not in ("cpu", "memory", "pods") and v]
    size = ", ".join(parts) + (" each" if w.replicas != 1 else "") if parts else "no requests"
    count = f"{w.replicas} replica{'s' if w.replicas != 1 else ''}" if not w.ref.startswith("Pod/") else "pod"
    return f"{w.name} ({count}, {size})"


def _domains_open(problem: Problem, workload: str, key: str) -> tuple[int, int]:
    """(domains of ``key`` among nodes the workload may use, among all nodes)."""
    sample = next(p for p in problem.pods if p.workload == workload)
    allowed = [n for n in problem.nodes if static_reason(sample, n) is None]
    return (len({n.metadata.labels.get(key) for n in allowed if key in n.metadata.labels}),
            len({n.metadata.labels.get(key) for n in problem.nodes if key in n.metadata.labels}))


def _static_nodes(problem: Problem, workload: str, reason: str) -> list[str]:
    sample = next(p for p in problem.pods if p.workload == workload)
    return [n.metadata.name for n in problem.nodes if static_reason(sample, n) == reason]


def sentences(problem: Problem, labels: list["Label"]) -> list["Explanation"]:
    """The headline (which workloads cannot be placed, and why in one sentence), then one
    line per label with its position."""
    stuck = [lb for lb in labels if lb.kind == "replicas"]
    others = [lb for lb in labels if lb.kind != "replicas"]
    reasons: list[str] = []
    details: list["Explanation"] = []
    for lb in others:
        text = lb.text
        objects = list(lb.objects)
        origin = lb.origins[0] if lb.origins else None
        if lb.kind == "anti-affinity":
            key = text.rsplit(" on ", 1)[-1]
            w = problem.workloads[lb.workload]
            open_, total = _domains_open(problem, lb.workload, key)
            text = (f"anti-affinity of {w.name} on {key} needs {w.replicas} distinct {key} values, "
                    f"{open_} of the {total} are open to it")
        elif lb.kind == "affinity" and lb.workload in problem.workloads:
            text = _affinity_sentence(problem, lb.workload, text.rsplit(" on ", 1)[-1])
        elif lb.kind == "static":
            reason = text.split(": ", 1)[1]
            nodes = _static_nodes(problem, lb.workload, reason)
            shown = ", ".join(nodes[:5]) + (f" and {len(nodes) - 5} more" if len(nodes) > 5 else "")
            text = f"{len(nodes)} node(s) are closed to {problem.workloads[lb.workload].name}: {reason}: {shown}"
            objects += [f"Node/{n}" for n in nodes]
            origin = next((problem.node_origins.get(n) for n in nodes if problem.node_origins.get(n)), origin)
        reasons.append(text + _where(origin))
        details.append(_explanation(text, origin, objects))
    if stuck:
        names = [describe(problem.workloads[lb.workload]) for lb in stuck if lb.workload in problem.workloads]
        subject = " together with ".join(names) if names else "the workloads"
        verb = "cannot all be placed" if len(names) > 1 else "cannot be placed"
        because = "; ".join(reasons) if reasons else "no node can take them"
        first = stuck[0]
        objects = list(dict.fromkeys([o for lb in labels for o in lb.objects] + [o for d in details for o in d.objects]))
        headline = _explanation(f"{subject} {verb}: {because}", first.origins[0] if first.origins else None, objects)
        return [headline] + details
    return details or [_explanation("infeasible")]


def _affinity_sentence(problem: Problem, workload: str, keys: str) -> str:
    """Required affinity read as the scheduler reads it, with the first-pod rule."""
    from kspec.controllers import interpod
    from kspec.placement.verify import matches_all, namespace_labels

    name = problem.workloads[workload].name
    pod = next((p for p in problem.pods if p.workload == workload), None)
    terms = interpod.pod_terms(pod.pod).required_affinity if pod is not None else ()
    text = f"{name}'s required pod affinity on {keys}: each pod needs a matching pod bound before it in its domain"
    if terms and not matches_all(terms, pod, namespace_labels(problem)):
        text += f"; {name} does not match its own terms, so it cannot be the first pod of its series"
    return text


def no_node_for(problem: Problem, p: PodToPlace, w: Workload, allowed: list[int]) -> "Explanation":
    """A pod no node allows, or none can hold even empty."""
    reasons = Counter()
    for i, node in enumerate(problem.nodes):
        reason = static_reason(p, node)
        if reason is None:
            alloc = problem.allocatable(node)
            short = [r for r, v in p.requests.items() if v > 0 and v > alloc.get(r, 0)]
            reason = "Insufficient " + ", ".join(short) if short else "fits"
        reasons[reason] += 1
    parts = "; ".join(f"{count} node(s): {reason}" for reason, count in sorted(reasons.items()))
    return _explanation(f"{describe(w)} fits on no node: {parts}", w.origin, [w.ref])


def over_capacity(problem: Problem, resource: str, want: int, have: int) -> "Explanation":
    from kspec.placement.encode import amount

    by_workload = Counter()
    for p in problem.pods:
        by_workload[p.workload] += p.requests.get(resource, 0)
    largest = [w for w, v in by_workload.most_common(3) if v]
    top = ", ".join(f"{describe(problem.workloads[w])}" for w in largest)
    nodes = f"the {len(problem.nodes)} nodes have" if len(problem.nodes) != 1 else "the node has"
    origin = problem.workloads[largest[0]].origin if largest else None
    return _explanation(f"the pods request {amount(resource, want)} {resource} in all, {nodes} "
                        f"{amount(resource, have)} allocatable; the largest requests: {top}", origin, largest)


def half_node(problem: Problem, resource: str, big: list[PodToPlace], room: int) -> "Explanation":
    """Pods that each need more than half of any node they may use: one per node at most."""
    workloads = list(dict.fromkeys(p.workload for p in big))
    names = ", ".join(describe(problem.workloads[w]) for w in workloads[:3])
    origin = problem.workloads[workloads[0]].origin
    return _explanation(f"{len(big)} pods each need more than half of the {resource} of any node they may use "
                        f"({names}), so no two share a node, and only {room} node(s) can take one", origin, workloads)
