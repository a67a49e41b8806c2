"""Rendering of ``kspec validate``: findings as text, JSON, SARIF, JUnit XML or GitHub commands.

Every renderer is a pure function ``(findings, context) -> str``: no printing, no file
I/O, no clock. ``render(format, findings, context)`` picks one by name; the SARIF and
JUnit renderers live in ``sarif.py`` and ``junit.py``. Findings are always reported in
``Finding.sort_key`` order (file, line, column, rule, message), so output is stable.
"""

from __future__ import annotations

import json
import posixpath
import re
import types
from typing import Iterable, Mapping

import attrs

from kspec import __version__
from kspec.reading.errors import _EXCERPT_WIDTH, _excerpt
from kspec.reading.source import Source
from kspec.validation.findings import SEVERITIES, Finding, Rule, RuleRegistry

FORMATS = ("text", "json", "sarif", "junit", "github")
# No public home page yet; SARIF omits informationUri when it is empty.
INFORMATION_URI = ""


def _sources(value: Mapping[str, Source]) -> Mapping[str, Source]:
    return types.MappingProxyType(dict(value))


def _objects(value: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(object_id), str(file)) for object_id, file in value)


@attrs.frozen(kw_only=True)
class ReportContext:
    """What a report needs besides the findings.

    ``sources`` maps a file path to its ``Source`` for excerpts (a finding whose file is
    not in it gets none); ``objects`` is every checked object as ``(object_id, file)``,
    in order; ``files`` is how many files were read. ``root`` (optional) is the
    directory that SARIF URIs and GitHub annotation paths are made relative to; paths
    that are already relative are used as they are.
    """

    rules: RuleRegistry = attrs.field(eq=False)
    sources: Mapping[str, Source] = attrs.field(factory=dict, converter=_sources, eq=False)
    objects: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_objects)
    files: int = 0
    color: bool = False
    # one line per finding, without the source excerpt (``--compact``)
    compact: bool = False
    tool_version: str = __version__
    information_uri: str = INFORMATION_URI
    root: str = ""
    junit_warnings_as_failures: bool = False
    """JUnit: report warnings as ``<failure type="warning">`` instead of in ``<system-out>``."""


def render(format: str, findings: Iterable[Finding], context: ReportContext) -> str:
    """The report of ``findings`` in ``format`` (one of ``FORMATS``)."""
    from kspec.reports import junit, sarif  # they import this module's helpers

    renderers = {"text": render_text, "json": render_json, "sarif": sarif.render_sarif,
                 "junit": junit.render_junit, "github": render_github}
    if format not in renderers:
        raise ValueError(f"unknown report format {format!r}; use one of {', '.join(FORMATS)}")
    return renderers[format](findings, context)


# --- shared helpers (also used by sarif.py and junit.py) -------------------------------

def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in report order: file, line, column, rule, message."""
    return tuple(sorted(findings, key=Finding.sort_key))


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """``{"error": n, "warning": n, "info": n}``."""
    total = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        if finding.severity in total:
            total[finding.severity] += 1
    return total


def rule_of(context: ReportContext, rule_id: str) -> Rule | None:
    return context.rules.get(rule_id) if rule_id in context.rules else None


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Control characters (an ESC that came from a YAML ``"\\e"``, say) written as
    ``\\x1b`` so that no input can colour or move a terminal. Newlines and tabs stay."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def where(finding: Finding) -> str:
    """``file:line:column``, ``file:line`` or ``file``, as much as is known."""
    if finding.line >= 1 and finding.column >= 1:
        return f"{finding.file}:{finding.line}:{finding.column}"
    if finding.line >= 1:
        return f"{finding.file}:{finding.line}"
    return finding.file


def excerpt(finding: Finding, source: Source | None) -> tuple[str, str] | None:
    """The finding's source line and a caret under its column, ``~`` under the rest of
    its span when the span ends on the same line. None without a source or a position.

    Long lines are cut around the column exactly as ``ReadError.format`` does.
    """
    if source is None or finding.line < 1 or finding.column < 1:
        return None
    if finding.line > len(source.line_starts()):
        return None
    line = source.line_text(finding.line)
    text, caret = _excerpt(line, finding.column)
    if finding.end_line == finding.line and finding.end_column > finding.column + 1:
        shown_from = max(0, finding.column - 1 - _EXCERPT_WIDTH // 2)
        span_end = min(finding.end_column - 1, len(line), shown_from + _EXCERPT_WIDTH)
        caret += "~" * max(0, span_end - finding.column)
    return _CONTROL_ALL.sub("\N{REPLACEMENT CHARACTER}", text), caret


def relative_path(file: str, root: str = "") -> str:
    """``file`` with forward slashes, relative to ``root`` when it lies inside it.

    >>> relative_path("/ci/work/deploy/web.yaml", "/ci/work/")
    'deploy/web.yaml'
    >>> relative_path(".\\\\deploy\\\\web.yaml")
    'deploy/web.yaml'
    """
    path = file.replace("\\", "/")
    if root:
        base = root.replace("\\", "/").rstrip("/") + "/"
        if path.startswith(base):
            path = path[len(base):]
    if not path or path in ("-", "<stdin>"):
        return path
    return posixpath.normpath(path)


# --- text ------------------------------------------------------------------------------

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_SEVERITY_COLOR = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_CARET_COLOR = "\x1b[1;32m"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color and text else text


def finding_lines(finding: Finding, context: ReportContext, *, color: bool = False) -> list[str]:
    """``file:line:col: severity rule: message``, then the source line and caret."""
    head = (f"{_paint(printable(where(finding)), _BOLD, color)}: "
            f"{_paint(finding.severity, _SEVERITY_COLOR.get(finding.severity, _BOLD), color)} "
            f"{printable(finding.rule)}: {printable(finding.message)}")
    lines = [head]
    shown = excerpt(finding, context.sources.get(finding.file))
    if shown is not None:
        text, caret = shown
        marks = caret.lstrip(" ")
        lines += [f"    {text}", f"    {caret[:len(caret) - len(marks)]}{_paint(marks, _CARET_COLOR, color)}"]
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(findings: Iterable[Finding], context: ReportContext) -> str:
    """``2 errors, 1 warning, 0 info in 3 files (4 objects)`` or ``no findings in ...``."""
    total = counts(findings)
    scope = f"in {_plural(context.files, 'file')} ({_plural(len(context.objects), 'object')})"
    if not any(total.values()):
        return f"no findings {scope}"
    return (f"{_plural(total['error'], 'error')}, {_plural(total['warning'], 'warning')}, "
            f"{total['info']} info {scope}")


def render_text(findings: Iterable[Finding], context: ReportContext) -> str:
    """Compiler-style report: findings grouped by file (files sorted, then line and
    column), each with its source line and a caret; a blank line between files; a
    summary line last. ANSI colours only when ``context.color``."""
    findings = ordered(findings)
    blocks: list[str] = []
    current = None
    for finding in findings:
        if finding.file != current:
            if current is not None:
                blocks.append("")
            current = finding.file
        lines = finding_lines(finding, context, color=context.color)
        blocks.extend(lines[:1] if context.compact else lines)
    if blocks:
        blocks.append("")
    if len(findings) > RULE_SUMMARY_OVER:
        blocks.extend(rule_summary_lines(findings))
        blocks.append("")
    blocks.append(_paint(summary_line(findings, context), _BOLD, context.color))
    return "\n".join(blocks)


# A long report ends with a count per rule, so the pattern shows without scrolling.
RULE_SUMMARY_OVER = 20


def rule_summary_lines(findings: Iterable[Finding]) -> list[str]:
    """``  count  severity  rule-id`` per rule, most findings first, with how to turn one off."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    rows = sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    lines = ["findings per rule (turn one off with --disable RULE, or the kspec.dev/ignore annotation):"]
    for rule, found in rows:
        severity = min((f.severity for f in found), key=SEVERITIES.index)
        lines.append(f"  {len(found):>5}  {severity:<7}  {printable(rule)}")
    return lines


# --- json ------------------------------------------------------------------------------

def render_json(findings: Iterable[Finding], context: ReportContext) -> str:
    """``{"findings": [finding, ...], "summary": {"files", "objects", "errors",
    "warnings", "infos"}}``; each finding is ``Finding.to_json()`` (rule, severity,
    message, file, line, column, object, path, end_line, end_column)."""
    findings = ordered(findings)
    total = counts(findings)
    document = {
        "findings": [finding.to_json() for finding in findings],
        "summary": {"files": context.files, "objects": len(context.objects),
                    "errors": total["error"], "warnings": total["warning"], "infos": total["info"]},
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


# --- github ----------------------------------------------------------------------------

_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_github_data(text: str) -> str:
    """A workflow command's message, escaped as the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_github_property(text: str) -> str:
    """A workflow command property value: as data, plus ``:`` and ``,``."""
    return escape_github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(finding: Finding, context: ReportContext) -> str:
    """``::error file=F,line=L,col=C,endLine=..,endColumn=..,title=RULE::message``.

    GitHub accepts ``col``/``endColumn`` only for a span on one line; its end column is
    the last character of the span (kspec's ``end_column`` is the one after it).
    """
    props = [("file", relative_path(finding.file, context.root))]
    if finding.line >= 1:
        props.append(("line", str(finding.line)))
        multiline = finding.end_line > finding.line
        if finding.column >= 1 and not multiline:
            props.append(("col", str(finding.column)))
            if finding.end_line == finding.line and finding.end_column - 1 >= finding.column:
                props.append(("endColumn", str(finding.end_column - 1)))
        if multiline:
            props.append(("endLine", str(finding.end_line)))
    props.append(("title", finding.rule))
    command = _GITHUB_COMMAND.get(finding.severity, "warning")
    rendered = ",".join(f"{key}={escape_github_property(value)}" for key, value in props)
    return f"::{command} {rendered}::{escape_github_data(finding.message)}"


def render_github(findings: Iterable[Finding], context: ReportContext) -> str:
    """One GitHub Actions workflow command per finding (``error``, ``warning``, ``notice``)."""
    return "\n".join(github_command(finding, context) for finding in ordered(findings))


# --- docs/rules.md ---------------------------------------------------------------------

def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_rules_markdown(rules: RuleRegistry) -> str:
    """The content of ``docs/rules.md``: a table of every rule, then one section per
    rule with its doc paragraph. Rules are listed by category, then id."""
    rules = list(rules)
    lines = ["# kspec rules", "",
             "<!-- Generated from the rule registry by "
             "kspec.reports.findings.render_rules_markdown; do not edit by hand. -->", "",
             "Every rule `kspec validate` checks. A finding names its rule id; "
             "`--disable ID` turns a rule off.", "",
             "| Rule | Severity | Category | Summary |", "|---|---|---|---|"]
    lines += [f"| [`{rule.id}`](#{rule.id}) | {rule.severity} | {rule.category} | {_cell(rule.summary)} |"
              for rule in rules]
    for rule in rules:
        lines += ["", f"## `{rule.id}`", "",
                  f"**Severity:** {rule.severity} · **Category:** {rule.category}", "",
                  f"{_cell(rule.summary)}"]
        if rule.doc.strip():
            lines += ["", rule.doc.strip()]
    return "\n".join(lines) + "\n"
