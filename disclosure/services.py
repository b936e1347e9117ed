"""Writes to the core domain. The only code that creates, changes or deletes records.

Every service is keyword-only and atomic, validates with `full_clean()` before
saving, checks the acting user's permission where a role matters, and enqueues
the metrics recomputation after the transaction commits. Later history and
audit logging have this one place to hook in.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import (
    Correction,
    CorrectionCitation,
    DataClass,
    Event,
    EventCitation,
    ExposedData,
    Incident,
    Organization,
    Participant,
    Source,
)


def _require(user, perm):
    """`user=None` is the system itself (management commands, migrations)."""
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied(f"You do not have permission to do this ({perm}).")


def _require_publish_if_published(by, status):
    """Only roles that may publish can create a record directly as published."""
    if status == "published":
        _require(by, "disclosure.publish_incident")


def _assign(instance, fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def _next_position(queryset):
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 1


def incident_metrics_enqueue(*, incident_id, embargo_until=None):
    """Recompute the incident's metrics once the current transaction has committed.

    An embargo that lifts later makes the incident public without any write, so
    a second recomputation is scheduled for that instant; the hourly full
    recompute is the safety net if the worker loses it (idempotent either way).
    """
    from .tasks import recompute_incident_metrics

    transaction.on_commit(lambda: recompute_incident_metrics.delay(incident_id))
    if embargo_until is not None and embargo_until > timezone.now():
        transaction.on_commit(lambda: recompute_incident_metrics.apply_async((incident_id,), eta=embargo_until))


# --- organisations and sources -------------------------------------------


@transaction.atomic
def organization_create(*, by=None, **fields):
    _require(by, "disclosure.add_organization")
    return _assign(Organization(), fields)


@transaction.atomic
def organization_update(*, organization, by=None, **fields):
    _require(by, "disclosure.change_organization")
    return _assign(organization, fields)


@transaction.atomic
def source_create(*, by=None, **fields):
    _require(by, "disclosure.add_source")
    return _assign(Source(), fields)


@transaction.atomic
def source_update(*, source, by=None, **fields):
    _require(by, "disclosure.change_source")
    return _assign(source, fields)


# --- incidents -------------------------------------------------------------

STATUS_PERMISSIONS = {
    Incident.Status.PUBLISHED: "disclosure.publish_incident",
    Incident.Status.RETRACTED: "disclosure.retract_incident",
}


@transaction.atomic
def incident_create(*, by=None, **fields):
    _require(by, "disclosure.add_incident")
    status = fields.get("status", Incident.Status.DRAFT)
    if status in STATUS_PERMISSIONS:
        _require(by, STATUS_PERMISSIONS[status])
    incident = _assign(Incident(), fields)
    incident_metrics_enqueue(incident_id=incident.pk, embargo_until=incident.embargo_until)
    return incident


@transaction.atomic
def incident_update(*, incident, by=None, **fields):
    """Edit an incident. Changing its status needs the publishing or retracting permission."""
    _require(by, "disclosure.change_incident")
    new_status = fields.get("status", incident.status)
    if new_status != incident.status:
        _require(by, STATUS_PERMISSIONS.get(new_status, "disclosure.publish_incident"))
        if new_status == Incident.Status.RETRACTED and not fields.get("retraction_notice", incident.retraction_notice):
            raise ValidationError({"retraction_notice": "A retracted incident must say why it was retracted."})
    incident = _assign(incident, fields)
    incident_metrics_enqueue(incident_id=incident.pk, embargo_until=incident.embargo_until)
    return incident


def incident_publish(*, incident, by=None):
    return incident_update(incident=incident, by=by, status=Incident.Status.PUBLISHED)


def incident_retract(*, incident, notice, by=None):
    return incident_update(incident=incident, by=by, status=Incident.Status.RETRACTED, retraction_notice=notice)


@transaction.atomic
def incident_delete(*, incident, by=None):
    _require(by, "disclosure.delete_incident")
    incident.delete()


@transaction.atomic
def participant_add(*, incident, organization, role, by=None):
    _require(by, "disclosure.change_incident")
    participant = _assign(
        Participant(incident=incident),
        {"organization": organization, "role": role, "position": _next_position(incident.participants)},
    )
    # Reporters' aggregates depend on who took part.
    incident_metrics_enqueue(incident_id=incident.pk)
    return participant


@transaction.atomic
def exposed_data_set(*, incident, data_class, affected_count=None, affected_count_approximate=False, by=None):
    _require(by, "disclosure.change_incident")
    if isinstance(data_class, str):
        data_class = DataClass.objects.get(slug=data_class)
    row = ExposedData.objects.filter(incident=incident, data_class=data_class).first()
    row = row or ExposedData(incident=incident, data_class=data_class, position=_next_position(incident.data_exposed))
    return _assign(row, {"affected_count": affected_count, "affected_count_approximate": affected_count_approximate})


@transaction.atomic
def correction_add(*, incident, date, text, by=None):
    _require(by, "disclosure.change_incident")
    return _assign(
        Correction(incident=incident), {"date": date, "text": text, "position": _next_position(incident.corrections)}
    )


# --- timeline events -----------------------------------------------------


@transaction.atomic
def event_create(*, incident, by=None, **fields):
    _require(by, "disclosure.add_event")
    _require_publish_if_published(by, fields.get("status", Event._meta.get_field("status").default))
    fields.setdefault("position", _next_position(incident.events))
    event = _assign(Event(incident=incident), fields)
    incident_metrics_enqueue(incident_id=incident.pk)
    return event


@transaction.atomic
def event_update(*, event, by=None, **fields):
    _require(by, "disclosure.change_event")
    if fields.get("status", event.status) != event.status:
        _require(by, "disclosure.publish_incident")
    event = _assign(event, fields)
    incident_metrics_enqueue(incident_id=event.incident_id)
    return event


@transaction.atomic
def event_delete(*, event, by=None):
    _require(by, "disclosure.delete_event")
    incident_id = event.incident_id
    event.delete()
    incident_metrics_enqueue(incident_id=incident_id)


# --- citations -------------------------------------------------------------


@transaction.atomic
def citation_add(*, record, source, quote="", locator="", by=None):
    """Cite `source` on an event, correction, claim or response."""
    from claims.models import Claim, ClaimCitation, Response, ResponseCitation

    models_by_type = {
        Event: ("event", EventCitation),
        Correction: ("correction", CorrectionCitation),
        Claim: ("claim", ClaimCitation),
        Response: ("response", ResponseCitation),
    }
    field, model = models_by_type[type(record)]
    _require(by, f"{model._meta.app_label}.add_{model._meta.model_name}")
    citation = model(**{field: record})
    return _assign(
        citation,
        {"source": source, "quote": quote, "locator": locator, "position": _next_position(record.citations)},
    )
