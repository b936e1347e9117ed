"""Figures catch up within a minute of the broker's return (issue 14, faults).

A recompute that could not be queued leaves a MissedRecompute note; the per-minute
sweep (celery beat) recomputes the noted incidents and then the aggregates.
"""

import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.db import DatabaseError
from django.utils import timezone
from kombu import pools
from kombu.exceptions import OperationalError

from config.celery import app
from disclosure import services
from metrics import services as metrics
from metrics import tasks
from metrics.models import IncidentMetric, MetricAggregate, MissedRecompute, RecomputeRun
from tests.factories import EventFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """A real broker connection that is refused (nothing listens on port 1), as when Redis is down.

    Sending a task then raises kombu's OperationalError from delay/apply_async.
    """
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {"max_retries": 1}
    _forget_connections()
    yield
    app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options = saved
    _forget_connections()


def _forget_connections():
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


def broker_back():
    """The broker returns: tasks run (eagerly, in this process)."""
    app.conf.task_always_eager = True


def with_figures(slug, **fields):
    incident = IncidentFactory(slug=slug, **fields)
    EventFactory(incident=incident, kind="vendor_notified", at="2024-05-01T10:00", precision="minute")
    EventFactory(incident=incident, kind="published", at="2024-05-01T12:00", precision="minute")
    return incident


def test_an_api_write_with_the_broker_down_is_answered_201_and_noted_then_swept_up(
    broker_down, editor, django_capture_on_commit_callbacks, caplog
):
    from rest_framework.test import APIClient

    incident = with_figures("down", status="draft")
    client = APIClient()
    client.force_authenticate(editor)
    with caplog.at_level(logging.WARNING, logger="metrics.receivers"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/incidents/down/events/",
            {"key": "told", "kind": "vendor_acknowledged", "time": {"at": "2024-05-02", "precision": "day"},
             "description": "Told.", "status": "draft"},
            format="json",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    assert "broker unreachable" in caplog.text
    note = MissedRecompute.objects.get()
    assert note.incident_id == incident.pk
    assert not IncidentMetric.objects.filter(incident=incident).exists()

    broker_back()
    summary = tasks.recompute_missed.delay().get()  # what beat runs every minute
    assert summary["incidents"] == 1 and summary["failed"] == 0
    assert not MissedRecompute.objects.exists()
    metric = IncidentMetric.objects.get(incident=incident, view="staff", metric="notice_to_publication")
    assert metric.nominal_seconds == 2 * 3600
    assert MetricAggregate.objects.filter(view="staff", dimension="overall").exists()
    assert RecomputeRun.objects.filter(kind="aggregates", state="done").exists()


def test_a_second_failure_renews_the_one_note(broker_down, editor, django_capture_on_commit_callbacks):
    incident = with_figures("down-2", status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=incident, by=editor, summary="Changed while the broker was down.")
    first = MissedRecompute.objects.get(incident=incident).missed_at
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=incident, by=editor, summary="Changed again.")
    assert MissedRecompute.objects.count() == 1
    assert MissedRecompute.objects.get(incident=incident).missed_at >= first


def test_an_embargoed_incident_whose_recomputes_both_fail_is_noted_once(
    broker_down, editor, django_capture_on_commit_callbacks
):
    incident = with_figures("embargoed", status="draft")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.incident_update(incident=incident, by=editor, embargo_until=timezone.now() + timedelta(days=2))
    assert len(callbacks) >= 2  # now, and at the embargo's lift
    assert list(MissedRecompute.objects.values_list("incident_id", flat=True)) == [incident.pk]


def test_a_recompute_queued_while_the_broker_was_up_notes_nothing(editor, django_capture_on_commit_callbacks):
    incident = with_figures("up", status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=incident, by=editor, summary="Changed with the broker up.")
    assert not MissedRecompute.objects.exists()
    assert IncidentMetric.objects.filter(incident=incident).exists()


def test_a_note_for_a_deleted_incident_or_a_failing_database_is_dropped_not_raised(caplog):
    assert metrics.recompute_missed_note(incident_id=987654) is False
    incident = IncidentFactory()
    failing = mock.patch.object(MissedRecompute.objects, "bulk_create", side_effect=DatabaseError("gone"))
    with caplog.at_level(logging.ERROR, logger="metrics.services"), failing:
        assert metrics.recompute_missed_note(incident_id=incident.pk) is False
    assert "could not note the missed recompute" in caplog.text
    assert not MissedRecompute.objects.exists()
    assert metrics.recompute_missed_note(incident_id=incident.pk) is True


def test_the_sweep_with_no_notes_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert metrics.recompute_missed_sweep() == {"incidents": 0, "failed": 0}


def test_a_note_made_during_the_sweep_is_kept_for_the_next_round():
    first, second = with_figures("first"), with_figures("second")
    metrics.recompute_missed_note(incident_id=first.pk, now=timezone.now() - timedelta(seconds=30))
    metrics.recompute_missed_note(incident_id=second.pk, now=timezone.now() - timedelta(seconds=20))
    recompute = metrics.incident_metrics_recompute

    def while_recomputing(*, incident_id, now=None):
        if incident_id == first.pk:
            # the broker fails again for both incidents while the sweep works
            metrics.recompute_missed_note(incident_id=first.pk)  # its note was removed: made anew
            metrics.recompute_missed_note(incident_id=second.pk)  # its note not yet: renewed
        return recompute(incident_id=incident_id, now=now)

    with mock.patch.object(metrics, "incident_metrics_recompute", side_effect=while_recomputing):
        summary = metrics.recompute_missed_sweep()
    assert summary["incidents"] == 2
    assert set(MissedRecompute.objects.values_list("incident_id", flat=True)) == {first.pk, second.pk}
    assert metrics.recompute_missed_sweep()["incidents"] == 2  # the next round takes them
    assert not MissedRecompute.objects.exists()


def test_a_failing_recompute_keeps_its_note_and_the_others_go_on(caplog):
    broken, fine = with_figures("broken"), with_figures("fine")
    for incident in (broken, fine):
        metrics.recompute_missed_note(incident_id=incident.pk)
    recompute = metrics.incident_metrics_recompute

    def failing(*, incident_id, now=None):
        if incident_id == broken.pk:
            raise DatabaseError("lock timeout")
        return recompute(incident_id=incident_id, now=now)

    with (
        caplog.at_level(logging.ERROR, logger="metrics.services"),
        mock.patch.object(metrics, "incident_metrics_recompute", side_effect=failing),
    ):
        summary = metrics.recompute_missed_sweep()
    assert (summary["incidents"], summary["failed"]) == (1, 1)
    assert list(MissedRecompute.objects.values_list("incident_id", flat=True)) == [broken.pk]
    assert IncidentMetric.objects.filter(incident=fine).exists()
    assert not IncidentMetric.objects.filter(incident=broken).exists()


def test_a_recompute_whose_aggregates_cannot_be_queued_is_noted():
    incident = with_figures("half")
    with mock.patch.object(tasks.recompute_aggregates, "delay", side_effect=OperationalError("refused")):
        tasks.recompute_incident_metrics.delay(incident.pk)
    assert IncidentMetric.objects.filter(incident=incident).exists()
    assert list(MissedRecompute.objects.values_list("incident_id", flat=True)) == [incident.pk]


def test_beat_sweeps_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["recompute-missed-metrics"]
    assert entry["task"] == tasks.recompute_missed.name == "metrics.tasks.recompute_missed"
    assert entry["schedule"].minute == set(range(60))
