"""Aggregates over incidents: medians with bounds, norm shares, dimensions, the public view, the API."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from disclosure.models import Incident
from metrics import figures
from metrics import services as metrics
from metrics.models import IncidentMetric, MetricAggregate, RecomputeRun, ResponseAggregate
from tests.factories import (
    ClaimFactory,
    EventFactory,
    IncidentFactory,
    OrganizationFactory,
    ParticipantFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DAY = 86400


def incident_with_window(vendor, reporter, notified, published, precision, **fields):
    incident = IncidentFactory(vendor=vendor, timezone="UTC", **fields)
    ParticipantFactory(incident=incident, organization=reporter, role="discoverer")
    ParticipantFactory(incident=incident, organization=reporter, role="notifier")
    EventFactory(incident=incident, kind="vendor_notified", at=notified, precision=precision, actor=reporter)
    EventFactory(incident=incident, kind="published", at=published, precision=precision, actor=reporter)
    return incident


@pytest.fixture
def world():
    v1, v2 = OrganizationFactory(slug="vendor-one"), OrganizationFactory(slug="vendor-two")
    r1 = OrganizationFactory(slug="reporter-one", kind="researcher")
    r2 = OrganizationFactory(slug="reporter-two", kind="researcher")
    a = incident_with_window(v1, r1, "2020-03-01T10:00", "2020-03-01T10:14", "minute")  # 840 [780, 900]
    b = incident_with_window(v1, r1, "2020-01-01", "2020-01-03", "day")  # 2 days [1, 3]
    c = incident_with_window(v2, r2, "2021-01-01", "2021-02-10", "day")  # 40 days [39, 41]
    incident_with_window(v2, r2, "2021-01-01", "2021-02-15", "day")  # 45 days [44, 46]: straddles CERT/CC
    incident_with_window(v1, r1, "2020-05-01", "2020-05-02", "day", status="draft")
    incident_with_window(v2, r2, "2019-05-01", "2019-05-02", "day", status="retracted", retraction_notice="x")
    # claimed on 1 March, denied on 4 March (the response's default date): 3 days
    ResponseFactory(claim=ClaimFactory(incident=a, at="2020-03-01", precision="day"), stance="denied")
    ResponseFactory(claim=ClaimFactory(incident=b), stance="confirmed", status="draft")
    ClaimFactory(incident=c)
    metrics.metrics_recompute_all(now=NOW)
    return {"v1": v1, "v2": v2, "r1": r1, "r2": r2}


def aggregate(view="public", metric="notice_to_publication", **where):
    return MetricAggregate.objects.get(view=view, metric=metric, **where)


def test_overall_median_quartiles_and_the_bounds_of_the_median(world):
    row = aggregate(dimension="overall")
    assert (row.incident_count, row.open_count) == (4, 0)
    # nominal [840, 2 d, 40 d, 45 d]
    assert row.median_seconds == (2 * DAY + 40 * DAY) / 2
    assert row.q1_seconds == 840 + (2 * DAY - 840) * 0.75
    # the median of the lower bounds and of the upper bounds
    assert row.median_min_seconds == (1 * DAY + 39 * DAY) / 2
    assert row.median_max_seconds == (3 * DAY + 41 * DAY) / 2
    assert row.median_min_seconds <= row.median_seconds <= row.median_max_seconds


def test_norm_shares_count_met_uncertain_and_missed(world):
    shares = aggregate(dimension="overall").norm_shares
    # the notice is compared "at least" (§5): 14 minutes, 2 days and 40 days gave less than
    # CERT/CC's 45 days; [44, 46] days may or may not have given it
    assert shares["cert-cc"] == {
        "met": 0,
        "uncertain": 1,
        "missed": 3,
        "pending": 0,
        "of": 4,
        "direction": "at_least",
        "share": 0.0,
        "share_at_most": 0.25,
    }
    assert shares["project-zero"]["met"] == 0 and shares["project-zero"]["missed"] == 4
    assert "gdpr-art-33" not in shares  # it applies to the regulator metric only, not to the notice


def test_dimensions_vendor_reporter_and_year(world):
    assert aggregate(dimension="vendor", organization=world["v1"]).incident_count == 2
    assert aggregate(dimension="vendor", organization=world["v2"]).incident_count == 2
    # the reporter groups of the notice: each publishing reporter with its own notice (§6)
    assert aggregate(dimension="reporter", organization=world["r1"]).incident_count == 2
    assert aggregate(dimension="reporter", organization=world["r1"]).no_notice_count == 0
    # no other metric here has a reporter dimension (the discovery metrics have no events here)
    assert set(MetricAggregate.objects.filter(dimension="reporter").values_list("metric", flat=True)) == {
        "notice_to_publication"
    }
    assert aggregate(dimension="year", year=2020).incident_count == 2
    assert aggregate(dimension="year", year=2021).incident_count == 2
    assert not MetricAggregate.objects.filter(view="public", dimension="year", year=2019).exists()


def test_drafts_never_count_publicly_and_retracted_incidents_are_left_out(world):
    assert aggregate(view="staff", dimension="overall").incident_count == 6
    assert aggregate(view="staff", dimension="vendor", organization=world["v1"]).incident_count == 3
    assert aggregate(view="staff", dimension="year", year=2019).incident_count == 1


def test_aggregates_are_consistent_with_the_per_incident_figures(world):
    counted = Incident.objects.public().exclude(status="retracted")
    for metric in ("notice_to_publication", "notice_to_acknowledgement"):
        stored = IncidentMetric.objects.filter(view="public", metric=metric, incident__in=counted)
        row = aggregate(dimension="overall", metric=metric)
        assert row.incident_count == stored.count()
        assert row.open_count == stored.filter(open=True).count()


def test_open_metrics_are_counted_but_left_out_of_the_median(world):
    row = aggregate(dimension="overall", metric="notice_to_acknowledgement")
    assert (row.incident_count, row.open_count, row.median_seconds) == (4, 4, None)


def test_responses_count_the_vendors_current_public_stance(world):
    public = ResponseAggregate.objects.get(view="public", organization=None)
    assert public.stance_counts == {"awaiting_response": 2, "denied": 1}
    staff = ResponseAggregate.objects.get(view="staff", organization=world["v1"])
    assert staff.stance_counts == {"confirmed": 1, "denied": 1}


def test_quantile_interpolates_between_ranks():
    assert figures.quantile([], 0.5) is None
    assert figures.quantile([5], 0.25) == 5
    assert figures.quantile([1, 2, 3, 4], 0.5) == 2.5
    assert figures.quantile([1, 2, 3, 4, 5], 0.75) == 4


def test_a_stale_aggregates_request_is_skipped_once_a_later_run_has_finished(world):
    requested = timezone.now()
    assert metrics.aggregates_recompute_if_stale(requested_at=requested) is not None
    assert metrics.aggregates_recompute_if_stale(requested_at=requested) is None
    later = timezone.now() + timedelta(seconds=1)
    assert metrics.aggregates_recompute_if_stale(requested_at=later) is not None


# --- API --------------------------------------------------------------------


def test_aggregates_api_filters_and_shows_the_public_view(client, world):
    response = client.get("/api/v1/aggregates/?dimension=vendor&metric=notice_to_publication&organization=vendor-one")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["organization"], row["incident_count"], row["view"]) == ("vendor-one", 2, "public")
    assert client.get("/api/v1/aggregates/?year=2021&metric=notice_to_publication").json()["count"] == 1
    assert client.get("/api/v1/aggregates/?view=staff").status_code == 403
    assert client.get("/api/v1/aggregates/?dimension=galaxy").status_code == 400
    assert client.get("/api/v1/aggregates/?year=soon").status_code == 400
    assert client.get("/api/v1/aggregates/?year=99999999999999999999").status_code == 400


def test_aggregates_download_as_csv(client, world):
    response = client.get("/api/v1/aggregates/?dimension=vendor&metric=notice_to_publication&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["organization"] for row in rows} == {"vendor-one", "vendor-two"}
    one = next(row for row in rows if row["organization"] == "vendor-one")
    assert (one["incident_count"], one["median_seconds"]) == (
        "2",
        str(aggregate(dimension="vendor", organization=world["v1"]).median_seconds),
    )
    assert "norm_shares.project-zero.share" in rows[0]
    responses = client.get("/api/v1/aggregates/responses/?format=csv")
    assert responses.status_code == 200
    assert "stance_counts.denied" in next(csv.DictReader(io.StringIO(responses.content.decode())))


def test_staff_may_read_the_staff_aggregates(admin_client, world):
    body = admin_client.get("/api/v1/aggregates/?view=staff&dimension=overall&metric=notice_to_publication").json()
    assert body["results"][0]["incident_count"] == 6


def test_response_aggregates_api(client, world):
    body = client.get("/api/v1/aggregates/responses/?vendor=vendor-one").json()
    assert body["results"] == [
        {
            "view": "public",
            "vendor": "vendor-one",
            "vendor_name": world["v1"].name,
            "claims": 2,
            "stance_counts": {"awaiting_response": 1, "denied": 1},
            "stance_shares": {"awaiting_response": 0.5, "denied": 0.5},
            "responded": 1,
            "median_response_seconds": 3 * DAY,
            "computed_at": body["results"][0]["computed_at"],
        }
    ]


@pytest.mark.parametrize("vendors", [1, 15])
def test_aggregate_lists_take_a_fixed_number_of_queries(client, django_assert_max_num_queries, vendors):
    for n in range(vendors):
        incident_with_window(
            OrganizationFactory(), OrganizationFactory(kind="researcher"), "2020-01-01", "2020-01-03", "day"
        )
    metrics.metrics_recompute_all(now=NOW)
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/aggregates/?page_size=200").status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/aggregates/responses/?page_size=200").status_code == 200


def test_recompute_metrics_command_prints_a_summary(world, capsys):
    call_command("recompute_metrics", "--no-progress")
    out = capsys.readouterr().out
    assert "Recomputed 6 incidents" in out
    assert RecomputeRun.objects.filter(kind="full", state="done", done=6, total=6).exists()


def test_generate_incidents_writes_incidents_with_metrics(capsys):
    call_command("generate_incidents", "--incidents", "12", "--events-per-incident", "12", "--seed", "5")
    assert Incident.objects.filter(slug__startswith="gen-5-").count() == 12
    assert IncidentMetric.objects.filter(view="staff").exists()
    assert MetricAggregate.objects.filter(dimension="overall", view="staff").exists()


# --- the periodic run skips a rebuild only when nothing the aggregates depend on changed ---


def full_run_aggregates(now):
    return metrics.metrics_recompute_all(now=now)["aggregates"]


def test_an_unchanged_world_keeps_its_aggregates_and_open_figures_still_advance(world):
    later = NOW + timedelta(hours=1)
    assert full_run_aggregates(later) == "unchanged"
    open_row = IncidentMetric.objects.filter(view="public", open=True).first()
    assert open_row.computed_at == later
    assert aggregate(dimension="overall").incident_count == 4


def test_a_new_reporter_rebuilds_the_aggregates(world):
    incident = Incident.objects.filter(vendor=world["v2"], status="published").first()
    newcomer = OrganizationFactory(slug="newcomer", kind="researcher")
    # no task: the hourly run catches it
    EventFactory(incident=incident, kind="published", at="2021-02-20", precision="day", actor=newcomer)
    assert full_run_aggregates(NOW + timedelta(hours=1)) != "unchanged"
    row = aggregate(dimension="reporter", organization=newcomer)  # it published with no notice (§4.2)
    assert (row.incident_count, row.no_notice_count, row.median_seconds) == (1, 1, None)
    assert row.norm_shares["cert-cc"]["missed"] == 1  # no notice gave less than every window


def test_a_new_discoverer_rebuilds_the_discovery_aggregates(world):
    incident = Incident.objects.filter(vendor=world["v2"], status="published").first()
    EventFactory(incident=incident, kind="discovered", at="2020-12-20", precision="day")
    full_run_aggregates(NOW + timedelta(hours=1))
    newcomer = OrganizationFactory(slug="finder", kind="researcher")
    ParticipantFactory(incident=incident, organization=newcomer, role="discoverer")
    assert full_run_aggregates(NOW + timedelta(hours=2)) != "unchanged"
    row = aggregate(dimension="reporter", organization=newcomer, metric="discovery_to_notice")
    assert row.incident_count == 1
    # a notifier only is no reporter of the discovery metrics
    assert not MetricAggregate.objects.filter(
        dimension="reporter", organization=world["r1"], metric="discovery_to_notice"
    ).exists()


def test_a_changed_closed_figure_rebuilds_the_aggregates(world):
    published = IncidentMetric.objects.get(
        view="public", metric="notice_to_publication", incident__vendor=world["v1"], nominal_seconds=840
    ).end_event
    published.at = "2020-03-01T10:44"
    published.derive_instants()
    published.save()
    assert full_run_aggregates(NOW + timedelta(hours=1)) != "unchanged"
    assert aggregate(dimension="vendor", organization=world["v1"]).median_seconds == (2640 + 2 * DAY) / 2


def test_a_vanished_open_figure_rebuilds_the_aggregates(world):
    before = aggregate(dimension="overall", metric="notice_to_acknowledgement").open_count
    stored = IncidentMetric.objects.filter(view="public", metric="notice_to_acknowledgement")
    stored.filter(incident__status="published").first().start_event.delete()
    assert full_run_aggregates(NOW + timedelta(hours=1)) != "unchanged"
    assert aggregate(dimension="overall", metric="notice_to_acknowledgement").open_count == before - 1


def _remediation_incident(vendor, notified, remediated=None, precision="day"):
    incident = IncidentFactory(vendor=vendor, timezone="UTC")
    EventFactory(incident=incident, kind="vendor_notified", at=notified, precision=precision)
    if remediated:
        EventFactory(incident=incident, kind="remediated", at=remediated, precision=precision)
    return incident


def test_norm_counts_take_open_figures_in_the_norms_direction_and_add_up(db):
    """§6: met / uncertain / missed / pending add up to every figure, open ones included; medians stay closed."""
    vendor = OrganizationFactory(slug="vendor-open")
    # at most exactly 45 days (second precision: the upper bound is the window): met "at most"
    _remediation_incident(vendor, "2025-01-01T00:00:00", "2025-02-14T23:59:59", precision="second")
    _remediation_incident(vendor, "2025-12-22T00:00:00")  # open, 10 days so far: pending
    _remediation_incident(vendor, "2025-11-12T00:00:00")  # open, 50 days so far: missed already
    metrics.metrics_recompute_all(now=NOW)
    row = aggregate(metric="notice_to_remediation", dimension="overall")
    assert (row.incident_count, row.open_count) == (3, 2)
    assert row.median_seconds == 45 * DAY - 1  # the closed figure only
    cert = row.norm_shares["cert-cc"]
    assert cert == {
        "met": 1,
        "uncertain": 0,
        "missed": 1,
        "pending": 1,
        "of": 3,
        "direction": "at_most",
        "share": round(1 / 3, 6),
        "share_at_most": round(2 / 3, 6),
    }
    for counts in row.norm_shares.values():
        assert sum(counts[o] for o in figures.OUTCOMES) == counts["of"] == row.incident_count
    # Project Zero's 90 days: the 50 days so far are still pending
    assert (row.norm_shares["project-zero"]["met"], row.norm_shares["project-zero"]["pending"]) == (1, 2)

    # 40 days on, the open figure that was pending has passed CERT/CC's window: the periodic run,
    # which skips unchanged aggregates, sees the changed outcome and rebuilds them.
    metrics.metrics_recompute_all(now=NOW + timedelta(days=40))
    cert = aggregate(metric="notice_to_remediation", dimension="overall").norm_shares["cert-cc"]
    assert (cert["met"], cert["missed"], cert["pending"]) == (1, 2, 0)
