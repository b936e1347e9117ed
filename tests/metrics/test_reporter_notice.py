"""Notice per reporter stored and served (time-and-metrics.md §4.2, §6, §9), the year of §6, and the
median time to a vendor's first response."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics import figures
from metrics.models import IncidentMetricSet, MetricAggregate, ReporterNotice, ResponseAggregate
from metrics.services import metrics_recompute_all
from tests.factories import EventFactory, IncidentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_the_wyze_api_gives_each_reporter_its_own_notice(client, wyze):
    body = client.get("/api/v1/incidents/wyze-2019/metrics/").json()
    notice = next(m for m in body["metrics"] if m["metric"] == "notice_to_publication")
    assert (notice["nominal_seconds"], notice["min_seconds"], notice["max_seconds"]) == (840, -33_720, 900)
    exposure = next(m for m in body["metrics"] if m["metric"] == "exposure_duration")
    assert (exposure["nominal_seconds"], exposure["min_seconds"], exposure["max_seconds"]) == (
        1_900_800,
        1_814_400,
        1_987_200,
    )
    ipvm, twelve = body["reporters"]
    assert {k: ipvm[k] for k in ("organization", "metric", "nominal_seconds", "min_seconds", "max_seconds")} == {
        "organization": "ipvm",
        "metric": "notice_to_publication",
        "nominal_seconds": 840,
        "min_seconds": 780,
        "max_seconds": 900,
    }
    assert ipvm["no_notice"] is False
    assert ipvm["description"] == "14 minutes (between 13 and 15 minutes)"
    # §9: no notice is never zero and never absent: no seconds at all
    assert twelve["organization"] == "twelve-security" and twelve["no_notice"] is True
    assert "nominal_seconds" not in twelve and "min_seconds" not in twelve
    assert {n["outcome"] for n in twelve["norms"]} == {"missed"}
    # open figures carry as_of: the end of followed_until (30 December 2019, Los Angeles), each one
    # too (§9), and a closed one has none
    assert body["as_of"] == "2019-12-31T08:00:00Z"
    open_ones = [m for m in body["metrics"] if m["open"]]
    assert open_ones and all(m["as_of"] == "2019-12-31T08:00:00Z" for m in open_ones)
    assert all("as_of" not in m for m in body["metrics"] if not m["open"])
    # the vendor is never a publishing reporter of its own incident
    assert not ReporterNotice.objects.filter(incident=wyze, organization=wyze.vendor).exists()


def test_the_reporter_aggregates_of_the_wyze_case(client, wyze):
    rows = client.get("/api/v1/aggregates/", {"metric": "notice_to_publication", "dimension": "reporter"}).json()
    by = {r["organization"]: r for r in rows["results"]}
    assert set(by) == {"ipvm", "twelve-security"}
    assert (by["ipvm"]["incident_count"], by["ipvm"]["no_notice_count"], by["ipvm"]["median_seconds"]) == (1, 0, 840)
    twelve = by["twelve-security"]
    assert (twelve["incident_count"], twelve["no_notice_count"], twelve["median_seconds"]) == (1, 1, None)
    assert twelve["norm_shares"]["project-zero"]["missed"] == 1


def test_a_draft_publication_gives_no_public_notice(db):
    vendor = OrganizationFactory(kind="vendor")
    reporter = OrganizationFactory(kind="media")
    incident = IncidentFactory(vendor=vendor)
    EventFactory(incident=incident, kind="vendor_notified", at="2020-01-01T10:00", actor=reporter)
    EventFactory(incident=incident, kind="published", at="2020-01-01T11:00", actor=reporter, status="draft")
    metrics_recompute_all()
    assert not ReporterNotice.objects.filter(view="public").exists()
    (staff,) = ReporterNotice.objects.filter(view="staff")
    assert (staff.organization, staff.nominal_seconds, staff.no_notice) == (reporter, 3600, False)


def test_notices_are_rewritten_when_the_reporter_changes(db):
    vendor = OrganizationFactory(kind="vendor")
    first, second = OrganizationFactory(kind="media"), OrganizationFactory(kind="media")
    incident = IncidentFactory(vendor=vendor)
    published = EventFactory(incident=incident, kind="published", at="2020-01-01T11:00", actor=first)
    metrics_recompute_all()
    assert list(ReporterNotice.objects.filter(view="public").values_list("organization", "no_notice")) == [
        (first.pk, True)
    ]
    published.actor = second
    published.save()
    metrics_recompute_all()
    assert list(ReporterNotice.objects.filter(view="public").values_list("organization", "no_notice")) == [
        (second.pk, True)
    ]
    assert MetricAggregate.objects.get(view="public", dimension="reporter", organization=second).no_notice_count == 1
    assert not MetricAggregate.objects.filter(dimension="reporter", organization=first).exists()


@pytest.mark.parametrize(
    ("tz", "year"),
    [("America/Los_Angeles", 2019), ("UTC", 2020), ("Asia/Tokyo", 2020)],
)
def test_the_year_is_the_first_exposure_in_the_incident_time_zone(db, tz, year):
    """§6: 31 December 2019, 20:00 in Los Angeles is 2020 in UTC; the year is the incident's own."""
    incident = IncidentFactory(timezone=tz)
    EventFactory(incident=incident, kind="exposure_started", at="2020-01-01T04:00+00:00")
    EventFactory(
        incident=incident, kind="published", at="2021-06-01", precision="day"
    )  # the exposure comes first, not this
    metrics_recompute_all()
    assert IncidentMetricSet.objects.get(incident=incident, view="public").year == year


def test_the_year_falls_back_to_the_first_publication(db):
    incident = IncidentFactory(timezone="UTC")
    EventFactory(incident=incident, kind="published", at="2021-06-01", precision="day")
    metrics_recompute_all()
    assert IncidentMetricSet.objects.get(incident=incident, view="public").year == 2021


def test_compute_incident_year_is_pure():
    class E:
        def __init__(self, kind, nominal):
            self.id, self.kind, self.position = id(self), kind, 0
            self.lo = self.hi = self.nominal = nominal

    events = [
        E("published", datetime(2020, 1, 1, 4, tzinfo=UTC)),
        E("exposure_started", datetime(2021, 1, 1, tzinfo=UTC)),
    ]
    assert figures.compute_incident(events, datetime(2026, 1, 1, tzinfo=UTC), tz="America/Los_Angeles")[1] == 2020
    assert figures.compute_incident(events[:1], datetime(2026, 1, 1, tzinfo=UTC), tz="America/Los_Angeles")[1] == 2019


def test_the_wyze_response_aggregate_has_a_median_time_to_first_response(wyze):
    row = ResponseAggregate.objects.get(view="public", organization=wyze.vendor)
    assert row.responded > 0 and row.median_response_seconds is not None
    assert row.median_response_seconds >= 0


figures_strategy = st.lists(st.tuples(st.integers(-(10**8), 10**8), st.integers(0, 10**7)), max_size=12)


@given(figures_strategy, st.lists(st.integers(0, 10**8), max_size=5), st.integers(0, 6))
def test_the_four_counts_add_up_to_every_figure_counted_no_notice_included(closed, open_lows, no_notice):
    class Norm:
        slug, metric, window_seconds = "cert-cc", "notice_to_publication", 45 * 86400

    lows = [low for low, _ in closed]
    highs = [low + width for low, width in closed]
    nominals = sorted(low + width // 2 for low, width in closed)
    summary = figures.summarise([nominals, lows, highs, open_lows], [Norm], "notice_to_publication", no_notice)
    counts = summary["norm_shares"]["cert-cc"]
    assert sum(counts[o] for o in figures.OUTCOMES) == counts["of"] == summary["incident_count"]
    assert summary["no_notice_count"] == no_notice
    assert counts["missed"] >= no_notice  # no notice is less than every window
    if not closed:
        assert summary["median_seconds"] is None  # neither open figures nor "no notice" enter a median


@given(st.integers(-(10**8), 10**8), st.integers(0, 10**8), st.integers(0, 10**8))
def test_a_notice_sentence_never_states_a_point_figure_its_bounds_do_not_allow(nominal, below, above):
    figure = {"nominal_seconds": nominal, "min_seconds": nominal - below, "max_seconds": nominal + above}
    sentence = figures.notice_sentence("R", figure)
    if figure["min_seconds"] < 0 < figure["max_seconds"]:
        assert sentence.startswith("R published between")
    if sentence.startswith("R gave"):  # a notice is stated only when every value the bounds allow is one
        assert figure["min_seconds"] >= 0
