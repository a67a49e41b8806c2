"""CEL's standard functions and operators, and the Kubernetes CEL libraries.

Each function takes evaluated arguments and returns a value or raises ``CelEvalError``
(``no_such_overload`` for argument types it does not accept). ``FUNCTIONS`` are global
calls (``size(x)``), ``METHODS`` receiver calls (``x.size()``, receiver first).
Kubernetes libraries: https://kubernetes.io/docs/reference/using-api/cel/ (lists, strings,
regex, quantity, url, ip/cidr, format).
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import math
import re
import urllib.parse
import zoneinfo
from typing import Any, Callable

from kspec.rules.cel.values import (INT_MAX, INT_MIN, NANOS, UINT_MAX, CelEvalError, CelType, Duration, Optional,
                                    Timestamp, UInt, _NaN, check_int, check_uint, compare, equals, format_duration,
                                    format_timestamp, is_number, lookup, type_name)

FUNCTIONS: dict[str, Callable] = {}
METHODS: dict[str, Callable] = {}


def overload() -> CelEvalError:
    return CelEvalError("no_such_overload")


def _register(table: dict, *names: str):
    def wrap(fn):
        for name in names:
            table[name] = fn
        return fn
    return wrap


def function(*names):
    return _register(FUNCTIONS, *names)


def method(*names):
    return _register(METHODS, *names)


def both(*names):
    def wrap(fn):
        for name in names:
            FUNCTIONS[name] = fn
            METHODS[name] = fn
        return fn
    return wrap


# ---- operators -----------------------------------------------------------------------------------

def add(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        raise overload()
    if isinstance(a, UInt) and isinstance(b, UInt):
        return check_uint(int(a) + int(b))
    if type(a) is int and type(b) is int:
        return check_int(a + b)
    if isinstance(a, float) and isinstance(b, float):
        return a + b
    if isinstance(a, str) and isinstance(b, str) or isinstance(a, bytes) and isinstance(b, bytes):
        return a + b
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    if isinstance(a, Duration) and isinstance(b, Duration):
        return Duration(a.nanos + b.nanos)
    if isinstance(a, Timestamp) and isinstance(b, Duration):
        return Timestamp(a.nanos + b.nanos)
    if isinstance(a, Duration) and isinstance(b, Timestamp):
        return Timestamp(a.nanos + b.nanos)
    raise overload()


def sub(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        raise overload()
    if isinstance(a, UInt) and isinstance(b, UInt):
        return check_uint(int(a) - int(b))
    if type(a) is int and type(b) is int:
        return check_int(a - b)
    if isinstance(a, float) and isinstance(b, float):
        return a - b
    if isinstance(a, Duration) and isinstance(b, Duration):
        return Duration(a.nanos - b.nanos)
    if isinstance(a, Timestamp) and isinstance(b, Duration):
        return Timestamp(a.nanos - b.nanos)
    if isinstance(a, Timestamp) and isinstance(b, Timestamp):
        return Duration(a.nanos - b.nanos)
    raise overload()


def mul(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        raise overload()
    if isinstance(a, UInt) and isinstance(b, UInt):
        return check_uint(int(a) * int(b))
    if type(a) is int and type(b) is int:
        return check_int(a * b)
    if isinstance(a, float) and isinstance(b, float):
        return a * b
    raise overload()


def div(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        raise overload()
    if isinstance(a, UInt) and isinstance(b, UInt):
        if b == 0:
            raise CelEvalError("divide by zero")
        return UInt(int(a) // int(b))
    if type(a) is int and type(b) is int:
        if b == 0:
            raise CelEvalError("divide by zero")
        quotient = abs(a) // abs(b)
        return check_int(quotient if (a >= 0) == (b >= 0) else -quotient)
    if isinstance(a, float) and isinstance(b, float):
        if b == 0:
            if a == 0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1, b)
        return a / b
    raise overload()


def mod(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        raise overload()
    if isinstance(a, UInt) and isinstance(b, UInt):
        if b == 0:
            raise CelEvalError("modulus by zero")
        return UInt(int(a) % int(b))
    if type(a) is int and type(b) is int:
        if b == 0:
            raise CelEvalError("modulus by zero")
        return int(math.fmod(a, b)) if abs(a) < 2 ** 52 and abs(b) < 2 ** 52 else (abs(a) % abs(b)) * (1 if a >= 0 else -1)
    raise overload()


def neg(a):
    if isinstance(a, bool) or isinstance(a, UInt):
        raise overload()
    if isinstance(a, int):
        return check_int(-a)
    if isinstance(a, float):
        return -a
    if isinstance(a, Duration):
        return Duration(-a.nanos)
    raise overload()


def not_(a):
    if not isinstance(a, bool):
        raise overload()
    return not a


def eq(a, b):
    return equals(a, b)


def ne(a, b):
    return not equals(a, b)


def _ordered(op):
    def run(a, b):
        try:
            return op(compare(a, b))
        except _NaN:
            return False
    return run


lt, le, gt, ge = (_ordered(lambda c: c < 0), _ordered(lambda c: c <= 0), _ordered(lambda c: c > 0),
                  _ordered(lambda c: c >= 0))


def in_(a, container):
    if isinstance(container, list):
        return any(equals(a, item) for item in container)
    if isinstance(container, dict):
        return lookup(container, a)[0]
    raise overload()


def index(container, key):
    if isinstance(container, list):
        if isinstance(key, bool) or not is_number(key):
            raise overload()
        if isinstance(key, float):
            if key != int(key):
                raise CelEvalError("unsupported index value")
        i = int(key)
        if not 0 <= i < len(container):
            raise CelEvalError(f"index out of bounds: {i}")
        return container[i]
    if isinstance(container, dict):
        found, value = lookup(container, key)
        if not found:
            raise CelEvalError(f"no such key: {key!r}")
        return value
    if isinstance(container, Optional):
        if not container.present:
            return container
        return Optional(index(container.value, key), True)
    raise overload()


BINARY = {"+": add, "-": sub, "*": mul, "/": div, "%": mod, "==": eq, "!=": ne, "<": lt, "<=": le, ">": gt,
          ">=": ge, "in": in_}


# ---- size, types, conversions --------------------------------------------------------------------

@both("size")
def size(value):
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (bytes, list, dict)):
        return len(value)
    raise overload()


@function("type")
def type_(value):
    return CelType(type_name(value))


@function("dyn")
def dyn(value):
    return value


@function("int")
def to_int(value):
    if isinstance(value, bool):
        raise overload()
    if isinstance(value, int):
        return check_int(int(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or not (-9223372036854775808.0 < value < 9223372036854775808.0):
            raise CelEvalError("range error")
        return int(value)
    if isinstance(value, str):
        try:
            return check_int(int(value, 10))
        except ValueError:
            raise CelEvalError(f"cannot convert {value!r} to int") from None
    if isinstance(value, Timestamp):
        return value.nanos // NANOS
    if isinstance(value, Duration):
        return int(value.nanos / NANOS) if value.nanos >= 0 else -(-value.nanos // NANOS)
    raise overload()


@function("uint")
def to_uint(value):
    if isinstance(value, bool):
        raise overload()
    if isinstance(value, int):
        return check_uint(int(value))
    if isinstance(value, float):
        if math.isnan(value) or not (-1.0 < value < 18446744073709551616.0):
            raise CelEvalError("range error")
        return UInt(int(value))
    if isinstance(value, str):
        try:
            return check_uint(int(value, 10))
        except ValueError:
            raise CelEvalError(f"cannot convert {value!r} to uint") from None
    raise overload()


@function("double")
def to_double(value):
    if isinstance(value, bool):
        raise overload()
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise CelEvalError(f"cannot convert {value!r} to double") from None
    raise overload()


def format_double(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = exponent[0] if exponent[0] in "+-" else "+"
        digits = exponent.lstrip("+-").rjust(2, "0")
        text = f"{mantissa}e{sign}{digits}"
    return text


@function("string")
def to_string(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise CelEvalError("invalid UTF-8 in bytes") from None
    if isinstance(value, Timestamp):
        return format_timestamp(value)
    if isinstance(value, Duration):
        return format_duration(value)
    raise overload()


@function("bytes")
def to_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise overload()


@function("bool")
def to_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in ("true", "True", "TRUE", "t", "1"):
            return True
        if value in ("false", "False", "FALSE", "f", "0"):
            return False
        raise CelEvalError(f"cannot convert {value!r} to bool")
    raise overload()


# ---- strings -------------------------------------------------------------------------------------

def _str_args(*values):
    if not all(isinstance(v, str) for v in values):
        raise overload()


@method("contains")
def contains(s, sub_):
    _str_args(s, sub_)
    return sub_ in s


@method("startsWith")
def starts_with(s, prefix):
    _str_args(s, prefix)
    return s.startswith(prefix)


@method("endsWith")
def ends_with(s, suffix):
    _str_args(s, suffix)
    return s.endswith(suffix)


_RE_CACHE: dict[str, re.Pattern] = {}


def compile_re(pattern: str) -> re.Pattern:
    """RE2 syntax read by Python's ``re`` (the common subset; ``\\z`` mapped to ``\\Z``)."""
    found = _RE_CACHE.get(pattern)
    if found is None:
        translated = pattern.replace(r"\z", r"\Z")
        flags = "".join(re.findall(r"\(\?([ims]+)\)", translated))
        if flags:  # RE2 allows flag groups anywhere (``^(?i)...``); Python wants them first
            translated = "(?" + "".join(sorted(set(flags))) + ")" + re.sub(r"\(\?[ims]+\)", "", translated)
        try:
            found = re.compile(translated)
        except re.error as error:
            raise CelEvalError(f"invalid regex {pattern!r}: {error}") from None
        _RE_CACHE[pattern] = found
    return found


@both("matches")
def matches(s, pattern):
    _str_args(s, pattern)
    return compile_re(pattern).search(s) is not None


@method("charAt")
def char_at(s, i):
    if not isinstance(s, str) or type(i) is not int:
        raise overload()
    if not 0 <= i <= len(s):
        raise CelEvalError("index out of range")
    return s[i] if i < len(s) else ""


@method("indexOf")
def index_of(s, sub_, start=0):
    if isinstance(s, list):
        return next((i for i, v in enumerate(s) if equals(v, sub_)), -1)
    _str_args(s, sub_)
    if not 0 <= start <= len(s):
        raise CelEvalError("index out of range")
    return s.find(sub_, start)


@method("lastIndexOf")
def last_index_of(s, sub_, end=None):
    if isinstance(s, list):
        return next((i for i in range(len(s) - 1, -1, -1) if equals(s[i], sub_)), -1)
    _str_args(s, sub_)
    if end is None:
        return s.rfind(sub_)
    if not 0 <= end < max(len(s), 1):
        raise CelEvalError("index out of range")
    return s.rfind(sub_, 0, end + len(sub_))


@method("lowerAscii")
def lower_ascii(s):
    _str_args(s)
    return "".join(c.lower() if c.isascii() else c for c in s)


@method("upperAscii")
def upper_ascii(s):
    _str_args(s)
    return "".join(c.upper() if c.isascii() else c for c in s)


@method("replace")
def replace(s, old, new, n=-1):
    _str_args(s, old, new)
    return s.replace(old, new, n if n >= 0 else -1) if n != 0 else s


@method("split")
def split(s, sep, n=-1):
    _str_args(s, sep)
    if n == 0:
        return []
    if sep == "":
        parts = list(s)
        if n > 0 and len(parts) > n:
            parts = parts[:n - 1] + ["".join(parts[n - 1:])]
        return parts
    return s.split(sep, n - 1) if n > 0 else s.split(sep)


@method("substring")
def substring(s, start, end=None):
    _str_args(s)
    if type(start) is not int or (end is not None and type(end) is not int):
        raise overload()
    end = len(s) if end is None else end
    if not 0 <= start <= end <= len(s):
        raise CelEvalError("index out of range")
    return s[start:end]


@method("trim")
def trim(s):
    _str_args(s)
    return s.strip()


@method("join")
def join(items, sep=""):
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise overload()
    return sep.join(items)


@method("reverse")
def reverse(value):
    if isinstance(value, str):
        return value[::-1]
    if isinstance(value, list):
        return value[::-1]
    raise overload()


@function("strings.quote")
def quote(s):
    _str_args(s)
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t").replace(
        "\r", "\\r").replace("\a", "\\a").replace("\b", "\\b").replace("\f", "\\f").replace("\v", "\\v")
    return f'"{out}"'


@method("find")
def find(s, pattern):
    _str_args(s, pattern)
    m = compile_re(pattern).search(s)
    return m.group(0) if m else ""


@method("findAll")
def find_all(s, pattern, n=-1):
    _str_args(s, pattern)
    found = [m.group(0) for m in compile_re(pattern).finditer(s)]
    return found if n < 0 else found[:n]


def _special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return None


def _format_s(arg) -> str:
    """``%s``: the string form of any value (lists and maps recursively, keys sorted)."""
    if arg is None:
        return "null"
    if isinstance(arg, CelType):
        return arg.name
    if isinstance(arg, float):
        return _special(arg) or format_double(arg)
    if isinstance(arg, list):
        return "[" + ", ".join(_format_s(v) for v in arg) + "]"
    if isinstance(arg, dict):
        def order(key):  # ints, then strings, then bools (cel-go's order)
            rank = 2 if isinstance(key, bool) else 0 if isinstance(key, int) else 1
            return (rank, int(key) if rank != 1 else 0, str(key))
        return "{" + ", ".join(f"{_format_s(k)}: {_format_s(arg[k])}" for k in sorted(arg, key=order)) + "}"
    return string_of(arg)


@method("format")
def format_(template, args):
    """Kubernetes ``format`` (cel-go ext.Strings): %s %d %f %e %x %X %o %b with precision."""
    if not isinstance(template, str) or not isinstance(args, list):
        raise overload()
    out, i, k = [], 0, 0
    while i < len(template):
        c = template[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        spec = re.match(r"%(\.\d+)?([sdfeoxXb%])", template[i:])
        if spec is None:
            raise CelEvalError("could not parse formatting clause")
        precision, verb = spec.group(1), spec.group(2)
        i += len(spec.group(0))
        if verb == "%":
            out.append("%")
            continue
        if k >= len(args):
            raise CelEvalError("index out of range")
        arg = args[k]
        k += 1
        if verb == "s":
            out.append(_format_s(arg))
        elif verb == "d":
            if isinstance(arg, float) and _special(arg):
                out.append(_special(arg))
            elif isinstance(arg, bool) or not isinstance(arg, int):
                raise CelEvalError("error during formatting: decimal clause can only be used on integers")
            else:
                out.append(str(int(arg)))
        elif verb in "fe":
            if isinstance(arg, bool) or not is_number(arg):
                raise CelEvalError("error during formatting: only numbers can be formatted")
            value = float(arg)
            special = _special(value)
            digits = int(precision[1:]) if precision else 6
            out.append(special or f"{value:.{digits}{verb}}")
        elif verb in "xX":
            if isinstance(arg, float) or isinstance(arg, bool) or not isinstance(arg, (int, bytes, str)):
                raise CelEvalError("error during formatting: only integers, byte buffers, and strings can be "
                                   "formatted as hex")
            if isinstance(arg, bytes):
                text = arg.hex()
            elif isinstance(arg, str):
                text = arg.encode().hex()
            else:
                text = format(int(arg), "x") if int(arg) >= 0 else "-" + format(-int(arg), "x")
            out.append(text.upper() if verb == "X" else text)
        elif verb == "o":
            if isinstance(arg, bool) or not isinstance(arg, int):
                raise CelEvalError("error during formatting: octal clause can only be used on integers")
            out.append(format(int(arg), "o"))
        elif verb == "b":
            if isinstance(arg, bool):
                out.append("1" if arg else "0")
            elif not isinstance(arg, int):
                raise CelEvalError("error during formatting: binary clause can only be used on integers and bools")
            else:
                out.append(format(int(arg), "b"))
    return "".join(out)


# ---- lists (Kubernetes) --------------------------------------------------------------------------

@method("isSorted")
def is_sorted(items):
    if not isinstance(items, list):
        raise overload()
    return all(compare(a, b) <= 0 for a, b in zip(items, items[1:]))


@method("sum")
def sum_(items):
    if not isinstance(items, list):
        raise overload()
    if not items:
        return 0
    total = items[0]
    for item in items[1:]:
        total = add(total, item)
    return total


@method("min")
def min_(items):
    if not isinstance(items, list) or not items:
        raise CelEvalError("min called on an empty list") if isinstance(items, list) else overload()
    best = items[0]
    for item in items[1:]:
        if compare(item, best) < 0:
            best = item
    return best


@method("max")
def max_(items):
    if not isinstance(items, list) or not items:
        raise CelEvalError("max called on an empty list") if isinstance(items, list) else overload()
    best = items[0]
    for item in items[1:]:
        if compare(item, best) > 0:
            best = item
    return best


# ---- math ----------------------------------------------------------------------------------------

def _numbers(values):
    if len(values) == 1 and isinstance(values[0], list):
        values = values[0]
    if not values or not all(is_number(v) for v in values):
        raise overload()
    return values


@function("math.greatest")
def greatest(*values):
    values = _numbers(list(values))
    best = values[0]
    for v in values[1:]:
        if compare(v, best) > 0:
            best = v
    return best


@function("math.least")
def least(*values):
    values = _numbers(list(values))
    best = values[0]
    for v in values[1:]:
        if compare(v, best) < 0:
            best = v
    return best


def _float_fn(fn):
    def run(x):
        if not isinstance(x, float):
            raise overload()
        return fn(x)
    return run


FUNCTIONS["math.ceil"] = _float_fn(lambda x: float(math.ceil(x)) if math.isfinite(x) else x)
FUNCTIONS["math.floor"] = _float_fn(lambda x: float(math.floor(x)) if math.isfinite(x) else x)
FUNCTIONS["math.trunc"] = _float_fn(lambda x: float(math.trunc(x)) if math.isfinite(x) else x)
FUNCTIONS["math.round"] = _float_fn(lambda x: float(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)
                                    if math.isfinite(x) else x)
FUNCTIONS["math.isNaN"] = _float_fn(math.isnan)
FUNCTIONS["math.isInf"] = _float_fn(math.isinf)
FUNCTIONS["math.isFinite"] = _float_fn(math.isfinite)


@function("math.abs")
def abs_(x):
    if isinstance(x, bool):
        raise overload()
    if isinstance(x, UInt):
        return x
    if isinstance(x, int):
        return check_int(abs(x))
    if isinstance(x, float):
        return abs(x)
    raise overload()


@function("math.sign")
def sign(x):
    if isinstance(x, bool):
        raise overload()
    if isinstance(x, UInt):
        return UInt(1 if x else 0)
    if isinstance(x, int):
        return (x > 0) - (x < 0)
    if isinstance(x, float):
        return x if math.isnan(x) else float((x > 0) - (x < 0))
    raise overload()


def _bits(fn, unsigned_ok=True):
    def run(a, b=None):
        if b is None:
            if type(a) is int:
                return check_int(fn(a, None))
            if isinstance(a, UInt):
                return UInt(fn(int(a), None) & UINT_MAX)
            raise overload()
        if type(a) is int and type(b) is int:
            return fn(a, b)
        if isinstance(a, UInt) and isinstance(b, UInt):
            return UInt(fn(int(a), int(b)) & UINT_MAX)
        raise overload()
    return run


FUNCTIONS["math.bitAnd"] = _bits(lambda a, b: a & b)
FUNCTIONS["math.bitOr"] = _bits(lambda a, b: a | b)
FUNCTIONS["math.bitXor"] = _bits(lambda a, b: a ^ b)
FUNCTIONS["math.bitNot"] = _bits(lambda a, _: ~a)


def _shift(left: bool):
    def run(a, n):
        if type(n) is not int:
            raise overload()
        if n < 0:
            raise CelEvalError("negative offset")
        if type(a) is int:
            if n >= 64:
                return 0 if left or a >= 0 else 0
            if left:
                value = (a << n) & UINT_MAX
                return value - (1 << 64) if value > INT_MAX else value
            return (a & UINT_MAX) >> n if a < 0 else a >> n
        if isinstance(a, UInt):
            if n >= 64:
                return UInt(0)
            return UInt(((int(a) << n) & UINT_MAX) if left else int(a) >> n)
        raise overload()
    return run


FUNCTIONS["math.bitShiftLeft"] = _shift(True)
FUNCTIONS["math.bitShiftRight"] = _shift(False)


# ---- encoders ------------------------------------------------------------------------------------

@function("base64.encode")
def b64encode(value):
    if not isinstance(value, bytes):
        raise overload()
    return base64.b64encode(value).decode()


@function("base64.decode")
def b64decode(value):
    if not isinstance(value, str):
        raise overload()
    try:
        padded = value + "=" * (-len(value) % 4)
        return base64.b64decode(padded, validate=True)
    except ValueError:
        raise CelEvalError("invalid base64") from None


# ---- timestamps and durations --------------------------------------------------------------------

_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


@function("timestamp")
def to_timestamp(value):
    if isinstance(value, Timestamp):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Timestamp(value * NANOS)
    if not isinstance(value, str):
        raise overload()
    m = _TS.match(value)
    if m is None:
        raise CelEvalError(f"invalid timestamp {value!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        base = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.timezone.utc)
    except ValueError:
        raise CelEvalError(f"invalid timestamp {value!r}") from None
    offset = m.group(8)
    seconds = int((base - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)).total_seconds())
    if offset not in ("Z", "z"):
        sign_ = 1 if offset[0] == "+" else -1
        seconds -= sign_ * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60)
    frac = m.group(7)
    nanos = int((frac[1:] + "000000000")[:9]) if frac else 0
    return Timestamp(seconds * NANOS + nanos)


_DUR_UNITS = {"h": 3600 * NANOS, "m": 60 * NANOS, "s": NANOS, "ms": 1_000_000, "us": 1000, "µs": 1000, "ns": 1}
_DUR = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


@function("duration")
def to_duration(value):
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise overload()
    text = value
    negative = text.startswith("-")
    text = text.lstrip("+-")
    if text == "0":
        return Duration(0)
    pos, total = 0, 0
    from fractions import Fraction

    while pos < len(text):
        m = _DUR.match(text, pos)
        if m is None:
            raise CelEvalError(f"invalid duration {value!r}")
        total += Fraction(m.group(1)) * _DUR_UNITS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise CelEvalError(f"invalid duration {value!r}")
    return Duration(int(-total if negative else total))


def _tz(name: str | None) -> dt.tzinfo:
    if name is None:
        return dt.timezone.utc
    m = re.fullmatch(r"([+-]?)(\d{1,2}):(\d{2})", name)
    if m:
        delta = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return dt.timezone(-delta if m.group(1) == "-" else delta)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CelEvalError(f"unknown timezone {name!r}") from None


def _ts_getter(fn):
    def run(t, tz=None):
        if isinstance(t, Timestamp):
            if tz is not None and not isinstance(tz, str):
                raise overload()
            return fn(t.datetime(_tz(tz)), t)
        raise overload()
    return run


def _dur_or_ts(ts_fn, dur_fn):
    def run(value, tz=None):
        if isinstance(value, Duration):
            if tz is not None:
                raise overload()
            return dur_fn(value)
        return _ts_getter(ts_fn)(value, tz)
    return run


METHODS["getFullYear"] = _ts_getter(lambda d, t: d.year)
METHODS["getMonth"] = _ts_getter(lambda d, t: d.month - 1)
METHODS["getDate"] = _ts_getter(lambda d, t: d.day)
METHODS["getDayOfMonth"] = _ts_getter(lambda d, t: d.day - 1)
METHODS["getDayOfWeek"] = _ts_getter(lambda d, t: (d.weekday() + 1) % 7)
METHODS["getDayOfYear"] = _ts_getter(lambda d, t: d.timetuple().tm_yday - 1)
METHODS["getHours"] = _dur_or_ts(lambda d, t: d.hour, lambda v: int(v.nanos / (3600 * NANOS)))
METHODS["getMinutes"] = _dur_or_ts(lambda d, t: d.minute, lambda v: int(v.nanos / (60 * NANOS)))
METHODS["getSeconds"] = _dur_or_ts(lambda d, t: d.second, lambda v: int(v.nanos / NANOS))
METHODS["getMilliseconds"] = _dur_or_ts(lambda d, t: (t.nanos % NANOS) // 1_000_000,
                                        lambda v: int(math.fmod(v.nanos, NANOS) / 1_000_000))


# ---- optionals -----------------------------------------------------------------------------------

FUNCTIONS["optional.of"] = lambda v: Optional(v, True)
FUNCTIONS["optional.none"] = lambda: Optional()
FUNCTIONS["optional.ofNonZeroValue"] = lambda v: Optional(v, True) if v not in (0, "", b"", None, False) and not (
    isinstance(v, (list, dict)) and not v) else Optional()


@method("hasValue")
def has_value(o):
    if not isinstance(o, Optional):
        raise overload()
    return o.present


@method("value")
def opt_value(o):
    if not isinstance(o, Optional):
        raise overload()
    if not o.present:
        raise CelEvalError("optional.none() dereference")
    return o.value


@method("orValue")
def or_value(o, default):
    if not isinstance(o, Optional):
        raise overload()
    return o.value if o.present else default


@method("or")
def or_(o, other):
    if not isinstance(o, Optional):
        raise overload()
    return o if o.present else other


# ---- Kubernetes: quantity, url, ip/cidr ------------------------------------------------------------

class KQuantity:
    cel_type = "kubernetes.Quantity"

    def __init__(self, q):
        self.q = q

    def __eq__(self, other):
        return isinstance(other, KQuantity) and self.q == other.q

    def __hash__(self):
        return hash(self.q)


def _quantity(value):
    from kspec.api.quantity import Quantity, QuantityError

    if not isinstance(value, str):
        raise overload()
    try:
        return KQuantity(Quantity.parse(value))
    except QuantityError as error:
        raise CelEvalError(str(error)) from None


FUNCTIONS["quantity"] = _quantity


def _is_quantity(value):
    try:
        _quantity(value)
        return True
    except CelEvalError:
        return False


FUNCTIONS["isQuantity"] = _is_quantity


def _q(fn):
    def run(a, *rest):
        if not isinstance(a, KQuantity):
            raise overload()
        return fn(a, *rest)
    return run


def _q_operand(b):
    from kspec.api.quantity import Quantity

    if isinstance(b, KQuantity):
        return b.q
    if type(b) is int:
        return Quantity.parse(b)
    raise overload()


METHODS["isGreaterThan"] = _q(lambda a, b: a.q > _q_operand(b))
METHODS["isLessThan"] = _q(lambda a, b: a.q < _q_operand(b))
METHODS["compareTo"] = _q(lambda a, b: (a.q > _q_operand(b)) - (a.q < _q_operand(b)))
METHODS["add"] = _q(lambda a, b: KQuantity(a.q + _q_operand(b)))
METHODS["sub"] = _q(lambda a, b: KQuantity(a.q - _q_operand(b)))
METHODS["sign"] = _q(lambda a: (a.q > 0) - (a.q < 0))
METHODS["asApproximateFloat"] = _q(lambda a: float(a.q.amount))
METHODS["isInteger"] = _q(lambda a: a.q.amount.denominator == 1 and INT_MIN <= a.q.amount <= INT_MAX)


def _as_integer(a):
    if a.q.amount.denominator != 1 or not INT_MIN <= a.q.amount <= INT_MAX:
        raise CelEvalError("cannot convert value to integer")
    return int(a.q.amount)


METHODS["asInteger"] = _q(_as_integer)


class KURL:
    cel_type = "kubernetes.URL"

    def __init__(self, parsed):
        self.parsed = parsed


def _url(value):
    if not isinstance(value, str):
        raise overload()
    parsed = urllib.parse.urlsplit(value)
    if not parsed.scheme and not value.startswith("/"):
        raise CelEvalError(f"invalid URL {value!r}")
    return KURL(parsed)


FUNCTIONS["url"] = _url
FUNCTIONS["isURL"] = lambda v: isinstance(v, str) and (bool(urllib.parse.urlsplit(v).scheme) or v.startswith("/"))


def _u(fn):
    def run(u):
        if not isinstance(u, KURL):
            raise overload()
        return fn(u.parsed)
    return run


METHODS["getScheme"] = _u(lambda p: p.scheme)
METHODS["getHost"] = _u(lambda p: p.netloc.rsplit("@", 1)[-1])
METHODS["getHostname"] = _u(lambda p: p.hostname or "")
METHODS["getPort"] = _u(lambda p: str(p.port) if p.port is not None else "")
METHODS["getEscapedPath"] = _u(lambda p: p.path)
METHODS["getQuery"] = _u(lambda p: {k: v for k, v in urllib.parse.parse_qs(p.query).items()})


class KIP:
    cel_type = "net.IP"

    def __init__(self, ip):
        self.ip = ip

    def __eq__(self, other):
        return isinstance(other, KIP) and self.ip == other.ip

    def __hash__(self):
        return hash(self.ip)


class KCIDR:
    cel_type = "net.CIDR"

    def __init__(self, net, ip):
        self.net, self.ip = net, ip

    def __eq__(self, other):
        return isinstance(other, KCIDR) and self.net == other.net and self.ip == other.ip

    def __hash__(self):
        return hash(self.net)


def _ip(value):
    if not isinstance(value, str) or "%" in value:
        raise CelEvalError(f"IP Address {value!r} parse error") if isinstance(value, str) else overload()
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        raise CelEvalError(f"IP Address {value!r} parse error") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        raise CelEvalError("IPv4-mapped IPv6 address is not allowed")
    return KIP(ip)


def _cidr(value):
    if not isinstance(value, str):
        raise overload()
    try:
        iface = ipaddress.ip_interface(value)
    except ValueError:
        raise CelEvalError(f"network address parse error during conversion from string: {value!r}") from None
    if "/" not in value:
        raise CelEvalError(f"network address parse error during conversion from string: {value!r}")
    return KCIDR(iface.network, iface.ip)


def _is(fn):
    def run(value):
        try:
            fn(value)
            return True
        except CelEvalError:
            return False
    return run


FUNCTIONS["ip"] = _ip
FUNCTIONS["cidr"] = _cidr
FUNCTIONS["isIP"] = _is(_ip)
FUNCTIONS["isCIDR"] = _is(_cidr)
FUNCTIONS["ip.isCanonical"] = lambda v: isinstance(v, str) and _is(_ip)(v) and str(ipaddress.ip_address(v)) == v


def _ipm(fn):
    def run(a, *rest):
        if not isinstance(a, KIP):
            raise overload()
        return fn(a.ip, *rest)
    return run


METHODS["family"] = lambda v: (v.ip.version if isinstance(v, KIP) else v.net.version if isinstance(v, KCIDR)
                               else (_ for _ in ()).throw(overload()))
METHODS["isUnspecified"] = _ipm(lambda ip: ip.is_unspecified)
METHODS["isLoopback"] = _ipm(lambda ip: ip.is_loopback)
METHODS["isLinkLocalMulticast"] = _ipm(lambda ip: ip.is_multicast and (
    ip in ipaddress.ip_network("224.0.0.0/24") if ip.version == 4 else ip in ipaddress.ip_network("ff02::/16")))
METHODS["isLinkLocalUnicast"] = _ipm(lambda ip: ip.is_link_local and not ip.is_multicast)
METHODS["isGlobalUnicast"] = _ipm(lambda ip: not (ip.is_unspecified or ip.is_loopback or ip.is_multicast
                                                  or ip.is_link_local or ip == ipaddress.ip_address("255.255.255.255")))


def _contains_ip(c, value):
    if not isinstance(c, KCIDR):
        raise overload()
    ip = value.ip if isinstance(value, KIP) else _ip(value).ip
    return ip in c.net


def _contains_cidr(c, value):
    if not isinstance(c, KCIDR):
        raise overload()
    other = value if isinstance(value, KCIDR) else _cidr(value)
    return other.net.version == c.net.version and other.net.subnet_of(c.net)


METHODS["containsIP"] = _contains_ip
METHODS["containsCIDR"] = _contains_cidr
METHODS["prefixLength"] = lambda c: c.net.prefixlen if isinstance(c, KCIDR) else (_ for _ in ()).throw(overload())
METHODS["masked"] = lambda c: KCIDR(c.net, c.net.network_address) if isinstance(c, KCIDR) else (
    _ for _ in ()).throw(overload())
METHODS["ip"] = lambda c: KIP(c.ip) if isinstance(c, KCIDR) else (_ for _ in ()).throw(overload())


def string_of(value: Any) -> str:
    """``string()`` for the Kubernetes library types too."""
    if isinstance(value, KIP):
        return str(value.ip)
    if isinstance(value, KCIDR):
        return f"{value.ip}/{value.net.prefixlen}"
    if isinstance(value, KQuantity):
        return str(value.q)
    return to_string(value)


FUNCTIONS["string"] = string_of


def dyn_type_value(name: str) -> CelType:
    return CelType(name)


TYPE_NAMES = {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type",
              "google.protobuf.Timestamp", "google.protobuf.Duration"}
