"""``kspec check`` as a command: read inputs, run an engine, print, pick the exit code.

The only I/O of checking lives here (and in the example database the random engine
keeps); ``kspec.cli`` only parses arguments.
"""

from __future__ import annotations

import argparse
import sys

from kspec.reading.errors import ReadError

EXIT_OK, EXIT_VIOLATION, EXIT_INPUT, EXIT_NO_VERDICT = 0, 1, 2, 3
PROGRESS_INTERVAL = 10.0  # seconds between progress lines when stderr is not a terminal


def load_objects(paths) -> tuple[list, list[ReadError]]:
    """Decoded objects of ``paths`` and every error that refuses them (``kspec.api.inputs``)."""
    from kspec.api.inputs import load_model_input

    found = load_model_input(paths)
    for note in found.notes:  # entries deliberately skipped, documents that are not objects
        print(note, file=sys.stderr)
    return list(found.objects), list(found.errors)


def _error(message: str) -> int:
    print(f"kspec check: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def run_check(args: argparse.Namespace) -> int:
    from kspec.check.engine import CheckInputError, CheckLimitError, CheckOptions, all_properties, check
    from kspec.check.setup import check_errors
    from kspec.reports import check as report

    if args.properties:
        from kspec.check.declared import load_invariants, register
        from kspec.rules.ruleset import RuleFileError

        try:
            all_properties()  # the built-ins first: a file may not reuse their ids
            register(load_invariants(args.properties))
        except RuleFileError as error:
            return _error(str(error))
    if args.list_properties:
        print(report.render_properties(all_properties(), args.format))
        return EXIT_OK
    if args.format == "markdown":
        return _error("--format markdown goes with --list-properties only")
    if not args.paths:
        return _error("give at least one PATH (or - for stdin)")
    objects, errors = load_objects(args.paths)
    for error in errors:
        print(error.format(), file=sys.stderr)
    if errors:
        return EXIT_INPUT
    if not objects:
        return _error(f"no Kubernetes objects found in {' '.join(args.paths)}")
    errors = check_errors(objects)
    for error in errors:
        print(error.format(), file=sys.stderr)
    if errors:
        return EXIT_INPUT
    tty = sys.stderr.isatty()

    def progress(line: str) -> None:
        if tty:
            print(f"\r\033[Kkspec check: {line}", end="", file=sys.stderr, flush=True)
        else:
            print(f"kspec check: {line}", file=sys.stderr, flush=True)

    options = CheckOptions(engine=args.engine, start=args.start, depth=args.depth, max_examples=args.max_examples, seed=args.seed,
                           properties=tuple(args.property), faults=tuple(args.fault) if args.fault else None,
                           database=None if args.no_database else args.database, symmetry=not args.no_symmetry,
                           paths=tuple(args.paths), progress=progress,
                           progress_interval=2.0 if tty else PROGRESS_INTERVAL,
                           timeout=args.timeout, max_states=args.max_states, settle_steps=args.settle_steps)
    try:
        result = check(objects, options)
    except ReadError as error:
        print(error.format(), file=sys.stderr)
        return EXIT_INPUT
    except CheckInputError as error:
        return _error(str(error))
    except CheckLimitError as error:
        print(f"kspec check: no verdict: {error}", file=sys.stderr)
        return EXIT_NO_VERDICT
    except KeyboardInterrupt:  # before exploring began (reading, settling the input)
        print("kspec check: no verdict: interrupted (Ctrl-C) before exploring began", file=sys.stderr)
        return EXIT_NO_VERDICT
    finally:
        if tty:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    if args.format == "json":
        print(report.render_json(result))
    else:
        text = report.render_text(result)
        print(f"no verdict: {result.reason}\n{text}" if result.result == "no-verdict" else text)
        if result.stats.aborted:
            print(f"({result.stats.aborted} more examples were cut off by Hypothesis before the end of their trace "
                  f"and are not counted)")
        if result.engine == "random" and not result.violations and result.stats.examples < result.bounds["max_examples"] \
                and not result.stopped_by:
            print(f"(Hypothesis ran {result.stats.examples} of the {result.bounds['max_examples']} examples asked: "
                  f"it found no other trace to try, or gave up after too many cut-off ones)")
    if result.result == "no-verdict":
        return EXIT_NO_VERDICT
    return EXIT_VIOLATION if result.result == "violation" else EXIT_OK
