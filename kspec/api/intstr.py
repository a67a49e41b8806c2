"""Int-or-percent values (``maxSurge: 25%``, ``maxUnavailable: 1``) and their scaling.

Mirrors k8s.io/apimachinery ``pkg/util/intstr/intstr.go``
``GetScaledValueFromIntOrPercent``: an int is used as is; a string must be an
integer followed by ``%`` and is scaled against a total, rounded up or down. A
plain numeric string such as ``"5"`` is an error there (only the deprecated
``GetValueFromIntOrPercent`` read it, as 5%), so it is an error here too.

Worked example, a Deployment with 10 replicas::

    >>> scaled_value("25%", 10, round_up=True)    # maxSurge: 2.5 rounded up
    3
    >>> scaled_value("25%", 10, round_up=False)   # maxUnavailable: 2.5 rounded down
    2
    >>> scaled_value(4, 10, round_up=True)        # ints are returned as they are
    4
"""

from __future__ import annotations

import re

import attrs

__all__ = ["IntOrPercent", "IntOrPercentError", "scaled_value"]

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
# strconv.Atoi: optional sign, ASCII digits only (no spaces, no underscores).
_ATOI = re.compile(r"[+-]?[0-9]+")


class IntOrPercentError(ValueError):
    """A value that is neither an integer nor a percentage string like ``"25%"``."""


@attrs.frozen
class IntOrPercent:
    """An ``IntOrString`` used as int-or-percent: ``value`` is the int or the percent number."""

    value: int
    is_percent: bool = False

    @classmethod
    def parse(cls, raw: int | float | str | IntOrPercent) -> IntOrPercent:
        """Read a manifest value: an int (int32, as ``IntOrString.IntVal``) or ``"<int>%"``.

        A float is accepted only when whole (``1.0``): kubectl sends YAML as JSON and
        Go writes float64(1) as ``1``, which then decodes into the int32. Raises
        :class:`IntOrPercentError` otherwise, e.g. for ``"5"``, ``"5.5%"`` or ``"abc"``.
        """
        if isinstance(raw, IntOrPercent):
            return raw
        if isinstance(raw, bool):
            raise IntOrPercentError(f"invalid int-or-percent {raw!r}: a boolean is neither an integer nor a percentage")
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, int):
            if not _INT32[0] <= raw <= _INT32[1]:
                raise IntOrPercentError(f"invalid int-or-percent {raw}: an integer must fit in 32 bits")
            return cls(raw)
        if isinstance(raw, str):
            # intstr.go getIntOrPercentValueSafely: exactly one trailing '%', then strconv.Atoi.
            if not raw.endswith("%"):
                hint = f" (write {raw} without quotes, or {raw + '%'!r})" if _ATOI.fullmatch(raw) else ""
                raise IntOrPercentError(f"invalid int-or-percent {raw!r}: a string must be a percentage "
                                        f"like '25%'{hint}")
            number = raw[:-1]
            if not _ATOI.fullmatch(number) or not _INT64[0] <= int(number) <= _INT64[1]:
                raise IntOrPercentError(f"invalid int-or-percent {raw!r}: a percentage must be a whole number "
                                        f"followed by '%', like '25%'")
            return cls(int(number), is_percent=True)
        raise IntOrPercentError(f"invalid int-or-percent {raw!r}: expected an integer or a percentage like '25%'")

    def scaled(self, total: int, round_up: bool) -> int:
        """This value against ``total``: ``value * total / 100`` rounded up or down for a
        percentage, the value itself otherwise. ``33%`` of 10 is 4 up, 3 down."""
        if not self.is_percent:
            return self.value
        # Exact integer ceil/floor. Upstream computes math.Ceil/Floor on float64, which
        # agrees whenever |value * total| < 2**53 (every real replica count).
        product = self.value * total
        return -(-product // 100) if round_up else product // 100

    def __str__(self) -> str:
        return f"{self.value}%" if self.is_percent else str(self.value)


def scaled_value(value: int | float | str | IntOrPercent, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent(value, total, roundUp)``.

    10 replicas, maxSurge 25% -> 3 (rounded up); maxUnavailable 25% -> 2 (rounded down);
    an int comes back unchanged. Raises :class:`IntOrPercentError` for a bad value.
    """
    return IntOrPercent.parse(value).scaled(total, round_up)
