"""Celery tasks: thin wrappers that take an id, call a service and own the retry policy."""

from celery import shared_task

from . import metrics


@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def recompute_incident_metrics(self, incident_id):
    metrics.incident_metrics_recompute(incident_id=incident_id)


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def recompute_all_metrics(self):
    metrics.metrics_recompute_all()
