"""Celery tasks: enqueued on commit, thin over the services, configured for reliability; the admin page."""

import pytest
from django.urls import reverse

from config.celery import app
from disclosure import services
from metrics import tasks
from metrics.models import IncidentMetric, MetricAggregate, RecomputeRun
from tests.factories import EventCitationFactory, EventFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def notice_and_publication(incident):
    EventFactory(incident=incident, kind="vendor_notified", at="2020-01-05T10:00", precision="minute")


def test_a_committed_event_change_recomputes_the_incident_and_the_aggregates(django_capture_on_commit_callbacks):
    incident = IncidentFactory(timezone="UTC")
    notice_and_publication(incident)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.event_create(
            incident=incident,
            key="pub",
            kind="published",
            at="2020-01-05T10:14",
            precision="minute",
            status="published",
            citations=[{"source": SourceFactory()}],
        )
    # nothing runs before the commit ...
    assert not IncidentMetric.objects.exists()
    assert len(callbacks) == 2  # the metrics task, and the public pages' cache stamp (web.receivers)
    # ... and the commit runs the task, which recomputes both views and then the aggregates
    callbacks[0]()
    row = IncidentMetric.objects.get(incident=incident, view="public", metric="notice_to_publication")
    assert row.nominal_seconds == 840
    assert MetricAggregate.objects.get(view="public", dimension="overall", metric="notice_to_publication")


def test_a_status_change_through_a_service_reaches_the_public_figures(django_capture_on_commit_callbacks):
    incident = IncidentFactory(timezone="UTC")
    notice_and_publication(incident)
    draft = EventFactory(incident=incident, kind="published", at="2020-01-05T10:14", precision="minute", status="draft")
    EventCitationFactory(event=draft)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=draft, description="still a draft")
    assert not IncidentMetric.objects.filter(view="public", metric="notice_to_publication").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=draft, status="published")
    assert IncidentMetric.objects.filter(view="public", metric="notice_to_publication").exists()


def test_the_task_for_a_deleted_incident_does_nothing_and_succeeds():
    tasks.recompute_incident_metrics.delay(987654)
    assert not IncidentMetric.objects.exists()


def test_the_full_recompute_task_reports_progress_on_its_run():
    for _ in range(3):
        notice_and_publication(IncidentFactory(timezone="UTC"))
    run = RecomputeRun.objects.create()
    tasks.recompute_all_metrics.delay(run.pk)
    run.refresh_from_db()
    assert (run.state, run.done, run.total) == ("done", 3, 3)
    assert run.summary["incidents"] == 3


def test_reliability_settings_are_deliberate():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    for task in (tasks.recompute_incident_metrics, tasks.recompute_aggregates, tasks.recompute_all_metrics):
        assert task.autoretry_for and task.retry_backoff and task.max_retries
        assert 0 < task.soft_time_limit < task.time_limit
    assert app.conf.beat_schedule["recompute-all-metrics"]["task"] == tasks.recompute_all_metrics.name


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("staffer", password="pw", is_staff=True))
    return client


def test_staff_start_a_full_recompute_from_the_admin_and_see_its_progress(
    staff_client, wyze, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:metrics_recomputerun_start"))
    assert response.status_code == 302
    run = RecomputeRun.objects.filter(kind="full").get()
    assert (run.state, run.done, run.total) == ("done", 1, 1)
    page = staff_client.get(reverse("admin:metrics_recomputerun_changelist"))
    assert b'<progress value="1" max="1">' in page.content
    assert b"http-equiv" not in page.content  # nothing running: no refresh


def test_the_recompute_page_refreshes_while_a_run_is_in_progress(staff_client):
    RecomputeRun.objects.create(state="running", total=10, done=4)
    page = staff_client.get(reverse("admin:metrics_recomputerun_changelist"))
    assert b'<meta http-equiv="refresh"' in page.content
    assert b'<progress value="4" max="10">' in page.content


def test_starting_a_recompute_needs_a_post(staff_client):
    assert staff_client.get(reverse("admin:metrics_recomputerun_start")).status_code == 405
