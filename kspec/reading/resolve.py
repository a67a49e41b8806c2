"""Scalar resolution: how a plain scalar's text becomes a typed value.

Two schemas:
- ``kubernetes`` (default): what the API server sees. kubectl and the API server read
  YAML with sigs.k8s.io/yaml over go-yaml v2, which resolves plain scalars with YAML 1.1
  rules (go-yaml v2 ``resolve.go``): ``y/yes/on`` and ``n/no/off`` are booleans, ints
  parse with Go's ``strconv.ParseInt(s, 0, 64)`` after dropping ``_`` (so ``0777`` is
  octal, ``0x1F`` hex), floats need no dot (``1e3``), and timestamps stay strings.
- ``core``: the YAML 1.2 core schema, for comparing with the YAML test suite.
"""

from __future__ import annotations

import base64
import binascii
import re

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
MERGE = "tag:yaml.org,2002:merge"
BINARY = "tag:yaml.org,2002:binary"

_INF = float("inf")
_NAN = float("nan")

_K8S_CONSTANTS: dict[str, object] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), _NAN),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), _INF),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -_INF),
}

_CORE_CONSTANTS: dict[str, object] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), _NAN),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), _INF),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -_INF),
}

# go-yaml v2 resolve.go: yamlStyleFloat
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_GO_INT = re.compile(r"([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))\Z")
_CORE_INT = re.compile(r"[-+]?[0-9]+\Z|0o([0-7]+)\Z|0x([0-9a-fA-F]+)\Z")
_CORE_FLOAT = _GO_FLOAT

# A scalar starting with '.' goes straight to Go's ParseFloat (no '_' removal).
_GO_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")

_INT64 = 1 << 63
_UINT64 = 1 << 64
_MISSING = object()

# The first characters after which go-yaml tries numbers at all.
_NUMBER_START = frozenset("+-.0123456789")


def _go_parse_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``, then ``ParseUint`` for values past int64."""
    m = _GO_INT.match(text)
    if m is None:
        return None
    sign, hexa, octo, bina, leading_zero, dec = m.groups()
    if hexa is not None:
        value = int(hexa, 16)
    elif octo is not None:
        value = int(octo, 8)
    elif bina is not None:
        value = int(bina, 2)
    elif leading_zero is not None:
        value = int(leading_zero, 8)
    else:
        value = int(dec)
    if sign == "-":
        value = -value
        return value if value >= -_INT64 else None
    if value < _INT64:
        return value
    return value if not sign and value < _UINT64 else None


def resolve_kubernetes(text: str) -> object:
    """Resolve a plain scalar as sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) does."""
    value = _K8S_CONSTANTS.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if text[0] not in _NUMBER_START:
        return text
    if text[0] == ".":
        return float(text) if _GO_DOT_FLOAT.match(text) else text
    plain = text.replace("_", "") if "_" in text else text
    number = _go_parse_int(plain)
    if number is not None:
        return number
    if _GO_FLOAT.match(plain):
        return float(plain)
    return text


def resolve_core(text: str) -> object:
    """Resolve a plain scalar with the YAML 1.2 core schema."""
    value = _CORE_CONSTANTS.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if text[0] not in _NUMBER_START:
        return text
    m = _CORE_INT.match(text)
    if m is not None:
        octo, hexa = m.groups()
        return int(octo, 8) if octo else int(hexa, 16) if hexa else int(text)
    if _CORE_FLOAT.match(text):
        return float(text)
    return text


RESOLVERS = {"kubernetes": resolve_kubernetes, "core": resolve_core}


class TagError(ValueError):
    """A scalar whose explicit tag does not fit its text (``!!int abc``)."""


def resolve_tagged(text: str, tag: str, plain_resolver, *, binary: bool = False) -> object:
    """Resolve a scalar with an explicit tag; unknown tags leave the text as it is.

    With ``binary``, ``!!binary`` is decoded as go-yaml v2 does when it decodes into an
    ``interface{}`` (``decoder.scalar``): ``base64.StdEncoding`` (padding required, CR and
    LF ignored, nothing else) gives bytes that become a Go string; sigs.k8s.io/yaml then
    writes that string as JSON, where each byte that is not UTF-8 becomes U+FFFD.
    """
    if tag == STR or tag == "!":
        return text
    if tag == BINARY and binary:
        return decode_binary(text)
    if tag in (INT, FLOAT, BOOL, NULL):
        value = plain_resolver(text) if text else None
        wanted = {INT: int, FLOAT: (float, int), BOOL: bool, NULL: type(None)}[tag]
        if isinstance(value, bool) and tag != BOOL or not isinstance(value, wanted):
            raise TagError(f"cannot read {text!r} as {tag.rsplit(':', 1)[-1]}")
        return float(value) if tag == FLOAT else value
    return text


_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def decode_binary(text: str) -> str:
    """A ``!!binary`` scalar's value as Kubernetes sees it (see ``resolve_tagged``)."""
    data = text.replace("\r", "").replace("\n", "")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise TagError("!!binary value contains invalid base64 data") from None
    value = raw.decode("utf-8", "surrogateescape")
    return _NOT_UTF8.sub("\ufffd", value) if _NOT_UTF8.search(value) else value
