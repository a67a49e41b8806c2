"""The YAML scanner: source text -> the tokens that ``grammar/yaml.lark`` parses.

YAML's lexical structure depends on indentation and on flow context (where a block
scalar ends, whether a plain scalar continues on the next line, whether ``:`` is a
value indicator), which no regular lexer can decide. So, like libyaml and PyYAML,
this scanner keeps a stack of block indentation columns and turns indentation into
structure tokens: ``BMAP``/``BSEQ`` open a block collection, ``BEND`` closes one.
Implicit keys are found after the fact: a node that may be a key is remembered, and
when ``:`` follows on the same line a ``KEY`` (and maybe ``BMAP``) is inserted before
it. The common case, a single-line scalar key, is fused into one ``SKEY`` token,
which halves the tokens of a typical manifest line.

Tokens are Lark ``Token`` objects; offsets only (``start_pos``/``end_pos``): lines and
columns are derived from the ``Source`` when needed.

Nesting is bounded: a block indentation level or a flow collection deeper than
``MAX_DEPTH`` is a ``ReadError`` where it opens, so no later stage (all of which may
recurse once per level) meets a document nested thousands deep, and the scanner stays
linear (its per-token work grows with the number of open flow levels).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from lark import Token

from kspec.reading.errors import ReadError
from kspec.reading.source import Source

# The deepest nesting of mappings and sequences kspec reads. Kubernetes objects and CRD
# schemas nest fewer than 40 levels (the deepest in the corpus: 38, a cert-manager CRD);
# 256 leaves room for any real manifest while every recursive stage after the reader
# (to_python, schema checks, CEL values) stays far below Python's recursion limit.
# go-yaml v2 stops at 10,000 (scannerc.go max_flow_level / max_indents).
MAX_DEPTH = 256


class YamlToken(Token):
    """A Lark token with the scalar style (plain/single/double/literal/folded)."""

    __slots__ = ("style",)


def _token(kind: str, value: str, start: int, end: int, style: str | None = None) -> YamlToken:
    tok = str.__new__(YamlToken, value)
    tok.type = kind
    tok.value = value
    tok.start_pos = start
    tok.end_pos = end
    tok.line = tok.column = tok.end_line = tok.end_column = None
    tok.style = style
    return tok


# Whitespace, comments and line breaks between tokens. A comment must follow
# whitespace or start a line.
_SKIP = re.compile(r"(?:[ \t]*(?:(?<![^ \t\n])#[^\n]*)?\n)*[ \t]*(?:(?<![^ \t\n])#[^\n]*)?")
_SPACES = re.compile(r"[ \t]*")
_INDENT = re.compile(r" *")

# One line's worth of a plain scalar (YAML 1.2 ns-plain-char rules): stops before
# ": ", " #", the line end, and in flow context before , [ ] { }.
# YAML white space is only space and tab (and line breaks): never Python's \s, which
# would also stop at a no-break space inside a value.
_PLAIN_BLOCK = re.compile(r"(?:[^ \t\n:]+|:(?=[^ \t\n])|[ \t]+(?=[^ \t\n:#]|:[^ \t\n]))+")
_PLAIN_FLOW = re.compile(
    r"(?:[^ \t\n:,\[\]{}]+|:(?=[^ \t\n,\[\]{}])|[ \t]+(?=[^ \t\n:#,\[\]{}]|:[^ \t\n,\[\]{}]))+")

_SINGLE_ONE_LINE = re.compile(r"'([^'\n]*)'(?!')")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE_ONE_LINE = re.compile(r'"([^"\\\n]*)"')
_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)

_ANCHOR_NAME = re.compile(r"[^ \t\n,\[\]{}]+")
_TAG = re.compile(r"!(?:<([^> \t\n]*)>|([0-9A-Za-z-]*!)?([^ \t\n!,\[\]{}]*))")
_BLOCK_HEADER = re.compile(r"(?:([1-9])([-+])?|([-+])([1-9])?)?(?:[ \t]+(?:#[^\n]*)?)?(?=\n|\Z)")

_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_HEX_LENGTH = {"x": 2, "u": 4, "U": 8}

# Characters that cannot start a plain scalar (c-indicator), and ones that start
# one only when followed by a "safe" character.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SPACE_OR_END = frozenset(" \t\n")
_FLOW_INDICATORS = frozenset(",[]{}")
_CLOSERS = {"[": "]", "{": "}"}

_SECONDARY = "tag:yaml.org,2002:"


class Scanner:
    """Scans one document (``text[start:end]`` of a source) into a token list."""

    def __init__(self, source: Source, start: int, end: int, tag_handles: dict[str, str] | None = None,
                 explicit: bool = False, quoted_indent_check: bool = True):
        self.source = source
        # YAML 1.2 wants the continuation lines of a quoted scalar indented more than
        # the enclosing block; libyaml (go-yaml v2, so kubectl) does not check them.
        self.quoted_indent_check = quoted_indent_check
        # LS/PS line breaks (offset -> character), put back into scalar values.
        self.special_breaks = source.breaks
        self.explicit = explicit
        self.text = source.text
        self.pos = start
        self.end = end
        self.line_start = start
        self.handles = {"!": "!", "!!": _SECONDARY, **(tag_handles or {})}
        self.flow_level = 0
        self.flow_open: list[tuple[str, int]] = []
        self.indent = -1
        self.indents: list[int] = []
        self.allow_simple_key = True
        # flow level -> (token index, required, offset, line start)
        self.possible_keys: dict[int, tuple[int, bool, int, int]] = {}
        # A block collection may not start on the line of an implicit key's ':' or '---'.
        self.no_collection_line = -1
        self.tokens: list[YamlToken] = []
        # The deepest nesting of block levels and flow collections seen.
        self.max_depth = 0

    # -- errors -------------------------------------------------------------
    def error(self, message: str, offset: int | None = None) -> ReadError:
        return ReadError(message, self.source, self.pos if offset is None else offset)

    # -- driver -------------------------------------------------------------
    def scan(self) -> list[YamlToken]:
        text = self.text
        if self.explicit:
            self.tokens.append(_token("DOC_START", "---", self.pos, self.pos + 3))
            self.no_collection_line = self.line_start
            self.allow_simple_key = False
            self.pos += 3
        while True:
            self.skip_to_token()
            if self.pos >= self.end:
                break
            if self.possible_keys:
                self.drop_stale_keys()
            column = self.pos - self.line_start
            if not self.flow_level:
                self.unwind(column)
            ch = text[self.pos]
            if ch not in _INDICATORS:
                self.fetch_plain()
            elif ch in "-?:" and self.starts_plain(ch):
                self.fetch_plain()
            elif ch == "-":
                self.fetch_block_entry()
            elif ch == ":":
                self.fetch_value()
            elif ch == "?":
                self.fetch_key()
            elif ch in "'\"":
                self.fetch_quoted(ch)
            elif ch in "[{":
                self.fetch_flow_start(ch)
            elif ch in "]}":
                self.fetch_flow_end(ch)
            elif ch == ",":
                self.fetch_flow_entry()
            elif ch in "&*":
                self.fetch_anchor_or_alias(ch)
            elif ch == "!":
                self.fetch_tag()
            elif ch in "|>":
                self.fetch_block_scalar(ch == ">")
            elif ch == "#":
                raise self.error("a comment must be separated from the value before it by a space")
            elif ch == "%":
                raise self.error("a directive must come before '---' at the start of a document")
            else:
                raise self.error(f"{ch!r} is reserved and cannot start a plain value; quote the value")
        if self.flow_level:
            bracket, offset = self.flow_open[-1]
            raise self.error(f"unterminated flow collection: '{bracket}' is never closed", offset)
        self.remove_possible_key()
        self.unwind(-1)
        return self.tokens

    def skip_to_token(self) -> None:
        text = self.text
        start = self.pos
        pos = _SKIP.match(text, start, self.end).end()
        newline = text.rfind("\n", start, pos)
        if newline >= 0:
            self.line_start = line_start = newline + 1
            if not self.flow_level:
                self.allow_simple_key = True
                if pos < self.end and pos - line_start <= self.indent and "\t" in text[line_start:pos]:
                    self.tab_error(text.index("\t", line_start, pos))
            elif pos < self.end:
                self.check_flow_line_indentation(line_start, pos)
        self.pos = pos

    def tab_error(self, offset: int) -> ReadError:
        raise self.error("tab character used for indentation; YAML indents with spaces only", offset)

    def check_flow_line_indentation(self, line_start: int, pos: int) -> None:
        """Lines inside a flow collection are indented more than the enclosing block;
        one that is not is almost always the next entry after a forgotten bracket."""
        indent = len(_INDENT.match(self.text, line_start, pos).group())
        if indent <= self.indent and self.text[pos] not in "]}" or indent < self.indent:
            bracket, offset = self.flow_open[-1]
            line = self.source.line_column(line_start)[0]
            raise self.error(f"unterminated flow collection: '{bracket}' is not closed before "
                             f"line {line}, which is indented as a new block entry", offset)

    # -- indentation --------------------------------------------------------
    def unwind(self, column: int) -> None:
        while self.indent > column:
            self.tokens.append(_token("BEND", "", self.pos, self.pos))
            self.indent = self.indents.pop()

    def add_indent(self, column: int, offset: int) -> bool:
        """Open a block collection at ``column`` if it is deeper than the current one.
        Tabs may separate a value from its indicator but never indent a collection."""
        if self.indent < column:
            if self.no_collection_line == self.line_start:
                raise self.error("a block collection cannot start on the same line as its "
                                 "key or '---'; move it to the next line", offset)
            gap = offset
            while gap > self.line_start and self.text[gap - 1] in " \t":
                gap -= 1
            if "\t" in self.text[gap:offset]:
                self.tab_error(self.text.index("\t", gap, offset))
            self.indents.append(self.indent)
            self.indent = column
            self.deeper(offset)
            return True
        return False

    def deeper(self, offset: int) -> None:
        """Note a collection opened at ``offset``; refuse one nested past ``MAX_DEPTH``."""
        depth = len(self.indents) + self.flow_level
        if depth > self.max_depth:
            self.max_depth = depth
            if depth > MAX_DEPTH:
                raise self.error(depth_message(), offset)

    # -- implicit keys ------------------------------------------------------
    def save_possible_key(self) -> None:
        if self.allow_simple_key:
            self.remove_possible_key()
            column = self.pos - self.line_start
            required = not self.flow_level and self.indent == column
            self.possible_keys[self.flow_level] = (len(self.tokens), required, self.pos, self.line_start)

    def remove_possible_key(self) -> None:
        key = self.possible_keys.pop(self.flow_level, None)
        if key is not None and key[1]:
            raise self.error("expected ':' after this mapping key; every entry of a block "
                             "mapping needs 'key: value'", key[2])

    def drop_stale_keys(self) -> None:
        for level, (_, required, offset, line_start) in list(self.possible_keys.items()):
            # Implicit keys fit on one line, except in a flow mapping (YAML 1.2 7.4.1).
            multi_line_ok = level and self.flow_open[level - 1][0] == "{"
            if (line_start != self.line_start and not multi_line_ok) or self.pos - offset > 1024:
                if required:
                    raise self.error("expected ':' after this mapping key; every entry of a "
                                     "block mapping needs 'key: value'", offset)
                del self.possible_keys[level]

    def starts_plain(self, ch: str) -> bool:
        """'-', '?' and ':' start a plain scalar when a safe character follows."""
        nxt = self.text[self.pos + 1] if self.pos + 1 < self.end else "\n"
        if nxt in _SPACE_OR_END:
            return False
        if self.flow_level and nxt in _FLOW_INDICATORS:
            return False
        if ch == ":" and self.flow_level and self.tokens \
                and self.tokens[-1].type in ("SCALAR", "FSEQ_END", "FMAP_END") \
                and self.tokens[-1].style != "plain":
            return False  # a value right after a JSON-like key: {"a":b}
        return True

    # -- indicators ---------------------------------------------------------
    def fetch_block_entry(self) -> None:
        if self.flow_level:
            raise self.error("a block sequence entry '- ' cannot appear inside a flow collection")
        if not self.allow_simple_key:
            raise self.error("a sequence entry '- ' is not allowed here; start it on its own line")
        if self.add_indent(self.pos - self.line_start, self.pos):
            self.tokens.append(_token("BSEQ", "", self.pos, self.pos))
        self.remove_possible_key()
        self.allow_simple_key = True
        self.tokens.append(_token("ENTRY", "-", self.pos, self.pos + 1))
        self.pos += 1

    def fetch_key(self) -> None:
        if not self.flow_level:
            if not self.allow_simple_key:
                raise self.error("a mapping key '? ' is not allowed here")
            if self.add_indent(self.pos - self.line_start, self.pos):
                self.tokens.append(_token("BMAP", "", self.pos, self.pos))
        self.allow_simple_key = not self.flow_level
        self.remove_possible_key()
        self.tokens.append(_token("KEY", "?", self.pos, self.pos + 1))
        self.pos += 1

    def fetch_value(self) -> None:
        tokens = self.tokens
        key = self.possible_keys.pop(self.flow_level, None)
        if key is not None:
            index, _, offset, line_start = key
            head = tokens[index]
            fused = index == len(tokens) - 1 and head.type == "SCALAR"
            if fused:
                head.type = "SKEY"
            else:
                tokens.insert(index, _token("KEY", "", offset, offset))
            if not self.flow_level:
                if self.add_indent(offset - line_start, offset):
                    tokens.insert(index, _token("BMAP", "", offset, offset))
                self.no_collection_line = self.line_start
            self.allow_simple_key = False
            if fused:
                self.pos += 1
                return
        else:
            if not self.flow_level:
                if not self.allow_simple_key:
                    raise self.error(self.misplaced_value_message())
                if self.add_indent(self.pos - self.line_start, self.pos):
                    tokens.append(_token("BMAP", "", self.pos, self.pos))
            self.allow_simple_key = not self.flow_level
        tokens.append(_token("VALUE", ":", self.pos, self.pos + 1))
        self.pos += 1

    def misplaced_value_message(self) -> str:
        last = self.tokens[-1] if self.tokens else None
        if last is not None and last.type == "SCALAR" and "\n" in self.text[last.start_pos:last.end_pos]:
            line = self.source.line_column(last.start_pos)[0]
            return (f"bad indentation: this line reads as the continuation of the value on line "
                    f"{line}, so its ':' cannot start a key; align the key with its siblings")
        return "a mapping value ':' is not allowed here; check the indentation, or quote a value containing ': '"

    def fetch_flow_start(self, ch: str) -> None:
        self.save_possible_key()
        self.flow_level += 1
        self.flow_open.append((ch, self.pos))
        self.deeper(self.pos)
        self.allow_simple_key = True
        kind = "FSEQ_START" if ch == "[" else "FMAP_START"
        self.tokens.append(_token(kind, ch, self.pos, self.pos + 1))
        self.pos += 1

    def fetch_flow_end(self, ch: str) -> None:
        if not self.flow_level:
            raise self.error(f"'{ch}' closes a flow collection that was never opened")
        opener, offset = self.flow_open[-1]
        if _CLOSERS[opener] != ch:
            line = self.source.line_column(offset)[0]
            raise self.error(f"'{ch}' does not match the '{opener}' opened at line {line}")
        self.remove_possible_key()
        self.flow_level -= 1
        self.flow_open.pop()
        self.allow_simple_key = False
        kind = "FSEQ_END" if ch == "]" else "FMAP_END"
        self.tokens.append(_token(kind, ch, self.pos, self.pos + 1, "flow"))
        self.pos += 1

    def fetch_flow_entry(self) -> None:
        if not self.flow_level:
            raise self.error("',' outside a flow collection; quote the value if the comma is part of it")
        self.allow_simple_key = True
        self.remove_possible_key()
        self.tokens.append(_token("COMMA", ",", self.pos, self.pos + 1))
        self.pos += 1

    def fetch_anchor_or_alias(self, ch: str) -> None:
        self.save_possible_key()
        self.allow_simple_key = False
        m = _ANCHOR_NAME.match(self.text, self.pos + 1, self.end)
        if m is None:
            what = "anchor '&'" if ch == "&" else "alias '*'"
            raise self.error(f"{what} needs a name")
        kind = "ANCHOR" if ch == "&" else "ALIAS"
        self.tokens.append(_token(kind, m.group(), self.pos, m.end()))
        self.pos = m.end()

    def fetch_tag(self) -> None:
        self.save_possible_key()
        self.allow_simple_key = False
        m = _TAG.match(self.text, self.pos, self.end)
        verbatim, handle, suffix = m.groups()
        if verbatim is not None:
            tag = unquote(verbatim)
        elif handle is None:
            tag = self.handles["!"] + unquote(suffix) if suffix else "!"
        else:
            handle = "!" + handle
            if handle not in self.handles:
                raise self.error(f"undefined tag handle {handle}; declare it with a %TAG directive")
            if not suffix:
                raise self.error(f"tag {handle} needs a suffix")
            tag = self.handles[handle] + unquote(suffix)
        end = m.end()
        if end < self.end and self.text[end] not in _SPACE_OR_END and not (
                self.flow_level and self.text[end] in _FLOW_INDICATORS):
            raise self.error("a tag must be followed by a space", end)
        self.tokens.append(_token("TAG", tag, self.pos, end))
        self.pos = end

    # -- scalars ------------------------------------------------------------
    def fetch_plain(self) -> None:
        self.save_possible_key()
        self.allow_simple_key = False
        text = self.text
        start = self.pos
        end = self.end
        pattern = _PLAIN_FLOW if self.flow_level else _PLAIN_BLOCK
        m = pattern.match(text, start, end)
        if m is None:
            raise self.error(f"unexpected character {text[start]!r}")
        stop = m.end()
        value = m.group()
        # A plain scalar continues on following lines that are indented more than the
        # enclosing block (or are inside a flow collection) and are not comments.
        after = _SPACES.match(text, stop, end).end()
        if after < end and text[after] == "\n":
            value, stop = self.plain_continuation(value, stop, pattern)
        self.tokens.append(_token("SCALAR", value, start, stop, "plain"))
        self.pos = stop

    def plain_continuation(self, value: str, stop: int, pattern: re.Pattern) -> tuple[str, int]:
        text = self.text
        end = self.end
        min_indent = self.indent + 1
        pieces = [value]
        special = self.special_breaks
        while True:
            p = _SPACES.match(text, stop, end).end()
            breaks = 0
            line_start = self.line_start
            first_break = p
            while p < end and text[p] == "\n":
                breaks += 1
                line_start = p + 1
                p = _SPACES.match(text, line_start, end).end()
            if not breaks or p >= end or text[p] == "#":
                break
            indent = len(_INDENT.match(text, line_start, p).group())
            if not self.flow_level and indent < min_indent:
                break
            if self.flow_level and indent <= self.indent:
                break
            m = pattern.match(text, p, end)
            if m is None:
                break
            if special and any(special.get(o) for o in range(first_break, line_start)):
                pieces.append(_join_breaks([special.get(o, "\n") for o in range(first_break, line_start)
                                            if text[o] == "\n"]))
            else:
                pieces.append("\n" * (breaks - 1) if breaks > 1 else " ")
            pieces.append(m.group())
            stop = m.end()
            self.line_start = line_start
        return "".join(pieces), stop

    def fetch_quoted(self, quote: str) -> None:
        self.save_possible_key()
        self.allow_simple_key = False
        text = self.text
        start = self.pos
        double = quote == '"'
        m = (_DOUBLE_ONE_LINE if double else _SINGLE_ONE_LINE).match(text, start, self.end)
        if m is not None:
            raw = value = m.group(1)
        else:
            m = (_DOUBLE if double else _SINGLE).match(text, start, self.end)
            if m is None:
                kind = "double" if double else "single"
                raise self.error(f"unterminated {kind}-quoted string: no closing {quote} before "
                                 f"the end of the document", start)
            raw = m.group(1)
            if "\n" in raw:
                if self.quoted_indent_check:
                    self.check_quoted_lines(start, m.end())
                value = _fold_quoted(raw, double, self.break_characters(start + 1, m.end() - 1))
                self.line_start = text.rindex("\n", start, m.end()) + 1
            else:
                value = raw
            if not double:
                value = value.replace("''", "'")
        if double and "\\" in raw:
            value = self.unescape(value, raw, start + 1)
        self.tokens.append(_token("SCALAR", value, start, m.end(), "double" if double else "single"))
        self.pos = m.end()

    def break_characters(self, start: int, stop: int) -> list[str] | None:
        """The line break characters of ``text[start:stop]`` in order, when one of them
        is an LS or PS; None (all LF) otherwise."""
        special = self.special_breaks
        if not special or not any(start <= o < stop for o in special):
            return None
        text = self.text
        return [special.get(o, "\n") for o in range(start, stop) if text[o] == "\n"]

    def check_quoted_lines(self, start: int, stop: int) -> None:
        """Continuation lines of a quoted scalar are indented more than the enclosing block."""
        text = self.text
        newline = text.find("\n", start, stop)
        while newline >= 0:
            line_start = newline + 1
            content = _SPACES.match(text, line_start, stop).end()
            if content < stop and text[content] != "\n":
                indent = len(_INDENT.match(text, line_start, content).group())
                if indent <= self.indent:
                    raise self.error(f"a continuation line of a quoted value must be indented "
                                     f"more than column {self.indent + 1}", content)
            newline = text.find("\n", line_start, stop)

    def unescape(self, value: str, raw: str, raw_start: int) -> str:
        """Replace escape sequences; ``raw`` (before folding) locates a bad one."""
        def replace(m: re.Match) -> str:
            code = m.group(1)
            if code[0] in _HEX_LENGTH and len(code) > 1:
                return chr(int(code[1:], 16))
            try:
                return _ESCAPES[code]
            except KeyError:
                at = raw_start + max(raw.find("\\" + code), 0)
                raise self.error(f"invalid escape sequence '\\{code}' in a double-quoted value; "
                                 f"write '\\\\' for a backslash", at) from None

        return _ESCAPE.sub(replace, value)

    def fetch_block_scalar(self, folded: bool) -> None:
        if self.flow_level:
            raise self.error("a block scalar ('|' or '>') cannot appear inside a flow collection")
        self.remove_possible_key()
        self.allow_simple_key = True
        text = self.text
        end = self.end
        start = self.pos
        m = _BLOCK_HEADER.match(text, start + 1, end)
        if m is None:
            raise self.error("invalid block scalar header: after '|' or '>' write an optional "
                             "indentation digit 1-9 and chomping '-' or '+', then a line break", start + 1)
        digit = m.group(1) or m.group(4)
        chomp = m.group(2) or m.group(3)
        p = m.end()
        header_end = p
        parent = self.indent
        min_indent = max(parent + 1, 0)
        lines: list[str] = []
        last_break = False
        q = p + 1 if p < end else end
        if digit:
            indent = max(parent, 0) + int(digit)
        else:
            indent = self._detect_block_indent(q, min_indent)
        content_end = header_end
        special = self.special_breaks
        ends: list[int] = []
        while q < end:
            line_end = text.find("\n", q, end)
            if line_end < 0:
                line_end = end
            if special:
                ends.append(line_end)
            spaces = len(_INDENT.match(text, q, line_end).group())
            if q + spaces == line_end and spaces <= indent:
                lines.append("")
            elif spaces >= indent:
                lines.append(text[q + indent:line_end])
                content_end = line_end
            else:
                if not text[q + spaces:line_end].strip(" \t"):
                    self.tab_error(q + spaces)
                break
            last_break = line_end < end
            q = line_end + 1 if line_end < end else end
        if special and any(o in special for o in ends):
            value = _block_scalar_value_breaks(lines, [special.get(o, "\n") for o in ends if o < end],
                                               folded, chomp)
        else:
            value = _block_scalar_value(lines, folded, chomp, last_break)
        self.tokens.append(_token("SCALAR", value, start, content_end, "folded" if folded else "literal"))
        self.pos = q
        self.line_start = q

    def _detect_block_indent(self, q: int, min_indent: int) -> int:
        """Content indentation = that of the first non-empty line; leading empty lines
        must not be indented more than it (YAML 1.2 section 8.1.1.1)."""
        text = self.text
        end = self.end
        widest_empty = 0
        widest_offset = q
        while q < end:
            line_end = text.find("\n", q, end)
            if line_end < 0:
                line_end = end
            spaces = len(_INDENT.match(text, q, line_end).group())
            if q + spaces != line_end:
                indent = max(spaces, min_indent)
                if spaces >= min_indent and widest_empty > spaces:
                    raise self.error("a leading empty line of this block scalar has more spaces "
                                     "than its first line of text", widest_offset)
                # No line of text: the widest empty line decides (YAML 1.2 8.1.1.1; libyaml's
                # max_indent), so "k: |" + "   " + "x: 1" is "", not "  \n".
                return indent if spaces >= min_indent else max(min_indent, widest_empty, 1)
            if spaces > widest_empty:
                widest_empty, widest_offset = spaces, q
            q = line_end + 1
        return max(min_indent, widest_empty, 1)


def depth_message() -> str:
    return (f"nesting deeper than {MAX_DEPTH} levels of mappings and sequences; kspec reads at "
            f"most {MAX_DEPTH} (Kubernetes objects nest fewer than 50)")


def _join_breaks(chars: list[str]) -> str:
    """What the line breaks between two lines of a plain or quoted scalar become, as libyaml
    folds them: the first break (LF) becomes a space, or the breaks of the empty lines
    after it stay; an LS/PS first break is kept as it is, with the rest."""
    lead, trail = chars[0], "".join(chars[1:])
    if lead == "\n":
        return trail or " "
    return lead + trail


def _fold_quoted(raw: str, double: bool, chars: list[str] | None = None) -> str:
    """Line folding of a multi-line quoted scalar: a single line break becomes a space,
    n empty lines become n newlines, whitespace around breaks is dropped, and in double
    quotes a backslash before the break joins the lines. ``chars`` are the break
    characters when one is an LS/PS (``_join_breaks``)."""
    lines = raw.split("\n")
    last = len(lines) - 1
    out: list[str] = []
    empties = 0
    joined = False
    for i, line in enumerate(lines):
        if i:
            line = line.lstrip(" \t")
        escaped = False
        if i < last:
            if double and _odd_backslashes(line):
                line = line[:-1]
                escaped = True
            else:
                stripped = line.rstrip(" \t")
                if double and len(stripped) < len(line) and _odd_backslashes(stripped):
                    stripped = line[:len(stripped) + 1]
                line = stripped
        if i and i < last and not line and not escaped:
            empties += 1
            continue
        if i:
            if chars is None:
                out.append("\n" * empties if (empties or joined) else " ")
            elif joined:  # the escaped break is gone; the empty lines' breaks stay
                out.append("".join(chars[i - empties:i]))
            else:
                out.append(_join_breaks(chars[i - 1 - empties:i]))
        out.append(line)
        empties = 0
        joined = escaped
    return "".join(out)


def _odd_backslashes(text: str) -> bool:
    return (len(text) - len(text.rstrip("\\"))) % 2 == 1


def _block_scalar_value(lines: list[str], folded: bool, chomp: str | None, last_break: bool) -> str:
    """Join a block scalar's content lines (indentation removed) and apply chomping.

    A last line cut by the end of input has no line break to keep, as libyaml and
    go-yaml v2 (what Kubernetes reads with) decide: ``key: |`` + ``  x`` at EOF is "x".
    """
    last = len(lines) - 1
    while last >= 0 and not lines[last]:
        last -= 1
    trailing = len(lines) - 1 - last
    if last < 0:
        body = ""
    elif folded:
        body = _fold_block(lines[:last + 1])
    else:
        body = "\n".join(lines[:last + 1])
    if chomp == "-":
        return body
    content_break = "\n" if last >= 0 and (last < len(lines) - 1 or last_break) else ""
    if chomp == "+":
        return body + content_break + "\n" * (trailing if last_break else max(trailing - 1, 0))
    return body + content_break


def _block_scalar_value_breaks(lines: list[str], chars: list[str], folded: bool, chomp: str | None) -> str:
    """A block scalar's value when its line breaks include LS/PS: libyaml's
    ``yaml_parser_scan_block_scalar`` step by step. ``chars[k]`` is the break after
    ``lines[k]`` (the last line may have none). Folding only ever joins at an LF."""
    out: list[str] = []
    leading_break = ""
    trailing: list[str] = []
    leading_blank = False
    for k, line in enumerate(lines):
        brk = chars[k] if k < len(chars) else ""
        if not line:
            trailing.append(brk)
            continue
        trailing_blank = line[0] in " \t"
        if folded and leading_break == "\n" and not leading_blank and not trailing_blank:
            if not trailing:
                out.append(" ")
        else:
            out.append(leading_break)
        out.extend(trailing)
        trailing = []
        leading_blank = trailing_blank
        out.append(line)
        leading_break = brk
    if chomp != "-":
        out.append(leading_break)
    if chomp == "+":
        out.extend(trailing)
    return "".join(out)


def _fold_block(lines: list[str]) -> str:
    """Folded style: a break between two lines of text becomes a space; breaks next to
    empty or more-indented lines are kept."""
    out: list[str] = []
    i = 0
    while i < len(lines) and not lines[i]:
        out.append("\n")
        i += 1
    if i == len(lines):
        return "".join(out)
    prev = lines[i]
    out.append(prev)
    i += 1
    while i < len(lines):
        empties = 0
        while not lines[i]:
            empties += 1
            i += 1
        line = lines[i]
        if prev[0] not in " \t" and line[0] not in " \t":
            out.append("\n" * empties if empties else " ")
        else:
            out.append("\n" * (empties + 1))
        out.append(line)
        prev = line
        i += 1
    return "".join(out)
