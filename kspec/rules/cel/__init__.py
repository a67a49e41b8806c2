"""kspec's CEL engine: ``compile_expression(text) -> Program``; ``program.evaluate(activation)``.

Parsed with ``grammar/cel.lark``, compiled once to Python closures (see ``compiler``),
evaluated with CEL's semantics and the Kubernetes CEL libraries (see ``functions``).
Values in and out are plain Python (dicts, lists, str, int, float, bool, None);
uint, timestamp, duration and type values are small classes from ``values``.
"""

from __future__ import annotations

from typing import Any

from kspec.rules.cel.compiler import CelParseError as _ParseError
from kspec.rules.cel.compiler import compile_text
from kspec.rules.cel.values import CelError, CelEvalError, to_plain

__all__ = ["CelError", "CelEvalError", "CelParseError", "Program", "compile_expression"]


class CelParseError(CelError):
    """A syntax error, positioned in the file the expression came from."""

    def __init__(self, message: str, *, file: str | None, line: int, column: int):
        super().__init__(f"{file or '<expression>'}:{line}:{column}: {message}")
        self.message, self.file, self.line, self.column = message, file, line, column


class Program:
    """A compiled expression. ``evaluate`` raises ``CelEvalError`` on a runtime error."""

    __slots__ = ("source", "_run")

    def __init__(self, source: str, run):
        self.source, self._run = source, run

    def evaluate(self, activation: dict[str, Any] | None = None) -> Any:
        try:
            return to_plain(self._run(activation or {}))
        except RecursionError:
            raise CelEvalError("expression too deeply nested") from None

    def evaluate_raw(self, activation: dict[str, Any] | None = None) -> Any:
        """The result with CEL's own value classes (uint stays ``UInt``)."""
        return self._run(activation or {})


def compile_expression(text: str, *, file: str | None = None, line: int = 1, column: int = 1) -> Program:
    """Parse and compile ``text``; errors point into ``file`` where the expression starts at
    ``line``:``column``."""
    try:
        return Program(text, compile_text(text))
    except _ParseError as error:
        at_line = line + error.line - 1
        at_column = column + error.column - 1 if error.line == 1 else error.column
        raise CelParseError(error.message, file=file, line=at_line, column=at_column) from None
    except RecursionError:
        raise CelParseError("expression too deeply nested", file=file, line=line, column=column) from None
