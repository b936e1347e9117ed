"""The worked examples of time-and-metrics.md revision 2, and properties of the pure figures."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disclosure import timemath
from metrics import figures

LA = "America/Los_Angeles"
DAY = 86_400


def event(id, kind, at, precision, approximate=False, actor=None, margin=None, position=0):
    iv = timemath.interval(at, precision, approximate, LA, margin=margin)
    return SimpleNamespace(id=id, kind=kind, position=position, lo=iv.lo, hi=iv.hi, nominal=iv.nominal, actor=actor)


def wyze_events():
    return [
        event(1, "exposure_started", "2019-12-04", "day", actor="wyze"),
        event(2, "vendor_notified", "2019-12-26T09:21", "minute", actor="ipvm"),
        event(3, "published", "2019-12-26T09:35", "minute", actor="ipvm"),
        event(4, "vendor_aware", "2019-12-26T10:00", "minute", approximate=True),
        event(5, "published", "2019-12-26", "day", actor="twelve-security"),
        event(6, "remediated", "2019-12-26", "day", actor="wyze"),
    ]


NOW = datetime(2026, 1, 1, tzinfo=UTC)


# --- §1 and §2 ----------------------------------------------------------------


def test_section_1_about_ten_with_a_half_hour_margin():
    iv = timemath.interval("2019-12-26T10:00", "minute", True, LA, margin="PT30M")
    zone = timemath.get_zone(LA)
    assert iv.lo.astimezone(zone).replace(tzinfo=None) == datetime(2019, 12, 26, 9, 30)  # noqa: DTZ001
    assert iv.hi.astimezone(zone).replace(tzinfo=None) == datetime(2019, 12, 26, 10, 31)  # noqa: DTZ001
    assert iv.nominal.astimezone(zone).replace(tzinfo=None) == datetime(2019, 12, 26, 10, 0, 30)  # noqa: DTZ001
    without = timemath.interval("2019-12-26T10:00", "minute", True, LA)
    assert (without.hi - without.lo) == timedelta(minutes=3)  # 09:59 to 10:02


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2019-12-26T09:21", "minute", False, None), ("2019-12-26T09:35", "minute", False, None), (840, 780, 900)),
        (("2019-12-04", "day", False, None), ("2019-12-26", "day", False, None), (1_900_800, 1_814_400, 1_987_200)),
        (("2019-12-26T09:35", "minute", False, None), ("2019-12-26T10:00", "minute", True, None), (1500, 1380, 1620)),
        (
            ("2019-12-26T09:35", "minute", False, None),
            ("2019-12-26T10:00", "minute", True, "PT30M"),
            (1500, -360, 3360),
        ),
    ],
)
def test_section_2_table(a, b, expected):
    ia = timemath.interval(*a[:3], LA, margin=a[3])
    ib = timemath.interval(*b[:3], LA, margin=b[3])
    assert tuple(timemath.duration(ia, ib).to_dict().values()) == expected
    assert figures.span((ia.lo, ia.hi, ia.nominal), (ib.lo, ib.hi, ib.nominal)) == expected


# --- §3 and §4 ----------------------------------------------------------------


def test_section_3_wyze_first_publication_is_an_interval():
    result, year = figures.compute_incident(wyze_events(), NOW)
    window = result["notice_to_publication"]
    assert (window.nominal_seconds, window.min_seconds, window.max_seconds, window.open) == (840, -33720, 900, False)
    assert (window.start_event_id, window.end_event_id) == (2, 3)  # the earliest events by nominal
    assert year == 2019


def test_first_and_last_of_several():
    a = event(1, "published", "2019-12-26", "day")
    b = event(2, "published", "2019-12-26T09:35", "minute")
    assert figures.first_of([a, b]) == (a.lo, b.hi, b.nominal)
    assert figures.last_of([a, b]) == (b.lo, a.hi, a.nominal)
    assert figures.first_of([a]) == figures.last_of([a]) == (a.lo, a.hi, a.nominal)


def test_section_4_new_metrics_and_vendor_awareness():
    events = [
        event(1, "exposure_started", "2019-12-04", "day"),
        event(2, "discovered", "2019-12-20", "day"),
        event(3, "vendor_aware", "2019-12-26T09:00", "minute"),
        event(4, "vendor_notified", "2019-12-26T09:21", "minute"),
        event(5, "published", "2019-12-26T09:35", "minute"),
        event(6, "regulator_notified", "2019-12-27T09:00", "minute"),
        event(7, "users_notified", "2019-12-28", "day"),
    ]
    result, _ = figures.compute_incident(events, NOW)
    assert result["exposure_to_publication"][:3] == figures.span(
        figures.first_of(events[:1]), figures.first_of(events[4:5])
    )
    # vendor awareness is the first over vendor_notified and vendor_aware together: 09:00
    assert result["awareness_to_regulator_notification"][:3] == (86_400, 86_340, 86_460)
    assert result["awareness_to_regulator_notification"].start_event_id == 3
    assert result["discovery_to_user_notification"][:3] == (8 * DAY, 7 * DAY, 9 * DAY)
    assert set(figures.METRICS) == set(figures.DEFINITIONS)


def test_section_4_1_open_metrics_run_to_followed_until():
    events = [event(1, "vendor_notified", "2019-12-26T09:21", "minute")]
    until = timemath.interval("2019-12-29", "day", False, LA)
    result, _ = figures.compute_incident(events, NOW, followed_until_hi=until.hi)
    regulator = result["awareness_to_regulator_notification"]
    assert regulator.open and regulator.end_event_id is None
    assert regulator.max_seconds == (until.hi - events[0].lo) // timedelta(seconds=1)
    grows, _ = figures.compute_incident(events, NOW)
    assert grows["awareness_to_regulator_notification"].max_seconds == (NOW - events[0].lo) // timedelta(seconds=1)
    assert "notice_to_publication" not in result  # published is not an open end: absent


def test_section_4_2_notice_per_reporter_wyze():
    by = figures.notice_by_reporter(wyze_events(), vendor="wyze")
    assert list(by) == ["ipvm", "twelve-security"]  # in order of first publication (nominal)
    assert by["ipvm"][:3] == (840, 780, 900)
    assert by["twelve-security"] is figures.NO_NOTICE
    assert figures.describe(by["twelve-security"]) == "no notice"


def test_the_vendor_is_never_a_publishing_reporter():
    events = [*wyze_events(), event(9, "published", "2019-12-27", "day", actor="wyze")]
    assert "wyze" not in figures.notice_by_reporter(events, vendor="wyze")


# --- §5 -----------------------------------------------------------------------

W = 90 * DAY


@pytest.mark.parametrize(
    ("low", "high", "direction", "is_open", "outcome"),
    [
        (10, 20, "at_most", False, "met"),
        (W, W, "at_most", False, "met"),  # the boundary is met
        (10, W, "at_most", False, "met"),
        (W + 1, W + 5, "at_most", False, "missed"),
        (10, W + 1, "at_most", False, "uncertain"),
        (W, W + 5, "at_least", False, "met"),
        (W, W, "at_least", False, "met"),
        (10, W - 1, "at_least", False, "missed"),
        (10, W, "at_least", False, "uncertain"),
        # open figures (lower bounds)
        (W, W + 5, "at_least", True, "met"),
        (10, 20, "at_least", True, "pending"),
        (W + 1, W + 5, "at_most", True, "missed"),
        (W, W + 5, "at_most", True, "pending"),
        (10, 20, "at_most", True, "pending"),
    ],
)
def test_section_5_1_outcomes(low, high, direction, is_open, outcome):
    assert figures.norm_outcome(low, high, W, direction, is_open) == outcome


def test_norm_outcome_keeps_the_revision_1_call_forms():
    assert figures.norm_outcome(10, 20, W) == "met"
    assert figures.norm_outcome(10, 20, W, True) == "pending"  # positional is_open, at most
    assert figures.norm_outcome(W + 1, W + 2, W, True) == "missed"


def test_section_5_norm_applications():
    assert figures.NORM_APPLICATIONS["project-zero"] == [
        ("notice_to_publication", "at_least"),
        ("notice_to_remediation", "at_most"),
    ]
    assert figures.NORM_APPLICATIONS["gdpr-art-33"] == [("awareness_to_regulator_notification", "at_most")]
    assert figures.NORM_APPLICATIONS["sec-8k-1-05"] == []
    assert figures.norm_direction("cert-cc", "notice_to_publication") == "at_least"
    for applications in figures.NORM_APPLICATIONS.values():
        for metric, direction in applications:
            assert metric in figures.METRICS and direction in figures.DIRECTIONS


@pytest.mark.parametrize(
    ("outcome", "direction", "name", "window", "kwargs", "words"),
    [
        ("met", "at_least", "Project Zero", "90 days", {}, "gave the vendor at least Project Zero's 90 days"),
        (
            "missed",
            "at_least",
            "Project Zero",
            "90 days",
            {"figure_text": "14 minutes", "share": 840 / W},
            "gave less notice than Project Zero's 90 days (14 minutes, 0.01 % of the window)",
        ),
        ("uncertain", "at_least", "Project Zero", "90 days", {}, "may or may not have given the full 90 days"),
        ("met", "at_most", "CERT/CC", "45 days", {"metric": "notice_to_remediation"}, "fixed within CERT/CC's 45 days"),
        ("missed", "at_most", "CERT/CC", "45 days", {}, "took longer than CERT/CC's 45 days"),
        ("uncertain", "at_most", "CERT/CC", "45 days", {}, "may or may not have been within 45 days"),
        (
            "pending",
            "at_most",
            "CERT/CC",
            "45 days",
            {"metric": "notice_to_remediation", "figure_text": "12 days"},
            "not fixed yet, 12 days so far",
        ),
    ],
)
def test_section_5_2_words(outcome, direction, name, window, kwargs, words):
    assert figures.verdict_words(outcome, direction, name, window, **kwargs) == words
    assert "within" not in words or direction == "at_most"


# --- §8 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "kwargs", "words"),
    [
        (
            (840, -33720, 900),
            {"reference": "the notice"},
            "between 9 hours 22 minutes before and 15 minutes after the notice",
        ),
        ((840, 780, 900), {}, "14 minutes (between 13 and 15 minutes)"),
        ((1_900_800, 1_814_400, 1_987_200), {}, "22 days (between 21 and 23 days)"),
    ],
)
def test_section_8_examples(figure, kwargs, words):
    nominal, low, high = figure
    row = {"nominal_seconds": nominal, "min_seconds": low, "max_seconds": high}
    assert figures.describe(row, **kwargs) == words


def test_section_8_an_open_figure_reads_as_a_lower_bound():
    row = {"nominal_seconds": 3 * DAY, "min_seconds": 2 * DAY + 3600, "max_seconds": 3 * DAY, "open": True}
    words = figures.describe(row, reference="publication", as_of="29 December 2019")
    assert words == "at least 2 days after publication, by 29 December 2019"


# --- properties -----------------------------------------------------------------

BASE = datetime(2019, 1, 1, tzinfo=UTC)
intervals = st.tuples(st.integers(0, 10**7), st.integers(0, 10**6), st.integers(0, 10**6)).map(
    lambda t: (BASE + timedelta(seconds=t[0]), t[1], t[2])
)


def _as_event(i, t):
    lo, width, offset = t
    hi = lo + timedelta(seconds=width)
    nominal = lo + timedelta(seconds=min(offset, width))
    return SimpleNamespace(id=i, kind="published", position=0, lo=lo, hi=hi, nominal=nominal)


@given(st.lists(intervals, min_size=1, max_size=8))
def test_first_is_never_later_and_last_never_earlier(ts):
    events = [_as_event(i, t) for i, t in enumerate(ts)]
    lo, hi, nominal = figures.first_of(events)
    assert lo <= nominal <= hi
    assert all(lo <= e.lo and nominal <= e.nominal and hi <= e.hi for e in events)
    lo, hi, nominal = figures.last_of(events)
    assert lo <= nominal <= hi
    assert all(lo >= e.lo and nominal >= e.nominal and hi >= e.hi for e in events)


margins = st.sampled_from(["PT45S", "PT30M", "PT2H", "P3D", "P2W", "P1M", "P1Y", "PT1S", "P1D"])
precisions_ats = st.sampled_from(
    [
        ("2019-12-26T09:21:07", "second"),
        ("2019-12-26T09:21", "minute"),
        ("2019-11-03T01:30", "minute"),
        ("2019-03-10T02:00", "hour"),
        ("2019-01-31", "day"),
        ("2020-02-29", "day"),
        ("2019-11", "month"),
        ("2019", "year"),
    ]
)


@given(precisions_ats, margins, st.sampled_from([LA, "Europe/Berlin", "UTC", "Pacific/Apia"]))
def test_a_margin_only_widens(at_precision, margin, zone):
    at, precision = at_precision
    exact = timemath.interval(at, precision, False, zone)
    wide = timemath.interval(at, precision, True, zone, margin=margin)
    assert wide.lo < exact.lo and wide.hi > exact.hi
    assert wide.nominal == exact.nominal


@given(st.integers(-(10**9), 10**9), st.integers(0, 10**9), st.integers(0, 10**9), st.booleans())
def test_outcomes_are_exhaustive_and_the_boundary_is_met(low, width, window, is_open):
    high = low + width
    for direction in figures.DIRECTIONS:
        outcome = figures.norm_outcome(low, high, window, direction, is_open)
        assert outcome in figures.OUTCOMES
        assert (outcome == "pending") == (is_open and not (low >= window if direction == "at_least" else low > window))
    assert figures.norm_outcome(window, window, window, "at_most") == "met"
    assert figures.norm_outcome(window, window, window, "at_least") == "met"
