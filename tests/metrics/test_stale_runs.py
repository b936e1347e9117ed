"""A worker killed mid-run (issue 14, faults): its run is marked failed within minutes, nothing is
half-written, and a redelivered task completes the same run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from metrics import services
from metrics.models import RecomputeRun
from metrics.tasks import fail_stale_runs, recompute_all_metrics
from tests.factories import EventFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_a_run_with_no_heartbeat_for_ten_minutes_is_marked_failed_once():
    now = timezone.now()
    dead = RecomputeRun.objects.create(
        state="running", started_at=now - timedelta(hours=1), heartbeat_at=now - timedelta(minutes=11)
    )
    alive = RecomputeRun.objects.create(
        state="running", started_at=now - timedelta(hours=1), heartbeat_at=now - timedelta(minutes=2)
    )
    never = RecomputeRun.objects.create(state="running", started_at=now - timedelta(minutes=30))
    fail_stale_runs.delay()
    dead.refresh_from_db(), alive.refresh_from_db(), never.refresh_from_db()
    assert (dead.state, alive.state, never.state) == ("failed", "running", "failed")
    assert "stopped" in dead.summary["error"]
    assert services.recompute_runs_fail_stale() == 0  # idempotent


def test_a_redelivered_task_completes_the_run_the_dead_worker_left(db):
    incident = IncidentFactory()
    EventFactory(incident=incident, kind="vendor_notified", at="2020-01-01T10:00")
    EventFactory(incident=incident, kind="published", at="2020-01-01T11:00")
    run = RecomputeRun.objects.create(state="failed", summary={"error": services.STALE_RUN_MESSAGE})
    recompute_all_metrics.delay(run.pk)  # the broker hands the task on after the visibility timeout
    run.refresh_from_db()
    assert run.state == "done" and run.heartbeat_at is not None and run.done == run.total == 1


def test_the_broker_redelivers_within_ten_minutes(settings):
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 600
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
