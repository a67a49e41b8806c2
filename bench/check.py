"""Throughput of ``kspec check`` on the bundled scenarios, both engines, in one run.

For each scenario: the random engine's examples/s and distinct states/s (fixed seed), and
the exhaustive engine's distinct states/s to a fixed depth, with symmetry reduction on and
off side by side (the ratio of distinct states is what the reduction saves).

    python bench/check.py [--examples 100] [--depth 5] [models/check-web ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kspec.check.command import load_objects
from kspec.check.engine import CheckOptions, check

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["models/check-web", "models/check-db", "models/check-batch", "models/web", "models/database"]


def _objects(path: str) -> list:
    objects, errors = load_objects([str(ROOT / path)])
    if errors:
        sys.exit("\n".join(e.format() for e in errors))
    return objects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=DEFAULT)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--depth", type=int, default=5)
    args = parser.parse_args()
    header = (f"{'scenario':<20} {'random ex/s':>11} {'random st/s':>11} {'result':>7}   "
              f"{'exh states':>10} {'exh st/s':>9} {'no-sym states':>13} {'no-sym st/s':>11} {'saved':>6}")
    print(f"kspec check: random engine {args.examples} examples (seed 1), exhaustive to depth {args.depth}")
    print(header)
    for path in args.paths:
        objects = _objects(path)
        rnd = check(objects, CheckOptions(engine="random", max_examples=args.examples, seed=1))
        sym = check(objects, CheckOptions(engine="exhaustive", depth=args.depth))
        raw = check(objects, CheckOptions(engine="exhaustive", depth=args.depth, symmetry=False))
        r, s, n = rnd.stats.to_json(), sym.stats.to_json(), raw.stats.to_json()
        saved = n["distinct_states"] / s["distinct_states"] if s["distinct_states"] else 0.0
        verdict = "pass" if rnd.result == sym.result == raw.result == "pass" else "FAIL"
        print(f"{Path(path).name:<20} {r['examples'] / max(r['seconds'], 1e-9):>11.1f} "
              f"{r['distinct_states_per_second']:>11.1f} {verdict:>7}   {s['distinct_states']:>10} "
              f"{s['distinct_states_per_second']:>9.1f} {n['distinct_states']:>13} "
              f"{n['distinct_states_per_second']:>11.1f} {saved:>5.2f}x")


if __name__ == "__main__":
    main()
