"""A reader for protocol buffer text format, enough for the CEL conformance data.

``parse(text) -> dict``: every field maps to the list of its values (repeated or not);
a nested message is a dict, a scalar is ``Scalar(text)`` kept as written (strings already
unescaped to bytes), an ``[type.googleapis.com/...]`` Any payload is ``{"@type": name, ...}``.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"""
    \s+ | \#[^\n]* |
    (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*') |
    (?P<ext>\[[A-Za-z0-9_./]+\]) |
    (?P<word>[-+]?[A-Za-z0-9_.+-]+) |
    (?P<punct>[{}:<>\[\],;])
""", re.VERBOSE)


class Scalar(str):
    """A scalar as written (numbers, identifiers)."""


class Bytes(bytes):
    """A string field's bytes, escapes decoded."""


def _unescape(body: str) -> bytes:
    out = bytearray()
    i = 0
    raw = body.encode("utf-8")
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        n = chr(raw[i + 1])
        simple = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, "'": 39, '"': 34, "?": 63}
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n in "xX":
            m = re.match(rb"[0-9a-fA-F]{1,2}", raw[i + 2:])
            out.append(int(m.group(0), 16))
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(rb"[0-7]{1,3}", raw[i + 1:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        elif n == "u":
            out += chr(int(raw[i + 2:i + 6], 16)).encode("utf-8")
            i += 6
        elif n == "U":
            out += chr(int(raw[i + 2:i + 10], 16)).encode("utf-8")
            i += 10
        else:
            out.append(raw[i + 1])
            i += 2
    return bytes(out)


def _tokens(text: str):
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"textproto: unexpected {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind is not None:
            yield kind, m.group(kind)


def parse(text: str) -> dict:
    tokens = list(_tokens(text))
    message, pos = _message(tokens, 0, None)
    return message


def _message(tokens, pos, closer):
    out: dict = {}
    while pos < len(tokens):
        kind, value = tokens[pos]
        if kind == "punct" and value == closer:
            return out, pos + 1
        if kind == "punct" and value in ",;":
            pos += 1
            continue
        if kind == "ext":
            name = value[1:-1]
            pos += 1
            if tokens[pos] == ("punct", ":"):
                pos += 1
            opener = tokens[pos][1]
            inner, pos = _message(tokens, pos + 1, "}" if opener == "{" else ">")
            out.setdefault("@type", []).append(name.rsplit("/", 1)[-1])
            out.setdefault("@value", []).append(inner)
            continue
        name = value
        pos += 1
        if tokens[pos] == ("punct", ":"):
            pos += 1
        items, pos = _value(tokens, pos)
        out.setdefault(name, []).extend(items)
    return out, pos


def _value(tokens, pos):
    kind, value = tokens[pos]
    if kind == "punct" and value in "{<":
        inner, pos = _message(tokens, pos + 1, "}" if value == "{" else ">")
        return [inner], pos
    if kind == "punct" and value == "[":
        items = []
        pos += 1
        while tokens[pos] != ("punct", "]"):
            if tokens[pos] == ("punct", ","):
                pos += 1
                continue
            more, pos = _value(tokens, pos)
            items.extend(more)
        return items, pos + 1
    if kind == "string":
        data = b""
        while pos < len(tokens) and tokens[pos][0] == "string":
            data += _unescape(tokens[pos][1][1:-1])
            pos += 1
        return [Bytes(data)], pos
    return [Scalar(value)], pos + 1


def first(message: dict, field: str, default=None):
    values = message.get(field)
    return values[0] if values else default
