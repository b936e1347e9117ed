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
    if name in ("event", "claim", "participant", "exposeddata", "correction", "reportedduration"):
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


# --- accounts --------------------------------------------------------------
#
# Only an admin (a superuser, or a member of the "admin" group) manages the
# newsroom's accounts; `by=None` is the system (the operator's management
# commands), as for every other service. Accounts have no history table: the
# groups and the `is_active` flag are the whole record.

from django.contrib.auth import get_user_model  # noqa: E402  (appended section: accounts)
from django.contrib.auth.models import Group  # noqa: E402
from django.core.exceptions import PermissionDenied  # noqa: E402


def _account_admin_required(by):
    if by is None:
        return
    if not (by.is_active and (by.is_superuser or by.groups.filter(name="admin").exists())):
        raise PermissionDenied("Only an admin may manage accounts.")


def _newsroom_role(role):
    if role not in roles.NEWSROOM_ROLES:
        raise ValidationError({"role": f"Choose a role: {', '.join(roles.NEWSROOM_ROLES)}."})
    return Group.objects.get(name=role)


def _not_yourself(user, by, what):
    if by is not None and user.pk == by.pk:
        raise PermissionDenied(f"You may not {what} your own account; ask another admin.")


def _not_superuser(user, what):
    if user.is_superuser:
        raise PermissionDenied(
            f"{user.get_username()} is a superuser, who may do everything; {what} in the Django admin instead."
        )


@transaction.atomic
def account_create(*, username, email, role, by, password=None):
    """Create a newsroom account (staff, in one role's group).

    Without `password` the account gets none it could sign in with: its owner
    chooses one from the password-reset mail, so an email address is required.
    """
    _account_admin_required(by)
    User = get_user_model()
    group = _newsroom_role(role)
    email = User.objects.normalize_email((email or "").strip())
    username = (username or "").strip()
    if password is None and not email:
        raise ValidationError({"email": "Give an email address: the new account chooses its password from a mail."})
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Another account already uses this email address."})
    user = User(username=username, email=email, is_staff=True, is_active=True)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(group)
    return user


@transaction.atomic
def account_set_role(*, user, role, by):
    """Give `user` exactly one newsroom role (other, non-newsroom groups are kept)."""
    _account_admin_required(by)
    group = _newsroom_role(role)
    _not_yourself(user, by, "change the role of")
    _not_superuser(user, "change their role")
    user.groups.remove(*Group.objects.filter(name__in=roles.NEWSROOM_ROLES).exclude(pk=group.pk))
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


@transaction.atomic
def account_deactivate(*, user, by):
    """Switch an account off: it can no longer sign in, and what it wrote keeps its name."""
    _account_admin_required(by)
    _not_yourself(user, by, "deactivate")
    _not_superuser(user, "deactivate them")
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def account_reactivate(*, user, by):
    """Switch a deactivated account back on, with the role it had."""
    _account_admin_required(by)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


# --- history: restore a version, restore a deletion ---------------------------
#
# django-simple-history keeps every version; these rebuild a record from one of
# them and write it back through `record_save`, so the role table applies and the
# restore is itself a new version, by the restorer.

# Cascaded children deleted within this many seconds of their record count as "deleted with it".
_DELETED_WITH_SECONDS = 60


def _incident_id_of(record):
    name = record._meta.model_name
    if name == "incident":
        return record.pk
    if hasattr(record, "incident_id"):
        return record.incident_id
    if name == "response":
        return record.claim.incident_id
    if name.endswith("citation"):
        return _incident_id_of(getattr(record, name.removesuffix("citation")))
    return None


def _restored_reason(historical_record, verb):
    when = timezone.localtime(historical_record.history_date).strftime("%Y-%m-%d %H:%M")
    return f"{verb} the version of {when}"[:100]


@transaction.atomic
def record_restore(*, historical_record, by=None):
    """Put a record back as `historical_record` (one of its versions) had it; return `Saved`.

    Only what an editor could type is restored (not the bookkeeping stamps), and
    through `record_save`: a contributor may restore a draft, not a version of what
    the public can see. The record must exist: a deleted one is `record_undelete`d.
    """
    model = historical_record.instance_type
    instance = model._default_manager.filter(pk=historical_record.id).first()
    if instance is None:
        raise ValidationError("This record has been deleted: restore the deletion first.")
    if historical_record.history_type == "-":
        raise ValidationError("That version is the record's deletion: pick a version before it.")
    fields = {f.attname: getattr(historical_record, f.attname) for f in _editable_fields(model)}
    instance._change_reason = _restored_reason(historical_record, "Restored")
    with deferred_checks():
        saved = record_save(instance=instance, fields=fields, by=by)
    if saved.changed and (incident_id := _incident_id_of(instance)) is not None:
        incident_metrics_enqueue(incident_id=incident_id)
    return saved


def _missing_parent(model, historical_record):
    """The plain-words reason a record cannot come back while what it belongs to is gone, or None."""
    from django.db.models import CASCADE  # here: this section was appended below the module's imports

    for field in model._meta.concrete_fields:
        if not field.many_to_one or field.remote_field.on_delete is not CASCADE:
            continue
        value = getattr(historical_record, field.attname)
        if value is not None and not field.related_model._default_manager.filter(pk=value).exists():
            return f"The {field.related_model._meta.verbose_name} it belonged to was deleted too: restore that first."
    return None


def _undelete(historical_record, by, restored):
    from datetime import timedelta

    from django.db.models import CASCADE  # here: this section was appended below the module's imports

    model = historical_record.instance_type
    if model._default_manager.filter(pk=historical_record.id).exists():
        raise ValidationError(f"This {model._meta.verbose_name} exists: there is no deletion to undo.")
    if problem := _missing_parent(model, historical_record):
        raise ValidationError(problem)
    # A deletion entry holds the fields as they were when the record went.
    instance = historical_record.instance
    instance._state.adding = True
    instance._change_reason = "Restored after its deletion"
    record_save(instance=instance, fields={}, by=by)
    # The record comes back as it was first created, not as new.
    model._default_manager.filter(pk=instance.pk).update(
        created_at=historical_record.created_at, created_by_id=historical_record.created_by_id
    )
    restored.append(instance)
    deleted_at, window = historical_record.history_date, timedelta(seconds=_DELETED_WITH_SECONDS)
    for rel in model._meta.related_objects:
        child = rel.related_model
        if rel.on_delete is not CASCADE or not hasattr(child, "history"):
            continue
        rows = child.history.filter(
            **{rel.field.attname: instance.pk},
            history_type="-",
            history_date__gte=deleted_at - window,
            history_date__lte=deleted_at + window,
        ).order_by("history_date", "history_id")
        for row in rows:
            latest = child.history.filter(id=row.id).order_by("-history_date", "-history_id").first()
            if latest.history_id == row.history_id and not child._default_manager.filter(pk=row.id).exists():
                _undelete(row, by, restored)


@transaction.atomic
def record_undelete(*, historical_record, by=None):
    """Re-create a deleted record from its deletion entry, with its old primary key and fields.

    What was deleted with it (its citations, a claim's responses, an incident's
    parts: anything that cascaded and whose history shows it went at the same
    time) comes back with it. Each record is written through `record_save`, so
    the role table applies (bringing back what the public would see needs an
    editor) and a refused restore changes nothing. Return the restored records,
    the requested one first.
    """
    restored = []
    with deferred_checks():
        _undelete(historical_record, by, restored)
    incident_ids = {i for i in (_incident_id_of(r) for r in restored) if i is not None}
    for incident_id in incident_ids:
        incident_metrics_enqueue(incident_id=incident_id)
    return restored


# --- publishing an incident with its parts, and the embargo-lift log ------------------------

_KEEP = object()

# The parts an incident is published with, in the order they are published (a claim before its responses).
PUBLISHABLE_PARTS = ("event", "claim", "response")


def part_label(record):
    """A part named as the newsroom knows it: "Event 'ipvm-support-ticket'", "Response of Wyze to claim 'x'"."""
    name = record._meta.model_name
    if name == "response":
        return f"Response of {record.responder} to claim '{record.claim.key}'"
    return f"{record._meta.verbose_name.capitalize()} '{record.key}'"


def _incident_of(record):
    return record.claim.incident_id if record._meta.model_name == "response" else record.incident_id


def publication_blockers(*, incident, parts=()):
    """What would be public without citing a source once `incident` is published with `parts`, named.

    The incident's events and claims already published or among `parts`; their
    responses likewise, once their claim is public. Three queries, however many
    parts. An empty list means nothing blocks.
    """
    chosen = {(p._meta.model_name, p.pk) for p in parts}

    def public(record):
        if record._meta.model_name == "response" and not public(record.claim):
            return False
        return record.status == PublicationStatus.PUBLISHED or (record._meta.model_name, record.pk) in chosen

    Response = incident.claims.model.responses.rel.related_model
    uncited = [
        *incident.events.filter(citations__isnull=True).order_by("position", "id"),
        *incident.claims.filter(citations__isnull=True).order_by("position", "id"),
        *Response.objects.filter(claim__incident=incident, citations__isnull=True)
        .select_related("claim", "responder")
        .order_by("claim__position", "position", "id"),
    ]
    return [f"{part_label(r)} cites no source" for r in uncited if public(r)]


@transaction.atomic
def incident_publish_with_parts(*, incident, parts=(), by=None, embargo_until=_KEEP):
    """Publish `incident` and its draft `parts` (events, claims, responses) in one step, all or nothing.

    Each part is saved published through `record_save`, then the incident is
    published (with `embargo_until` set too, when given: None lifts it). A
    public record without a citation refuses the whole publication with a
    ValidationError naming it (`publication_blockers`); the role table applies
    to every write (PermissionDenied). Returns the incident.
    """
    parts = sorted(parts, key=lambda p: PUBLISHABLE_PARTS.index(p._meta.model_name))
    foreign = [part_label(p) for p in parts if _incident_of(p) != incident.pk]
    if foreign:
        raise ValidationError({"parts": [f"{label} is not a part of this incident." for label in foreign]})
    blockers = publication_blockers(incident=incident, parts=parts)
    if blockers:
        raise ValidationError({"parts": [f"{b}: add a citation first, or leave it in draft." for b in blockers]})
    with deferred_checks():
        for part in parts:
            record_save(instance=part, fields={"status": PublicationStatus.PUBLISHED}, by=by)
        if embargo_until is _KEEP:
            incident_publish(incident=incident, by=by)
        else:
            incident_update(incident=incident, by=by, status=Incident.Status.PUBLISHED, embargo_until=embargo_until)
    # The parts' figures change even when the incident itself was already published.
    incident_metrics_enqueue(incident_id=incident.pk, embargo_until=incident.embargo_until)
    return incident


@transaction.atomic
def embargo_lifts_log(*, now=None):
    """Log every embargo that has lifted and is not logged yet, and have the figures recomputed.

    An incident's embargo lifts when it is published (or retracted) and its
    `embargo_until` has passed; one EmbargoLift row per incident and instant,
    so running this twice logs nothing twice. Returns the new rows.
    """
    from django.db.models import Exists, OuterRef

    from .models import EmbargoLift

    now = now or timezone.now()
    logged = EmbargoLift.objects.filter(incident=OuterRef("pk"), embargo_until=OuterRef("embargo_until"))
    due = (
        Incident.objects.filter(status__in=roles.PUBLIC_STATUSES, embargo_until__lte=now)
        .filter(~Exists(logged))
        .only("pk", "embargo_until")
    )
    lifts = [EmbargoLift(incident=i, embargo_until=i.embargo_until, lifted_at=now) for i in due]
    EmbargoLift.objects.bulk_create(lifts, ignore_conflicts=True)
    for lift in lifts:
        incident_metrics_enqueue(incident_id=lift.incident_id)
    return lifts
