"""Source text and the positions of values in it.

Text reaches the reader the way go-yaml v2 (through sigs.k8s.io/yaml, what kubectl and
the API server use) would see it:

- **Encodings** (``decode``): UTF-8, with or without a byte-order mark, and UTF-16 LE/BE
  with a byte-order mark, as kubectl's file reader accepts them
  (``unicode.BOMOverride`` in k8s.io/cli-runtime). Bytes that are not valid text are a
  ``ReadError`` at their line and column (kubectl would replace them with U+FFFD, which
  silently changes the value; kspec reports them).
- **Line breaks** (``normalise``): CRLF and CR become LF. NEL (U+0085) is a line break that
  reads as LF, and LS (U+2028) and PS (U+2029) are line breaks that stay themselves inside
  scalar content: that is libyaml's ``read_line`` (go-yaml v2 ``scannerc.go``: "NEL . LF",
  "LS|PS . LS|PS"), which follows YAML 1.1. (YAML 1.2 no longer treats them as breaks;
  kspec reads YAML as Kubernetes does.) Every one of them is one character, so columns
  never move; LS/PS are stored as LF in ``Source.text`` and remembered in
  ``Source.breaks`` so the scanner can put them back into scalar values.
- **Control characters** (``control_characters``): go-yaml v2 ``readerc.go`` accepts only
  tab, LF, CR, printable ASCII, NEL, U+00A0-U+D7FF, U+E000-U+FFFD and U+10000 and above;
  anything else is "control characters are not allowed".
"""

from __future__ import annotations

import bisect
import codecs
import re

import attrs

_NEWLINE = re.compile("\n")

# Characters that need a second look: CR, NEL, LS, PS and everything go-yaml rejects.
# For ASCII text (almost every manifest) the same test is a byte-table deletion.
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"
_UNUSUAL = re.compile("[\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
# What go-yaml v2's reader rejects (yaml_parser_update_buffer: "control characters are
# not allowed"), once CR has become LF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")

_C0_NAMES = ("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF",
             "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
             "SUB", "ESC", "FS", "GS", "RS", "US")


@attrs.define(eq=False, slots=True)
class Source:
    """A file's text after line-break normalisation, with offset -> line/column lookup.

    Nodes keep offsets only; line and column are computed when asked, so reading
    stays cheap and every position is still exact. Columns count characters, 1-based.
    ``breaks`` maps the offset of each LS/PS line break (stored as LF in ``text``) to
    the character that was written there; it is empty for almost every file.
    """

    path: str
    text: str
    _line_starts: list[int] | None = attrs.field(default=None, repr=False)
    breaks: dict = attrs.field(factory=dict, repr=False)
    # False when the text is known to hold nothing but tab, LF and printable characters.
    unusual: bool = attrs.field(default=True, repr=False)

    @classmethod
    def of(cls, path: str, text: str) -> "Source":
        """The source of raw text: BOM dropped, line breaks normalised (see ``normalise``)."""
        text, breaks, unusual = _normalise(text)
        return cls(path, text, breaks=breaks, unusual=unusual)

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

    def control_characters(self) -> list[int]:
        """Offsets of the characters go-yaml v2 rejects as control characters."""
        if not self.unusual:
            return []
        return [m.start() for m in _CONTROL.finditer(self.text)]


def normalise(text: str) -> str:
    """Drop a UTF-8 byte-order mark and turn CRLF / CR / NEL / LS / PS line breaks into LF.

    Columns are unchanged: a CR only ever stood at the end of a line, and the others
    are one character each.
    """
    return _normalise(text)[0]


def _normalise(text: str) -> tuple[str, dict, bool]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.isascii():
        if not text.encode("ascii").translate(None, _PLAIN_ASCII):
            return text, {}, False
    elif _UNUSUAL.search(text) is None:
        return text, {}, False
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x85" in text:
        text = text.replace("\x85", "\n")
    breaks: dict[int, str] = {}
    if "\u2028" in text or "\u2029" in text:
        breaks = {m.start(): m.group() for m in re.finditer("[\u2028\u2029]", text)}
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return text, breaks, True


def describe_character(ch: str) -> str:
    """``U+001B (ESC)``: a character named so that nothing invisible is printed."""
    code = ord(ch)
    name = _C0_NAMES[code] if code < 32 else "DEL" if code == 0x7F else None
    return f"U+{code:04X}" + (f" ({name})" if name else "")


# -- bytes -> text ------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
         (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"))


class DecodeProblem(ValueError):
    """Bytes that are not text: ``text`` is the input decoded with the bad bytes shown
    as ``\\xNN``, and ``offset`` the offset of the first bad byte in ``normalise(text)``."""

    def __init__(self, message: str, text: str, offset: int):
        super().__init__(message)
        self.message, self.text, self.offset = message, text, offset


def decode(data: bytes) -> str:
    """The text of a file's bytes, as kubectl reads them: a UTF-16 or UTF-8 byte-order
    mark chooses the encoding (and is dropped), otherwise UTF-8. Raises ``DecodeProblem``."""
    encoding, name, start = "utf-8", "UTF-8", 0
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            encoding, name, start = codec, label, len(bom)
            break
    body = data[start:] if start else data
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        before = body[:error.start].decode(encoding)
        bad = body[error.start:error.end]
        shown = " ".join(f"0x{b:02X}" for b in bad[:4])
        reason = error.reason.replace("invalid start byte", "invalid leading byte")
        message = f"not {name} text: {reason} ({shown}); save the file as UTF-8"
        text = before + body[error.start:].decode(encoding, "backslashreplace")
        raise DecodeProblem(message, text, len(normalise(before))) from None
