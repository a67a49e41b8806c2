"""Values kspec could not decode as written, as findings: the same problems that make
``simulate``, ``place`` and ``check`` refuse an object (``kspec.api.registry.decode_manifest``)."""

from __future__ import annotations

from typing import Iterable

from kspec.api.decode import DecodeProblem
from kspec.validation.findings import RULES, Finding, finding_at

_RULES = {
    "invalid-value": RULES.define(
        "invalid-value", "error", "a value cannot be read as the field's type",
        "A field holds a value of the wrong type (a string where an integer is needed, a mapping "
        "where a string is), an invalid quantity (`cpu: lots`, `memory: NaN`), an invalid "
        "int-or-percent (`maxSurge: \"5\"`: a string must be a percentage such as `\"25%\"`), a number "
        "out of range for the field, or a value the field does not support (`protocol: HTTP`). The "
        "API server rejects the object. kspec never replaces such a value with a default: "
        "`simulate`, `place` and `check` refuse the object (exit 2) until it is fixed.",
        category="reading"),
    "missing-type-meta": RULES.define(
        "missing-type-meta", "error", "an object has no apiVersion or no kind",
        "Every Kubernetes object needs both `apiVersion` and `kind`, as strings; keys are "
        "case-sensitive (`apiversion:` is not `apiVersion:`). kubectl refuses the object.",
        category="reading"),
    "unserved-api-version": RULES.define(
        "unserved-api-version", "error", "a kind kspec models under an apiVersion that does not serve it",
        "The kind exists, but not in this group/version (`v1` for a Deployment, or a version "
        "removed before Kubernetes 1.25 such as `extensions/v1beta1`); kubectl fails with "
        "\"no matches for kind\". The message names the apiVersion to use.",
        category="reading"),
}


def decode_findings(problems: Iterable[DecodeProblem], object_id: str,
                    others: Iterable[Finding]) -> list[Finding]:
    """One error per decode problem, except where another check already reported an error at
    the same position (the schema's type error, ``unsupported-value``, ``removed-api-version``)."""
    taken = {(f.file, f.line, f.column) for f in others if f.severity == "error"}
    found = []
    for problem in problems:
        finding = finding_at(_RULES[problem.reason], problem.node, problem.message,
                             object=object_id, path=problem.path)
        if (finding.file, finding.line, finding.column) not in taken:
            found.append(finding)
    return found
