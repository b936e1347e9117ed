"""Per-incident metrics (time-and-metrics.md §2-§4): the worked examples through the whole path,
the first/last rules, open metrics, the two views, idempotency and concurrency."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosure import services, timemath
from disclosure.models import Event, Incident
from metrics import figures
from metrics import services as metrics
from metrics.models import IncidentMetric, MetricAggregate
from tests.factories import EventFactory, IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LA = "America/Los_Angeles"


def event(incident, kind, at, precision="minute", **fields):
    return EventFactory(incident=incident, kind=kind, at=at, precision=precision, **fields)


def rows(incident, view="staff"):
    return {
        r.metric: (r.nominal_seconds, r.min_seconds, r.max_seconds, r.open)
        for r in IncidentMetric.objects.filter(incident=incident, view=view)
    }


# --- the spec's worked examples --------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2019-12-26T09:21", "minute", False), ("2019-12-26T09:35", "minute", False), (840, 780, 900)),
        (("2019-12-04", "day", False), ("2019-12-26", "day", False), (1_900_800, 1_814_400, 1_987_200)),
        (("2019-12-26T09:35", "minute", False), ("2019-12-26T10:00", "minute", True), (1500, 1380, 1620)),
        (("2019-12-26T09:21:07", "second", False), ("2019-12-26T09:35", "minute", False), (863, 832, 893)),
    ],
)
def test_span_on_stored_columns_is_timemath_duration(a, b, expected):
    ia, ib = timemath.interval(*a, LA), timemath.interval(*b, LA)
    result = figures.span((ia.lo, ia.hi, ia.nominal), (ib.lo, ib.hi, ib.nominal))
    assert result == expected
    assert result == tuple(timemath.duration(ia, ib).to_dict().values())


def test_wyze_through_import_task_and_api(client, wyze, django_assert_max_num_queries):
    """Import the bundle (its on_commit task runs), then read the figures through the public API."""
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/incidents/wyze-2019/metrics/")
    assert response.status_code == 200
    body = response.json()
    assert body["incident"] == "wyze-2019"
    assert body["computed_at"]
    by_metric = {m["metric"]: m for m in body["metrics"]}
    window = by_metric["notice_to_publication"]
    # revision 2 (§3): the first publication is Twelve Security's day-precision post or IPVM's 9:35
    assert (window["nominal_seconds"], window["min_seconds"], window["max_seconds"], window["open"]) == (
        840,
        -33720,
        900,
        False,
    )
    assert window["description"] == (
        "between 9 hours 22 minutes before and 15 minutes after the notice; "
        "gave less notice than Project Zero's 90 days"
    )
    # §5: the notice is compared "at least": IPVM's 14 minutes (at most 15) gave less than every window
    assert [(n["norm"], n["direction"], n["outcome"], n["met"]) for n in window["norms"]] == [
        ("project-zero", "at_least", "missed", False),
        ("cert-cc", "at_least", "missed", False),
        ("zdi", "at_least", "missed", False),
    ]
    exposure = by_metric["exposure_duration"]
    assert (exposure["nominal_seconds"], exposure["min_seconds"], exposure["max_seconds"]) == (
        1_900_800,
        1_814_400,
        1_987_200,
    )
    awareness = by_metric["publication_to_vendor_awareness"]
    # revision 2: from the first publication (§3), which may be as early as midnight, to "~10:00 a.m."
    # give or take 30 minutes (§1): 10:31 - 00:00 at most, 09:30 - 09:36 at least
    assert (awareness["nominal_seconds"], awareness["min_seconds"], awareness["max_seconds"]) == (1500, -360, 37860)
    # nothing records Wyze answering IPVM's ticket: open, not absent
    assert by_metric["notice_to_acknowledgement"]["open"] is True
    assert by_metric["notice_to_acknowledgement"]["end_event"] is None
    # no `discovered` event: absent, not zero
    assert "time_to_discovery" not in by_metric


# --- first / last rules -----------------------------------------------------


def test_exposure_ends_at_the_last_remediation_and_notice_to_remediation_at_the_first():
    incident = IncidentFactory(timezone="UTC")
    event(incident, "exposure_started", "2020-01-01", "day")
    event(incident, "vendor_notified", "2020-01-05T10:00")
    first_fix = event(incident, "remediated", "2020-01-06T10:00")
    last_fix = event(incident, "remediated", "2020-01-09T10:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    exposure = IncidentMetric.objects.get(incident=incident, view="staff", metric="exposure_duration")
    assert exposure.end_event == last_fix
    notice = IncidentMetric.objects.get(incident=incident, view="staff", metric="notice_to_remediation")
    assert notice.end_event == first_fix
    assert notice.nominal_seconds == 86400


def test_same_nominal_instant_is_ordered_by_position():
    incident = IncidentFactory(timezone="UTC")
    event(incident, "vendor_notified", "2020-01-05T10:00", position=1)
    event(incident, "published", "2020-01-05T12:00", key="later-position", position=5)
    earlier = event(incident, "published", "2020-01-05T12:00", key="earlier-position", position=2)
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    row = IncidentMetric.objects.get(incident=incident, view="staff", metric="notice_to_publication")
    assert row.end_event == earlier


def test_user_notification_counts_from_the_earlier_of_notice_and_awareness():
    incident = IncidentFactory(timezone="UTC")
    aware = event(incident, "vendor_aware", "2020-01-03T10:00")
    event(incident, "vendor_notified", "2020-01-05T10:00")
    event(incident, "users_notified", "2020-01-10T10:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    row = IncidentMetric.objects.get(incident=incident, view="staff", metric="awareness_to_user_notification")
    assert row.start_event == aware
    assert row.nominal_seconds == 7 * 86400


# --- open and absent ----------------------------------------------------------


def test_an_open_metric_runs_from_its_start_to_the_time_of_computation():
    incident = IncidentFactory(timezone="UTC")
    start = event(incident, "vendor_notified", "2025-12-31T00:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    row = IncidentMetric.objects.get(incident=incident, view="staff", metric="notice_to_acknowledgement")
    assert row.open is True
    assert row.end_event is None
    assert row.start_event == start
    expected = timemath.elapsed_since(start.interval(), NOW)
    assert (row.nominal_seconds, row.min_seconds, row.max_seconds) == (86370, 86340, 86400)
    assert (row.nominal_seconds, row.min_seconds, row.max_seconds) == tuple(expected.to_dict().values())
    assert row.computed_at == NOW
    # an end that is not one of the four "may not have happened yet" kinds: absent
    assert not IncidentMetric.objects.filter(incident=incident, metric="notice_to_publication").exists()
    # and it advances with the next computation, then closes when the end is recorded
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW + timedelta(hours=1))
    row.refresh_from_db()
    assert row.nominal_seconds == 86370 + 3600
    event(incident, "vendor_acknowledged", "2025-12-31T02:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    row.refresh_from_db()
    assert (row.open, row.nominal_seconds) == (False, 7200)


def test_a_metric_whose_start_is_deleted_disappears():
    incident = IncidentFactory(timezone="UTC")
    start = event(incident, "vendor_notified", "2020-01-05T10:00")
    event(incident, "published", "2020-01-06T10:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    assert "notice_to_publication" in rows(incident)
    start.delete()
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    assert "notice_to_publication" not in rows(incident)
    assert set(rows(incident)) == {"publication_to_statement"}  # open: no statement yet


# --- the two views ------------------------------------------------------------


def test_a_draft_event_moves_the_staff_figure_but_never_the_public_one():
    incident = IncidentFactory(timezone="UTC")
    event(incident, "vendor_notified", "2020-01-05T10:00")
    event(incident, "published", "2020-01-06T10:00")
    event(incident, "published", "2020-01-05T11:00", status="draft")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    assert rows(incident, "staff")["notice_to_publication"][0] == 3600
    assert rows(incident, "public")["notice_to_publication"][0] == 86400


@pytest.mark.parametrize("status", ["draft", "review"])
def test_an_unpublished_incident_has_staff_figures_only_and_is_404_publicly(client, admin_client, status):
    incident = IncidentFactory(status=status, timezone="UTC")
    event(incident, "vendor_notified", "2020-01-05T10:00")
    event(incident, "published", "2020-01-06T10:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    assert rows(incident, "public") == {}
    assert rows(incident, "staff")
    url = f"/api/v1/incidents/{incident.slug}/metrics/"
    assert client.get(url).status_code == 404
    assert client.get(url + "?view=staff").status_code == 403
    staff = admin_client.get(url + "?view=staff")
    assert staff.status_code == 200
    assert staff.json()["metrics"][0]["metric"] == "notice_to_publication"


def test_unpublishing_removes_the_public_figures(django_capture_on_commit_callbacks):
    incident = IncidentFactory(timezone="UTC")
    event(incident, "vendor_notified", "2020-01-05T10:00")
    event(incident, "published", "2020-01-06T10:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    assert rows(incident, "public")
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=incident, status=Incident.Status.DRAFT)
    assert rows(incident, "public") == {}
    assert rows(incident, "staff")


def test_an_embargoed_incident_gets_public_figures_once_the_embargo_has_passed():
    incident = IncidentFactory(timezone="UTC", embargo_until=NOW + timedelta(days=1))
    event(incident, "vendor_notified", "2020-01-05T10:00")
    event(incident, "published", "2020-01-06T10:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    assert rows(incident, "public") == {}
    metrics.metrics_recompute_all(now=NOW + timedelta(days=2))
    assert rows(incident, "public")


def test_the_public_rule_of_the_recompute_is_the_public_selector():
    """The batch read applies Event.objects.public() in Python; on a mixed data set they agree."""
    cases = [
        IncidentFactory(status="published"),
        IncidentFactory(status="retracted", retraction_notice="wrong"),
        IncidentFactory(status="draft"),
        IncidentFactory(status="published", embargo_until=NOW + timedelta(days=3)),
    ]
    for incident in cases:
        event(incident, "vendor_notified", "2020-01-05T10:00")
        event(incident, "published", "2020-01-06T10:00", status="draft")
        event(incident, "published", "2020-01-07T10:00")
    metrics.metrics_recompute_all(now=NOW)
    public_ends = set(
        IncidentMetric.objects.filter(view="public", metric="notice_to_publication").values_list("end_event", flat=True)
    )
    expected = set(Event.objects.public(NOW).filter(kind="published").values_list("pk", flat=True))
    assert public_ends == expected
    assert len(public_ends) == 2  # the published and the retracted incident


def test_staff_view_needs_a_valid_value(client):
    assert client.get("/api/v1/incidents/nope/metrics/?view=everything").status_code == 400


# --- idempotency and concurrency --------------------------------------------------


def snapshot():
    return sorted(
        IncidentMetric.objects.values_list(
            "incident_id",
            "view",
            "metric",
            "nominal_seconds",
            "min_seconds",
            "max_seconds",
            "open",
            "start_event_id",
            "end_event_id",
            "computed_at",
        )
    )


def small_world():
    for n in range(3):
        incident = IncidentFactory(timezone="UTC")
        event(incident, "exposure_started", "2020-01-01", "day")
        event(incident, "vendor_notified", f"2020-01-0{n + 2}T10:00")
        event(incident, "published", "2020-01-08T10:00")


def test_recomputing_twice_leaves_the_same_rows():
    small_world()
    first = metrics.metrics_recompute_all(now=NOW)
    before = snapshot()
    again = metrics.metrics_recompute_all(now=NOW)
    assert snapshot() == before
    assert first["written"] == len(before)
    assert (again["written"], again["unchanged"]) == (0, len(before))


def test_a_full_and_a_per_incident_recompute_agree():
    small_world()
    for incident in Incident.objects.all():
        metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    per_incident = snapshot()
    IncidentMetric.objects.all().delete()
    metrics.metrics_recompute_all(now=NOW)
    assert snapshot() == per_incident


def test_full_recompute_is_a_fixed_number_of_queries_whatever_the_size():
    """No statement per incident: 11 times the incidents, the same statements, but for the
    UPDATE of the open figures that now exist and the INSERT batches (bulk_create splits
    them at SQLite's 999 parameters: at least 50 rows each; one per table on PostgreSQL)."""

    def inserts(context):
        return [query for query in context.captured_queries if query["sql"].startswith("INSERT")]

    small_world()
    with CaptureQueriesContext(connection) as few:
        metrics.metrics_recompute_all(now=NOW)
    for _ in range(10):
        small_world()
    with CaptureQueriesContext(connection) as many:
        metrics.metrics_recompute_all(now=NOW + timedelta(hours=1))
    extra_inserts = len(inserts(many)) - len(inserts(few))
    rows = IncidentMetric.objects.count() + MetricAggregate.objects.count()
    assert extra_inserts <= rows // 50
    if connection.vendor == "postgresql":
        assert extra_inserts == 0
    assert len(many) - extra_inserts <= len(few) + 1 < 40


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
def test_concurrent_recomputes_leave_the_rows_of_a_serial_run():
    small_world()
    metrics.metrics_recompute_all(now=NOW)
    serial = snapshot()
    IncidentMetric.objects.all().delete()
    ids = list(Incident.objects.values_list("pk", flat=True))
    errors = []

    def work(full):
        try:
            for _ in range(3):
                if full:
                    metrics.metrics_recompute_all(now=NOW)
                else:
                    for pk in ids:
                        metrics.incident_metrics_recompute(incident_id=pk, now=NOW)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(full,)) for full in (True, False, True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert snapshot() == serial


# --- presentation helpers ---------------------------------------------------------


def test_norm_comparisons_say_met_missed_or_uncertain():
    from metrics.models import Norm

    norms = list(Norm.objects.all())
    day = 86400
    # the notice is compared "at least" (§5): 10 days is less than every window, 100 days at least 90 and 45
    assert [c["met"] for c in figures.norm_comparisons(10 * day, "notice_to_publication", norms)] == [
        False,
        False,
        False,
    ]
    assert [c["met"] for c in figures.norm_comparisons(100 * day, "notice_to_publication", norms)] == [
        True,
        True,
        False,
    ]
    straddling = {"nominal_seconds": 90 * day, "min_seconds": 89 * day, "max_seconds": 91 * day, "open": False}
    assert figures.norm_comparisons(straddling, "notice_to_publication", norms)[0]["met"] is None
    still_open = {"nominal_seconds": 10 * day, "min_seconds": 10 * day, "max_seconds": 10 * day, "open": True}
    assert figures.norm_comparisons(still_open, "notice_to_publication", norms)[0]["met"] is None
    assert figures.norm_comparisons(still_open, "notice_to_publication", norms)[0]["outcome"] == "pending"
    assert figures.norm_comparisons(10 * day, "exposure_duration", norms) == []


def test_open_figures_stop_at_followed_until_and_do_not_move_on(django_capture_on_commit_callbacks):
    """§4.1: a story followed until a date has open figures that run to that date's end, and stay there."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.test import APIClient

    from tests.factories import EventCitationFactory, EventFactory, IncidentFactory

    incident = IncidentFactory(timezone="UTC", followed_until_at="2020-03-10", followed_until_precision="day")
    incident.full_clean()
    incident.save()
    notice = EventFactory(incident=incident, kind="vendor_notified", at="2020-03-02", precision="day")
    EventCitationFactory(event=notice)
    now = timezone.now()
    metrics.metrics_recompute_all(now=now)
    row = IncidentMetric.objects.get(incident=incident, view="public", metric="notice_to_acknowledgement")
    # from 2 March (lo 00:00, hi 24:00) to the end of 10 March: 8 days nominal (from midday), 8 to 9 days
    assert row.open is True
    assert (row.nominal_seconds, row.min_seconds, row.max_seconds) == (
        8 * 86400 + 43200,
        8 * 86400,
        9 * 86400,
    )
    metrics.metrics_recompute_all(now=now + timedelta(hours=5))
    row.refresh_from_db()
    assert row.nominal_seconds == 8 * 86400 + 43200  # not moved on by the later run
    body = APIClient().get(f"/api/v1/incidents/{incident.slug}/metrics/").json()
    assert body["as_of"].startswith("2020-03-11T00:00:00")
