"""Cron schedules as CronJobs read them (robfig/cron v3 standard parser, used by the
upstream CronJob controller: ``pkg/controller/cronjob/utils.go``).

Five fields ``minute hour day-of-month month day-of-week`` with ``*``, ``?``, lists,
ranges, steps and month/weekday names, or a descriptor (``@hourly``, ``@daily``,
``@midnight``, ``@weekly``, ``@monthly``, ``@yearly``, ``@annually``, ``@every 1h``).
"""

from __future__ import annotations

import re

import attrs

_FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
           ("month", 1, 12, {m: i + 1 for i, m in enumerate(
               ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}),
           ("day of week", 0, 6, {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}))
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_EVERY = re.compile(r"@every\s+((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)\Z")


class CronError(ValueError):
    """A schedule the CronJob controller cannot parse."""


@attrs.frozen
class Schedule:
    """The allowed values of each field (``every_seconds`` for ``@every``)."""

    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    every_seconds: float | None = None
    # robfig: when both day fields are restricted, a day matches if either matches.
    day_star: bool = True
    weekday_star: bool = True


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule; raises ``CronError`` saying what is wrong."""
    spec = text.strip()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        raise CronError("CRON_TZ or TZ is not supported in .spec.schedule; use .spec.timeZone")
    if spec.startswith("@"):
        m = _EVERY.match(spec)
        if m:
            return Schedule(every_seconds=_duration_seconds(m.group(1)))
        if spec not in _DESCRIPTORS:
            raise CronError(f"unrecognized descriptor {spec!r}; use one of {', '.join(sorted(_DESCRIPTORS))}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields (minute hour day-of-month month day-of-week), found {len(fields)}")
    sets = [_parse_field(f, *meta) for f, meta in zip(fields, _FIELDS)]
    return Schedule(minutes=sets[0], hours=sets[1], days=sets[2], months=sets[3], weekdays=sets[4],
                    day_star=fields[2] in ("*", "?"), weekday_star=fields[4] in ("*", "?"))


def _parse_field(field: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    values: set[int] = set()
    for part in field.split(","):
        if not part:
            raise CronError(f"empty list item in the {name} field")
        rng, slash, step_text = part.partition("/")
        if rng in ("*", "?"):
            start, end = low, high
        else:
            first, dash, last = rng.partition("-")
            start = _value(first, name, low, high, names)
            end = _value(last, name, low, high, names) if dash else (high if slash else start)
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"invalid step {step_text!r} in the {name} field")
            step = int(step_text)
        if start > end:
            raise CronError(f"beginning of range ({start}) beyond end of range ({end}) in the {name} field")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise CronError(f"failed to parse {text!r} in the {name} field")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{value} is out of range for the {name} field ({low}-{high})")
    return value


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def _duration_seconds(text: str) -> float:
    return sum(float(n) * _UNITS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text))
