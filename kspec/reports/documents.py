"""Rendering of ``kspec parse``: the objects as kspec read them."""

from __future__ import annotations

import json
import math

from kspec.reading.loader import Manifest
from kspec.reading.nodes import to_python


def _json_safe(value: object) -> object:
    """JSON has no NaN or infinity: write them as YAML spells them."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def manifest_record(manifest: Manifest) -> dict:
    """``{"file", "index", "line", "column", ["item"], "document"}`` for one object."""
    record = {"file": manifest.file, "index": manifest.document.index,
              "line": manifest.line, "column": manifest.column}
    if manifest.item is not None:
        record["item"] = manifest.item
    record["document"] = _json_safe(to_python(manifest.node, string_keys=True))
    return record


def render_json(manifests: tuple[Manifest, ...]) -> str:
    return json.dumps([manifest_record(m) for m in manifests], indent=2, ensure_ascii=False)


def render_text(manifests: tuple[Manifest, ...]) -> str:
    """One line per object: ``file:line:column  apiVersion Kind namespace/name``."""
    lines = []
    for m in manifests:
        api = m.field("apiVersion") or "?"
        kind = m.field("kind") or "?"
        name = m.field("metadata", "name") or m.field("metadata", "generateName") or "?"
        namespace = m.field("metadata", "namespace")
        where = f"{m.file}:{m.line}:{m.column}"
        who = f"{namespace}/{name}" if namespace else f"{name}"
        lines.append(f"{where}  {api} {kind} {who}")
    return "\n".join(lines)
