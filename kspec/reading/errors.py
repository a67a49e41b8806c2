"""kspec's error for input that cannot be read, with file, line and column."""

from __future__ import annotations

import re

from kspec.reading.source import Source

_EXCERPT_WIDTH = 120

# What is never printed as it is: C0 controls other than tab, DEL, C1 controls, the
# LS/PS line breaks, and the bidirectional overrides that reorder what a terminal shows.
# Lone surrogates and U+FFFE/U+FFFF too: they cannot even be written to a UTF-8 terminal.
_INVISIBLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
                        "\ud800-\udfff\ufffe\uffff]")


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character written as an escape (ESC -> ``\\x1b``), so an
    error message never sends a terminal a control sequence from the input."""
    return _INVISIBLE.sub(_escape, text) if _INVISIBLE.search(text) else text


class ReadError(Exception):
    """Input that cannot be read. Formats as ``file:line:column: error: message``
    followed by the offending line and a caret under the column."""

    def __init__(self, message: str, source: Source | None = None, offset: int | None = None,
                 *, path: str | None = None, line: int = 0, column: int = 0):
        self.message = message
        self.path = source.path if source is not None else (path or "<input>")
        self.excerpt = ""
        if source is not None and offset is not None:
            line, column = source.line_column(offset)
            self.excerpt = source.line_text(line)
        self.line = line
        self.column = column
        super().__init__(self.headline())

    def headline(self) -> str:
        where = self.path if not self.line else f"{self.path}:{self.line}:{self.column}"
        return visible(f"{where}: error: {self.message}")

    def format(self) -> str:
        """The one-line error, then the line and a caret, as printed by the CLI."""
        if not self.line:
            return self.headline()
        text, caret = _excerpt(self.excerpt, self.column)
        return f"{self.headline()}\n    {text}\n    {caret}"

    def to_json(self) -> dict:
        return {"file": self.path, "line": self.line, "column": self.column,
                "severity": "error", "message": self.message}


def _excerpt(line: str, column: int) -> tuple[str, str]:
    """Cut a long line around the column; show tabs as single spaces and control characters
    as escapes (``\\x1b``), with the caret under the character it points at."""
    start = max(0, column - 1 - _EXCERPT_WIDTH // 2)
    text = line[start : start + _EXCERPT_WIDTH].replace("\t", " ")
    prefix = "..." if start else ""
    suffix = "..." if start + _EXCERPT_WIDTH < len(line) else ""
    before = visible(text[: column - 1 - start])
    caret = " " * (len(prefix) + len(before)) + "^"
    return prefix + visible(text) + suffix, caret


class NotAnObject(ReadError):
    """A document that is valid YAML but not a mapping, so not a Kubernetes object.
    ``kspec parse`` reports it as an error; ``kspec validate`` skips it with an info finding."""


class Skipped(ReadError):
    """An input entry deliberately not read (a named pipe or device in a directory, a symbolic
    link out of the tree, a Helm chart's templates): a note, not a failure. Every command
    prints it; none fails on it alone."""

    def headline(self) -> str:
        where = self.path if not self.line else f"{self.path}:{self.line}:{self.column}"
        return f"{where}: note: {self.message}"
