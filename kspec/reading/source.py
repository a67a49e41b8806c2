"""Source text and the positions of values in it."""

from __future__ import annotations

import bisect
import re

import attrs

_NEWLINE = re.compile("\n")


@attrs.define(eq=False, slots=True)
class Source:
    """A file's text after line-break normalisation, with offset -> line/column lookup.

    Nodes keep offsets only; line and column are computed when asked, so reading
    stays cheap and every position is still exact. Columns count characters, 1-based.
    """

    path: str
    text: str
    _line_starts: list[int] | None = attrs.field(default=None, repr=False)

    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _NEWLINE.finditer(self.text)]
        return self._line_starts

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        starts = self.line_starts()
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        starts = self.line_starts()
        if not 1 <= line <= len(starts):
            return ""
        end = self.text.find("\n", starts[line - 1])
        return self.text[starts[line - 1] : end if end >= 0 else len(self.text)]


def normalise(text: str) -> str:
    """Drop a UTF-8 byte-order mark and turn CRLF / CR line breaks into LF.

    Columns are unchanged: a CR only ever stood at the end of a line.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
