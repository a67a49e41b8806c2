"""``--compare-greedy``: kube-scheduler's answer on the same input, from the cluster model.

Runs ``kspec.controllers.scheduler.greedy_schedule`` (the filters, the default score
plugins with their default weights, all nodes scored, ties broken by node name) over the
pods to place, one at a time in the order the input declares them, and reports what it
leaves Pending and why, in upstream's words.
"""

from __future__ import annotations

import attrs

from kspec.controllers.scheduler import greedy_schedule
from kspec.placement.problem import Problem


@attrs.frozen(kw_only=True)
class GreedyAnswer:
    assignments: dict
    pending: dict  # key -> upstream FitError message

    @property
    def placed(self) -> int:
        return len(self.assignments)

    def to_json(self) -> dict:
        return {"placed": self.placed, "pending": sorted(self.pending), "reasons": dict(sorted(self.pending.items()))}


def compare_greedy(problem: Problem) -> GreedyAnswer:
    existing = [p.pod for p in problem.pods if p.fixed is not None]
    pending = [p.pod for p in problem.pods if p.fixed is None]
    state = problem.state
    objects = [o for kind in ("Service", "ReplicationController", "ReplicaSet", "StatefulSet") for o in state.list(kind)]
    result = greedy_schedule(problem.nodes, existing, pending, state.list("Namespace"), objects)
    key = lambda ns_name: f"{ns_name[0]}/{ns_name[1]}"  # noqa: E731
    return GreedyAnswer(assignments={key(k): v for k, v in result.assignments.items()},
                        pending={key(k): v for k, v in result.pending.items()})
