"""Compile Kubernetes schemas into plain Python closures that check kspec nodes.

Two schema dialects feed one engine:

- the JSON schemas kubernetes-validate ships (``_definitions.json`` per Kubernetes
  version: ``$ref``, type lists such as ``["string", "null"]``, ``oneOf`` for
  Quantity and IntOrString, no ``additionalProperties`` meaning "closed" when the
  object lists ``properties``);
- CustomResourceDefinition ``openAPIV3Schema`` (structural OpenAPI v3: one ``type``,
  ``nullable``, ``x-kubernetes-preserve-unknown-fields``,
  ``x-kubernetes-int-or-string``, objects without properties are closed).

Each schema becomes a function ``check(node, path, out)``. ``path`` is a linked
pair ``(parent_path, segment)`` (``None`` at the root; a segment is a key node or a
list index), rendered to ``spec.containers[0].image`` only when a problem is found.
``out`` collects problems ``(rule_id, node, message, path)``; the caller turns them
into findings with severity and object id. Compiled checks hold no per-call state,
so one compiled schema serves every document and every strictness setting.

Null: the API server decodes a JSON ``null`` field as "unset" (Go zero value for
built-in types; pruned or defaulted for custom resources), so a null mapping value
is never a type error, but a required field that is null is reported as missing.
"""

from __future__ import annotations

import binascii
import difflib
import json
import re
from collections.abc import Callable

from kspec.reading.nodes import Mapping, Scalar, Sequence, json_key

TYPE = "schema-type"
REQUIRED = "schema-required"
ENUM = "schema-enum"
UNKNOWN_FIELD = "schema-unknown-field"

Check = Callable[[object, object, list], None]

_JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean")
_PY_CLASSES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}
_INT_RANGES = {"int32": (-(1 << 31), (1 << 31) - 1), "int64": (-(1 << 63), (1 << 63) - 1)}
_NOT_BASE64 = ("not valid base64: this field holds base64-encoded bytes "
               "(for a Secret, put plain text under stringData instead)")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


# --- problems and paths ---------------------------------------------------------

def render_path(path: object) -> str:
    """``(((None, k_spec), k_containers), 0)`` -> ``spec.containers[0]``."""
    segments = []
    while path is not None:
        path, segment = path
        segments.append(segment)
    text = []
    for segment in reversed(segments):
        if segment.__class__ is int:
            text.append(f"[{segment}]")
            continue
        key = segment if segment.__class__ is str else _key_text(segment)
        if _IDENT.match(key):
            text.append("." + key if text else key)
        else:
            text.append('["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]')
    return "".join(text)


def _key_text(node: object) -> str:
    if node.__class__ is Scalar:
        return json_key(node.value)
    return "<complex key>"


def json_type_of(node: object) -> str:
    """The JSON type the API server would see for a node."""
    if node.__class__ is Mapping:
        return "object"
    if node.__class__ is Sequence:
        return "array"
    value = node.value
    if value is None:
        return "null"
    if value.__class__ is bool:
        return "boolean"
    if value.__class__ is int:
        return "integer"
    if value.__class__ is float:
        return "number"
    return "string"


def _type_message(expected: str, node: object) -> str:
    got = json_type_of(node)
    if node.__class__ is Scalar and got != "null":
        shown = node.text if got == "string" else _scalar_literal(node.value)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        message = f"expected {expected}, got {got} {_quote(shown) if got == 'string' else shown}"
        if expected.startswith("string") and got in ("integer", "number", "boolean"):
            hint = f'; quote it ("{node.text}") so it is sent as a string'
            if got == "boolean" and node.style == "plain" and node.text.lower() not in ("true", "false"):
                hint = (f"; YAML 1.1 (used by kubectl) reads {node.text} as a boolean, "
                        f'quote it ("{node.text}") so it is sent as a string')
            message += hint
        elif got == "string" and ("integer" in expected or "number" in expected) and _looks_numeric(node.value):
            message += "; remove the quotes so it is sent as a number"
        elif got == "string" and expected == "boolean" and node.value in ("true", "false"):
            message += "; remove the quotes so it is sent as a boolean"
        return message
    return f"expected {expected}, got {got}"


def _quote(text: str) -> str:
    """A string as JSON writes it: ``"name"``."""
    return json.dumps(text, ensure_ascii=False)


def _scalar_literal(value: object) -> str:
    if value.__class__ is bool:
        return "true" if value else "false"
    return repr(value)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_base64(text: str) -> bool:
    """Whether Go's ``encoding/json`` can decode ``text`` into ``[]byte`` (standard
    alphabet with padding; line breaks ignored)."""
    if "\n" in text or "\r" in text:
        text = text.replace("\n", "").replace("\r", "")
    try:
        binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _enum_key(value: object) -> tuple:
    if value.__class__ is bool:
        return ("b", value)
    if value.__class__ in (int, float):
        return ("n", value)
    if value is None:
        return ("z", None)
    return ("s", value) if value.__class__ is str else ("x", repr(value))


def _enum_message(node: Scalar, allowed: tuple) -> str:
    shown = ", ".join(_literal(v) for v in allowed[:12]) + (", ..." if len(allowed) > 12 else "")
    message = f"{_literal(node.value)} is not one of the allowed values: {shown}"
    if node.value.__class__ is str:
        folded = [v for v in allowed if isinstance(v, str) and v.lower() == node.value.lower()]
        close = folded or difflib.get_close_matches(node.value, [v for v in allowed if isinstance(v, str)], 1)
        if close:
            message += f"; did you mean {_quote(close[0])}?"
    return message


def _literal(value: object) -> str:
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "null"
    return _scalar_literal(value)


def _unknown_message(key: object, known, where: str) -> str:
    name = _key_text(key)
    message = f"unknown field {_quote(name)}"
    if where:
        message += f" in {where}"
    close = difflib.get_close_matches(name, list(known), 1, 0.75) if known else []
    if close:
        message += f"; did you mean {_quote(close[0])}?"
    return message


# --- the engine -------------------------------------------------------------------

def _accept(node, path, out) -> None:
    return None


class _View:
    """One schema read into the engine's terms (dialect-independent)."""

    __slots__ = (
        "additional",
        "closed",
        "enum",
        "format",
        "items",
        "items_nullable",
        "nullable",
        "properties",
        "required",
        "required_nullable",
        "title",
        "types",
    )

    def __init__(self) -> None:
        self.types: frozenset | None = None      # None: any JSON type
        self.nullable = True
        self.properties: dict | None = None     # name -> Check
        self.additional: Check | None = None     # schema for keys not in properties
        self.closed = False                      # unknown keys are unknown fields
        self.required: tuple = ()
        self.required_nullable: frozenset = frozenset()  # required but null is a value
        self.enum: tuple | None = None
        self.items: Check | None = None
        self.items_nullable = True
        self.format: str | None = None
        self.title = ""


def _expected_text(types: frozenset) -> str:
    if types == {"integer", "string"}:
        return "integer or string"
    if types == {"number", "string"}:
        return "quantity (string or number)"
    return " or ".join(t for t in _JSON_TYPES if t in types)


def build(view: _View) -> Check:
    """The check for one schema view."""
    types = view.types
    obj = _object_check(view) if types is None or "object" in types else None
    arr = _array_check(view) if types is None or "array" in types else None
    if types is None:
        scalar_classes = None
    else:
        scalar_classes = frozenset(c for t in types for c in _PY_CLASSES.get(t, ()))
    integral = types is not None and "integer" in types and "number" not in types
    enum_keys = frozenset(_enum_key(v) for v in view.enum) if view.enum is not None else None
    enum_values = view.enum
    bounds = _INT_RANGES.get(view.format) if types is not None and "integer" in types else None
    base64 = view.format == "byte" and types is not None and "string" in types
    expected = _expected_text(types) if types is not None else "any"
    if types is None and enum_keys is None and obj is _accept and arr is _accept:
        return _accept

    def check(node, path, out):
        cls = node.__class__
        if cls is Scalar:
            value = node.value
            vcls = value.__class__
            if value is None:
                return
            if scalar_classes is None or vcls in scalar_classes or integral and vcls is float and value.is_integer():
                pass
            else:
                out.append((TYPE, node, _type_message(expected, node), path))
                return
            if bounds is not None and vcls is not str and vcls is not bool and not bounds[0] <= value <= bounds[1]:
                out.append((TYPE, node, f"{_literal(value)} is out of range for {view.format}", path))
            if base64 and vcls is str and not _is_base64(value):
                out.append((TYPE, node, _NOT_BASE64, path))
            if enum_keys is not None and _enum_key(value) not in enum_keys:
                out.append((ENUM, node, _enum_message(node, enum_values), path))
            return
        if cls is Mapping:
            if obj is not None:
                obj(node, path, out)
                return
        elif arr is not None:
            arr(node, path, out)
            return
        out.append((TYPE, node, _type_message(expected, node), path))

    # Specialised fast paths for the most common shapes.
    if types is not None and enum_keys is None and bounds is None and not base64:
        if types == {"object"}:
            def check_object(node, path, out):
                if node.__class__ is Mapping:
                    obj(node, path, out)
                elif node.__class__ is not Scalar or node.value is not None:
                    out.append((TYPE, node, _type_message("object", node), path))
            return check_object
        if types == {"array"}:
            def check_array(node, path, out):
                if node.__class__ is Sequence:
                    arr(node, path, out)
                elif node.__class__ is not Scalar or node.value is not None:
                    out.append((TYPE, node, _type_message("array", node), path))
            return check_array
        if len(types) == 1 and obj is None and arr is None and not integral:
            (wanted,) = scalar_classes if len(scalar_classes) == 1 else (None,)
            if wanted is not None:
                def check_scalar(node, path, out):
                    if node.__class__ is not Scalar or (node.value.__class__ is not wanted
                                                        and node.value is not None):
                        out.append((TYPE, node, _type_message(expected, node), path))
                return check_scalar
    return check


def _object_check(view: _View) -> Check:
    props = view.properties or {}
    additional = view.additional
    closed = view.closed and additional is None
    required = view.required
    required_nullable = view.required_nullable
    where = view.title
    if not props and additional is None and not closed and not required:
        return _accept

    def check(node, path, out):
        for k, v in node.items:
            if k.__class__ is not Scalar:
                out.append((TYPE, k, "a field name must be a string, not a complex key", path))
                continue
            sub = props.get(k.value)
            if sub is None:
                key = k.value
                if key.__class__ is not str:
                    sub = props.get(json_key(key))
                if sub is None:
                    if additional is not None:
                        if v.__class__ is not Scalar or v.value is not None:
                            additional(v, (path, k), out)
                    elif closed:
                        out.append((UNKNOWN_FIELD, k, _unknown_message(k, props, where), (path, k)))
                    continue
            if v.__class__ is Scalar and v.value is None:
                continue
            sub(v, (path, k), out)
        if required:
            present = {}
            for k, v in node.items:
                if k.__class__ is Scalar:
                    present[k.value if k.value.__class__ is str else json_key(k.value)] = (k, v)
            for name in required:
                found = present.get(name)
                if found is None:
                    out.append((REQUIRED, node, f"missing required field {_quote(name)}", (path, name)))
                elif (found[1].__class__ is Scalar and found[1].value is None
                      and name not in required_nullable):
                    message = f"required field {_quote(name)} is null (empty); give it a value"
                    out.append((REQUIRED, found[0], message, (path, name)))

    return check


def _array_check(view: _View) -> Check | None:
    items = view.items
    nullable = view.items_nullable
    if items is None:
        return _accept
    if items is _accept and nullable:
        return _accept

    def check(node, path, out):
        for index, item in enumerate(node.items):
            if item.__class__ is Scalar and item.value is None:
                if not nullable:
                    out.append((TYPE, item, "null list item; remove the empty '-' entry", (path, index)))
            else:
                items(item, (path, index), out)

    return check


# --- dialect: kubernetes-validate JSON schemas -----------------------------------

class BuiltinCompiler:
    """Compiles definitions of one Kubernetes version on demand, each exactly once."""

    def __init__(self, definitions: dict) -> None:
        self.definitions = definitions
        self._done: dict[str, Check] = {}
        self._pending: dict[str, list] = {}

    def definition(self, name: str) -> Check:
        """The compiled check for ``#/$defs/<name>`` (cached; cycles go through a cell)."""
        done = self._done.get(name)
        if done is not None:
            return done
        cell = self._pending.get(name)
        if cell is not None:
            return lambda node, path, out: cell[0](node, path, out)
        cell = self._pending[name] = [None]
        try:
            compiled = self.compile(self.definitions[name], title=_short(name))
        finally:
            del self._pending[name]
        cell[0] = compiled
        self._done[name] = compiled
        return compiled

    def root(self, name: str) -> Check:
        """A kind's top-level check (the definition named by its group-version-kind)."""
        return self.definition(name)

    def compile(self, schema: dict, title: str = "") -> Check:
        ref = schema.get("$ref")
        if ref is not None:
            return self.definition(_ref_name(ref))
        view = _View()
        view.title = title
        view.types, view.nullable = self._types(schema)
        properties = schema.get("properties")
        if properties is not None:
            view.properties = {name: self.compile(sub, title=f"{title}.{name}" if title else name)
                               for name, sub in properties.items()}
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            view.additional = self.compile(additional, title=title)
        view.closed = additional is False or (additional is None and properties is not None)
        view.required = tuple(schema.get("required", ()))
        if "enum" in schema:
            view.enum = tuple(schema["enum"])
        items = schema.get("items")
        if isinstance(items, dict):
            view.items = self.compile(items, title=title)
            view.items_nullable = self.nullable(items)
        view.format = schema.get("format")
        return build(view)

    def _types(self, schema: dict) -> tuple[frozenset | None, bool]:
        if "oneOf" in schema:
            types: set = set()
            nullable = False
            for branch in schema["oneOf"]:
                if set(branch) - {"type", "description", "format"}:
                    return None, True        # a real alternative: not modelled, accept
                branch_types, branch_null = self._types(branch)
                if branch_types is None:
                    return None, True
                types |= branch_types
                nullable = nullable or branch_null
            return frozenset(types), nullable
        declared = schema.get("type")
        if declared is None:
            return None, True
        if isinstance(declared, str):
            declared = [declared]
        return frozenset(t for t in declared if t != "null"), "null" in declared

    def nullable(self, schema: dict) -> bool:
        seen = 0
        while "$ref" in schema and seen < 50:
            schema = self.definitions.get(_ref_name(schema["$ref"]), {})
            seen += 1
        return self._types(schema)[1]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _short(name: str) -> str:
    """``io.k8s.api.core.v1.Container`` -> ``Container``."""
    return name.rsplit(".", 1)[-1]


# --- dialect: CustomResourceDefinition openAPIV3Schema ----------------------------

class CrdCompiler:
    """Compiles one CRD version's structural schema; ``metadata`` uses ObjectMeta.

    ``prune`` is False for ``apiextensions.k8s.io/v1beta1`` CRDs that keep
    ``preserveUnknownFields`` (their default): the API server stores unknown fields.
    """

    def __init__(self, object_meta: Check, prune: bool = True) -> None:
        self.object_meta = object_meta
        self.prune = prune

    def root(self, schema: dict, kind: str) -> Check:
        view = self._view(schema, kind)
        view.types = frozenset({"object"})
        props = dict(view.properties or {})
        props["metadata"] = self.object_meta
        props.setdefault("apiVersion", _string_check)
        props.setdefault("kind", _string_check)
        view.properties = props
        return build(view)

    def compile(self, schema: object, title: str) -> Check:
        if not isinstance(schema, dict):
            return _accept
        return build(self._view(schema, title))

    def _view(self, schema: dict, title: str) -> _View:
        view = _View()
        view.title = title
        preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
        declared = schema.get("type")
        if schema.get("x-kubernetes-int-or-string") is True or schema.get("format") == "int-or-string":
            view.types = frozenset({"integer", "string"})
        elif isinstance(declared, str) and declared in _JSON_TYPES:
            view.types = frozenset({declared})
        view.nullable = schema.get("nullable") is True
        properties = schema.get("properties")
        if isinstance(properties, dict):
            view.properties = {str(name): self.compile(sub, f"{title}.{name}")
                               for name, sub in properties.items()}
        if schema.get("x-kubernetes-embedded-resource") is True:
            props = view.properties = dict(view.properties or {})
            props.setdefault("apiVersion", _string_check)
            props.setdefault("kind", _string_check)
            props.setdefault("metadata", self.object_meta)
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            view.additional = self.compile(additional, title)
        view.closed = (self.prune and not preserve and additional is not True
                       and (declared == "object" or view.properties is not None))
        required = schema.get("required")
        if isinstance(required, list):
            view.required = tuple(str(r) for r in required)
            view.required_nullable = frozenset(
                r for r in view.required
                if isinstance(properties, dict) and isinstance(properties.get(r), dict)
                and properties[r].get("nullable") is True)
        enum = schema.get("enum")
        if isinstance(enum, list):
            view.enum = tuple(enum)
        items = schema.get("items")
        if isinstance(items, dict):
            view.items = self.compile(items, title)
            view.items_nullable = items.get("nullable") is True
        if isinstance(schema.get("format"), str):
            view.format = schema["format"]
        return view


def _string_view() -> Check:
    view = _View()
    view.types = frozenset({"string"})
    return build(view)


_string_check = _string_view()
