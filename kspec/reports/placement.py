"""Rendering of ``kspec place``: the verdict, a node table, explanations, greedy's Pending pods."""

from __future__ import annotations

import json

from kspec.placement.encode import amount
from kspec.placement.greedy import GreedyAnswer
from kspec.placement.problem import Problem
from kspec.placement.solve import Answer


def node_rows(problem: Problem, answer: Answer) -> list[dict]:
    rows = []
    for node in problem.nodes:
        name = node.metadata.name
        alloc = problem.allocatable(node)
        pods = [p for p in problem.pods if answer.assignments.get(p.key) == name]
        row = {"name": name, "pods": len(pods)}
        for r in ("cpu", "memory"):
            row[r] = {"used": amount(r, sum(p.requests.get(r, 0) for p in pods)),
                      "allocatable": amount(r, alloc.get(r, 0))}
        rows.append(row)
    return rows


def to_json(problem: Problem, answer: Answer, greedy: GreedyAnswer | None) -> dict:
    out = {"status": answer.status, "objective": answer.objective, "proven": answer.proven,
           "method": answer.method, "value": answer.value, "lower_bound": answer.lower_bound,
           "assignments": dict(sorted(answer.assignments.items())),
           "nodes": node_rows(problem, answer) if answer.assignments else [],
           "explanation": [e.to_json() for e in answer.explanation],
           "resilience": [loss.to_json() for loss in answer.resilience],
           "skipped": list(problem.skipped), "notes": list(answer.notes), "seconds": round(answer.seconds, 3),
           "soft_cost": answer.soft_cost}
    if greedy is not None:
        out["greedy"] = greedy.to_json()
    return out


def render_json(problem: Problem, answer: Answer, greedy: GreedyAnswer | None) -> str:
    return json.dumps(to_json(problem, answer, greedy), indent=2)


_VALUE = {"min-nodes": "nodes used", "balance": "most-loaded node (% of allocatable)", "min-moves": "pods moved"}


def render_text(problem: Problem, answer: Answer, greedy: GreedyAnswer | None) -> str:
    lines: list[str] = []
    pods = len(problem.pods)
    if answer.status == "sat":
        lines.append(f"feasible: all {pods} pods placed on {len(problem.nodes)} nodes "
                     f"(found by {answer.method}, replayed pod by pod through the scheduler's filters)")
        lines.append("")
        rows = node_rows(problem, answer)
        width = max([4] + [len(r["name"]) for r in rows])
        lines.append(f"{'NODE':<{width}}  {'PODS':>4}  {'CPU (used/allocatable)':<24}  MEMORY (used/allocatable)")
        for r in rows:
            cpu = f"{r['cpu']['used']}/{r['cpu']['allocatable']}"
            memory = f"{r['memory']['used']}/{r['memory']['allocatable']}"
            lines.append(f"{r['name']:<{width}}  {r['pods']:>4}  {cpu:<24}  {memory}")
    elif answer.status == "unsat":
        lines.append(f"infeasible: no placement of the {pods} pods on {len(problem.nodes)} nodes exists "
                     f"(proved by {answer.method})")
        for e in answer.explanation:
            where = f"{e.file}:{e.line}: " if e.file else ""
            lines.append(f"  {where}{e.message}")
    else:
        lines.append("unknown: " + ("; ".join(answer.notes) or "no answer within the timeout"))
    if answer.soft_cost is not None and answer.status == "sat":
        lines += ["", f"preferences: soft cost {answer.soft_cost} (weights of unmet preferred node and pod "
                      f"(anti-)affinity terms, 100 per untolerated PreferNoSchedule taint)"]
    if answer.objective in _VALUE and answer.status == "sat":
        bound = f", lower bound {answer.lower_bound:g}" if answer.lower_bound is not None else ""
        proof = "optimum proven" if answer.proven else "not proven optimal"
        lines += ["", f"{answer.objective}: {_VALUE[answer.objective]} {answer.value:g}{bound} ({proof})"]
    if answer.resilience:
        lines.append("")
        broken = [loss for loss in answer.resilience if loss.status != "sat"]
        lines.append(f"resilience: {len(answer.resilience) - len(broken)} of {len(answer.resilience)} losses survived")
        for loss in broken:
            what = ", ".join(loss.unplaceable) or "some workloads"
            lines.append(f"  losing {', '.join(loss.lost)}: {loss.status}: {what} cannot be placed")
            for e in loss.explanation[:1]:
                lines.append(f"    {e.message}")
    if greedy is not None:
        lines.append("")
        lines.append(f"greedy (kube-scheduler model, input order): {greedy.placed} of {pods} placed"
                     + (f"; Pending: {len(greedy.pending)}" if greedy.pending else ""))
        for key, why in sorted(greedy.pending.items())[:20]:
            lines.append(f"  {key}: {why}")
        if len(greedy.pending) > 20:
            lines.append(f"  ... and {len(greedy.pending) - 20} more")
    for note in answer.notes if answer.status != "unknown" else ():
        lines.append(f"note: {note}")
    for skipped in problem.skipped:
        lines.append(f"not placed: {skipped}")
    return "\n".join(lines)
