"""Kubernetes' own CEL policies, evaluated offline over the input set.

- ``ValidatingAdmissionPolicy`` + ``ValidatingAdmissionPolicyBinding``
  (admissionregistration.k8s.io/v1): matchConstraints and the binding's matchResources
  (resource rules, namespace and object selectors), matchConditions, variables,
  validations with message/messageExpression, paramKind/paramRef resolved from the
  objects in the set (by name or selector; parameterNotFoundAction), and
  validationActions mapped to severities (Deny -> error, Warn -> warning, Audit -> info).
- ``x-kubernetes-validations`` of CustomResourceDefinitions in the set, on the custom
  resources of the set: ``self`` is the value at the schema node; rules using ``oldSelf``
  (transition rules) need an update and are reported as skipped.

Every object is treated as a CREATE request.
"""

from __future__ import annotations

from typing import Any, Iterable

from kspec.api.plain import api_object
from kspec.api.selectors import LabelSelector
from kspec.reading.loader import Manifest
from kspec.reading.nodes import to_python
from kspec.rules.cel import CelError, CelEvalError, Program, compile_expression
from kspec.validation.findings import RULES, finding_at

POLICY = RULES.define(
    "admission-policy", "error", "a ValidatingAdmissionPolicy in the set refuses an object",
    "The input holds a ValidatingAdmissionPolicy and a binding that select this object, and one of the "
    "policy's validations evaluates to false: the API server would refuse the object (validationActions "
    "Deny), warn (Warn) or record it (Audit), which kspec reports as error, warning and info. The message "
    "is the policy's.", category="policies")
POLICY_ERROR = RULES.define(
    "admission-policy-error", "warning", "a ValidatingAdmissionPolicy could not be evaluated on an object",
    "An expression of the policy raised an error, or its paramRef names no object in the set. With "
    "failurePolicy Fail the API server refuses the object; the message says which expression failed "
    "and why.", category="policies")
CRD_RULE = RULES.define(
    "crd-validation-rule", "error", "a custom resource breaks an x-kubernetes-validations rule of its CRD",
    "A CustomResourceDefinition in the set declares CEL rules (x-kubernetes-validations) on its schema, "
    "and this custom resource makes one of them false: the API server would refuse it with the rule's "
    "message. The finding points at the field the rule is declared on.", category="policies")
CRD_RULE_SKIPPED = RULES.define(
    "crd-transition-rule-skipped", "info", "a CRD validation rule compares with the old object and was not run",
    "Rules that use oldSelf (transition rules) constrain updates, and kspec validates manifests as "
    "creations. Such a rule is reported once per custom resource and not evaluated.", category="policies")

_SEVERITY = {"Deny": "error", "Warn": "warning", "Audit": "info"}


def resource_of(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return lower[:-1] + "ies"
    return lower + "s"


def _group_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def _rules_match(rules: list, obj: dict) -> bool:
    group, version = _group_version(str(obj.get("apiVersion", "")))
    resource = resource_of(str(obj.get("kind", "")))
    for rule in rules or []:
        groups, versions = rule.get("apiGroups") or ["*"], rule.get("apiVersions") or ["*"]
        resources, operations = rule.get("resources") or ["*"], rule.get("operations") or ["*"]
        if ("*" in groups or group in groups) and ("*" in versions or version in versions) and \
                ("*" in resources or resource in resources) and ("*" in operations or "CREATE" in operations):
            return True
    return False


def _selector_matches(selector: dict | None, labels: dict) -> bool:
    if not selector:
        return True
    return LabelSelector.from_python(selector).matches(labels or {})


def _resources_match(match: dict | None, obj: dict, namespaces: dict) -> bool:
    if not match:
        return True
    if "resourceRules" in match and not _rules_match(match.get("resourceRules"), obj):
        return False
    if _rules_match(match.get("excludeResourceRules") or [], obj):
        return False
    meta = obj.get("metadata") or {}
    if not _selector_matches(match.get("objectSelector"), meta.get("labels") or {}):
        return False
    ns = meta.get("namespace")
    if match.get("namespaceSelector") and ns is not None:
        ns_labels = (namespaces.get(ns) or {}).get("metadata", {}).get("labels") or {
            "kubernetes.io/metadata.name": ns}
        if not _selector_matches(match.get("namespaceSelector"), ns_labels):
            return False
    return True


class _Policy:
    def __init__(self, manifest: Manifest, obj: dict):
        self.manifest, self.obj = manifest, obj
        self.name = (obj.get("metadata") or {}).get("name", "")
        spec = obj.get("spec") or {}
        self.spec = spec
        self.conditions = [(c.get("name", ""), self._compile(c.get("expression", ""), "matchConditions"))
                           for c in spec.get("matchConditions") or []]
        self.variables = [(v.get("name", ""), self._compile(v.get("expression", ""), "variables"))
                          for v in spec.get("variables") or []]
        self.validations = []
        for v in spec.get("validations") or []:
            message_expression = v.get("messageExpression")
            self.validations.append((self._compile(v.get("expression", ""), "validations"), v.get("message"),
                                     self._compile(message_expression, "messageExpression")
                                     if message_expression else None, v.get("expression", "")))

    def _compile(self, text: str, where: str) -> Program:
        node = self.manifest.node
        return compile_expression(text, file=node.file, line=node.line, column=node.column)


def evaluate_policies(manifests: Iterable[Manifest]) -> list:
    """Findings of the ValidatingAdmissionPolicies (and CRD rules) in ``manifests`` over the others."""
    from kspec.rules.ruleset import _Variables
    from kspec.validation.schema import object_id

    items = [(m, api_object(m.node)) for m in manifests]
    items = [(m, o) for m, o in items if isinstance(o, dict)]
    namespaces = {(o.get("metadata") or {}).get("name"): o for _, o in items if o.get("kind") == "Namespace"}
    policies: dict[str, _Policy] = {}
    findings = []
    for m, o in items:
        if o.get("kind") == "ValidatingAdmissionPolicy":
            try:
                policy = _Policy(m, o)
            except CelError as error:
                findings.append(finding_at(POLICY_ERROR, m.node, f"policy does not compile: {error}",
                                           object=object_id(m)))
                continue
            policies[policy.name] = policy
    bindings = [(m, o) for m, o in items if o.get("kind") == "ValidatingAdmissionPolicyBinding"]
    skip_kinds = {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
    for bm, binding in bindings:
        spec = binding.get("spec") or {}
        policy = policies.get(spec.get("policyName"))
        if policy is None:
            continue
        actions = spec.get("validationActions") or ["Deny"]
        severity = min((_SEVERITY.get(a, "error") for a in actions), key=["error", "warning", "info"].index)
        param_kind = policy.spec.get("paramKind")
        for m, obj in items:
            if obj.get("kind") in skip_kinds or (param_kind and obj.get("kind") == param_kind.get("kind")):
                continue
            if not _resources_match(policy.spec.get("matchConstraints"), obj, namespaces) or \
                    not _resources_match(spec.get("matchResources"), obj, namespaces):
                continue
            oid = object_id(m)
            meta = obj.get("metadata") or {}
            obj = _api_defaults(obj)
            params_list = [None]
            if param_kind:
                params_list = _params(items, param_kind, spec.get("paramRef") or {}, meta.get("namespace"))
                if not params_list:
                    if (spec.get("paramRef") or {}).get("parameterNotFoundAction", "Deny") == "Deny":
                        findings.append(finding_at(POLICY_ERROR, m.node, f"policy {policy.name}: no "
                                                   f"{param_kind.get('kind')} parameter found for binding "
                                                   f"{(binding.get('metadata') or {}).get('name')}", object=oid))
                    continue
            for params in params_list:
                activation = {"object": obj, "oldObject": None, "params": params,
                              "namespaceObject": namespaces.get(meta.get("namespace")),
                              "request": {"operation": "CREATE", "kind": {"kind": obj.get("kind")},
                                          "namespace": meta.get("namespace"), "name": meta.get("name")}}
                activation["variables"] = _Variables(policy.variables, activation)
                findings += _run_policy(policy, activation, m, oid, severity)
    findings += _crd_rules(items)
    return findings


def _api_defaults(obj: dict) -> dict:
    """The API server's defaulting that policies commonly read (``spec.replicas: 1``)."""
    if obj.get("kind") in ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController") and \
            isinstance(obj.get("spec"), dict) and "replicas" not in obj["spec"]:
        return {**obj, "spec": {**obj["spec"], "replicas": 1}}
    return obj


def _params(items, param_kind: dict, ref: dict, namespace: str | None) -> list:
    kind, api = param_kind.get("kind"), param_kind.get("apiVersion")
    found = [o for _, o in items if o.get("kind") == kind and (not api or o.get("apiVersion") == api)]
    want_ns = ref.get("namespace", namespace)
    if want_ns is not None:
        found = [o for o in found if (o.get("metadata") or {}).get("namespace") in (want_ns, None)]
    if ref.get("name"):
        found = [o for o in found if (o.get("metadata") or {}).get("name") == ref["name"]]
    elif ref.get("selector") is not None:
        found = [o for o in found if _selector_matches(ref["selector"], (o.get("metadata") or {}).get("labels") or {})]
    return found


def _run_policy(policy: _Policy, activation: dict, manifest: Manifest, oid: str, severity: str) -> list:
    out = []
    try:
        for name, condition in policy.conditions:
            if condition.evaluate_raw(activation) is not True:
                return []
    except CelError as error:
        return [finding_at(POLICY_ERROR, manifest.node, f"policy {policy.name}: matchCondition failed: {error}",
                           object=oid)]
    for program, message, message_program, text in policy.validations:
        try:
            ok = program.evaluate_raw(activation)
        except CelError as error:
            out.append(finding_at(POLICY_ERROR, manifest.node, f"policy {policy.name}: {text!r} failed: {error}",
                                  object=oid))
            continue
        if ok is True:
            continue
        shown = message or f"failed expression: {text}"
        if message_program is not None:
            try:
                produced = message_program.evaluate_raw(activation)
                if isinstance(produced, str) and produced.strip():
                    shown = produced
            except CelEvalError:
                pass
        out.append(finding_at(POLICY, manifest.node, f"ValidatingAdmissionPolicy {policy.name}: {shown}", object=oid,
                              severity=severity))
    return out


# ---- CRD x-kubernetes-validations ------------------------------------------------------------------

def _crd_schemas(items) -> dict[tuple[str, str, str], tuple[dict, str]]:
    out = {}
    for m, o in items:
        if o.get("kind") != "CustomResourceDefinition" or not str(o.get("apiVersion", "")).startswith(
                "apiextensions.k8s.io/"):
            continue
        spec = o.get("spec") or {}
        group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
        for version in spec.get("versions") or []:
            if not isinstance(version, dict):
                continue  # a null item (schema validation does not flag it); nothing to run
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if schema:
                out[(group, version.get("name"), kind)] = (schema, m.file)
    return out


def _crd_rules(items) -> list:
    from kspec.validation.schema import object_id

    schemas = _crd_schemas(items)
    findings = []
    for m, obj in items:
        group, version = _group_version(str(obj.get("apiVersion", "")))
        found = schemas.get((group, version, obj.get("kind")))
        if found is None:
            continue
        schema, crd_file = found
        skipped: list[str] = []
        for path, rule, value in _rules_at(schema, defaulted(schema, obj), ()):
            text = rule.get("rule", "")
            if "oldSelf" in text:
                skipped.append(text)
                continue
            try:
                ok = compile_expression(text, file=crd_file).evaluate_raw({"self": value})
            except CelError as error:
                ok, message = False, f"rule {text!r} could not be evaluated: {error}"
            else:
                message = rule.get("message") or f"failed rule: {text}"
            if ok is True:
                continue
            node = m.node
            for key in path:
                child = node.get(key) if hasattr(node, "get") else None
                if child is None:
                    break
                node = child
            findings.append(finding_at(CRD_RULE, node, message, object=object_id(m), path=".".join(map(str, path))))
        if skipped:
            findings.append(finding_at(CRD_RULE_SKIPPED, m.node, f"{len(skipped)} transition rule(s) using oldSelf "
                                       f"not evaluated (kspec validates creations): {skipped[0]}", object=object_id(m)))
    return findings


def defaulted(schema: dict, value: Any) -> Any:
    """``value`` with the schema's structural defaults filled in, as the API server does
    before it runs validation rules (``default`` of absent properties, recursively)."""
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        out = dict(value)
        for key, sub_schema in props.items():
            if not isinstance(sub_schema, dict):
                continue
            if key not in out and "default" in sub_schema:
                out[key] = sub_schema["default"]
            if key in out:
                out[key] = defaulted(sub_schema, out[key])
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in out:
                if key not in props:
                    out[key] = defaulted(extra, out[key])
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [defaulted(schema["items"], item) for item in value]
    return value


def _rules_at(schema: dict, value: Any, path: tuple):
    """(path, rule, value) for every x-kubernetes-validations rule that applies to ``value``."""
    if value is None:
        return
    for rule in schema.get("x-kubernetes-validations") or []:
        yield path, rule, value
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                yield from _rules_at(sub, value[key], path + (key,))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                if key not in (schema.get("properties") or {}):
                    yield from _rules_at(extra, item, path + (key,))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            yield from _rules_at(schema["items"], item, path)
