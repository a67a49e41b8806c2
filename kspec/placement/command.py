"""``kspec place`` as a command: read inputs, build the problem, answer, print, exit code."""

from __future__ import annotations

import argparse
import sys

from kspec.reading.errors import ReadError

EXIT_OK, EXIT_INFEASIBLE, EXIT_INPUT = 0, 1, 2


def run_place(args: argparse.Namespace) -> int:
    from kspec.check.command import load_objects
    from kspec.placement.greedy import compare_greedy
    from kspec.placement.problem import build
    from kspec.placement.solve import Options, place
    from kspec.reports import placement as report

    objects, errors = load_objects(args.paths)
    for error in errors:
        print(error.format(), file=sys.stderr)
    if errors:
        return EXIT_INPUT
    if not objects:
        print(f"kspec place: error: no Kubernetes objects found in {' '.join(args.paths)}", file=sys.stderr)
        return EXIT_INPUT
    if args.survive_node_loss < 0 or (args.timeout is not None and args.timeout <= 0):
        print("kspec place: error: --survive-node-loss and --timeout must be positive", file=sys.stderr)
        return EXIT_INPUT
    try:
        problem = build(objects)
    except ReadError as error:
        print(error.format(), file=sys.stderr)
        return EXIT_INPUT
    if problem.default_cluster:
        print("kspec place: no Node or NodePool in the input: using the default cluster of three nodes",
              file=sys.stderr)
    answer = place(problem, Options(objective=args.objective, timeout=args.timeout,
                                    survive_node_loss=args.survive_node_loss,
                                    survive_zone_loss=args.survive_zone_loss))
    greedy = compare_greedy(problem) if args.compare_greedy else None
    render = report.render_json if args.format == "json" else report.render_text
    print(render(problem, answer, greedy))
    if answer.status != "sat" or any(loss.status != "sat" for loss in answer.resilience):
        return EXIT_INFEASIBLE
    return EXIT_OK
