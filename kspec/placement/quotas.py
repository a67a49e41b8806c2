"""ResourceQuota as placement constraints.

A quota does not depend on where pods go, only on which pods exist, so it is checked
before any search: the pods to place are admitted one after another through the store's
admission chain, as the controllers would create them; a pod the ResourceQuota plugin
refuses can never be placed, and the explanation names the quota, what its workload asked
for and where both are written.
"""

from __future__ import annotations

from kspec.model.store import Create, apply
from kspec.placement.explain import _explanation, describe
from kspec.placement.problem import Problem, origin_of


def quota_explanations(problem: Problem) -> list:
    if not problem.state.list("ResourceQuota"):
        return []
    state = problem.state
    refused: dict[str, tuple[int, str]] = {}
    for p in problem.movable:
        if state.get("Pod", p.pod.metadata.namespace, p.pod.metadata.name) is not None:
            continue  # an input Pod: already admitted (or refused) when the cluster was built
        outcome = apply(state, Create(p.pod))
        if outcome.ok:
            state = outcome.state
        elif "quota" in outcome.message:
            count, message = refused.get(p.workload, (0, outcome.message))
            refused[p.workload] = (count + 1, message)
    out = []
    for workload, (count, message) in refused.items():
        w = problem.workloads[workload]
        quota_name = message.split("quota: ", 1)[-1].split(",", 1)[0].split(":", 1)[0].strip()
        quota = problem.state.get("ResourceQuota", w.namespace, quota_name)
        where = origin_of(quota) if quota is not None else None
        objects = [workload] + ([f"ResourceQuota/{w.namespace}/{quota_name}"] if quota is not None else [])
        text = (f"{describe(w)}: {count} of {w.replicas} pods are refused by ResourceQuota {w.namespace}/{quota_name}"
                f"{f' ({where})' if where else ''}: {message}")
        out.append(_explanation(text, w.origin, objects))
    return out
