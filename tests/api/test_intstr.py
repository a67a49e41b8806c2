"""Int-or-percent values and scaling, as intstr.GetScaledValueFromIntOrPercent
(k8s.io/apimachinery pkg/util/intstr/intstr.go)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kspec.api.intstr import IntOrPercent, IntOrPercentError, scaled_value

PARSE = [
    (3, IntOrPercent(3)), (0, IntOrPercent(0)), (-2, IntOrPercent(-2)), (2**31 - 1, IntOrPercent(2**31 - 1)),
    (-(2**31), IntOrPercent(-(2**31))), (2.0, IntOrPercent(2)),
    ("25%", IntOrPercent(25, True)), ("0%", IntOrPercent(0, True)), ("100%", IntOrPercent(100, True)),
    ("250%", IntOrPercent(250, True)), ("+5%", IntOrPercent(5, True)), ("-10%", IntOrPercent(-10, True)),
    ("007%", IntOrPercent(7, True)), ("9223372036854775807%", IntOrPercent(2**63 - 1, True)),
]


@pytest.mark.parametrize("raw,expected", PARSE)
def test_parse_accepts_int32_and_integer_percentages(raw, expected):
    """An int32 (or whole float, as kubectl sends 1.0 as 1) or '<Atoi integer>%' parses."""
    assert IntOrPercent.parse(raw) == expected


MALFORMED = ["5", "-5", "abc", "", "%", "5%%", "5.5%", " 5%", "5% ", "5 %", "1e3%", "5_0%", "٣%", "0x10%",
             "%5", "9223372036854775808%", 1.5, float("nan"), 2**31, -(2**31) - 1, True, None, [25]]


@pytest.mark.parametrize("raw", MALFORMED)
def test_parse_rejects_everything_else(raw):
    """Non-percent strings (even "5"), fractional or out-of-range numbers and other types are errors."""
    with pytest.raises(IntOrPercentError):
        IntOrPercent.parse(raw)


def test_plain_numeric_string_error_suggests_both_fixes():
    """The "5" error says to drop the quotes or add a '%' (upstream only accepted it in the deprecated helper)."""
    with pytest.raises(IntOrPercentError, match=r"write 5 without quotes, or '5%'"):
        IntOrPercent.parse("5")


def test_errors_are_value_errors():
    """IntOrPercentError is a ValueError so generic callers can catch it."""
    assert issubclass(IntOrPercentError, ValueError)


SCALED = [
    # value, total, round up, round down
    ("25%", 10, 3, 2),
    ("0%", 10, 0, 0),
    ("100%", 10, 10, 10),
    ("33%", 10, 4, 3),
    ("50%", 3, 2, 1),
    ("1%", 1, 1, 0),
    ("200%", 3, 6, 6),
    ("25%", 0, 0, 0),
    ("-10%", 10, -1, -1),
    ("-15%", 10, -1, -2),
    ("25%", -10, -2, -3),
    (5, 10, 5, 5),
    (0, 10, 0, 0),
    (-3, 10, -3, -3),
    (50, 10, 50, 50),
]


@pytest.mark.parametrize("value,total,up,down", SCALED)
def test_scaled_value_table(value, total, up, down):
    """Percentages scale by total/100 then round up or down; ints come back as they are."""
    assert scaled_value(value, total, round_up=True) == up
    assert scaled_value(value, total, round_up=False) == down


def test_deployment_worked_example():
    """10 replicas: maxSurge 25% -> 3 (rounded up), maxUnavailable 25% -> 2 (rounded down)."""
    surge, unavailable = IntOrPercent.parse("25%"), IntOrPercent.parse("25%")
    assert surge.scaled(10, round_up=True) == 3
    assert unavailable.scaled(10, round_up=False) == 2


@pytest.mark.parametrize("raw", ["5", "x%", 1.5, None])
def test_scaled_value_rejects_malformed_values(raw):
    """scaled_value raises IntOrPercentError for values upstream cannot scale."""
    with pytest.raises(IntOrPercentError):
        scaled_value(raw, 10, round_up=True)


def test_scaled_value_accepts_a_parsed_value():
    """scaled_value takes an IntOrPercent as well as the raw manifest value."""
    assert scaled_value(IntOrPercent(30, True), 10, round_up=False) == 3


@pytest.mark.parametrize("raw,text", [(3, "3"), ("25%", "25%"), ("+5%", "5%"), ("-0%", "0%")])
def test_str_is_the_manifest_spelling(raw, text):
    """str() writes an int as digits and a percentage with its '%'."""
    assert str(IntOrPercent.parse(raw)) == text


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6), st.booleans())
def test_property_integer_scaling_equals_upstream_float_formula(percent, total, round_up):
    """For every realistic size the exact integer result equals upstream's math.Ceil/Floor on float64."""
    rounding = math.ceil if round_up else math.floor
    expected = int(rounding(float(percent) * float(total) / 100))
    assert scaled_value(f"{percent}%", total, round_up) == expected


@given(st.integers(-(2**31), 2**31 - 1), st.integers(0, 10**6), st.booleans())
def test_property_ints_are_never_scaled(value, total, round_up):
    """An int value is returned unchanged whatever the total and rounding."""
    assert scaled_value(value, total, round_up) == value


@given(st.integers(0, 1000), st.integers(0, 10**6))
def test_property_round_up_is_at_least_round_down_and_within_one(percent, total):
    """Rounding up never gives less than rounding down, and never more than one more."""
    up = scaled_value(f"{percent}%", total, True)
    down = scaled_value(f"{percent}%", total, False)
    assert down <= up <= down + 1
    assert (up == down) == (percent * total % 100 == 0)


@given(st.one_of(st.integers(-(2**31), 2**31 - 1), st.integers(-(10**12), 10**12).map(lambda n: f"{n}%")))
def test_property_str_parses_back(raw):
    """parse(str(v)) == v for every valid value."""
    value = IntOrPercent.parse(raw)
    reparsed = IntOrPercent.parse(str(value) if value.is_percent else value.value)
    assert reparsed == value
