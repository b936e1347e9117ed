"""Celery tasks of the core records: thin wrappers over the services (see metrics/tasks.py for the policy)."""

from celery import shared_task

from . import services

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "retry_jitter": True}


@shared_task(bind=True, max_retries=3, soft_time_limit=60, time_limit=90, **RETRY)
def lift_due_embargoes(self):
    """Log the embargoes that have lifted since the last run (celery beat, every minute).

    The lift itself needs no write: `public()` compares the embargo with the
    time. This records it (an `EmbargoLift` row, shown on the workspace's
    publish page) and has the figures recomputed; idempotent, so a late or
    repeated run logs each lift once.
    """
    return len(services.embargo_lifts_log())
