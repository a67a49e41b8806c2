"""Mutants of real manifests, and running every command on one in-process.

Shared by the bounded fuzz test (``tests/test_fuzz.py``) and the long run
(``bench/fuzz.py``). A mutation is a small edit a person makes by mistake: a flipped
character, a file cut short, a value of another type, a line indented differently, a
line lost or doubled. ``run_command`` calls the command's function directly (not
``kspec.cli.main``, which turns a crash into exit 3), so an escaped exception shows its
traceback.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted(str(p) for p in (ROOT / "models").rglob("*.yaml")) + [str(ROOT / "docs" / "examples" / "web.yaml")]

# Values of other types, as a person might type them where another was meant.
SWAPS = ["{}", "[]", "null", "~", '""', '"text"', "text", "0", "-1", "3.5", "1e9", "1000000000", "true", "no",
         "{a: 1}", "[1, 2]", "[{name: x}]", '"50%"', "50%", "'5'", "NaN", ".inf", "lots", "- a", "|\n  block",
         "*undefined", "&anchor value", "!!binary aGVsbG8=", "2147483648", "-9223372036854775809", "0x1F", "0777"]
FLIPS = [":", "-", " ", "  ", "\t", "[", "]", "{", "}", "'", '"', "&", "*", "!", "#", "\n", "|", ">", ",", "?",
         "%", "@", "`", "\x00", "\x1b[31m", "\u00e9", "\ufeff", "\u2028", "0", "a"]
_VALUE_LINE = re.compile(r"^(\s*(?:- )?[\w./-]+:[ \t]+)(\S.*)$")


def mutate(text: str, rng: random.Random) -> str:
    """One to three random mistakes in ``text``."""
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(_MUTATIONS)(text, rng)
    return text


def _flip(text: str, rng: random.Random) -> str:
    if not text:
        return rng.choice(FLIPS)
    at = rng.randrange(len(text))
    return text[:at] + rng.choice(FLIPS) + text[at + rng.randint(0, 1):]


def _truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _swap_value(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if _VALUE_LINE.match(line)]
    if not candidates:
        return _flip(text, rng)
    i = rng.choice(candidates)
    match = _VALUE_LINE.match(lines[i])
    swap = rng.choice(SWAPS)
    if "\n" in swap:
        indent = " " * (len(match.group(1)) - len(match.group(1).lstrip()))
        swap = swap.replace("\n", "\n" + indent)
    lines[i] = match.group(1) + swap
    return "\n".join(lines)


def _indent(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines[i] = " " * rng.randint(1, 3) + lines[i]
    else:
        lines[i] = lines[i][min(len(lines[i]) - len(lines[i].lstrip(" ")), rng.randint(1, 3)):]
    return "\n".join(lines)


def _drop_or_double_line(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        del lines[i]
    else:
        lines.insert(i, lines[i])
    return "\n".join(lines)


_MUTATIONS = (_flip, _truncate, _swap_value, _swap_value, _swap_value, _indent, _drop_or_double_line)

# Small bounds: a mutant must be judged in seconds.
COMMANDS = {
    "parse": ["parse"],
    "validate": ["validate", "--color", "never"],
    "simulate": ["simulate", "--max-steps", "300"],
    "place": ["place", "--timeout", "5"],
    # exhaustive: the random engine runs Hypothesis itself, which cannot nest in a Hypothesis test
    "check": ["check", "--engine", "exhaustive", "--depth", "2", "--no-database"],
}
_POSITIONED = re.compile(r"^(kspec \w+: error: )?\S.*?:\d+:\d+: ")


DATA = ROOT / "tests" / "data" / "fuzz"
APP = str(ROOT / "docs" / "examples" / "web.yaml")
# kspec's own inputs beside manifests: (seed file, command line with {} for the mutant). An
# Invariant file is read from a directory, so the mutant is written as <dir>/mutant.yaml.
COMPANIONS = {
    "policy": (str(DATA / "policy.yaml"), ["validate", "--color", "never", "{}"]),
    "crd": (str(DATA / "crd.yaml"), ["validate", "--color", "never", "{}"]),
    "crd-dir": (str(DATA / "crd.yaml"), ["validate", "--color", "never", "--crd-dir", "{dir}", APP]),
    "rules": (str(DATA / "rule.yaml"), ["validate", "--color", "never", "--rules", "{}", APP]),
    "config": (str(DATA / "config.yaml"), ["validate", "--color", "never", "--config", "{}", APP]),
    # Invariant ids go into a process-wide registry (until commands take definitions as values),
    # so a second in-process run reports the id as taken: run this one in a fresh process.
    "invariants": (str(DATA / "invariant.yaml"),
                   ["check", "--engine", "exhaustive", "--depth", "2", "--no-database", "--properties", "{dir}",
                    str(ROOT / "models" / "check-web")]),
}


def command_line(command: str, path: str) -> list[str]:
    """The argv that runs ``command`` (a key of COMMANDS or COMPANIONS) on the mutant at ``path``."""
    if command in COMMANDS:
        return [*COMMANDS[command], path]
    directory = str(Path(path).parent)
    return [a.replace("{}", path).replace("{dir}", directory) for a in COMPANIONS[command][1]]


def run_command(command: str, path: str) -> tuple[int, str, str]:
    """Run one command on ``path`` in-process: (exit code, stdout, stderr). Exceptions escape."""
    from kspec.cli import _build_parser

    args = _build_parser().parse_args(command_line(command, path))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = args.run(args)
    return code, out.getvalue(), err.getvalue()


def unpositioned_errors(stderr: str) -> list[str]:
    """Error lines of stderr that do not name file:line:column (excerpt and caret lines aside)."""
    bad = []
    for line in stderr.splitlines():
        if not line.strip() or line.startswith(" "):
            continue
        if _POSITIONED.match(line):
            continue
        if line.startswith("kspec") and "no Kubernetes objects found" in line:
            continue  # about the whole input, not a line of it
        if line.startswith("kspec place: no Node or NodePool"):
            continue  # a note
        bad.append(line)
    return bad
