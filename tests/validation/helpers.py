"""Running `validate` on small manifest sets written to a temporary directory."""

import textwrap
from pathlib import Path

from kspec.reading.loader import load
from kspec.validation.findings import Finding
from kspec.validation.validate import ValidateOptions, validate


def findings_of(tmp_path: Path, files: str | dict[str, str], rule: str | None = None, **options) -> list[Finding]:
    """Write ``files`` (name -> YAML, dedented) under ``tmp_path``, validate the directory, and
    return the findings of ``rule`` (all findings when ``rule`` is None)."""
    if isinstance(files, str):
        files = {"a.yaml": files}
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    result = validate(load([str(tmp_path)]), ValidateOptions(**options))
    return [f for f in result.findings if rule is None or f.rule == rule]
