"""Workspace: the incident's events, claims and vendor responses, edited in place on the editor page.

Every write goes through the services (event_create, event_update, event_delete, citation_add,
claim_create, claim_update, claim_delete, response_add, response_update, record_delete); their
PermissionDenied and ValidationError come back as plain words beside the field or at the top of
the form. Each view answers a plain POST with a redirect to the editor page (#events or #claims)
and an htmx request with the section (or the row, or the form with its errors) to swap in.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from claims import services as claim_services
from claims.choices import ClaimCategory, Stance
from claims.models import ClaimCitation, ResponseCitation
from claims.selectors import claims_visible_to, responses_visible_to
from disclosure import roles, timemath
from disclosure import services as disclosure_services
from disclosure.choices import EventKind, PublicationStatus
from disclosure.models import EventCitation
from disclosure.selectors import events_visible_to, incidents_visible_to

from .base import workspace_page
from .pickers import organization_from_text, organization_options, source_from_text, source_options
from .timefield import RecordedTimeField, describe, interval_words, parts_from_query, recorded_time

TIME_FIELDS = ("at", "precision", "approximate", "margin", "timezone")
PUBLISH_REFUSED = "Your role may not publish. Save it as a draft: an editor will review and publish it."


# --- forms -----------------------------------------------------------------


class RecordForm(forms.Form):
    """Shared by events, claims and responses: the time field, the status, and a first citation."""

    time_required = True
    with_citation = True

    def __init__(self, *args, incident, user, instance=None, **kwargs):
        self.incident, self.user, self.instance = incident, user, instance
        super().__init__(*args, **kwargs)
        self.fields["when"] = RecordedTimeField(
            label="When",
            required=self.time_required,
            incident_timezone=incident.timezone,
            blank_if_incident_zone=True,
        )
        self.fields["status"] = forms.ChoiceField(
            choices=PublicationStatus.choices, initial=PublicationStatus.DRAFT, label="Status"
        )
        if instance is None and self.with_citation:
            self.fields["cite_source"] = forms.CharField(
                label="Source (title)", required=False, help_text="A draft may wait; a published record needs one."
            )
            self.fields["cite_quote"] = forms.CharField(
                label="Quote", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields["cite_locator"] = forms.CharField(label="Where in the source", required=False)
        if instance is not None:
            self.initial.update(self.initial_from(instance))
            self.initial["when"] = {name: getattr(instance, name) for name in TIME_FIELDS} if instance.at else None
            self.initial["status"] = instance.status

    def initial_from(self, instance):
        return {}

    def clean_status(self):
        status = self.cleaned_data["status"]
        was = self.instance.status if self.instance is not None else PublicationStatus.DRAFT
        if status == PublicationStatus.PUBLISHED and was != status and not self.user.has_perm(roles.PUBLISH):
            raise ValidationError(PUBLISH_REFUSED)
        return status

    def time_fields(self):
        when = self.cleaned_data.get("when")
        if when is None:
            return {"at": "", "precision": "", "approximate": False, "margin": "", "timezone": ""}
        return dict(when)

    def citations(self):
        title = (self.cleaned_data.get("cite_source") or "").strip()
        if not title:
            return []
        return [
            {
                "source": source_from_text(title, by=self.user),
                "quote": self.cleaned_data.get("cite_quote", ""),
                "locator": self.cleaned_data.get("cite_locator", ""),
            }
        ]

    def org(self, name):
        text = (self.cleaned_data.get(name) or "").strip()
        return organization_from_text(text, by=self.user) if text else None

    def add_service_error(self, exc):
        """Put a service's refusal beside the field it names, or at the top of the form."""
        if isinstance(exc, PermissionDenied):
            self.add_error(None, str(exc) or "Your role may not make this change.")
            return
        errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
        for field, problems in errors.items():
            target = field
            if field in TIME_FIELDS:
                target = "when"
            elif field == "citations":
                target = "cite_source" if "cite_source" in self.fields else None
            elif field not in self.fields or field == NON_FIELD_ERRORS:
                target = None
            for problem in problems:
                for message in problem.messages if hasattr(problem, "messages") else [str(problem)]:
                    self.add_error(target, message)


def _org_input(label, required=False):
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"list": "ws-organizations", "autocomplete": "off"}),
    )


class EventForm(RecordForm):
    kind = forms.ChoiceField(choices=EventKind.choices, label="What happened")
    actor = _org_input("Who (actor)")
    target = _org_input("To whom (target)")
    channel = forms.CharField(label="Channel", required=False, help_text="email, support ticket, phone, ...")
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    private_notes = forms.CharField(
        label="Private notes", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Never public."
    )
    field_order = ["kind", "when", "actor", "target", "channel", "description", "status", "private_notes"]

    def initial_from(self, event):
        return {
            "kind": event.kind,
            "actor": event.actor.name if event.actor else "",
            "target": event.target.name if event.target else "",
            "channel": event.channel,
            "description": event.description,
            "private_notes": event.private_notes,
        }

    def record_fields(self):
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            **self.time_fields(),
            "actor": self.org("actor"),
            "target": self.org("target"),
            "channel": data["channel"],
            "description": data["description"],
            "status": data["status"],
            "private_notes": data["private_notes"],
        }


class ClaimForm(RecordForm):
    time_required = False
    statement = forms.CharField(label="Claim", widget=forms.Textarea(attrs={"rows": 2}))
    claimant = _org_input("Who claims it", required=True)
    category = forms.ChoiceField(choices=ClaimCategory.choices, label="Category")
    private_notes = forms.CharField(
        label="Private notes", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Never public."
    )
    field_order = ["statement", "claimant", "category", "when", "status", "private_notes"]

    def initial_from(self, claim):
        return {
            "statement": claim.statement,
            "claimant": claim.claimant.name,
            "category": claim.category,
            "private_notes": claim.private_notes,
        }

    def record_fields(self):
        data = self.cleaned_data
        return {
            "statement": data["statement"],
            "claimant": self.org("claimant"),
            "category": data["category"],
            **self.time_fields(),
            "status": data["status"],
            "private_notes": data["private_notes"],
        }


class ResponseForm(RecordForm):
    responder = _org_input("Who responds", required=True)
    stance = forms.ChoiceField(choices=Stance.choices, label="Stance")
    statement = forms.CharField(label="What they said", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["responder", "stance", "statement", "when", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is None:
            self.initial.setdefault("responder", self.incident.vendor.name)

    def initial_from(self, response):
        return {"responder": response.responder.name, "stance": response.stance, "statement": response.statement}

    def record_fields(self):
        data = self.cleaned_data
        return {
            "responder": self.org("responder"),
            "stance": data["stance"],
            "statement": data["statement"],
            **self.time_fields(),
            "status": data["status"],
        }


class CitationForm(forms.Form):
    source = forms.CharField(
        label="Source (title)", widget=forms.TextInput(attrs={"list": "ws-sources", "autocomplete": "off"})
    )
    quote = forms.CharField(label="Quote", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    locator = forms.CharField(label="Where in the source", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].error_messages["required"] = "Type the source's title."


# --- reading -----------------------------------------------------------------


def _citations(model):
    return Prefetch("citations", queryset=model.objects.select_related("source").order_by("position", "id"))


def records_context(incident, user):
    """What templates/workspace/records/_events.html and _claims.html need on the editor page.

    A fixed number of queries however many records: one per list and one per list of citations.
    """
    events = list(
        events_visible_to(user)
        .filter(incident=incident)
        .select_related("actor", "target")
        .prefetch_related(_citations(EventCitation))
    )
    responses = responses_visible_to(user).select_related("responder").prefetch_related(_citations(ResponseCitation))
    claims = list(
        claims_visible_to(user)
        .filter(incident=incident)
        .select_related("claimant")
        .prefetch_related(_citations(ClaimCitation), Prefetch("responses", queryset=responses))
    )
    for event in events:
        event.incident = incident  # its default time zone, without a query per row
    for claim in claims:
        claim.incident = incident
        claim.response_form = ResponseForm(incident=incident, user=user, prefix=f"response-{claim.pk}")
        for response in claim.responses.all():
            response.claim = claim
    _mark_movable(events)
    for record in [*events, *claims, *(r for c in claims for r in c.responses.all())]:
        record.when_words = _when_words(record, incident.timezone)
    return {
        "incident": incident,
        "events": events,
        "claims": claims,
        "event_form": EventForm(incident=incident, user=user, prefix="event"),
        "claim_form": ClaimForm(incident=incident, user=user, prefix="claim"),
        "may_publish": user.has_perm(roles.PUBLISH),
    }


def _when_words(record, incident_timezone):
    """The instants a record's time covers, in words (as the time field showed them before saving)."""
    if not record.at:
        return ""
    try:
        return interval_words({name: getattr(record, name) for name in TIME_FIELDS}, incident_timezone)
    except timemath.TimeError:
        return ""


def _mark_movable(events):
    """Events are in time order; only events at the same instant can be moved past each other."""
    for i, event in enumerate(events):
        event.can_move_up = i > 0 and events[i - 1].nominal == event.nominal
        event.can_move_down = i + 1 < len(events) and events[i + 1].nominal == event.nominal


def _incident(request, slug):
    return get_object_or_404(incidents_visible_to(request.user).select_related("vendor"), slug=slug)


def _editor_url(incident, anchor):
    return reverse("workspace:incident-edit", args=[incident.slug]) + f"#{anchor}"


# --- what each kind of record needs ----------------------------------------------


class Kind:
    """One kind of record edited here: an event, a claim or a response."""

    def __init__(self, name, section, form, citation_model):
        self.name, self.section, self.form, self.citation_model = name, section, form, citation_model

    def get(self, request, incident, pk):
        if self.name == "event":
            qs = events_visible_to(request.user).filter(incident=incident)
        elif self.name == "claim":
            qs = claims_visible_to(request.user).filter(incident=incident)
        else:
            qs = responses_visible_to(request.user).filter(claim__incident=incident).select_related("claim")
        record = get_object_or_404(qs, pk=pk)
        if self.name == "response":
            record.claim.incident = incident
        else:
            record.incident = incident
        return record

    def create(self, form, incident, user, parent=None):
        fields = form.record_fields()
        citations = form.citations()
        if self.name == "event":
            fields["key"] = _unique_key(incident.events, f"{fields['kind']}-{fields['at']}")
            return disclosure_services.event_create(incident=incident, by=user, citations=citations, **fields)
        if self.name == "claim":
            fields["key"] = _unique_key(incident.claims, f"{fields['category']}-{fields['statement'][:40]}")
            return claim_services.claim_create(incident=incident, by=user, citations=citations, **fields)
        return claim_services.response_add(claim=parent, by=user, citations=citations, **fields)

    def update(self, record, user, **fields):
        if self.name == "event":
            return disclosure_services.event_update(event=record, by=user, **fields)
        if self.name == "claim":
            return claim_services.claim_update(claim=record, by=user, **fields)
        return claim_services.response_update(response=record, by=user, **fields)

    def delete(self, record, user):
        if self.name == "event":
            disclosure_services.event_delete(event=record, by=user)
        elif self.name == "claim":
            claim_services.claim_delete(claim=record, by=user)
        else:
            incident_id = record.claim.incident_id
            disclosure_services.record_delete(instance=record, by=user)
            disclosure_services.incident_metrics_enqueue(incident_id=incident_id)


KINDS = {
    "event": Kind("event", "events", EventForm, EventCitation),
    "claim": Kind("claim", "claims", ClaimForm, ClaimCitation),
    "response": Kind("response", "claims", ResponseForm, ResponseCitation),
}


def _unique_key(queryset, text):
    base = slugify(text.replace("_", "-"))[:120].strip("-_").replace("_", "-") or "record"
    taken = set(queryset.filter(key__startswith=base).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _section(request, incident, kind, context=None):
    """The events or the claims section, re-rendered to replace the one on the page.

    The write may have created an organisation or a source: the page's datalists come along
    out of band (hx-swap-oob), so the next name typed is offered too.
    """
    context = context if context is not None else records_context(incident, request.user)
    context.update(oob=True, ws_organizations=organization_options(), ws_sources=source_options())
    response = render(request, f"workspace/records/_{kind.section}.html", context)
    response.content += render_to_string("workspace/pickers/_datalists.html", context, request=request).encode()
    return reswap(retarget(response, f"#{kind.section}"), "outerHTML")


def _done(request, incident, kind, message):
    if request.htmx:
        return _section(request, incident, kind)
    messages.success(request, message)
    return HttpResponseRedirect(_editor_url(incident, kind.section))


def _save(form, write):
    """Run `write` in one transaction (organisations or sources it creates go too if it fails)."""
    try:
        with transaction.atomic():
            return write()
    except (ValidationError, PermissionDenied) as exc:
        form.add_service_error(exc)
        return None


def _form_page(request, incident, kind, form, *, record=None, parent=None, action):
    context = {
        "incident": incident,
        "kind": kind.name,
        "section": kind.section,
        "form": form,
        "record": record,
        "parent": parent,
        "action": action,
        "row_id": f"{kind.name}-{record.pk}" if record else f"{kind.name}-new",
        "cancel_url": _editor_url(incident, f"{kind.name}-{record.pk}" if record else kind.section),
        "row_url": reverse(f"workspace:{kind.name}-row", args=[incident.slug, record.pk]) if record else "",
        "ws_organizations": [],
        "ws_sources": [],
    }
    if not request.htmx:
        context["ws_organizations"], context["ws_sources"] = organization_options(), source_options()
    template = "workspace/records/record_form.html"
    return render(request, f"{template}#form" if request.htmx else template, context)


# --- views -------------------------------------------------------------------


@workspace_page
@require_POST
def record_add(request, slug, kind_name, claim_pk=None):
    incident = _incident(request, slug)
    kind = KINDS[kind_name]
    parent = KINDS["claim"].get(request, incident, claim_pk) if claim_pk else None
    prefix = f"response-{parent.pk}" if parent else kind_name
    form = kind.form(request.POST, incident=incident, user=request.user, prefix=prefix)
    action = request.path
    if "check" in request.POST or not form.is_valid():
        return _add_failed(request, incident, kind, form, parent, action)
    created = _save(form, lambda: kind.create(form, incident, request.user, parent))
    if created is None:
        return _add_failed(request, incident, kind, form, parent, action)
    return _done(request, incident, kind, f"The {kind.name} was added as {created.get_status_display()}.")


def _add_failed(request, incident, kind, form, parent, action):
    if not request.htmx:
        return _form_page(request, incident, kind, form, parent=parent, action=action)
    # The section again, with this form open and its errors beside the fields.
    context = records_context(incident, request.user)
    if parent is not None:
        for claim in context["claims"]:
            if claim.pk == parent.pk:
                claim.response_form = form
                claim.response_form_open = True
    else:
        context[f"{kind.name}_form"] = form
    return _section(request, incident, kind, context)


@workspace_page
@require_http_methods(["GET", "POST"])
def record_edit(request, slug, pk, kind_name):
    incident = _incident(request, slug)
    kind = KINDS[kind_name]
    record = kind.get(request, incident, pk)
    action = request.path
    if request.method == "GET":
        form = kind.form(incident=incident, user=request.user, instance=record, prefix=f"edit-{kind.name}-{pk}")
        return _form_page(request, incident, kind, form, record=record, action=action)
    form = kind.form(
        request.POST, incident=incident, user=request.user, instance=record, prefix=f"edit-{kind.name}-{pk}"
    )
    if "check" in request.POST or not form.is_valid():
        return _form_page(request, incident, kind, form, record=record, action=action)
    if _save(form, lambda: kind.update(record, request.user, **form.record_fields())) is None:
        return _form_page(request, incident, kind, form, record=record, action=action)
    return _done(request, incident, kind, f"The {kind.name} was saved.")


@workspace_page
@require_GET
def record_row(request, slug, pk, kind_name):
    """The record as it shows in its list: htmx swaps it back for its form; others go to the editor page."""
    incident = _incident(request, slug)
    kind = KINDS[kind_name]
    if not request.htmx:
        kind.get(request, incident, pk)
        return HttpResponseRedirect(_editor_url(incident, f"{kind.name}-{pk}"))
    context = records_context(incident, request.user)
    if kind.name == "event":
        found = [e for e in context["events"] if e.pk == pk]
    elif kind.name == "claim":
        found = [c for c in context["claims"] if c.pk == pk]
    else:
        found = [r for c in context["claims"] for r in c.responses.all() if r.pk == pk]
    if not found:
        raise Http404
    context[kind.name] = found[0]
    return render(request, f"workspace/records/_{kind.section}.html#{kind.name}-row", context)


@workspace_page
@require_http_methods(["GET", "POST"])
def record_delete(request, slug, pk, kind_name):
    """GET asks for confirmation (a page, or the row's confirmation with htmx); POST removes."""
    incident = _incident(request, slug)
    kind = KINDS[kind_name]
    record = kind.get(request, incident, pk)
    context = {
        "incident": incident,
        "kind": kind.name,
        "record": record,
        "row_id": f"{kind.name}-{record.pk}",
        "action": request.path,
        "cancel_url": _editor_url(incident, f"{kind.name}-{record.pk}"),
        "row_url": reverse(f"workspace:{kind.name}-row", args=[incident.slug, record.pk]),
        "error": "",
    }
    template = "workspace/records/confirm_delete.html"
    if request.method == "POST":
        try:
            with transaction.atomic():
                kind.delete(record, request.user)
        except (ValidationError, PermissionDenied) as exc:
            context["error"] = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            return _done(request, incident, kind, f"The {kind.name} was removed; its history keeps a copy.")
    return render(request, f"{template}#confirm" if request.htmx else template, context)


@workspace_page
@require_POST
def event_move(request, slug, pk):
    """Move an event up or down among the events recorded at the same instant (`position` breaks the tie)."""
    incident = _incident(request, slug)
    kind = KINDS["event"]
    event = kind.get(request, incident, pk)
    ties = list(events_visible_to(request.user).filter(incident=incident, nominal=event.nominal))
    i = next(n for n, e in enumerate(ties) if e.pk == event.pk)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if not 0 <= j < len(ties):
        message = "Events are in time order: only events recorded at the same time can be moved past each other. Change its time to move it."
        return _refused(request, incident, kind, message)
    ties[i], ties[j] = ties[j], ties[i]
    try:
        with transaction.atomic():
            for position, tied in enumerate(ties, start=1):
                if tied.position != position:
                    tied.incident = incident
                    disclosure_services.event_update(event=tied, by=request.user, position=position)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, incident, kind, " ".join(getattr(exc, "messages", [str(exc)])))
    return _done(request, incident, kind, "The event was moved.")


def _refused(request, incident, kind, message):
    if request.htmx:
        context = records_context(incident, request.user)
        context[f"{kind.section}_error"] = message
        response = render(request, f"workspace/records/_{kind.section}.html", context)
        return reswap(retarget(response, f"#{kind.section}"), "outerHTML")
    messages.error(request, message)
    return HttpResponseRedirect(_editor_url(incident, kind.section))


@workspace_page
@require_POST
def citation_add(request, slug, pk, kind_name):
    incident = _incident(request, slug)
    kind = KINDS[kind_name]
    record = kind.get(request, incident, pk)
    form = CitationForm(request.POST, prefix=f"cite-{kind.name}-{record.pk}")
    if form.is_valid():
        try:
            with transaction.atomic():
                source = source_from_text(form.cleaned_data["source"], by=request.user)
                disclosure_services.citation_add(
                    record=record,
                    source=source,
                    quote=form.cleaned_data["quote"],
                    locator=form.cleaned_data["locator"],
                    by=request.user,
                )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(
                None, " ".join(getattr(exc, "messages", [str(exc)])) if isinstance(exc, ValidationError) else str(exc)
            )
        else:
            return _done(request, incident, kind, "The citation was added.")
    context = {"incident": incident, "kind": kind.name, "record": record, "cite_form": form, "action": request.path}
    template = "workspace/records/citation_form.html"
    if request.htmx:
        return reswap(retarget(render(request, f"{template}#form", context), "closest form"), "outerHTML")
    context["ws_organizations"], context["ws_sources"] = organization_options(), source_options()
    return render(request, template, context)


@workspace_page
@require_POST
def citation_remove(request, slug, pk, kind_name):
    incident = _incident(request, slug)
    kind = KINDS[kind_name]
    citation = get_object_or_404(kind.citation_model.objects.select_related(kind.name), pk=pk)
    record = getattr(citation, kind.name)
    owner = record.claim if kind.name == "response" else record
    if owner.incident_id != incident.pk:
        raise Http404
    try:
        with transaction.atomic():
            disclosure_services.record_delete(instance=citation, by=request.user)
            disclosure_services.incident_metrics_enqueue(incident_id=incident.pk)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, incident, kind, " ".join(getattr(exc, "messages", [str(exc)])))
    return _done(request, incident, kind, "The citation was removed.")


@workspace_page
@require_GET
def time_preview(request):
    """The words under a recorded-time field for what is typed so far (htmx asks on every change)."""
    name = request.GET.get("field", "when")
    default_zone = request.GET.get("default_zone") or "UTC"
    context = {"preview": {}, "error": ""}
    parts = parts_from_query(request.GET, name)
    if any(str(p).strip() for p in parts[:2]):
        try:
            value = recorded_time(
                *parts, incident_timezone=default_zone, blank_if_incident_zone=bool(request.GET.get("blank"))
            )
            context["preview"] = describe(value, default_zone)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
    return render(request, "workspace/records/_timefield.html#words", context)


def _routes(kind_name, base, *, add_prefix=""):
    """The routes of one kind of record (event, claim, response): the same views, told the kind."""
    kind = {"kind_name": kind_name}
    return [
        path(f"{base}<int:pk>/", record_row, kind, name=f"{kind_name}-row"),
        path(f"{base}<int:pk>/edit/", record_edit, kind, name=f"{kind_name}-edit"),
        path(f"{base}<int:pk>/remove/", record_delete, kind, name=f"{kind_name}-delete"),
        path(f"{base}<int:pk>/citations/add/", citation_add, kind, name=f"citation-add-{kind_name}"),
        path(f"{base}citations/<int:pk>/remove/", citation_remove, kind, name=f"citation-remove-{kind_name}"),
    ]


urlpatterns = [
    path("time-preview/", time_preview, name="time-preview"),
    path("incidents/<slug:slug>/events/add/", record_add, {"kind_name": "event"}, name="event-add"),
    path("incidents/<slug:slug>/events/<int:pk>/move/", event_move, name="event-move"),
    *_routes("event", "incidents/<slug:slug>/events/"),
    path("incidents/<slug:slug>/claims/add/", record_add, {"kind_name": "claim"}, name="claim-add"),
    *_routes("claim", "incidents/<slug:slug>/claims/"),
    path(
        "incidents/<slug:slug>/claims/<int:claim_pk>/responses/add/",
        record_add,
        {"kind_name": "response"},
        name="response-add",
    ),
    *_routes("response", "incidents/<slug:slug>/claims/responses/"),
]
