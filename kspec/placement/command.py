"""``kspec place`` as a command: read inputs, build the problem, answer, print, exit code.

Exit codes: 0 feasible (and every loss asked about survived); 1 infeasible or a loss not
survived; 2 input that cannot be read, a NodePool count past the node limit, or a usage
mistake (``--survive-node-loss K`` with K not below the number of nodes: losing every node
is never survived once a pod exists, and K above it would check nothing); 3 no verdict:
no answer within ``--timeout``, or an input asking for more pods than kspec place handles
(``problem.MAX_PODS``), refused at the count's ``file:line:column`` before any pod is built.
"""

from __future__ import annotations

import argparse
import sys

from kspec.reading.errors import ReadError

EXIT_OK, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_NO_VERDICT = 0, 1, 2, 3


def run_place(args: argparse.Namespace) -> int:
    from kspec.check.command import load_objects
    from kspec.placement.greedy import compare_greedy
    from kspec.model.cluster import node_pool_errors
    from kspec.placement.problem import TooManyPods, build
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
    errors = node_pool_errors(objects)
    for error in errors:
        print(error.format(), file=sys.stderr)
    if errors:
        return EXIT_INPUT
    try:
        problem = build(objects)
    except TooManyPods as error:
        print(error.format(), file=sys.stderr)
        return EXIT_NO_VERDICT
    except ReadError as error:
        print(error.format(), file=sys.stderr)
        return EXIT_INPUT
    if problem.default_cluster:
        print("kspec place: no Node or NodePool in the input: using the default cluster of three nodes",
              file=sys.stderr)
    nodes = len(problem.nodes)
    if args.survive_node_loss and args.survive_node_loss >= nodes:
        which = " (the default cluster)" if problem.default_cluster else ""
        most = f"at most {nodes - 1}" if nodes > 1 else "none"
        print(f"kspec place: error: --survive-node-loss {args.survive_node_loss} asks to lose "
              f"{'every one' if args.survive_node_loss == nodes else 'more than all'} of the {nodes} "
              f"node{'s' if nodes != 1 else ''}{which}: no pod survives that; {most} can be lost with a node left",
              file=sys.stderr)
        return EXIT_INPUT
    answer = place(problem, Options(objective=args.objective, timeout=args.timeout,
                                    survive_node_loss=args.survive_node_loss,
                                    survive_zone_loss=args.survive_zone_loss))
    greedy = compare_greedy(problem) if args.compare_greedy else None
    render = report.render_json if args.format == "json" else report.render_text
    print(render(problem, answer, greedy))
    if answer.status == "unsat" or any(loss.status == "unsat" for loss in answer.resilience):
        return EXIT_INFEASIBLE
    if answer.status != "sat" or any(loss.status != "sat" for loss in answer.resilience):
        return EXIT_NO_VERDICT  # no answer within --timeout
    return EXIT_OK
