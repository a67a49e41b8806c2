"""CEL's runtime values and errors.

Plain Python carries most values: ``int`` (int64), ``float`` (double), ``str``, ``bytes``,
``bool``, ``None`` (null), ``list``, ``dict``. CEL types Python lacks get small classes:
``UInt`` (uint64), ``Timestamp`` and ``Duration`` (nanosecond precision), ``CelType``
(type values), ``Optional``. Evaluation errors are ``CelEvalError`` exceptions; ``&&``
and ``||`` absorb them as the spec says.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

INT_MIN, INT_MAX = -(2 ** 63), 2 ** 63 - 1
UINT_MAX = 2 ** 64 - 1
NANOS = 1_000_000_000
# timestamps: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z (seconds since epoch)
TS_MIN, TS_MAX = -62135596800, 253402300799
DUR_MAX = 2 ** 63 - 1  # int64 nanoseconds (~292 years), as cel-go's time.Duration


class CelError(Exception):
    """Base of kspec's CEL errors."""


class CelEvalError(CelError):
    """A runtime error (no such key, overflow, no matching overload, ...)."""


class UInt(int):
    """A CEL uint64 (a distinct type from int)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{int(self)}u"


class CelType:
    """A type value (``type(1) == int``)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CelType) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("type", self.name))

    def __repr__(self) -> str:
        return self.name


class Duration:
    __slots__ = ("nanos",)

    def __init__(self, nanos: int):
        if abs(nanos) > DUR_MAX:
            raise CelEvalError("duration out of range")
        self.nanos = nanos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and other.nanos == self.nanos

    def __lt__(self, other: "Duration") -> bool:
        return self.nanos < other.nanos

    def __hash__(self) -> int:
        return hash(("duration", self.nanos))

    def __repr__(self) -> str:
        return f"duration({format_duration(self)!r})"


class Timestamp:
    """Nanoseconds since the Unix epoch, UTC."""

    __slots__ = ("nanos",)

    def __init__(self, nanos: int):
        if not TS_MIN * NANOS <= nanos <= TS_MAX * NANOS + NANOS - 1:
            raise CelEvalError("timestamp out of range")
        self.nanos = nanos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timestamp) and other.nanos == self.nanos

    def __lt__(self, other: "Timestamp") -> bool:
        return self.nanos < other.nanos

    def __hash__(self) -> int:
        return hash(("timestamp", self.nanos))

    def datetime(self, tz: dt.tzinfo = dt.timezone.utc) -> dt.datetime:
        seconds, nanos = divmod(self.nanos, NANOS)
        base = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=seconds)
        return base.astimezone(tz)

    def __repr__(self) -> str:
        return f"timestamp({format_timestamp(self)!r})"


class Optional:
    __slots__ = ("value", "present")

    def __init__(self, value: Any = None, present: bool = False):
        self.value, self.present = value, present

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Optional) and other.present == self.present and (
            not self.present or equals(self.value, other.value))

    def __hash__(self) -> int:
        return hash(("optional", self.present))

    def __repr__(self) -> str:
        return f"optional.of({self.value!r})" if self.present else "optional.none()"


def check_int(value: int) -> int:
    if not INT_MIN <= value <= INT_MAX:
        raise CelEvalError("return error for overflow")
    return value


def check_uint(value: int) -> UInt:
    if not 0 <= value <= UINT_MAX:
        raise CelEvalError("return error for overflow")
    return UInt(value)


def type_name(value: Any) -> str:
    if value is None:
        return "null_type"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, UInt):
        return "uint"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, Timestamp):
        return "google.protobuf.Timestamp"
    if isinstance(value, Duration):
        return "google.protobuf.Duration"
    if isinstance(value, CelType):
        return "type"
    if isinstance(value, Optional):
        return "optional_type"
    return getattr(value, "cel_type", type(value).__name__)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def equals(a: Any, b: Any) -> bool:
    """CEL equality: numbers compare by value across int/uint/double; other types must agree
    (different types are not equal, not an error); lists and maps element-wise."""
    if is_number(a) and is_number(b):
        if isinstance(a, float) or isinstance(b, float):
            return float(a) == float(b) if not (isinstance(a, int) and isinstance(b, int)) else a == b
        return int(a) == int(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        if len(a) != len(b):
            return False
        for key, value in a.items():
            found, other = lookup(b, key)
            if not found or not equals(value, other):
                return False
        return True
    if type_name(a) != type_name(b):
        return False
    return a == b


def lookup(mapping: dict, key: Any) -> tuple[bool, Any]:
    """Map access with CEL's numeric key equality (1 == 1u == 1.0)."""
    if isinstance(key, bool):
        for k, v in mapping.items():
            if isinstance(k, bool) and k == key:
                return True, v
        return False, None
    if is_number(key):
        if isinstance(key, float) and (math.isnan(key) or key != int(key) if not math.isinf(key) else True):
            return False, None
        for k, v in mapping.items():
            if is_number(k) and not isinstance(k, bool) and int(k) == int(key):
                return True, v
        return False, None
    try:
        if key in mapping:
            return True, mapping[key]
    except TypeError:
        raise CelEvalError("unsupported key type") from None
    return False, None


def compare(a: Any, b: Any) -> int:
    """-1/0/1 for ordered values; numbers across types; raises no_such_overload otherwise."""
    if is_number(a) and is_number(b):
        if isinstance(a, float) and math.isnan(a) or isinstance(b, float) and math.isnan(b):
            raise _NaN()
        if isinstance(a, int) and isinstance(b, int):
            return (int(a) > int(b)) - (int(a) < int(b))
        fa, fb = float(a), float(b)  # int against double compares as doubles (cel-spec)
        return (fa > fb) - (fa < fb)
    for kind in (bool, str, bytes):
        if isinstance(a, kind) and isinstance(b, kind) and (kind is bool or not isinstance(a, bool)):
            return (a > b) - (a < b)
    if isinstance(a, Timestamp) and isinstance(b, Timestamp) or isinstance(a, Duration) and isinstance(b, Duration):
        return (a.nanos > b.nanos) - (a.nanos < b.nanos)
    raise CelEvalError("no_such_overload")


class _NaN(Exception):
    """Comparisons with NaN are false (not errors)."""


def format_duration(d: Duration) -> str:
    seconds, nanos = divmod(abs(d.nanos), NANOS)
    sign = "-" if d.nanos < 0 else ""
    if nanos:
        text = f"{seconds}.{nanos:09d}".rstrip("0")
        return f"{sign}{text}s"
    return f"{sign}{seconds}s"


def format_timestamp(t: Timestamp) -> str:
    moment = t.datetime()
    nanos = t.nanos % NANOS
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        frac = f"{nanos:09d}"
        for width in (3, 6, 9):
            if frac[width:].strip("0") == "":
                frac = frac[:width]
                break
        base += "." + frac
    return base + "Z"


def to_plain(value: Any) -> Any:
    """A result as plain Python where an equivalent exists (UInt -> int, ...)."""
    if isinstance(value, UInt):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    return value
