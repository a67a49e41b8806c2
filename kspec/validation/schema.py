"""Schema validation: Kubernetes objects against the OpenAPI-derived schemas of a release.

Built-in kinds use the JSON schemas bundled with the ``kubernetes-validate`` package
(data files only: ``kubernetes-json-schema/v1.NN.0-local/_definitions.json``); custom
resources use the ``openAPIV3Schema`` of their CustomResourceDefinition. Both are
compiled once into Python closures (see ``_openapi``) that walk kspec nodes, so every
finding points at the line and column of the offending value.

    validator = SchemaValidator("1.30")
    crds = CrdSchemas.from_manifests(loaded.manifests)
    for manifest in loaded.manifests:
        findings.extend(validator.validate(manifest, strict=False, crds=crds))
"""

from __future__ import annotations

import importlib.resources
import json
import re
from collections.abc import Iterable

from kspec.reading.loader import Manifest
from kspec.reading.nodes import ExpansionLimit, Mapping, Scalar, Sequence, to_python
from kspec.validation import _openapi
from kspec.validation.findings import RULES, Finding, finding_at

__all__ = ["CrdSchemas", "SchemaValidator", "available_versions", "object_id"]

RULE_TYPE = RULES.define(
    _openapi.TYPE, "error", "A value has the wrong JSON type for its field.",
    "A field holds a value of a type its schema does not allow: a number or boolean where "
    "a string is wanted (the classic `env: - name: PORT  value: 8080`, or `value: yes`, which "
    "YAML 1.1 reads as a boolean), a string where an integer is wanted (`replicas: \"3\"`), a "
    "list where a mapping is wanted, or an integer out of range for an int32 field. The API "
    "server receives JSON and rejects the whole object (\"cannot unmarshal number into Go "
    "struct field ... of type string\"), so nothing is applied. Fix the value: quote numbers "
    "and booleans meant as strings, unquote numbers, or restructure the value to the shape "
    "the field documents (`kubectl explain <kind>.<field>`). Int-or-string fields (ports, "
    "maxSurge) and quantities (cpu, memory) accept both forms and are not reported.",
    category="schema")

RULE_REQUIRED = RULES.define(
    _openapi.REQUIRED, "error", "A required field is missing or null.",
    "A mapping lacks a field its schema marks as required (a container without `name`, a "
    "Deployment without `spec.selector`, an env var without `name`), or the field is present "
    "but empty (`name:` with no value is null, which the API server treats as unset). The "
    "API server rejects the object with \"Required value\". The finding points at the mapping "
    "that lacks the field and names it; add the field with a value. Objects without "
    "`apiVersion` or `kind` are reported here too, since no schema can be chosen for them.",
    category="schema")

RULE_ENUM = RULES.define(
    _openapi.ENUM, "error", "A value is not one of the values its schema allows.",
    "The field's schema lists the values it accepts (`enum`) and this value is not one of "
    "them. This matters mostly for custom resources, whose CustomResourceDefinitions often "
    "restrict fields to a fixed set (`Retain`/`Delete`, `Strict`/`Permissive`); the API "
    "server rejects the object with \"Unsupported value\". Values are case-sensitive: the "
    "message suggests the closest allowed value when there is one. Use one of the listed "
    "values, or update the CRD if the new value is meant to be supported.",
    category="schema")

RULE_UNKNOWN_FIELD = RULES.define(
    _openapi.UNKNOWN_FIELD, "warning", "A field is not part of the schema.",
    "The object sets a field its schema does not define, most often a typo "
    "(`imagePullPolicyy`), a field at the wrong indentation level (`resources` directly "
    "under a pod spec instead of under a container) or a field of a newer Kubernetes "
    "release. Depending on the client the API server either rejects the object (kubectl "
    "1.25+ asks for strict field validation) or silently drops the field, so the setting "
    "never takes effect; custom resources are pruned to their schema the same way unless "
    "the schema says `x-kubernetes-preserve-unknown-fields`. Maps such as labels, "
    "annotations and ConfigMap data accept any key and are not reported. Fix the name or "
    "the indentation (the message suggests the closest known field), or select the right "
    "release with --kubernetes-version. A warning by default; an error with --strict.",
    category="schema")

RULE_UNKNOWN_KIND = RULES.define(
    "schema-unknown-kind", "warning", "No schema is known for the object's apiVersion and kind.",
    "kspec has neither a built-in schema (for the chosen Kubernetes release) nor a "
    "CustomResourceDefinition for this apiVersion and kind, so the object's fields cannot "
    "be checked at all; it is reported rather than passed silently. Common causes: a custom "
    "resource whose CRD was not given to kspec (add the CRD's file or directory with "
    "--crd-dir), an API version that the release no longer serves (`extensions/v1beta1` "
    "Deployment: use `apps/v1`; the message names the served versions), a kind with the "
    "wrong case (`deployment`), or a release older than the API (--kubernetes-version).",
    category="schema")

_SCHEMA_DIR = "kubernetes-json-schema"
_VERSION_DIR = re.compile(r"v(\d+)\.(\d+)\.0-local\Z")
_VERSION_ARG = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?\Z")
# Built-in API groups that no bundled release serves any more.
_REMOVED_GROUPS = frozenset({"extensions"})
_CRD_API_VERSIONS = ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")


# --- built-in schemas, one set per Kubernetes release ----------------------------

def _schema_root():
    return importlib.resources.files("kubernetes_validate").joinpath(_SCHEMA_DIR)


_AVAILABLE: list[str] | None = None


def available_versions() -> list[str]:
    """The Kubernetes releases with bundled schemas, oldest first (``["1.25", ..., "1.37"]``)."""
    global _AVAILABLE
    if _AVAILABLE is None:
        found = []
        for entry in _schema_root().iterdir():
            match = _VERSION_DIR.match(entry.name)
            if match:
                found.append((int(match.group(1)), int(match.group(2))))
        _AVAILABLE = [f"{major}.{minor}" for major, minor in sorted(found)]
    return list(_AVAILABLE)


def _resolve_version(version: str | None) -> str:
    versions = available_versions()
    if version is None:
        return versions[-1]
    match = _VERSION_ARG.match(str(version).strip())
    wanted = f"{int(match.group(1))}.{int(match.group(2))}" if match else None
    if wanted not in versions:
        raise ValueError(f"no schemas for Kubernetes version {version!r}; available versions: "
                         f"{', '.join(versions)} (write e.g. 1.30, v1.30 or 1.30.0)")
    return wanted


class _Release:
    """The schemas of one Kubernetes release: ``_definitions.json`` read once, on first
    use, and each definition compiled once when a kind first needs it."""

    def __init__(self, version: str) -> None:
        self.version = version
        self._compiler: _openapi.BuiltinCompiler | None = None
        self._index: dict[tuple[str, str], str] = {}
        self._kinds: dict[tuple[str, str], object] = {}
        self._hints: tuple | None = None

    def _load(self) -> _openapi.BuiltinCompiler:
        if self._compiler is None:
            path = _schema_root().joinpath(f"v{self.version}.0-local", "_definitions.json")
            definitions = json.loads(path.read_text(encoding="utf-8"))["$defs"]
            index: dict[tuple[str, str], str] = {}
            for name, schema in definitions.items():
                for gvk in schema.get("x-kubernetes-group-version-kind", ()):
                    api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                    index.setdefault((api_version, gvk["kind"]), name)
            self._index = index
            self._compiler = _openapi.BuiltinCompiler(definitions)
        return self._compiler

    def kind(self, api_version: str, kind: str):
        """The compiled check for a kind, or None when this release has no schema for it."""
        key = (api_version, kind)
        check = self._kinds.get(key)
        if check is None:
            compiler = self._load()
            name = self._index.get(key)
            if name is None:
                return None
            check = self._kinds[key] = compiler.root(name)
        return check

    def object_meta(self):
        return self._load().definition(_openapi.OBJECT_META)

    def served_as(self, kind: str) -> list[str]:
        """The apiVersions this release serves ``kind`` under."""
        return self._lookups()[0].get(kind, [])

    def kinds_folded(self, kind: str) -> list[str]:
        """The kinds of this release that equal ``kind`` ignoring case."""
        return self._lookups()[1].get(kind.lower(), [])

    def has_group(self, group: str) -> bool:
        return group in self._lookups()[2]

    def _lookups(self) -> tuple[dict, dict, frozenset]:
        """Indexes for unknown-kind messages, built once."""
        if self._hints is None:
            self._load()
            by_kind: dict[str, list[str]] = {}
            folded: dict[str, list[str]] = {}
            for api_version, kind in sorted(self._index):
                by_kind.setdefault(kind, []).append(api_version)
                if kind not in folded.setdefault(kind.lower(), []):
                    folded[kind.lower()].append(kind)
            groups = frozenset(a.rpartition("/")[0] for a, _ in self._index)
            self._hints = (by_kind, folded, groups)
        return self._hints


_RELEASES: dict[str, _Release] = {}


def _release(version: str) -> _Release:
    release = _RELEASES.get(version)
    if release is None:
        release = _RELEASES[version] = _Release(version)
    return release


# --- custom resources -------------------------------------------------------------

class _CrdVersion:
    __slots__ = ("crd", "prune", "schema")

    def __init__(self, schema: dict | None, prune: bool, crd: str) -> None:
        self.schema = schema
        self.prune = prune
        self.crd = crd


class CrdSchemas:
    """The custom resource schemas of a set of CustomResourceDefinitions.

    Keyed by (``group/version``, kind) from ``spec.group``, ``spec.names.kind`` and
    ``spec.versions[].name``; the schema is ``spec.versions[].schema.openAPIV3Schema``
    (``spec.validation.openAPIV3Schema`` for ``apiextensions.k8s.io/v1beta1``). When two
    CRDs define the same version of a kind, the later one wins, as with ``kubectl apply``.
    Schemas are compiled on first use and cached per Kubernetes release.
    """

    def __init__(self) -> None:
        self._versions: dict[tuple[str, str], _CrdVersion] = {}
        self._compiled: dict[tuple[str, str, str], object] = {}

    @classmethod
    def from_manifests(cls, manifests: Iterable[Manifest]) -> CrdSchemas:
        """Collect every CustomResourceDefinition among ``manifests`` (others are ignored)."""
        crds = cls()
        for manifest in manifests:
            crds.add(manifest)
        return crds

    def add(self, manifest: Manifest) -> bool:
        """Add one CRD; False when ``manifest`` is not a CRD kspec can read."""
        api_version = manifest.field("apiVersion")
        if manifest.field("kind") != "CustomResourceDefinition" or api_version not in _CRD_API_VERSIONS:
            return False
        spec = manifest.node.get("spec")
        if not isinstance(spec, Mapping):
            return False
        group = _text(spec, "group")
        names = spec.get("names")
        kind = _text(names, "kind") if isinstance(names, Mapping) else None
        if not group or not kind:
            return False
        name = manifest.field("metadata", "name") or f"{kind.lower()}s.{group}"
        v1beta1 = api_version.endswith("v1beta1")
        prune = not v1beta1 or _plain(spec.get("preserveUnknownFields")) is False
        shared = _schema_of(spec.get("validation")) if v1beta1 else None
        versions = spec.get("versions")
        added = False
        if isinstance(versions, Sequence):
            for entry in versions.items:
                if not isinstance(entry, Mapping):
                    continue
                version = _text(entry, "name")
                if not version or _plain(entry.get("served")) is False:
                    continue
                schema = _schema_of(entry.get("schema")) or shared
                self._put(f"{group}/{version}", kind, _CrdVersion(schema, prune, str(name)))
                added = True
        elif v1beta1 and _text(spec, "version"):
            self._put(f"{group}/{_text(spec, 'version')}", kind, _CrdVersion(shared, prune, str(name)))
            added = True
        return added

    def _put(self, api_version: str, kind: str, entry: _CrdVersion) -> None:
        self._versions[(api_version, kind)] = entry
        for key in [k for k in self._compiled if k[1:] == (api_version, kind)]:
            del self._compiled[key]

    def kinds(self) -> list[tuple[str, str]]:
        """Every (apiVersion, kind) a schema is known for, sorted."""
        return sorted(self._versions)

    def __len__(self) -> int:
        return len(self._versions)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._versions

    def versions_of(self, group: str, kind: str) -> list[str]:
        return sorted(a for a, k in self._versions if k == kind and a.rpartition("/")[0] == group)

    def kinds_folded(self, kind: str) -> list[str]:
        return sorted({k for _, k in self._versions if k.lower() == kind.lower()})

    def _check_for(self, release: _Release, api_version: str, kind: str):
        """The compiled check for a custom resource, or None when no CRD defines it."""
        key = (release.version, api_version, kind)
        check = self._compiled.get(key)
        if check is None:
            entry = self._versions.get((api_version, kind))
            if entry is None:
                return None
            compiler = _openapi.CrdCompiler(release.object_meta(), prune=entry.prune)
            schema = entry.schema if entry.schema is not None else {"x-kubernetes-preserve-unknown-fields": True}
            try:
                check = compiler.root(schema, kind)
            except RecursionError:      # absurdly deep schema: keep the fields unchecked
                check = compiler.root({"x-kubernetes-preserve-unknown-fields": True}, kind)
            self._compiled[key] = check
        return check


def _text(node: object, key: str) -> str | None:
    value = node.get(key) if isinstance(node, Mapping) else None
    return value.value if isinstance(value, Scalar) and isinstance(value.value, str) else None


def _plain(node: object) -> object:
    return node.value if isinstance(node, Scalar) else None


def _schema_of(node: object) -> dict | None:
    """``openAPIV3Schema`` of a ``schema:``/``validation:`` mapping, as JSON-like data."""
    if not isinstance(node, Mapping):
        return None
    schema = node.get("openAPIV3Schema")
    if not isinstance(schema, Mapping):
        return None
    try:
        data = to_python(schema, string_keys=True, budget=2_000_000)
    except (ExpansionLimit, RecursionError):
        return None
    return data if isinstance(data, dict) else None


# --- the validator ----------------------------------------------------------------

def object_id(manifest: Manifest) -> str:
    """``apiVersion/Kind/namespace/name``: ``apps/v1/Deployment/shop/web``, ``v1/Pod//x``."""
    parts = []
    for path in (("apiVersion",), ("kind",), ("metadata", "namespace"), ("metadata", "name")):
        value = manifest.field(*path)
        parts.append("" if value is None or isinstance(value, (dict, list)) else
                     value if isinstance(value, str) else _openapi._literal(value))
    return "/".join(parts)


class SchemaValidator:
    """Validates objects against the schemas of one Kubernetes release.

    ``version`` is ``"1.30"``, ``"v1.30"`` or ``"1.30.0"``; None picks the newest bundled
    release. An unknown version raises ValueError listing the available ones.
    Validators of the same release share their compiled schemas.
    """

    def __init__(self, version: str | None = None) -> None:
        self._release = _release(_resolve_version(version))

    @property
    def version(self) -> str:
        """The Kubernetes release, e.g. ``"1.37"``."""
        return self._release.version

    def __repr__(self) -> str:
        return f"SchemaValidator(version={self.version!r})"

    def compiled(self, api_version: str, kind: str, crds: CrdSchemas | None = None):
        """The compiled check for (apiVersion, kind): built-in first, then the CRDs; None
        when neither has a schema. The same object is returned on every call."""
        check = self._release.kind(api_version, kind)
        if check is None and crds is not None:
            check = crds._check_for(self._release, api_version, kind)
        return check

    def validate(self, manifest: Manifest, *, strict: bool = False,
                 crds: CrdSchemas | None = None) -> list[Finding]:
        """Every schema finding of one object, in source order.

        Unknown fields are warnings, or errors with ``strict``. An object whose kind has
        no schema yields one ``schema-unknown-kind`` warning.
        """
        node = manifest.node
        api_node = node.get("apiVersion")
        kind_node = node.get("kind")
        problems: list = []
        for name, value in (("apiVersion", api_node), ("kind", kind_node)):
            if value is None or (isinstance(value, Scalar) and value.value is None):
                message = f'missing required field "{name}"; no schema can be chosen without apiVersion and kind'
                problems.append((_openapi.REQUIRED, node, message, name))
            elif not (isinstance(value, Scalar) and isinstance(value.value, str)):
                problems.append((_openapi.TYPE, value, _openapi._type_message("string", value), name))
        if problems:
            return self._findings(manifest, problems, strict)
        api_version, kind = api_node.value, kind_node.value
        check = self.compiled(api_version, kind, crds)
        if check is None:
            message, at_api_version = self._unknown_kind(api_version, kind, crds)
            where = api_node if at_api_version else kind_node
            return [finding_at(RULE_UNKNOWN_KIND, where, message, object=object_id(manifest),
                               path="apiVersion" if at_api_version else "kind")]
        try:
            check(node, None, problems)
        except RecursionError:
            message = "the object nests too deeply to validate (thousands of levels); no Kubernetes schema is that deep"
            problems.append((_openapi.TYPE, node, message, ""))
        return self._findings(manifest, problems, strict) if problems else []

    def _findings(self, manifest: Manifest, problems: list, strict: bool) -> list[Finding]:
        obj = object_id(manifest)
        findings = []
        for rule_id, where, message, path in problems:
            rule = RULES.get(rule_id)
            severity = "error" if strict and rule is RULE_UNKNOWN_FIELD else None
            rendered = path if isinstance(path, str) else _openapi.render_path(path)
            findings.append(finding_at(rule, where, message, object=obj, path=rendered, severity=severity))
        findings.sort(key=lambda f: (f.line, f.column, f.rule))
        return findings

    def _unknown_kind(self, api_version: str, kind: str, crds: CrdSchemas | None) -> tuple[str, bool]:
        """The message for an object without a schema, and whether to point at apiVersion."""
        base = f"no schema for {api_version} {kind}"
        group = api_version.rpartition("/")[0]
        release = self._release
        if crds is not None:
            versions = crds.versions_of(group, kind)
            if versions:
                return (f"{base}; its CustomResourceDefinition defines {', '.join(versions)}"), True
        # Hints from the built-in API only for built-in groups (a CR may reuse a built-in
        # kind name: crd.projectcalico.org/v1 NetworkPolicy).
        builtin_group = release.has_group(group) or group in _REMOVED_GROUPS
        served = release.served_as(kind) if builtin_group else []
        if served:
            return (f"{base} in Kubernetes {release.version}; {kind} is served as "
                    f"{' or '.join(served)}"), True
        folded = [k for k in release.kinds_folded(kind) if builtin_group and k != kind]
        if crds is not None:
            folded += [k for k in crds.kinds_folded(kind) if k != kind and crds.versions_of(group, k)]
        if folded:
            return f"{base}; kinds are case-sensitive: did you mean \"{folded[0]}\"?", False
        if builtin_group:
            return (f"{base} in Kubernetes {release.version}; this release does not serve it "
                    "(removed, misspelled, or newer: see --kubernetes-version)"), False
        return f"{base}; add its CustomResourceDefinition with --crd-dir", False
