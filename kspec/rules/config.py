"""``.kspec.yaml``: a repository's settings for ``kspec validate``.

```yaml
rules:
  enable: [cpu-limit-set]          # rules that are off by default
  disable: [liveness-probe-set]
  severity: {image-tag-pinned: error}
  paths: [policies/]               # more Rule files (like --rules)
ignore:
  paths: ["vendor/**", "charts/*/templates/**"]   # files never validated (glob, relative)
```

Read from ``--config FILE``, else ``./.kspec.yaml`` when it exists; command-line options add
to it. Mistakes are reported at their line.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import attrs

from kspec.reading.nodes import Mapping, Scalar, Sequence
from kspec.validation.findings import SEVERITIES

DEFAULT_FILE = ".kspec.yaml"


class ConfigError(Exception):
    pass


@attrs.frozen(kw_only=True)
class Config:
    enable: frozenset[str] = frozenset()
    disable: frozenset[str] = frozenset()
    severity: dict = attrs.field(factory=dict)
    rule_paths: tuple[str, ...] = ()
    ignore_paths: tuple[str, ...] = ()
    base: str = "."
    # rule id -> "file:line:column" where the configuration names it, for errors
    where: dict = attrs.field(factory=dict, eq=False)

    def ignored(self, path: str) -> bool:
        relative = os.path.relpath(path, self.base)
        return any(fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern.rstrip("/") + "/*")
                   or relative.startswith(pattern.rstrip("*").rstrip("/") + "/") and pattern.endswith(("/", "**"))
                   for pattern in self.ignore_paths)


def load_config(path: str | None) -> Config:
    """The configuration in ``path`` (or ``./.kspec.yaml``); an empty one when neither exists.
    A value of the wrong shape is a ``ConfigError`` at its line, never a fallback."""
    if path is None:
        if not Path(DEFAULT_FILE).is_file():
            return Config()
        path = DEFAULT_FILE
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {getattr(error, 'strerror', None) or error}") from None
    from kspec.reading.parser import read_stream

    documents, errors = read_stream(text, path, schema="kubernetes")
    if errors:
        raise ConfigError(errors[0].format() if hasattr(errors[0], "format") else str(errors[0]))
    root = documents[0].root if documents else None
    if root is None or (isinstance(root, Scalar) and root.value is None):
        return Config(base=str(Path(path).resolve().parent))
    top = _mapping(root, "the configuration", ("rules", "ignore"))
    rules = _mapping(top.get("rules"), "rules", ("enable", "disable", "severity", "paths"))
    ignore = _mapping(top.get("ignore"), "ignore", ("paths",))
    severity = {}
    severity_node = rules.get("severity")
    for key, value in _mapping(severity_node, "rules.severity", None).items():
        if value not in SEVERITIES:
            raise _error(severity_node, f"rules.severity.{key}: must be one of {', '.join(SEVERITIES)}, not {value!r}")
        severity[key] = value
    base = str(Path(path).resolve().parent)
    where = {}
    for key in ("enable", "disable"):
        items = rules.get(key)
        for item in (items.items if isinstance(items, Sequence) else ()):
            if isinstance(item, Scalar):  # other shapes are refused by _strings below
                where.setdefault(str(item.value), f"{item.file}:{item.line}:{item.column}")
    if isinstance(severity_node, Mapping):
        for key, _ in severity_node.items:
            if isinstance(key, Scalar):
                where.setdefault(str(key.value), f"{key.file}:{key.line}:{key.column}")
    return Config(where=where, enable=frozenset(_strings(rules.get("enable"), "rules.enable")),
                  disable=frozenset(_strings(rules.get("disable"), "rules.disable")),
                  severity=severity,
                  rule_paths=tuple(os.path.join(base, p) for p in _strings(rules.get("paths"), "rules.paths")),
                  ignore_paths=tuple(_strings(ignore.get("paths"), "ignore.paths")), base=base)


def _error(node, message: str) -> ConfigError:
    from kspec.reading.errors import ReadError

    if node is None:
        return ConfigError(message)
    return ConfigError(ReadError(message, node.source, node.start).format())


def _mapping(node, where: str, keys: tuple[str, ...] | None) -> dict:
    """A mapping node's entries by key (nodes, or plain values when ``keys`` is None)."""
    if node is None or (isinstance(node, Scalar) and node.value is None):
        return {}
    if not isinstance(node, Mapping):
        raise _error(node, f"{where}: expected a mapping" + (f" with {', '.join(keys)}" if keys else ""))
    out = {}
    for key, value in node.items:
        name = key.value if isinstance(key, Scalar) else None
        if not isinstance(name, str):
            raise _error(key, f"{where}: a key must be a string")
        if keys is not None and name not in keys:
            raise _error(key, f"{where}: unknown key {name!r}; expected {', '.join(keys)}")
        if keys is None and not (isinstance(value, Scalar) and isinstance(value.value, str)):
            raise _error(value, f"{where}.{name}: expected a string")
        out[name] = value if keys is not None else value.value
    return out


def _strings(node, where: str) -> list[str]:
    """A list of strings (a single string is refused: `disable: a-rule` is a mistake for `[a-rule]`)."""
    if node is None or (isinstance(node, Scalar) and node.value is None):
        return []
    if not isinstance(node, Sequence):
        raise _error(node, f"{where}: expected a list of strings, e.g. [{node.text if isinstance(node, Scalar) else '...'}]")
    out = []
    for item in node.items:
        if not (isinstance(item, Scalar) and isinstance(item.value, str)):
            raise _error(item, f"{where}: every item must be a string")
        out.append(item.value)
    return out
