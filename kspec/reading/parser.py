"""Reading YAML streams: split into documents, scan, parse with Lark, build nodes.

A stream is first cut at its document markers (``---`` and ``...`` at column 0 end
every construct, even a block scalar, so this is exact). Each document is scanned
(``scanner.py``) and parsed on its own, so one bad document never hides the others.
A document with a control character is refused before it is scanned (go-yaml v2's reader
does the same), and a document whose aliases expand excessively or that nests too deeply
is refused after it is built (``limits.py``).
"""

from __future__ import annotations

import itertools
import re
import threading
from importlib import resources

import attrs
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedToken
from lark.lexer import Lexer
from lark.parsers.lalr_analysis import Shift

from kspec.reading import limits
from kspec.reading.errors import ReadError
from kspec.reading.nodes import Document, Mapping, Node, Scalar, Sequence
from kspec.reading.resolve import RESOLVERS, TagError, resolve_tagged
from kspec.reading.scanner import MAX_DEPTH, Scanner
from kspec.reading.source import Source, describe_character

_BLANK_OR_COMMENT = re.compile(r"(?:[ \t]*(?:#[^\n]*)?(?:\n|\Z))*\Z")
_PREFIX_LINE = re.compile(r"[ \t]*(?:#[^\n]*)?\n|%[^\n]*\n?|[ \t]*(?:#[^\n]*)?\Z")
_YAML_DIRECTIVE = re.compile(r"%YAML[ \t]+([0-9]+)\.([0-9]+)(?:[ \t]+#[^\n]*)?[ \t]*\Z")
_TAG_DIRECTIVE = re.compile(r"%TAG[ \t]+(!(?:[0-9A-Za-z-]*!)?)[ \t]+(\S+)(?:[ \t]+#[^\n]*)?[ \t]*\Z")


@attrs.frozen(kw_only=True)
class _Chunk:
    """One document's span of the stream (``start`` is at ``---`` when explicit)."""

    start: int
    end: int
    explicit: bool
    handles: dict = attrs.field(factory=dict)


def read_yaml(text: str, path: str = "<string>", *, schema: str = "kubernetes") -> list[Document]:
    """Every document of a YAML stream; raises the first ``ReadError``."""
    documents, errors = read_stream(text, path, schema=schema)
    if errors:
        raise errors[0]
    return documents


def read_stream(text: str, path: str = "<string>", *,
                schema: str = "kubernetes") -> tuple[list[Document], list[ReadError]]:
    """The documents that read, and one error for each document that did not."""
    source = Source.of(path, text)
    chunks, errors = _split_documents(source)
    controls = source.control_characters()
    documents = []
    for index, chunk in enumerate(chunks):
        if controls:
            bad = next((o for o in controls if chunk.start <= o < chunk.end), None)
            if bad is not None:
                errors.append(_control_error(source, bad))
                continue
        try:
            documents.append(_read_document(source, chunk, index, schema))
        except ReadError as error:
            errors.append(error)
    if controls:  # outside every document: in a directive or comment between them
        inside = [(c.start, c.end) for c in chunks]
        stray = next((o for o in controls if not any(a <= o < b for a, b in inside)), None)
        if stray is not None:
            errors.append(_control_error(source, stray))
    errors.sort(key=lambda e: (e.line, e.column))
    return documents, errors


def _control_error(source: Source, offset: int) -> ReadError:
    """go-yaml v2 (readerc.go) refuses control characters anywhere in the input."""
    ch = source.text[offset]
    code = ord(ch)
    escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    how = ("" if 0xD800 <= code <= 0xDFFF else
           f"; inside a double-quoted value write it as the escape \"{escape}\"")
    return ReadError(f"control character {describe_character(ch)} is not allowed in YAML "
                     f"(Kubernetes refuses it too){how}", source, offset)


# -- splitting ---------------------------------------------------------------

def _markers(text: str) -> list[int]:
    """Offsets of the document markers: ``---`` or ``...`` at column 0, then a space, tab,
    line break or the end. (``str.find`` is many times faster than a multi-line regex.)"""
    found = []
    for marker in ("\n---", "\n..."):
        if text.startswith(marker[1:]) and text[3:4] in ("", " ", "\t", "\n"):
            found.append(0)
        pos = text.find(marker)
        while pos >= 0:
            if text[pos + 4:pos + 5] in ("", " ", "\t", "\n"):
                found.append(pos + 1)
            pos = text.find(marker, pos + 4)
    if len(found) > 1:
        found.sort()
    return found


def _split_documents(source: Source) -> tuple[list[_Chunk], list[ReadError]]:
    text = source.text
    chunks: list[_Chunk] = []
    errors: list[ReadError] = []
    current: _Chunk | None = None
    prefix_start = 0

    def bare_region(start: int, stop: int) -> tuple[bool, dict]:
        """Is ``text[start:stop]`` a bare document? If not, its directives."""
        region = text[start:stop]
        if _BLANK_OR_COMMENT.match(region):
            return False, {}
        pos = 0
        lines = []
        while pos < len(region):
            m = _PREFIX_LINE.match(region, pos)
            if m is None or m.end() == pos:
                return True, {}
            lines.append((start + pos, m.group().rstrip("\n")))
            pos = m.end()
        return False, _directives(source, lines)

    for at in _markers(text):
        if text[at] == "-":
            if current is not None:
                chunks.append(attrs.evolve(current, end=at))
                handles = {}
            else:
                try:
                    bare, handles = bare_region(prefix_start, at)
                except ReadError as error:
                    errors.append(error)
                    bare, handles = False, {}
                if bare:
                    chunks.append(_Chunk(start=prefix_start, end=at, explicit=False))
            current = _Chunk(start=at, end=len(text), explicit=True, handles=handles)
        else:
            line_end = text.find("\n", at)
            line_end = len(text) if line_end < 0 else line_end
            rest = text[at + 3:line_end]
            if rest.strip() and not rest.lstrip().startswith("#"):
                errors.append(ReadError("nothing may follow the document end marker '...' on its line",
                                        source, at + 3 + len(rest) - len(rest.lstrip())))
            if current is not None:
                chunks.append(attrs.evolve(current, end=at))
                current = None
            else:
                try:
                    bare, handles = bare_region(prefix_start, at)
                except ReadError as error:
                    errors.append(error)
                    bare, handles = False, {}
                if bare:
                    chunks.append(_Chunk(start=prefix_start, end=at, explicit=False))
                elif handles.get("__directives__"):
                    errors.append(ReadError("directives must be followed by '---'", source, prefix_start))
            prefix_start = min(line_end + 1, len(text))
    if current is not None:
        chunks.append(current)
    else:
        try:
            bare, handles = bare_region(prefix_start, len(text))
        except ReadError as error:
            errors.append(error)
            bare, handles = False, {}
        if bare:
            chunks.append(_Chunk(start=prefix_start, end=len(text), explicit=False))
        elif handles.get("__directives__"):
            errors.append(ReadError("directives must be followed by '---'", source, prefix_start))
    return chunks, errors


def _directives(source: Source, lines: list[tuple[int, str]]) -> dict:
    """Tag handles declared by %TAG; '__directives__' notes that directives were seen."""
    handles: dict = {}
    seen_yaml = False
    for offset, line in lines:
        if not line.startswith("%"):
            continue
        handles["__directives__"] = True
        if line.startswith("%YAML") and line[5:6] in (" ", "\t"):
            m = _YAML_DIRECTIVE.match(line)
            if m is None:
                raise ReadError("malformed %YAML directive; expected e.g. '%YAML 1.2'", source, offset)
            if seen_yaml:
                raise ReadError("a document may have only one %YAML directive", source, offset)
            if m.group(1) != "1":
                raise ReadError(f"unsupported YAML version {m.group(1)}.{m.group(2)}", source, offset)
            seen_yaml = True
        elif line.startswith("%TAG") and line[4:5] in (" ", "\t"):
            m = _TAG_DIRECTIVE.match(line)
            if m is None:
                raise ReadError("malformed %TAG directive; expected '%TAG !handle! prefix'", source, offset)
            if m.group(1) in handles:
                raise ReadError(f"tag handle {m.group(1)} is declared twice", source, offset)
            handles[m.group(1)] = m.group(2)
    return handles


# -- parsing -----------------------------------------------------------------

class _NoLexer(Lexer):
    """Placeholder: tokens come from ``Scanner`` and are fed to the parser directly."""

    def __init__(self, conf):
        pass

    def lex(self, lexer_state, parser_state):
        raise NotImplementedError


class _Tables:
    """Lark's LALR(1) tables for ``grammar/yaml.lark``, re-keyed for a tight driver.

    Lark compiles the grammar and its callbacks (the builder's methods, with Lark's
    child filters); ``run`` replays Lark's shift/reduce loop over them. Lark's own
    ``ParserState.feed_token`` looks non-terminals up by ``Token`` keys, whose
    ``__eq__`` is Python code: re-keying by plain strings and precomputing each
    rule's (size, origin, callback) makes parsing about twice as fast.
    """

    def __init__(self, parser: Lark):
        inner = parser.parser.parser.parser
        table = inner.parse_table
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        reductions: dict[int, tuple] = {}
        self.states: dict[int, dict[str, tuple]] = {}
        for state, actions in table.states.items():
            row = {}
            for symbol, (action, arg) in actions.items():
                if action is Shift:
                    row[str(symbol)] = (True, arg)
                else:
                    if id(arg) not in reductions:
                        reductions[id(arg)] = (len(arg.expansion), str(arg.origin.name), inner.callbacks[arg])
                    row[str(symbol)] = (False, reductions[id(arg)])
            self.states[state] = row

    def run(self, tokens: list, end_token: Token) -> object:
        """Parse a token list; raises ``UnexpectedToken`` as Lark would."""
        states = self.states
        state_stack = [self.start]
        value_stack: list = []
        end_state = self.end
        for token in itertools.chain(tokens, (end_token,)):
            while True:
                row = states[state_stack[-1]]
                try:
                    shift, arg = row[token.type]
                except KeyError:
                    expected = {s for s in row if s.isupper()}
                    raise UnexpectedToken(token, expected) from None
                if shift:
                    state_stack.append(arg)
                    value_stack.append(token)
                    break
                size, origin, callback = arg
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value_stack.append(callback(children))
                state_stack.append(states[state_stack[-1]][origin][1])
                if token is end_token and state_stack[-1] == end_state:
                    return value_stack[-1]
        raise AssertionError("the LALR driver ended without accepting")  # unreachable for LALR tables


_local = threading.local()


def _parser() -> tuple[_Tables, "_Builder"]:
    """One compiled parser and builder per thread (the builder carries per-document state)."""
    if not hasattr(_local, "tables"):
        grammar = resources.files("kspec.grammar").joinpath("yaml.lark").read_text(encoding="utf-8")
        builder = _Builder()
        _local.tables = _Tables(Lark(grammar, parser="lalr", lexer=_NoLexer, transformer=builder))
        _local.builder = builder
    return _local.tables, _local.builder


def _read_document(source: Source, chunk: _Chunk, index: int, schema: str) -> Document:
    handles = {k: v for k, v in chunk.handles.items() if not k.startswith("__")}
    # The kubernetes schema reads as go-yaml v2 (libyaml) does, which does not check the
    # indentation of a quoted scalar's continuation lines; YAML 1.2 (core) does.
    scanner = Scanner(source, chunk.start, chunk.end, handles, chunk.explicit,
                      quoted_indent_check=schema != "kubernetes")
    tokens = scanner.scan()
    if not tokens:
        return Document(root=None, index=index, explicit=False, source=source,
                        start=chunk.start, end=chunk.end)
    tables, builder = _parser()
    builder.begin(source, schema)
    try:
        root = tables.run(tokens, Token("$END", "", chunk.end, None, None, None, None, chunk.end))
        expansion = builder.expansion
    except UnexpectedToken as error:
        raise _syntax_error(source, error) from None
    finally:
        builder.end()
    if expansion.aliases or expansion.merges or 2 * scanner.max_depth > MAX_DEPTH:
        limits.finish(root, expansion, source, scanner.max_depth)
    return Document(root=root, index=index, explicit=chunk.explicit, source=source,
                    start=chunk.start, end=chunk.end)


_DESCRIBE = {
    "DOC_START": "'---'", "BMAP": "a mapping", "BSEQ": "a sequence", "BEND": "the end of a block",
    "ENTRY": "a sequence entry '- '", "KEY": "a mapping key", "VALUE": "':'", "SKEY": "a mapping key",
    "SCALAR": "a value", "ALIAS": "an alias", "ANCHOR": "an anchor", "TAG": "a tag",
    "FSEQ_START": "'['", "FSEQ_END": "']'", "FMAP_START": "'{'", "FMAP_END": "'}'",
    "COMMA": "','", "$END": "the end of the document",
}


def _syntax_error(source: Source, error: UnexpectedToken) -> ReadError:
    token = error.token
    expected = set(error.expected)
    found = _DESCRIBE.get(token.type, token.type)
    if token.type in ("SCALAR", "SKEY"):
        found = f"{found.removeprefix('a ')} {token.value[:40]!r}"
    if token.type in ("BMAP", "BSEQ") and "BEND" in expected:
        message = (f"bad indentation: {found} starts here, indented deeper than the entries "
                   f"before it; align it with its siblings or give it a parent key")
    elif token.type == "ENTRY" and expected & {"SKEY", "KEY", "BEND"}:
        message = ("a sequence entry '- ' among mapping keys; indent it under a key, "
                   "or check the indentation of the lines above")
    elif token.type in ("SKEY", "KEY") and "ENTRY" in expected:
        message = ("a mapping key where a sequence entry '- ' was expected; check the "
                   "indentation, or start the entry with '- '")
    elif token.type == "COMMA":
        message = "empty entry in a flow collection (two commas in a row?)"
    else:
        wanted = sorted({_DESCRIBE.get(e, e) for e in expected if not e.startswith("__")})
        message = f"unexpected {found}"
        if 0 < len(wanted) <= 4:
            message += f"; expected {' or '.join(wanted)}"
    offset = token.start_pos if token.start_pos is not None else len(source.text)
    return ReadError(message, source, offset)


class _Entries(list):
    """A block sequence's items while it is parsed, with the offsets of its first '-'
    and of its end (the end of the last item, or of the last '-' when that is empty)."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, first: Node):
        super().__init__((first,))
        self.start = start
        self.end = first.end

    def add(self, node: Node) -> "_Entries":
        self.append(node)
        self.end = node.end
        return self


class _Builder(Transformer):
    """Builds nodes as the LALR parser reduces. One method per grammar alias; pairs
    are (key node, value node) tuples collected by the mapping methods."""

    def begin(self, source: Source, schema: str) -> None:
        self.source = source
        self.resolve = RESOLVERS[schema]
        self.merge_keys = schema == "kubernetes"
        # go-yaml v2 decodes !!binary (base64) to the bytes; the YAML test suite keeps the text.
        self.decode_binary = schema == "kubernetes"
        self.anchors: dict[str, Node] = {}
        # Aliases and merge keys, for limits.finish: merging copies pairs out of aliased
        # mappings, so it waits until the aliasing is known not to be excessive.
        self.expansion = limits.Expansion(self.merge_keys)

    def end(self) -> None:
        self.anchors = {}
        self.expansion = None

    def _error(self, message: str, offset: int) -> ReadError:
        return ReadError(message, self.source, offset)

    # -- scalars and empty nodes ---------------------------------------------
    def _scalar(self, tok) -> Scalar:
        text = tok.value
        value = self.resolve(text) if tok.style == "plain" else text
        return Scalar(value, text, tok.style, None, self.source, tok.start_pos, tok.end_pos)

    def _empty(self, offset: int) -> Scalar:
        return Scalar(None, "", "plain", None, self.source, offset, offset)

    def scalar(self, c):
        return self._scalar(c[0])

    def alias(self, c):
        """The anchored node, spanning the alias: its contents keep the positions where
        they were written (the lines to edit), the node itself sits where it is used."""
        tok = c[0]
        try:
            anchored = self.anchors[tok.value]
        except KeyError:
            raise self._error(f"undefined alias *{tok.value}; define '&{tok.value}' before "
                              f"using it", tok.start_pos) from None
        node = attrs.evolve(anchored, start=tok.start_pos, end=tok.end_pos)
        self.expansion.aliases[id(node)] = (node, anchored)
        return node

    # -- properties ------------------------------------------------------------
    def tag_only(self, c):
        return c[0].value, None, c[0].end_pos

    def anchor_only(self, c):
        return None, c[0].value, c[0].end_pos

    def tag_anchor(self, c):
        return c[0].value, c[1].value, c[1].end_pos

    def anchor_tag(self, c):
        return c[1].value, c[0].value, c[1].end_pos

    def with_properties(self, c):
        (tag, anchor, _), node = c
        if tag is not None:
            node = self._apply_tag(node, tag)
        if anchor is not None:
            self.anchors[anchor] = node
        return node

    def empty_node(self, c):
        tag, anchor, offset = c[0]
        node = self._empty(offset)
        if tag is not None:
            node = self._apply_tag(node, tag)
        if anchor is not None:
            self.anchors[anchor] = node
        return node

    def _apply_tag(self, node: Node, tag: str) -> Node:
        if isinstance(node, Scalar):
            try:
                value = resolve_tagged(node.text, tag, self.resolve, binary=self.decode_binary)
            except TagError as error:
                raise self._error(str(error), node.start) from None
            return attrs.evolve(node, value=value, tag=tag)
        return attrs.evolve(node, tag=tag)

    # -- pairs -------------------------------------------------------------------
    def pair(self, c):
        return self._scalar(c[0]), c[1]

    def pair_no_value(self, c):
        return self._scalar(c[0]), self._empty(c[0].end_pos)

    def explicit_pair(self, c):
        return c[1], c[3]

    def explicit_pair_no_value(self, c):
        return c[1], self._empty(c[2].end_pos)

    def explicit_pair_no_key(self, c):
        return self._empty(c[0].end_pos), c[2]

    def explicit_pair_empty(self, c):
        return self._empty(c[0].end_pos), self._empty(c[1].end_pos)

    def explicit_key_only(self, c):
        return c[1], self._empty(c[1].end)

    def explicit_empty_key_only(self, c):
        return self._empty(c[0].end_pos), self._empty(c[0].end_pos)

    def value_only(self, c):
        return self._empty(c[0].start_pos), c[1]

    def value_only_empty(self, c):
        return self._empty(c[0].start_pos), self._empty(c[0].end_pos)

    def key_only(self, c):
        return c[0], self._empty(c[0].end)

    # -- collections ---------------------------------------------------------------
    # Lists are built left-recursively: the first item's fresh child list is the list.
    def list_first(self, c):
        return c

    def list_next(self, c):
        c[0].append(c[1])
        return c[0]

    def list_next_after_comma(self, c):
        c[0].append(c[2])
        return c[0]

    def block_mapping(self, c):
        pairs = c[1]
        last_key, last_value = pairs[-1]
        return self._mapping(pairs, "block", c[0].start_pos, max(last_key.end, last_value.end))

    def flow_mapping(self, c):
        return self._mapping(c[1], "flow", c[0].start_pos, c[-1].end_pos)

    def flow_mapping_empty(self, c):
        return Mapping((), "flow", None, self.source, c[0].start_pos, c[1].end_pos)

    def single_pair_mapping(self, c):
        key, value = c[0]
        return Mapping((c[0],), "flow", None, self.source, key.start, value.end)

    def block_sequence(self, c):
        entries = c[1]
        return Sequence(tuple(entries), "block", None, self.source, c[0].start_pos, entries.end)

    def indentless_sequence(self, c):
        entries = c[0]
        return Sequence(tuple(entries), "block", None, self.source, entries.start, entries.end)

    def entries_first(self, c):
        return _Entries(c[0].start_pos, c[1])

    def entries_first_empty(self, c):
        return _Entries(c[0].start_pos, self._empty(c[0].end_pos))

    def entries_next(self, c):
        return c[0].add(c[2])

    def entries_next_empty(self, c):
        return c[0].add(self._empty(c[1].end_pos))

    def flow_sequence(self, c):
        return Sequence(tuple(c[1]), "flow", None, self.source, c[0].start_pos, c[-1].end_pos)

    def flow_sequence_empty(self, c):
        return Sequence((), "flow", None, self.source, c[0].start_pos, c[1].end_pos)

    def _mapping(self, pairs, style: str, start: int, end: int) -> Mapping:
        seen: dict = {}
        merges = None
        for position, (key, value) in enumerate(pairs):
            if key.__class__ is not Scalar or (key.value is None and not key.text):
                continue  # collection keys and empty keys are not compared
            ident = key.value if key.value.__class__ is str else (key.value.__class__, key.value)
            if self.merge_keys and key.text == "<<" and limits.is_merge_key(key):
                if merges is None:
                    merges = []
                merges.append(position)
                continue
            first = seen.get(ident)
            if first is not None:
                raise self._error(f"duplicate key {key.text!r} in this mapping (first at line "
                                  f"{first.line}); remove one of them", key.start)
            seen[ident] = key
        node = Mapping(tuple(pairs), style, None, self.source, start, end)
        if merges:
            self.expansion.merges.append((node.items, merges, seen))
        return node

    # -- documents -----------------------------------------------------------------
    def document_empty(self, c):
        return None

    def document(self, c):
        return c[1]

    def document_bare(self, c):
        return c[0]
