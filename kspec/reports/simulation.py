"""Rendering of ``kspec simulate``: the timeline and the final state of each workload."""

from __future__ import annotations

import json

from kspec.model import summary
from kspec.model.run import Run


def to_json_data(result: Run) -> dict:
    """The DESIGN.md shape: converged, steps, timeline, workloads (plus clock, pods, ...)."""
    return {
        "converged": result.converged,
        "steps": result.steps,
        "clock": result.state.clock,
        "timeline": [step.to_json() for step in result.timeline],
        "workloads": summary.workloads(result.state),
        "pods": summary.pods(result.state),
        "unmodelled": summary.unmodelled(result.state),
        "still_changing": list(result.still_changing),
    }


def render_json(result: Run) -> str:
    return json.dumps(to_json_data(result), indent=2)


def render_text(result: Run) -> str:
    lines = []
    width = len(str(result.steps))
    for step in result.timeline:
        outcome = "" if step.ok else f"  (rejected: {step.message})"
        lines.append(f"{step.step:>{width}}  t={step.clock:<5} {step.actor:<16} {step.action:<26} {step.object}{outcome}")
    rows = summary.workloads(result.state)
    if rows:
        lines.append("")
        name_width = max(len(r["object"]) for r in rows)
        lines.append(f"{'WORKLOAD':<{name_width}}  DESIRED  CURRENT  READY  UPDATED")
        for r in rows:
            lines.append(f"{r['object']:<{name_width}}  {r['desired']:>7}  {r['current']:>7}  {r['ready']:>5}  {r['updated']:>7}")
    unmodelled = summary.unmodelled(result.state)
    if unmodelled:
        lines.append("")
        lines.append(f"not modelled (kept, no controller acts on them): {', '.join(unmodelled)}")
    lines.append("")
    if result.converged:
        lines.append(f"converged after {result.steps} steps at t={result.state.clock}s")
    else:
        lines.append(f"did not converge within {result.steps} steps (t={result.state.clock}s); "
                     f"still changing: {', '.join(result.still_changing)}")
    return "\n".join(lines)
