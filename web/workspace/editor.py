"""Workspace: the incident editor (incident, participants, exposed data, sources).

One page per incident. The incident's own fields are one form; participants, exposed data
and sources are sections, each with small forms that post to their own URL. Without
JavaScript a post redirects back to the page, anchored at its section; with htmx the same
view answers only that section (a partial of the page's template), which htmx swaps in place.
Every write goes through the services, inside one transaction with whatever it creates in
place (a typed vendor, a typed outlet), so a refused write leaves nothing behind.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django_htmx.http import HttpResponseClientRedirect

from disclosure import selectors, services
from disclosure.choices import OrganizationKind, ParticipantRole, SourceKind
from disclosure.models import DataClass, Incident, Source, slug_validator, validate_timezone

from . import pickers, records
from .base import workspace_page
from .timefield import RecordedTimeField

TEMPLATE = "workspace/editor/incident_edit.html"

# Offered in the time zone's datalist; any other IANA name may still be typed.
COMMON_TIMEZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Rome",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Jerusalem",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# Django's and the models' stock messages, said the way a journalist would.
PLAIN_WORDS = {
    "This field cannot be blank.": "This cannot be left empty.",
    "This field is required.": "This cannot be left empty.",
    "Enter a valid URL.": "Give the full web address, starting with https://",
    "Ensure this value is greater than or equal to 0.": "A count cannot be below zero.",
    "Enter a whole number.": "Give a whole number, like 2400000 (no commas or words).",
}

COUNT_ERRORS = {
    "invalid": "Give a whole number, like 2400000 (no commas or words).",
    "min_value": "A count cannot be below zero.",
}

SECTIONS_THAT_NAME_ORGANISATIONS = frozenset({"incident", "participants", "sources"})

# Routes under /workspace/incidents/ that an incident's slug must not shadow.
RESERVED_SLUGS = frozenset({"new"})


def _plain(message):
    return PLAIN_WORDS.get(message, message)


def _count_field(label):
    return forms.IntegerField(label=label, required=False, min_value=0, error_messages=COUNT_ERRORS)


def _add_service_errors(form, exc):
    """Put a service's ValidationError beside the fields it names (in plain words), the rest on top."""
    errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for field, error_list in errors.items():
        target = field if field in form.fields else None
        for error in error_list:
            for message in error.messages:
                form.add_error(target, _plain(message))


# --- forms ----------------------------------------------------------------


class EditorForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class IncidentForm(EditorForm):
    title = forms.CharField(max_length=300, error_messages={"required": "Give the incident a title."})
    slug = forms.CharField(
        label="Address (slug)",
        max_length=150,
        required=False,
        help_text="Part of the public address: lower-case words joined by hyphens. Left empty, it is made from the title.",
    )
    vendor = forms.CharField(
        max_length=200,
        help_text="Type the vendor's name; a name not yet known is added as a new organisation.",
        error_messages={"required": "Name the vendor whose product or data this is about."},
    )
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        initial="UTC",
        help_text="The incident's local time, used for reported times that give no zone (for example Europe/Berlin).",
        error_messages={"required": "Give a time zone, for example UTC or America/New_York."},
    )
    affected_count = _count_field("People or accounts affected")
    affected_count_approximate = forms.BooleanField(label="about (an estimate)", required=False)
    exposed_system = forms.CharField(
        label="Exposed system", max_length=300, required=False, help_text="For example: an Elasticsearch database."
    )
    private_notes = forms.CharField(
        label="Private notes",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="For the newsroom only: never shown publicly.",
    )

    def __init__(self, *args, incident=None, **kwargs):
        self.incident = incident
        super().__init__(*args, **kwargs)
        for name in ("vendor", "timezone"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["vendor"].widget.attrs["list"] = "ws-organizations"
        self.fields["timezone"].widget.attrs["list"] = "ws-timezones"

    def clean_timezone(self):
        value = self.cleaned_data["timezone"].strip()
        validate_timezone(value)
        return value

    def clean(self):
        cleaned = super().clean()
        typed = cleaned.get("slug", "").strip()
        if typed:
            try:
                slug_validator(typed)
            except ValidationError:
                self.add_error("slug", "Use lower-case letters, digits and single hyphens, like 'acme-leak-2020'.")
                return cleaned
        elif "title" not in cleaned:
            return cleaned
        slug = typed or pickers.unique_slug(Incident, "slug", cleaned["title"], max_length=150, fallback="incident")
        if slug in RESERVED_SLUGS:
            self.add_error("slug", f"'{slug}' is taken by the workspace itself; choose another address.")
        elif Incident.objects.filter(slug=slug).exclude(pk=getattr(self.incident, "pk", None)).exists():
            self.add_error("slug", f"Another incident already uses the address '{slug}'; choose another.")
        cleaned["slug"] = slug
        return cleaned

    def service_fields(self, *, by):
        """The incident's fields for `incident_create` / `incident_update`; may create the vendor in place."""
        data = dict(self.cleaned_data)
        data["vendor"] = pickers.organization_from_text(data["vendor"], by=by, kind=OrganizationKind.VENDOR)
        return data

    @classmethod
    def initial_for(cls, incident):
        fields = [name for name in cls.base_fields if name != "vendor"]
        return {**{name: getattr(incident, name) for name in fields}, "vendor": incident.vendor.name}


class ParticipantForm(EditorForm):
    organization = forms.CharField(
        label="Organisation",
        max_length=200,
        error_messages={"required": "Type the organisation's name."},
        widget=forms.TextInput(attrs={"list": "ws-organizations", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        choices=ParticipantRole.choices, error_messages={"invalid_choice": "Choose one of the roles in the list."}
    )


class ExposedDataForm(EditorForm):
    data_class = forms.ModelChoiceField(
        label="Kind of data",
        queryset=DataClass.objects.order_by("name"),
        empty_label="Choose…",
        error_messages={
            "required": "Choose the kind of data that was exposed.",
            "invalid_choice": "Choose one of the kinds of data in the list.",
        },
    )
    affected_count = _count_field("How many records")
    affected_count_approximate = forms.BooleanField(label="about", required=False)


class ExposedCountForm(EditorForm):
    affected_count = _count_field("How many records")
    affected_count_approximate = forms.BooleanField(label="about", required=False)


class SourceForm(EditorForm):
    title = forms.CharField(max_length=500, error_messages={"required": "Give the source's title or headline."})
    url = forms.URLField(
        label="Web address",
        max_length=1000,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Give the full web address, like https://example.com/story."},
    )
    outlet = forms.CharField(
        label="Outlet",
        max_length=200,
        required=False,
        help_text="Who published it; a name not yet known is added as a new organisation.",
        widget=forms.TextInput(attrs={"list": "ws-organizations", "autocomplete": "off"}),
    )
    language = forms.CharField(
        max_length=35,
        initial="en",
        help_text="en, it, pt-BR…",
        error_messages={"required": "Give the language, like en or pt-BR."},
    )
    kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.ARTICLE)

    def __init__(self, *args, incident_timezone="UTC", **kwargs):
        super().__init__(*args, **kwargs)
        # Made here, not on the class: its inputs default to this incident's zone.
        self.fields["published"] = RecordedTimeField(
            label="Published",
            required=False,
            incident_timezone=incident_timezone,
            help_text="As the source gives it: 26 December 2019, or a date and a time.",
        )


# --- reads ------------------------------------------------------------------


def _incident_or_404(user, slug):
    incidents = selectors.incidents_visible_to(user).select_related("vendor")
    return get_object_or_404(incidents, slug=slug)


def _session_key(incident):
    return f"ws-editor-sources-{incident.pk}"


def _sources_of(request, incident):
    """The sources cited anywhere in the incident, and those added on its page but not cited yet."""
    added_here = request.session.get(_session_key(incident), [])
    cited = (
        Q(event_citations__event__incident=incident)
        | Q(claim_citations__claim__incident=incident)
        | Q(response_citations__response__claim__incident=incident)
        | Q(correction_citations__correction__incident=incident)
    )
    ids = selectors.sources_visible_to(request.user).filter(cited | Q(pk__in=added_here)).values("pk")
    return list(Source.objects.filter(pk__in=ids).select_related("outlet").order_by("nominal", "title"))


def _last_change(incident):
    return incident.history.select_related("history_user").only("history_date", "history_user__username").first()


def _section_context(request, incident, section, **extra):
    """What the section named `section` needs to render (the whole page asks for every section)."""
    context = {"incident": incident, "ws_role": request.ws_role}
    if section in ("participants", "page"):
        context["participants"] = list(
            selectors.participants_visible_to(request.user).filter(incident=incident).select_related("organization")
        )
        context.setdefault("participant_form", ParticipantForm())
    if section in ("exposed", "page"):
        context["exposed_rows"] = list(
            selectors.exposed_data_visible_to(request.user).filter(incident=incident).select_related("data_class")
        )
        context.setdefault("exposed_form", ExposedDataForm())
    if section in ("sources", "page"):
        context["sources"] = _sources_of(request, incident)
        context.setdefault("source_form", SourceForm(incident_timezone=incident.timezone))
    if section in ("incident", "page"):
        context["last_change"] = _last_change(incident)
        context.setdefault("incident_form", IncidentForm(initial=IncidentForm.initial_for(incident), incident=incident))
    context.update(extra)
    return context


def _page_context(request, incident, **extra):
    context = _section_context(request, incident, "page", **extra)
    context.update(records.records_context(incident, request.user))
    context.update(_picker_context())
    return context


def _picker_context():
    return {
        "ws_organizations": pickers.organization_options(),
        "ws_sources": pickers.source_options(),
        "ws_timezones": COMMON_TIMEZONES,
    }


# --- pages ------------------------------------------------------------------


@workspace_page
def incident_new(request):
    form = IncidentForm(request.POST or None, initial={"timezone": "UTC"})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                incident = services.incident_create(by=request.user, **form.service_fields(by=request.user))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"“{incident.title}” is saved as a draft. Add its parts below.")
            return redirect("workspace:incident-edit", slug=incident.slug)
    return render(request, "workspace/editor/incident_form.html", {"form": form, **_picker_context()})


@workspace_page
def incident_edit(request, slug):
    incident = _incident_or_404(request.user, slug)
    if request.method != "POST":
        return render(request, TEMPLATE, _page_context(request, incident))
    form = IncidentForm(request.POST, incident=incident)
    problem = ""
    if form.is_valid():
        try:
            with transaction.atomic():
                services.incident_update(incident=incident, by=request.user, **form.service_fields(by=request.user))
        except PermissionDenied as exc:
            problem = str(exc)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            url = reverse("workspace:incident-edit", kwargs={"slug": incident.slug})
            if request.htmx and incident.slug != slug:
                return HttpResponseClientRedirect(url)
            if not request.htmx:
                messages.success(request, "The incident's details are saved.")
                return redirect(url + "#incident")
            return _section(request, incident, "incident", notice="Saved.")
    # Whatever failed, the page shows the incident as stored, and the form as typed.
    incident.refresh_from_db()
    return _section(request, incident, "incident", problem=problem, incident_form=form)


def _section(request, incident, section, *, problem="", notice="", **forms_):
    """Answer a section's post that did not redirect: its partial for htmx, else the whole page."""
    if request.htmx:
        context = _section_context(request, incident, section, problem=problem, notice=notice, **forms_)
        if section in SECTIONS_THAT_NAME_ORGANISATIONS:
            # A name typed here may have created an organisation or a source: the page's datalists
            # are swapped too (out of band), so the next field offers it.
            context.update(_picker_context(), oob_datalists=True)
        return render(request, f"{TEMPLATE}#{section}", context)
    if problem:
        messages.error(request, problem)
    return render(request, TEMPLATE, _page_context(request, incident, **forms_))


def _done(request, incident, section, message):
    if request.htmx:
        return _section(request, incident, section, notice=message)
    messages.success(request, message)
    return redirect(reverse("workspace:incident-edit", kwargs={"slug": incident.slug}) + f"#{section}")


def _section_post(view):
    """A section's own URL: a GET (a reload after a post, say) goes back to the page."""

    def wrapper(request, slug, **kwargs):
        incident = _incident_or_404(request.user, slug)
        if request.method != "POST":
            return redirect("workspace:incident-edit", slug=incident.slug)
        return view(request, incident, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return workspace_page(wrapper)


@_section_post
def participant_add(request, incident):
    form = ParticipantForm(request.POST)
    if form.is_valid():
        role = form.cleaned_data["role"]
        try:
            with transaction.atomic():
                kind = pickers.KIND_FOR_ROLE.get(role, OrganizationKind.OTHER)
                organization = pickers.organization_from_text(
                    form.cleaned_data["organization"], by=request.user, kind=kind
                )
                if incident.participants.filter(organization=organization, role=role).exists():
                    raise ValidationError(
                        {"organization": f"{organization.name} is already listed as {ParticipantRole(role).label}."}
                    )
                services.participant_add(incident=incident, organization=organization, role=role, by=request.user)
        except PermissionDenied as exc:
            return _section(request, incident, "participants", problem=str(exc), participant_form=form)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _done(
                request, incident, "participants", f"{organization.name} added as {ParticipantRole(role).label}."
            )
    return _section(request, incident, "participants", participant_form=form)


@_section_post
def participant_remove(request, incident, pk):
    participant = get_object_or_404(incident.participants.select_related("organization"), pk=pk)
    try:
        services.record_delete(instance=participant, by=request.user)
    except PermissionDenied as exc:
        return _section(request, incident, "participants", problem=str(exc))
    return _done(request, incident, "participants", f"{participant} removed.")


def _exposed_set(request, incident, form, data_class, *, section_form):
    try:
        services.exposed_data_set(
            incident=incident,
            data_class=data_class,
            affected_count=form.cleaned_data["affected_count"],
            affected_count_approximate=form.cleaned_data["affected_count_approximate"],
            by=request.user,
        )
    except PermissionDenied as exc:
        return _section(request, incident, "exposed", problem=str(exc), **section_form)
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return _section(request, incident, "exposed", **section_form)
    return _done(request, incident, "exposed", f"{data_class.name}: saved.")


@_section_post
def exposed_add(request, incident):
    form = ExposedDataForm(request.POST)
    if not form.is_valid():
        return _section(request, incident, "exposed", exposed_form=form)
    return _exposed_set(request, incident, form, form.cleaned_data["data_class"], section_form={"exposed_form": form})


@_section_post
def exposed_edit(request, incident, pk):
    row = get_object_or_404(incident.data_exposed.select_related("data_class"), pk=pk)
    form = ExposedCountForm(request.POST)
    section_form = {"edit_form": form, "edit_pk": row.pk}
    if not form.is_valid():
        return _section(request, incident, "exposed", **section_form)
    return _exposed_set(request, incident, form, row.data_class, section_form=section_form)


@_section_post
def exposed_remove(request, incident, pk):
    row = get_object_or_404(incident.data_exposed.select_related("data_class"), pk=pk)
    try:
        services.record_delete(instance=row, by=request.user)
    except PermissionDenied as exc:
        return _section(request, incident, "exposed", problem=str(exc))
    return _done(request, incident, "exposed", f"{row.data_class.name} removed.")


@_section_post
def source_add(request, incident):
    form = SourceForm(request.POST, incident_timezone=incident.timezone)
    # "Check the time" (the time field's button) shows the time in words and saves nothing.
    if "check" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                outlet = None
                if data["outlet"].strip():
                    outlet = pickers.organization_from_text(
                        data["outlet"], by=request.user, kind=OrganizationKind.MEDIA
                    )
                source = services.source_create(
                    by=request.user,
                    key=pickers.unique_slug(Source, "key", data["title"], max_length=80, fallback="source"),
                    title=data["title"].strip(),
                    url=data["url"],
                    outlet=outlet,
                    language=data["language"].strip(),
                    kind=data["kind"],
                    **(data["published"] or {}),
                )
        except PermissionDenied as exc:
            return _section(request, incident, "sources", problem=str(exc), source_form=form)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            # Listed on this page until an event or a claim cites it (then it is listed as cited).
            key = _session_key(incident)
            request.session[key] = [*request.session.get(key, []), source.pk][-50:]
            return _done(request, incident, "sources", f"“{source.title}” added: cite it from an event or a claim.")
    return _section(request, incident, "sources", source_form=form)


urlpatterns = [
    path("incidents/new/", incident_new, name="incident-new"),
    path("incidents/<slug:slug>/", incident_edit, name="incident-edit"),
    path("incidents/<slug:slug>/participants/", participant_add, name="incident-participant-add"),
    path("incidents/<slug:slug>/participants/<int:pk>/remove/", participant_remove, name="incident-participant-remove"),
    path("incidents/<slug:slug>/exposed-data/", exposed_add, name="incident-exposed-add"),
    path("incidents/<slug:slug>/exposed-data/<int:pk>/", exposed_edit, name="incident-exposed-edit"),
    path("incidents/<slug:slug>/exposed-data/<int:pk>/remove/", exposed_remove, name="incident-exposed-remove"),
    path("incidents/<slug:slug>/sources/", source_add, name="incident-source-add"),
]
