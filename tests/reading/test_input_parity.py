"""The reader reads text as the API server's reader does (go-yaml v2 under sigs.k8s.io/yaml):
control characters, NEL/LS/PS line breaks, !!binary, encodings, quoted continuation lines;
and what it prints about bad input is always safe to show on a terminal."""

import codecs

import pytest

from kspec.reading import ReadError, read_stream, read_yaml, to_python
from kspec.reading.errors import visible
from kspec.reading.loader import load


def value(text: str, **kw):
    return to_python(read_yaml(text, "in.yaml", **kw)[0].root)


def first_error(text: str, **kw) -> ReadError:
    documents, errors = read_stream(text, "bad.yaml", **kw)
    assert errors
    return errors[0]


# -- control characters -----------------------------------------------------------------

@pytest.mark.parametrize("text, line, column, code", [
    ("a: \x07\n", 1, 4, "U+0007 (BEL)"),
    ("a: 1\n# \x1b[31mred\n", 2, 3, "U+001B (ESC)"),
    ("a: 'x\x7f'\n", 1, 6, "U+007F (DEL)"),
    ("a: |\n  text\x9b\n", 2, 7, "U+009B"),
    ("a: \"\x00\"\n", 1, 5, "U+0000 (NUL)"),
    ("a: \ufffe\n", 1, 4, "U+FFFE"),
])
def test_control_characters_are_refused_at_their_position(text, line, column, code):
    """Control characters go-yaml v2 refuses are an error at their line:column, even in comments and quotes."""
    error = first_error(text)
    assert error.message.startswith(f"control character {code} is not allowed")
    assert (error.line, error.column) == (line, column)


def test_tab_escapes_and_allowed_characters_still_read():
    """Tab, escapes in double quotes, NEL and non-ASCII text are not control characters."""
    assert value('a: "\\e\\x07"\nb: "\tc\xa0d \u00e9"\n') == {"a": "\x1b\x07", "b": "\tc\xa0d \u00e9"}


def test_a_control_character_refuses_only_its_document():
    """The documents before and after the one with a control character still read."""
    documents, errors = read_stream("a: 1\n---\nb: \x01\n---\nc: 3\n", "s.yaml")
    assert [d.to_python() for d in documents] == [{"a": 1}, {"c": 3}]
    assert [(e.line, e.column) for e in errors] == [(3, 4)]


def test_a_control_character_between_documents_is_reported():
    """A control character in a comment after '...' belongs to no document and is still an error."""
    documents, errors = read_stream("a: 1\n...\n# \x02\n", "s.yaml")
    assert [d.to_python() for d in documents] == [{"a": 1}]
    assert [(e.line, e.column) for e in errors] == [(3, 3)]


# -- NEL, LS, PS ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # Line breaks for the structure, as libyaml's is_break (go-yaml v2 scannerc.go):
    ("a: x\x85b: z\n", {"a": "x", "b": "z"}),
    ("a: x\u2028b: z\n", {"a": "x", "b": "z"}),
    ("- a\u2029- b\n", ["a", "b"]),
    ("# comment\u2028a: 1\n", {"a": 1}),
    # NEL reads as LF (read_line "NEL . LF"): folded like any break.
    ("a: 'x\x85  y'\n", {"a": "x y"}),
    ("a: >\n  x\x85  y\n", {"a": "x y\n"}),
    # LS/PS stay themselves in content (read_line "LS|PS . LS|PS") and are never folded.
    ("a: 'one\u2028two'\n", {"a": "one\u2028two"}),
    ("a: 'one\n\u2028two'\n", {"a": "one\u2028two"}),
    ("a: one\n  two\u2029  three\n", {"a": "one two\u2029three"}),
    ('a: "one\\\u2028two"\n', {"a": "onetwo"}),
    ("a: |\n  l1\u2028  l2\n  l3\n", {"a": "l1\u2028l2\nl3\n"}),
    ("a: >\n  l1\u2028  l2\n  l3\n  l4\n", {"a": "l1\u2028l2 l3 l4\n"}),
    ("a: |+\n  l1\u2028\u2028", {"a": "l1\u2028\u2028"}),
    ("a: |-\n  l1\u2029", {"a": "l1"}),
])
def test_nel_ls_ps_are_line_breaks_as_in_go_yaml_v2(text, expected):
    """NEL, LS and PS break lines as in go-yaml v2, LS/PS kept in values (expected = libyaml's reading)."""
    assert value(text) == expected


def test_positions_after_ls_count_it_as_a_line_break():
    """A line after an LS is the next line, as in go-yaml's marks."""
    error = first_error("a: 1\u2028b: [\n")
    assert error.line == 2


# -- !!binary -----------------------------------------------------------------------------

def test_binary_scalars_decode_to_their_bytes_as_a_string():
    """!!binary decodes to a string of its bytes as go-yaml v2 does (non-UTF-8 bytes become U+FFFD)."""
    text = "a: !!binary aGVsbG8=\nb: !!binary |\n  aGVs\n  bG8=\nc: !!binary /w==\nd: !!binary ''\n"
    assert value(text) == {"a": "hello", "b": "hello", "c": "\ufffd", "d": ""}


@pytest.mark.parametrize("text", ["a: !!binary aGVsbG8\n", "a: !!binary 'aGVs bG8='\n", "a: !!binary é\n"])
def test_invalid_base64_is_an_error_at_the_value(text):
    """Base64 that Go's StdEncoding refuses (no padding, spaces, other characters) is an error at the value."""
    error = first_error(text)
    assert error.message == "!!binary value contains invalid base64 data"
    assert (error.line, error.column) == (1, 13)


def test_binary_stays_text_in_the_core_schema():
    """The YAML 1.2 core schema (the test suite's) keeps !!binary text as it is written."""
    assert value("a: !!binary aGVsbG8=\n", schema="core") == {"a": "aGVsbG8="}


# -- quoted continuation lines --------------------------------------------------------------

def test_quoted_continuation_less_indented_than_its_key_reads_as_go_yaml_reads_it():
    """A quoted value continued left of its key reads as in kubectl (libyaml does not check it)."""
    text = ("metadata:\n  annotations:\n    a: \"first\n  second\"\n    b: 'x\ny'\n    c: z\n")
    assert value(text) == {"metadata": {"annotations": {"a": "first second", "b": "x y", "c": "z"}}}


def test_quoted_continuation_indentation_is_still_checked_for_yaml_1_2():
    """The core schema (YAML 1.2, the test suite) keeps the spec's indentation rule."""
    error = first_error("a:\n  b: \"first\n second\"\n", schema="core")
    assert "continuation line" in error.message and (error.line, error.column) == (3, 2)


# -- encodings ---------------------------------------------------------------------------

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\u00e9\n"


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
                                        (codecs.BOM_UTF8, "utf-8")])
def test_utf16_and_utf8_with_a_byte_order_mark_are_read(tmp_path, bom, codec):
    """Files with a UTF-16 (LE or BE) or UTF-8 byte-order mark read as kubectl reads them."""
    path = tmp_path / "pod.yaml"
    path.write_bytes(bom + POD.replace("\n", "\r\n").encode(codec))
    loaded = load([str(path)])
    assert not loaded.errors
    assert loaded.manifests[0].field("metadata", "name") == "caf\u00e9"
    assert loaded.manifests[0].node.key_node("metadata").line == 3


def test_invalid_utf8_is_reported_at_its_line_and_column(tmp_path):
    """A byte that is not UTF-8 is an error at its line:column, shown as an escape in the excerpt."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: caf\xe9\r\n")
    (error,) = load([str(path)]).errors
    assert (error.line, error.column) == (4, 12)
    assert error.message.startswith("not UTF-8 text") and "0xE9" in error.message
    assert error.format().splitlines()[1].strip() == "name: caf\\xe9"


def test_invalid_utf16_is_reported(tmp_path):
    """UTF-16 with a lone surrogate is an error with a position, not a crash."""
    path = tmp_path / "bad16.yaml"
    path.write_bytes(codecs.BOM_UTF16_LE + "a: b\n".encode("utf-16-le") + b"\x00\xd8x\x00")
    (error,) = load([str(path)]).errors
    assert error.message.startswith("not UTF-16LE text") and error.line == 2


def test_stdin_bytes_are_decoded_like_files():
    """Standard input is read as bytes and decoded like a file (UTF-16 with a BOM works)."""
    class Stdin:
        buffer = __import__("io").BytesIO(codecs.BOM_UTF16_LE + POD.encode("utf-16-le"))
    loaded = load(["-"], stdin=Stdin())
    assert not loaded.errors and loaded.manifests[0].field("metadata", "name") == "caf\u00e9"


# -- what errors print -----------------------------------------------------------------------

def test_error_excerpts_show_control_characters_as_escapes_with_the_caret_in_place():
    """An excerpt never echoes ESC or another control character; the caret still points at the column."""
    error = first_error("a: \x1b[2J\x1b]0;owned\x07\n")
    text, excerpt, caret = error.format().splitlines()
    assert "\x1b" not in error.format() and "\x07" not in error.format()
    assert excerpt.strip() == "a: \\x1b[2J\\x1b]0;owned\\x07"
    assert caret.index("^") == excerpt.index("\\x1b")


def test_error_headlines_escape_control_characters_in_paths_and_messages():
    """A file name or a message quoting input never carries a raw control character."""
    error = ReadError("unexpected value 'x\x1b[31m'", path="evil\x1b]0;t\x07.yaml")
    assert error.format() == "evil\\x1b]0;t\\x07.yaml: error: unexpected value 'x\\x1b[31m'"


def test_visible_escapes_c0_c1_ls_ps_and_bidi_controls_only():
    """Tab and ordinary text stay; C0/C1 controls, DEL, LS/PS, bidi overrides become escapes."""
    assert visible("a\tb \u00e9") == "a\tb \u00e9"
    assert visible("\x00\x1b\x7f\x85\x9f\u2028\u202e\ud800") == "\\x00\\x1b\\x7f\\x85\\x9f\\u2028\\u202e\\ud800"


@pytest.mark.parametrize("text, expected", [
    ("k: |\n   \nx: 1\n", {"k": "", "x": 1}),
    ("k: |+\n  \n#: : \n", {"k": "\n"}),
    ("- |\n   \n- x\n", ["", "x"]),
])
def test_a_block_scalar_of_only_blank_lines_is_empty(text, expected):
    """A block scalar with no line of text takes its widest blank line as indentation (libyaml, YAML 1.2 8.1.1.1)."""
    assert value(text) == expected
