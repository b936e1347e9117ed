"""Tests for disclosure.timemath (spec: time-and-metrics.md, sections 1-2).

Pure Python: no Django, no database. Runs under the project's pytest config and
also with plain ``pytest tests/disclosure/test_timemath.py -p no:django``.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    from disclosure import timemath
except ImportError:
    # Plain pytest without the project's environment: the disclosure package's
    # __init__ pulls in Celery, but timemath itself is stdlib-only, so load
    # the module straight from its file.
    _path = Path(__file__).resolve().parents[2] / "disclosure" / "timemath.py"
    _spec = importlib.util.spec_from_file_location("_disclosure_timemath", _path)
    assert _spec is not None and _spec.loader is not None
    timemath = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = timemath  # dataclasses look their module up here
    _spec.loader.exec_module(timemath)

PRECISIONS = timemath.PRECISIONS
Duration = timemath.Duration
Interval = timemath.Interval
TimeError = timemath.TimeError
duration = timemath.duration
elapsed_since = timemath.elapsed_since
format_duration = timemath.format_duration
interval = timemath.interval
parse_at = timemath.parse_at
validate = timemath.validate

LA = "America/Los_Angeles"
BERLIN = "Europe/Berlin"

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def utc(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DDTHH:MM[:SS[.ffffff]]' (UTC implied)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def bounds(at, precision, approximate=False, tz=LA):
    i = interval(at, precision, approximate, tz)
    return i.lo, i.hi


# ---------------------------------------------------------------------------
# Spec section 2 worked examples (all in America/Los_Angeles)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (
            ("2019-12-26T09:21", "minute", False),
            ("2019-12-26T09:35", "minute", False),
            (840, 780, 900),
        ),
        (
            ("2019-12-04", "day", False),
            ("2019-12-26", "day", False),
            (1_900_800, 1_814_400, 1_987_200),
        ),
        (
            ("2019-12-26T09:35", "minute", False),
            ("2019-12-26T10:00", "minute", True),
            (1_500, 1_380, 1_620),
        ),
    ],
)
def test_spec_worked_examples(a, b, expected):
    ia = interval(*a, timezone=LA)
    ib = interval(*b, timezone=LA)
    got = duration(ia, ib)
    assert got == Duration(*expected)
    assert (got.nominal_seconds, got.min_seconds, got.max_seconds) == expected
    for value in (got.nominal_seconds, got.min_seconds, got.max_seconds):
        assert type(value) is int


def test_wyze_headline_window_reads_14_minutes():
    a = interval("2019-12-26T09:21", "minute", timezone=LA)
    b = interval("2019-12-26T09:35", "minute", timezone=LA)
    assert format_duration(duration(a, b).nominal_seconds) == "14 minutes"


def test_worked_example_intervals_in_detail():
    i = interval("2019-12-26T09:21", "minute", timezone=LA)
    assert i == Interval(
        lo=utc("2019-12-26T17:21"),
        hi=utc("2019-12-26T17:22"),
        nominal=utc("2019-12-26T17:21:30"),
    )
    wide = interval("2019-12-26T10:00", "minute", approximate=True, timezone=LA)
    assert (wide.lo, wide.hi, wide.nominal) == (
        utc("2019-12-26T17:59"),
        utc("2019-12-26T18:02"),
        utc("2019-12-26T18:00:30"),
    )


def test_to_dict():
    assert Duration(840, 780, 900).to_dict() == {
        "nominal_seconds": 840,
        "min_seconds": 780,
        "max_seconds": 900,
    }


# ---------------------------------------------------------------------------
# Every precision
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "precision", "lo", "hi", "nominal"),
    [
        (
            "2019-12-26T09:21:05",
            "second",
            "2019-12-26T17:21:05",
            "2019-12-26T17:21:06",
            "2019-12-26T17:21:05.500000",
        ),
        (
            "2019-12-26T09:21:05",
            "minute",
            "2019-12-26T17:21",
            "2019-12-26T17:22",
            "2019-12-26T17:21:30",
        ),
        (
            "2019-12-26T09:21",
            "minute",
            "2019-12-26T17:21",
            "2019-12-26T17:22",
            "2019-12-26T17:21:30",
        ),
        (
            "2019-12-26T09:21",
            "hour",
            "2019-12-26T17:00",
            "2019-12-26T18:00",
            "2019-12-26T17:30",
        ),
        (
            "2019-12-26T09:21",
            "day",
            "2019-12-26T08:00",
            "2019-12-27T08:00",
            "2019-12-26T20:00",
        ),
        (
            "2019-12-26",
            "day",
            "2019-12-26T08:00",
            "2019-12-27T08:00",
            "2019-12-26T20:00",
        ),
        (
            "2019-12-26",
            "month",
            "2019-12-01T08:00",
            "2020-01-01T08:00",
            "2019-12-16T20:00",
        ),
        (
            "2019-12",
            "month",
            "2019-12-01T08:00",
            "2020-01-01T08:00",
            "2019-12-16T20:00",
        ),
        (
            "2019-12-26T09:21:05",
            "year",
            "2019-01-01T08:00",
            "2020-01-01T08:00",
            "2019-07-02T20:00",
        ),
        ("2019", "year", "2019-01-01T08:00", "2020-01-01T08:00", "2019-07-02T20:00"),
    ],
)
def test_every_precision(at, precision, lo, hi, nominal):
    i = interval(at, precision, timezone=LA)
    assert (i.lo, i.hi, i.nominal) == (utc(lo), utc(hi), utc(nominal))
    for value in (i.lo, i.hi, i.nominal):
        assert value.tzinfo is UTC


def test_timezone_matters():
    assert bounds("2019-12-26", "day", tz="UTC") == (
        utc("2019-12-26T00:00"),
        utc("2019-12-27T00:00"),
    )
    assert bounds("2019-12-26", "day", tz="Asia/Kolkata") == (
        utc("2019-12-25T18:30"),
        utc("2019-12-26T18:30"),
    )
    # truncation to the hour happens in local wall time (+05:30)
    assert bounds("2019-12-26T09:21", "hour", tz="Asia/Kolkata") == (
        utc("2019-12-26T03:30"),
        utc("2019-12-26T04:30"),
    )


def test_explicit_offset_wins_over_timezone():
    i = interval("2019-12-26T09:21-08:00", "minute", timezone=BERLIN)
    assert (i.lo, i.hi) == (utc("2019-12-26T17:21"), utc("2019-12-26T17:22"))
    i = interval("2019-12-26T17:21Z", "minute", timezone=LA)
    assert (i.lo, i.hi) == (utc("2019-12-26T17:21"), utc("2019-12-26T17:22"))
    # no timezone needed at all, and an unusable one is ignored
    assert interval("2019-12-26T09:21:00+01:00", "second").lo == utc("2019-12-26T08:21")
    validate("2019-12-26T09:21+01:00", "minute", "Not/AZone")


def test_truncation_with_explicit_offset_happens_in_that_offset():
    # hour truncation in +05:45 (Nepal-style offset)
    assert bounds("2019-12-26T09:21+05:45", "hour", tz=None) == (
        utc("2019-12-26T03:15"),
        utc("2019-12-26T04:15"),
    )
    # day truncation in the fixed offset -08:00
    assert bounds("2019-12-26T23:30-08:00", "day", tz=None) == (
        utc("2019-12-26T08:00"),
        utc("2019-12-27T08:00"),
    )


# ---------------------------------------------------------------------------
# Month and year lengths
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "days"),
    [
        ("2019-02", 28),
        ("2020-02", 29),
        ("2000-02", 29),  # divisible by 400: leap
        ("2100-02", 28),  # divisible by 100 only: not leap
        ("2019-04", 30),
        ("2019-06", 30),
        ("2019-09", 30),
        ("2019-11", 30),
        ("2019-01", 31),
        ("2019-07", 31),
        ("2019-08", 31),
        ("2019-12", 31),  # rolls over into the next year
    ],
)
def test_month_lengths(at, days):
    lo, hi = bounds(at, "month", tz="UTC")
    assert hi - lo == timedelta(days=days)


def test_month_lengths_across_dst_in_local_time():
    lo, hi = bounds("2019-03", "month", tz=LA)  # spring forward inside
    assert (lo, hi) == (utc("2019-03-01T08:00"), utc("2019-04-01T07:00"))
    assert hi - lo == timedelta(days=31) - HOUR
    lo, hi = bounds("2019-11", "month", tz=LA)  # fall back inside
    assert hi - lo == timedelta(days=30) + HOUR
    lo, hi = bounds("2020-02-14", "month", tz=LA)
    assert hi - lo == timedelta(days=29)


@pytest.mark.parametrize(
    ("at", "days"),
    [("2019", 365), ("2020", 366), ("1900", 365), ("2000", 366), ("2100", 365)],
)
def test_year_lengths(at, days):
    lo, hi = bounds(at, "year", tz="UTC")
    assert hi - lo == timedelta(days=days)


def test_year_length_in_a_dst_zone():
    # both ends are in PST, so the DST hour gained and lost cancel out
    lo, hi = bounds("2019", "year", tz=LA)
    assert hi - lo == timedelta(days=365)
    lo, hi = bounds("2020-06-01", "year", tz=BERLIN)
    assert (lo, hi) == (utc("2019-12-31T23:00"), utc("2020-12-31T23:00"))
    assert hi - lo == timedelta(days=366)


# ---------------------------------------------------------------------------
# DST: America/Los_Angeles (2019-03-10 02:00 -> 03:00, 2019-11-03 02:00 -> 01:00)
# ---------------------------------------------------------------------------


def test_la_spring_forward_day_is_23_hours():
    lo, hi = bounds("2019-03-10", "day")
    assert (lo, hi) == (utc("2019-03-10T08:00"), utc("2019-03-11T07:00"))
    assert hi - lo == timedelta(hours=23)
    assert interval("2019-03-10", "day", timezone=LA).nominal == utc("2019-03-10T19:30")


def test_la_fall_back_day_is_25_hours():
    lo, hi = bounds("2019-11-03", "day")
    assert (lo, hi) == (utc("2019-11-03T07:00"), utc("2019-11-04T08:00"))
    assert hi - lo == timedelta(hours=25)
    assert interval("2019-11-03", "day", timezone=LA).nominal == utc("2019-11-03T19:30")


def test_la_neighbouring_days_are_24_hours():
    for at in ("2019-03-09", "2019-03-11", "2019-11-02", "2019-11-04"):
        lo, hi = bounds(at, "day")
        assert hi - lo == DAY, at


def test_la_days_are_contiguous_across_transitions():
    for first, second in [
        ("2019-03-09", "2019-03-10"),
        ("2019-03-10", "2019-03-11"),
        ("2019-11-02", "2019-11-03"),
        ("2019-11-03", "2019-11-04"),
    ]:
        assert bounds(first, "day")[1] == bounds(second, "day")[0]


@pytest.mark.parametrize(
    ("at", "lo", "hi"),
    [
        ("2019-03-10T00:00", "2019-03-10T08:00", "2019-03-10T09:00"),
        ("2019-03-10T01:59", "2019-03-10T09:00", "2019-03-10T10:00"),
        # 02:xx does not exist: zoneinfo's fold=0 mapping (PST, -08:00)
        ("2019-03-10T02:00", "2019-03-10T10:00", "2019-03-10T11:00"),
        ("2019-03-10T02:30", "2019-03-10T10:00", "2019-03-10T11:00"),
        ("2019-03-10T03:00", "2019-03-10T10:00", "2019-03-10T11:00"),
        ("2019-03-10T04:00", "2019-03-10T11:00", "2019-03-10T12:00"),
    ],
)
def test_la_hour_precision_around_the_gap(at, lo, hi):
    assert bounds(at, "hour") == (utc(lo), utc(hi))


def test_la_minute_in_the_gap_uses_fold_0_mapping():
    i = interval("2019-03-10T02:30", "minute", timezone=LA)
    # 02:30 PST == 10:30Z == 03:30 PDT
    assert (i.lo, i.hi) == (utc("2019-03-10T10:30"), utc("2019-03-10T10:31"))
    assert i.nominal == utc("2019-03-10T10:30:30")
    assert i.lo == interval("2019-03-10T03:30", "minute", timezone=LA).lo


@pytest.mark.parametrize(
    ("at", "lo", "hi", "nominal"),
    [
        ("2019-11-03T00:00", "2019-11-03T07:00", "2019-11-03T08:00", "2019-11-03T07:30"),
        # 01:xx happens twice (PDT 08:xxZ, then PST 09:xxZ): cover both readings
        ("2019-11-03T01:00", "2019-11-03T08:00", "2019-11-03T10:00", "2019-11-03T09:00"),
        ("2019-11-03T01:30", "2019-11-03T08:00", "2019-11-03T10:00", "2019-11-03T09:00"),
        ("2019-11-03T02:00", "2019-11-03T10:00", "2019-11-03T11:00", "2019-11-03T10:30"),
        ("2019-11-03T03:15", "2019-11-03T11:00", "2019-11-03T12:00", "2019-11-03T11:30"),
    ],
)
def test_la_hour_precision_around_the_repeated_hour(at, lo, hi, nominal):
    i = interval(at, "hour", timezone=LA)
    assert (i.lo, i.hi, i.nominal) == (utc(lo), utc(hi), utc(nominal))


@pytest.mark.parametrize(
    ("at", "lo", "hi"),
    [
        ("2019-11-03T00:59", "2019-11-03T07:59", "2019-11-03T08:00"),
        ("2019-11-03T01:00", "2019-11-03T08:00", "2019-11-03T09:01"),
        ("2019-11-03T01:30", "2019-11-03T08:30", "2019-11-03T09:31"),
        ("2019-11-03T01:59", "2019-11-03T08:59", "2019-11-03T10:00"),
        ("2019-11-03T02:00", "2019-11-03T10:00", "2019-11-03T10:01"),
    ],
)
def test_la_minute_precision_in_the_repeated_hour(at, lo, hi):
    assert bounds(at, "minute") == (utc(lo), utc(hi))


def test_la_second_precision_in_the_repeated_hour():
    i = interval("2019-11-03T01:30:00", "second", timezone=LA)
    assert (i.lo, i.hi) == (utc("2019-11-03T08:30:00"), utc("2019-11-03T09:30:01"))
    assert i.nominal == utc("2019-11-03T09:00:00.500000")


@pytest.mark.parametrize(
    ("at", "precision", "lo", "hi"),
    [
        ("2019-11-03T01:30-07:00", "hour", "2019-11-03T08:00", "2019-11-03T09:00"),
        ("2019-11-03T01:30-08:00", "hour", "2019-11-03T09:00", "2019-11-03T10:00"),
        ("2019-11-03T01:30-07:00", "minute", "2019-11-03T08:30", "2019-11-03T08:31"),
        ("2019-11-03T01:30-08:00", "minute", "2019-11-03T09:30", "2019-11-03T09:31"),
        (
            "2019-11-03T01:30:10-07:00",
            "second",
            "2019-11-03T08:30:10",
            "2019-11-03T08:30:11",
        ),
        (
            "2019-11-03T01:30:10-08:00",
            "second",
            "2019-11-03T09:30:10",
            "2019-11-03T09:30:11",
        ),
        # the offset is the record's timezone: a fixed-offset day is 24 h
        ("2019-11-03T01:30-07:00", "day", "2019-11-03T07:00", "2019-11-04T07:00"),
        ("2019-11-03T01:30-08:00", "day", "2019-11-03T08:00", "2019-11-04T08:00"),
    ],
)
def test_la_explicit_offset_in_the_repeated_hour_picks_the_reading(at, precision, lo, hi):
    assert bounds(at, precision, tz=LA) == (utc(lo), utc(hi))


def test_la_explicit_offsets_give_a_one_hour_apart_duration():
    pdt = interval("2019-11-03T01:30-07:00", "minute", timezone=LA)
    pst = interval("2019-11-03T01:30-08:00", "minute", timezone=LA)
    assert duration(pdt, pst) == Duration(3600, 3540, 3660)


def test_la_durations_across_dst_use_absolute_time():
    # 00:30 -> 03:30 wall clock on the fall-back day is 4 hours of real time
    a = interval("2019-11-03T00:30", "minute", timezone=LA)
    b = interval("2019-11-03T03:30", "minute", timezone=LA)
    assert duration(a, b).nominal_seconds == 4 * 3600
    # 01:30 -> 03:30 wall clock on the spring-forward day is 1 hour
    a = interval("2019-03-10T01:30", "minute", timezone=LA)
    b = interval("2019-03-10T03:30", "minute", timezone=LA)
    assert duration(a, b).nominal_seconds == 3600
    # day to day across the 25-hour day
    a = interval("2019-11-02", "day", timezone=LA)
    b = interval("2019-11-04", "day", timezone=LA)
    got = duration(a, b)
    assert got.min_seconds == 25 * 3600
    assert got.max_seconds == (24 + 25 + 24) * 3600
    assert got.nominal_seconds == (12 + 25 + 12) * 3600


# ---------------------------------------------------------------------------
# DST: Europe/Berlin (2019-03-31 02:00 -> 03:00, 2019-10-27 03:00 -> 02:00)
# ---------------------------------------------------------------------------


def test_berlin_spring_forward_day_is_23_hours():
    lo, hi = bounds("2019-03-31", "day", tz=BERLIN)
    assert (lo, hi) == (utc("2019-03-30T23:00"), utc("2019-03-31T22:00"))
    assert hi - lo == timedelta(hours=23)


def test_berlin_fall_back_day_is_25_hours():
    lo, hi = bounds("2019-10-27", "day", tz=BERLIN)
    assert (lo, hi) == (utc("2019-10-26T22:00"), utc("2019-10-27T23:00"))
    assert hi - lo == timedelta(hours=25)


@pytest.mark.parametrize(
    ("at", "lo", "hi"),
    [
        ("2019-03-31T01:00", "2019-03-31T00:00", "2019-03-31T01:00"),
        ("2019-03-31T02:00", "2019-03-31T01:00", "2019-03-31T02:00"),  # gap, fold=0
        ("2019-03-31T02:45", "2019-03-31T01:00", "2019-03-31T02:00"),  # gap, fold=0
        ("2019-03-31T03:00", "2019-03-31T01:00", "2019-03-31T02:00"),
        ("2019-03-31T04:00", "2019-03-31T02:00", "2019-03-31T03:00"),
    ],
)
def test_berlin_hour_precision_around_the_gap(at, lo, hi):
    assert bounds(at, "hour", tz=BERLIN) == (utc(lo), utc(hi))


@pytest.mark.parametrize(
    ("at", "lo", "hi"),
    [
        ("2019-10-27T01:00", "2019-10-26T23:00", "2019-10-27T00:00"),
        ("2019-10-27T02:00", "2019-10-27T00:00", "2019-10-27T02:00"),  # both readings
        ("2019-10-27T02:59", "2019-10-27T00:00", "2019-10-27T02:00"),  # both readings
        ("2019-10-27T03:00", "2019-10-27T02:00", "2019-10-27T03:00"),
    ],
)
def test_berlin_hour_precision_around_the_repeated_hour(at, lo, hi):
    assert bounds(at, "hour", tz=BERLIN) == (utc(lo), utc(hi))


@pytest.mark.parametrize(
    ("at", "lo", "hi"),
    [
        ("2019-10-27T02:30+02:00", "2019-10-27T00:00", "2019-10-27T01:00"),
        ("2019-10-27T02:30+01:00", "2019-10-27T01:00", "2019-10-27T02:00"),
    ],
)
def test_berlin_explicit_offset_in_the_repeated_hour(at, lo, hi):
    assert bounds(at, "hour", tz=BERLIN) == (utc(lo), utc(hi))


def test_berlin_minute_in_the_repeated_hour_covers_both_readings():
    i = interval("2019-10-27T02:30", "minute", timezone=BERLIN)
    assert (i.lo, i.hi) == (utc("2019-10-27T00:30"), utc("2019-10-27T01:31"))
    assert i.nominal == utc("2019-10-27T01:00:30")


def test_unaligned_half_hour_fall_back_covers_every_reading():
    # Lord Howe: 02:00 +11:00 -> 01:30 +10:30 on 2019-04-07, so 01:30-01:59
    # happens twice; the 01:00 hour spans 90 minutes of real time.
    lo, hi = bounds("2019-04-07T01:10", "hour", tz="Australia/Lord_Howe")
    assert (lo, hi) == (utc("2019-04-06T14:00"), utc("2019-04-06T15:30"))


# ---------------------------------------------------------------------------
# Approximate widening
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "precision", "lo", "hi", "nominal"),
    [
        (
            "2019-12-26T09:21:05",
            "second",
            "2019-12-26T17:21:04",
            "2019-12-26T17:21:07",
            "2019-12-26T17:21:05.500000",
        ),
        (
            "2019-12-26T09:21",
            "minute",
            "2019-12-26T17:20",
            "2019-12-26T17:23",
            "2019-12-26T17:21:30",
        ),
        (
            "2019-12-26T09:21",
            "hour",
            "2019-12-26T16:00",
            "2019-12-26T19:00",
            "2019-12-26T17:30",
        ),
        (
            "2019-12-26",
            "day",
            "2019-12-25T08:00",
            "2019-12-28T08:00",
            "2019-12-26T20:00",
        ),
        (
            "2019-12",
            "month",
            "2019-11-01T07:00",  # November 1 is still PDT
            "2020-02-01T08:00",
            "2019-12-16T20:00",
        ),
        ("2019", "year", "2018-01-01T08:00", "2021-01-01T08:00", "2019-07-02T20:00"),
    ],
)
def test_approximate_widens_by_one_unit_each_side(at, precision, lo, hi, nominal):
    exact = interval(at, precision, timezone=LA)
    wide = interval(at, precision, approximate=True, timezone=LA)
    assert (wide.lo, wide.hi, wide.nominal) == (utc(lo), utc(hi), utc(nominal))
    assert wide.nominal == exact.nominal  # nominal is of the un-widened interval
    assert wide.lo < exact.lo < exact.hi < wide.hi


def test_approximate_month_widening_uses_local_calendar():
    wide = interval("2019-02", "month", approximate=True, timezone="UTC")
    assert (wide.lo, wide.hi) == (utc("2019-01-01T00:00"), utc("2019-04-01T00:00"))
    wide = interval("2020-01", "month", approximate=True, timezone="UTC")
    assert (wide.lo, wide.hi) == (utc("2019-12-01T00:00"), utc("2020-03-01T00:00"))


def test_approximate_day_widening_across_dst_uses_local_days():
    wide = interval("2019-11-03", "day", approximate=True, timezone=LA)
    # Nov 2 (24 h) + Nov 3 (25 h) + Nov 4 (24 h)
    assert (wide.lo, wide.hi) == (utc("2019-11-02T07:00"), utc("2019-11-05T08:00"))
    wide = interval("2019-03-11", "day", approximate=True, timezone=LA)
    # Mar 10 (23 h) + Mar 11 + Mar 12
    assert (wide.lo, wide.hi) == (utc("2019-03-10T08:00"), utc("2019-03-13T07:00"))
    wide = interval("2019-03-30", "day", approximate=True, timezone=BERLIN)
    assert wide.hi - wide.lo == timedelta(hours=71)


def test_approximate_skips_a_day_that_never_existed():
    # Samoa skipped 2011-12-30; fold=0 maps it onto the instants of 12-31.
    apia = "Pacific/Apia"
    skipped = interval("2011-12-30", "day", timezone=apia)
    real = interval("2011-12-31", "day", timezone=apia)
    assert (skipped.lo, skipped.hi) == (real.lo, real.hi)
    assert real.hi - real.lo == DAY
    wide = interval("2011-12-31", "day", approximate=True, timezone=apia)
    assert (wide.lo, wide.hi) == (
        interval("2011-12-29", "day", timezone=apia).lo,
        interval("2012-01-01", "day", timezone=apia).hi,
    )
    wide = interval("2011-12-30", "day", approximate=True, timezone=apia)
    assert wide.lo < skipped.lo and skipped.hi < wide.hi


def test_approximate_hour_in_the_repeated_hour():
    wide = interval("2019-11-03T01:30", "hour", approximate=True, timezone=LA)
    assert (wide.lo, wide.hi) == (utc("2019-11-03T07:00"), utc("2019-11-03T11:00"))
    assert wide.nominal == utc("2019-11-03T09:00")


# ---------------------------------------------------------------------------
# Half-second nominal rounding, negative durations, elapsed time
# ---------------------------------------------------------------------------


def test_second_precision_nominal_has_half_second():
    i = interval("2019-12-26T09:21:05", "second", timezone=LA)
    assert i.nominal.microsecond == 500_000


def test_half_second_nominal_rounds_half_up():
    a = interval("2019-12-26T09:21:05", "second", timezone=LA)  # nominal ...:05.5
    b = interval("2019-12-26T09:35", "minute", timezone=LA)  # nominal ...:30
    forward = duration(a, b)
    assert forward == Duration(nominal_seconds=865, min_seconds=834, max_seconds=895)
    backward = duration(b, a)  # -864.5 -> floor(-864.0) = -864
    assert backward == Duration(nominal_seconds=-864, min_seconds=-895, max_seconds=-834)


def test_two_second_precision_times_have_whole_nominal():
    a = interval("2019-12-26T09:21:05", "second", timezone=LA)
    b = interval("2019-12-26T09:21:50", "second", timezone=LA)
    assert duration(a, b) == Duration(45, 44, 46)


def test_negative_durations_are_not_clamped():
    notice = interval("2019-12-26T09:35", "minute", timezone=LA)
    publication = interval("2019-12-26T09:21", "minute", timezone=LA)
    assert duration(notice, publication) == Duration(-840, -900, -780)
    assert format_duration(-840) == "-14 minutes"


def test_overlapping_intervals_give_negative_min():
    a = interval("2019-12-26", "day", timezone=LA)
    b = interval("2019-12-26T09:21", "minute", timezone=LA)
    got = duration(a, b)
    assert got.min_seconds < 0 < got.max_seconds
    assert got.nominal_seconds == -(2 * 3600 + 38 * 60 + 30)  # 09:21:30 - 12:00


def test_same_interval_duration_is_zero_nominal():
    a = interval("2019-12-26", "day", timezone=LA)
    assert duration(a, a) == Duration(0, -86400, 86400)


def test_elapsed_since():
    a = interval("2019-12-26T09:21", "minute", timezone=LA)
    now = utc("2019-12-26T17:35:30")
    assert elapsed_since(a, now) == Duration(840, 810, 870)
    # any aware `now` is accepted and converted to UTC
    assert elapsed_since(a, now.astimezone(ZoneInfo(BERLIN))) == Duration(840, 810, 870)


def test_elapsed_since_with_microseconds_keeps_bounds_ordered():
    a = interval("2019-12-26T09:21", "minute", timezone=LA)
    got = elapsed_since(a, utc("2019-12-26T17:35:30.250000"))
    assert got == Duration(840, 810, 871)


def test_elapsed_since_needs_an_aware_now():
    a = interval("2019-12-26T09:21", "minute", timezone=LA)
    with pytest.raises(TimeError):
        elapsed_since(a, datetime(2019, 12, 26, 17, 35))  # noqa: DTZ001


def test_elapsed_since_before_the_interval_is_negative():
    a = interval("2019-12-26", "day", timezone=LA)
    got = elapsed_since(a, utc("2019-12-25T08:00"))
    assert got == Duration(-129600, -172800, -86400)


# ---------------------------------------------------------------------------
# The Interval value object
# ---------------------------------------------------------------------------


def test_interval_normalises_to_utc():
    berlin = ZoneInfo(BERLIN)
    i = Interval(
        lo=datetime(2019, 12, 26, 10, 0, tzinfo=berlin),
        hi=datetime(2019, 12, 26, 11, 0, tzinfo=berlin),
        nominal=datetime(2019, 12, 26, 10, 30, tzinfo=berlin),
    )
    assert i.lo == utc("2019-12-26T09:00") and i.lo.tzinfo is UTC
    assert i.nominal.tzinfo is UTC and i.hi.tzinfo is UTC


def test_interval_rejects_naive_and_disordered_bounds():
    naive = datetime(2019, 12, 26, 10, 0)  # noqa: DTZ001
    with pytest.raises(TimeError):
        Interval(lo=naive, hi=naive, nominal=naive)
    with pytest.raises(TimeError):
        Interval(
            lo=utc("2019-12-26T10:00"),
            hi=utc("2019-12-26T09:00"),
            nominal=utc("2019-12-26T09:30"),
        )


def test_interval_is_frozen():
    i = interval("2019", "year", timezone="UTC")
    with pytest.raises(AttributeError):
        i.lo = utc("2020-01-01T00:00")  # type: ignore[misc]


# ---------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "local", "offset", "given"),
    [
        ("2019", datetime(2019, 1, 1), None, "year"),  # noqa: DTZ001
        ("2019-12", datetime(2019, 12, 1), None, "month"),  # noqa: DTZ001
        ("2019-12-04", datetime(2019, 12, 4), None, "day"),  # noqa: DTZ001
        ("2019-12-26T09:21", datetime(2019, 12, 26, 9, 21), None, "minute"),  # noqa: DTZ001
        ("2019-12-26T09:21:05", datetime(2019, 12, 26, 9, 21, 5), None, "second"),  # noqa: DTZ001
        ("2019-12-26T09:21Z", datetime(2019, 12, 26, 9, 21), timedelta(0), "minute"),  # noqa: DTZ001
        (
            "2019-12-26T09:21-08:00",
            datetime(2019, 12, 26, 9, 21),  # noqa: DTZ001
            timedelta(hours=-8),
            "minute",
        ),
        (
            "2019-12-26T09:21:05+05:45",
            datetime(2019, 12, 26, 9, 21, 5),  # noqa: DTZ001
            timedelta(hours=5, minutes=45),
            "second",
        ),
    ],
)
def test_parse_at(at, local, offset, given):
    got_local, got_tz, got_given = parse_at(at)
    assert got_local == local and got_local.tzinfo is None
    assert got_given == given
    if offset is None:
        assert got_tz is None
    else:
        assert got_tz is not None and got_tz.utcoffset(None) == offset


@pytest.mark.parametrize(
    ("at", "precision", "tz", "fragment"),
    [
        ("2019-13-04", "day", LA, "'2019-13-04' is not a valid date"),
        ("2019-02-29", "day", LA, "is not a valid date"),
        ("2019-04-31", "day", LA, "is not a valid date"),
        ("2019-00", "month", LA, "is not a valid date"),
        ("0000", "year", LA, "is not a valid date"),
        ("2019-12-04T24:00", "minute", LA, "is not a valid time of day"),
        ("2019-12-04T09:60", "minute", LA, "is not a valid time of day"),
        ("2019-12-04T09:21:60", "second", LA, "is not a valid time of day"),
        ("2019-12-04T09", "hour", LA, "is not a recognised date or time"),
        ("2019-12-04 09:21", "minute", LA, "is not a recognised date or time"),
        ("19-12-04", "day", LA, "is not a recognised date or time"),
        ("2019-12-4", "day", LA, "is not a recognised date or time"),
        ("December 4, 2019", "day", LA, "is not a recognised date or time"),
        ("", "day", LA, "is not a recognised date or time"),
        (" 2019-12-04", "day", LA, "is not a recognised date or time"),
        ("2019-12-26T09:21:05.5", "second", LA, "is not a recognised date or time"),
        ("٢٠١٩", "year", LA, "is not a recognised date or time"),
        ("2019-12-04", "week", LA, "unknown precision 'week'"),
        ("2019-12-04", "Day", LA, "unknown precision 'Day'"),
        ("2019-12-04", None, LA, "unknown precision None"),
        ("2019-12-04", "minute", LA, "precision 'minute' is finer than '2019-12-04' gives"),
        ("2019-12-04", "hour", LA, "precision 'hour' is finer than"),
        ("2019-12", "day", LA, "precision 'day' is finer than '2019-12' gives"),
        ("2019", "month", LA, "precision 'month' is finer than"),
        ("2019-12-26T09:21", "second", LA, "precision 'second' is finer than"),
        ("2019-12-04", "day", "Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a known"),
        ("2019-12-04", "day", "america/los_angeles", "is not a known timezone"),
        ("2019-12-04", "day", "localtime", "is not a known timezone"),
        ("2019-12-04", "day", "../etc/passwd", "is not a known timezone"),
        ("2019-12-04", "day", "PST", "is not a known timezone"),
        ("2019-12-04", "day", None, "no timezone was given"),
        ("2019-12-04", "day", "", "no timezone was given"),
        ("2019-12-04Z", "day", LA, "has a UTC offset but no time of day"),
        ("2019-12-04+01:00", "day", LA, "has a UTC offset but no time of day"),
        ("2019-12Z", "month", LA, "has a UTC offset but no time of day"),
        ("2019-12-04T09:21+19:00", "minute", LA, "is not a valid UTC offset"),
        ("2019-12-04T09:21+01:60", "minute", LA, "is not a valid UTC offset"),
        ("2019-12-04T09:21+0100", "minute", LA, "is not a recognised date or time"),
    ],
)
def test_invalid_inputs_raise_time_error(at, precision, tz, fragment):
    with pytest.raises(TimeError) as excinfo:
        validate(at, precision, tz)
    assert fragment in str(excinfo.value)
    with pytest.raises(TimeError) as excinfo:
        interval(at, precision, False, tz)
    assert fragment in str(excinfo.value)


def test_time_error_is_a_value_error():
    assert issubclass(TimeError, ValueError)
    with pytest.raises(ValueError):
        interval("2019-13", "month", timezone=LA)


def test_non_string_at_raises_time_error():
    with pytest.raises(TimeError):
        parse_at(20191204)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("at", "precision", "tz"),
    [
        ("0001", "year", "UTC"),
        ("0001-01-01", "day", "UTC"),
        ("0001-01-01", "year", "Asia/Tokyo"),
        ("0001-01-01T00:00Z", "minute", None),
        ("0999-12-31T23:59:59+14:00", "second", None),
        ("9001-01-01", "day", "UTC"),
        ("9999", "year", "UTC"),
        ("9999-12-31T23:59-12:00", "minute", None),
    ],
)
def test_years_outside_the_supported_range_are_refused_in_plain_words(at, precision, tz):
    year = int(at[:4])
    for approximate in (False, True):
        with pytest.raises(TimeError) as excinfo:
            interval(at, precision, approximate, tz)
        assert str(excinfo.value) == (
            f"{at!r} is in the year {year}, outside the years the tracker can record (1000 to 9000); check the year"
        )
    with pytest.raises(TimeError, match="outside the years the tracker can record"):
        validate(at, precision, tz)


def test_supported_year_range_constants():
    assert (timemath.MIN_YEAR, timemath.MAX_YEAR) == (1000, 9000)


ZONES_AT_THE_EDGES = ["UTC", "Pacific/Kiritimati", "Etc/GMT-14", "Etc/GMT+12", "Asia/Manila", "America/Sitka"]


@pytest.mark.parametrize("tz", ZONES_AT_THE_EDGES)
@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("approximate", [False, True])
def test_the_first_and_last_supported_instants_have_intervals(tz, precision, approximate):
    """The edges of the range, in the zones furthest from UTC, widened or not, never overflow."""
    first = interval("1000-01-01T00:00:00", precision, approximate, tz)
    last = interval("9000-12-31T23:59:59", precision, approximate, tz)
    assert first.lo.year >= 998 and last.hi.year <= 9002
    with_offsets = [
        interval("1000-01-01T00:00+18:00", "minute", approximate),
        interval("9000-12-31T23:59-18:00", "minute", approximate),
    ]
    assert with_offsets[0].lo.year == 999 and with_offsets[1].hi.year == 9001


def test_validate_accepts_good_input():
    assert validate("2019-12-04", "day", LA) is None
    assert validate("2019-12-04", "year", LA) is None
    assert validate("2019-12-26T09:21", "hour", "UTC") is None
    assert validate("2019-12-26T09:21-08:00", "minute", None) is None
    assert validate("2019-12-26T09:21:05Z", "second", None) is None


def test_precisions_constant():
    assert PRECISIONS == ("second", "minute", "hour", "day", "month", "year")


# ---------------------------------------------------------------------------
# format_duration
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (61, "1 minute 1 second"),
        (90, "1 minute 30 seconds"),
        (780, "13 minutes"),
        (840, "14 minutes"),
        (900, "15 minutes"),
        (1_500, "25 minutes"),
        (3_599, "59 minutes 59 seconds"),
        (3_600, "1 hour"),
        (3_601, "1 hour"),  # rounded to the minute
        (3_630, "1 hour 1 minute"),  # half up
        (7_260, "2 hours 1 minute"),
        (86_399, "1 day"),  # 23 h 59 m 59 s rounds up into a day
        (86_400, "1 day"),
        (90_061, "1 day 1 hour"),
        (172_800, "2 days"),
        (1_814_400, "21 days"),
        (1_900_800, "22 days"),
        (1_987_200, "23 days"),
        (-1, "-1 second"),
        (-840, "-14 minutes"),
        (-90_061, "-1 day 1 hour"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_format_duration_rejects_non_numbers():
    with pytest.raises(TypeError):
        format_duration("840")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Property-based tests
# ---------------------------------------------------------------------------

ALL_ZONES = sorted(name for name in available_timezones() if timemath.is_valid_timezone(name))
DST_ZONES = [
    LA,
    BERLIN,
    "UTC",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Sao_Paulo",  # historic transitions at midnight
    "America/Havana",  # repeated midnight hour
    "Pacific/Apia",  # skipped 2011-12-30 entirely
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "Europe/Dublin",  # negative DST in tzdata
    "America/St_Johns",
]
TRANSITIONS = [
    (LA, datetime(2019, 3, 10, 2, 0)),  # noqa: DTZ001
    (LA, datetime(2019, 11, 3, 1, 30)),  # noqa: DTZ001
    (BERLIN, datetime(2019, 3, 31, 2, 30)),  # noqa: DTZ001
    (BERLIN, datetime(2019, 10, 27, 2, 30)),  # noqa: DTZ001
    ("Australia/Lord_Howe", datetime(2019, 4, 7, 1, 45)),  # noqa: DTZ001
    ("Australia/Lord_Howe", datetime(2019, 10, 6, 2, 15)),  # noqa: DTZ001
    ("America/Sao_Paulo", datetime(2018, 11, 4, 0, 0)),  # noqa: DTZ001
    ("America/Sao_Paulo", datetime(2019, 2, 16, 23, 30)),  # noqa: DTZ001
    ("America/Havana", datetime(2019, 11, 3, 0, 30)),  # noqa: DTZ001
    ("America/Havana", datetime(2019, 3, 10, 0, 30)),  # noqa: DTZ001
    ("Pacific/Apia", datetime(2011, 12, 30, 12, 0)),  # noqa: DTZ001
]

FORM_PRECISION = {
    "year": "year",
    "month": "month",
    "day": "day",
    "minute": "minute",
    "second": "second",
}


def render(local: datetime, form: str) -> str:
    if form == "year":
        return f"{local.year:04d}"
    if form == "month":
        return f"{local.year:04d}-{local.month:02d}"
    if form == "day":
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    if form == "minute":
        return local.strftime("%Y-%m-%dT%H:%M")
    return local.strftime("%Y-%m-%dT%H:%M:%S")


def render_offset(minutes: int) -> str:
    if minutes == 0:
        return "Z"
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


@st.composite
def local_times(draw):
    if draw(st.booleans()):
        zone, centre = draw(st.sampled_from(TRANSITIONS))
        local = centre + timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
        local = local.replace(second=draw(st.integers(0, 59)))
        return zone, local
    zone = draw(st.one_of(st.sampled_from(DST_ZONES), st.sampled_from(ALL_ZONES)))
    local = draw(
        st.datetimes(
            min_value=datetime(1900, 1, 1),  # noqa: DTZ001
            max_value=datetime(2100, 12, 31, 23, 59, 59),  # noqa: DTZ001
        )
    ).replace(microsecond=0)
    return zone, local


@st.composite
def reported_times(draw):
    """(at, precision, approximate, timezone) tuples that must be valid."""
    zone, local = draw(local_times())
    form = draw(st.sampled_from(tuple(FORM_PRECISION)))
    at = render(local, form)
    given = FORM_PRECISION[form]
    precision = draw(st.sampled_from(PRECISIONS[PRECISIONS.index(given) :]))
    if form in ("minute", "second") and draw(st.integers(0, 3)) == 0:
        at += render_offset(draw(st.integers(-12 * 4, 14 * 4)) * 15)
        zone = draw(st.sampled_from([zone, None]))
    return at, precision, draw(st.booleans()), zone


PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(reported_times())
def test_property_interval_is_ordered(reported):
    at, precision, approximate, zone = reported
    validate(at, precision, zone)
    i = interval(at, precision, approximate, zone)
    assert i.lo < i.hi
    assert i.lo <= i.nominal <= i.hi
    for value in (i.lo, i.hi, i.nominal):
        assert value.tzinfo is UTC
    exact = interval(at, precision, False, zone)
    assert exact.nominal == i.nominal
    assert i.lo <= exact.lo < exact.hi <= i.hi
    assert exact.nominal == exact.lo + (exact.hi - exact.lo) / 2
    if approximate:
        assert i.lo < exact.lo and exact.hi < i.hi


@PROPERTY_SETTINGS
@given(reported_times())
def test_property_reported_instant_lies_in_its_interval(reported):
    at, precision, _, zone = reported
    local, offset, _ = parse_at(at)
    i = interval(at, precision, False, zone)
    if offset is not None:
        instants = [local.replace(tzinfo=offset)]
    else:
        tz = ZoneInfo(zone)
        instants = []
        for fold in (0, 1):
            instant = local.replace(tzinfo=tz, fold=fold).astimezone(UTC)
            if instant.astimezone(tz).replace(tzinfo=None, fold=0) == local:
                instants.append(instant)  # a real reading of this wall time
    for instant in instants:  # empty only inside a spring-forward gap
        assert i.lo <= instant < i.hi


@PROPERTY_SETTINGS
@given(reported_times(), reported_times())
def test_property_duration_bounds_and_antisymmetry(first, second):
    a = interval(*first)
    b = interval(*second)
    forward = duration(a, b)
    backward = duration(b, a)
    assert forward.min_seconds <= forward.nominal_seconds <= forward.max_seconds
    assert backward.min_seconds <= backward.nominal_seconds <= backward.max_seconds
    assert backward.min_seconds == -forward.max_seconds
    assert backward.max_seconds == -forward.min_seconds
    if a.nominal.microsecond == 0 and b.nominal.microsecond == 0:
        assert backward.nominal_seconds == -forward.nominal_seconds
    else:
        assert 0 <= forward.nominal_seconds + backward.nominal_seconds <= 1
    width = (a.hi - a.lo) + (b.hi - b.lo)
    assert forward.max_seconds - forward.min_seconds == width.total_seconds()


@PROPERTY_SETTINGS
@given(
    reported_times(),
    st.datetimes(
        min_value=datetime(1900, 1, 1),  # noqa: DTZ001
        max_value=datetime(2100, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_property_elapsed_since_is_ordered(reported, now):
    a = interval(*reported)
    got = elapsed_since(a, now)
    assert got.min_seconds <= got.nominal_seconds <= got.max_seconds


def exists(local: datetime, zone: str) -> bool:
    """Whether the wall time ``local`` is ever shown in ``zone`` (not in a gap)."""
    instant = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None, fold=0) == local


def truncate(local: datetime, precision: str) -> datetime:
    fields = {"minute": 5, "hour": 4, "day": 3, "month": 2, "year": 1}[precision]
    parts = [local.year, local.month, local.day, local.hour, local.minute][:fields]
    return datetime(*parts, *([1] * max(0, 3 - fields)))  # noqa: DTZ001


@PROPERTY_SETTINGS
@given(local_times(), st.sampled_from(("day", "month", "year", "hour", "minute")))
def test_property_consecutive_units_leave_no_gap(zone_local, precision):
    zone, local = zone_local
    if precision == "day":
        nxt = local + DAY
    elif precision == "month":
        index = local.year * 12 + local.month  # the next month, 0-based
        nxt = local.replace(year=index // 12, month=index % 12 + 1, day=1)
    elif precision == "year":
        nxt = local.replace(year=local.year + 1, month=1, day=1)
    elif precision == "hour":
        nxt = local.replace(minute=0) + HOUR
    else:
        nxt = local.replace(second=0) + timedelta(minutes=1)
    this_one = interval(render(local, "second"), precision, False, zone)
    next_one = interval(render(nxt, "second"), precision, False, zone)
    assert this_one.hi >= next_one.lo  # no instant is left uncovered
    # Ordered too, unless a start lies in a gap (fold=0 maps it past the gap).
    if all(exists(truncate(wall, precision), zone) for wall in (local, nxt)):
        assert this_one.lo < next_one.lo


@PROPERTY_SETTINGS
@given(st.integers(-(10**9), 10**9))
def test_property_format_duration(seconds):
    text = format_duration(seconds)
    if seconds > 0:
        assert format_duration(-seconds) == "-" + text
    body = text.removeprefix("-").split()
    assert 2 <= len(body) <= 4 and len(body) % 2 == 0
    units = {"day": 86400, "hour": 3600, "minute": 60, "second": 1}
    total = 0
    for count, unit in zip(body[::2], body[1::2], strict=True):
        assert unit.rstrip("s") in units
        assert (unit.endswith("s")) == (int(count) != 1)
        total += int(count) * units[unit.rstrip("s")]
    # rounding to the second-largest unit is off by at most half of it
    assert abs(total - abs(seconds)) <= 1800


# --- margins of approximate times (spec revision 2, section 1) -----------------


@pytest.mark.parametrize(
    ("text", "count", "unit"),
    [
        ("PT30M", 30, "minute"),
        ("PT2H", 2, "hour"),
        ("PT45S", 45, "second"),
        ("P3D", 3, "day"),
        ("P2W", 2, "week"),
        ("P1M", 1, "month"),
        ("P1Y", 1, "year"),
    ],
)
def test_parse_margin_reads_one_component(text, count, unit):
    margin = timemath.parse_margin(text)
    assert (margin.count, margin.unit, margin.text) == (count, unit, text)


@pytest.mark.parametrize(
    "text", ["", "PT", "P", "P1DT2H", "PT1D", "P1H", "p3d", "P1.5D", "PT-30M", "30M", "P0D", "PT0S", "P101Y", 3, None]
)
def test_parse_margin_refuses_malformed_margins(text):
    with pytest.raises(timemath.TimeError):
        timemath.parse_margin(text)


def test_a_margin_needs_an_approximate_time():
    with pytest.raises(timemath.TimeError, match="only applies to an approximate time"):
        timemath.interval("2019-12-26T10:00", "minute", False, "America/Los_Angeles", margin="PT30M")
    with pytest.raises(timemath.TimeError, match="approximate"):
        timemath.validate("2019-12-26T10:00", "minute", "America/Los_Angeles", False, "PT30M")
    timemath.validate("2019-12-26T10:00", "minute", "America/Los_Angeles", True, "PT30M")
    assert timemath.validate_margin(None, False) is None
    assert timemath.validate_margin("", True) is None


def test_about_ten_with_a_margin_is_the_spec_example():
    iv = timemath.interval("2019-12-26T10:00", "minute", True, "America/Los_Angeles", margin="PT30M")
    assert (iv.lo, iv.hi, iv.nominal) == (
        datetime(2019, 12, 26, 17, 30, tzinfo=UTC),
        datetime(2019, 12, 26, 18, 31, tzinfo=UTC),
        datetime(2019, 12, 26, 18, 0, 30, tzinfo=UTC),
    )


def test_hour_margins_are_absolute_and_day_margins_local_across_dst():
    zone = "America/Los_Angeles"
    # 2019-11-03 is 25 hours long in Los Angeles
    hours = timemath.interval("2019-11-04T01:00", "hour", True, zone, margin="PT24H")
    assert hours.lo == datetime(2019, 11, 3, 9, 0, tzinfo=UTC)  # 24 absolute hours before 09:00Z
    days = timemath.interval("2019-11-04T01:00", "hour", True, zone, margin="P1D")
    assert days.lo == datetime(2019, 11, 3, 8, 0, tzinfo=UTC)  # 01:00 PDT on the 3rd, 25 hours before
    assert days.hi == datetime(2019, 11, 5, 10, 0, tzinfo=UTC)  # 02:00 PST on the 5th


def test_month_and_year_margins_never_shorten_on_missing_days():
    zone = "UTC"
    iv = timemath.interval("2019-03-31", "day", True, zone, margin="P1M")
    assert iv.lo == datetime(2019, 2, 28, tzinfo=UTC)  # no 31 February: the month's last day
    assert iv.hi == datetime(2019, 5, 1, tzinfo=UTC)  # 1 April + 1 month
    leap = timemath.interval("2020-02-29", "day", True, zone, margin="P1Y")
    assert leap.lo == datetime(2019, 2, 28, tzinfo=UTC)
    assert leap.hi == datetime(2021, 3, 1, tzinfo=UTC)
    weeks = timemath.interval("2019-12-26", "day", True, zone, margin="P2W")
    assert (weeks.lo, weeks.hi) == (datetime(2019, 12, 12, tzinfo=UTC), datetime(2020, 1, 10, tzinfo=UTC))


def test_a_margin_at_the_edge_of_the_calendar_is_a_time_error():
    timemath.interval(f"{timemath.MAX_YEAR}", "year", True, "UTC", margin="P100Y")
    with pytest.raises(timemath.TimeError):
        timemath.parse_margin("P36601D")
