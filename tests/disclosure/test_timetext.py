"""Reported times in words: never more precise than the source."""

import pytest

from disclosure.timetext import describe, is_timezone


@pytest.mark.parametrize(
    ("at", "precision", "approximate", "expected"),
    [
        ("2019-12-04", "day", False, "December 4, 2019"),
        ("2019-12-26T09:21", "minute", False, "December 26, 2019, 9:21 a.m."),
        ("2019-12-26T10:00", "minute", True, "about December 26, 2019, 10:00 a.m."),
        ("2019-12-26T15:00", "hour", False, "December 26, 2019, 3 p.m."),
        ("2019-12-26T00:00:05", "second", False, "December 26, 2019, 12:00:05 a.m."),
        ("2019-12", "month", True, "about December 2019"),
        ("2019", "year", False, "2019"),
        ("2019-12-26T09:21-08:00", "minute", False, "December 26, 2019, 9:21 a.m. UTC\N{MINUS SIGN}08:00"),
        ("2019-12-26T09:21Z", "minute", False, "December 26, 2019, 9:21 a.m. UTC"),
        ("2019-12-26T09:21", "day", False, "December 26, 2019"),
    ],
)
def test_describe_says_the_time_as_precisely_as_reported(at, precision, approximate, expected):
    assert describe(at, precision, approximate) == expected


def test_describe_returns_unparseable_input_unchanged():
    assert describe("yesterday", "day") == "yesterday"


@pytest.mark.parametrize(("name", "valid"), [("America/Los_Angeles", True), ("UTC", True), ("Mars/Olympus", False)])
def test_is_timezone(name, valid):
    assert is_timezone(name) is valid
