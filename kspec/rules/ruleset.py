"""kspec's own ``Rule`` kind (``kspec.dev/v1alpha1``), shaped like a ValidatingAdmissionPolicy.

```yaml
apiVersion: kspec.dev/v1alpha1
kind: Rule
metadata: {name: images}
spec:
  match:
    kinds: [Deployment, StatefulSet]      # or "workloads": every kind with a pod template
    namespaces: [prod]                    # optional
    labelSelector: {matchLabels: {...}}   # optional
  variables:
  - {name: images, expression: "containers.map(c, c.image)"}
  validations:
  - id: image-tag-pinned
    severity: warning                     # error | warning | info
    enabled: true                         # default on; false = only with --enable
    summary: a container image has no tag or uses :latest
    doc: The paragraph in docs/rules.md.
    expression: "variables.images.all(i, i.contains(':') && !i.endsWith(':latest'))"
    message: "..."                        # or messageExpression (CEL, a string)
    fieldPath: spec.template.spec         # optional: where the finding points
```

An expression that evaluates to ``true`` passes (as in a ValidatingAdmissionPolicy);
``false`` is a finding. Expressions see ``object`` (the manifest as plain data),
``podSpec`` and ``containers`` (the pod template's spec and its init, regular and
ephemeral containers, or null/[] for kinds without one), ``objects`` (kind -> the objects
of the input in the same namespace, and cluster-scoped ones), ``kubernetesVersion``
("1.31"), and ``variables``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import attrs

from kspec.api.plain import api_object
from kspec.reading.loader import Manifest, load_text
from kspec.reading.nodes import Mapping, Scalar, Sequence, to_python
from kspec.rules.cel import CelError, CelEvalError, CelParseError, Program, compile_expression
from kspec.validation.findings import RULES, SEVERITIES, Finding, Rule as RuleInfo, finding_at

RULE_API = "kspec.dev/v1alpha1"
WORKLOAD_KINDS = ("Pod", "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job",
                  "CronJob", "PodTemplate")
RULE_ERROR = RULES.define(
    "rule-error", "info", "a declarative rule could not be evaluated on an object",
    "A Rule's CEL expression raised an error on this object (a missing field read without has(), a "
    "type mismatch). The object is neither passed nor failed by that rule; the message names the "
    "rule and the error so that the rule can be made robust.", category="rules")
def default_kubernetes_version() -> str:
    """The newest version whose schemas are bundled (what ``--kubernetes-version`` defaults to)."""
    from kspec.validation.schema import available_versions

    versions = available_versions()
    return max(versions, key=lambda v: tuple(int(p) for p in v.split("."))) if versions else "1.33"


class RuleFileError(Exception):
    """A mistake in a Rule file, at file:line:column."""

    def __init__(self, message: str, file: str, line: int, column: int):
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file, self.line, self.column = file, line, column


@attrs.frozen(kw_only=True)
class Validation:
    id: str
    severity: str
    enabled: bool
    program: Program = attrs.field(eq=False)
    message: str = ""
    message_program: Program | None = attrs.field(default=None, eq=False)
    field_path: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class DeclaredRule:
    name: str
    file: str
    kinds: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    label_selector: Any = None
    variables: tuple[tuple[str, Program], ...] = attrs.field(default=(), eq=False)
    validations: tuple[Validation, ...] = ()

    def matches(self, obj: dict) -> bool:
        kind = obj.get("kind")
        kinds = set(self.kinds)
        if "workloads" in kinds:
            kinds |= set(WORKLOAD_KINDS)
        if kinds and kind not in kinds and "*" not in kinds:
            return False
        meta = obj.get("metadata") or {}
        if self.namespaces and (meta.get("namespace") or "default") not in self.namespaces:
            return False
        if self.label_selector is not None and not self.label_selector.matches(meta.get("labels") or {}):
            return False
        return True


def _where(node) -> tuple[str, int, int]:
    return node.file, node.line, node.column


def _expression(node, field: str, owner) -> Program:
    if not isinstance(node, Scalar) or not isinstance(node.value, str):
        file, line, column = _where(owner)
        raise RuleFileError(f"{field} must be a CEL expression (a string)", file, line, column)
    file, line, column = _where(node)
    if node.style in ("|", ">"):  # a block scalar starts on the next line
        line, column = line + 1, 1
    elif node.style in ("'", '"'):
        column += 1
    try:
        return compile_expression(node.value, file=file, line=line, column=column)
    except CelParseError as error:
        raise RuleFileError(f"{field}: {error.message}", error.file or file, error.line, error.column) from None


def _get(node: Mapping, key: str):
    return node.get(key) if isinstance(node, Mapping) else None


def _plain(node):
    return to_python(node) if node is not None else None


def parse_rule(manifest: Manifest) -> DeclaredRule:
    """A Rule manifest, checked when loaded: a bad field is a ``RuleFileError`` at its line."""
    from kspec.api.selectors import LabelSelector

    from kspec.validation.ownkinds import own_kind_errors

    node = manifest.node
    for error in own_kind_errors(manifest):
        raise RuleFileError(f"Rule {error.path or 'object'}: {error.message}", error.file, error.line, error.column)
    spec = _get(node, "spec")
    if not isinstance(spec, Mapping):
        raise RuleFileError("a Rule needs a spec", *_where(node))
    match = _get(spec, "match")
    kinds = tuple(_plain(_get(match, "kinds")) or ())
    namespaces = tuple(_plain(_get(match, "namespaces")) or ())
    selector_node = _get(match, "labelSelector") if match is not None else None
    selector = LabelSelector.from_python(_plain(selector_node)) if selector_node is not None else None
    variables = []
    for item in (_get(spec, "variables").items if isinstance(_get(spec, "variables"), Sequence) else ()):
        name = _plain(_get(item, "name"))
        variables.append((str(name), _expression(_get(item, "expression"), f"variable {name}", item)))
    validations = []
    items = _get(spec, "validations")
    if not isinstance(items, Sequence) or not items.items:
        raise RuleFileError("a Rule needs at least one validation", *_where(spec))
    for item in items.items:
        rule_id = _plain(_get(item, "id"))
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleFileError("each validation needs an id", *_where(item))
        severity = _plain(_get(item, "severity")) or "warning"
        if severity not in SEVERITIES:
            raise RuleFileError(f"severity must be one of {', '.join(SEVERITIES)}", *_where(_get(item, "severity")))
        message_node = _get(item, "messageExpression")
        field_path = str(_plain(_get(item, "fieldPath")) or "").strip(".")
        validations.append(Validation(
            id=rule_id, severity=severity, enabled=_plain(_get(item, "enabled")) is not False,
            program=_expression(_get(item, "expression"), f"{rule_id} expression", item),
            message=str(_plain(_get(item, "message")) or f"{rule_id} failed"),
            message_program=_expression(message_node, f"{rule_id} messageExpression", item)
            if message_node is not None else None,
            field_path=tuple(p for p in field_path.split(".") if p)))
        if rule_id not in RULES:
            summary = str(_plain(_get(item, "summary")) or _plain(_get(item, "message")) or rule_id)
            doc = str(_plain(_get(item, "doc")) or summary)
            RULES.add(RuleInfo(id=rule_id, severity=severity, summary=summary, doc=" ".join(doc.split()),
                               category=str(_plain(_get(item, "category")) or "best-practice")))
    name = str((manifest.field("metadata", "name") or Path(manifest.file).stem))
    return DeclaredRule(name=name, file=manifest.file, kinds=kinds, namespaces=namespaces, label_selector=selector,
                        variables=tuple(variables), validations=tuple(validations))


def load_rules(paths: Iterable[str]) -> list[DeclaredRule]:
    """Rule objects from files (``*.yaml``) and directories; other kinds are ignored."""
    from kspec.reading.loader import load

    loaded = load(list(paths))
    if loaded.errors:
        error = loaded.errors[0]
        raise RuleFileError(error.message, error.path, error.line or 1, error.column or 1)
    return [parse_rule(m) for m in loaded.manifests
            if m.field("kind") == "Rule" and m.field("apiVersion") == RULE_API]


_BUILTIN: list[DeclaredRule] | None = None


def builtin_rules() -> list[DeclaredRule]:
    """The rule pack shipped in ``properties/rules`` (package ``kspec.properties``)."""
    global _BUILTIN
    if _BUILTIN is None:
        from importlib import resources

        rules = []
        folder = resources.files("kspec.properties").joinpath("rules")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                manifests, errors = load_text(entry.read_text(encoding="utf-8"), f"properties/rules/{entry.name}")
                assert not errors, errors  # shipped with kspec; tests read every file
                rules += [parse_rule(m) for m in manifests if m.field("kind") == "Rule"]
        _BUILTIN = rules
    return _BUILTIN


# ---- evaluation ----------------------------------------------------------------------------------

def pod_spec_path(kind: str) -> tuple[str, ...] | None:
    if kind == "Pod":
        return ("spec",)
    if kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template", "spec")
    if kind == "PodTemplate":
        return ("template", "spec")
    if kind in WORKLOAD_KINDS:
        return ("spec", "template", "spec")
    return None


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


class _Variables(dict):
    """``variables.<name>``, evaluated on first use and cached per object."""

    def __init__(self, declared, activation):
        super().__init__()
        self._declared = dict(declared)
        self._activation = activation

    def __contains__(self, key):
        return key in self._declared

    def get(self, key, default=None):
        return self[key] if key in self._declared else default

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            dict.__setitem__(self, key, self._declared[key].evaluate_raw(self._activation))
        return dict.__getitem__(self, key)

    def items(self):
        return [(k, self[k]) for k in self._declared]

    def __iter__(self):
        return iter(self._declared)

    def __len__(self):
        return len(self._declared)


def evaluate(rules: Iterable[DeclaredRule], manifests: Iterable[Manifest], *, enabled: frozenset[str] = frozenset(),
             kubernetes_version: str | None = None) -> list[Finding]:
    """Every finding of ``rules`` over ``manifests``."""
    from kspec.validation.schema import object_id

    items = [(m, api_object(m.node)) for m in manifests]
    items = [(m, obj) for m, obj in items if isinstance(obj, dict)]
    by_namespace: dict[str, dict[str, list]] = {}
    cluster: dict[str, list] = {}
    for _, obj in items:
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace")
        target = cluster if namespace is None else by_namespace.setdefault(namespace, {})
        target.setdefault(str(obj.get("kind")), []).append(obj)
    version = kubernetes_version or default_kubernetes_version()
    findings: list[Finding] = []
    for manifest, obj in items:
        active = [r for r in rules if r.matches(obj)]
        if not active:
            continue
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        objects = {**cluster}
        for kind, found in by_namespace.get(namespace, {}).items():
            objects[kind] = objects.get(kind, []) + found
        path = pod_spec_path(str(obj.get("kind")))
        pod_spec = _dig(obj, path) if path else None
        if path and not isinstance(pod_spec, dict):
            pod_spec = {}  # a workload without a pod template (schema findings report that)
        containers = []
        if isinstance(pod_spec, dict):
            for key in ("initContainers", "containers", "ephemeralContainers"):
                items = pod_spec.get(key)
                containers += [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []
        base = {"object": obj, "oldObject": None, "params": None, "podSpec": pod_spec, "containers": containers,
                "objects": objects, "kubernetesVersion": version,
                "request": {"operation": "CREATE", "kind": {"kind": obj.get("kind")}}}
        oid = object_id(manifest)
        for rule in active:
            activation = dict(base)
            activation["variables"] = _Variables(rule.variables, activation)
            for v in rule.validations:
                if not v.enabled and v.id not in enabled:
                    continue
                findings += _check(rule, v, activation, manifest, oid)
    return findings


def _check(rule: DeclaredRule, v: Validation, activation: dict, manifest: Manifest, oid: str) -> list[Finding]:
    try:
        result = v.program.evaluate_raw(activation)
    except CelError as error:
        return [finding_at(RULE_ERROR, manifest.node, f"rule {v.id} ({rule.file}) could not be evaluated: {error}",
                           object=oid)]
    if result is True:
        return []
    if result is not False:
        return [finding_at(RULE_ERROR, manifest.node, f"rule {v.id} ({rule.file}) returned {result!r}, not a bool",
                           object=oid)]
    message = v.message
    if v.message_program is not None:
        try:
            produced = v.message_program.evaluate_raw(activation)
            if isinstance(produced, str) and produced.strip():
                message = produced
        except CelEvalError:
            pass
    node = manifest.node
    path = v.field_path
    if path and path[0] == "podSpec":  # relative to the pod template, whatever the kind
        spec_path = pod_spec_path(str(activation["object"].get("kind")))
        path = (spec_path or ()) + path[1:]
    for key in path:
        child = node.get(key) if isinstance(node, Mapping) else None
        if child is None:
            break
        node = child
    return [finding_at(RULES.get(v.id), node, message, object=oid, path=".".join(path),
                       severity=v.severity)]
