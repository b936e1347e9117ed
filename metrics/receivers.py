"""What the metrics do when the core records change (connected in MetricsConfig.ready)."""

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from disclosure.signals import incident_changed

from .tasks import recompute_incident_metrics


@receiver(incident_changed, dispatch_uid="metrics.recompute_on_change")
def recompute_after_commit(sender, *, incident_id, embargo_until=None, **kwargs):
    """Recompute the incident's metrics once the current transaction has committed.

    An embargo that lifts later makes the incident public without any write, so
    a second recomputation is scheduled for that instant; the hourly full
    recompute is the safety net if the worker loses it (idempotent either way).
    """
    transaction.on_commit(lambda: recompute_incident_metrics.delay(incident_id))
    if embargo_until is not None and embargo_until > timezone.now():
        transaction.on_commit(lambda: recompute_incident_metrics.apply_async((incident_id,), eta=embargo_until))
