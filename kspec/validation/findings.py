"""Findings and the rule registry shared by every check and every report.

A rule has a stable id, a default severity and a one-paragraph doc (rendered into
``docs/rules.md``). A finding is one rule firing on one place of one object.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from kspec.reading.nodes import Node

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@attrs.frozen(kw_only=True)
class Rule:
    """A check with a stable ``id`` (``kebab-case``), a default severity and its doc."""

    id: str
    severity: str = attrs.field(validator=attrs.validators.in_(SEVERITIES))
    summary: str
    doc: str
    category: str = "semantic"


@attrs.frozen(kw_only=True)
class Finding:
    """One rule firing at one place.

    ``object`` is ``group/version/Kind/namespace/name`` (empty parts for cluster-scoped
    or unnamed objects); ``path`` is a JSONPath-like field path such as
    ``spec.template.spec.containers[0].image``.
    """

    rule: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    object: str = ""
    path: str = ""
    end_line: int = 0
    end_column: int = 0

    def to_json(self) -> dict:
        return attrs.asdict(self)

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule, self.message)


def finding_at(rule: Rule, node: Node, message: str, *, object: str = "", path: str = "",
               severity: str | None = None) -> Finding:
    """A finding of ``rule`` positioned at ``node`` (its start and end)."""
    line, column = node.source.line_column(node.start)
    end_line, end_column = node.source.line_column(node.end)
    return Finding(rule=rule.id, severity=severity or rule.severity, message=message,
                   file=node.source.path, line=line, column=column, object=object, path=path,
                   end_line=end_line, end_column=end_column)


class RuleRegistry:
    """Every rule kspec knows, by id. Registering the same id twice is a mistake."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        if rule.id in self._rules:
            raise ValueError(f"rule id {rule.id!r} is registered twice")
        self._rules[rule.id] = rule
        return rule

    def define(self, id: str, severity: str, summary: str, doc: str, category: str = "semantic") -> Rule:
        return self.add(Rule(id=id, severity=severity, summary=summary, doc=doc, category=category))

    def get(self, id: str) -> Rule:
        return self._rules[id]

    def __contains__(self, id: str) -> bool:
        return id in self._rules

    def __iter__(self):
        return iter(sorted(self._rules.values(), key=lambda r: (r.category, r.id)))

    def ids(self) -> Iterable[str]:
        return self._rules.keys()


RULES = RuleRegistry()
