"""The built-in rule pack over the shared corpus: objects per second, beside the rest of
``kspec validate`` (schema + semantic + cross-object checks) in the same run; then the CEL
engine against cel-python (``bench/cel.py``).

    python bench/rules.py [../shared/corpus/k8s] [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from kspec.reading.loader import load
from kspec.rules.ruleset import builtin_rules, evaluate
from kspec.validation.validate import ValidateOptions, validate

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus" / "k8s"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not Path(args.corpus).is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    loaded = load([args.corpus])
    rules = builtin_rules()
    manifests = list(loaded.manifests)
    best_pack = best_rest = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        findings = evaluate(rules, manifests)
        best_pack = min(best_pack, time.perf_counter() - started)
        started = time.perf_counter()
        validate(loaded, ValidateOptions(builtin_rules=False))
        best_rest = min(best_rest, time.perf_counter() - started)
    checks = sum(len(r.validations) for r in rules)
    print(f"corpus: {len(loaded.files)} files, {len(manifests)} objects; rule pack: {len(rules)} Rule files, "
          f"{checks} validations")
    print(f"rule pack:                {best_pack:6.2f} s  {len(manifests) / best_pack:8.0f} objects/s  "
          f"({len(findings)} findings)")
    print(f"validate without the pack: {best_rest:6.2f} s  {len(manifests) / best_rest:8.0f} objects/s  "
          f"(pack / rest = {best_pack / best_rest:.2f})")
    print()
    subprocess.run([sys.executable, str(ROOT / "bench" / "cel.py")], check=False)


if __name__ == "__main__":
    main()
