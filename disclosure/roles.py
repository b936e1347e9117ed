"""The newsroom roles and what each may change: the one permission model.

`docs/roles.md` is the same table in words. The services call `authorize_save`
and `authorize_delete` before every write, so the API, the admin and bundle
imports (and the workspace to come) are held to the same rules; the admin only
uses `may_edit` to show read-only forms instead of letting a save fail.

The roles are groups (created by migrations): a **contributor** records and
edits what the public cannot see; an **editor** also publishes and unpublishes,
edits what the public can see, sets and lifts embargoes and logs corrections;
an **admin** also retracts, deletes incidents and anything the public can see,
and edits the reference data (data classes, norms). Every newsroom role reads
every record, drafts included: a newsroom works on its stories together.

"Public-facing" below means visible to the public now *or once an embargo
lifts*: an embargoed story is published content, and a contributor must not be
able to change it behind the editor's back.
"""

from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied

from .choices import IncidentStatus, PublicationStatus

#: The newsroom's groups (made by migration 0002), from the least to the most trusted.
NEWSROOM_ROLES = ("contributor", "editor", "admin")

PUBLISH = "disclosure.publish_incident"
RETRACT = "disclosure.retract_incident"
DELETE_PUBLIC = "disclosure.delete_public_record"
DELETE_INCIDENT = "disclosure.delete_incident"

# Changing only these fields changes nothing the public can read.
PRIVATE_FIELDS = frozenset({"private_notes"})
# Kept by the services themselves; never a reason to ask for a role.
BOOKKEEPING_FIELDS = frozenset({"created_at", "updated_at", "created_by", "updated_by", "lo", "hi", "nominal"})

# Public-facing records of these kinds are only ever deleted by an admin; the
# other parts (participants, exposed data, citations) are edits of their record.
OWN_STATUS_RECORDS = ("incident", "event", "claim", "response", "correction")

# An embargo that has not lifted yet still counts: see the module's docstring.
_EVERY_EMBARGO_LIFTED = datetime.max.replace(tzinfo=UTC)

# An incident in one of these statuses is the public's (once any embargo lifts).
PUBLIC_STATUSES = (IncidentStatus.PUBLISHED, IncidentStatus.RETRACTED)


def _require(user, perm, what):
    if not user.has_perm(perm):
        raise PermissionDenied(f"Your role may not {what}.")


def _a(noun):
    """ "a claim", "an event", "an incident": the article the messages need."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _incident_public(incident):
    return incident is not None and incident.status in PUBLIC_STATUSES


def is_public_facing(record):
    """Whether the public sees `record` now or once its incident's embargo lifts."""
    name = record._meta.model_name
    if name == "incident":
        return _incident_public(record)
    if name in ("event", "claim"):
        return record.status == PublicationStatus.PUBLISHED and _incident_public(record.incident)
    if name == "response":
        return record.status == PublicationStatus.PUBLISHED and is_public_facing(record.claim)
    if name in ("participant", "exposeddata", "correction", "reportedduration"):
        return _incident_public(record.incident)
    if name.endswith("citation"):
        return is_public_facing(getattr(record, name.removesuffix("citation")))
    if name in ("organization", "source"):
        if record.pk is None:
            return False
        return type(record).objects.public(now=_EVERY_EMBARGO_LIFTED).filter(pk=record.pk).exists()
    # Reference data (data classes, norms) is shown on public pages as it is.
    return True


def _perm(record, action):
    return f"{record._meta.app_label}.{action}_{record._meta.model_name}"


def authorize_save(user, *, record, stored, changed):
    """Raise PermissionDenied unless `user` may save `record`.

    `stored` is the record as the database holds it (None for a new record) and
    `changed` the names of the fields that differ. `user=None` is the system
    itself (migrations, the bundled demo case, management commands run by the
    operator), which may do anything.
    """
    if user is None:
        return
    name = record._meta.model_name
    if stored is None:
        _require(user, _perm(record, "add"), f"add {record._meta.verbose_name_plural}")
        if is_public_facing(record):
            _require(user, PUBLISH, f"add {_a(record._meta.verbose_name)} the public can see (ask an editor)")
        elif getattr(record, "status", None) in PUBLIC_STATUSES:
            # Published inside a draft incident is not public yet, but it would become public
            # with the incident, unreviewed: publishing any record is an editor's (docs/roles.md).
            _require(user, PUBLISH, f"add {_a(record._meta.verbose_name)} already published (ask an editor)")
        if name == "incident" and record.embargo_until is not None:
            _require(user, PUBLISH, "set an embargo")
        if name == "incident" and record.status == IncidentStatus.RETRACTED:
            _require(user, RETRACT, "retract an incident")
        return
    _require(user, _perm(record, "change"), f"change {record._meta.verbose_name_plural}")
    if "status" in changed:
        if IncidentStatus.RETRACTED in (stored.status, record.status):
            _require(user, RETRACT, "retract an incident or undo a retraction")
        # draft <-> review is a contributor's; anything to or from the public statuses is not.
        if {stored.status, record.status} & set(PUBLIC_STATUSES):
            _require(user, PUBLISH, f"publish or unpublish {_a(record._meta.verbose_name)}")
    if "embargo_until" in changed:
        _require(user, PUBLISH, "set or lift an embargo")
    if changed - PRIVATE_FIELDS and (is_public_facing(stored) or is_public_facing(record)):
        _require(user, PUBLISH, f"change {_a(record._meta.verbose_name)} the public can see (ask an editor)")


def authorize_delete(user, *, record):
    """Raise PermissionDenied unless `user` may delete `record` (see the module docstring)."""
    if user is None:
        return
    name = record._meta.model_name
    _require(user, _perm(record, "delete"), f"delete {record._meta.verbose_name_plural}")
    if is_public_facing(record):
        if name in OWN_STATUS_RECORDS:
            _require(user, DELETE_PUBLIC, f"delete a {record._meta.verbose_name} the public can see (ask an admin)")
        else:
            _require(user, PUBLISH, f"remove a {record._meta.verbose_name} the public can see (ask an editor)")


def authorize_import(user, *, replace=False):
    """Raise PermissionDenied unless `user` may import a bundle (each record is then checked as it is written).

    Replace mode deletes what the bundle does not list, so it is an admin's.
    """
    if user is None:
        return
    _require(user, "disclosure.add_incident", "import bundles")
    if replace:
        _require(
            user, DELETE_PUBLIC, "import in replace mode, which deletes what the bundle does not list (ask an admin)"
        )


def may_edit(user, record):
    """Whether `user` may change `record` at all (the admin shows a read-only form otherwise)."""
    if user is None:
        return True
    if not user.has_perm(_perm(record, "change")):
        return False
    return user.has_perm(PUBLISH) or record.pk is None or not is_public_facing(record)
