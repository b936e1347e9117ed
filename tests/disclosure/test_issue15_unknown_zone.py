"""The unknown time zone (issue 15, docs/methodology.md): a record that names no zone is not UTC.

The local interval is read as UTC, then widened by the widest real offsets:
lo - 14 h (UTC+14:00) and hi + 12 h (UTC-12:00); nominal stays the midpoint of
the un-widened interval read as UTC; an explicit offset is unaffected.
"""

from datetime import UTC, datetime, timedelta

import pytest

from disclosure import timemath


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "precision", "lo", "hi", "nominal"),
    [
        ("2013-05-17", "day", "2013-05-16T10:00", "2013-05-18T12:00", "2013-05-17T12:00"),
        ("2013-05", "month", "2013-04-30T10:00", "2013-06-01T12:00", "2013-05-16T12:00"),
        ("2013", "year", "2012-12-31T10:00", "2014-01-01T12:00", "2013-07-02T12:00"),
        ("2013-05-17T09:21", "minute", "2013-05-16T19:21", "2013-05-17T21:22", "2013-05-17T09:21:30"),
    ],
)
def test_unknown_zone_widens_by_the_widest_offsets(at, precision, lo, hi, nominal):
    iv = timemath.interval(at, precision, False, timemath.UNKNOWN_ZONE)
    assert (iv.lo, iv.hi, iv.nominal) == (utc(lo), utc(hi), utc(nominal))


def test_unknown_zone_is_26_hours_wider_than_utc_and_keeps_utc_nominal():
    for at, precision in (("2019-12-04", "day"), ("2019-02", "month"), ("2019-12-26T09:21", "minute")):
        known = timemath.interval(at, precision, False, "UTC")
        unknown = timemath.interval(at, precision, False, "unknown")
        assert unknown.lo == known.lo - timedelta(hours=14)
        assert unknown.hi == known.hi + timedelta(hours=12)
        assert unknown.nominal == known.nominal


def test_an_explicit_offset_is_unaffected_by_an_unknown_zone():
    with_offset = timemath.interval("2019-12-26T09:21-08:00", "minute", False, "unknown")
    assert with_offset == timemath.interval("2019-12-26T09:21-08:00", "minute", False, "Europe/Berlin")
    assert (with_offset.lo, with_offset.hi) == (utc("2019-12-26T17:21"), utc("2019-12-26T17:22"))


def test_approximate_widens_first_then_the_unknown_zone():
    iv = timemath.interval("2019-12-04", "day", True, "unknown")
    assert (iv.lo, iv.hi) == (utc("2019-12-02T10:00"), utc("2019-12-06T12:00"))
    assert iv.nominal == utc("2019-12-04T12:00")


def test_a_duration_between_two_unknown_zone_days_grows_by_26_hours_each_side():
    a = timemath.interval("2019-12-04", "day", False, "unknown")
    b = timemath.interval("2019-12-26", "day", False, "unknown")
    d = timemath.duration(a, b)
    assert d.nominal_seconds == 22 * 86400
    assert d.min_seconds == 21 * 86400 - 26 * 3600
    assert d.max_seconds == 23 * 86400 + 26 * 3600


def test_unknown_is_a_zone_a_record_may_name_but_not_an_iana_zone():
    assert timemath.is_zone_or_unknown("unknown")
    assert timemath.is_zone_or_unknown("Europe/Berlin")
    assert not timemath.is_zone_or_unknown("Unknown")
    assert not timemath.is_valid_timezone("unknown")
    assert timemath.zone_or_utc("unknown") is UTC
    timemath.validate("2007-11-30", "day", "unknown")
    with pytest.raises(timemath.TimeError):
        timemath.validate("2007-11-31", "day", "unknown")
