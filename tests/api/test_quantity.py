"""Quantity: parsing, canonical strings, exact arithmetic and rounding as k8s.io/apimachinery
pkg/api/resource/quantity.go (tables taken from its quantity_test.go where they exist)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kspec.api.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    Quantity,
    QuantityError,
)

Q = Quantity.parse
F = Fraction
KI, MI, GI, TI, PI, EI = (2**10, 2**20, 2**30, 2**40, 2**50, 2**60)
MAX_INT64 = 2**63 - 1


# ---- parsing: values and formats ----------------------------------------------------------

PARSE = [
    ("0", 0, DECIMAL_SI), ("0n", 0, DECIMAL_SI), ("0Ki", 0, BINARY_SI), ("0T", 0, DECIMAL_SI),
    ("1", 1, DECIMAL_SI), ("-1", -1, DECIMAL_SI), ("+1", 1, DECIMAL_SI),
    ("1Ki", KI, BINARY_SI), ("7Mi", 7 * MI, BINARY_SI), ("6Gi", 6 * GI, BINARY_SI),
    ("5Ti", 5 * TI, BINARY_SI), ("4Pi", 4 * PI, BINARY_SI), ("3Ei", 3 * EI, BINARY_SI),
    ("5n", F(5, 10**9), DECIMAL_SI), ("4u", F(4, 10**6), DECIMAL_SI), ("3m", F(3, 1000), DECIMAL_SI),
    ("8k", 8000, DECIMAL_SI), ("7M", 7 * 10**6, DECIMAL_SI), ("6G", 6 * 10**9, DECIMAL_SI),
    ("5T", 5 * 10**12, DECIMAL_SI), ("2P", 2 * 10**15, DECIMAL_SI), ("1E", 10**18, DECIMAL_SI),
    ("12E", 12 * 10**18, DECIMAL_SI),
    ("1E-3", F(1, 1000), DECIMAL_EXPONENT), ("1e3", 1000, DECIMAL_EXPONENT), ("1.3E+6", 1_300_000, DECIMAL_EXPONENT),
    ("0.5e-2", F(5, 1000), DECIMAL_EXPONENT),
    ("100.035k", 100035, DECIMAL_SI), ("0.0005k", F(1, 2), DECIMAL_SI), ("1.5", F(3, 2), DECIMAL_SI),
    (".5", F(1, 2), DECIMAL_SI), ("-.5", F(-1, 2), DECIMAL_SI), ("6.987654321G", 6987654321, DECIMAL_SI),
    ("1.", 1, DECIMAL_SI), ("1.G", 10**9, DECIMAL_SI), (".0001k", F(1, 10), DECIMAL_SI),
    ("0.5Mi", MI // 2, BINARY_SI), ("1.5Gi", 3 * GI // 2, BINARY_SI), ("100.035Ki", F(10243584, 100), BINARY_SI),
]


@pytest.mark.parametrize("text,amount,fmt", PARSE)
def test_parse_values_and_formats(text, amount, fmt):
    """Each accepted form parses to its exact value and remembers its format family."""
    q = Q(text)
    assert q.amount == amount
    assert q.format == fmt


ROUNDING = [
    ("3.001n", F(4, 10**9)), ("1.1E-9", F(2, 10**9)), ("0.0000000001", F(1, 10**9)),
    ("0.9n", F(1, 10**9)), ("0.00000012345", F(124, 10**9)), ("-0.9n", F(-1, 10**9)),
    ("0.000000000001Ki", F(2, 10**9)), ("1e-2000000000", F(1, 10**9)),
]


@pytest.mark.parametrize("text,amount", ROUNDING)
def test_parse_rounds_finer_than_nano_away_from_zero(text, amount):
    """Below nano precision a non-zero value rounds away from zero to a whole nano ("0.9n" -> 1n)."""
    assert Q(text).amount == amount


def test_binary_si_is_capped_at_int64_and_decimal_is_not():
    """ParseQuantity caps a BinarySI magnitude at 2**63-1 silently; a DecimalSI one keeps its value."""
    assert Q("9Ei").amount == MAX_INT64
    assert Q("8Ei").amount == MAX_INT64
    assert Q("-9Ei").amount == -MAX_INT64
    assert Q("9223372036854775807Ki").amount == MAX_INT64
    assert Q("18446744073709551616").amount == 2**64
    assert Q("1000E").amount == 10**21


def test_small_binary_values_switch_to_decimal_si():
    """A BinarySI value strictly between 0 and 1 in magnitude is stored as DecimalSI."""
    assert Q("0.000000000001Ki").format == DECIMAL_SI
    assert Q("-.000001Ki").format == DECIMAL_SI
    assert Q(".001Ki").format == BINARY_SI  # 1.024 is not below 1


@pytest.mark.parametrize("text,fmt", [("-", DECIMAL_SI), ("+", DECIMAL_SI), (".", DECIMAL_SI), ("-.", DECIMAL_SI),
                                      ("m", DECIMAL_SI), ("e3", DECIMAL_EXPONENT), ("e-9", DECIMAL_EXPONENT),
                                      ("Ki", BINARY_SI), ("Ti", BINARY_SI)])
def test_digitless_numbers_upstream_reads_as_zero(text, fmt):
    """Upstream's fast path reads a number with no digits ("-", ".", "Ki") as 0, so kspec does too."""
    q = Q(text)
    assert q.amount == 0 and q.format == fmt


@pytest.mark.parametrize("text", ["Pi", "Ei", "-Ei", "e-10"])
def test_digitless_numbers_on_the_slow_path_are_rejected(text):
    """Where upstream takes its inf.Dec slow path (Pi, Ei, exponents below -9) no digits is an error."""
    with pytest.raises(QuantityError):
        Q(text)


def test_exponent_wraps_like_go_int32():
    """The exponent is ParseInt'ed then cast to int32, so "1e4294967296" is 1 upstream and here."""
    assert Q("1e4294967296").amount == 1
    assert Q("2e4294967299").amount == 2000


def test_surrounding_whitespace_is_trimmed_as_unmarshal_json_does():
    """UnmarshalJSON trims Go whitespace before ParseQuantity, so " 1 " is accepted as 1."""
    assert Q(" 1\t").amount == 1
    assert Q("\u00a0500m\n").amount == F(1, 2)
    with pytest.raises(QuantityError):
        Q("\x1c1")  # Python's isspace() but not Go's unicode.IsSpace


INVALID = ["", "   ", "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-",
           "1 x", "1K", "1gi", "1e", "1e+", "1ee3", "1e3k", "1e3.5", "--1", "1Mi3", "1.5.5", "0x10", "1,5", "½"]


@pytest.mark.parametrize("text", INVALID)
def test_invalid_text_raises_quantity_error_naming_valid_forms(text):
    """Malformed text raises QuantityError (a ValueError) whose message lists the valid forms."""
    with pytest.raises(QuantityError) as info:
        Q(text)
    assert isinstance(info.value, ValueError)
    assert "Ki Mi Gi Ti Pi Ei" in str(info.value) and "n u m k M G T P E" in str(info.value)


def test_enormous_exponents_are_refused_rather_than_expanded():
    """An exponent past 10**1000 is a QuantityError instead of a huge exact number."""
    with pytest.raises(QuantityError, match="beyond"):
        Q("1e1001")
    assert Q("0e999999").amount == 0


def test_absurdly_long_numbers_are_refused():
    """More than 1000 digits is a QuantityError (not Python's int-conversion limit error)."""
    assert Q("9" * 1000).amount == 10**1000 - 1
    with pytest.raises(QuantityError, match="digits"):
        Q("1" * 5000)


@pytest.mark.parametrize("raw", [True, False, None, float("nan"), float("inf"), [1], {"cpu": 1}, b"1"])
def test_non_quantity_python_values_are_rejected(raw):
    """Booleans, None, non-finite floats and containers are not quantities."""
    with pytest.raises(QuantityError):
        Q(raw)


FLOATS = [
    (0.5, F(1, 2), DECIMAL_SI, "500m"), (0.1, F(1, 10), DECIMAL_SI, "100m"), (1.0, 1, DECIMAL_SI, "1"),
    (1000.0, 1000, DECIMAL_SI, "1k"), (1e-05, F(1, 100000), DECIMAL_SI, "10u"),
    (1e-07, F(1, 10**7), DECIMAL_EXPONENT, "100e-9"), (1e16, 10**16, DECIMAL_SI, "10P"),
    (1e21, 10**21, DECIMAL_EXPONENT, "1e21"), (-0.0, 0, DECIMAL_SI, "0"), (2.675, F(2675, 1000), DECIMAL_SI, "2675m"),
    (1 / 3, F(333333334, 10**9), DECIMAL_SI, "333333334n"),
]


@pytest.mark.parametrize("raw,amount,fmt,text", FLOATS)
def test_yaml_floats_read_through_their_shortest_repr(raw, amount, fmt, text):
    """A float becomes the JSON number Go writes for it (shortest digits), never its binary expansion."""
    q = Q(raw)
    assert (q.amount, q.format, str(q)) == (amount, fmt, text)


def test_ints_are_exact_decimal_si():
    """A YAML int is taken exactly, in DecimalSI, with no int64 limit."""
    assert Q(1) == 1 and Q(1).format == DECIMAL_SI
    assert Q(2**70).amount == 2**70
    assert Q(-3).amount == -3


def test_parse_returns_a_quantity_unchanged():
    """Parsing a Quantity is the identity."""
    q = Q("1Gi")
    assert Q(q) is q


# ---- canonical strings --------------------------------------------------------------------

STRINGS = [
    (GI, BINARY_SI, "1Gi"), (300 * MI, BINARY_SI, "300Mi"), (6 * KI, BINARY_SI, "6Ki"),
    (1001 * GI, BINARY_SI, "1001Gi"), (TI, BINARY_SI, "1Ti"), (5, BINARY_SI, "5"), (F(1, 2), BINARY_SI, "500m"),
    (1025, BINARY_SI, "1025"), (1023, BINARY_SI, "1023"), (F(1234567, 1000), BINARY_SI, "1234567m"),
    (10**9, DECIMAL_SI, "1G"), (F(1, 1000), DECIMAL_SI, "1m"), (F(80, 1000), DECIMAL_SI, "80m"),
    (F(108, 100), DECIMAL_SI, "1080m"), (300 * 10**6, DECIMAL_SI, "300M"), (10**12, DECIMAL_SI, "1T"),
    (10**18, DECIMAL_SI, "1E"), (10**21, DECIMAL_SI, "1e21"), (5 * 10**21, DECIMAL_SI, "5e21"),
    (1234567 * 10**6, DECIMAL_SI, "1234567M"), (3000, DECIMAL_SI, "3k"), (0, DECIMAL_SI, "0"), (0, BINARY_SI, "0"),
    (10**9, DECIMAL_EXPONENT, "1e9"), (F(1, 1000), DECIMAL_EXPONENT, "1e-3"), (F(1, 10**9), DECIMAL_EXPONENT, "1e-9"),
    (F(80, 1000), DECIMAL_EXPONENT, "80e-3"), (300 * 10**6, DECIMAL_EXPONENT, "300e6"), (0, DECIMAL_EXPONENT, "0"),
    (F(1, 10**9), DECIMAL_SI, "1n"), (F(1080, 10**9), DECIMAL_SI, "1080n"), (F(80, 10**6), DECIMAL_SI, "80u"),
    (1200, DECIMAL_EXPONENT, "1200"), (F(3, 2), DECIMAL_SI, "1500m"),
]


@pytest.mark.parametrize("amount,fmt,text", STRINGS)
def test_str_is_upstream_canonical_form(amount, fmt, text):
    """str() is upstream String(): no fraction digits, the largest suffix, same format family."""
    assert str(Quantity(amount, fmt)) == text
    if amount:
        assert str(Quantity(-Fraction(amount), fmt)) == "-" + text


EMIT = [
    ("1Ki", "1Ki"), ("1024Mi", "1Gi"), ("1000M", "1G"), ("1536Mi", "1536Mi"), ("1.5Gi", "1536Mi"),
    ("0.5", "500m"), (".001Ki", "1024m"), (".000001Ki", "1024u"), (".000000001Ki", "1024n"),
    (".000000000001Ki", "2n"), ("100.035Ki", "102435840m"), ("-0.5Ki", "-512"), ("-1Ki", "-1Ki"),
    ("1.2e3", "1200"), ("1.5e3", "1500"), ("12e6", "12e6"), ("0.5e-9", "1e-9"), ("1000E", "1e21"),
    ("1e3", "1e3"), ("0001", "1"), ("1000m", "1"), ("9Ei", "9223372036854775807"), ("100m", "100m"),
]


@pytest.mark.parametrize("text,canonical", EMIT)
def test_parse_then_str(text, canonical):
    """Parsing then printing yields upstream's canonical spelling (TestQuantityParseEmit and more)."""
    assert str(Q(text)) == canonical


def test_binary_beyond_int64_prints_as_decimal_to_round_trip():
    """A BinarySI sum past 2**63-1 prints as DecimalSI, since "8Ei" would parse back capped."""
    total = Q("4Ei") + Q("4Ei")
    assert total.amount == 2**63
    assert str(total) == "9223372036854775808"
    assert Q(str(total)) == total


def test_repr_shows_the_canonical_string():
    """repr() names the class and the canonical text."""
    assert repr(Q("1.5Gi")) == "Quantity('1536Mi')"


# ---- comparison, hashing, arithmetic ----------------------------------------------------

def test_equality_and_hash_ignore_format():
    """1Gi == 1073741824 and 1000m == 1, with equal hashes, so sets and dict keys agree."""
    assert Q("1Gi") == Q("1073741824") == 1073741824
    assert Q("1000m") == Q("1") == 1
    assert hash(Q("1Gi")) == hash(Q("1073741824")) == hash(1073741824)
    assert len({Q("1"), Q("1000m"), Q("1e0"), Q("0.001k")}) == 1
    assert Q("500m") == Fraction(1, 2)
    assert Q("1") != 1.0 and Q("1") != "1"


def test_ordering():
    """Comparisons follow the exact value across formats and with ints."""
    assert Q("100m") < Q("1") < Q("1Ki") < Q("1.1k") <= Q("1100") < Q("10000T")
    assert Q("10000T") > Q("100Gi")
    assert Q("-1") < 0 < Q("1n")
    assert sorted([Q("1Gi"), Q("1G"), Q("1Mi")]) == [Q("1Mi"), Q("1G"), Q("1Gi")]
    with pytest.raises(TypeError):
        _ = Q("1") < 1.0


def test_addition_and_subtraction_are_exact_and_keep_left_format():
    """Sums are exact; the left format wins unless the left side is zero (upstream Add/Sub)."""
    assert str(Q("100m") + Q("1Gi")) == "1073741824100m"
    assert (Q("1Gi") + Q("1Mi")).format == BINARY_SI
    assert str(Q("1Gi") + Q("1Mi")) == "1025Mi"
    assert str(Quantity.zero() + Q("1Gi")) == "1Gi"
    assert str(Q("1Gi") + Quantity.zero()) == "1Gi"
    assert str(Quantity.zero() - Q("100m")) == "-100m"
    assert str(Q("1") - Q("1000m")) == "0"
    assert str(Q("0.1") + Q("0.2")) == "300m"
    assert Q("0.1") + Q("0.2") == Q("0.3")


def test_multiplication_by_int_and_negation():
    """q * n and n * q are exact and keep the format; negation flips the sign."""
    assert str(Q("1.5Gi") * 2) == "3Gi"
    assert str(3 * Q("100m")) == "300m"
    assert str(Q("1Ki") * -1) == "-1Ki"
    assert str(Q("5") * 0) == "0"
    assert str(-Q("250m")) == "-250m"


@pytest.mark.parametrize("op", [lambda q: q + 1, lambda q: q - 1, lambda q: q * 1.5, lambda q: q * True,
                                lambda q: q * Q("2"), lambda q: 1 + q])
def test_arithmetic_with_other_types_is_a_type_error(op):
    """Quantities only add to quantities and multiply by ints (no floats, no bools)."""
    with pytest.raises(TypeError):
        op(Q("1"))


VALUES = [
    ("100m", 1, 100), ("1", 1, 1000), ("1.0001", 2, 1001), ("1500u", 1, 2), ("1n", 1, 1), ("0", 0, 0),
    ("1Gi", GI, GI * 1000), ("-1.5", -2, -1500), ("-1n", -1, -1), ("-1500u", -1, -2), ("9.01", 10, 9010),
    ("1e30", 10**30, 10**33),
]


@pytest.mark.parametrize("text,value,milli", VALUES)
def test_value_and_milli_value_round_away_from_zero(text, value, milli):
    """value()/milli_value() are Value()/MilliValue(): ceil for q >= 0, away from zero below, no overflow."""
    q = Q(text)
    assert q.value() == value
    assert q.milli_value() == milli


def test_zero_sign_and_is_zero():
    """zero() is 0; sign() and is_zero() report the sign of the amount."""
    assert Quantity.zero() == 0 and Quantity.zero().is_zero() and str(Quantity.zero()) == "0"
    assert (Q("-1m").sign(), Q("0").sign(), Q("1Ki").sign()) == (-1, 0, 1)


def test_constructor_rejects_values_finer_than_nano_and_floats():
    """A Quantity holds whole nano-units, as parsing guarantees; floats never enter."""
    assert Quantity(Fraction(3, 10**9)).amount == Fraction(3, 10**9)
    with pytest.raises(ValueError):
        Quantity(Fraction(1, 3))
    with pytest.raises(ValueError):
        Quantity(Fraction(1, 10**10))
    with pytest.raises(TypeError):
        Quantity(0.5)
    with pytest.raises(ValueError):
        Quantity(1, "Binary")


def test_quantities_are_frozen():
    """Quantities are immutable values."""
    q = Q("1")
    with pytest.raises(AttributeError):
        q.amount = Fraction(2)


# ---- properties -------------------------------------------------------------------------

SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
FACTORS = {"n": F(1, 10**9), "u": F(1, 10**6), "m": F(1, 1000), "": 1, "k": 10**3, "M": 10**6, "G": 10**9,
           "T": 10**12, "P": 10**15, "E": 10**18, "Ki": KI, "Mi": MI, "Gi": GI, "Ti": TI, "Pi": PI, "Ei": EI}


@st.composite
def quantity_texts(draw):
    """Well-formed quantity text: sign, digits with an optional fraction, any suffix or exponent."""
    sign = draw(st.sampled_from(["", "+", "-"]))
    whole = draw(st.text("0123456789", max_size=12))
    frac = draw(st.none() | st.text("0123456789", max_size=12))
    if not whole and not frac:
        whole = draw(st.text("0123456789", min_size=1, max_size=3))
    number = whole + ("" if frac is None else "." + frac)
    suffix = draw(st.sampled_from(SUFFIXES) | st.builds(lambda e, s: e + s, st.sampled_from(["e", "E"]),
                                                        st.integers(-15, 40).map(str)))
    return sign + number + suffix


def oracle(text: str) -> Fraction:
    """An independent reading of well-formed text: Decimal value, nano rounding away from zero, binary cap."""
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    i = 0
    while i < len(body) and (body[i].isdigit() or body[i] == "."):
        i += 1
    number, suffix = body[:i], body[i:]
    if number in ("", "."):
        number = "0"
    exact = Fraction(Decimal(number))
    exact *= FACTORS[suffix] if suffix in FACTORS else Fraction(10) ** int(suffix[1:])
    nanos = exact * 10**9
    nanos = -(-nanos.numerator // nanos.denominator)  # exact >= 0 here: ceil is away from zero
    value = Fraction(nanos, 10**9)
    if suffix.endswith("i"):
        value = min(value, Fraction(MAX_INT64))
    return sign * value


@given(quantity_texts())
def test_property_parse_agrees_with_a_decimal_oracle(text):
    """Every well-formed text parses to the value an independent Decimal-based reading gives."""
    assert Q(text).amount == oracle(text)


@given(quantity_texts())
def test_property_str_round_trips_and_is_canonical(text):
    """parse(str(q)) == q, and str() is a fixed point: printing a parsed canonical string changes nothing."""
    q = Q(text)
    again = Q(str(q))
    assert again == q
    assert str(again) == str(q)


nano_amounts = st.integers(-(10**30), 10**30).map(lambda n: Fraction(n, 10**9))
quantities = st.builds(Quantity, nano_amounts, st.sampled_from([DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT]))


@given(quantities)
def test_property_any_quantity_round_trips_through_str(q):
    """Every Quantity value, in every format, prints as text that parses back to it exactly."""
    assert Q(str(q)) == q


@given(quantities, quantities)
def test_property_ordering_matches_the_fractions(a, b):
    """<, <=, ==, > agree with the underlying Fractions, and equal values hash alike."""
    assert (a < b) == (a.amount < b.amount)
    assert (a <= b) == (a.amount <= b.amount)
    assert (a == b) == (a.amount == b.amount)
    assert (a > b) == (a.amount > b.amount)
    if a == b:
        assert hash(a) == hash(b)


@given(quantities, quantities, quantities)
def test_property_addition_is_associative_and_commutative(a, b, c):
    """(a + b) + c == a + (b + c) and a + b == b + a, exactly."""
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a
    assert (a + b) - b == a


@given(quantities, st.integers(-1000, 1000))
def test_property_multiplication_is_repeated_addition(q, n):
    """q * n equals the exact product of the amount."""
    assert (q * n).amount == q.amount * n


@given(nano_amounts)
def test_property_milli_value_is_ceiling_for_non_negative(amount):
    """For q >= 0 milli_value() is ceil(q * 1000); for q < 0 it mirrors -(-q).milli_value()."""
    q = Quantity(amount)
    if amount >= 0:
        scaled = amount * 1000
        assert q.milli_value() == -(-scaled.numerator // scaled.denominator)
    else:
        assert q.milli_value() == -(-q).milli_value()
