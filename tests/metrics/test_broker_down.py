"""With the broker down, staff writes are saved and answered as successes (issue 14, faults)."""

import logging

import pytest
from kombu import pools

from config.celery import app
from disclosure import services
from metrics.models import IncidentMetric
from metrics.services import metrics_recompute_all
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(settings):
    """A real broker connection that is refused (nothing listens on port 1), as when Redis is down."""
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {"max_retries": 1}
    _forget_connections()
    yield
    app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options = saved
    _forget_connections()


def _forget_connections():
    """Drop the pools made for one broker before using another (kombu keeps them globally)."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


def test_an_api_write_is_saved_and_answered_201_and_the_hourly_run_catches_up(
    broker_down, editor, django_capture_on_commit_callbacks, caplog
):
    from rest_framework.test import APIClient

    incident = IncidentFactory(slug="down", status="draft")
    client = APIClient()
    client.force_authenticate(editor)
    with caplog.at_level(logging.WARNING, logger="metrics.receivers"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/incidents/down/events/",
            {"key": "told", "kind": "vendor_notified", "time": {"at": "2024-05-02", "precision": "day"},
             "description": "Told.", "status": "draft"},
            format="json",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    assert incident.events.filter(key="told").exists()
    assert "broker unreachable" in caplog.text
    assert not IncidentMetric.objects.filter(incident=incident).exists()  # not computed yet...
    app.conf.task_always_eager = True
    metrics_recompute_all()  # ...until the hourly full run, with the broker back
    assert IncidentMetric.objects.filter(incident=incident, view="staff").exists()


def test_a_service_write_survives_it_too(broker_down, editor, django_capture_on_commit_callbacks):
    incident = IncidentFactory(slug="down-2", status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=incident, by=editor, summary="Changed while the broker was down.")
    incident.refresh_from_db()
    assert incident.summary == "Changed while the broker was down."


def test_a_job_asked_for_with_the_broker_down_is_marked_failed_in_plain_words(
    broker_down, editor, client, django_capture_on_commit_callbacks
):
    from metrics.models import RecomputeRun

    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/workspace/jobs/recompute/")
    assert response.status_code == 302
    run = RecomputeRun.objects.get()
    assert run.state == "failed" and "could not be reached" in run.summary["error"]
