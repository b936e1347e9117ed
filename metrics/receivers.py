"""What the metrics do when the core records change (connected in MetricsConfig.ready)."""

import logging

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError

from disclosure.signals import incident_changed

from .tasks import recompute_incident_metrics

logger = logging.getLogger(__name__)


def enqueue(task, *args, **options):
    """Send a task; with the broker down, log it, carry on and return False (True when sent).

    The write that asked for it has committed and must be answered as a success: its
    figures catch up when the broker returns, at the hourly full recompute (celery beat),
    which recomputes every incident whose figures moved. A caller with more to say (a job
    page) acts on the False.
    """
    try:
        if options:
            task.apply_async(args, **options)
        else:
            task.delay(*args)
    except OperationalError:
        logger.warning("broker unreachable: %s%r not queued", task.name, args)
        return False
    return True


@receiver(incident_changed, dispatch_uid="metrics.recompute_on_change")
def recompute_after_commit(sender, *, incident_id, embargo_until=None, **kwargs):
    """Recompute the incident's metrics once the current transaction has committed.

    An embargo that lifts later makes the incident public without any write, so
    a second recomputation is scheduled for that instant; the hourly full
    recompute is the safety net if the worker loses it (idempotent either way).
    """
    transaction.on_commit(lambda: enqueue(recompute_incident_metrics, incident_id))
    if embargo_until is not None and embargo_until > timezone.now():
        transaction.on_commit(lambda: enqueue(recompute_incident_metrics, incident_id, eta=embargo_until))
