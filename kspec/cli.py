"""The ``kspec`` command line: argument parsing and exit codes only.

Exit codes everywhere: 0 success / nothing found, 1 findings, violation or
infeasible, 2 usage error or input that cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence as Seq

from kspec import __version__
from kspec.reading.loader import load
from kspec.reports import documents

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2


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
    return parser


def _run_parse(args: argparse.Namespace) -> int:
    loaded = load(args.paths, schema=args.schema)
    for error in loaded.errors:
        print(error.format(), file=sys.stderr)
    render = documents.render_json if args.format == "json" else documents.render_text
    output = render(loaded.manifests)
    if output:
        print(output)
    if loaded.errors:
        return EXIT_INPUT
    if not loaded.manifests:
        print(f"kspec: no Kubernetes objects found in {' '.join(args.paths)}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


def main(argv: Seq[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("kspec: interrupted", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
