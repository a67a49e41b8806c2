"""JUnit XML for CI test-report views (``kspec validate --format junit``).

``<testsuites>`` holds one ``<testsuite name="kspec validate">`` with one ``<testcase>``
per checked object (``name`` = object id, ``classname`` = its file), in the order the
objects were checked. Findings tied to no checked object (a file that cannot be read,
say) get a testcase of their own named after their object, or after their file when
they have no object.

Choices, because CI renderers differ:
- A testcase has at most one ``<failure>``: Jenkins, GitLab and Azure DevOps read only
  the first one. It lists every failing finding of the object, each as
  ``file:line:col: severity rule: message`` with its source line and caret; its
  ``message`` attribute is the first error (``and N more`` when there are more).
- Errors fail a testcase. Warnings and info go to ``<system-out>``, which keeps the
  testcase passing but visible in the log; with ``junit_warnings_as_failures`` warnings
  fail it too (``type="warning"`` when it has no error). Info never fails.
- ``tests`` counts testcases, ``failures`` the failed ones; kspec reports no JUnit
  ``errors`` (that means a crashed test) and no ``skipped``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Iterable

from kspec.reports.findings import ReportContext, finding_lines, ordered
from kspec.validation.findings import Finding

SUITE = "kspec validate"

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: spell them ``\\x1b``."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def testcases(findings: Iterable[Finding], context: ReportContext) -> list[tuple[str, str, list[Finding]]]:
    """``(name, classname, findings)`` per testcase: the checked objects in order, then
    testcases for findings that belong to no checked object, by name and file."""
    cases: dict[tuple[str, str], list[Finding]] = {pair: [] for pair in context.objects}
    files_of: dict[str, list[tuple[str, str]]] = {}
    for object_id, file in cases:
        files_of.setdefault(object_id, []).append((object_id, file))
    extra: dict[tuple[str, str], list[Finding]] = {}
    for finding in ordered(findings):
        key = (finding.object or finding.file, finding.file)
        if finding.object and key not in cases and len(files_of.get(finding.object, ())) == 1:
            key = files_of[finding.object][0]  # positioned in another file than its object
        (cases if key in cases else extra).setdefault(key, []).append(finding)
    return [(name, file, found) for (name, file), found in list(cases.items()) + sorted(extra.items())]


def _fails(finding: Finding, context: ReportContext) -> bool:
    return finding.severity == "error" or (
        context.junit_warnings_as_failures and finding.severity == "warning")


def _report(findings: list[Finding], context: ReportContext) -> str:
    return "\n".join(line for finding in findings for line in finding_lines(finding, context))


def junit_tree(findings: Iterable[Finding], context: ReportContext) -> ET.Element:
    """The ``<testsuites>`` element (``render_junit`` serialises it)."""
    suite = ET.Element("testsuite", name=SUITE)
    failed = 0
    cases = testcases(findings, context)
    for name, classname, found in cases:
        case = ET.SubElement(suite, "testcase", name=_xml(name), classname=_xml(classname))
        failing = [f for f in found if _fails(f, context)]
        passing = [f for f in found if not _fails(f, context)]
        if failing:
            failed += 1
            errors = [f for f in failing if f.severity == "error"]
            first = (errors or failing)[0]
            message = f"{first.rule}: {first.message}"
            if len(failing) > 1:
                message += f" (and {len(failing) - 1} more)"
            failure = ET.SubElement(case, "failure", message=_xml(message),
                                    type="error" if errors else "warning")
            failure.text = _xml(_report(failing, context))
        if passing:
            ET.SubElement(case, "system-out").text = _xml(_report(passing, context))
    totals = {"tests": str(len(cases)), "failures": str(failed), "errors": "0", "skipped": "0"}
    suite.attrib.update(totals)
    root = ET.Element("testsuites", name="kspec", **totals)
    root.append(suite)
    return root


def render_junit(findings: Iterable[Finding], context: ReportContext) -> str:
    """JUnit XML, indented, with an XML declaration."""
    root = junit_tree(findings, context)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
