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

from kspec.reading.nodes import to_python
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

    def ignored(self, path: str) -> bool:
        relative = os.path.relpath(path, self.base)
        return any(fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern.rstrip("/") + "/*")
                   or relative.startswith(pattern.rstrip("*").rstrip("/") + "/") and pattern.endswith(("/", "**"))
                   for pattern in self.ignore_paths)


def load_config(path: str | None) -> Config:
    """The configuration in ``path`` (or ``./.kspec.yaml``); an empty one when neither exists."""
    if path is None:
        if not Path(DEFAULT_FILE).is_file():
            return Config()
        path = DEFAULT_FILE
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror}") from None
    from kspec.reading.parser import read_stream

    documents, errors = read_stream(text, path, schema="kubernetes")
    if errors:
        raise ConfigError(errors[0].format() if hasattr(errors[0], "format") else str(errors[0]))
    root = documents[0].root if documents else None
    data = to_python(root) if root is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: the configuration is a mapping with rules: and ignore:")
    unknown = sorted(set(data) - {"rules", "ignore"})
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}; expected rules, ignore")
    rules = data.get("rules") or {}
    severity = rules.get("severity") or {}
    bad = {k: v for k, v in severity.items() if v not in SEVERITIES}
    if bad:
        raise ConfigError(f"{path}: severity must be one of {', '.join(SEVERITIES)}, not {bad}")
    base = str(Path(path).resolve().parent)
    return Config(enable=frozenset(rules.get("enable") or ()), disable=frozenset(rules.get("disable") or ()),
                  severity=dict(severity), rule_paths=tuple(os.path.join(base, p) for p in rules.get("paths") or ()),
                  ignore_paths=tuple((data.get("ignore") or {}).get("paths") or ()), base=base)
