"""Benchmark: kspec schema validation against kubernetes-validate (and optionally checkov).

    python bench/validate.py [CORPUS] [--version 1.37] [--repeat 3] [--strict] [--json]
                             [--kv-python PYTHON] [--checkov /tmp/checkov-venv/bin/checkov]

Every file under CORPUS (default ``../shared/corpus/k8s`` relative to the repository
root) is read once; reading is not timed. Then, best of ``--repeat`` runs each:

(a) kspec: ``SchemaValidator.validate`` on every object, with the corpus's own CRDs
    (``CrdSchemas.from_manifests``, collected once beforehand, like reading). The first,
    cold run, which loads ``_definitions.json`` and compiles every schema it meets, is
    shown too;
(b) kubernetes-validate: ``kubernetes_validate.validate(data, version, strict)`` on the
    same objects converted with ``to_python`` (it stops at the first error of an object
    and has no CRD support, so custom resources count as "no schema");
(b') for reference, the same JSON schemas through jsonschema validators built once per
    kind and ``iter_errors`` (every error): what a caching kubernetes-validate could do;
(c) optionally checkov's Kubernetes policy checks, end to end (its own parsing and
    process start included, since it cannot be timed otherwise; different work).

kubernetes-validate 1.37 needs jsonschema >= 4.18 (``registry=``). When the running
interpreter has an older jsonschema, (b) runs in ``--kv-python`` (default: this Python,
else ``/tmp/kv-venv/bin/python`` if present; create it with
``python -m venv /tmp/kv-venv && /tmp/kv-venv/bin/pip install kubernetes-validate``).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "k8s"
FALLBACK_KV_PYTHON = "/tmp/kv-venv/bin/python"

# Runs inside the interpreter that has a working kubernetes-validate. Reads
# {"objects", "version", "strict", "repeat"} from the file named by argv[1].
_KV_WORKER = r'''
import collections, json, sys, time
import kubernetes_validate as kv
from kubernetes_validate import utils

job = json.load(open(sys.argv[1]))
objects, version, strict, repeat = job["objects"], job["version"], job["strict"], job["repeat"]

def run_validate():
    counts = collections.Counter()
    start = time.perf_counter()
    for data in objects:
        try:
            kv.validate(data, version, strict)
            counts["valid"] += 1
        except kv.ValidationError:
            counts["invalid"] += 1
        except kv.SchemaNotFoundError:
            counts["no_schema"] += 1
        except Exception as error:  # objects without apiVersion/kind, ...
            counts["exception:" + type(error).__name__] += 1
    return time.perf_counter() - start, counts

def run_cached():
    import re, jsonschema
    from referencing import Registry, Resource
    schema_dir = "v%s.0-local%s" % (version, "-strict" if strict else "")
    defs = utils.schema_contents("kubernetes-json-schema/%s/_definitions.json" % schema_dir, version)
    base = Resource.from_contents(defs) @ Registry()
    validators = {}
    counts = collections.Counter()
    start = time.perf_counter()
    for data in objects:
        try:
            key = (data["apiVersion"], data["kind"])
        except (KeyError, TypeError):
            counts["exception"] += 1
            continue
        validator = validators.get(key, 0)
        if validator == 0:
            api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", str(key[0]))
            try:
                schema = utils.schema_contents("kubernetes-json-schema/%s/%s-%s.json"
                                               % (schema_dir, str(key[1]).lower(), api), version)
                validator = jsonschema.Draft202012Validator(schema, registry=Resource.from_contents(schema) @ base)
            except FileNotFoundError:
                validator = None
            validators[key] = validator
        if validator is None:
            counts["no_schema"] += 1
            continue
        errors = sum(1 for _ in validator.iter_errors(data))
        counts["errors"] += errors
        counts["invalid" if errors else "valid"] += 1
    return time.perf_counter() - start, counts

result = {"kubernetes_validate": kv.__version__, "jsonschema": __import__("jsonschema").__version__}
for name, run in (("validate", run_validate), ("cached", run_cached)):
    times, counts = [], None
    for _ in range(repeat):
        seconds, counts = run()
        times.append(seconds)
    result[name] = {"seconds": min(times), "runs": times, "counts": dict(counts)}
json.dump(result, sys.stdout)
'''


def kspec_run(manifests, validator, crds, strict: bool):
    start = time.perf_counter()
    findings = []
    for manifest in manifests:
        findings.extend(validator.validate(manifest, strict=strict, crds=crds))
    return time.perf_counter() - start, findings


def kspec_bench(manifests, version: str, strict: bool, repeat: int) -> dict:
    from kspec.validation.schema import CrdSchemas, SchemaValidator

    start = time.perf_counter()
    crds = CrdSchemas.from_manifests(manifests)
    crd_seconds = time.perf_counter() - start
    validator = SchemaValidator(version)
    cold, findings = kspec_run(manifests, validator, crds, strict)
    times = []
    for _ in range(repeat):
        seconds, findings = kspec_run(manifests, validator, crds, strict)
        times.append(seconds)
    by_rule = collections.Counter(f.rule for f in findings)
    invalid = {f.object + "@" + f.file for f in findings if f.severity == "error"}
    return {"seconds": min(times), "cold_seconds": cold, "crd_seconds": crd_seconds, "runs": times,
            "crd_kinds": len(crds), "findings": len(findings), "by_rule": dict(sorted(by_rule.items())),
            "objects_with_errors": len(invalid), "no_schema": by_rule.get("schema-unknown-kind", 0)}


def _kv_python(requested: str | None) -> str | None:
    candidates = [requested] if requested else [sys.executable, FALLBACK_KV_PYTHON]
    probe = ("import kubernetes_validate as kv\n"
             "kv.validate({'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'x'},"
             " 'spec': {'containers': [{'name': 'a'}]}}, kv.latest_version())\n")
    for python in candidates:
        if python and os.path.exists(python):
            done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
            if done.returncode == 0:
                return python
            print(f"note: kubernetes-validate does not work in {python}: "
                  f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}",
                  file=sys.stderr)
    return None


def kv_bench(manifests, version: str, strict: bool, repeat: int, python: str) -> dict:
    from kspec.reading.nodes import ExpansionLimit, to_python

    objects, skipped = [], 0
    for manifest in manifests:
        try:
            objects.append(to_python(manifest.node, string_keys=True))
        except ExpansionLimit:
            skipped += 1
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"objects": objects, "version": version, "strict": strict, "repeat": repeat},
                  handle, default=str)
        job = handle.name
    try:
        done = subprocess.run([python, "-c", _KV_WORKER, job], capture_output=True, text=True, check=False)
    finally:
        os.unlink(job)
    if done.returncode != 0:
        raise SystemExit(f"kubernetes-validate worker failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    result["python"] = python
    result["objects"] = len(objects)
    result["not_converted"] = skipped
    return result


def checkov_bench(checkov: str, corpus: str, repeat: int) -> dict:
    command = [checkov, "-d", corpus, "--framework", "kubernetes", "-o", "json", "--quiet",
               "--compact", "--skip-download"]
    times, summary = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        try:
            report = json.loads(done.stdout)
        except json.JSONDecodeError:
            raise SystemExit(f"checkov printed no JSON (exit {done.returncode}):\n{done.stderr[-2000:]}")
        reports = report if isinstance(report, list) else [report]
        summary = next((r.get("summary", {}) for r in reports if r.get("check_type") == "kubernetes"), {})
    return {"seconds": min(times), "runs": times, "command": " ".join(command),
            "resources": summary.get("resource_count", 0), "failed_checks": summary.get("failed", 0),
            "passed_checks": summary.get("passed", 0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--version", default=None, help="Kubernetes version (default: newest bundled)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--kv-python", default=None,
                        help="interpreter with a working kubernetes-validate (jsonschema >= 4.18)")
    parser.add_argument("--no-kv", action="store_true", help="skip kubernetes-validate")
    parser.add_argument("--checkov", default=None, help="path to a checkov executable (optional column)")
    args = parser.parse_args(argv)

    from kspec.reading.loader import load
    from kspec.validation.schema import SchemaValidator

    version = SchemaValidator(args.version).version
    start = time.perf_counter()
    loaded = load([args.corpus])
    read_seconds = time.perf_counter() - start
    manifests = loaded.manifests
    result: dict = {"corpus": args.corpus, "files": len(loaded.files), "objects": len(manifests),
                    "read_errors": len(loaded.errors), "read_seconds": read_seconds,
                    "version": version, "strict": args.strict, "repeat": args.repeat}
    result["kspec"] = kspec_bench(manifests, version, args.strict, args.repeat)
    if not args.no_kv:
        python = _kv_python(args.kv_python)
        if python is None:
            result["kubernetes_validate"] = {"skipped": "no interpreter with a working kubernetes-validate; "
                                             "see --kv-python"}
        else:
            result["kubernetes_validate"] = kv_bench(manifests, version, args.strict, args.repeat, python)
    if args.checkov:
        result["checkov"] = checkov_bench(args.checkov, args.corpus, args.repeat)
    kv = result.get("kubernetes_validate", {})
    if "validate" in kv:
        result["speedup_vs_kubernetes_validate"] = kv["validate"]["seconds"] / result["kspec"]["seconds"]
        result["speedup_vs_cached_jsonschema"] = kv["cached"]["seconds"] / result["kspec"]["seconds"]
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        print_table(result)
    return 0


def print_table(r: dict) -> None:
    n = r["objects"]
    print(f"corpus {r['corpus']}: {r['files']} files, {n} objects "
          f"(read in {r['read_seconds']:.2f} s, not timed below)")
    print(f"Kubernetes {r['version']}, strict={r['strict']}, best of {r['repeat']} runs\n")
    rows = [("tool", "objects/s", "seconds", "invalid objs", "no schema", "findings")]
    k = r["kspec"]
    rows.append(("kspec SchemaValidator", f"{n / k['seconds']:,.0f}", f"{k['seconds']:.3f}",
                 str(k["objects_with_errors"]), str(k["no_schema"]), str(k["findings"])))
    rows.append(("kspec, cold first run", f"{n / k['cold_seconds']:,.0f}", f"{k['cold_seconds']:.3f}", "", "", ""))
    kv = r.get("kubernetes_validate", {})
    if "validate" in kv:
        for label, key, findings in (("kubernetes-validate validate()", "validate", "invalid"),
                                     ("jsonschema, cached validators*", "cached", "errors")):
            v = kv[key]
            c = v["counts"]
            rows.append((label, f"{kv['objects'] / v['seconds']:,.0f}", f"{v['seconds']:.3f}",
                         str(c.get("invalid", 0)), str(c.get("no_schema", 0)), str(c.get(findings, 0))))
    c = r.get("checkov")
    if c:
        rows.append(("checkov (end to end)**", f"{c['resources'] / c['seconds']:,.0f}", f"{c['seconds']:.3f}",
                     "", "", f"{c['failed_checks']} failed checks"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print()
    if "validate" in kv:
        print(f"kspec is {r['speedup_vs_kubernetes_validate']:,.0f}x faster than kubernetes-validate "
              f"({kv['kubernetes_validate']}, jsonschema {kv['jsonschema']}, run with {kv['python']}) "
              f"and {r['speedup_vs_cached_jsonschema']:,.1f}x faster than cached jsonschema validators.")
        other = {key: val for key, val in kv["validate"]["counts"].items() if key.startswith("exception")}
        if other:
            print(f"kubernetes-validate raised on some objects (no apiVersion/kind): {other}")
        print("* the same kubernetes-validate schemas, one Draft202012Validator per kind, iter_errors "
              "(all errors); a reference for what caching alone would give.")
    elif kv:
        print(f"kubernetes-validate: {kv.get('skipped')}")
    if c:
        print(f"** checkov runs security/policy checks, not schema validation, over {c['resources']} "
              "resources; its time includes process start and its own YAML parsing. For the same "
              f"scope kspec reads and validates (cold) in {r['read_seconds'] + k['cold_seconds']:.2f} s "
              f"({n / (r['read_seconds'] + k['cold_seconds']):,.0f} objects/s).")
    print(f"kspec: {k['crd_kinds']} custom resource kinds from the corpus's CRDs "
          f"(collected in {k['crd_seconds']:.3f} s); findings by rule: {k['by_rule']}")


if __name__ == "__main__":
    raise SystemExit(main())
