"""Kubernetes resource quantities (``resource.Quantity``), exact.

A :class:`Quantity` is an exact ``amount`` (a :class:`fractions.Fraction`,
always a whole number of nano-units) plus the format family it was written in
(``DecimalSI`` like ``500m``/``2G``, ``BinarySI`` like ``1536Mi``,
``DecimalExponent`` like ``12e6``). Parsing follows
k8s.io/apimachinery ``pkg/api/resource/quantity.go`` ``ParseQuantity`` exactly,
including its quirks (nano rounding, the BinarySI cap, digit-less ``"-"`` read as 0),
except that more than 1000 digits or a decimal exponent above 1000 is refused;
``str()`` follows ``Quantity.String()``. No floats are used anywhere: a YAML float
is read through its shortest decimal repr.

Worked examples::

    >>> str(Quantity.parse("1.5Gi"))          # 1.5 * 2**30 = 1536 * 2**20
    '1536Mi'
    >>> str(Quantity.parse(0.5))               # 1/2 = 500/1000
    '500m'
    >>> Quantity.parse("1Gi") == 1073741824 and Quantity.parse("1000m") == 1
    True
    >>> Quantity.parse("100m").milli_value(), Quantity.parse("1.0001").value()
    (100, 2)
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import attrs

__all__ = [
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "DECIMAL_SI",
    "FORMATS",
    "Quantity",
    "QuantityError",
]

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"
FORMATS = (DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT)

_NANO = Fraction(1, 10**9)
# quantity.go maxAllowed: parsing silently caps a BinarySI magnitude here (and only BinarySI).
_MAX_INT64 = 2**63 - 1
# Decimal exponents and digit strings beyond these are accepted upstream (inf.Dec is
# lazy, big.Int unbounded) but would make exact arithmetic here explode, or hit Python's
# 4300-digit int/str conversion limit; no manifest needs them.
_MAX_EXPONENT = 1000
_MAX_DIGITS = 1000

_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX_FOR = {exponent: suffix for suffix, exponent in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIX_FOR = {power // 10: suffix for suffix, power in _BINARY_SUFFIXES.items()}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")  # the scanner's permissive suffix alphabet
_DIGITS = frozenset("0123456789")
# Go's unicode.IsSpace, which UnmarshalJSON's strings.TrimSpace uses (Python's str.strip
# would also strip U+001C..U+001F).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"

_VALID_FORMS = "write a number with an optional suffix (Ki Mi Gi Ti Pi Ei, n u m k M G T P E, e3), e.g. '500m', '1.5Gi'"


class QuantityError(ValueError):
    """A value that the API server would not accept as a quantity."""


def _invalid(raw: object, why: str) -> QuantityError:
    return QuantityError(f"invalid quantity {raw!r}: {why}; {_VALID_FORMS}")


def _to_fraction(value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise TypeError(f"a Quantity value must be an int or Fraction, not {type(value).__name__}")
    return Fraction(value)


def _whole_nanos(instance: object, attribute: object, value: Fraction) -> None:
    if (value / _NANO).denominator != 1:
        raise ValueError(f"a Quantity is a whole number of nano-units; {value} is not")


@attrs.frozen(eq=False, order=False)
class Quantity:
    """An exact quantity: ``amount`` (a Fraction, whole nano-units) and its ``format``.

    Equality, ordering and hashing use the amount only, so ``1Gi == 1073741824``
    and ``1000m == 1``; a Quantity also compares with ints and Fractions.
    """

    amount: Fraction = attrs.field(converter=_to_fraction, validator=_whole_nanos)
    format: str = attrs.field(default=DECIMAL_SI, validator=attrs.validators.in_(FORMATS))

    # ---- construction ------------------------------------------------------------

    @classmethod
    def zero(cls) -> Quantity:
        """The quantity 0 (DecimalSI)."""
        return cls(Fraction(0))

    @classmethod
    def parse(cls, raw: str | int | float | Quantity) -> Quantity:
        """A Quantity from manifest text or a YAML number, as the API server reads it.

        Strings follow ``ParseQuantity`` after the ``strings.TrimSpace`` that
        ``Quantity.UnmarshalJSON`` applies. An int is exact. A float arrives at the
        API server as the JSON number Go's encoding/json writes for it (kubectl turns
        YAML into JSON): its shortest repr, positional when ``1e-6 <= |x| < 1e21``
        (so DecimalSI) and with an exponent otherwise (so DecimalExponent).
        Raises :class:`QuantityError` for anything else.
        """
        if isinstance(raw, Quantity):
            return raw
        if isinstance(raw, bool):
            raise _invalid(raw, "a boolean is not a quantity")
        if isinstance(raw, int):
            return cls(Fraction(raw))
        if isinstance(raw, float):
            if not math.isfinite(raw):
                raise _invalid(raw, "not a finite number")
            text = repr(raw)  # shortest round-trip digits, as Go's strconv with precision -1
            if raw == 0 or 1e-6 <= abs(raw) < 1e21:
                text = format(Decimal(text), "f")
            return _parse_text(text, raw)
        if isinstance(raw, str):
            return _parse_text(raw.strip(_GO_SPACE), raw)
        raise _invalid(raw, f"expected a string or a number, got {type(raw).__name__}")

    # ---- accessors ---------------------------------------------------------------

    def is_zero(self) -> bool:
        return self.amount == 0

    def sign(self) -> int:
        return (self.amount > 0) - (self.amount < 0)

    def value(self) -> int:
        """Upstream ``Value()``: the amount rounded away from zero (ceil for q >= 0).

        ``1.0001 -> 2``, ``-1.5 -> -2`` (away from zero, as quantity.go documents and its
        int64 path does). An exact Python int: no int64 overflow.
        """
        return _round_away(self.amount)

    def milli_value(self) -> int:
        """Upstream ``MilliValue()``: ceil(q * 1000), rounded away from zero.

        ``100m -> 100``, ``1500u -> 2`` (1.5 thousandths round up), ``2 -> 2000``.
        """
        return _round_away(self.amount * 1000)

    # ---- formatting --------------------------------------------------------------

    def __str__(self) -> str:
        return _canonical(self.amount, self.format)

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    # ---- comparison (by amount only) ---------------------------------------------

    @staticmethod
    def _other(other: object) -> Fraction | None:
        if isinstance(other, Quantity):
            return other.amount
        if isinstance(other, (int, Fraction)) and not isinstance(other, bool):
            return Fraction(other)
        return None

    def __eq__(self, other: object) -> bool:
        amount = self._other(other)
        return NotImplemented if amount is None else self.amount == amount

    def __hash__(self) -> int:
        return hash(self.amount)  # equals hash(n) for a whole amount n, as for Fraction

    def __lt__(self, other: object) -> bool:
        amount = self._other(other)
        return NotImplemented if amount is None else self.amount < amount

    def __le__(self, other: object) -> bool:
        amount = self._other(other)
        return NotImplemented if amount is None else self.amount <= amount

    def __gt__(self, other: object) -> bool:
        amount = self._other(other)
        return NotImplemented if amount is None else self.amount > amount

    def __ge__(self, other: object) -> bool:
        amount = self._other(other)
        return NotImplemented if amount is None else self.amount >= amount

    # ---- arithmetic (exact) ------------------------------------------------------

    def __add__(self, other: Quantity) -> Quantity:
        """Exact sum; like upstream ``Add``, a zero left side takes the right side's format."""
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.amount + other.amount, other.format if self.amount == 0 else self.format)

    def __sub__(self, other: Quantity) -> Quantity:
        """Exact difference; a zero left side takes the right side's format (upstream ``Sub``)."""
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.amount - other.amount, other.format if self.amount == 0 else self.format)

    def __neg__(self) -> Quantity:
        return Quantity(-self.amount, self.format)

    def __mul__(self, factor: int) -> Quantity:
        """Exact product with an int (upstream ``Mul(int64)``), keeping the format."""
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Quantity(self.amount * factor, self.format)

    __rmul__ = __mul__


def _round_away(value: Fraction) -> int:
    """Round to an integer away from zero (quantity.go ScaledValue / negativeScaleInt64)."""
    magnitude = -(-abs(value.numerator) // value.denominator)
    return magnitude if value >= 0 else -magnitude


# ---- parsing -------------------------------------------------------------------------


def _scan(text: str, raw: object) -> tuple[bool, str, str, str, bool]:
    """quantity.go parseQuantityString: (positive, num, denom, suffix, has_digits).

    ``num`` has leading zeros stripped; an error is raised where the scanner reports
    ErrFormatWrong. ``has_digits`` is False for digit-less numbers such as ``"."``
    (which the Go scanner reads as 0).
    """
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    start = pos
    while pos < end and text[pos] == "0":
        pos += 1
    num_start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[num_start:pos]
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        denom_start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[denom_start:pos]
    has_digits = any(c in _DIGITS for c in text[start:pos])
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos != end:
        where = f" after {text[:pos]!r}" if pos else ""
        raise _invalid(raw, f"unexpected {text[pos]!r}{where}")
    return positive, num, denom, text[suffix_start:], has_digits


def _interpret(suffix: str, raw: object) -> tuple[int, int, str]:
    """suffix.go interpret: (base, exponent, format) for a suffix."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body and all(c in _DIGITS for c in body):
            parsed = int(digits)
            if -(2**63) <= parsed < 2**63:  # strconv.ParseInt(.., 10, 64)
                # suffix.go then casts to int32: "1e4294967296" really is 1 upstream.
                return 10, (parsed + 2**31) % 2**32 - 2**31, DECIMAL_EXPONENT
    raise _invalid(raw, f"unknown suffix {suffix!r}")


def _parse_text(text: str, raw: object) -> Quantity:
    if not text:
        raise _invalid(raw, "empty string")
    positive, num, denom, suffix, has_digits = _scan(text, raw)
    base, exponent, fmt = _interpret(suffix, raw)

    if not has_digits:
        # No digits at all ("-", ".", "m", "Ki"): Go's fast path reads them as 0, but its
        # slow path (taken for Pi/Ei and exponents below -9) fails on inf.Dec.SetString.
        fast = (exponent <= 40) if base == 2 else (exponent >= -9)
        if not fast:
            raise _invalid(raw, "no digits")
        return Quantity(Fraction(0), fmt)

    if len(num) + len(denom) > _MAX_DIGITS:
        raise _invalid(raw, f"more than {_MAX_DIGITS} digits is beyond what kspec models")
    # value = mantissa * 10**scale * 2**binary
    mantissa = int((num or "0") + denom)
    scale = -len(denom) + (exponent if base == 10 else 0)
    binary = exponent if base == 2 else 0
    if scale > _MAX_EXPONENT and mantissa:
        raise _invalid(raw, f"exponent {exponent} is beyond what kspec models (|e| <= {_MAX_EXPONENT})")

    if binary == 0 and scale < -9 - len(str(mantissa)) - 1:
        # Below one nano-unit whatever the digits: the rounding below gives 1n. Skipping
        # 10**-scale keeps "1e-2000000000" cheap.
        nanos = 1 if mantissa else 0
    else:
        exact = Fraction(mantissa) * Fraction(10) ** scale * 2**binary
        # quantity.go: non-zero values round away from zero to a whole nano ("0.9n" -> 1n),
        # "so that if you want some resources, you get some".
        nanos = _round_away(exact * 10**9)
    value = Fraction(nanos, 10**9)

    if fmt == BINARY_SI:
        if value > _MAX_INT64:
            value = Fraction(_MAX_INT64)  # quantity.go: "The max is just a simple cap."
        if 0 < value < 1:
            fmt = DECIMAL_SI  # quantity.go: avoids rounding (and confusion) when printing
    return Quantity(value if positive else -value, fmt)


# ---- formatting ----------------------------------------------------------------------


def _canonical(value: Fraction, fmt: str) -> str:
    """quantity.go CanonicalizeBytes: no fractional digits, largest possible suffix."""
    if value == 0:
        return "0"
    if fmt == BINARY_SI:
        # Small or fractional binary values print as DecimalSI so no precision is lost.
        # kspec addition: beyond int64 too, because ParseQuantity would cap upstream's "8Ei"
        # back to 2**63-1, and str() must parse back to the same value.
        if -1024 < value < 1024 or value.denominator != 1 or abs(value) > _MAX_INT64:
            fmt = DECIMAL_SI
        else:
            n, power = value.numerator, 0
            while n % 1024 == 0 and power < 6:
                n //= 1024
                power += 1
            return f"{n}{_BINARY_SUFFIX_FOR.get(power, '')}"
    mantissa, exponent = _decimal_parts(value)
    if fmt == DECIMAL_SI and exponent in _DECIMAL_SUFFIX_FOR:
        return f"{mantissa}{_DECIMAL_SUFFIX_FOR[exponent]}"
    # DecimalExponent, or DecimalSI beyond "E" (10**18): upstream falls back to "e21"
    # rather than dropping the magnitude ("1000E" once printed as "1").
    return f"{mantissa}e{exponent}" if exponent else str(mantissa)


def _decimal_parts(value: Fraction) -> tuple[int, int]:
    """(m, e) with value == m * 10**e, e a multiple of 3 and as large as possible.

    ``1.5 -> (1500, -3)``, ``1.2e4 -> (12, 3)``, ``3e6 -> (3, 6)`` (amount.go AsCanonicalBytes).
    """
    exponent = 0
    while value.denominator != 1:
        value *= 10
        exponent -= 1
    mantissa = value.numerator
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    while exponent % 3:
        mantissa *= 10
        exponent -= 1
    return mantissa, exponent
