"""``kspec validate``: every check over a loaded input set, then filtering.

Order: read errors become findings; documents that are not Kubernetes objects are
skipped with an info finding; each object is schema-checked, decoded and
semantically checked; then the whole set is cross-checked. Filters apply last:
``--disable``, the minimum severity, and the ``kspec.dev/ignore`` annotation.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from typing import Iterable

import attrs

from kspec.api.inputs import is_kubernetes_object
from kspec.api.registry import decode_manifest
from kspec.reading.errors import NotAnObject, ReadError, Skipped
from kspec.reading.loader import Loaded, Manifest, load_text
from kspec.validation.crossobject import Checked, run_cross_object
from kspec.validation.decoding import decode_findings
from kspec.validation.findings import RULES, SEVERITY_RANK, Finding, finding_at
from kspec.validation.limits import run_limits
from kspec.validation.schema import RULE_TYPE, CrdSchemas, SchemaValidator, object_id
from kspec.validation.semantic import run_semantic
from kspec.rules.admission import evaluate_policies
from kspec.rules.ruleset import builtin_rules, evaluate as evaluate_rules

IGNORE_ANNOTATION = "kspec.dev/ignore"

YAML_SYNTAX = RULES.define(
    "yaml-syntax", "error", "the file cannot be read as YAML",
    "The YAML is malformed (bad indentation, a tab used for indentation, an unterminated string "
    "or bracket, a duplicate key, ...) or a document is not a mapping. kubectl would refuse the whole "
    "file. The message says what to fix and the caret shows where.", category="reading")
NOT_KUBERNETES = RULES.define(
    "not-kubernetes", "info", "a YAML document is not a Kubernetes object and was skipped",
    "Documents without apiVersion and kind (kustomization.yaml, Helm values.yaml, CI configs), "
    "documents that are lists rather than mappings, and tool configurations such as kubeconfigs "
    "are recognised and skipped. A directory of mixed YAML can so be validated as a whole.",
    category="reading")

INPUT_SKIPPED = RULES.define(
    "input-skipped", "info", "an input entry was deliberately not read",
    "Named pipes, devices and sockets found in a directory, symbolic links that lead out of the "
    "directory being read, and the templates of a Helm chart (not YAML until `helm template` "
    "renders them) are skipped with this note. The rest of the input is validated as usual.",
    category="reading")



@attrs.frozen(kw_only=True)
class ValidateOptions:
    strict: bool = False
    kubernetes_version: str | None = None
    disable: frozenset[str] = frozenset()
    min_severity: str = "info"
    # declarative rules: the built-in pack, plus Rule files from these paths; rules that are
    # off by default run when named in ``enable``
    rules: tuple = ()
    builtin_rules: bool = True
    enable: frozenset[str] = frozenset()


@attrs.frozen(kw_only=True)
class Validation:
    """The outcome: findings (filtered, sorted) and what was checked."""

    findings: tuple[Finding, ...]
    objects: tuple[tuple[str, str], ...]
    files: int
    read_failed: bool


def validate(loaded: Loaded, options: ValidateOptions = ValidateOptions(),
             crd_manifests: Iterable[Manifest] = ()) -> Validation:
    """Run every check on a loaded input set."""
    schema = SchemaValidator(options.kubernetes_version)
    crds = CrdSchemas.from_manifests([*_builtin_crds(), *loaded.manifests, *crd_manifests])
    unreadable = [e for e in loaded.errors if not isinstance(e, (NotAnObject, Skipped))]
    findings = [_read_error_finding(error) for error in unreadable]
    findings += [Finding(rule=INPUT_SKIPPED.id, severity="info", file=e.path, line=e.line or 1,
                         column=e.column or 1, message=e.message) for e in loaded.errors if isinstance(e, Skipped)]
    findings += [Finding(rule=NOT_KUBERNETES.id, severity="info", file=e.path, line=e.line, column=e.column,
                         message=f"{e.message}; skipped") for e in loaded.errors if isinstance(e, NotAnObject)]
    checked: list[Checked] = []
    objects: list[tuple[str, str]] = []
    ignored: dict[str, frozenset[str]] = {}
    problems: list[tuple] = []
    sound: list[Manifest] = []  # objects handed to policies and rules
    for manifest in loaded.manifests:
        if not is_kubernetes_object(manifest):
            findings.append(finding_at(NOT_KUBERNETES, manifest.node,
                                       f"{os.path.basename(manifest.file)} is not a Kubernetes object "
                                       f"(a tool's configuration, or no apiVersion and kind); skipped"))
            continue
        oid = object_id(manifest)
        objects.append((oid, manifest.file))
        schema_findings = schema.validate(manifest, strict=options.strict, crds=crds)
        findings += schema_findings
        decoded = decode_manifest(manifest)
        obj = decoded.obj
        problems.append((decoded.problems, oid))
        if _sound(decoded.problems, schema_findings):
            sound.append(manifest)
        # A value that was not read stands at its default in ``obj``: semantic checks of that
        # default ("containerPort 0 must be between 1 and 65535") would judge what nobody wrote.
        unread = {(p.node.line, p.node.column) for p in decoded.problems}
        # (unsupported-value reads the text as written, so it stays and the decode finding yields.)
        findings += [f for f in run_semantic(obj, oid, manifest.node)
                     if (f.line, f.column) not in unread or f.rule == "unsupported-value"]
        checked.append(Checked(obj=obj, object_id=oid))
        ignore = obj.metadata.annotations.get(IGNORE_ANNOTATION)
        if ignore:
            ignored[oid] = frozenset(part.strip() for part in ignore.split(",") if part.strip())
    findings += run_cross_object(checked)
    findings += run_limits(checked)
    findings += evaluate_policies(sound)
    declared = (list(builtin_rules()) if options.builtin_rules else []) + list(options.rules)
    if declared:
        findings += evaluate_rules(declared, sound, enabled=options.enable,
                                   kubernetes_version=options.kubernetes_version)
    removed = {f.object for f in findings if f.rule == "removed-api-version"}
    for object_problems, oid in problems:
        object_problems = [p for p in object_problems
                           if not (p.reason == "unserved-api-version" and oid in removed)]
        findings += decode_findings(object_problems, oid, findings)
    kept = [f for f in findings if _kept(f, options, ignored)]
    kept.sort(key=Finding.sort_key)
    return Validation(findings=tuple(kept), objects=tuple(objects), files=len(loaded.files),
                      read_failed=bool(unreadable))


@functools.cache
def _builtin_crds() -> tuple[Manifest, ...]:
    """The CustomResourceDefinitions of kspec's own kinds (NodePool, Scenario)."""
    text = resources.files("kspec.api").joinpath("kspec-crds.yaml").read_text(encoding="utf-8")
    manifests, errors = load_text(text, "kspec-crds.yaml")
    assert not errors, errors  # shipped with kspec; a test reads it
    return tuple(manifests)


def _sound(problems, schema_findings) -> bool:
    """Whether an object goes on to admission policies, CRD rules and the rule pack, which read
    it as plain data and match on its identity: only when its identity reads as written
    (apiVersion, kind, metadata's names, labels and annotations) and the schema found no value
    of the wrong type (a policy whose `validations` is a string, a CRD whose `versions` is a
    mapping). The others are already errors, so nothing is silently passed."""
    if any(f.rule == RULE_TYPE.id for f in schema_findings):
        return False
    return not any(p.reason != "unserved-api-version"
                   and (p.path in ("apiVersion", "kind", "metadata") or p.path.startswith(_ENVELOPE))
                   for p in problems)


_ENVELOPE = ("metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations")


def _kept(finding: Finding, options: ValidateOptions, ignored: dict[str, frozenset[str]]) -> bool:
    if finding.rule in options.disable:
        return False
    if SEVERITY_RANK[finding.severity] > SEVERITY_RANK[options.min_severity]:
        return False
    suppressed = ignored.get(finding.object)
    return not (suppressed and (finding.rule in suppressed or "all" in suppressed))


def _read_error_finding(error: ReadError) -> Finding:
    return Finding(rule=YAML_SYNTAX.id, severity="error", message=error.message, file=error.path,
                   line=error.line or 1, column=error.column or 1)


builtin_rules()  # registers the rule pack's ids (for --list-rules and docs/rules.md)
