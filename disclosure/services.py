"""Writes to the core domain. The only code that creates, changes or deletes records.

Every service is keyword-only and atomic, validates with `full_clean()` before
saving, checks the acting user's permission where a role matters, and enqueues
the metrics recomputation after the transaction commits. Later history and
audit logging have this one place to hook in.
"""

import contextlib
import contextvars
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import roles
from .choices import PublicationStatus
from .models import (
    Correction,
    DataClass,
    Event,
    ExposedData,
    Incident,
    Organization,
    Participant,
    Source,
)
from .signals import incident_changed

# --- the one write path ------------------------------------------------------
#
# Every service below, the admin, the API and the bundle import save and delete
# records through `record_save` and `record_delete`: they check the role table
# (roles.py) against the record as stored, validate, stamp who and when, name
# the user in the record's history, and keep published records cited.

CITED_KINDS = ("event", "claim", "response")

_deferred = contextvars.ContextVar("deferred_citation_checks", default=None)


@dataclass(frozen=True)
class Saved:
    instance: object
    created: bool
    changed: frozenset  # names of the fields that changed; empty when nothing did


def _editable_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in roles.BOOKKEEPING_FIELDS and f.editable
    ]


def _changed(stored, instance):
    if stored is None:
        return frozenset(f.name for f in _editable_fields(type(instance)))
    return frozenset(
        f.name for f in _editable_fields(type(instance)) if getattr(stored, f.attname) != getattr(instance, f.attname)
    )


def _touch_incident(record, by, now):
    """A change the public can read in a part of an incident moves the incident's `updated_at` too.

    Feeds and the sitemap read the incident's stamp, so a corrected event time
    shows up there; a plain UPDATE, because it is bookkeeping, not an edit.
    """
    incident_id = None
    name = record._meta.model_name
    if name in ("event", "claim", "participant", "exposeddata", "correction"):
        incident_id = record.incident_id
    elif name == "response":
        incident_id = record.claim.incident_id
    elif name.endswith("citation"):
        parent = getattr(record, name.removesuffix("citation"))
        incident_id = parent.claim.incident_id if name == "responsecitation" else parent.incident_id
    if incident_id is not None:
        Incident.objects.filter(pk=incident_id).update(updated_at=now)


def _cited_record(record):
    """The event, claim or response whose citations `record` is (or which it is)."""
    name = record._meta.model_name
    if name in CITED_KINDS:
        return record
    if name.removesuffix("citation") in CITED_KINDS:
        return getattr(record, name.removesuffix("citation"))
    return None


def check_cited(record):
    """A published event, claim or response cites at least one source (bundle-v1.md), wherever it is written.

    A response counts as published once its claim is (a draft claim's responses
    are drafts of the story), so publishing a claim checks its responses too.
    """
    record = type(record).objects.filter(pk=record.pk).first()
    if record is None or record.status != PublicationStatus.PUBLISHED:
        return
    name = record._meta.model_name
    if name == "response" and record.claim.status != PublicationStatus.PUBLISHED:
        return
    if not record.citations.exists():
        raise ValidationError(
            {"citations": f"A published {record._meta.verbose_name} must cite at least one source; add one first."}
        )
    if name == "claim":
        uncited = record.responses.filter(status=PublicationStatus.PUBLISHED, citations__isnull=True).first()
        if uncited is not None:
            raise ValidationError(
                {
                    "citations": f"The published response of {uncited.responder} must cite a source before its claim is published."
                }
            )


def _check_or_defer(record):
    pending = _deferred.get()
    if pending is None:
        check_cited(record)
    else:
        pending.append((type(record), record.pk))


@contextlib.contextmanager
def deferred_checks():
    """Check citations when a multi-step write ends, not at each step.

    A bundle or an admin form writes a published event before its citations;
    the rule holds for the whole write, checked before its transaction commits.
    """
    if _deferred.get() is not None:
        yield
        return
    pending = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    for model, pk in dict.fromkeys(pending):
        check_cited(model(pk=pk))


@transaction.atomic
def record_save(*, instance, fields=None, by=None):
    """Create or change one record: the write path of every service, the admin and imports.

    `instance` may already carry new values (an admin form sets them); `fields`
    are set on it first. The stored row is read again to decide what changed and
    whether `by` may change it (roles.py). Nothing is written when nothing
    changed. Raises PermissionDenied or ValidationError and writes nothing.
    """
    model = type(instance)
    stored = model._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    for name, value in (fields or {}).items():
        setattr(instance, name, value)
    instance.full_clean()
    changed = _changed(stored, instance)
    if stored is not None and not changed:
        return Saved(instance, created=False, changed=frozenset())
    roles.authorize_save(by, record=instance, stored=stored, changed=changed)
    now = timezone.now()
    public_change = stored is None or bool(changed - roles.PRIVATE_FIELDS)
    if stored is None:
        instance.created_at = now
        instance.created_by = by
    if public_change:
        instance.updated_at = now
        instance.updated_by = by
    instance._history_user = by
    instance.save()
    if public_change and stored is not None:
        _touch_incident(instance, by, now)
    # Adding or editing a citation cannot leave its record uncited; a new or re-statused record can.
    if instance._meta.model_name in CITED_KINDS and (stored is None or "status" in changed):
        _check_or_defer(instance)
    return Saved(instance, created=stored is None, changed=changed)


@transaction.atomic
def record_delete(*, instance, by=None):
    """Delete one record (and what cascades from it), if `by` may; history keeps a copy with its author."""
    roles.authorize_delete(by, record=instance)
    cited = _cited_record(instance)
    if cited is instance:
        cited = None
    if roles.is_public_facing(instance) and instance._meta.model_name != "incident":
        _touch_incident(instance, by, timezone.now())
    instance._history_user = by
    instance.delete()
    if cited is not None:
        _check_or_defer(cited)


def _assign(instance, fields, by=None):
    return record_save(instance=instance, fields=fields, by=by).instance


def _next_position(queryset):
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 1


def incident_metrics_enqueue(*, incident_id, embargo_until=None):
    """Say that an incident's figures may have changed: the metrics app recomputes them after the commit.

    `disclosure` does not know about metrics (they sit in a higher layer); it
    sends `incident_changed`, and `metrics.receivers` enqueues the work.
    """
    incident_changed.send(sender=Incident, incident_id=incident_id, embargo_until=embargo_until)


# --- organisations and sources -------------------------------------------


def organization_create(*, by=None, **fields):
    return _assign(Organization(), fields, by)


def organization_update(*, organization, by=None, **fields):
    return _assign(organization, fields, by)


def source_create(*, by=None, **fields):
    return _assign(Source(), fields, by)


def source_update(*, source, by=None, **fields):
    return _assign(source, fields, by)


# --- incidents -------------------------------------------------------------


@transaction.atomic
def incident_create(*, by=None, participants=(), data_exposed=(), **fields):
    """Create an incident with its participants and exposed data (as `participant_add` and
    `exposed_data_set` take them), all or nothing; errors in the lists are located as in
    `incident_update`."""
    incident = _assign(Incident(), fields, by)
    incident_metrics_enqueue(incident_id=incident.pk, embargo_until=incident.embargo_until)
    return incident_update(incident=incident, by=by, participants=participants, data_exposed=data_exposed)


@transaction.atomic
def incident_update(*, incident, by=None, participants=(), data_exposed=(), **fields):
    """Edit an incident and add participants and exposed data (each item as `participant_add` and
    `exposed_data_set` take it), all or nothing. Its status and embargo, and anything the public
    can see, need an editor (roles.py).

    A ValidationError about an item is keyed by its place in the lists, `participants[0]` or
    `data_exposed[1].affected_count`, so callers can point at the value at fault.
    """
    if fields:
        saved = record_save(instance=incident, fields=fields, by=by)
        if saved.changed:
            incident_metrics_enqueue(incident_id=incident.pk, embargo_until=incident.embargo_until)
    for name, add, items in (
        ("participants", participant_add, participants),
        ("data_exposed", exposed_data_set, data_exposed),
    ):
        for i, item in enumerate(items):
            path = f"{name}[{i}]"
            try:
                add(incident=incident, by=by, **item)
            except ValidationError as exc:
                errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
                raise ValidationError(
                    {path if field == NON_FIELD_ERRORS else f"{path}.{field}": e for field, e in errors.items()}
                ) from exc
    return incident


def incident_publish(*, incident, by=None):
    return incident_update(incident=incident, by=by, status=Incident.Status.PUBLISHED)


def incident_retract(*, incident, notice, by=None):
    return incident_update(incident=incident, by=by, status=Incident.Status.RETRACTED, retraction_notice=notice)


def incident_delete(*, incident, by=None):
    record_delete(instance=incident, by=by)


@transaction.atomic
def participant_add(*, incident, organization, role, by=None):
    participant = _assign(
        Participant(incident=incident),
        {"organization": organization, "role": role, "position": _next_position(incident.participants)},
        by,
    )
    # Reporters' aggregates depend on who took part.
    incident_metrics_enqueue(incident_id=incident.pk)
    return participant


@transaction.atomic
def exposed_data_set(*, incident, data_class, affected_count=None, affected_count_approximate=False, by=None):
    if isinstance(data_class, str):
        data_class = DataClass.objects.get(slug=data_class)
    row = ExposedData.objects.filter(incident=incident, data_class=data_class).first()
    row = row or ExposedData(incident=incident, data_class=data_class, position=_next_position(incident.data_exposed))
    return _assign(
        row, {"affected_count": affected_count, "affected_count_approximate": affected_count_approximate}, by
    )


def correction_add(*, incident, date, text, by=None):
    return _assign(
        Correction(incident=incident),
        {"date": date, "text": text, "position": _next_position(incident.corrections)},
        by,
    )


# --- timeline events -----------------------------------------------------


@transaction.atomic
def event_create(*, incident, by=None, citations=(), **fields):
    """Add an event; `citations` ({source, quote, locator}) are added with it, so it can be created published."""
    fields.setdefault("position", _next_position(incident.events))
    with deferred_checks():
        event = _assign(Event(incident=incident), fields, by)
        for citation in citations:
            citation_add(record=event, by=by, **citation)
    incident_metrics_enqueue(incident_id=incident.pk)
    return event


@transaction.atomic
def event_update(*, event, by=None, **fields):
    event = _assign(event, fields, by)
    incident_metrics_enqueue(incident_id=event.incident_id)
    return event


@transaction.atomic
def event_delete(*, event, by=None):
    incident_id = event.incident_id
    record_delete(instance=event, by=by)
    incident_metrics_enqueue(incident_id=incident_id)


# --- citations -------------------------------------------------------------


def citation_model(record):
    """The citation model of an event, correction, claim or response, and its field naming the record."""
    name = record._meta.model_name
    return record.citations.model, name


def citation_add(*, record, source, quote="", locator="", by=None):
    """Cite `source` on an event, correction, claim or response."""
    model, field = citation_model(record)
    return _assign(
        model(**{field: record}),
        {"source": source, "quote": quote, "locator": locator, "position": _next_position(record.citations)},
        by,
    )
