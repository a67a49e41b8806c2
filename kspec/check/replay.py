"""The command that replays a run: the same inputs, engine, bounds and seed."""

from __future__ import annotations

import shlex

from kspec.check.setup import Problem


def replay_command(problem: Problem, *, seed: int | None = None) -> str:
    """``kspec check PATH... --engine E --depth N [--max-examples M --seed S] [--property P]... [--fault F]...``.
    Explicit options are repeated; what came from the Scenario is found there again."""
    options = problem.options
    words = ["kspec", "check", *(options.paths or ("PATH",)), "--engine", options.engine, "--depth", str(problem.depth)]
    if options.engine == "random":
        words += ["--max-examples", str(problem.max_examples), "--seed", str(seed)]
    if options.start:
        words += ["--start", options.start]
    for property_id in options.properties:
        words += ["--property", property_id]
    for fault in options.faults or ():
        words += ["--fault", fault]
    return shlex.join(words)
