"""kspec's YAML reader on bad input: one ReadError, in words a user understands, at the
exact line and column to edit."""

import re

import pytest

from kspec.reading import ReadError, read_stream, read_yaml

PATH = "bad.yaml"


def error(text, **kw) -> ReadError:
    """The ReadError read_yaml raises for ``text``."""
    with pytest.raises(ReadError) as info:
        read_yaml(text, PATH, **kw)
    return info.value


def where(err: ReadError):
    return err.line, err.column


def says(err: ReadError, *patterns: str) -> bool:
    """Does the message match every regular expression (case-insensitive)?"""
    return all(re.search(p, err.message, re.I) for p in patterns)


# -- tabs and indentation ---------------------------------------------------------------

@pytest.mark.parametrize("text, line, column", [
    ("a:\n\tb: 1\n", 2, 1),
    ("a:\n  b: 1\n\tc: 2\n", 3, 1),
    ("a:\n \tb: 1\n", 2, 2),
    ("- a\n\t- b\n", 2, 1),
    ("\ta: 1\n", 1, 1),
])
def test_tab_used_for_indentation(text, line, column):
    """A tab in the indentation is rejected at the tab, and the message says so."""
    err = error(text)
    assert says(err, r"\btab", r"indent")
    assert where(err) == (line, column)


def test_key_indented_deeper_than_its_siblings():
    """A key indented deeper than its siblings is a bad-indentation error on its line."""
    err = error("metadata:\n  name: x\n    namespace: n\n")
    assert says(err, "indent")
    assert where(err) == (3, 14)  # the ':' that cannot start a key there


def test_key_indented_between_two_levels():
    """A key indented less than its siblings but more than its parent is reported at the key."""
    err = error("metadata:\n  labels:\n    app: web\n   tier: fe\n")
    assert says(err, "indent")
    assert where(err) == (4, 4)


def test_sequence_entry_indented_between_two_levels():
    """A '- ' entry indented less than the entries before it is reported at the '-'."""
    err = error("a:\n  - x\n - z\n")
    assert says(err, "indent")
    assert where(err) == (3, 2)


@pytest.mark.parametrize("text, line, column", [
    ("a: 1\n- b\n", 2, 1),
    ("spec:\n  replicas: 1\n  - name: x\n", 3, 3),
])
def test_sequence_entry_among_mapping_keys(text, line, column):
    """A '- ' entry at the column of mapping keys is reported at the '-'."""
    err = error(text)
    assert says(err, "sequence entry|'- '", "mapping|key")
    assert where(err) == (line, column)


@pytest.mark.parametrize("text, line, column", [
    ("- a\n- b\nc: 1\n", 3, 1),
    ("a:\n  - x\n  b: 1\n", 3, 3),
])
def test_mapping_key_where_a_sequence_entry_was_expected(text, line, column):
    """A 'key:' at the column of sequence entries is reported at the key."""
    err = error(text)
    assert says(err, "mapping key|key", "sequence entry|'- '")
    assert where(err) == (line, column)


# -- quotes and brackets ---------------------------------------------------------------------

@pytest.mark.parametrize("text, line, column, kind", [
    ("a: 'abc\nb: 1\n", 1, 4, "single"),
    ('a: "abc\nb: 1\n', 1, 4, "double"),
    ('- "unterminated\n- other\n', 1, 3, "double"),
    ("a: ok\nb: 'never\n  closed\n", 2, 4, "single"),
])
def test_unterminated_quoted_string(text, line, column, kind):
    """An unclosed quote is reported at the opening quote, naming the quote style."""
    err = error(text)
    assert says(err, "unterminated|never closed|not closed", kind)
    assert where(err) == (line, column)


@pytest.mark.parametrize("text, line, column, bracket", [
    ("a: [1, 2\n", 1, 4, r"\["),
    ("a: {x: 1\n", 1, 4, r"\{"),
    ("a: [1, 2\n  b: 3\n", 1, 4, r"\["),
    ("a:\n  b: {x: [1,\n    2]\n", 2, 6, r"\{"),
])
def test_unterminated_flow_collection(text, line, column, bracket):
    """A flow collection still open at the end of the document is reported at its bracket."""
    err = error(text)
    assert says(err, "unterminated|never closed|not closed", bracket)
    assert where(err) == (line, column)


def test_unterminated_flow_sequence_followed_by_the_next_key():
    """'key: [a, b' then 'next: 1' is reported as the '[' that is never closed, at the '['."""
    err = error("key: [a, b\nnext: 1\n")
    assert says(err, "unterminated|never closed|not closed", r"\[")
    assert where(err) == (1, 6)


@pytest.mark.parametrize("text, line, column, closer, opener", [
    ("a: [1, 2}\n", 1, 9, "}", r"\["),
    ("a: {x: 1]\n", 1, 9, "]", r"\{"),
    ("a: {x: [1,\n  2}}\n", 2, 4, "}", r"\["),
])
def test_mismatched_brackets(text, line, column, closer, opener):
    """A closing bracket of the wrong kind is reported at that bracket, naming the opener."""
    err = error(text)
    assert says(err, re.escape(closer), opener, "match")
    assert where(err) == (line, column)


def test_closing_bracket_without_opener():
    """A ']' that closes nothing is reported at the ']'."""
    err = error("x: ]\n")
    assert says(err, r"\]", "never opened|not opened|without")
    assert where(err) == (1, 4)


# -- keys, aliases, escapes, block scalar headers, tags ----------------------------------------

@pytest.mark.parametrize("text, line, column, key, first", [
    ("a: 1\nb: 2\na: 3\n", 3, 1, "a", 1),
    ("spec:\n  b: 1\n  b: 2\n", 3, 3, "b", 2),
    ("{a: 1,\n  a: 2}\n", 2, 3, "a", 1),
])
def test_duplicate_key(text, line, column, key, first):
    """A repeated key is reported at its second occurrence, naming the key and the first line."""
    err = error(text)
    assert says(err, "duplicate", f"'{key}'", rf"line {first}\b")
    assert where(err) == (line, column)


def test_keys_that_resolve_to_the_same_value_are_duplicates():
    """'on' and 'yes' are both the key true for Kubernetes, so the second is a duplicate."""
    err = error("on: 1\nyes: 2\n")
    assert says(err, "duplicate", "line 1")
    assert where(err) == (2, 1)


def test_undefined_alias():
    """An alias to an anchor that was never defined is reported at the '*', naming it."""
    err = error("a: 1\nb: *nope\n")
    assert says(err, "undefined|unknown|not defined", r"\bnope\b")
    assert where(err) == (2, 4)


def test_alias_before_its_anchor_is_undefined():
    """An alias may only refer to an anchor written before it."""
    err = error("a: *later\nb: &later 1\n")
    assert says(err, "undefined|unknown|not defined", "later")
    assert where(err) == (1, 4)


def test_invalid_escape_is_rejected_and_named():
    """An unknown escape in double quotes is rejected on its line, quoting the escape."""
    err = error('a: 1\nb: "bad \\q escape"\n')
    assert says(err, "escape", re.escape("\\q"))
    assert err.line == 2


def test_invalid_escape_points_at_the_backslash():
    """An invalid escape is reported at its backslash, not at the start of the string."""
    err = error('a: 1\nb: "bad \\q escape"\n')
    assert where(err) == (2, 9)


@pytest.mark.parametrize("text, escape", [('a: "\\x4g"\n', "\\x"), ('a: "\\u12"\n', "\\u")])
def test_short_hex_escape_is_invalid(text, escape):
    """'\\x', '\\u' and '\\U' need exactly 2, 4 and 8 hex digits."""
    err = error(text)
    assert says(err, "escape", re.escape(escape))
    assert err.line == 1


@pytest.mark.parametrize("text", ["a: |x\n  text\n", "a: |0\n  text\n", "a: >-+\n  x\n",
                                  "a: |10\n  x\n"])
def test_bad_block_scalar_header(text):
    """A block scalar header other than digit 1-9 and '-'/'+' is reported just after the indicator."""
    err = error(text)
    assert says(err, "block scalar", "header|indicator")
    assert where(err) == (1, 5)


@pytest.mark.parametrize("text, what, column", [
    ("a: !!int abc\n", "int", 10),
    ("a: !!float abc\n", "float", 12),
    ("a: !!bool maybe\n", "bool", 11),
    ("a: !!int 1.5\n", "int", 10),
])
def test_scalar_that_does_not_fit_its_tag(text, what, column):
    """'!!int abc' is an error at the scalar, naming the type it cannot be read as."""
    err = error(text)
    assert says(err, what)
    assert where(err) == (1, column)


def test_undefined_tag_handle():
    """A '!e!' handle needs a %TAG directive in the same document."""
    err = error("%TAG !e! tag:e.com:\n---\na: !e!x 1\n---\nb: !e!x 2\n")
    assert says(err, "tag handle", "!e!")
    assert where(err) == (5, 4)


# -- documents and directives --------------------------------------------------------------------

def test_directive_without_document_start():
    """A directive must be followed by '---'; the error points at the directive."""
    err = error("%YAML 1.2\na: 1\n")
    assert says(err, "directive", "---")
    assert where(err) == (1, 1)


@pytest.mark.parametrize("text", ["%YAML 1.2\n", "%YAML 1.2\n...\n"])
def test_directive_with_no_document(text):
    """A directive followed by nothing (or '...') is an error at the directive."""
    err = error(text)
    assert says(err, "directive", "---")
    assert where(err) == (1, 1)


def test_unsupported_yaml_version():
    """'%YAML 2.0' is rejected at the directive."""
    err = error("%YAML 2.0\n---\na: 1\n")
    assert says(err, "version", r"2\.0")
    assert where(err) == (1, 1)


def test_content_after_document_end_marker():
    """Nothing but a comment may follow '...' on its line."""
    err = error("a: 1\n... junk\n")
    assert says(err, r"\.\.\.", "nothing may follow|after|follow")
    assert where(err) == (2, 5)
    assert read_yaml("a: 1\n... # fine\n")[0].to_python() == {"a": 1}


def test_block_sequence_on_the_line_of_its_key():
    """'key: - a' is rejected at the '-': a block sequence starts on its own line."""
    err = error("key: - a\n")
    assert says(err, "sequence entry|'- '", "not allowed|own line")
    assert where(err) == (1, 6)


def test_second_mapping_value_on_one_line():
    """'key: a: b' is rejected at the second ':'."""
    err = error("key: a: b\n")
    assert says(err, "':'|mapping value", "not allowed|quote")
    assert where(err) == (1, 7)


# -- streams -----------------------------------------------------------------------------------

def test_one_bad_document_does_not_hide_the_others():
    """read_stream returns the good documents and one error at the bad one's position."""
    text = "a: 1\n---\nb: [\n---\nc: 3\n"
    documents, errors = read_stream(text, PATH)
    assert [(d.index, d.to_python()) for d in documents] == [(0, {"a": 1}), (2, {"c": 3})]
    assert len(errors) == 1
    assert where(errors[0]) == (3, 4) and errors[0].path == PATH
    assert says(errors[0], r"\[", "unterminated|never closed|not closed")


def test_errors_in_several_documents_are_all_reported_in_order():
    """Each bad document gives its own error, sorted by position."""
    text = "a: 'x\n---\nok: 1\n---\nb: *none\n"
    documents, errors = read_stream(text, PATH)
    assert [d.to_python() for d in documents] == [{"ok": 1}]
    assert [where(e) for e in errors] == [(1, 4), (5, 4)]


def test_read_yaml_raises_the_first_error():
    """read_yaml raises the first error of the stream."""
    err = error("a: 1\n---\nb: *x\n---\nc: 'open\n")
    assert where(err) == (3, 4)


# -- ReadError itself ----------------------------------------------------------------------------

def test_error_carries_path_line_column_and_headline():
    """A ReadError knows its file, line and column and prints as file:line:column: error: ..."""
    err = error("a: 1\nb: *nope\n")
    assert (err.path, err.line, err.column) == (PATH, 2, 4)
    assert str(err).startswith(f"{PATH}:2:4: error: ")
    assert err.message in str(err)


def test_format_puts_the_caret_under_the_column():
    """format() shows the offending line and a caret under the error's column."""
    err = error("a: 1\nb: [1, 2}\n")
    headline, excerpt, caret = err.format().split("\n")
    assert headline == f"{PATH}:2:9: error: {err.message}"
    assert excerpt == "    b: [1, 2}"
    assert caret == "    " + " " * 8 + "^"
    assert excerpt[caret.index("^")] == "}"


def test_format_lines_up_the_caret_after_tabs():
    """Tabs before the column are shown as single spaces so the caret stays under the error."""
    err = error("a: 1 \tb: c: d\n")
    _, excerpt, caret = err.format().split("\n")
    assert where(err) == (1, 8)
    assert "\t" not in excerpt
    assert excerpt[caret.index("^")] == ":"
    tab = error("a:\n\t\tb: 1\n")
    _, excerpt, caret = tab.format().split("\n")
    assert caret == "    ^" and len(excerpt) == len("    " + "\t\tb: 1")


def test_format_on_a_crlf_file_has_no_carriage_return():
    """The excerpt of a CRLF file shows the line without its '\\r'."""
    err = error("a: 1\r\nb: *nope\r\n")
    _, excerpt, caret = err.format().split("\n")
    assert excerpt == "    b: *nope"
    assert excerpt[caret.index("^")] == "*"


def test_format_cuts_a_long_line_around_the_column():
    """On a very long line the excerpt is a window around the column, the caret still under it."""
    line = "k: [" + "1, " * 2000 + "2} " + ", 3" * 2000 + "]"
    column = line.index("}") + 1
    err = error(line + "\n")
    assert where(err) == (1, column)
    _, excerpt, caret = err.format().split("\n")
    assert excerpt.startswith("    ...") and excerpt.endswith("...")
    assert len(excerpt) < 200
    assert excerpt[caret.index("^")] == "}"
    assert caret.strip() == "^"


def test_format_near_the_end_of_a_long_line():
    """An error near the end of a long line keeps the start cut and the caret aligned."""
    line = "a: [" + ", ".join(str(i) for i in range(100)) + "}"
    err = error(line + "\n")
    _, excerpt, caret = err.format().split("\n")
    assert where(err) == (1, len(line))
    assert excerpt.startswith("    ...") and not excerpt.endswith("...")
    assert excerpt[caret.index("^")] == "}"


def test_format_on_an_error_in_a_later_document():
    """The excerpt is the offending line of the whole stream, not of the document."""
    err = error("a: 1\n---\nb: 2\nc: 'open\n")
    headline, excerpt, caret = err.format().split("\n")
    assert headline.startswith(f"{PATH}:4:4: error: ")
    assert excerpt == "    c: 'open"
    assert excerpt[caret.index("^")] == "'"
