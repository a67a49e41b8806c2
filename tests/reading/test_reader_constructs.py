"""kspec's YAML reader, construct by construct: every value and every position.

Expected values come from the YAML 1.2 spec and, for plain scalar resolution, from
sigs.k8s.io/yaml over go-yaml v2 (what the API server sees). Positions are 1-based;
an end position is the one just after the node's last character.
"""

import json
import math

import pytest

from kspec.reading import Mapping, Scalar, Sequence, read_stream, read_yaml, to_python

PATH = "t.yaml"


# -- helpers -------------------------------------------------------------------------

def docs(text, **kw):
    return read_yaml(text, PATH, **kw)


def one(text, **kw):
    """The root node of a stream that holds exactly one document."""
    documents = docs(text, **kw)
    assert len(documents) == 1, documents
    return documents[0].root


def at(node, *path):
    """Walk down by mapping key (str) or sequence index (int)."""
    for step in path:
        node = node.items[step] if isinstance(step, int) else node.get(step)
        assert node is not None, step
    return node


def pos(node):
    return node.line, node.column


def span(node):
    return node.line, node.column, node.end_line, node.end_column


def py(text, **kw):
    return to_python(one(text, **kw))


def first_scalar(node):
    """The first scalar value reached by always taking the first item."""
    while not isinstance(node, Scalar):
        node = node.items[0] if isinstance(node, Sequence) else node.items[0][1]
    return node


def same(got, expected):
    """Equal value and type (True is not 1, 1.0 is not 1), NaN equal to NaN."""
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(got, float) and math.isnan(got)
    return type(got) is type(expected) and got == expected


# -- block mappings and sequences ------------------------------------------------------

def test_block_mapping_reads_keys_values_and_positions():
    """A block mapping keeps its pairs in order, each key and value at its own position."""
    root = one("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n")
    assert isinstance(root, Mapping) and root.style == "block"
    assert to_python(root) == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}
    assert [k.text for k, _ in root.items] == ["apiVersion", "kind", "metadata"]
    assert span(root) == (1, 1, 4, 12)
    assert span(root.key_node("kind")) == (2, 1, 2, 5)
    assert span(root.get("kind")) == (2, 7, 2, 10)
    assert span(root.get("metadata")) == (4, 3, 4, 12)
    assert span(at(root, "metadata", "name")) == (4, 9, 4, 12)
    assert root.file == PATH and at(root, "metadata", "name").file == PATH


def test_block_sequence_reads_items_and_positions():
    """A block sequence starts at its first '-' and ends after its last item."""
    root = one("- a\n- b\n-   c\n")
    assert isinstance(root, Sequence) and root.style == "block"
    assert [item.value for item in root.items] == ["a", "b", "c"]
    assert [pos(item) for item in root.items] == [(1, 3), (2, 3), (3, 5)]
    assert span(root) == (1, 1, 3, 6)


def test_nested_block_sequence_under_an_indented_key():
    """A sequence indented under its key is that key's value."""
    root = one("args:\n  - --port\n  - 8080\n")
    args = root.get("args")
    assert [i.value for i in args.items] == ["--port", 8080]
    assert span(args) == (2, 3, 3, 9)
    assert pos(args.items[1]) == (3, 5)


def test_sequence_at_the_same_indentation_as_its_key():
    """'key:' then '- x' at the key's column is the key's sequence, and the next key is a sibling."""
    root = one("a:\n- x\n- z\nb: 1\n")
    assert to_python(root) == {"a": ["x", "z"], "b": 1}
    seq = root.get("a")
    assert isinstance(seq, Sequence) and seq.style == "block"
    assert [span(i) for i in seq.items] == [(2, 3, 2, 4), (3, 3, 3, 4)]
    assert (seq.end_line, seq.end_column) == (3, 4)
    assert pos(root.key_node("b")) == (4, 1)


def test_indentless_sequences_inside_a_sequence_of_mappings():
    """The Kubernetes 'containers:' shape: indentless sequences nested in compact mappings."""
    text = ("spec:\n"
            "  containers:\n"
            "  - name: a\n"
            "    args:\n"
            "    - x\n"
            "    - z\n"
            "    env: []\n"
            "  - name: b\n"
            "  volumes: []\n")
    root = one(text)
    assert to_python(root) == {"spec": {
        "containers": [{"name": "a", "args": ["x", "z"], "env": []}, {"name": "b"}],
        "volumes": []}}
    assert pos(at(root, "spec", "containers", 0)) == (3, 5)
    assert pos(at(root, "spec", "containers", 0, "args", 1)) == (6, 7)
    assert pos(at(root, "spec", "containers", 1, "name")) == (8, 11)
    assert pos(at(root, "spec").key_node("volumes")) == (9, 3)


def test_a_sequence_at_its_keys_indentation_starts_at_its_first_dash():
    """A sequence written at its key's column starts at its first '-', like any block sequence."""
    root = one("a:\n- x\nb:\n-\n- y\n")
    assert span(root.get("a")) == (2, 1, 2, 4)
    assert pos(root.get("b")) == (4, 1)


def test_compact_nested_mapping_in_a_sequence_entry():
    """'- name: x' then '  image: y' is one mapping per entry, starting at its first key."""
    root = one("- name: x\n  image: i\n- name: z\n")
    assert to_python(root) == [{"name": "x", "image": "i"}, {"name": "z"}]
    first = root.items[0]
    assert isinstance(first, Mapping)
    assert span(first) == (1, 3, 2, 11)
    assert span(first.key_node("image")) == (2, 3, 2, 8)
    assert span(first.get("image")) == (2, 10, 2, 11)
    assert span(root.items[1]) == (3, 3, 3, 10)


def test_compact_nested_sequences():
    """'- - a' nests a sequence in a sequence entry; '  - b' continues the inner one."""
    root = one("- - a\n  - b\n- - c\n")
    assert to_python(root) == [["a", "b"], ["c"]]
    inner = root.items[0]
    assert span(inner) == (1, 3, 2, 6)
    assert pos(inner.items[0]) == (1, 5)
    assert pos(inner.items[1]) == (2, 5)
    assert pos(root.items[1].items[0]) == (3, 5)


def test_compact_mapping_inside_compact_nested_sequence():
    """'- - a: 1' then '    b: 2' builds a mapping inside the inner sequence."""
    root = one("- - a: 1\n    b: 2\n  - c\n")
    assert to_python(root) == [[{"a": 1, "b": 2}, "c"]]
    assert span(at(root, 0, 0)) == (1, 5, 2, 9)
    assert pos(at(root, 0, 1)) == (3, 5)


def test_blank_lines_between_a_key_and_its_nested_mapping():
    """Blank lines between 'key:' and its indented content change nothing."""
    root = one("a:\n\n  b: 1\n")
    assert to_python(root) == {"a": {"b": 1}}
    assert pos(at(root, "a", "b")) == (3, 6)


# -- empty values ----------------------------------------------------------------------

def test_empty_mapping_value_is_a_zero_width_null_on_the_keys_line():
    """'key:' with nothing after it has the value null, text '', plain style."""
    root = one("key:\nnext: v\n")
    value = root.get("key")
    assert isinstance(value, Scalar)
    assert (value.value, value.text, value.style, value.tag) == (None, "", "plain", None)
    assert value.line == 1 and (value.line, value.column) == (value.end_line, value.end_column)
    assert pos(root.key_node("next")) == (2, 1)


def test_empty_sequence_entries_are_nulls():
    """'- ' and '-' with nothing after them are null entries on their own lines."""
    root = one("- \n- a\n-\n")
    assert to_python(root) == [None, "a", None]
    empty = root.items[0]
    assert (empty.value, empty.text, empty.style) == (None, "", "plain")
    assert [i.line for i in root.items] == [1, 2, 3]
    assert root.items[2].start == root.items[2].end


def test_explicit_key_without_value():
    """'? a' with no ':' line is the key 'a' with a null value."""
    root = one("? a\n? b\n: c\n")
    assert to_python(root) == {"a": None, "b": "c"}
    assert span(root.key_node("a")) == (1, 3, 1, 4)
    assert root.get("a").value is None and root.get("a").text == ""
    assert span(root.get("b")) == (3, 3, 3, 4)


def test_explicit_complex_keys():
    """'? [a, b]' makes a flow sequence a key; to_python freezes it to a tuple."""
    root = one("? [a, b]\n: c\n")
    key, value = root.items[0]
    assert isinstance(key, Sequence) and span(key) == (1, 3, 1, 9)
    assert span(value) == (2, 3, 2, 4)
    assert to_python(root) == {("a", "b"): "c"}


# -- flow collections -------------------------------------------------------------------

def test_flow_mapping_and_sequence_nested():
    """Flow collections nest; each starts at its bracket and ends after its closer."""
    root = one("{a: 1, b: [x, {c: d}]}\n")
    assert to_python(root) == {"a": 1, "b": ["x", {"c": "d"}]}
    assert root.style == "flow" and span(root) == (1, 1, 1, 23)
    seq = root.get("b")
    assert isinstance(seq, Sequence) and seq.style == "flow" and span(seq) == (1, 11, 1, 22)
    inner = seq.items[1]
    assert isinstance(inner, Mapping) and span(inner) == (1, 15, 1, 21)
    assert span(inner.get("c")) == (1, 19, 1, 20)


@pytest.mark.parametrize("text, expected", [
    ("[a, b, ]\n", ["a", "b"]),
    ("{a: 1, b: 2,}\n", {"a": 1, "b": 2}),
    ("[[a,], {b: c,},]\n", [["a"], {"b": "c"}]),
])
def test_flow_trailing_comma(text, expected):
    """A trailing comma before the closing bracket is allowed and adds no entry."""
    assert py(text) == expected


def test_empty_flow_collections():
    """'[]' and '{}' (also with spaces inside) are empty, positioned at their brackets."""
    root = one("a: []\nb: { }\n")
    assert to_python(root) == {"a": [], "b": {}}
    assert span(root.get("a")) == (1, 4, 1, 6)
    assert span(root.get("b")) == (2, 4, 2, 7)


def test_multi_line_flow_collections():
    """Flow collections may span lines; entries keep their own lines and columns."""
    root = one("{a: 1,\n  b: 2,\n  c: [x,\n    z]}\n")
    assert to_python(root) == {"a": 1, "b": 2, "c": ["x", "z"]}
    assert span(root) == (1, 1, 4, 8)
    assert pos(root.key_node("b")) == (2, 3)
    assert span(root.get("c")) == (3, 6, 4, 7)
    assert pos(at(root, "c", 1)) == (4, 5)


def test_flow_entries_single_pair_key_only_and_json_style():
    """'[a: 1]' is a one-pair mapping, '{a}' a key with null value, '{"d":e}' needs no space."""
    assert py("[a: 1, b]\n") == [{"a": 1}, "b"]
    assert py('{a, b: c, "d":e, f: }\n') == {"a": None, "b": "c", "d": "e", "f": None}
    pair = one("[a: 1, b]\n").items[0]
    assert isinstance(pair, Mapping) and span(pair) == (1, 2, 1, 6)


def test_whole_json_manifest():
    """A JSON manifest reads as YAML: same data, and every value at its place."""
    manifest = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cfg", "labels": {"app": "web"}},
                "data": {"port": "8080", "debug": "no"},
                "list": [1, 2.5, True, None, "s"]}
    text = json.dumps(manifest, indent=2)
    root = one(text)
    assert to_python(root) == manifest
    assert root.style == "flow"
    assert span(root) == (1, 1, 21, 2)
    assert span(root.key_node("apiVersion")) == (2, 3, 2, 15)
    assert span(at(root, "metadata", "labels", "app")) == (7, 14, 7, 19)
    assert at(root, "data", "debug").value == "no"  # quoted: a string, not False
    assert [span(i) for i in at(root, "list").items][:2] == [(15, 5, 15, 6), (16, 5, 16, 8)]


# -- plain and quoted scalars -----------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("url: http://x:80/y\n", "http://x:80/y"),
    ("v: b#c\n", "b#c"),
    ("v: b #c\n", "b"),
    ("v: -x\n", "-x"),
    ("v: :x\n", ":x"),
    ("v: ?x\n", "?x"),
    ("v: a - b\n", "a - b"),
    ("v: 'it''s'\n", "it's"),
    ("v: ''\n", ""),
    ('v: ""\n', ""),
    ("v: '\\n'\n", "\\n"),
    ("v: 'a \"b\" #c'\n", 'a "b" #c'),
])
def test_plain_and_quoted_scalar_values(text, expected):
    """Plain scalars may hold ':', '#', '-' where not indicators; '' is a quote in single quotes."""
    node = one(text).items[0][1]
    assert node.value == expected and node.text == expected


def test_scalar_styles_and_positions():
    """Each scalar records its style; a quoted scalar's span includes its quotes."""
    root = one("p: plain\ns: 'single'\nd: \"double\"\nl: |\n  lit\nf: >\n  fold\n")
    assert [v.style for _, v in root.items] == ["plain", "single", "double", "literal", "folded"]
    assert span(root.get("s")) == (2, 4, 2, 12)
    assert span(root.get("d")) == (3, 4, 3, 12)
    assert span(root.get("l")) == (4, 4, 5, 6)


@pytest.mark.parametrize("escape, char", [
    ("\\0", "\0"), ("\\a", "\a"), ("\\b", "\b"), ("\\t", "\t"), ("\\\t", "\t"),
    ("\\n", "\n"), ("\\v", "\v"), ("\\f", "\f"), ("\\r", "\r"), ("\\e", "\x1b"),
    ("\\ ", " "), ('\\"', '"'), ("\\/", "/"), ("\\\\", "\\"), ("\\N", "\x85"),
    ("\\_", "\xa0"), ("\\L", "\u2028"), ("\\P", "\u2029"), ("\\x41", "A"),
    ("\\u00e9", "\u00e9"), ("\\U0001F600", "\U0001F600"),
])
def test_double_quoted_escape(escape, char):
    """Every YAML 1.2 escape in double quotes reads as its character."""
    node = one(f'v: "<{escape}>"\n').get("v")
    assert node.value == f"<{char}>"
    assert node.style == "double"


def test_all_escapes_in_one_string_keep_the_span_as_written():
    """Escapes change the value, not the source span of the scalar."""
    text = 'v: "\\0\\a\\b\\t\\\t\\n\\v\\f\\r\\e\\ \\"\\/\\\\\\N\\_\\L\\P\\x41\\u00e9\\U0001F600"\n'
    node = one(text).get("v")
    assert node.value == '\0\a\b\t\t\n\v\f\r\x1b "/\\\x85\xa0\u2028\u2029A\u00e9\U0001F600'
    assert span(node) == (1, 4, 1, len(text))


def test_escaped_line_break_joins_lines():
    """A backslash at the end of a double-quoted line joins the next line without a space."""
    node = one('v: "esc\\\n  aped"\n').get("v")
    assert node.value == "escaped"
    assert span(node) == (1, 4, 2, 8)
    assert one('v: "trail  \\\n   x"\n').get("v").value == "trail  x"
    assert one('v: "first\n  \\ second"\n').get("v").value == "first  second"


@pytest.mark.parametrize("text, expected", [
    ('v: "one\n  two"\n', "one two"),
    ('v: "one\n\n  two"\n', "one\ntwo"),
    ('v: "one\n\n\n  two"\n', "one\n\ntwo"),
    ('v: "one  \n  two"\n', "one two"),
    ('v: " lead\n  trail "\n', " lead trail "),
    ('v: "x\\n\n  y"\n', "x\n y"),
    ("v: 'one\n  two'\n", "one two"),
    ("v: 'one  \n\n  two  '\n", "one\ntwo  "),
    ("v: 'it''s\n  ok'\n", "it's ok"),
])
def test_multi_line_quoted_scalar_folding(text, expected):
    """In quoted scalars a single line break folds to a space, n blank lines to n newlines."""
    assert one(text).get("v").value == expected


def test_multi_line_double_quoted_positions():
    """A multi-line quoted scalar ends after its closing quote on the last line."""
    node = one('a: "line one\n  line two\n\n  line three"\nb: 1\n').get("a")
    assert node.text == "line one line two\nline three"
    assert span(node) == (1, 4, 4, 14)


@pytest.mark.parametrize("text, expected", [
    ("v: one\n  two\n", "one two"),
    ("v: one\n\n  two\n", "one\ntwo"),
    ("v: one\n\n\n  two\n", "one\n\ntwo"),
    ("v: one   \n  two   \n", "one two"),
    ("v: one\n  two # comment\n", "one two"),
    ("- one\n  two\n", "one two"),
    ("[one\n two]\n", "one two"),
])
def test_multi_line_plain_scalar_folding(text, expected):
    """A plain scalar continues on more-indented lines; breaks fold like quoted scalars."""
    root = one(text)
    node = root.get("v") if isinstance(root, Mapping) else root.items[0]
    assert node.value == expected and node.style == "plain"


def test_multi_line_plain_scalar_positions():
    """A multi-line plain scalar ends on its last line; the next key is unaffected."""
    root = one("a: plain one\n  two\n\n  three\nb: 1\n")
    assert span(root.get("a")) == (1, 4, 4, 8)
    assert pos(root.key_node("b")) == (5, 1)


# -- block scalars ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # chomping: clip keeps one final newline, strip none, keep all
    ("v: |\n  a\n  b\n\n\n", "a\nb\n"),
    ("v: |-\n  a\n  b\n\n\n", "a\nb"),
    ("v: |+\n  a\n  b\n\n\n", "a\nb\n\n\n"),
    ("v: >\n  a\n  b\n\n", "a b\n"),
    ("v: >-\n  a\n  b\n\n", "a b"),
    ("v: >+\n  a\n  b\n\n", "a b\n\n"),
    ("v: |\n  x\n  z", "x\nz"),  # no final line break to keep at the end of input
    ("v: |\n\n", ""),
    ("v: |+\n\n", "\n"),
    ("v: |-\n\n  x\n\n", "\nx"),
    # literal keeps inner blank lines and trailing spaces
    ("v: |\n  x\n\n  y\n", "x\n\ny\n"),
    ("v: |\n  x  \n  y\t\n", "x  \ny\t\n"),
    # explicit indentation indicators with leading-space content
    ("v: |2\n   leading\n  normal\n", " leading\nnormal\n"),
    ("v: >1-\n  lead\n x\n", " lead\nx"),
    ("- |+2\n    two extra\n   one\n\n", "  two extra\n one\n\n"),
    ("- |1\n  x\n", " x\n"),
    ("a:\n  b: |2\n     x\n    y\n", " x\ny\n"),
    ("a:\n  b: >2-\n     x\n    y\n", " x\ny"),
    ("v: |2-\n  \n  x\n", "\nx"),
    # folding: blank lines become newlines, more-indented lines keep their breaks
    ("v: >\n  one\n  two\n\n  three\n", "one two\nthree\n"),
    ("v: >\n  x\n\n\n  y\n", "x\n\ny\n"),
    ("v: >\n  three\n    indented\n    more\n  back\n", "three\n  indented\n  more\nback\n"),
    ("v: >\n  x\n   y\n  z\n", "x\n y\nz\n"),
    ("v: >\n\n  first\n   more\n\n  last\n", "\nfirst\n more\n\nlast\n"),
    ("v: >\n  x\n  \ty\n  z\n", "x\n\ty\nz\n"),
    # '#' inside a block scalar is content; a less-indented comment ends it
    ("v: |\n  # not a comment\n  x\n# comment\n", "# not a comment\nx\n"),
])
def test_block_scalar_value(text, expected):
    """Block scalars: chomping, explicit indentation and folding as YAML 1.2 chapter 8 says."""
    node = first_scalar(one(text))
    assert node.value == node.text == expected
    assert node.style == ("literal" if "|" in text else "folded")


def test_block_scalar_positions():
    """A block scalar starts at its '|' or '>' and ends after its last content line."""
    root = one("a: |\n  line1\n  line2\n\n\nb: >-\n  x\nc: |+\n  y\n\n\nd: x\n")
    assert span(root.get("a")) == (1, 4, 3, 8)
    assert span(root.get("b")) == (6, 4, 7, 4)
    assert span(root.get("c")) == (8, 4, 9, 4)
    assert pos(root.key_node("d")) == (12, 1)
    assert root.get("a").style == "literal" and root.get("b").style == "folded"


def test_block_scalar_as_a_whole_document():
    """'--- |' starts a document whose root is a block scalar."""
    root = one("--- >-\n  doc\n  more\n...\n")
    assert root.value == "doc more" and root.style == "folded"
    assert pos(root) == (1, 5)


# -- comments -----------------------------------------------------------------------------

def test_comments_everywhere_they_are_legal():
    """Comments after values, between entries, after '---', after keys and at any indentation."""
    text = ("--- # after the document marker\n"
            "# before the first key\n"
            "a: 1 # after a value\n"
            "# between entries\n"
            "b:   # after a key\n"
            "  c: 2\n"
            "# at column 0 inside a nested mapping\n"
            "  d: 3\n"
            "  # indented\n"
            "e: &x # after an anchor\n"
            "  - 1 # after an entry\n"
            "f: |  # after a block scalar header\n"
            "  text # is content\n"
            "g: \"q\" # after a quoted value\n"
            "h: *x # after an alias\n")
    root = one(text)
    assert to_python(root) == {"a": 1, "b": {"c": 2, "d": 3}, "e": [1], "f": "text # is content\n",
                               "g": "q", "h": [1]}
    assert pos(at(root, "b", "d")) == (8, 6)
    assert span(root.get("a")) == (3, 4, 3, 5)


def test_comments_inside_flow_collections():
    """Comments may follow entries and commas inside a multi-line flow collection."""
    root = one("[a, # c\n # d\n b # e\n , c]  # after\n")
    assert to_python(root) == ["a", "b", "c"]
    assert [pos(i) for i in root.items] == [(1, 2), (3, 2), (4, 4)]
    assert py("{ # c\n a: 1 # d\n}\n") == {"a": 1}


def test_comment_after_sequence_indicator_and_explicit_key():
    """'- # c' and '? # c' take their node from the next line."""
    assert py("- # c\n  x\n- # e\n") == ["x", None]
    assert py("? # c\n  a\n: # d\n  b\n") == {"a": "b"}


def test_hash_without_preceding_space_is_content():
    """'#' not preceded by whitespace does not start a comment."""
    assert one("v: a#b\n").get("v").value == "a#b"


# -- documents and directives ------------------------------------------------------------

def test_multi_document_stream_indexes_and_lines():
    """Each document of a stream has its index and starts at its '---' (or its first line)."""
    documents = docs("a: 1\n---\nb: 2\n...\n---\n...\n--- c\n")
    assert [d.index for d in documents] == [0, 1, 2, 3]
    assert [d.explicit for d in documents] == [False, True, True, True]
    assert [(d.line, d.column) for d in documents] == [(1, 1), (2, 1), (5, 1), (7, 1)]
    assert [d.to_python() for d in documents] == [{"a": 1}, {"b": 2}, None, "c"]
    assert documents[2].root is None
    assert pos(documents[3].root) == (7, 5)
    assert all(d.file == PATH for d in documents)


def test_empty_documents_count_in_the_index():
    """Empty documents ('---' then '---') are kept with root None and still take an index."""
    documents = docs("a: 1\n---\n---\nb: 2\n")
    assert [(d.index, d.line, d.root is None) for d in documents] == [(0, 1, False), (1, 2, True),
                                                                      (2, 3, False)]
    assert documents[2].root.get("b").line == 4


def test_streams_without_documents():
    """An empty stream or one with only comments has no documents; '---' alone is one empty one."""
    assert docs("") == []
    assert docs("# only a comment\n\n") == []
    only = docs("---\n# c\n")
    assert len(only) == 1 and only[0].root is None and only[0].explicit


def test_bare_document_after_document_end_marker():
    """After '...', a new bare document may start without '---'."""
    documents = docs("a: 1\n...\nb: 2\n")
    assert [d.to_python() for d in documents] == [{"a": 1}, {"b": 2}]
    assert documents[1].index == 1 and not documents[1].explicit
    assert pos(documents[1].root) == (3, 1)


def test_bare_document_after_document_end_marker_starts_on_its_own_line():
    """A bare document after '...' starts on its own first line, not on the previous '...' line."""
    documents = docs("a: 1\n...\nb: 2\n")
    assert (documents[1].line, documents[1].column) == (3, 1)


def test_yaml_directive():
    """'%YAML 1.2' before '---' is accepted; the document starts at its '---'."""
    documents = docs("%YAML 1.2\n---\na: 1\n")
    assert len(documents) == 1 and documents[0].to_python() == {"a": 1}
    assert documents[0].line == 2 and documents[0].explicit
    assert pos(documents[0].root.get("a")) == (3, 4)


def test_yaml_directive_after_document_end():
    """A directive may follow '...' and applies to the next document."""
    documents = docs("a: 1\n...\n%YAML 1.2\n---\nb: 2\n")
    assert [(d.index, d.line, d.to_python()) for d in documents] == [(0, 1, {"a": 1}), (1, 4, {"b": 2})]


def test_tag_directive_defines_a_handle_for_its_document_only():
    """'%TAG !e! prefix' expands '!e!foo' in the next document."""
    node = one("%TAG !e! tag:example.com,2000:app/\n---\na: !e!foo x\n").get("a")
    assert node.tag == "tag:example.com,2000:app/foo"
    assert node.value == "x"
    primary = one("%TAG ! tag:example.com,2000:\n---\na: !foo x\n").get("a")
    assert primary.tag == "tag:example.com,2000:foo"


def test_directive_looking_line_inside_an_explicit_document_is_content():
    """In '--- a' then '%YAML 1.2' the second line continues the plain scalar (no '...' before it)."""
    documents = docs("--- a\n%YAML 1.2\n---\nb: 2\n")
    assert [d.to_python() for d in documents] == ["a %YAML 1.2", {"b": 2}]


# -- anchors, aliases, merge keys -----------------------------------------------------------

def test_alias_shares_the_anchored_contents_and_spans_the_alias():
    """An alias shares the anchored node's contents (which point at the lines where they were
    written, the lines to edit), while the alias node itself spans the '*name' where it is used."""
    root = one("base: &b\n  x: 1\n  z: 2\nref: *b\ns: &s hello\nt: *s\n")
    assert root.get("ref").items is root.get("base").items
    assert span(root.get("ref").get("x")) == span(root.get("base").get("x")) == (2, 6, 2, 7)
    assert span(root.get("ref")) == (4, 6, 4, 8)
    assert (root.get("t").value, root.get("t").style) == ("hello", "plain")
    assert span(root.get("t")) == (6, 4, 6, 6)
    assert to_python(root) == {"base": {"x": 1, "z": 2}, "ref": {"x": 1, "z": 2}, "s": "hello",
                               "t": "hello"}


def test_anchors_on_sequences_empty_nodes_and_keys():
    """Anchors work on block sequences and empty nodes, and an alias can be a key."""
    root = one("a: &x\n  - 1\nb: *x\n")
    assert root.get("b").items is root.get("a").items
    assert py("- &e\n- *e\n") == [None, None]
    root = one("a: &k key\n*k : v\n")
    assert to_python(root) == {"a": "key", "key": "v"}


def test_collection_ending_with_an_alias_ends_after_the_alias():
    """A mapping or sequence whose last value is an alias ends after that alias, not at the anchor."""
    root = one("a: &x\n  - 1\nb: *x\n")
    assert (root.end_line, root.end_column) == (3, 6)
    seq = one("- &e v\n- *e\n")
    assert (seq.end_line, seq.end_column) == (2, 5)


def test_merge_key_with_one_mapping():
    """'<<: *base' copies the anchored pairs; an explicit key wins wherever it is written."""
    root = one("base: &b\n  x: 1\n  z: 2\nm:\n  w: 0\n  <<: *b\n  z: 3\n")
    m = root.get("m")
    assert to_python(m) == {"w": 0, "x": 1, "z": 3}
    assert "<<" not in [k.text for k, _ in m.items]
    assert m.get("x") is at(root, "base", "x")  # merged values keep the anchor's position
    assert pos(m.get("x")) == (2, 6)
    assert pos(m.get("z")) == (7, 6)


def test_merge_key_with_a_list_of_mappings():
    """'<<: [*a, *b]': explicit keys win, then earlier mappings win over later ones."""
    text = "a: &a {x: 1, w: 1}\nb: &b {w: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 0\n"
    c = one(text).get("c")
    assert to_python(c) == {"x": 0, "w": 1, "z": 2}
    assert pos(c.get("w")) == (1, 17)
    assert pos(c.get("z")) == (2, 17)


def test_merge_key_with_an_inline_mapping_and_explicit_key_before_it():
    """An explicit key written before '<<' also wins over the merged one."""
    assert py("c:\n  w: 9\n  <<: {x: 1, w: 1}\n") == {"c": {"w": 9, "x": 1}}


def test_merge_keys_are_plain_keys_in_the_core_schema():
    """With schema='core' (YAML 1.2, no merge type) '<<' is an ordinary key."""
    assert py("b: &b {x: 1}\nm:\n  <<: *b\n", schema="core") == {"b": {"x": 1}, "m": {"<<": {"x": 1}}}


# -- tags ---------------------------------------------------------------------------------

STR, INT, FLOAT, BOOL, NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))


@pytest.mark.parametrize("text, expected, tag", [
    ("!!str 123", "123", STR),
    ("!!str true", "true", STR),
    ("!!str", "", STR),
    ('!!int "3"', 3, INT),
    ("!!int 0x1F", 31, INT),
    ("!!int 1_000", 1000, INT),
    ("!!float 1", 1.0, FLOAT),
    ('!!float "1.5"', 1.5, FLOAT),
    ("!!bool yes", True, BOOL),
    ('!!bool "false"', False, BOOL),
    ("!!null null", None, NULL),
    ('!!null ""', None, NULL),
    ("!<tag:yaml.org,2002:str> 5", "5", STR),
    ("! 5", "5", "!"),
    ("!local x", "x", "!local"),
])
def test_explicit_scalar_tags(text, expected, tag):
    """An explicit tag decides the type of a scalar and is kept as a full URI."""
    node = one(f"v: {text}\n").get("v")
    assert same(node.value, expected)
    assert node.tag == tag


def test_tagged_scalar_position_is_its_content():
    """A tagged scalar keeps the position of its content and its raw text."""
    node = one("v: !!str 123\n").get("v")
    assert span(node) == (1, 10, 1, 13)
    assert node.text == "123" and node.style == "plain"


def test_tags_on_collections():
    """'!!map', '!!seq' and local tags may be written on collections."""
    root = one("a: !!map {x: 1}\nb: !!seq [1]\nc: !custom\n  x: 1\n")
    assert root.get("a").tag == "tag:yaml.org,2002:map"
    assert root.get("b").tag == "tag:yaml.org,2002:seq"
    assert root.get("c").tag == "!custom" and to_python(root.get("c")) == {"x": 1}


def test_local_tag_keeps_the_scalar_as_text():
    """'!local 12' is the string '12' for Kubernetes: go-yaml v2 only resolves its own tags."""
    node = one("v: !local 12\n").get("v")
    assert same(node.value, "12") and node.tag == "!local"


def test_anchor_and_tag_in_either_order():
    """'&a !!str' and '!!str &a' both apply the tag and define the anchor."""
    root = one("a: &s !!str 12\nb: !!str &t 13\nc: *s\nd: *t\n")
    assert to_python(root) == {"a": "12", "b": "13", "c": "12", "d": "13"}


# -- scalar resolution: Kubernetes (default) and core -----------------------------------------

K8S_RESOLUTION = [
    *[(t, True) for t in "y Y yes Yes YES on On ON true True TRUE".split()],
    *[(t, False) for t in "n N no No NO off Off OFF false False FALSE".split()],
    *[(t, None) for t in ("~", "null", "Null", "NULL", "")],
    ("0777", 511), ("0x1F", 31), ("0b101", 5), ("0o17", 15), ("+1", 1), ("-1", -1), ("0", 0),
    ("1_000", 1000), ("+0x1F", 31), ("-0b11", -3), ("9223372036854775807", 9223372036854775807),
    ("1e3", 1000.0), ("1.10", 1.1), ("1.5e-3", 0.0015), (".5", 0.5), ("1.", 1.0), ("09", 9.0),
    ("18446744073709551616", 18446744073709551616.0),
    (".inf", math.inf), ("+.inf", math.inf), ("-.inf", -math.inf), (".Inf", math.inf),
    (".nan", math.nan), (".NaN", math.nan),
    ("2001-12-14", "2001-12-14"), ("2001-12-14T21:59:43Z", "2001-12-14T21:59:43Z"),
    ("1:20", "1:20"), ("tRUE", "tRUE"), ("yES", "yES"), ("0x", "0x"), ("1.2.3", "1.2.3"),
    ("v1", "v1"),
]


@pytest.mark.parametrize("text, expected", K8S_RESOLUTION, ids=[repr(t) for t, _ in K8S_RESOLUTION])
def test_kubernetes_plain_scalar_resolution(text, expected):
    """Plain scalars resolve as sigs.k8s.io/yaml over go-yaml v2 (YAML 1.1) resolves them."""
    node = one(f"v: {text}\n").get("v")
    assert same(node.value, expected), node.value
    assert node.text == text and node.style == "plain"


@pytest.mark.parametrize("text, value", [
    ("version: 1.10", 1.1), ("value: no", False), ("mode: 0777", 511), ("replicas: 1_0", 10),
    ("enabled: On", True),
])
def test_resolved_scalars_keep_their_raw_text(text, value):
    """'.value' is what Kubernetes sees, '.text' what was written (to explain surprises)."""
    node = one(text + "\n").items[0][1]
    assert same(node.value, value)
    assert node.text == text.split(": ", 1)[1]


@pytest.mark.parametrize("text, expected", [
    ('"yes"', "yes"), ("'1'", "1"), ('"0777"', "0777"), ("'null'", "null"), ('"1.10"', "1.10"),
    ("''", ""), ("|\n  true\n", "true\n"), (">-\n  1.10\n", "1.10"),
])
def test_quoted_and_block_scalars_are_always_strings(text, expected):
    """Quoted and block scalars are strings whatever they contain."""
    node = one(f"v: {text}\n").get("v")
    assert same(node.value, expected)


def test_keys_resolve_like_values():
    """A plain key resolves too: 'on:' is the boolean key true for Kubernetes."""
    root = one("on: push\nn: 1\n")
    assert to_python(root) == {True: "push", False: 1}
    assert root.get(True).value == "push"


CORE_DIFFERENCES = [
    ("yes", "yes", True), ("no", "no", False), ("on", "on", True), ("y", "y", True),
    ("0777", 777, 511), ("09", 9, 9.0), ("0b101", "0b101", 5), ("1_000", "1_000", 1000),
    ("+0x1F", "+0x1F", 31),
]


@pytest.mark.parametrize("text, core, kubernetes", CORE_DIFFERENCES,
                         ids=[t for t, _, _ in CORE_DIFFERENCES])
def test_core_schema_differs_from_kubernetes(text, core, kubernetes):
    """schema='core' resolves with YAML 1.2 core rules; the default follows Kubernetes."""
    assert same(one(f"v: {text}\n", schema="core").get("v").value, core)
    assert same(one(f"v: {text}\n").get("v").value, kubernetes)


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("null", None), ("0x1F", 31), ("0o17", 15), ("1.10", 1.1), ("1e3", 1000.0),
    (".inf", math.inf), ("2001-12-14", "2001-12-14"),
])
def test_core_schema_agrees_where_yaml_1_1_and_1_2_agree(text, expected):
    """Where YAML 1.1 and the 1.2 core schema agree, both schemas give the same value."""
    assert same(one(f"v: {text}\n", schema="core").get("v").value, expected)


# -- real-world oddities ------------------------------------------------------------------

def test_crlf_line_endings_keep_positions():
    """CRLF files read like LF files: same values, same lines and columns."""
    text = 'a: 1\r\nb:\r\n  - x\r\n  - "y z"\r\nc: |\r\n  l1\r\n  l2\r\nd: "x\\\r\n  y"\r\n'
    root = one(text)
    assert to_python(root) == {"a": 1, "b": ["x", "y z"], "c": "l1\nl2\n", "d": "xy"}
    assert span(root.get("a")) == (1, 4, 1, 5)
    assert span(at(root, "b", 1)) == (4, 5, 4, 10)
    assert span(root.get("c")) == (5, 4, 7, 5)
    assert pos(root.key_node("d")) == (8, 1)


def test_lone_cr_line_endings():
    """Old Mac line endings (CR alone) are line breaks too."""
    root = one("a: 1\rb: 2\r")
    assert to_python(root) == {"a": 1, "b": 2}
    assert pos(root.get("b")) == (2, 4)


def test_utf8_bom_is_ignored_and_columns_unchanged():
    """A leading BOM is dropped: the first key is at line 1, column 1."""
    root = one("\ufeffa: 1\nb: 2\n")
    assert to_python(root) == {"a": 1, "b": 2}
    assert span(root.key_node("a")) == (1, 1, 1, 2)
    assert pos(root.get("a")) == (1, 4)
    documents = docs("\ufeff---\na: 1\n")
    assert documents[0].explicit and documents[0].line == 1


def test_tab_after_a_value():
    """Trailing tabs (and a tab before a comment) are not part of the value."""
    root = one("key: value\t\nk2: v2\t# c\nk3: [x,\tz]\t\n")
    assert to_python(root) == {"key": "value", "k2": "v2", "k3": ["x", "z"]}
    assert span(root.get("key")) == (1, 6, 1, 11)
    assert span(root.get("k2")) == (2, 5, 2, 7)


def test_tab_as_separator_after_indicators():
    """A tab may separate ':' or '-' from a value (it is not indentation)."""
    assert py("key:\tvalue\n") == {"key": "value"}
    assert py("-\tx\n") == ["x"]


def test_very_long_line():
    """A line over 50,000 characters reads whole, with the right end column."""
    long = "x" * 50_000
    root = one(f"k: {long}\nk2: 1\n")
    node = root.get("k")
    assert node.value == long
    assert span(node) == (1, 4, 1, 50_004)
    assert pos(root.key_node("k2")) == (2, 1)
    quoted = one(f'k: "{long}"\n').get("k")
    assert quoted.value == long and quoted.end_column == 50_006


DEPTH = 40


def test_deeply_nested_block_mappings():
    """Block mappings nested 40 deep read, each key at its indentation."""
    text = "".join("  " * i + f"k{i}:\n" for i in range(DEPTH)) + "  " * DEPTH + "leaf\n"
    node = one(text)
    for i in range(DEPTH):
        assert pos(node.key_node(f"k{i}")) == (i + 1, 2 * i + 1)
        node = node.get(f"k{i}")
    assert node.value == "leaf" and pos(node) == (DEPTH + 1, 2 * DEPTH + 1)


def test_deeply_nested_block_sequences():
    """Block sequences nested 40 deep read, both one per line and compact ('- - - x')."""
    text = "".join("  " * i + "-\n" for i in range(DEPTH)) + "  " * DEPTH + "leaf\n"
    node = one(text)
    for _ in range(DEPTH):
        node = node.items[0]
    assert node.value == "leaf" and pos(node) == (DEPTH + 1, 2 * DEPTH + 1)
    node = one("- " * DEPTH + "leaf\n")
    for _ in range(DEPTH):
        node = node.items[0]
    assert pos(node) == (1, 2 * DEPTH + 1)


def test_deeply_nested_flow_collections():
    """Flow sequences and mappings nested 40 deep read."""
    node = one("[" * DEPTH + "leaf" + "]" * DEPTH + "\n")
    for _ in range(DEPTH):
        node = node.items[0]
    assert node.value == "leaf" and pos(node) == (1, DEPTH + 1)
    node = one("{a: " * DEPTH + "leaf" + "}" * DEPTH + "\n")
    for _ in range(DEPTH):
        node = node.get("a")
    assert node.value == "leaf" and pos(node) == (1, 4 * DEPTH + 1)


def test_template_text_in_quoted_and_block_scalars():
    """'{{ .Values.x }}' inside quotes or block scalars is plain text, not a flow mapping."""
    root = one('a: "{{ .Values.x }}"\n'
               "b: |\n  {{ .Values.y }}\n  {{- if .z }}\n"
               "c: '{{ include \"x\" . }}'\n"
               "d: >-\n  {{ .Values.d }}\n")
    assert to_python(root) == {"a": "{{ .Values.x }}", "b": "{{ .Values.y }}\n{{- if .z }}\n",
                               "c": '{{ include "x" . }}', "d": "{{ .Values.d }}"}
    assert span(root.get("a")) == (1, 4, 1, 21)
    assert span(root.get("c")) == (5, 4, 5, 25)


def test_read_stream_returns_documents_and_no_errors_for_valid_input():
    """read_stream on a valid stream returns every document and an empty error list."""
    documents, errors = read_stream("a: 1\n---\nb: 2\n", PATH)
    assert errors == []
    assert [d.to_python() for d in documents] == [{"a": 1}, {"b": 2}]
