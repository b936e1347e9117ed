"""How a recompute knows what changed without reading the figures (IncidentMetricSet digests),
and moves open figures on in place: each shortcut is held equal to computing everything from
scratch."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db.models import F

from disclosure import timemath
from disclosure.models import Event
from metrics import services as metrics
from metrics.figures import Figure
from metrics.models import IncidentMetric, IncidentMetricSet
from tests.factories import EventFactory, IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIELDS = ("incident_id", "view", "metric", "nominal_seconds", "min_seconds", "max_seconds", "open")
FIELDS += ("start_event_id", "end_event_id")


def figures():
    return sorted(IncidentMetric.objects.values_list(*FIELDS))


def from_scratch(now):
    """The figures a recompute from nothing gives at `now` (the stored ones are put back after)."""
    stored = list(IncidentMetric.objects.all()), list(IncidentMetricSet.objects.all())
    IncidentMetric.objects.all().delete()
    IncidentMetricSet.objects.all().delete()
    metrics.metrics_recompute_all(now=now)
    result = figures()
    IncidentMetric.objects.all().delete()
    IncidentMetricSet.objects.all().delete()
    IncidentMetric.objects.bulk_create(stored[0])
    IncidentMetricSet.objects.bulk_create(stored[1])
    return result


def open_world():
    """Incidents with open figures whose starts carry every kind of uncertainty."""
    for n, (at, precision) in enumerate(
        [("2025-12-30T09:21:07", "second"), ("2025-12-30T09:21", "minute"), ("2025-12-29", "day"), ("2025-11", "month")]
    ):
        incident = IncidentFactory(timezone="America/Los_Angeles")
        EventFactory(incident=incident, kind="vendor_notified", at=at, precision=precision, approximate=n % 2 == 1)
        EventFactory(incident=incident, kind="published", at="2025-12-31T10:00", precision="minute")


def test_open_figures_moved_on_in_place_equal_a_computation_from_scratch():
    open_world()
    metrics.metrics_recompute_all(now=NOW)
    later = NOW + timedelta(hours=5, minutes=7, seconds=13)
    summary = metrics.metrics_recompute_all(now=later)
    assert summary["written"] == IncidentMetric.objects.filter(open=True).count() > 0
    assert figures() == from_scratch(later)
    assert set(IncidentMetric.objects.filter(open=True).values_list("computed_at", flat=True)) == {later}


def test_open_figures_computed_at_other_times_move_on_by_their_own_elapsed_time():
    """Most open figures were computed by the last full run and move by one constant; one
    recomputed on its own in between moves by its own elapsed time."""
    open_world()
    metrics.metrics_recompute_all(now=NOW)
    incident_id = IncidentMetric.objects.filter(open=True).values_list("incident_id", flat=True).first()
    metrics.incident_metrics_recompute(incident_id=incident_id, now=NOW + timedelta(minutes=17, seconds=3))
    later = NOW + timedelta(hours=1)
    metrics.metrics_recompute_all(now=later)
    assert figures() == from_scratch(later)
    assert set(IncidentMetric.objects.filter(open=True).values_list("computed_at", flat=True)) == {later}


def test_a_recompute_computes_as_of_a_whole_second():
    open_world()
    metrics.metrics_recompute_all(now=NOW + timedelta(microseconds=999_999))
    assert set(IncidentMetric.objects.values_list("computed_at", flat=True)) == {NOW}


def test_figures_computed_later_are_not_moved_back_by_an_older_run():
    open_world()
    metrics.metrics_recompute_all(now=NOW)
    incident_id = IncidentMetric.objects.filter(open=True).values_list("incident_id", flat=True).first()
    metrics.incident_metrics_recompute(incident_id=incident_id, now=NOW + timedelta(hours=2))
    ahead = sorted(IncidentMetric.objects.filter(incident_id=incident_id).values_list(*FIELDS, "computed_at"))
    metrics.metrics_recompute_all(now=NOW + timedelta(hours=1))
    assert sorted(IncidentMetric.objects.filter(incident_id=incident_id).values_list(*FIELDS, "computed_at")) == ahead


def test_an_unchanged_incident_keeps_its_closed_rows_untouched():
    open_world()
    metrics.metrics_recompute_all(now=NOW)
    closed = sorted(IncidentMetric.objects.filter(open=False).values_list("pk", "computed_at"))
    metrics.metrics_recompute_all(now=NOW + timedelta(hours=1))
    assert sorted(IncidentMetric.objects.filter(open=False).values_list("pk", "computed_at")) == closed


def test_a_changed_event_rewrites_its_incident_and_only_it():
    open_world()
    metrics.metrics_recompute_all(now=NOW)
    published = Event.objects.filter(kind="published").first()
    others = sorted(
        IncidentMetric.objects.exclude(incident=published.incident).filter(open=False).values_list("pk", "computed_at")
    )
    Event.objects.filter(pk=published.pk).update(
        lo=F("lo") + timedelta(hours=1), hi=F("hi") + timedelta(hours=1), nominal=F("nominal") + timedelta(hours=1)
    )
    later = NOW + timedelta(hours=1)
    metrics.metrics_recompute_all(now=later)
    assert figures() == from_scratch(later)
    assert IncidentMetric.objects.get(incident=published.incident, view="staff", metric="notice_to_publication")
    assert (
        sorted(
            IncidentMetric.objects.exclude(incident=published.incident)
            .filter(open=False)
            .values_list("pk", "computed_at")
        )
        == others
    )


def test_rows_lost_or_added_behind_the_recompute_are_put_right():
    open_world()
    metrics.metrics_recompute_all(now=NOW)
    expected = figures()
    IncidentMetric.objects.filter(pk=IncidentMetric.objects.order_by("pk").values("pk")[:1]).delete()
    assert metrics.metrics_recompute_all(now=NOW)["written"] > 0
    assert figures() == expected
    stray = IncidentMetric.objects.filter(metric="notice_to_publication").first()
    stray.pk, stray.metric = None, "exposure_duration"  # a figure the incident cannot have
    stray.save()
    assert metrics.metrics_recompute_all(now=NOW)["deleted"] == 1
    assert figures() == expected
    IncidentMetricSet.objects.filter(pk=IncidentMetricSet.objects.values("pk")[:1]).delete()
    metrics.metrics_recompute_all(now=NOW)
    assert figures() == expected


def test_a_view_that_is_gone_takes_its_set_with_it():
    open_world()
    metrics.metrics_recompute_all(now=NOW)
    incident = Event.objects.first().incident
    Event.objects.filter(incident=incident).update(status="draft")
    metrics.metrics_recompute_all(now=NOW)
    assert not IncidentMetric.objects.filter(incident=incident, view="public").exists()
    assert not IncidentMetricSet.objects.filter(incident=incident, view="public").exists()
    assert IncidentMetricSet.objects.filter(incident=incident, view="staff").exists()


DIGEST_SCRIPT = """
import os, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from metrics import services as metrics
from metrics.figures import Figure
figures = {
    "notice_to_publication": Figure(840, 780, 900, False, 11, 12),
    "notice_to_acknowledgement": Figure(5, 4, 6, True, 11, None),
    "exposure_duration": Figure(-1, -2, 0, False, 3, 4),
}
print(metrics.figures_digest(figures, 2019))
"""


@pytest.mark.parametrize("seeds", [("0", "1", "random")])
def test_the_digest_is_the_same_in_every_process(seeds):
    """It is stored and compared by later runs: hash randomisation must not touch it."""
    results = {
        subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        ).stdout.strip()
        for seed in seeds
    }
    assert len(results) == 1
    digest = int(results.pop())
    assert -(2**63) <= digest < 2**63  # it fits IncidentMetricSet.digest, a BigIntegerField


def test_the_digest_covers_everything_stored_but_an_open_figures_seconds():
    figures = {
        "notice_to_publication": Figure(840, 780, 900, False, 11, 12),
        "notice_to_acknowledgement": Figure(5, 4, 6, True, 11, None),
    }
    moved = {**figures, "notice_to_acknowledgement": Figure(9, 8, 10, True, 11, None)}
    assert metrics.figures_digest(moved, 2019) == metrics.figures_digest(figures, 2019)
    for changed in (
        {**figures, "notice_to_publication": Figure(841, 780, 900, False, 11, 12)},
        {**figures, "notice_to_publication": Figure(840, 779, 900, False, 11, 12)},
        {**figures, "notice_to_publication": Figure(840, 780, 901, False, 11, 12)},
        {**figures, "notice_to_publication": Figure(840, 780, 900, False, 10, 12)},
        {**figures, "notice_to_publication": Figure(840, 780, 900, False, 11, 13)},
        {**figures, "notice_to_acknowledgement": Figure(5, 4, 6, False, 11, 13)},
        {**figures, "notice_to_acknowledgement": Figure(5, 4, 6, True, 12, None)},
        {"notice_to_publication": figures["notice_to_publication"]},
    ):
        assert metrics.figures_digest(changed, 2019) != metrics.figures_digest(figures, 2019)
    assert metrics.figures_digest(figures, 2020) != metrics.figures_digest(figures, 2019)
    assert metrics.figures_digest(figures, None) != metrics.figures_digest(figures, 2019)
    one, two = ({"notice_to_publication": Figure(n, -5, 5, False, 1, 2)} for n in (-1, -2))
    assert metrics.figures_digest(one, None) != metrics.figures_digest(two, None)


@pytest.mark.parametrize(
    ("at", "precision"),
    [
        ("2019-12-26T09:21:07", "second"),  # a half-second nominal: microseconds in the stored value
        ("1969-07-20T20:17:40", "second"),  # before 1970
        ("2016-12-31", "day"),
        ("2019-12", "month"),
    ],
)
def test_stored_figures_are_timemath_durations_of_the_stored_instants(at, precision):
    """The instants read back from either database give exactly the spec's arithmetic."""
    incident = IncidentFactory(timezone="Europe/Rome")
    start = EventFactory(incident=incident, at=at, precision=precision, kind="vendor_notified")
    end = EventFactory(incident=incident, at="2020-02-29T23:59:59", precision="second", kind="published")
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=NOW)
    stored = IncidentMetric.objects.get(incident=incident, view="staff", metric="notice_to_publication")
    a, b = (timemath.Interval(event.lo, event.hi, event.nominal) for event in (start, end))
    expected = timemath.duration(a, b)
    assert (stored.nominal_seconds, stored.min_seconds, stored.max_seconds) == (
        expected.nominal_seconds,
        expected.min_seconds,
        expected.max_seconds,
    )


def test_batches_leave_the_rows_of_a_single_batch_and_report_progress(monkeypatch):
    for _ in range(3):
        open_world()
    monkeypatch.setattr(metrics, "BATCH_SIZE", 2)  # six batches
    progress = []
    summary = metrics.metrics_recompute_all(now=NOW, progress=lambda done, total: progress.append((done, total)))
    assert progress == [(2 * n, 12) for n in range(1, 7)]
    batched = figures()
    assert summary["incidents"] == 12 and batched
    IncidentMetric.objects.all().delete()
    IncidentMetricSet.objects.all().delete()
    monkeypatch.setattr(metrics, "BATCH_SIZE", 100)
    metrics.metrics_recompute_all(now=NOW)
    assert figures() == batched
