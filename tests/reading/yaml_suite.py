"""Run kspec's reader over the YAML test suite (yaml/yaml-test-suite) and score it.

A valid case passes when every document reads to the values of its ``in.json``
(compared with the YAML 1.2 core schema, the suite's own); an ``error`` case passes
only when kspec rejects it. Run as a script for the report:
``python tests/reading/yaml_suite.py [SUITE_DIR] [-v]``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from kspec.reading import ReadError, read_stream, to_python

DEFAULT_SUITE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "yaml-test-suite"

# Out of scope, with the reason (each is reported, none silently skipped). kspec reads
# YAML as Kubernetes does (go-yaml v2, a port of libyaml); where the suite's reading of
# YAML 1.2 differs from libyaml's, kspec follows libyaml.
_LIBYAML_EOF = ("a block scalar whose last line is cut by the end of input: libyaml/go-yaml "
                "add no line break there, the suite does; kspec follows Kubernetes")
OUT_OF_SCOPE: dict[str, str] = {"JEF9-02": _LIBYAML_EOF, "L24T-01": _LIBYAML_EOF}


def _json_stream(text: str) -> list:
    decoder = json.JSONDecoder()
    values, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return values
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, bool) or isinstance(b, bool):
            return False
        try:
            return a == b or (math.isnan(a) and math.isnan(b))
        except TypeError:
            return False
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def run_case(case: Path) -> tuple[str, str, str]:
    """(kind, outcome, detail) with kind json/error/other and outcome pass/fail."""
    text = (case / "in.yaml").read_text(encoding="utf-8")
    if (case / "error").exists():
        try:
            documents, errors = read_stream(text, str(case / "in.yaml"), schema="core")
            if not errors:
                for d in documents:
                    if d.root is not None:
                        to_python(d.root)
        except ReadError as error:
            errors = [error]
        except Exception as error:  # a crash is not a rejection
            return "error", "fail", f"crashed: {error!r}"
        return ("error", "pass", errors[0].message) if errors else ("error", "fail", "accepted")
    kind = "json" if (case / "in.json").exists() else "other"
    try:
        documents, errors = read_stream(text, str(case / "in.yaml"), schema="core")
        if errors:
            return kind, "fail", errors[0].format()
        got = [to_python(d.root) if d.root is not None else None for d in documents]
    except Exception as error:
        return kind, "fail", f"crashed: {error!r}"
    if kind == "other":
        return kind, "pass", ""
    expected = _json_stream((case / "in.json").read_text(encoding="utf-8"))
    if len(got) == len(expected) and all(_same(g, e) for g, e in zip(got, expected)):
        return kind, "pass", ""
    return kind, "fail", f"got {got!r}\n   expected {expected!r}"


def run_suite(suite: Path = DEFAULT_SUITE) -> dict:
    results = {}
    for case in sorted(p for p in suite.iterdir() if (p / "in.yaml").exists()):
        if case.name in OUT_OF_SCOPE:
            results[case.name] = ("skip", "skip", OUT_OF_SCOPE[case.name])
            continue
        results[case.name] = run_case(case)
    return results


def summary(results: dict) -> dict:
    out = {}
    for kind in ("json", "error", "other"):
        rows = [r for r in results.values() if r[0] == kind]
        out[kind] = (sum(1 for r in rows if r[1] == "pass"), len(rows))
    out["skipped"] = sum(1 for r in results.values() if r[0] == "skip")
    return out


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    suite = Path(args[0]) if args else DEFAULT_SUITE
    results = run_suite(suite)
    if verbose:
        for name, (kind, outcome, detail) in results.items():
            if outcome == "fail":
                print(f"FAIL {name} [{kind}] {detail}\n")
    s = summary(results)
    for kind in ("json", "error", "other"):
        passed, total = s[kind]
        print(f"{kind:>5}: {passed}/{total} ({100 * passed / max(total, 1):.1f} %)")
    print(f"skipped (out of scope): {s['skipped']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
