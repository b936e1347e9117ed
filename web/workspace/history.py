"""Workspace: history (every change with who, when and what; restore a version; restore a deletion).

django-simple-history keeps a version of every record at each save and delete
made through the services, with the user. These pages read those versions (a
fixed number of queries per page, whatever the number of changes) and restore
through `disclosure.services.record_restore` / `record_undelete`, so the role
table applies. History is the newsroom's: nothing here is linked from the
public site, the feeds, the API or the exports.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import CharField, Exists, OuterRef, Q, Subquery, Value
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from claims.models import Claim, ClaimCitation, Response, ResponseCitation
from disclosure import roles, services
from disclosure.models import (
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
from disclosure.selectors import incidents_visible_to

from .base import workspace_page

PER_PAGE = 50

# Every kind of record whose history the workspace shows, by its model name (the `kind` in the URLs).
KINDS = {
    model._meta.model_name: model
    for model in (
        Incident,
        Event,
        Claim,
        Response,
        Participant,
        ExposedData,
        Correction,
        EventCitation,
        CorrectionCitation,
        ClaimCitation,
        ResponseCitation,
        Organization,
        Source,
    )
}
# The parts of an incident, and the field naming what each belongs to (the record it goes with if deleted).
PARENTS = {
    "event": ("incident_id", Incident),
    "claim": ("incident_id", Incident),
    "participant": ("incident_id", Incident),
    "exposeddata": ("incident_id", Incident),
    "correction": ("incident_id", Incident),
    "response": ("claim_id", Claim),
    "eventcitation": ("event_id", Event),
    "correctioncitation": ("correction_id", Correction),
    "claimcitation": ("claim_id", Claim),
    "responsecitation": ("response_id", Response),
}
INCIDENT_KINDS = ("incident", *PARENTS)
# Foreign keys shown by name (the others point at the record a part belongs to, and never change).
NAMED = {Organization: "name", Source: "title", DataClass: "name"}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
CONTEXT = 16  # words (and spaces) kept either side of a change in a word diff
LONG_TEXT = 80  # a changed text (any TextField, or a value longer than this) is shown as a word diff


def _history(kind):
    return KINDS[kind].history.model.objects


def _model_or_404(kind):
    if kind not in KINDS:
        raise Http404("No such kind of record.")
    return KINDS[kind]


def _of_incident(kind, incident_id):
    """The versions of `kind` that belong to the incident, deleted records included."""
    rows = _history(kind)
    if kind == "incident":
        return rows.filter(id=incident_id)
    attname, parent = PARENTS[kind]
    if parent is Incident:
        return rows.filter(incident_id=incident_id)
    parent_kind = parent._meta.model_name
    return rows.filter(**{f"{attname}__in": _of_incident(parent_kind, incident_id).values("id")})


def _page_of_keys(querysets, page_number):
    """One page of (kind, history_id) over several kinds' versions, newest first: one query, plus the count."""
    parts = [
        qs.order_by()
        .annotate(record_kind=Value(kind, output_field=CharField()))
        .values("history_date", "history_id", "record_kind")
        for kind, qs in querysets.items()
    ]
    union = parts[0].union(*parts[1:], all=True).order_by("-history_date", "record_kind", "-history_id")
    return Paginator(union, PER_PAGE).get_page(page_number)


def _fetch(keys, *, with_previous):
    """The versions named by `keys` with their authors (and the version before each): two queries per kind."""
    by_kind = {}
    for key in keys:
        by_kind.setdefault(key["record_kind"], []).append(key["history_id"])
    rows, previous = {}, {}
    for kind, ids in by_kind.items():
        qs = _history(kind).filter(history_id__in=ids).select_related("history_user")
        if with_previous:
            before = (
                _history(kind)
                .filter(id=OuterRef("id"))
                .filter(
                    Q(history_date__lt=OuterRef("history_date"))
                    | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
                )
            )
            qs = qs.annotate(prev_id=Subquery(before.order_by("-history_date", "-history_id").values("history_id")[:1]))
        found = list(qs)
        rows.update({(kind, row.history_id): row for row in found})
        prev_ids = [row.prev_id for row in found if with_previous and row.prev_id]
        if prev_ids:
            previous.update({(kind, p.history_id): p for p in _history(kind).filter(history_id__in=prev_ids)})
    return [
        rows[(k["record_kind"], k["history_id"])] for k in keys if (k["record_kind"], k["history_id"]) in rows
    ], previous


# --- what changed -------------------------------------------------------------


def _shown_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.editable
        and f.name not in roles.BOOKKEEPING_FIELDS
        and (not f.is_relation or f.related_model in NAMED)
    ]


def _names(rows):
    """{(model, pk): name} for every organisation, source and data class the versions point at: ≤ 3 queries."""
    wanted = {}
    for row in rows:
        for f in _shown_fields(row.instance_type):
            if f.is_relation and getattr(row, f.attname) is not None:
                wanted.setdefault(f.related_model, set()).add(getattr(row, f.attname))
    names = {}
    for model, ids in wanted.items():
        for pk, name in model.objects.filter(pk__in=ids).values_list("pk", NAMED[model]):
            names[(model, pk)] = name
    return names


def _shown(f, value, names):
    if value is None or value == "":
        return ""
    if f.is_relation:
        return names.get((f.related_model, value), f"#{value} (deleted)")
    if f.choices:
        return dict(f.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
    return str(value)


def word_diff(old, new):
    """`old` and `new` as one text: removed words in <del>, added words in <ins>."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    out = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            same = a[i1:i2]
            if len(same) > 2 * CONTEXT + 8:
                # A long unchanged run keeps a few words either side of the changes around it.
                head = same[:CONTEXT] if n > 0 else []
                tail = same[-CONTEXT:] if n < len(opcodes) - 1 else []
                same = [*head, " … ", *tail]
            out.append(escape("".join(same)))
            continue
        if i2 > i1:
            out.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


@dataclass
class Change:
    label: str
    old: str
    new: str
    diff: str = ""


@dataclass
class Entry:
    kind: str
    row: object
    label: str
    action: str
    changes: list = field(default_factory=list)
    earlier_missing: bool = False
    restore_url: str = ""  # POST here to put the record back as this version had it
    undelete_url: str = ""  # POST here to bring the deleted record back
    current: bool = False

    @property
    def kind_label(self):
        return self.row.instance_type._meta.verbose_name

    @property
    def url(self):
        return reverse("workspace:record-history", kwargs={"kind": self.kind, "pk": self.row.id})


def _changes(row, prev, names):
    changes = []
    for f in _shown_fields(row.instance_type):
        new = _shown(f, getattr(row, f.attname), names)
        old = _shown(f, getattr(prev, f.attname), names) if prev is not None else ""
        if old == new or (prev is None and new == "no"):
            continue
        change = Change(f.verbose_name, old, new)
        if old and new and (f.get_internal_type() == "TextField" or max(len(old), len(new)) > LONG_TEXT):
            change.diff = word_diff(old, new)
        changes.append(change)
    return changes


def _label(kind, row, names):
    """A few words naming the version's record, read from the version itself (no query)."""

    def named(model, pk):
        return names.get((model, pk), f"#{pk}")

    def display(name):
        f = row.instance_type._meta.get_field(name)
        return dict(f.flatchoices).get(getattr(row, name), getattr(row, name))

    if kind == "incident":
        return row.title
    if kind == "event":
        return f"{display('kind')} ({row.at}) · {row.key}"
    if kind == "claim":
        return row.statement[:80]
    if kind == "response":
        return f"{named(Organization, row.responder_id)}: {display('stance')}"
    if kind == "participant":
        return f"{named(Organization, row.organization_id)} ({display('role')})"
    if kind == "exposeddata":
        return named(DataClass, row.data_class_id)
    if kind == "correction":
        return f"Correction of {row.date}"
    if kind.endswith("citation"):
        source = named(Source, row.source_id)
        return f"{source} ({row.locator})" if row.locator else source
    if kind == "organization":
        return row.name
    return row.title


def _entries(rows, previous, kind_of):
    names = _names([*rows, *previous.values()])
    entries = []
    for row in rows:
        kind = kind_of(row)
        prev = previous.get((kind, getattr(row, "prev_id", None)))
        entry = Entry(kind, row, _label(kind, row, names), ACTIONS.get(row.history_type, "changed"))
        if row.history_type == "~" and prev is None:
            entry.earlier_missing = True
        elif row.history_type != "-":
            entry.changes = _changes(row, prev if row.history_type == "~" else None, names)
        entries.append(entry)
    return entries


def _kind_of_row(row):
    return row.instance_type._meta.model_name


# --- pages --------------------------------------------------------------------


@workspace_page
def incident_history(request, slug):
    """Every change to the incident and to its parts, newest first, with who, when and what changed."""
    incident = get_object_or_404(incidents_visible_to(request.user).only("pk", "slug", "title"), slug=slug)
    page = _page_of_keys({kind: _of_incident(kind, incident.pk) for kind in INCIDENT_KINDS}, request.GET.get("page"))
    rows, previous = _fetch(list(page.object_list), with_previous=True)
    context = {"incident": incident, "page": page, "entries": _entries(rows, previous, _kind_of_row)}
    template = "workspace/history/incident_history.html"
    return render(request, f"{template}#entries" if request.htmx else template, context)


def _incident_of(kind, row):
    """The incident a version belongs to (id, slug, title), read from history so deleted ones count too."""
    while kind != "incident" and kind in PARENTS:
        attname, parent = PARENTS[kind]
        kind = parent._meta.model_name
        row = _history(kind).filter(id=getattr(row, attname)).order_by("-history_date", "-history_id").first()
        if row is None:
            return None
    if kind != "incident":
        return None
    return row


@workspace_page
def record_history(request, kind, pk):
    """One record's versions, newest first, each with what changed since the one before; restore any."""
    model = _model_or_404(kind)
    versions = _history(kind).filter(id=pk).select_related("history_user").order_by("-history_date", "-history_id")
    page = Paginator(versions, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if not rows:
        raise Http404("This record has no history.")
    # The version before the last one shown, so that it too has its diff.
    last = rows[-1]
    before = (
        versions.filter(
            Q(history_date__lt=last.history_date) | Q(history_date=last.history_date, history_id__lt=last.history_id)
        )
        .select_related(None)
        .first()
    )
    previous = {}
    for newer, older in zip(rows, [*rows[1:], before], strict=True):
        newer.prev_id = older.history_id if older is not None else None
        if older is not None:
            previous[(kind, older.history_id)] = older
    entries = _entries(rows, previous, lambda row: kind)
    exists = model._default_manager.filter(pk=pk).exists()
    latest_id = versions.values_list("history_id", flat=True).first()
    for entry in entries:
        entry.current = exists and entry.row.history_id == latest_id
        if exists and not entry.current and entry.action != "deleted":
            entry.restore_url = reverse(
                "workspace:record-restore", kwargs={"kind": kind, "pk": pk, "history_id": entry.row.history_id}
            )
    incident = _incident_of(kind, versions.first())
    context = {
        "kind": kind,
        "kind_label": model._meta.verbose_name,
        "pk": pk,
        "page": page,
        "entries": entries,
        "exists": exists,
        "label": entries[0].label if page.number == 1 else "",
        "incident": incident,
        "incident_exists": incident is not None and Incident.objects.filter(pk=incident.id).exists(),
    }
    template = "workspace/history/record_history.html"
    return render(request, f"{template}#entries" if request.htmx else template, context)


def _deleted(kind, incident_id=None):
    """The records of `kind` whose last version is their deletion, except those that went with their parent."""
    rows = _history(kind) if incident_id is None else _of_incident(kind, incident_id)
    later = (
        _history(kind)
        .filter(id=OuterRef("id"))
        .filter(
            Q(history_date__gt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
        )
    )
    rows = rows.filter(history_type="-").filter(~Exists(later))
    if kind in PARENTS:
        # A citation deleted with its event comes back with it: list the event only.
        attname, parent = PARENTS[kind]
        rows = rows.filter(**{f"{attname}__in": parent.objects.values("pk")})
    return rows


@workspace_page
def deleted_records(request):
    """Records deleted and not restored, newest deletion first (for one incident with ?incident=slug)."""
    incident = None
    if slug := request.GET.get("incident"):
        incident = get_object_or_404(incidents_visible_to(request.user).only("pk", "slug", "title"), slug=slug)
        querysets = {kind: _deleted(kind, incident.pk) for kind in PARENTS}
    else:
        querysets = {kind: _deleted(kind) for kind in KINDS}
    page = _page_of_keys(querysets, request.GET.get("page"))
    rows, previous = _fetch(list(page.object_list), with_previous=False)
    entries = _entries(rows, previous, _kind_of_row)
    for entry in entries:
        entry.undelete_url = reverse("workspace:record-undelete", kwargs={"kind": entry.kind, "pk": entry.row.id})
    context = {"incident": incident, "page": page, "entries": entries}
    template = "workspace/history/deleted.html"
    return render(request, f"{template}#entries" if request.htmx else template, context)


# --- restoring ----------------------------------------------------------------


def reason(exc):
    """A refused write in plain words."""
    if isinstance(exc, PermissionDenied):
        return str(exc) or "Your role may not do this."
    if hasattr(exc, "error_dict"):
        parts = []
        for name, errors in exc.message_dict.items():
            text = " ".join(errors)
            parts.append(text if name in (NON_FIELD_ERRORS, "__all__") else f"{name.replace('_', ' ')}: {text}")
        return " ".join(parts)
    return " ".join(exc.messages)


def _back(request, kind, pk):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("workspace:record-history", kind=kind, pk=pk)


@workspace_page
@require_POST
def record_restore(request, kind, pk, history_id):
    """Put the record back as that version had it (a new version, by the restorer)."""
    _model_or_404(kind)
    version = get_object_or_404(_history(kind), id=pk, history_id=history_id)
    try:
        saved = services.record_restore(historical_record=version, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, f"Nothing was restored. {reason(exc)}")
    else:
        if saved.changed:
            messages.success(request, "Restored: the record is back as that version had it.")
        else:
            messages.info(request, "Nothing to restore: the record is already as that version had it.")
    return _back(request, kind, pk)


@workspace_page
@require_POST
def record_undelete(request, kind, pk):
    """Bring a deleted record back with its old number and fields (and what was deleted with it)."""
    model = _model_or_404(kind)
    deletion = _history(kind).filter(id=pk).order_by("-history_date", "-history_id").first()
    if deletion is None or deletion.history_type != "-":
        messages.error(request, f"Nothing was restored: this {model._meta.verbose_name} is not deleted.")
        return _back(request, kind, pk)
    try:
        restored = services.record_undelete(historical_record=deletion, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, f"Nothing was restored. {reason(exc)}")
    else:
        more = len(restored) - 1
        also = f", with {more} record{'s' if more != 1 else ''} deleted with it" if more else ""
        messages.success(request, f"Restored the {model._meta.verbose_name}{also}.")
    return _back(request, kind, pk)


urlpatterns = [
    path("incidents/<slug:slug>/history/", incident_history, name="incident-history"),
    path("history/deleted/", deleted_records, name="deleted-records"),
    path("history/<str:kind>/<int:pk>/", record_history, name="record-history"),
    path("history/<str:kind>/<int:pk>/restore/<int:history_id>/", record_restore, name="record-restore"),
    path("history/<str:kind>/<int:pk>/undelete/", record_undelete, name="record-undelete"),
]
