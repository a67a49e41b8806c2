"""SARIF 2.1.0 for GitHub code scanning (``kspec validate --format sarif``).

One run; ``tool.driver.rules`` holds every registered rule (then any rule id a finding
uses that is not registered), so each result's ``ruleIndex`` points into it. Locations
are relative URIs with ``uriBaseId: %SRCROOT%``; regions use kspec's 1-based lines and
character columns (``columnKind: unicodeCodePoints``) and never hold a 0: an unknown
line becomes 1, an unknown column or end is left out. ``partialFingerprints`` hash the
rule, relative file, object and field path (not the line), so an alert survives edits
elsewhere in the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Iterable
from urllib.parse import quote

from kspec.reports.findings import ReportContext, ordered, relative_path, rule_of
from kspec.validation.findings import Finding, Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "kspecFinding/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}

_DRIVE = re.compile("^[A-Za-z]:/")


def level(severity: str) -> str:
    """kspec severity -> SARIF level (``info`` is ``note``)."""
    return LEVELS.get(severity, "warning")


def artifact_location(file: str, root: str = "") -> dict:
    """``{"uri", "uriBaseId"}`` for a relative path; an absolute path outside ``root``
    becomes a ``file://`` URI with no base. Characters outside a URI path are %-encoded."""
    path = relative_path(file, root)
    if path.startswith("/") or _DRIVE.match(path):
        return {"uri": "file://" + ("" if path.startswith("/") else "/") + quote(path, safe="/:")}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def region(finding: Finding) -> dict:
    """``startLine`` (at least 1), then ``startColumn`` and an end only when known.
    SARIF's ``endColumn`` is the column after the region, as kspec's ``end_column`` is."""
    result = {"startLine": max(1, finding.line)}
    if finding.line >= 1 and finding.column >= 1:
        result["startColumn"] = finding.column
        if finding.end_column >= 1 and (finding.end_line, finding.end_column) > (finding.line, finding.column):
            result["endLine"] = finding.end_line
            result["endColumn"] = finding.end_column
    return result


def fingerprint(finding: Finding, root: str = "") -> str:
    """A stable hash of rule, relative file, object and field path (sha256, hex)."""
    key = "\x1f".join((finding.rule, relative_path(finding.file, root), finding.object, finding.path))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _text(*candidates: str) -> str:
    """The first non-empty candidate (SARIF message strings must say something)."""
    return next((c.strip() for c in candidates if c and c.strip()), "")


def rule_descriptor(rule: Rule) -> dict:
    """A ``reportingDescriptor`` with the rule's summary, doc and default level."""
    doc = _text(rule.doc, rule.summary, rule.id)
    summary = _text(rule.summary, rule.id)
    return {
        "id": rule.id,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc, "markdown": f"**{summary}**\n\n{doc}" if doc != summary else doc},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {"category": rule.category, "tags": ["kubernetes", rule.category]},
    }


def _unregistered(rule_id: str, severity: str) -> Rule:
    return Rule(id=rule_id, severity=severity if severity in LEVELS else "warning",
                summary=rule_id, doc="", category="unregistered")


def sarif_log(findings: Iterable[Finding], context: ReportContext) -> dict:
    """The SARIF log as a dict (``render_sarif`` serialises it)."""
    findings = ordered(findings)
    rules = list(context.rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    for finding in findings:
        if finding.rule not in index:
            index[finding.rule] = len(rules)
            rules.append(_unregistered(finding.rule, finding.severity))

    seen: dict[str, int] = {}
    results = []
    for finding in findings:
        rule = rule_of(context, finding.rule)
        digest = fingerprint(finding, context.root)
        seen[digest] = seen.get(digest, 0) + 1
        location: dict = {"physicalLocation": {
            "artifactLocation": artifact_location(finding.file, context.root),
            "region": region(finding)}}
        if finding.object:
            location["logicalLocations"] = [{"fullyQualifiedName": finding.object, "kind": "resource"}]
        result = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": level(finding.severity),
            "message": {"text": _text(finding.message, rule.summary if rule else "", finding.rule)},
            "locations": [location],
            # the n-th result with the same key gets ":n", like GitHub's own line hashes
            "partialFingerprints": {FINGERPRINT: f"{digest}:{seen[digest]}"},
        }
        properties = {key: value for key, value in (("object", finding.object), ("path", finding.path)) if value}
        if properties:
            result["properties"] = properties
        results.append(result)

    driver: dict = {"name": "kspec", "version": context.tool_version}
    if context.information_uri:
        driver["informationUri"] = context.information_uri
    driver["rules"] = [rule_descriptor(rule) for rule in rules]
    run: dict = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    root = context.root.replace("\\", "/")
    if root.startswith("/") or _DRIVE.match(root):
        prefix = "" if root.startswith("/") else "/"
        base = "file://" + prefix + quote(root.rstrip("/") + "/", safe="/:")
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(findings: Iterable[Finding], context: ReportContext) -> str:
    """SARIF 2.1.0 as indented JSON."""
    return json.dumps(sarif_log(findings, context), indent=2, ensure_ascii=False)
