"""Run the CEL conformance data (google/cel-spec ``tests/simple/testdata``) against kspec's engine.

    python -m kspec.rules.cel.conformance ../shared/corpus/cel-spec

prints, per file, the tests in scope, passed and failed, and the total pass rate; ``-v``
lists the failures. Scope is decided per file and per test, by rules stated here:

- files about protocol buffer messages, enums and wrappers, the type checker only, partial
  evaluation and internal extensions are out of scope (``OUT_OF_SCOPE``): kspec evaluates
  CEL over Kubernetes objects (plain JSON data), never over compiled proto messages;
- a test is out of scope when it needs a proto message type (a message literal, an
  ``object_value`` other than Timestamp/Duration, a proto type name in the expression),
  a ``container`` (proto namespaces), or runs the type checker only (``check_only``);
- everything else is in scope. An expected error passes on any evaluation or parse error
  (error texts differ between implementations); an expected value must be equal and of
  the same CEL type.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import attrs

from kspec.rules.cel import CelError, compile_expression
from kspec.rules.cel.textproto import Bytes, first, parse
from kspec.rules.cel.values import NANOS, CelType, Duration, Timestamp, UInt, equals, type_name

OUT_OF_SCOPE = {
    "proto2.textproto": "protocol buffer messages (proto2)",
    "proto3.textproto": "protocol buffer messages (proto3)",
    "proto2_ext.textproto": "protocol buffer extensions",
    "enums.textproto": "protocol buffer enums",
    "wrappers.textproto": "protocol buffer wrapper types",
    "dynamic.textproto": "protocol buffer dynamic messages and wrappers (google.protobuf.Struct/Value/Any)",
    "type_deduction.textproto": "the type checker's deduced types (kspec does not type-check)",
    "unknowns.textproto": "partial evaluation with unknowns",
    "block_ext.textproto": "cel.@block, an internal optimiser extension",
    "optionals.textproto": "optional types over proto messages (kspec supports optionals on maps only)",
    "plumbing.textproto": "the CelService protocol (parse/check/eval requests), not expressions",
}
_PROTO_MARKERS = ("TestAllTypes", "NestedTestAllTypes", "google.protobuf.", "cel.expr.conformance", "NestedEnum",
                  "GlobalEnum", "TestRequired", "proto2.", "proto3.")
_ALLOWED_PROTO = ("google.protobuf.Timestamp", "google.protobuf.Duration")


class OutOfScope(Exception):
    pass


def _text(value) -> str:
    return bytes(value).decode("utf-8") if isinstance(value, (bytes, Bytes)) else str(value)


def _float(text: str) -> float:
    lowered = text.lower()
    if lowered in ("inf", "infinity", "+inf"):
        return math.inf
    if lowered in ("-inf", "-infinity"):
        return -math.inf
    if lowered == "nan":
        return math.nan
    return float(text.rstrip("fF") if not lowered.startswith("0x") else float.fromhex(text))


def convert(value: dict):
    """A conformance ``Value`` message as a kspec CEL value."""
    if "int64_value" in value:
        return int(first(value, "int64_value"))
    if "uint64_value" in value:
        return UInt(int(first(value, "uint64_value")))
    if "double_value" in value:
        return _float(first(value, "double_value"))
    if "string_value" in value:
        return bytes(first(value, "string_value")).decode("utf-8")
    if "bytes_value" in value:
        return bytes(first(value, "bytes_value"))
    if "bool_value" in value:
        return first(value, "bool_value") == "true"
    if "null_value" in value:
        return None
    if "list_value" in value:
        return [convert(v) for v in first(value, "list_value").get("values", [])]
    if "map_value" in value:
        out = {}
        for entry in first(value, "map_value").get("entries", []):
            out[convert(first(entry, "key"))] = convert(first(entry, "value"))
        return out
    if "type_value" in value:
        return CelType(_text(first(value, "type_value")))
    if "object_value" in value:
        obj = first(value, "object_value")
        kind = first(obj, "@type", "")
        payload = first(obj, "@value", {})
        if kind == "google.protobuf.Timestamp":
            return Timestamp(int(first(payload, "seconds", 0)) * NANOS + int(first(payload, "nanos", 0)))
        if kind == "google.protobuf.Duration":
            return Duration(int(first(payload, "seconds", 0)) * NANOS + int(first(payload, "nanos", 0)))
        raise OutOfScope(f"object value {kind}")
    if "enum_value" in value:
        raise OutOfScope("enum value")
    raise OutOfScope(f"value {sorted(value)}")


def same(expected, actual) -> bool:
    if type_name(expected) != type_name(actual):
        return False
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, dict):
        if len(expected) != len(actual):
            return False
        for key, value in expected.items():
            match = [a for k, a in actual.items() if equals(k, key) and type_name(k) == type_name(key)]
            if not match or not same(value, match[0]):
                return False
        return True
    return equals(expected, actual)


@attrs.frozen
class Outcome:
    file: str
    section: str
    name: str
    status: str  # pass | fail | skip
    detail: str = ""


def run_test(file: str, section: str, test: dict) -> Outcome:
    name = _text(first(test, "name", ""))
    expr = _text(first(test, "expr", ""))
    try:
        if first(test, "check_only") == "true":
            raise OutOfScope("type checker only")
        if first(test, "container"):
            raise OutOfScope("container (proto namespace)")
        if any(marker in expr for marker in _PROTO_MARKERS) and not all(
                m in _ALLOWED_PROTO for m in _markers(expr)):
            raise OutOfScope("proto message type in the expression")
        activation = {}
        for binding in test.get("bindings", []):
            key = _text(first(binding, "key"))
            activation[key] = convert(first(first(binding, "value"), "value", {}))
        expected_error = "eval_error" in test
        expected = None
        if "value" in test:
            expected = convert(first(test, "value"))
        elif "typed_result" in test:
            expected = convert(first(first(test, "typed_result"), "result"))
        elif not expected_error:
            expected = True  # no value given: the test expects true
    except OutOfScope as why:
        return Outcome(file, section, name, "skip", str(why))
    try:
        program = compile_expression(expr)
        actual = program.evaluate_raw(activation)
    except CelError as error:
        if expected_error:
            return Outcome(file, section, name, "pass")
        return Outcome(file, section, name, "fail", f"error {error}")
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, ZeroDivisionError, IndexError) as error:
        if expected_error:
            return Outcome(file, section, name, "pass")
        return Outcome(file, section, name, "fail", f"crash {type(error).__name__}: {error}")
    if expected_error:
        return Outcome(file, section, name, "fail", f"expected an error, got {actual!r}")
    if same(expected, actual):
        return Outcome(file, section, name, "pass")
    return Outcome(file, section, name, "fail", f"expected {expected!r}, got {actual!r}")


def _markers(expr: str) -> list[str]:
    return [m for m in _PROTO_MARKERS if m in expr and not any(a.startswith(m) and a in expr for a in _ALLOWED_PROTO)]


def run_file(path: Path) -> list[Outcome]:
    data = parse(path.read_text(encoding="utf-8"))
    out = []
    for section in data.get("section", []):
        section_name = _text(first(section, "name", ""))
        for test in section.get("test", []):
            out.append(run_test(path.name, section_name, test))
    return out


def run(directory: Path) -> dict[str, list[Outcome]]:
    return {p.name: run_file(p) for p in sorted(directory.glob("*.textproto")) if p.name not in OUT_OF_SCOPE}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="CEL conformance pass rates")
    parser.add_argument("directory", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.directory)
    total_pass = total_fail = 0
    print(f"{'file':<26} {'in scope':>8} {'passed':>7} {'failed':>7} {'skipped':>8} {'rate':>7}")
    for name, outcomes in results.items():
        passed = sum(o.status == "pass" for o in outcomes)
        failed = sum(o.status == "fail" for o in outcomes)
        skipped = sum(o.status == "skip" for o in outcomes)
        total_pass += passed
        total_fail += failed
        rate = passed / (passed + failed) if passed + failed else 1.0
        print(f"{name:<26} {passed + failed:>8} {passed:>7} {failed:>7} {skipped:>8} {rate:>7.1%}")
        if args.verbose:
            for o in outcomes:
                if o.status == "fail":
                    print(f"    FAIL {o.section}/{o.name}: {o.detail}")
    in_scope = total_pass + total_fail
    print(f"{'total':<26} {in_scope:>8} {total_pass:>7} {total_fail:>7} {'':>8} "
          f"{(total_pass / in_scope if in_scope else 1):>7.1%}")
    print("out of scope: " + "; ".join(f"{k} ({v})" for k, v in OUT_OF_SCOPE.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
