"""Differential test: kspec against PyYAML's SafeLoader over the shared Kubernetes corpus.

PyYAML reads YAML 1.1 with its own scalar rules; Kubernetes reads YAML with go-yaml v2.
So PyYAML's plain scalars are re-resolved with kspec's Kubernetes resolver, and every
scalar where that changes PyYAML's value must be one of the documented differences
(``_difference_kind``); anything else is reported as unexplained, never hidden.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections import Counter
from pathlib import Path

import attrs
import pytest
import yaml

from kspec.reading import ReadError, read_yaml
from kspec.reading.resolve import MERGE, resolve_kubernetes

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "k8s"
SUFFIXES = (".yaml", ".yml", ".json")
_PLAIN = "tag:kspec.test,2024:plain"

# Files PyYAML rejects but kspec reads, with the reason (a file both reject needs no entry).
PYYAML_ONLY_REJECTS: dict[str, str] = {}

_DUPLICATE_KEY = ("duplicate mapping key: kspec rejects it by design (docs/architecture.md, like "
                  "kubectl --validate=strict); PyYAML keeps the last value")

# Files where kspec and PyYAML disagree beyond the documented differences.
KNOWN_DIFFERENCES: dict[str, str] = {
    "examples/_archived/openshift-origin/etcd-controller.yaml": _DUPLICATE_KEY,
    "examples/_archived/openshift-origin/etcd-discovery-controller.yaml": _DUPLICATE_KEY,
    "examples/_archived/openshift-origin/openshift-controller.yaml": _DUPLICATE_KEY,
    "examples/_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml":
        _DUPLICATE_KEY,
    "examples/_archived/volumes/scaleio/sc-pvc.yaml": _DUPLICATE_KEY,
}


def _corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
                  if p.suffix in SUFFIXES and p.is_file())


FILES = _corpus_files()


class _KubernetesLoader(yaml.SafeLoader):
    """SafeLoader that resolves plain scalars with kspec's Kubernetes resolver and records
    ``(text, pyyaml_value, kubernetes_value)`` wherever the two differ."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.normalised: list[tuple[str, object, object]] = []

    def resolve(self, kind, value, implicit):
        tag = super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0] and tag != MERGE:
            return _PLAIN
        return tag

    def construct_plain(self, node: yaml.ScalarNode) -> object:
        resolved = resolve_kubernetes(node.value)
        native = self._pyyaml_value(node)
        if not _same(native, resolved):
            self.normalised.append((node.value, native, resolved))
        return resolved

    def _pyyaml_value(self, node: yaml.ScalarNode) -> object:
        """The value PyYAML's own resolver and constructor give a plain scalar."""
        tag = yaml.SafeLoader.resolve(self, yaml.ScalarNode, node.value, (True, False))
        constructor = self.yaml_constructors.get(tag)
        if constructor is None:  # the YAML 1.1 `=` value key: no constructor, reads as text
            return node.value
        return constructor(self, yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark))


_KubernetesLoader.add_constructor(_PLAIN, _KubernetesLoader.construct_plain)


def _difference_kind(text: str, native: object, resolved: object) -> str | None:
    """Which documented YAML 1.1-vs-Kubernetes difference explains a normalised scalar."""
    if isinstance(native, (datetime.date, datetime.datetime)) and resolved == text:
        return "timestamp kept as string"
    if ":" in text and type(native) in (int, float) and resolved == text:
        return "no sexagesimal"
    if text in ("y", "Y", "n", "N") and native == text and isinstance(resolved, bool):
        return "y/n boolean"
    if native == text and type(resolved) is float:
        return "float syntax"
    if (native == text or type(native) is int) and type(resolved) is int:
        return "int syntax"
    return None


def _same(a: object, b: object) -> bool:
    """Equality that tells bool from int from float and treats NaN as equal to itself."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        typed_b = _typed_keys(b)
        return len(a) == len(b) and all(
            (type(k), k) in typed_b and _same(v, typed_b[(type(k), k)]) for k, v in a.items())
    return a == b


def _typed_keys(mapping: dict) -> dict:
    """The mapping keyed by (type, key), so that the keys ``1`` and ``True`` stay apart."""
    return {(type(k), k): v for k, v in mapping.items()}


def _first_difference(mine: object, theirs: object, where: str) -> str | None:
    """Where kspec's value first differs from PyYAML's, for the failure message."""
    if isinstance(mine, dict) and isinstance(theirs, dict) and len(mine) == len(theirs):
        typed = _typed_keys(theirs)
        pairs = [(f"{where}[{k!r}]", v, typed[(type(k), k)])
                 for k, v in mine.items() if (type(k), k) in typed]
    elif isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
        pairs = [(f"{where}[{i}]", a, b) for i, (a, b) in enumerate(zip(mine, theirs))]
    else:
        pairs = []
    for inner, a, b in pairs:
        found = _first_difference(a, b, inner)
        if found:
            return found
    if _same(mine, theirs):
        return None
    return f"{where} differs:\n  kspec:  {mine!r}\n  PyYAML: {theirs!r}"


@attrs.frozen
class Outcome:
    """One file compared: documents compared and matched, scalars normalised by kind, and
    what went wrong."""

    documents: int = 0
    identical: int = 0
    normalised: Counter = attrs.field(factory=Counter)
    pyyaml_error: str | None = None
    kspec_error: str | None = None
    problems: tuple[str, ...] = ()


@functools.cache
def compare(name: str) -> Outcome:
    """Read one corpus file with both readers and compare document by document."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    pyyaml_error, expected, normalised = _read_pyyaml(text)
    try:
        actual = [document.to_python() for document in read_yaml(text, name)]
    except ReadError as error:
        return Outcome(pyyaml_error=pyyaml_error, kspec_error=error.format())
    if pyyaml_error is not None:
        return Outcome(pyyaml_error=pyyaml_error)
    kinds: Counter = Counter()
    problems = []
    for scalar, native, resolved in normalised:
        kind = _difference_kind(scalar, native, resolved)
        if kind is None:
            problems.append(f"unexplained normalisation of {scalar!r}: "
                            f"PyYAML {native!r}, kspec {resolved!r}")
        else:
            kinds[kind] += 1
    if len(actual) != len(expected):
        problems.append(f"kspec read {len(actual)} documents, PyYAML {len(expected)}")
    differences = [_first_difference(mine, theirs, f"document {index}")
                   for index, (mine, theirs) in enumerate(zip(actual, expected))]
    problems += [difference for difference in differences if difference]
    return Outcome(documents=len(actual), identical=differences.count(None),
                   normalised=kinds, problems=tuple(problems))


def _read_pyyaml(text: str) -> tuple[str | None, list, list]:
    """PyYAML's documents with plain scalars normalised, and the scalars that changed."""
    loader = _KubernetesLoader(text)
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return None, documents, loader.normalised
    except yaml.YAMLError as error:
        return str(error), [], []
    finally:
        loader.dispose()


def _case(name: str):
    if name in KNOWN_DIFFERENCES:
        return pytest.param(name, id=name, marks=pytest.mark.xfail(
            strict=True, reason=KNOWN_DIFFERENCES[name]))
    return pytest.param(name, id=name)


def _failure(name: str, outcome: Outcome) -> str | None:
    """Why a file's comparison fails, or None when it passes."""
    if outcome.pyyaml_error is not None:
        if outcome.kspec_error is None and name not in PYYAML_ONLY_REJECTS:
            return f"PyYAML rejects it, kspec reads it:\n{outcome.pyyaml_error}"
        return None
    if outcome.kspec_error is not None:
        return f"kspec rejects it, PyYAML reads it:\n{outcome.kspec_error}"
    return "\n".join(outcome.problems) or None


@pytest.mark.parametrize("name", [_case(name) for name in FILES])
def test_file_reads_like_pyyaml(name: str) -> None:
    """kspec reads the file to PyYAML's values, up to the documented Kubernetes differences."""
    failure = _failure(name, compare(name))
    assert failure is None, failure


def test_corpus_summary(capsys) -> None:
    """Exactly the files listed in KNOWN_DIFFERENCES fail; the counts are printed."""
    if not FILES:
        pytest.skip(f"{CORPUS} is not present")
    outcomes = {name: compare(name) for name in FILES}
    failing = {name for name, outcome in outcomes.items() if _failure(name, outcome)}
    rejected = {name for name, outcome in outcomes.items() if outcome.pyyaml_error}
    summary = _summary(list(outcomes.values()), failing, rejected)
    with capsys.disabled():
        print(f"\ncorpus differential: {summary}")
    assert failing == set(KNOWN_DIFFERENCES), summary
    assert set(PYYAML_ONLY_REJECTS) <= rejected, summary


def _summary(outcomes: list[Outcome], failing: set, rejected: set) -> str:
    """"N files, M documents identical, K normalised differences", then the details."""
    kinds = sum((outcome.normalised for outcome in outcomes), Counter())
    by_kind = ", ".join(f"{kind} {count}" for kind, count in kinds.most_common()) or "none"
    return (f"{len(outcomes)} files, {sum(o.identical for o in outcomes)} documents identical, "
            f"{sum(kinds.values())} normalised differences; "
            f"{sum(o.documents for o in outcomes)} documents compared; normalised: {by_kind}; "
            f"{len(failing)} files differ (xfail); {len(rejected)} rejected by PyYAML "
            f"({', '.join(sorted(rejected)) or 'none'})")
