"""Benchmark kspec's YAML reader against PyYAML on the Kubernetes corpus.

    python bench/parse.py [CORPUS] [--repeat N] [--json]

Every reader gets the same in-memory texts (files any reader rejects are left out, and
counted) and does comparable work: kspec reads with the Kubernetes schema and turns each
document into plain Python; PyYAML's SafeLoader (pure Python) and CSafeLoader (libyaml)
construct plain Python. The time reported is the best of N runs over all texts.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import yaml

from kspec.reading import ReadError, read_yaml

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "k8s"
SUFFIXES = (".yaml", ".yml", ".json")
KSPEC = "kspec read_yaml"


def _kspec(text: str) -> list:
    return [document.to_python() for document in read_yaml(text)]


def _pyyaml(loader: type) -> Callable[[str], list]:
    return lambda text: list(yaml.load_all(text, Loader=loader))


READERS: dict[str, Callable[[str], list]] = {
    KSPEC: _kspec,
    "PyYAML SafeLoader": _pyyaml(yaml.SafeLoader),
    **({"PyYAML CSafeLoader": _pyyaml(yaml.CSafeLoader)} if hasattr(yaml, "CSafeLoader") else {}),
}


def load_texts(corpus: Path) -> list[str]:
    """Every YAML/JSON file under ``corpus``, read into memory."""
    files = sorted(p for p in corpus.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    return [p.read_text(encoding="utf-8") for p in files]


def accepted_by_all(texts: list[str]) -> tuple[list[str], int, Counter]:
    """The texts every reader reads, their number of documents, and how many texts each
    reader rejects. Running every reader once here also warms them up."""
    kept, documents, rejected = [], 0, Counter()
    for text in texts:
        counts = {}
        for name, read in READERS.items():
            try:
                counts[name] = len(read(text))
            except (ReadError, yaml.YAMLError):
                rejected[name] += 1
        if len(counts) == len(READERS):
            kept.append(text)
            documents += counts[KSPEC]
    return kept, documents, rejected


def best_time(read: Callable[[str], list], texts: list[str], repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``read`` over all texts, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for text in texts:
            read(text)
        best = min(best, time.perf_counter() - start)
    return best


def run(corpus: Path, repeat: int) -> dict:
    texts = load_texts(corpus)
    kept, documents, rejected = accepted_by_all(texts)
    megabytes = sum(len(text.encode("utf-8")) for text in kept) / 1e6
    seconds = {name: best_time(read, kept, repeat) for name, read in READERS.items()}
    return {
        "corpus": str(corpus), "files": len(kept), "skipped": len(texts) - len(kept),
        "rejected_by": dict(rejected),
        "documents": documents, "megabytes": round(megabytes, 3), "repeat": repeat,
        "readers": {name: {"seconds": round(s, 4), "documents_per_second": round(documents / s),
                           "megabytes_per_second": round(megabytes / s, 3)}
                    for name, s in seconds.items()},
        # kspec's time over the other reader's: above 1, kspec is that many times slower.
        "time_ratios": {f"kspec/{name.removeprefix('PyYAML ')}": round(seconds[KSPEC] / s, 2)
                        for name, s in seconds.items() if name != KSPEC},
    }


def table(result: dict) -> str:
    rejected = ", ".join(f"{name} {n}" for name, n in result["rejected_by"].items())
    lines = [f"corpus {result['corpus']}: {result['files']} files, {result['documents']} "
             f"documents, {result['megabytes']:.2f} MB; best of {result['repeat']} runs",
             f"skipped {result['skipped']} files that a reader rejects ({rejected or 'none'})",
             f"{'reader':<20} {'seconds':>9} {'docs/s':>9} {'MB/s':>7}"]
    for name, r in result["readers"].items():
        lines.append(f"{name:<20} {r['seconds']:>9.3f} {r['documents_per_second']:>9} "
                     f"{r['megabytes_per_second']:>7.2f}")
    for name, ratio in result["time_ratios"].items():
        lines.append(f"{name} time ratio: {ratio:.2f} "
                     f"({'slower' if ratio > 1 else 'faster'} by {max(ratio, 1 / ratio):.1f}x)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader (best is kept)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"no corpus at {args.corpus}")
    result = run(args.corpus, max(1, args.repeat))
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
