"""The ``kspec`` command line: argument parsing and exit codes only.

Exit codes everywhere: 0 success / nothing found, 1 findings, violation or
infeasible, 2 usage error or input that cannot be read, 3 no verdict (a limit was
reached, the run was interrupted, or kspec failed internally).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence as Seq

from kspec import __version__
from kspec.reading.loader import load
from kspec.reports import documents
from kspec.validation.findings import SEVERITIES

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_NO_VERDICT = 3


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with kspec's code 2 and a one-line hint."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kspec", description="Turn Kubernetes manifests into a formal model and check it.")
    parser.add_argument("--version", action="version", version=f"kspec {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    parse = commands.add_parser("parse", help="print the objects as kspec reads them",
                                description="Read manifests and print them as kspec reads them: "
                                            "one line per object (text) or the documents as JSON.")
    parse.add_argument("paths", nargs="+", metavar="PATH",
                       help="file, directory (recursive *.yaml, *.yml, *.json) or - for stdin")
    parse.add_argument("--format", choices=("text", "json"), default="text")
    parse.add_argument("--schema", choices=("kubernetes", "core"), default="kubernetes",
                       help="scalar resolution: as the API server reads YAML (YAML 1.1, default) "
                            "or the YAML 1.2 core schema")
    parse.set_defaults(run=_run_parse)

    validate = commands.add_parser(
        "validate", help="check manifests: schema, API-server rules, cross-object checks",
        description="Check manifests the way the API server would (schema of a Kubernetes version, "
                    "semantic rules) plus mistakes it accepts but that break the app (cross-object "
                    "checks). Exit 0 when no finding reaches --fail-on, 1 when one does, 2 when "
                    "input cannot be read.")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help="file, directory (recursive *.yaml, *.yml, *.json) or - for stdin")
    validate.add_argument("--format", choices=("text", "json", "sarif", "junit", "github"), default="text")
    validate.add_argument("--strict", action="store_true",
                          help="unknown fields are errors (kubectl --validate=strict), not warnings")
    validate.add_argument("--kubernetes-version", metavar="X.Y",
                          help="the version whose schemas to check against (default: the newest bundled)")
    validate.add_argument("--crd-dir", action="append", default=[], metavar="DIR",
                          help="read CustomResourceDefinitions from DIR (repeatable) to validate custom resources")
    validate.add_argument("--disable", action="append", default=[], metavar="ID[,ID...]",
                          help="do not report these rules (repeatable)")
    validate.add_argument("--enable", action="append", default=[], metavar="ID[,ID...]",
                          help="also run these rules that are off by default (repeatable)")
    validate.add_argument("--config", metavar="FILE",
                          help="settings file (default: ./.kspec.yaml when present): rules to enable, disable, "
                               "their severities, extra Rule paths, paths to ignore")
    validate.add_argument("--rules", action="append", default=[], metavar="DIR",
                          help="also apply the kspec.dev/v1alpha1 Rule files in DIR (repeatable)")
    validate.add_argument("--severity", choices=SEVERITIES, default="info",
                          help="report findings of this severity and above (default: info, i.e. all)")
    validate.add_argument("--fail-on", choices=SEVERITIES, default="error",
                          help="exit 1 when a finding of this severity or above remains (default: error)")
    validate.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                          help="ANSI colours: auto (a terminal, unless NO_COLOR is set), always, never")
    validate.add_argument("--compact", action="store_true",
                          help="text format: one line per finding, without the source line and caret")
    validate.add_argument("--allow-empty", action="store_true",
                          help="exit 0 when the inputs hold no Kubernetes objects (for pre-commit, which "
                               "passes whatever YAML files changed)")
    validate.add_argument("--list-rules", action="store_true", help="list every rule and exit")
    validate.set_defaults(run=_run_validate)

    simulate = commands.add_parser(
        "simulate", help="run the cluster model to quiescence and print a timeline",
        description="Load manifests (plus Nodes/NodePools, or the default cluster of three nodes), run "
                    "every controller under a fair deterministic schedule, apply the scripted events of "
                    "Scenarios, and print the timeline and each workload's final state. Exit 0 when the "
                    "cluster settles, 2 on bad input, 3 (no verdict) when it is still changing at --max-steps.")
    simulate.add_argument("paths", nargs="+", metavar="PATH",
                          help="file, directory (recursive *.yaml, *.yml, *.json) or - for stdin")
    simulate.add_argument("--events", metavar="FILE", help="a file with a kspec.dev/v1alpha1 Scenario")
    simulate.add_argument("--max-steps", type=int, default=10_000, metavar="N",
                          help="stop after N writes (default 10000)")
    simulate.add_argument("--until", type=int, default=0, metavar="SECONDS",
                          help="follow periodic work (CronJob schedules) up to this logical time")
    simulate.add_argument("--format", choices=("text", "json"), default="text")
    simulate.set_defaults(run=_run_simulate)

    place = commands.add_parser(
        "place", help="exact placement queries, proved with Z3",
        description="Can these workloads be placed on these nodes, which placement, why not, and does it "
                    "survive losing nodes? Pods come from Pods and from workloads (named <workload>-<i>); nodes "
                    "from Nodes/NodePools (else the default cluster). Every answer is checked constraint by "
                    "constraint. Exit 0 feasible, 1 infeasible (or a loss not survived, or no answer within "
                    "--timeout), 2 on bad input.")
    place.add_argument("paths", nargs="+", metavar="PATH",
                       help="file, directory (recursive *.yaml, *.yml, *.json) or - for stdin")
    place.add_argument("--objective", choices=("feasible", "min-nodes", "balance", "min-moves"), default="feasible",
                       help="feasible (default): is there a placement; min-nodes: fewest nodes; balance: lowest "
                            "peak utilisation; min-moves: fewest existing pods moved")
    place.add_argument("--survive-node-loss", type=int, default=0, metavar="K",
                       help="also check every loss of K nodes")
    place.add_argument("--survive-zone-loss", action="store_true", help="also check the loss of each zone")
    place.add_argument("--compare-greedy", action="store_true",
                       help="also run the kube-scheduler model and show what it leaves Pending")
    place.add_argument("--timeout", type=float, metavar="SECONDS",
                       help="answer with the best found so far after this long, marked not proven")
    place.add_argument("--format", choices=("text", "json"), default="text")
    place.set_defaults(run=_run_place)

    check = commands.add_parser(
        "check", help="explore interleavings and faults, check invariants",
        description="Explore what the cluster model can do from the input (every controller's writes in "
                    "any order, the Scenario's scripted events, the faults its spec.faults allows) and check "
                    "invariants after every move and once the cluster settles. Exit 0 when every checked "
                    "property held within the bounds, 1 on a violation (with a trace and a replay command), "
                    "2 on bad input or an unknown property id, 3 on no verdict (--timeout, --max-states or "
                    "Ctrl-C stopped the run, or a fair run did not settle within --settle-steps; the output "
                    "says how far it got).")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="file, directory (recursive *.yaml, *.yml, *.json) or - for stdin")
    check.add_argument("--engine", choices=("random", "exhaustive"), default="random",
                       help="random: Hypothesis-drawn traces, shrunk when one fails (default); "
                            "exhaustive: breadth-first search of every interleaving up to --depth")
    check.add_argument("--start", choices=("input", "settled"), default=None,
                       help="explore from the input as written, or from the cluster the controllers settle "
                            "in (default: the Scenario's spec.start, else input)")
    check.add_argument("--property", action="append", default=[], metavar="ID",
                       help="check only this property (repeatable; default: the Scenario's spec.properties, "
                            "else every applicable one)")
    check.add_argument("--properties", action="append", default=[], metavar="DIR",
                       help="also load kspec.dev/v1alpha1 Invariant files from DIR (repeatable)")
    check.add_argument("--fault", action="append", default=None, metavar="TYPE",
                       help="allow this fault instead of the Scenario's spec.faults (repeatable)")
    check.add_argument("--max-examples", type=int, metavar="N", help="random engine: traces to try (default 100)")
    check.add_argument("--depth", type=int, metavar="N",
                       help="moves per trace (random, default 40) or search depth (exhaustive, default 6)")
    check.add_argument("--seed", type=int, metavar="N", help="random engine: seed, to replay a run")
    check.add_argument("--timeout", type=float, metavar="SECONDS",
                       help="stop after this long and say how far the run got (no verdict, exit 3)")
    check.add_argument("--max-states", type=int, metavar="N",
                       help="stop past N states (exhaustive: distinct states; random: states visited) and say "
                            "how far the run got (no verdict, exit 3)")
    check.add_argument("--settle-steps", type=int, default=3000, metavar="N",
                       help="bound on the fair run before eventually-properties are judged (default 3000; "
                            "a run cut there gives no verdict)")
    check.add_argument("--no-symmetry", action="store_true",
                       help="exhaustive engine: try every fault target, even interchangeable ones")
    check.add_argument("--database", default=".kspec/examples", metavar="DIR",
                       help="where failing examples are kept and replayed first (default .kspec/examples)")
    check.add_argument("--no-database", action="store_true", help="keep no example database")
    check.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                       help="text (default) or json; markdown only with --list-properties")
    check.add_argument("--list-properties", action="store_true", help="list every property and exit")
    check.set_defaults(run=_run_check)
    return parser


def _run_parse(args: argparse.Namespace) -> int:
    from kspec.reading.errors import Skipped

    loaded = load(args.paths, schema=args.schema)
    for error in loaded.errors:
        print(error.format(), file=sys.stderr)
    failed = [e for e in loaded.errors if not isinstance(e, Skipped)]
    render = documents.render_json if args.format == "json" else documents.render_text
    output = render(loaded.manifests)
    if output:
        print(output)
    if failed:
        return EXIT_INPUT
    if not loaded.manifests:
        print(f"kspec: no Kubernetes objects found in {' '.join(args.paths)}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


def _run_validate(args: argparse.Namespace) -> int:
    # Imported here: the schema data loads lazily, and `kspec parse` does not need it.
    from kspec.reports.findings import ReportContext, render, render_rules_markdown
    from kspec.validation.findings import RULES, SEVERITY_RANK
    from kspec.validation.schema import SchemaValidator
    from kspec.validation.validate import ValidateOptions, validate

    if args.list_rules:
        print(render_rules_markdown(RULES), end="")
        return EXIT_OK
    if not args.paths:
        print("kspec validate: error: give at least one PATH (or - for stdin)", file=sys.stderr)
        return EXIT_INPUT
    from kspec.rules.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"kspec validate: error: {error}", file=sys.stderr)
        return EXIT_INPUT
    disabled = frozenset(part.strip() for value in args.disable for part in value.split(",") if part.strip())
    disabled |= config.disable
    if _unknown_rule_ids(disabled, RULES, config, "--disable"):
        return EXIT_INPUT
    if args.kubernetes_version:
        try:
            SchemaValidator(args.kubernetes_version)
        except ValueError as error:
            print(f"kspec validate: error: {error}", file=sys.stderr)
            return EXIT_INPUT
    from kspec.rules.ruleset import RuleFileError, load_rules

    try:
        rule_paths = list(config.rule_paths) + list(args.rules)
        user_rules = tuple(load_rules(rule_paths)) if rule_paths else ()
    except RuleFileError as error:
        print(f"kspec validate: error: {error}", file=sys.stderr)
        return EXIT_INPUT
    enabled = frozenset(part.strip() for value in args.enable for part in value.split(",") if part.strip())
    enabled |= config.enable
    if _unknown_rule_ids(enabled | set(config.severity), RULES, config, "--enable"):
        return EXIT_INPUT
    loaded = load(args.paths)
    if config.ignore_paths:
        import attrs as _attrs

        loaded = _attrs.evolve(loaded, manifests=tuple(m for m in loaded.manifests if not config.ignored(m.file)),
                               errors=tuple(e for e in loaded.errors if not config.ignored(e.path)),
                               files=tuple(f for f in loaded.files if not config.ignored(f)))
    crd_manifests = ()
    if args.crd_dir:
        crds = load(args.crd_dir)
        for error in crds.errors:
            print(f"kspec validate: error: --crd-dir: {error.format()}", file=sys.stderr)
        if crds.errors:
            return EXIT_INPUT
        crd_manifests = crds.manifests
    options = ValidateOptions(strict=args.strict, kubernetes_version=args.kubernetes_version,
                              disable=disabled, min_severity=args.severity, rules=user_rules, enable=enabled)
    result = validate(loaded, options, crd_manifests)
    if config.severity:
        import attrs as _attrs

        result = _attrs.evolve(result, findings=tuple(
            _attrs.evolve(f, severity=config.severity.get(f.rule, f.severity)) for f in result.findings))
    color = args.color == "always" or (args.color == "auto" and args.format == "text" and sys.stdout.isatty()
                                       and not os.environ.get("NO_COLOR"))
    context = ReportContext(rules=RULES, sources=loaded.sources, objects=result.objects, files=result.files,
                            color=color, compact=args.compact, tool_version=__version__)
    print(render(args.format, result.findings, context))
    if result.read_failed:
        return EXIT_INPUT
    if not result.objects and not args.allow_empty:
        print(f"kspec validate: error: no Kubernetes objects found in {' '.join(args.paths)} "
              f"(--allow-empty accepts that)", file=sys.stderr)
        return EXIT_INPUT
    threshold = SEVERITY_RANK[args.fail_on]
    failing = any(SEVERITY_RANK[f.severity] <= threshold for f in result.findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def _unknown_rule_ids(ids, rules, config, option: str) -> bool:
    """Print one error per rule id nobody defines: at its line when the configuration names
    it, else as a usage error of ``option``. True when there was any."""
    unknown = sorted(set(ids) - set(rules.ids()))
    for rule_id in unknown:
        where = config.where.get(rule_id)
        prefix = f"{where}: error:" if where else f"kspec validate: error: {option}:"
        print(f"{prefix} unknown rule id {rule_id!r} (see kspec validate --list-rules)", file=sys.stderr)
    return bool(unknown)


def _run_simulate(args: argparse.Namespace) -> int:
    from kspec.api.inputs import load_model_input
    from kspec.api.others import Scenario
    from kspec.model.actors import default_actors
    from kspec.model.cluster import initial_state
    from kspec.model.run import run
    from kspec.model.scenario import scenario_events
    from kspec.reading.errors import ReadError
    from kspec.reports import simulation

    found = load_model_input(args.paths + ([args.events] if args.events else []))
    for note in found.notes:
        print(note, file=sys.stderr)
    for error in found.errors:
        print(error.format(), file=sys.stderr)
    if found.errors:
        return EXIT_INPUT
    objects = list(found.objects)
    if not objects:
        print(f"kspec simulate: error: no Kubernetes objects found in {' '.join(args.paths)}", file=sys.stderr)
        return EXIT_INPUT
    from kspec.model.inputs import input_errors

    errors = input_errors(objects)
    for error in errors:
        print(error.format(), file=sys.stderr)
    if errors:
        return EXIT_INPUT
    try:
        events = [e for o in objects if isinstance(o, Scenario) for e in scenario_events(o)]
    except ReadError as error:
        print(error.format(), file=sys.stderr)
        return EXIT_INPUT
    result = run(initial_state(objects), default_actors(), events, max_steps=args.max_steps, until=args.until)
    print(simulation.render_json(result) if args.format == "json" else simulation.render_text(result))
    # Cut by --max-steps: no verdict on whether the cluster settles (a livelock and a slow
    # convergence look the same from inside the bound).
    return EXIT_OK if result.converged else EXIT_NO_VERDICT


def _run_place(args: argparse.Namespace) -> int:
    from kspec.placement.command import run_place

    return run_place(args)


def _run_check(args: argparse.Namespace) -> int:
    from kspec.check.command import run_check

    return run_check(args)


def main(argv: Seq[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("kspec: interrupted: no verdict", file=sys.stderr)
        return EXIT_NO_VERDICT
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        print("kspec: out of memory: no verdict", file=sys.stderr)
        return EXIT_NO_VERDICT
    except RecursionError:
        print("kspec: internal error: nesting too deep to process; no verdict", file=sys.stderr)
        return EXIT_NO_VERDICT
    except Exception as error:  # noqa: BLE001 - the one place a crash becomes an exit code
        print(f"kspec: internal error: {_one_line(error)}; no verdict. Please report it with the input "
              f"(KSPEC_TRACEBACK=1 prints the traceback)", file=sys.stderr)
        if os.environ.get("KSPEC_TRACEBACK"):
            import traceback

            traceback.print_exc()
        return EXIT_NO_VERDICT


def _one_line(error: BaseException) -> str:
    """``TypeName: message`` on one line, control characters removed, at most 300 characters."""
    text = f"{type(error).__name__}: {error}"
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= 300 else text[:297] + "..."


if __name__ == "__main__":
    sys.exit(main())
