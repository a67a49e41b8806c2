"""Fuzz every command with thousands of mutants of the bundled manifests (and, when present,
of ../shared/corpus/k8s): count crashes (an escaped exception), hangs (past --budget seconds),
exit codes, and errors without file:line:column.

    python bench/fuzz.py [--mutants N] [--seed S] [--budget SECONDS] [--commands parse,validate,...]

Each mutant is judged in-process with a per-command time budget (SIGALRM); the first few
failures of each kind are printed with the mutant saved under .kspec/fuzz/ to replay.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fuzzing import COMMANDS, COMPANIONS, SEEDS, mutate, run_command, unpositioned_errors  # noqa: E402

COMMANDS["check"] = ["check", "--max-examples", "3", "--depth", "8", "--no-database", "--seed", "1"]


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per command per mutant")
    parser.add_argument("--commands", default=",".join(COMMANDS))
    parser.add_argument("--corpus", type=int, default=40, help="also mutate this many corpus files, when present")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seeds = list(SEEDS)
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "k8s"
    if corpus.is_dir() and args.corpus:
        files = sorted(str(p) for p in corpus.rglob("*.yaml") if p.stat().st_size < 20_000)
        seeds += random.Random(0).sample(files, min(args.corpus, len(files)))
    commands = args.commands.split(",")
    out_dir = Path(".kspec/fuzz")
    out_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGALRM, _alarm)
    codes = collections.Counter()
    failures: dict[str, list[str]] = collections.defaultdict(list)
    slowest = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.mutants):
            seed = rng.choice(seeds)
            try:
                text = mutate(Path(seed).read_text(encoding="utf-8"), random.Random(rng.getrandbits(32)))
            except UnicodeDecodeError:
                continue
            path = Path(tmp) / "mutant.yaml"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            for command in commands:
                t0 = time.perf_counter()
                signal.setitimer(signal.ITIMER_REAL, args.budget)
                try:
                    code, _, err = run_command(command, str(path))
                    kind = None
                    if code not in (0, 1, 2, 3):
                        kind = f"exit {code}"
                    elif unpositioned_errors(err):
                        kind = "unpositioned: " + unpositioned_errors(err)[0][:100]
                    codes[(command, code)] += 1
                except _Hang:
                    kind, err = "hang", ""
                except RecursionError:
                    kind, err = "crash RecursionError", traceback.format_exc()
                except Exception as error:  # noqa: BLE001 - counting crashes is the point
                    err = traceback.format_exc()
                    # The alarm can fire inside Hypothesis (check's random engine), which then
                    # reports a flaky test: that is the time budget, not a crash.
                    kind = "hang" if "_Hang" in err else f"crash {type(error).__name__}"
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                elapsed = time.perf_counter() - t0
                slowest.append((elapsed, command, i))
                if kind:
                    saved = out_dir / f"{len(sum(failures.values(), []))}-{command}.yaml"
                    saved.write_text(text, encoding="utf-8", errors="surrogatepass")
                    failures[kind].append(f"{command} {saved} (from {seed})")
                    if len(failures[kind]) <= 2:
                        print(f"[{i}] {command}: {kind} -- replay: kspec {' '.join(COMMANDS[command])} {saved}",
                              file=sys.stderr)
                        if err and kind.startswith("crash"):
                            print("    " + err.strip().splitlines()[-1][:300], file=sys.stderr)
                            print("    " + "".join(l for l in err.splitlines(True) if "kspec/" in l)[-600:],
                                  file=sys.stderr)
            if (i + 1) % 100 == 0:
                print(f"... {i + 1} mutants, {time.perf_counter() - started:.0f}s, "
                      f"{sum(len(v) for v in failures.values())} failures", file=sys.stderr)
    total = sum(codes.values()) + sum(len(v) for k, v in failures.items() if k == "hang" or k.startswith("crash"))
    print(f"mutants: {args.mutants} of {len(seeds)} seed files; command runs: {total}; "
          f"{time.perf_counter() - started:.0f}s")
    for command in commands:
        row = ", ".join(f"exit {c}: {codes[(command, c)]}" for c in (0, 1, 2, 3))
        print(f"  {command:<9} {row}")
    crashes = sum(len(v) for k, v in failures.items() if k.startswith("crash"))
    hangs = len(failures.get("hang", []))
    unpositioned = sum(len(v) for k, v in failures.items() if k.startswith("unpositioned"))
    print(f"crashes: {crashes}, hangs (> {args.budget:.0f}s): {hangs}, errors without file:line:column: {unpositioned}")
    for kind, where in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(where):>4}  {kind}  e.g. {where[0]}")
    slowest.sort(reverse=True)
    print("slowest: " + ", ".join(f"{c} #{i} {t:.1f}s" for t, c, i in slowest[:5]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
