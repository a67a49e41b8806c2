"""Cron schedules as the CronJob controller parses them (robfig/cron standard parser)."""

import pytest

from kspec.api.cron import CronError, parse_schedule


def test_fields_lists_ranges_steps_and_names():
    """Lists, ranges, steps and month/weekday names expand to the allowed values."""
    s = parse_schedule("*/15 9-17/4 1,15 JAN-MAR mon")
    assert s.minutes == {0, 15, 30, 45} and s.hours == {9, 13, 17}
    assert s.days == {1, 15} and s.months == {1, 2, 3} and s.weekdays == {1}
    assert not s.day_star and not s.weekday_star


@pytest.mark.parametrize("descriptor,expected", [
    ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
    ("@weekly", "0 0 * * 0"), ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"),
])
def test_descriptors_mean_their_five_field_schedules(descriptor, expected):
    """Each descriptor is shorthand for a fixed schedule."""
    assert parse_schedule(descriptor) == parse_schedule(expected)


def test_every_takes_a_go_duration():
    """@every takes a Go duration such as 1h30m."""
    assert parse_schedule("@every 1h30m").every_seconds == 5400


@pytest.mark.parametrize("schedule,message", [
    ("* * * *", "exactly 5 fields"),
    ("60 * * * *", "out of range"),
    ("* * 0 * *", "out of range"),
    ("* * * * 7", "out of range"),
    ("5-1 * * * *", "beyond end of range"),
    ("*/0 * * * *", "invalid step"),
    ("TZ=UTC 0 * * * *", "spec.timeZone"),
    ("@fortnightly", "unrecognized descriptor"),
    ("a * * * *", "failed to parse"),
])
def test_invalid_schedules_say_what_is_wrong(schedule, message):
    """A schedule the controller cannot parse raises CronError naming the problem."""
    with pytest.raises(CronError, match=message):
        parse_schedule(schedule)
