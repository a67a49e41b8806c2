"""Label selectors (LabelSelectorAsSelector, labels.Requirement), map selectors, exact overlap,
and node affinity terms (component-helpers nodeaffinity)."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kspec.api.selectors import (
    LabelSelector,
    LabelSelectorRequirement,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    SelectorError,
    label_value_problems,
    match_labels,
    node_selector_matches,
    overlap_witness,
    qualified_name_problems,
    selectors_may_overlap,
)

sel = LabelSelector.from_python


def expr(key, operator, *values):
    return {"key": key, "operator": operator, **({"values": list(values)} if values else {})}


# ---- LabelSelector matching -------------------------------------------------------------

WEB = {"app": "web", "tier": "frontend"}

MATCHES = [
    # selector, labels, expected
    (None, WEB, False),
    (None, {}, False),
    ({}, WEB, True),
    ({}, {}, True),
    ({"matchLabels": {}, "matchExpressions": []}, {}, True),
    ({"matchLabels": {"app": "web"}}, WEB, True),
    ({"matchLabels": {"app": "web"}}, {"app": "api"}, False),
    ({"matchLabels": {"app": "web"}}, {}, False),
    ({"matchLabels": {"app": "web", "tier": "frontend"}}, WEB, True),
    ({"matchLabels": {"app": "web", "tier": "backend"}}, WEB, False),
    ({"matchLabels": {"app": ""}}, {"app": ""}, True),
    ({"matchLabels": {"app": ""}}, {}, False),
    ({"matchExpressions": [expr("app", "In", "web", "api")]}, WEB, True),
    ({"matchExpressions": [expr("app", "In", "api")]}, WEB, False),
    ({"matchExpressions": [expr("app", "In", "web")]}, {}, False),
    ({"matchExpressions": [expr("app", "NotIn", "api")]}, WEB, True),
    ({"matchExpressions": [expr("app", "NotIn", "web")]}, WEB, False),
    ({"matchExpressions": [expr("app", "NotIn", "web")]}, {}, True),
    ({"matchExpressions": [expr("app", "Exists")]}, WEB, True),
    ({"matchExpressions": [expr("app", "Exists")]}, {"app": ""}, True),
    ({"matchExpressions": [expr("app", "Exists")]}, {}, False),
    ({"matchExpressions": [expr("canary", "DoesNotExist")]}, WEB, True),
    ({"matchExpressions": [expr("app", "DoesNotExist")]}, WEB, False),
    ({"matchLabels": {"app": "web"}, "matchExpressions": [expr("tier", "In", "frontend")]}, WEB, True),
    ({"matchLabels": {"app": "web"}, "matchExpressions": [expr("tier", "NotIn", "frontend")]}, WEB, False),
    ({"matchExpressions": [expr("app", "In", "web"), expr("app", "NotIn", "web")]}, WEB, False),
    ({"matchLabels": {"app": "web"}, "matchExpressions": None}, WEB, True),
    ({"matchExpressions": [{"key": "app", "operator": "Exists", "values": None}]}, WEB, True),
]


@pytest.mark.parametrize("raw,labels,expected", MATCHES)
def test_label_selector_matches(raw, labels, expected):
    """nil matches nothing, {} everything; NotIn/DoesNotExist match an absent key; requirements AND."""
    assert sel(raw).matches(labels) is expected


def test_nil_and_empty_are_distinct():
    """The nil selector is not empty (upstream Nothing().Empty() is false); {} is empty."""
    assert sel(None).is_nil() and not sel(None).is_empty()
    assert sel({}).is_empty() and not sel({}).is_nil()
    assert LabelSelector.nothing() == sel(None)
    assert LabelSelector.everything() == sel({}) == sel({"matchLabels": {}})
    assert not sel({"matchLabels": {"a": "b"}}).is_empty()


# ---- LabelSelector validation -------------------------------------------------------------

INVALID = [
    ({"matchExpressions": [expr("app", "In")]}, "matchExpressions[0].values: must be non-empty for operator In"),
    ({"matchExpressions": [expr("app", "NotIn")]}, "matchExpressions[0].values: must be non-empty for operator NotIn"),
    ({"matchExpressions": [expr("app", "Exists", "x")]},
     "matchExpressions[0].values: must be empty for operator Exists"),
    ({"matchExpressions": [expr("a", "DoesNotExist", "x")]}, "must be empty for operator DoesNotExist"),
    ({"matchExpressions": [expr("app", "Equals", "web")]}, "'Equals' is not a valid label selector operator"),
    ({"matchExpressions": [expr("app", "in", "web")]}, "'in' is not a valid label selector operator"),
    ({"matchExpressions": [expr("cpu", "Gt", "4")]}, "'Gt' is not a valid label selector operator"),
    ({"matchExpressions": [{"key": "app"}]}, "matchExpressions[0].operator: '' is not a valid"),
    ({"matchExpressions": [expr("", "Exists")]}, "matchExpressions[0].key: name part must be non-empty"),
    ({"matchExpressions": [expr("bad key", "Exists")]}, "matchExpressions[0].key: name part must consist of"),
    ({"matchExpressions": [expr("a/b/c", "Exists")]}, "optional DNS subdomain prefix"),
    ({"matchExpressions": [expr("Example.com/app", "Exists")]}, "prefix part must be a lowercase DNS subdomain"),
    ({"matchExpressions": [expr("/app", "Exists")]}, "prefix part must be non-empty"),
    ({"matchExpressions": [expr("a" * 64, "Exists")]}, "name part must be no more than 63 characters"),
    ({"matchExpressions": [expr("app", "In", "web", "-bad")]}, "matchExpressions[0].values[1]: '-bad'"),
    ({"matchExpressions": [expr("app", "In", "x" * 64)]}, "must be no more than 63 characters"),
    ({"matchLabels": {"app": "web app"}}, "matchLabels.app: 'web app': a label value must be empty or consist"),
    ({"matchLabels": {"-app": "web"}}, "matchLabels: key '-app': name part must consist"),
    ({"matchLabels": {"version": 1.0}}, "matchLabels.version: must be a string, got float 1.0 (quote it: '1.0')"),
    ({"matchLabels": {"replicas": 3}}, "matchLabels.replicas: must be a string, got int 3 (quote it: '3')"),
    ({"matchLabels": {"on": True}}, "matchLabels.on: must be a string, got bool True"),
    ({"matchLabels": {1: "x"}}, "matchLabels: key 1 must be a string"),
    ({"matchLabels": ["app=web"]}, "matchLabels: must be a mapping of strings, got list"),
    ({"matchExpressions": {"key": "app"}}, "matchExpressions: must be a list, got dict"),
    ({"matchExpressions": ["app"]}, "matchExpressions[0]: must be a mapping with key, operator and values"),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": "web"}]}, "values: must be a list of strings"),
    ({"matchExpressions": [{"key": "v", "operator": "In", "values": [1]}]}, "values[0]: must be a string, got int 1"),
    ({"matchExpressions": [{"key": 5, "operator": "Exists"}]}, "matchExpressions[0].key: must be a string, got int 5"),
    ("app=web", "selector: must be a mapping, got str 'app=web'"),
]


@pytest.mark.parametrize("raw,message", INVALID)
def test_validate_reports_problems_and_matches_raises(raw, message):
    """validate() lists each problem with its path; matches() raises SelectorError (a ValueError) instead."""
    selector = sel(raw)
    problems = selector.validate()
    assert any(message in p for p in problems), problems
    with pytest.raises(SelectorError) as info:
        selector.matches({"app": "web"})
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


VALID = [
    {},
    {"matchLabels": {"app": "web", "example.com/tier": "front-end_1.x", "empty": ""}},
    {"matchExpressions": [expr("app", "In", "web", ""), expr("k8s.io/x", "NotIn", "a"),
                          expr("t", "Exists"), expr("u", "DoesNotExist")]},
    {"matchLabels": {"a" * 63: "b" * 63, ("d" * 61 + ".io") + "/" + "N.a-m_e": "V"}},
    {"matchLabels": {"app": None}},  # JSON null decodes to "" in Go
]


@pytest.mark.parametrize("raw", VALID)
def test_valid_selectors_have_no_problems(raw):
    """Well-formed selectors, including prefixed keys, empty values and 63-char names, validate clean."""
    assert sel(raw).validate() == []


def test_null_match_label_value_reads_as_empty_string():
    """matchLabels {app: null} selects app="" like Go's decoding into map[string]string."""
    assert sel({"matchLabels": {"app": None}}).matches({"app": ""})


def test_problems_are_all_reported_in_order():
    """Every problem is listed, matchLabels first, then expressions by index."""
    problems = sel({"matchLabels": {"a": 1}, "matchExpressions": [expr("x", "Bogus"), expr("y", "In")]}).validate()
    assert [p.split(":")[0] for p in problems] == ["matchLabels.a", "matchExpressions[0].operator",
                                                  "matchExpressions[1].values"]


def test_nil_selector_never_raises():
    """A nil selector matches nothing without validation (LabelSelectorAsSelector returns Nothing())."""
    assert sel(None).validate() == [] and sel(None).matches({"a": "b"}) is False


@pytest.mark.parametrize("key,ok", [("app", True), ("app.kubernetes.io/name", True), ("a", True), ("A_b.c-d", True),
                                   ("", False), ("-a", False), ("a-", False), ("a/b/c", False), ("A.io/x", False),
                                   ("x/", False), ("é", False)])
def test_qualified_name_problems(key, ok):
    """Label keys follow IsQualifiedName: optional lowercase DNS prefix, 63-char alphanumeric-edged name."""
    assert (qualified_name_problems(key) == []) is ok


@pytest.mark.parametrize("value,ok", [("", True), ("web", True), ("1.2.3", True), ("a_b-c", True), ("-a", False),
                                     ("a ", False), ("a/b", False), ("x" * 63, True), ("x" * 64, False)])
def test_label_value_problems(value, ok):
    """Label values follow IsValidLabelValue: empty or <= 63 chars, alphanumeric at both ends."""
    assert (label_value_problems(value) == []) is ok


# ---- conversions and strings ------------------------------------------------------------

@pytest.mark.parametrize("raw", [None, {}, {"matchLabels": {"b": "2", "a": "1"}},
                                 {"matchExpressions": [expr("a", "In", "x", "y"), expr("b", "Exists")]},
                                 {"matchLabels": {"a": "1"}, "matchExpressions": [expr("c", "NotIn", "z")]}])
def test_to_python_round_trips(raw):
    """from_python(to_python(s)) == s, and to_python gives back the plain form."""
    selector = sel(raw)
    assert sel(selector.to_python()) == selector
    if raw is not None:
        assert selector.to_python() == raw


def test_selectors_are_hashable_values():
    """Equal selectors are equal and hash alike regardless of matchLabels order."""
    a = sel({"matchLabels": {"a": "1", "b": "2"}})
    b = sel({"matchLabels": {"b": "2", "a": "1"}})
    assert a == b and hash(a) == hash(b)
    assert LabelSelector({"a": "1", "b": "2"}) == a


@pytest.mark.parametrize("raw,text", [
    (None, "<nothing>"), ({}, "<everything>"),
    ({"matchLabels": {"tier": "fe", "app": "web"}}, "app=web,tier=fe"),
    ({"matchExpressions": [expr("z", "In", "b", "a"), expr("y", "NotIn", "c"), expr("x", "Exists"),
                           expr("w", "DoesNotExist")]}, "!w,x,y notin (c),z in (a,b)"),
])
def test_str_is_the_labels_selector_syntax(raw, text):
    """str() writes the labels.Selector form, sorted by key, as kubectl -l would take it."""
    assert str(sel(raw)) == text


def test_unreadable_selector_prints_as_invalid():
    """A selector whose only content had wrong types prints <invalid>, not <everything>."""
    assert str(sel({"matchLabels": {"a": 1}})) == "<invalid>"


def test_direct_construction_requires_string_labels():
    """Building a LabelSelector in code with non-string labels is a TypeError, not a silent str()."""
    with pytest.raises(TypeError):
        LabelSelector({"a": 1})


def test_requirements_turn_match_labels_into_in():
    """requirements() lists matchLabels as single-value In, then the expressions."""
    selector = sel({"matchLabels": {"app": "web"}, "matchExpressions": [expr("t", "Exists")]})
    assert selector.requirements() == (LabelSelectorRequirement("app", "In", ("web",)),
                                       LabelSelectorRequirement("t", "Exists"))


# ---- map selectors ----------------------------------------------------------------------

@pytest.mark.parametrize("selector,labels,expected", [
    ({"app": "web"}, {"app": "web", "x": "y"}, True),
    ({"app": "web", "tier": "fe"}, {"app": "web"}, False),
    ({"app": "web"}, {"app": "api"}, False),
    ({"app": ""}, {}, False),
    ({"app": ""}, {"app": ""}, True),
    ({}, {"app": "web"}, True),
    ({}, {}, True),
])
def test_match_labels(selector, labels, expected):
    """A map selector needs every pair present and equal; an empty map is vacuously true (callers decide)."""
    assert match_labels(selector, labels) is expected


# ---- overlap ----------------------------------------------------------------------------

OVERLAP = [
    ({"matchLabels": {"app": "web"}}, {"matchLabels": {"app": "web", "tier": "fe"}}, True),
    ({"matchLabels": {"app": "web"}}, {"matchLabels": {"app": "api"}}, False),
    ({"matchLabels": {"app": "web"}}, {"matchLabels": {"tier": "fe"}}, True),
    ({"matchLabels": {"app": "web"}}, {"matchExpressions": [expr("app", "NotIn", "web")]}, False),
    ({"matchLabels": {"app": "web"}}, {"matchExpressions": [expr("app", "NotIn", "api")]}, True),
    ({"matchLabels": {"app": "web"}}, {"matchExpressions": [expr("app", "DoesNotExist")]}, False),
    ({"matchExpressions": [expr("app", "In", "a", "b")]}, {"matchExpressions": [expr("app", "In", "b", "c")]}, True),
    ({"matchExpressions": [expr("app", "In", "a", "b")]}, {"matchExpressions": [expr("app", "In", "c")]}, False),
    ({"matchExpressions": [expr("app", "In", "a", "b")]},
     {"matchExpressions": [expr("app", "NotIn", "a", "b")]}, False),
    ({"matchExpressions": [expr("app", "NotIn", "a")]}, {"matchExpressions": [expr("app", "NotIn", "b")]}, True),
    ({"matchExpressions": [expr("app", "Exists")]}, {"matchExpressions": [expr("app", "NotIn", "a", "b")]}, True),
    ({"matchExpressions": [expr("app", "Exists")]}, {"matchExpressions": [expr("app", "DoesNotExist")]}, False),
    ({"matchExpressions": [expr("a", "DoesNotExist")]}, {"matchExpressions": [expr("a", "NotIn", "x")]}, True),
    ({}, {"matchLabels": {"app": "web"}}, True),
    ({}, {}, True),
    (None, {}, False),
    ({}, None, False),
    (None, None, False),
    ({"matchExpressions": [expr("a", "In", "x"), expr("a", "NotIn", "x")]}, {}, False),  # unsatisfiable alone
]


@pytest.mark.parametrize("a,b,expected", OVERLAP)
def test_selectors_may_overlap(a, b, expected):
    """Overlap is decided per key: absent allowed unless In/Exists, present unless DoesNotExist, from In - NotIn."""
    assert selectors_may_overlap(sel(a), sel(b)) is expected
    assert selectors_may_overlap(sel(b), sel(a)) is expected


def test_overlap_witness_is_a_label_set_both_select():
    """overlap_witness gives concrete labels to quote in a warning, minimal and selected by both."""
    a = sel({"matchLabels": {"app": "web"}, "matchExpressions": [expr("track", "NotIn", "x", "canary")]})
    b = sel({"matchExpressions": [expr("track", "Exists"), expr("app", "In", "web", "api")]})
    witness = overlap_witness(a, b)
    assert witness == {"app": "web", "track": "x0"}
    assert a.matches(witness) and b.matches(witness)
    assert overlap_witness(sel({}), sel({})) == {}


def test_overlap_of_invalid_selectors_raises():
    """Deciding overlap for an invalid selector is an error, not a guess."""
    with pytest.raises(SelectorError):
        selectors_may_overlap(sel({"matchExpressions": [expr("a", "In")]}), sel({}))


KEYS = ["a", "b", "c"]
VALUES = ["1", "2", "3"]


@st.composite
def small_selectors(draw):
    """Selectors over keys a,b,c and values 1,2,3 (nil sometimes), using every operator."""
    if draw(st.integers(0, 19)) == 0:
        return LabelSelector.nothing()
    labels = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2))
    exprs = []
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
        values = []
        if op in ("In", "NotIn"):
            values = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True))
        exprs.append(expr(draw(st.sampled_from(KEYS)), op, *values))
    return sel({"matchLabels": labels, "matchExpressions": exprs})


# Every label set over a,b,c with values 1,2,3 or a value no selector mentions: enough to witness any overlap.
ALL_LABEL_SETS = [
    {k: v for k, v in zip(KEYS, choice) if v is not None}
    for choice in itertools.product([None, *VALUES, "other"], repeat=len(KEYS))
]

label_sets = st.dictionaries(st.sampled_from(KEYS), st.sampled_from([*VALUES, "other"]), max_size=3)


@given(small_selectors(), small_selectors(), label_sets)
def test_property_a_label_set_matching_both_implies_overlap(a, b, labels):
    """If some labels match both selectors, selectors_may_overlap says True."""
    if a.matches(labels) and b.matches(labels):
        assert selectors_may_overlap(a, b)


@given(small_selectors(), small_selectors())
def test_property_overlap_is_exact(a, b):
    """Overlap holds exactly when some label set matches both, and the witness is such a set."""
    witness = overlap_witness(a, b)
    exists = any(a.matches(labels) and b.matches(labels) for labels in ALL_LABEL_SETS)
    assert (witness is not None) == exists
    if witness is not None:
        assert a.matches(witness) and b.matches(witness)
    assert selectors_may_overlap(a, b) == selectors_may_overlap(b, a)


# ---- node selector requirements -----------------------------------------------------------

NODE = {"kubernetes.io/hostname": "n1", "zone": "a", "cpu": "8", "gen": "v2", "big": "9223372036854775807",
        "huge": "9" * 5000}

NODE_REQUIREMENTS = [
    ("zone", "In", ["a", "b"], True),
    ("zone", "In", ["c"], False),
    ("zone", "NotIn", ["c"], True),
    ("zone", "NotIn", ["a"], False),
    ("missing", "NotIn", ["a"], True),
    ("zone", "Exists", [], True),
    ("missing", "Exists", [], False),
    ("missing", "DoesNotExist", [], True),
    ("zone", "DoesNotExist", [], False),
    ("cpu", "Gt", ["4"], True),
    ("cpu", "Gt", ["8"], False),
    ("cpu", "Lt", ["16"], True),
    ("cpu", "Lt", ["8"], False),
    ("cpu", "Gt", ["+4"], True),
    ("cpu", "Gt", ["04"], True),
    ("cpu", "Lt", ["-1"], False),
    ("gen", "Gt", ["1"], False),  # "v2" is not an integer
    ("missing", "Gt", ["1"], False),
    ("missing", "Lt", ["1"], False),
    ("cpu", "Gt", ["4.5"], False),  # the requirement value is not an integer
    ("cpu", "Gt", ["1", "2"], False),  # Gt needs exactly one value
    ("cpu", "Gt", [], False),
    ("big", "Gt", ["9223372036854775806"], True),
    ("big", "Lt", ["9223372036854775808"], False),  # out of int64 range: ParseInt fails
    ("cpu", "Gt", ["0" * 40 + "7"], True),  # ParseInt accepts any number of leading zeros
    ("huge", "Gt", ["1"], False),  # 5000 digits: overflows int64, no crash
    ("zone", "Foo", ["a"], False),
]


@pytest.mark.parametrize("key,op,values,expected", NODE_REQUIREMENTS)
def test_node_selector_requirement_matches(key, op, values, expected):
    """labels.Requirement.Matches: Gt/Lt compare int64 label and value, and fail on anything else."""
    assert NodeSelectorRequirement(key, op, values).matches(NODE) is expected


def term(*expressions, fields=()):
    return NodeSelectorTerm.from_python({"matchExpressions": list(expressions), "matchFields": list(fields)})


def test_term_is_and_of_expressions_and_fields():
    """A term needs every expression and every field requirement."""
    t = term(expr("zone", "In", "a"), expr("cpu", "Gt", "4"), fields=[expr("metadata.name", "In", "n1")])
    assert t.matches(NODE, "n1")
    assert not t.matches(NODE, "n2")
    assert not t.matches({**NODE, "zone": "b"}, "n1")
    assert term(fields=[expr("metadata.name", "NotIn", "n1")]).matches(NODE, "n2")
    assert not term(fields=[expr("metadata.name", "NotIn", "n1")]).matches(NODE, "n1")


def test_match_fields_are_skipped_for_a_nameless_node():
    """component-helpers only checks matchFields when the node has a name."""
    assert term(fields=[expr("metadata.name", "In", "n1")]).matches(NODE, "")


def test_node_selector_terms_are_ored():
    """node_selector_matches is the OR of its terms."""
    terms = [term(expr("zone", "In", "b")), term(expr("zone", "In", "a"))]
    assert node_selector_matches(terms, NODE, "n1")
    assert not node_selector_matches(terms[:1], NODE, "n1")


def test_empty_term_list_and_empty_terms_match_nothing():
    """No terms, or terms with no requirements, select no node (isEmptyNodeSelectorTerm)."""
    assert not node_selector_matches([], NODE, "n1")
    assert not node_selector_matches([NodeSelectorTerm()], NODE, "n1")
    assert not node_selector_matches([{}], NODE, "n1")
    assert not node_selector_matches([{"matchExpressions": [], "matchFields": []}], NODE, "n1")
    assert NodeSelectorTerm.from_python({}).is_empty()


def test_plain_mappings_are_accepted_as_terms():
    """node_selector_matches reads plain term mappings as to_python gives them."""
    assert node_selector_matches([{"matchExpressions": [expr("zone", "Exists")]}], NODE)


def test_typed_terms_are_accepted_by_duck_typing():
    """Decoded terms with match_expressions/match_fields of key/operator/values objects are read too."""
    import types

    req = types.SimpleNamespace(key="zone", operator="In", values=("a",))
    typed = types.SimpleNamespace(match_expressions=(req,), match_fields=())
    assert NodeSelectorTerm.from_python(typed) == term(expr("zone", "In", "a"))
    assert node_selector_matches([typed], NODE, "n1")
    assert not node_selector_matches([types.SimpleNamespace(match_expressions=(), match_fields=())], NODE, "n1")


NODE_TERM_PROBLEMS = [
    (term(expr("zone", "Bogus", "a")), "'Bogus' is not a valid node selector operator"),
    (term(expr("zone", "In")), "values: must be non-empty for operator In"),
    (term(expr("zone", "Exists", "a")), "values: must be empty for operator Exists"),
    (term(expr("cpu", "Gt", "1", "2")), "operator Gt needs exactly one value, got 2"),
    (term(expr("cpu", "Lt")), "operator Lt needs exactly one value, got 0"),
    (term(expr("cpu", "Gt", "abc")), "'abc' is not an integer, as operator Gt requires"),
    (term(expr("cpu", "Gt", "-1")), "values[0]: '-1': a label value must be empty or consist"),
    (term(expr("bad key", "Exists")), "matchExpressions[0].key: name part must consist"),
    (term(fields=[expr("metadata.labels", "In", "x")]), "is not a supported node field (only metadata.name)"),
    (term(fields=[expr("metadata.name", "Exists")]), "'Exists' is not supported for matchFields (use In or NotIn)"),
    (term(fields=[expr("metadata.name", "In", "a", "b")]), "must have exactly one element, got 2"),
    (NodeSelectorTerm.from_python({"matchExpressions": "zone=a"}), "matchExpressions: must be a list"),
    (NodeSelectorTerm.from_python(["zone"]), "nodeSelectorTerm: must be a mapping"),
]


@pytest.mark.parametrize("t,message", NODE_TERM_PROBLEMS)
def test_invalid_terms_report_problems_and_never_match(t, message):
    """A term upstream cannot parse lists its problems and matches no node."""
    assert any(message in p for p in t.validate()), t.validate()
    assert not t.matches(NODE, "n1")


def test_an_invalid_term_does_not_hide_a_valid_one():
    """As LazyErrorNodeSelector: errors in one term do not stop another term from matching."""
    assert node_selector_matches([term(expr("zone", "In")), term(expr("zone", "In", "a"))], NODE, "n1")


def test_negative_gt_value_never_matches_even_a_matching_number():
    """Gt "-1" is valid to the API server but labels.NewRequirement rejects it, so the term never matches."""
    t = term(expr("cpu", "Gt", "-1"))
    assert NodeSelectorRequirement("cpu", "Gt", ("-1",)).matches(NODE)  # the bare comparison would hold
    assert not t.matches(NODE, "n1")
