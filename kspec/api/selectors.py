"""Label selectors, node selectors and selector overlap, with upstream semantics.

- :class:`LabelSelector` is ``metav1.LabelSelector`` as k8s.io/apimachinery
  ``pkg/apis/meta/v1/helpers.go`` ``LabelSelectorAsSelector`` reads it: a nil
  selector matches nothing, an empty one (``{}``) matches everything, and each
  requirement is checked like ``pkg/labels/selector.go`` ``NewRequirement``.
- :func:`match_labels` is a map-only selector (``Service.spec.selector``,
  ``ReplicationController.spec.selector``): every pair must match.
- :func:`selectors_may_overlap` decides exactly whether one label set can be
  selected by two selectors (two controllers fighting over the same pods).
- :class:`NodeSelectorTerm` and :func:`node_selector_matches` follow
  k8s.io/component-helpers ``scheduling/corev1/nodeaffinity/nodeaffinity.go``.

Problems are reported, not raised, by ``validate()``; matching with a selector that
has problems raises :class:`SelectorError`, as ``LabelSelectorAsSelector`` fails.
Unknown fields (``matchLabel:``) are left to schema validation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs

__all__ = [
    "LABEL_SELECTOR_OPERATORS",
    "NODE_FIELD_KEYS",
    "NODE_SELECTOR_OPERATORS",
    "LabelSelector",
    "LabelSelectorRequirement",
    "NodeSelectorRequirement",
    "NodeSelectorTerm",
    "SelectorError",
    "label_value_problems",
    "match_labels",
    "node_selector_matches",
    "overlap_witness",
    "qualified_name_problems",
    "selectors_may_overlap",
]

LABEL_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
NODE_SELECTOR_OPERATORS = LABEL_SELECTOR_OPERATORS + ("Gt", "Lt")
NODE_FIELD_OPERATORS = ("In", "NotIn")
# core/validation: metadata.name is the only field a node selector may use.
NODE_FIELD_KEYS = ("metadata.name",)


class SelectorError(ValueError):
    """A selector the API server (or the controller reading it) rejects."""


# ---- label syntax (k8s.io/apimachinery pkg/util/validation/validation.go) ---------------

_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# strconv.ParseInt(s, 10, 64) syntax; the range is checked separately.
_GO_INT = re.compile(r"[+-]?[0-9]+")
_NAME_CHARS = ("must consist of alphanumeric characters, '-', '_' or '.', "
               "and must start and end with an alphanumeric character")


def qualified_name_problems(key: str) -> list[str]:
    """``IsQualifiedName``: ``[prefix/]name``, name <= 63 chars, prefix a DNS subdomain."""
    parts = key.split("/")
    if len(parts) > 2:
        hint = "(e.g. 'example.com/MyName')"
        return [f"a qualified name must be a name with an optional DNS subdomain prefix and '/' {hint}"]
    problems = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            problems.append("prefix part must be non-empty")
        elif len(prefix.encode()) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix):
            problems.append("prefix part must be a lowercase DNS subdomain (at most 253 characters of "
                            "a-z, 0-9, '-' and '.', starting and ending with a letter or digit)")
    if not name:
        problems.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        problems.append("name part must be no more than 63 characters")
    if name and not _QUALIFIED_NAME.fullmatch(name):
        problems.append(f"name part {_NAME_CHARS}")
    return problems


def label_value_problems(value: str) -> list[str]:
    """``IsValidLabelValue``: empty, or <= 63 chars of ``[-A-Za-z0-9_.]`` starting and ending alphanumeric."""
    problems = []
    if len(value.encode()) > 63:
        problems.append("must be no more than 63 characters")
    if not _LABEL_VALUE.fullmatch(value):
        problems.append(f"a label value must be empty or {_NAME_CHARS[5:]}")
    return problems


def _go_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``, or None where it fails."""
    # ParseInt takes any number of leading zeros; past 19 significant digits it overflows
    # (and Python's int() would refuse 4300+ digit strings).
    if not _GO_INT.fullmatch(text) or len(text.lstrip("+-").lstrip("0")) > 19:
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


# ---- requirements ----------------------------------------------------------------------


@attrs.frozen
class _Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """``labels.Requirement.Matches``: NotIn and DoesNotExist also match an absent key;
        Gt/Lt compare int64s and never match a missing or non-integer label."""
        op, present = self.operator, self.key in labels
        if op == "In":
            return present and labels[self.key] in self.values
        if op == "NotIn":
            return not present or labels[self.key] not in self.values
        if op == "Exists":
            return present
        if op == "DoesNotExist":
            return not present
        if op in ("Gt", "Lt") and present and len(self.values) == 1:
            have, bound = _go_int64(labels[self.key]), _go_int64(self.values[0])
            if have is None or bound is None:
                return False
            return have > bound if op == "Gt" else have < bound
        return False

    def validate(self, path: str, operators: tuple[str, ...], what: str) -> list[str]:
        """``NewRequirement``'s checks, each problem prefixed with ``path``."""
        problems = [f"{path}.key: {p}" for p in qualified_name_problems(self.key)]
        op, n = self.operator, len(self.values)
        if op not in operators:
            problems.append(f"{path}.operator: {op!r} is not a valid {what} operator "
                            f"(use {', '.join(operators[:-1])} or {operators[-1]})")
        elif op in ("In", "NotIn") and n == 0:
            problems.append(f"{path}.values: must be non-empty for operator {op}")
        elif op in ("Exists", "DoesNotExist") and n:
            problems.append(f"{path}.values: must be empty for operator {op}")
        elif op in ("Gt", "Lt"):
            if n != 1:
                problems.append(f"{path}.values: operator {op} needs exactly one value, got {n}")
            for i, value in enumerate(self.values):
                if _go_int64(value) is None:
                    problems.append(f"{path}.values[{i}]: {value!r} is not an integer, as operator {op} requires")
        for i, value in enumerate(self.values):
            problems += [f"{path}.values[{i}]: {value!r}: {p}" for p in label_value_problems(value)]
        return problems

    def __str__(self) -> str:
        """As ``Requirement.String()``: ``k in (a,b)``, ``k notin (a)``, ``k``, ``!k``, ``k>5``."""
        op, key = self.operator, self.key
        if op == "Exists":
            return key
        if op == "DoesNotExist":
            return "!" + key
        values = ",".join(sorted(self.values))
        if op in ("Gt", "Lt"):
            return f"{key}{'>' if op == 'Gt' else '<'}{values}"
        return f"{key} {op.lower()} ({values})"


@attrs.frozen
class LabelSelectorRequirement(_Requirement):
    """One ``matchExpressions`` entry of a label selector: In, NotIn, Exists, DoesNotExist."""


@attrs.frozen
class NodeSelectorRequirement(_Requirement):
    """One node affinity requirement: In, NotIn, Exists, DoesNotExist, Gt, Lt.

    Gt/Lt read the label value and the single requirement value as int64
    (``strconv.ParseInt``); ``Gt 5`` matches label ``"6"``, never ``"v6"`` or a missing label.
    """


def _read_requirements(raw: object, path: str, cls: type[_Requirement], problems: list[str]) -> tuple:
    """Requirements from a plain list of ``{key, operator, values}``; shape problems go to ``problems``."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{path}: must be a list, got {type(raw).__name__}")
        return ()
    out = []
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: must be a mapping with key, operator and values, got {type(item).__name__}")
            continue
        key, operator, values = item.get("key", ""), item.get("operator", ""), item.get("values")
        ok = True
        for name, value in (("key", key), ("operator", operator)):
            if not isinstance(value, str):
                problems.append(f"{where}.{name}: must be a string, got {_describe(value)}")
                ok = False
        if values is None:
            values = []
        elif not isinstance(values, list):
            problems.append(f"{where}.values: must be a list of strings, got {_describe(values)}")
            ok = False
        else:
            for j, value in enumerate(values):
                if not isinstance(value, str):
                    problems.append(f"{where}.values[{j}]: must be a string, "
                                    f"got {_describe(value)}{_quote_hint(value)}")
                    ok = False
        if ok:
            out.append(cls(key, operator, tuple(values)))
    return tuple(out)


def _describe(value: object) -> str:
    return "null" if value is None else f"{type(value).__name__} {value!r}"


def _quote_hint(value: object) -> str:
    return f" (quote it: '{value}')" if isinstance(value, (int, float)) else ""


# ---- label selectors -------------------------------------------------------------------


def _freeze_labels(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    pairs = tuple(sorted(value.items() if isinstance(value, Mapping) else value))
    for key, label in pairs:
        if not (isinstance(key, str) and isinstance(label, str)):
            # Programming error: from_python reports bad manifest types as read_problems.
            raise TypeError(f"matchLabels keys and values must be strings, got {key!r}: {label!r}")
    return pairs


@attrs.frozen
class LabelSelector:
    """A ``metav1.LabelSelector``: ``matchLabels`` AND ``matchExpressions``.

    ``match_labels`` is kept as sorted ``(key, value)`` pairs so the selector is
    hashable. ``nil=True`` is the absent selector (matches nothing); ``read_problems``
    are problems :meth:`from_python` found that the fields cannot hold (wrong types).
    """

    match_labels: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_freeze_labels)
    match_expressions: tuple[LabelSelectorRequirement, ...] = attrs.field(default=(), converter=tuple)
    nil: bool = False
    read_problems: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    # validate() is pure, and matching runs it for every pod; compute it once.
    _problems: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_problems", tuple(self._find_problems()))

    @classmethod
    def nothing(cls) -> LabelSelector:
        """The nil selector: matches no labels (``labels.Nothing()``)."""
        return cls(nil=True)

    @classmethod
    def everything(cls) -> LabelSelector:
        """The empty selector ``{}``: matches all labels (``labels.Everything()``)."""
        return cls()

    @classmethod
    def from_python(cls, obj: object) -> LabelSelector:
        """Read a selector as ``to_python`` gives it (``None`` -> the nil selector).

        Never raises: wrong types (``matchLabels: {version: 1.0}``) become ``read_problems``.
        JSON ``null`` for a ``matchLabels`` value decodes to ``""`` in Go, and so here.
        """
        if obj is None:
            return cls.nothing()
        problems: list[str] = []
        if not isinstance(obj, Mapping):
            return cls(read_problems=[f"selector: must be a mapping, got {_describe(obj)}"])
        labels: list[tuple[str, str]] = []
        raw_labels = obj.get("matchLabels")
        if isinstance(raw_labels, Mapping):
            for key, value in raw_labels.items():
                if value is None:
                    value = ""
                if not isinstance(key, str):
                    problems.append(f"matchLabels: key {key!r} must be a string")
                elif not isinstance(value, str):
                    problems.append(f"matchLabels.{key}: must be a string, got {_describe(value)}{_quote_hint(value)}")
                else:
                    labels.append((key, value))
        elif raw_labels is not None:
            problems.append(f"matchLabels: must be a mapping of strings, got {_describe(raw_labels)}")
        expressions = _read_requirements(obj.get("matchExpressions"), "matchExpressions",
                                         LabelSelectorRequirement, problems)
        return cls(labels, expressions, read_problems=problems)

    def to_python(self) -> dict | None:
        """The plain form (``None`` for nil); the inverse of :meth:`from_python` for valid input."""
        if self.nil:
            return None
        out: dict = {}
        if self.match_labels:
            out["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            out["matchExpressions"] = [
                {"key": r.key, "operator": r.operator, **({"values": list(r.values)} if r.values else {})}
                for r in self.match_expressions
            ]
        return out

    def is_nil(self) -> bool:
        return self.nil

    def is_empty(self) -> bool:
        """True for ``{}`` (selects everything); False for nil, which selects nothing."""
        return not (self.nil or self.match_labels or self.match_expressions or self.read_problems)

    def requirements(self) -> tuple[LabelSelectorRequirement, ...]:
        """All requirements, ``matchLabels`` first as single-value ``In`` (same semantics as Equals)."""
        pairs = tuple(LabelSelectorRequirement(k, "In", (v,)) for k, v in self.match_labels)
        return pairs + self.match_expressions

    def validate(self) -> list[str]:
        """Every problem ``LabelSelectorAsSelector`` (or decoding) would fail on; [] when valid."""
        return list(self._problems)

    def _find_problems(self) -> list[str]:
        problems = list(self.read_problems)
        for key, value in self.match_labels:
            problems += [f"matchLabels: key {key!r}: {p}" for p in qualified_name_problems(key)]
            problems += [f"matchLabels.{key}: {value!r}: {p}" for p in label_value_problems(value)]
        for i, requirement in enumerate(self.match_expressions):
            problems += requirement.validate(f"matchExpressions[{i}]", LABEL_SELECTOR_OPERATORS, "label selector")
        return problems

    def check(self) -> None:
        """Raise :class:`SelectorError` listing every problem, if there is any."""
        problems = self.validate()
        if problems:
            raise SelectorError("invalid label selector: " + "; ".join(problems))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` is selected: nil never, ``{}`` always, else every requirement.

        Raises :class:`SelectorError` for an invalid selector.
        """
        if self.nil:
            return False
        if self._problems:
            self.check()
        return all(r.matches(labels) for r in self.requirements())

    def __str__(self) -> str:
        """The ``labels.Selector`` string (``app=web,tier in (a,b)``); ``<nothing>``/``<everything>``."""
        if self.nil:
            return "<nothing>"
        if self.read_problems and not (self.match_labels or self.match_expressions):
            return "<invalid>"
        parts = [(k, f"{k}={v}") for k, v in self.match_labels]
        parts += [(r.key, str(r)) for r in self.match_expressions]
        return ",".join(text for _, text in sorted(parts, key=lambda p: p[0])) or "<everything>"


def match_labels(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """A map-only selector: every ``key: value`` pair must be present in ``labels``.

    An empty map is vacuously true here (as ``labels.SelectorFromSet``); callers decide
    what an empty selector means: a Service without a selector selects no pods, and
    an RC's empty selector is defaulted to its template labels.
    """
    return all(key in labels and labels[key] == value for key, value in selector.items())


# ---- overlap ---------------------------------------------------------------------------


def overlap_witness(a: LabelSelector, b: LabelSelector) -> dict[str, str] | None:
    """A label set both selectors select, or None when there is none.

    Requirements only constrain their own key, so the selectors overlap exactly when
    every key's combined constraints are satisfiable on their own. For one key, with
    ``A`` the intersection of its In sets (matchLabels count as ``In {v}``) and ``N``
    the union of its NotIn sets:

    - the key may be absent unless some In or Exists asks for it;
    - it may be present unless some DoesNotExist forbids it, with a value from
      ``A - N`` when there is an In, or else any value outside the finite ``N``.

    Nil selectors select nothing, so never overlap. Invalid ones raise :class:`SelectorError`.
    """
    if a.nil or b.nil:
        return None
    a.check()
    b.check()
    keys: dict[str, dict] = {}
    for r in a.requirements() + b.requirements():
        c = keys.setdefault(r.key, {"in": None, "not_in": set(), "exists": False, "absent": False})
        if r.operator == "In":
            c["in"] = set(r.values) if c["in"] is None else c["in"] & set(r.values)
        elif r.operator == "NotIn":
            c["not_in"] |= set(r.values)
        elif r.operator == "Exists":
            c["exists"] = True
        else:
            c["absent"] = True
    witness = {}
    for key, c in keys.items():
        if c["in"] is None and not c["exists"]:
            continue  # absent satisfies NotIn and DoesNotExist
        if c["absent"]:
            return None  # must be present and must be absent
        if c["in"] is not None:
            allowed = sorted(c["in"] - c["not_in"])
            if not allowed:
                return None
            witness[key] = allowed[0]
        else:
            witness[key] = _fresh_value(c["not_in"])
    return witness


def selectors_may_overlap(a: LabelSelector, b: LabelSelector) -> bool:
    """Whether some label set is selected by both ``a`` and ``b`` (exact; see :func:`overlap_witness`).

    ``{app: web}`` and ``{app: web, tier: fe}`` overlap; ``{app: web}`` and
    ``app NotIn [web]`` do not; ``{}`` overlaps any satisfiable selector.
    """
    return overlap_witness(a, b) is not None


def _fresh_value(taken: set[str]) -> str:
    """A valid label value outside ``taken``."""
    candidate, n = "x", 0
    while candidate in taken:
        candidate, n = f"x{n}", n + 1
    return candidate


# ---- node selectors --------------------------------------------------------------------


@attrs.frozen
class NodeSelectorTerm:
    """A ``NodeSelectorTerm``: AND of ``matchExpressions`` (node labels) and ``matchFields``.

    ``matchFields`` may only use ``metadata.name`` with In/NotIn and one value
    (core/validation); component-helpers compares it with the node's name.
    """

    match_expressions: tuple[NodeSelectorRequirement, ...] = attrs.field(default=(), converter=tuple)
    match_fields: tuple[NodeSelectorRequirement, ...] = attrs.field(default=(), converter=tuple)
    read_problems: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    _problems: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_problems", tuple(self._find_problems()))

    @classmethod
    def from_python(cls, obj: object) -> NodeSelectorTerm:
        """Read a term as ``to_python`` gives it; wrong types become ``read_problems``.

        Also takes any typed term with ``match_expressions``/``match_fields`` of
        ``key``/``operator``/``values`` objects (the decoded ``kspec.api.core`` model).
        """
        if obj is None:
            return cls()
        if isinstance(obj, NodeSelectorTerm):
            return obj
        if hasattr(obj, "match_expressions") and hasattr(obj, "match_fields"):
            def convert(requirements: Iterable) -> tuple[NodeSelectorRequirement, ...]:
                return tuple(NodeSelectorRequirement(r.key, r.operator, tuple(r.values)) for r in requirements)
            return cls(convert(obj.match_expressions), convert(obj.match_fields))
        if not isinstance(obj, Mapping):
            return cls(read_problems=[f"nodeSelectorTerm: must be a mapping, got {_describe(obj)}"])
        problems: list[str] = []
        expressions = _read_requirements(obj.get("matchExpressions"), "matchExpressions",
                                         NodeSelectorRequirement, problems)
        fields = _read_requirements(obj.get("matchFields"), "matchFields", NodeSelectorRequirement, problems)
        return cls(expressions, fields, problems)

    def is_empty(self) -> bool:
        """No requirements at all: such a term matches no node (``isEmptyNodeSelectorTerm``)."""
        return not (self.match_expressions or self.match_fields or self.read_problems)

    def validate(self) -> list[str]:
        """Problems that make upstream fail to parse this term; such a term never matches.

        The API server accepts some of them (a ``Gt`` value of ``"-1"`` or ``"abc"``, both
        rejected by ``labels.NewRequirement``), but the scheduler never matches the term.
        """
        return list(self._problems)

    def _find_problems(self) -> list[str]:
        problems = list(self.read_problems)
        for i, r in enumerate(self.match_expressions):
            problems += r.validate(f"matchExpressions[{i}]", NODE_SELECTOR_OPERATORS, "node selector")
        for i, r in enumerate(self.match_fields):
            path = f"matchFields[{i}]"
            if r.key not in NODE_FIELD_KEYS:
                problems.append(f"{path}.key: {r.key!r} is not a supported node field (only metadata.name)")
            if r.operator not in NODE_FIELD_OPERATORS:
                problems.append(f"{path}.operator: {r.operator!r} is not supported for matchFields (use In or NotIn)")
            if len(r.values) != 1:
                problems.append(f"{path}.values: must have exactly one element, got {len(r.values)}")
        return problems

    def matches(self, node_labels: Mapping[str, str], node_name: str = "") -> bool:
        """Whether a node matches: False for an empty or invalid term, else every requirement.

        As in component-helpers, ``matchFields`` are skipped when the node has no name.
        """
        if self.is_empty() or self._problems:
            return False
        if not all(r.matches(node_labels) for r in self.match_expressions):
            return False
        fields = {"metadata.name": node_name} if node_name else {}
        return not fields or all(r.matches(fields) for r in self.match_fields)


def node_selector_matches(terms: Iterable[object], node_labels: Mapping[str, str], node_name: str = "") -> bool:
    """``nodeSelectorTerms`` semantics: OR of terms; no terms, empty terms and invalid terms match nothing.

    Terms may be :class:`NodeSelectorTerm`, plain mappings or typed terms (anything
    :meth:`NodeSelectorTerm.from_python` reads). As component-helpers
    ``LazyErrorNodeSelector``, an invalid term does not stop a valid one from matching.
    """
    for term in terms:
        if NodeSelectorTerm.from_python(term).matches(node_labels, node_name):
            return True
    return False
