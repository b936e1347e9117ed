"""Celery tasks: thin wrappers that take an id, call a service and own the retry policy.

Reliability (with the CELERY_* settings): every task is idempotent, so it is
acknowledged late and requeued if its worker dies (`acks_late`,
`reject_on_worker_lost` in settings); a failure (a lock timeout, a lost database
connection) is retried with exponential backoff and jitter; the time limits are
per task, sized to the work: one incident is a handful of queries, the full
recompute of tens of thousands of incidents takes minutes at worst.
"""

from datetime import datetime

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import services as metrics
from .models import RecomputeRun

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "retry_jitter": True}


@shared_task(bind=True, max_retries=5, soft_time_limit=60, time_limit=90, **RETRY)
def recompute_incident_metrics(self, incident_id):
    metrics.incident_metrics_recompute(incident_id=incident_id)
    # Aggregates follow in their own task, debounced: see metrics.aggregates_recompute_if_stale.
    try:
        recompute_aggregates.delay(timezone.now().isoformat())
    except OperationalError:  # the broker went down meanwhile: the sweep redoes this incident and the aggregates
        metrics.recompute_missed_note(incident_id=incident_id)


@shared_task(bind=True, max_retries=5, soft_time_limit=1800, time_limit=1900, **RETRY)
def recompute_incidents_metrics(self, incident_ids):
    """Many incidents changed together (a bulk import): each recomputed, then the aggregates once.

    Sent by `metrics.receivers.recompute_deferred`; without it, each incident's own task
    would rebuild the aggregates (every one of them, when tasks run eagerly), which made a
    900-record import four times slower.
    """
    for incident_id in incident_ids:
        metrics.incident_metrics_recompute(incident_id=incident_id)
    try:
        recompute_aggregates.delay(timezone.now().isoformat())
    except OperationalError:
        for incident_id in incident_ids:
            metrics.recompute_missed_note(incident_id=incident_id)


@shared_task(bind=True, max_retries=5, soft_time_limit=300, time_limit=360, **RETRY)
def recompute_aggregates(self, requested_at):
    metrics.aggregates_recompute_if_stale(requested_at=datetime.fromisoformat(requested_at))


@shared_task(bind=True, max_retries=3, soft_time_limit=1800, time_limit=1900, **RETRY)
def recompute_all_metrics(self, run_id=None):
    """The periodic full recompute (celery beat), also started from the admin with a RecomputeRun to report to."""
    run = RecomputeRun.objects.filter(pk=run_id).first() if run_id else None
    metrics.metrics_recompute_all(run=run)


@shared_task(bind=True, max_retries=0, soft_time_limit=300, time_limit=360)
def recompute_missed(self):
    """Every minute (celery beat): recompute the incidents whose recompute could not be queued.

    Their notes are left by metrics.receivers while the broker was down, so figures catch up
    within about a minute of its return. Not retried: the next minute's run is the retry.
    """
    return metrics.recompute_missed_sweep()


@shared_task(bind=True, max_retries=3, soft_time_limit=60, time_limit=90, **RETRY)
def fail_stale_runs(self):
    """Every few minutes (celery beat): runs whose worker died are marked failed, not "running" forever."""
    metrics.recompute_runs_fail_stale()
