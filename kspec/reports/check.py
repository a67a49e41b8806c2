"""Rendering of ``kspec check``: the verdict, the bounds it holds within, and traces."""

from __future__ import annotations

import inspect
import json

from kspec.check.engine import CheckResult, ViolationReport
from kspec.check.properties import Property


def render_json(result: CheckResult) -> str:
    return json.dumps(result.to_json(), indent=2)


def _bounds_line(result: CheckResult) -> str:
    b = result.bounds
    if result.engine == "random":
        return (f"engine random (seed {result.seed}): {b['max_examples']} examples of at most {b['depth']} moves, "
                f"stale views up to {b['history']} states old, fair runs of at most {b['settle_steps']} steps")
    reach = "the whole state space was explored" if result.complete else "more states lie beyond that depth"
    symmetry = "symmetry reduction on" if b.get("symmetry") else "no symmetry reduction"
    if result.stopped_by:  # the depth asked for was not finished: say what was
        return (f"engine exhaustive: every interleaving of at most {result.stats.depth} moves of the {b['depth']} "
                f"asked (stopped by {result.stopped_by}; {symmetry}), fair runs of at most {b['settle_steps']} steps")
    return (f"engine exhaustive: every interleaving of at most {b['depth']} moves ({reach}; {symmetry}), "
            f"fair runs of at most {b['settle_steps']} steps")


def _stats_line(result: CheckResult) -> str:
    s = result.stats
    rate = s.distinct_states / s.seconds if s.seconds > 0 else 0.0
    examples = f"{s.examples} examples, " if result.engine == "random" else ""
    return (f"explored: {examples}{s.states} states, {s.distinct_states} distinct, in {s.seconds:.1f}s "
            f"({rate:.0f} distinct states/s)")


def render_trace(violation: ViolationReport) -> list[str]:
    """Numbered lines: step, clock, who moved, the write, the object, what changed."""
    if not violation.trace:
        return ["  (the input cluster itself breaks it: no move was needed)"]
    actor_width = max(len(s.actor) for s in violation.trace)
    action_width = max(len(s.action) for s in violation.trace)
    number_width = len(str(len(violation.trace)))
    lines = []
    for step in violation.trace:
        text = (f"  {step.step:>{number_width}}. t={step.clock:<5} {step.actor:<{actor_width}}  "
                f"{step.action:<{action_width}}  {step.object}")
        if step.detail:
            text += f"  [{step.detail}]"
        if not step.ok:
            text += f"  (rejected: {step.message})"
        lines.append(text.rstrip())
    return lines


def render_violation(violation: ViolationReport) -> list[str]:
    where = f" ({violation.object})" if violation.object else ""
    moment = {"state": "after the last move", "transition": "on the last move",
              "eventually": "once the cluster settled after the last move"}.get(violation.kind, "")
    lines = [f"violation: {violation.property}{where}", f"  {violation.message}", "",
             f"trace ({len(violation.trace)} steps; the property breaks {moment}):"]
    lines += render_trace(violation)
    lines += ["", f"replay: {violation.replay}"]
    return lines


def render_text(result: CheckResult) -> str:
    lines: list[str] = []
    for violation in result.violations:
        lines += render_violation(violation) + [""]
    if result.result == "pass":
        lines.append("pass: every checked property held in everything explored within these bounds")
    lines.append(_bounds_line(result))
    if result.bounds.get("start") == "settled":
        lines.append("start: the cluster as the controllers settle it from the input, before any event or fault")
    lines.append(_stats_line(result))
    lines.append(f"properties ({len(result.properties)}): {', '.join(result.properties) or 'none'}")
    lines.append(f"faults: {', '.join(result.faults) or 'none (only controller interleavings and scripted events)'}")
    return "\n".join(lines)


_KIND_MEANING = {
    "state": "checked on every state reached",
    "transition": "checked on every step, old state -> new state",
    "eventually": "checked once events stop and the fair scheduler settles the cluster",
}


def render_properties_markdown(properties: tuple[Property, ...]) -> str:
    """The content of ``docs/properties.md``: a table, then one section per property, by id
    (registration order depends on which family module is imported first)."""
    properties = tuple(sorted(properties, key=lambda p: p.id))
    lines = ["# kspec properties", "",
             "<!-- Generated from the property registry by kspec.reports.check.render_properties_markdown "
             "(`make docs/properties.md`); do not edit by hand. -->", "",
             "Every invariant `kspec check` knows. A Scenario's `spec.properties` or `--property ID` picks "
             "some; by default every property that applies to the input is checked. How the engines "
             "explore, and what the kinds mean, is in [check.md](check.md).", "",
             "| Property | Kind | Promise |", "|---|---|---|"]
    lines += [f"| [`{p.id}`](#{p.id}) | {p.kind} | {p.title} |" for p in properties]
    for p in properties:
        lines += ["", f"## `{p.id}`", "", f"**Kind:** {p.kind} ({_KIND_MEANING[p.kind]})", "", p.title[:1].upper()
                  + p.title[1:] + ".", "", inspect.cleandoc(p.doc)]
    return "\n".join(lines) + "\n"


def render_properties(properties: tuple[Property, ...], fmt: str) -> str:
    """``--list-properties``: id, kind and title of every registered property."""
    if fmt == "markdown":
        return render_properties_markdown(properties).rstrip("\n")
    properties = tuple(sorted(properties, key=lambda p: p.id))
    if fmt == "json":
        return json.dumps([{"id": p.id, "kind": p.kind, "title": p.title, "doc": p.doc} for p in properties],
                          indent=2)
    if not properties:
        return "no properties registered"
    width = max(len(p.id) for p in properties)
    return "\n".join(f"{p.id:<{width}}  {p.kind:<10}  {p.title}" for p in properties)
