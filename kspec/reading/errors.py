"""kspec's error for input that cannot be read, with file, line and column."""

from __future__ import annotations

from kspec.reading.source import Source

_EXCERPT_WIDTH = 120


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
        return f"{where}: error: {self.message}"

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
    """Cut a long line around the column; show tabs as single spaces so the caret lines up."""
    start = max(0, column - 1 - _EXCERPT_WIDTH // 2)
    text = line[start : start + _EXCERPT_WIDTH].replace("\t", " ")
    prefix = "..." if start else ""
    suffix = "..." if start + _EXCERPT_WIDTH < len(line) else ""
    caret = " " * (len(prefix) + column - 1 - start) + "^"
    return prefix + text + suffix, caret


class NotAnObject(ReadError):
    """A document that is valid YAML but not a mapping, so not a Kubernetes object.
    ``kspec parse`` reports it as an error; ``kspec validate`` skips it with an info finding."""
