"""What the metrics do when the core records change (connected in MetricsConfig.ready)."""

import logging
import threading
from contextlib import contextmanager

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError

from disclosure.signals import incident_changed

from .services import recompute_missed_note
from .tasks import recompute_incident_metrics, recompute_incidents_metrics

logger = logging.getLogger(__name__)


def enqueue(task, *args, **options):
    """Send a task; with the broker down, log it, carry on and return False (True when sent).

    The write that asked for it has committed and must be answered as a success. A caller
    with more to say acts on the False: an incident's recompute leaves a note (see
    `recompute_later`) that the per-minute sweep takes up when the broker returns; a job
    page says the job never started.
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


def recompute_later(incident_id, **options):
    """Queue an incident's recompute; with the broker down, note it for the per-minute sweep instead.

    The sweep (metrics.tasks.recompute_missed, celery beat) recomputes the noted incidents
    once the broker is back, so figures catch up within about a minute, not at the hourly
    full recompute (which remains the safety net).
    """
    if not enqueue(recompute_incident_metrics, incident_id, **options):
        recompute_missed_note(incident_id=incident_id)


_deferred = threading.local()


@contextmanager
def recompute_deferred():
    """Within, the incidents that change are recomputed by one task sent when the transaction commits.

    For bulk writes (interchange.bundle.import_bundle): one task recomputes every changed
    incident and then rebuilds the aggregates once, instead of one task per incident each
    followed by an aggregates rebuild. Nested uses share the outermost; an exception drops
    the batch (its writes are rolled back). With the broker down, each incident is noted
    for the per-minute sweep, as a single write's would be.
    """
    if getattr(_deferred, "ids", None) is not None:
        yield
        return
    _deferred.ids = set()
    try:
        yield
        ids = sorted(_deferred.ids)
    finally:
        _deferred.ids = None
    if ids:
        transaction.on_commit(lambda: _recompute_batch_later(ids))


def _recompute_batch_later(ids):
    if not enqueue(recompute_incidents_metrics, ids):
        for incident_id in ids:
            recompute_missed_note(incident_id=incident_id)


@receiver(incident_changed, dispatch_uid="metrics.recompute_on_change")
def recompute_after_commit(sender, *, incident_id, embargo_until=None, **kwargs):
    """Recompute the incident's metrics once the current transaction has committed.

    An embargo that lifts later makes the incident public without any write, so
    a second recomputation is scheduled for that instant; the per-minute embargo
    lift (disclosure.tasks.lift_due_embargoes) and the hourly full recompute are the
    safety nets if the worker loses it (idempotent either way).
    """
    batch = getattr(_deferred, "ids", None)
    if batch is not None:
        batch.add(incident_id)
    else:
        transaction.on_commit(lambda: recompute_later(incident_id))
    if embargo_until is not None and embargo_until > timezone.now():
        transaction.on_commit(lambda: recompute_later(incident_id, eta=embargo_until))
