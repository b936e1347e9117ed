"""Workspace: the dashboard, the preview and the publishing workflow."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from claims.choices import AWAITING_RESPONSE
from claims.selectors import claims_visible_to
from disclosure import roles, timemath
from disclosure import services as disclosure_services
from disclosure.choices import IncidentStatus, PublicationStatus
from disclosure.selectors import incidents_visible_to
from disclosure.timetext import MONTHS, describe
from metrics.models import MetricView
from web import selectors

from .base import workspace_page

# --- the dashboard ---------------------------------------------------------------

#: Each section lists this many rows at most; its count says how many there are in all.
DASHBOARD_ROWS = 10
#: A published story not followed up for this long is due another look.
FOLLOW_UP_AFTER = timedelta(days=30)


def zoned_time(instant, zone):
    """An instant in `zone`, with the zone's name and offset: "26 December 2019, 09:00 PST (UTC\u221208:00)"."""
    try:
        local = instant.astimezone(ZoneInfo(zone or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        zone, local = "UTC", instant.astimezone(ZoneInfo("UTC"))
    name = local.tzname() or zone
    if name[:1] in "+-":  # zones without an abbreviation ("-03") are named in full
        name = zone
    text = f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {name}"
    if name == "UTC":
        return text
    offset = int(local.utcoffset().total_seconds()) // 60
    sign = "\N{MINUS SIGN}" if offset < 0 else "+"
    return f"{text} (UTC{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d})"


def how_long(since, now):
    """The largest unit of the time between two instants, in words: "3 days", "2 months"."""
    return timesince(since, now, depth=1)


def dashboard_context(user, now):
    """The dashboard's five sections for `user`: a fixed number of queries, whatever the rows."""
    incidents = incidents_visible_to(user, now)
    published = Q(status=IncidentStatus.PUBLISHED)
    wanted = {
        "drafts": Q(status=IncidentStatus.DRAFT) & (Q(created_by=user) | Q(updated_by=user)),
        "review": Q(status=IncidentStatus.REVIEW),
        "embargoes": published & Q(embargo_until__gt=now),
        "follow_ups": published & (Q(followed_until_hi__isnull=True) | Q(followed_until_hi__lt=now - FOLLOW_UP_AFTER)),
    }
    counts = incidents.aggregate(**{name: Count("pk", filter=q) for name, q in wanted.items()})
    rows = incidents.select_related("vendor")
    drafts = list(rows.filter(wanted["drafts"]).order_by("-updated_at", "pk")[:DASHBOARD_ROWS])
    review = list(
        rows.filter(wanted["review"]).select_related("updated_by").order_by("updated_at", "pk")[:DASHBOARD_ROWS]
    )
    embargoes = list(rows.filter(wanted["embargoes"]).order_by("embargo_until", "pk")[:DASHBOARD_ROWS])
    for incident in embargoes:
        incident.lifts_at = zoned_time(incident.embargo_until, incident.timezone)
        incident.lifts_in = how_long(now, incident.embargo_until)
    oldest_follow_up_first = (F("followed_until_hi").asc(nulls_first=True), "updated_at", "pk")
    follow_ups = list(rows.filter(wanted["follow_ups"]).order_by(*oldest_follow_up_first)[:DASHBOARD_ROWS])
    for incident in follow_ups:
        incident.followed_text = describe(
            incident.followed_until_at, incident.followed_until_precision, incident.followed_until_approximate
        )
        incident.followed_ago = how_long(incident.followed_until_hi, now) if incident.followed_until_hi else ""
    awaiting = (
        claims_visible_to(user, now)
        .filter(status__in=(PublicationStatus.DRAFT, PublicationStatus.PUBLISHED))
        .exclude(incident__status=IncidentStatus.RETRACTED)
        .with_vendor_stance(public=False)
        .filter(vendor_stance=AWAITING_RESPONSE)
    )
    counts["claims"] = awaiting.count()
    longest_waiting_first = (F("nominal").asc(nulls_last=True), "pk")
    claims = list(
        awaiting.select_related("incident__vendor", "claimant").order_by(*longest_waiting_first)[:DASHBOARD_ROWS]
    )
    for claim in claims:
        claim.waiting = how_long(claim.nominal, now) if claim.nominal and claim.nominal <= now else ""
    return {
        "counts": counts,
        "drafts": drafts,
        "review": review,
        "embargoes": embargoes,
        "claims": claims,
        "follow_ups": follow_ups,
        "follow_up_days": FOLLOW_UP_AFTER.days,
    }


@workspace_page
def dashboard(request):
    """What needs the signed-in journalist: their drafts, the review queue, embargoes, unanswered claims, follow-ups."""
    context = dashboard_context(request.user, timezone.now())
    template = "workspace/dashboard.html"
    return render(request, f"{template}#sections" if request.htmx else template, context)


# --- preview and the publishing workflow --------------------------------------------------
#
# Who may do what is the role table's (disclosure/roles.py): the pages ask the same
# permissions to decide which forms to show, and the services refuse anything else.

#: Dates as a journalist types them; a browser's date input sends the first.
DATE_FORMATS = ["%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%B %d, %Y", "%d/%m/%Y"]
DATE_ERROR = "Give a date like 26 December 2019 or 2019-12-26."
TIME_ERROR = "Give a time like 09:30 or 18:00 (24-hour clock)."


def _incident(request, slug):
    return get_object_or_404(incidents_visible_to(request.user).select_related("vendor"), slug=slug)


def _messages_of(exc):
    """A refused write in plain words: the service's own sentences, never a traceback."""
    if isinstance(exc, PermissionDenied):
        return [str(exc) or "Your role may not do this."]
    return list(exc.messages)


def _zone(incident):
    return timemath.zone_or_utc(incident.timezone)


def _zone_words(zone, instant=None):
    """ "America/New_York (UTC-05:00)": the zone's offset at `instant` (now when None)."""
    offset = (instant or timezone.now()).astimezone(zone).strftime("%z")
    return f"{zone.key} (UTC{offset[:3]}:{offset[3:]})"


def _instant_words(instant, zone):
    local = instant.astimezone(zone)
    return f"{local.day} {local:%B %Y, %H:%M} {_zone_words(zone, instant)}"


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def _done(request, url):
    """After a successful POST: the page to go to (htmx follows it as a full page load)."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _render_form(request, template, context, status=200):
    """The full page, or its form partial when htmx posted the form."""
    name = f"{template}#form" if request.htmx and request.method == "POST" else template
    return render(request, name, context, status=status)


@workspace_page
def incident_preview(request, slug):
    """The incident exactly as its public page renders it, built from the newsroom's view: drafts
    included and marked, with the staff figures. Never cached (workspace_page), never public."""
    incident = selectors.incident_detail(slug, request.user)
    context = selectors.incident_page_context(incident, view=MetricView.STAFF)
    context.update(
        preview=True,
        may_publish=request.user.has_perm(roles.PUBLISH),
        embargo_text=_instant_words(incident.embargo_until, _zone(incident)) if incident.embargo_until else "",
    )
    return render(request, "workspace/workflow/preview.html", context)


class EmbargoForm(forms.Form):
    embargo_date = forms.DateField(
        label="Embargo until (date)",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    embargo_time = forms.TimeField(
        label="time",
        required=False,
        input_formats=["%H:%M", "%H:%M:%S", "%H.%M"],
        error_messages={"invalid": TIME_ERROR},
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, incident, **kwargs):
        self.incident = incident
        self.zone = _zone(incident)
        if incident.embargo_until:
            local = incident.embargo_until.astimezone(self.zone)
            kwargs.setdefault("initial", {"embargo_date": local.date(), "embargo_time": local.time()})
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        day, hour = cleaned.get("embargo_date"), cleaned.get("embargo_time")
        if self.errors:
            return cleaned
        if hour is not None and day is None:
            self.add_error("embargo_date", "Give the day the embargo lifts, as well as its time.")
            return cleaned
        instant = datetime.combine(day, hour or time(0), tzinfo=self.zone) if day else None
        if instant and instant != self.incident.embargo_until and instant <= timezone.now():
            self.add_error(
                "embargo_date",
                "That moment has passed: give a later date and time, or leave both empty to publish now.",
            )
        cleaned["embargo_until"] = instant
        return cleaned


def _key(record):
    return f"{record._meta.model_name}-{record.pk}"


def _drafts(parts):
    """Every draft event, claim and response of the incident, in publishing order."""
    drafts = [e for e in parts["events"] if e.status != PublicationStatus.PUBLISHED]
    drafts += [c for c in parts["claims"] if c.status != PublicationStatus.PUBLISHED]
    drafts += [r for c in parts["claims"] for r in c.staff_responses if r.status != PublicationStatus.PUBLISHED]
    return drafts


def _publish_context(request, incident, *, form=None, ticked=None, errors=()):
    parts = selectors.staff_incident_parts(incident, request.user)
    drafts = _drafts(parts)
    ticked = {_key(d) for d in drafts} if ticked is None else ticked
    for record in [*parts["events"], *parts["claims"], *(r for c in parts["claims"] for r in c.staff_responses)]:
        record.form_key = _key(record)
        record.ticked = record.form_key in ticked
    chosen = [d for d in drafts if d.form_key in ticked]
    zone = _zone(incident)
    return {
        "incident": incident,
        **parts,
        "drafts": drafts,
        "blockers": disclosure_services.publication_blockers(incident=incident, parts=chosen),
        "errors": list(errors),
        "form": form or EmbargoForm(incident=incident),
        "zone_text": _zone_words(zone),
        "embargo_text": _instant_words(incident.embargo_until, zone) if incident.embargo_until else "",
        "lifts": [(lift, _instant_words(lift.embargo_until, zone)) for lift in parts["lifts"]],
        "may_publish": request.user.has_perm(roles.PUBLISH),
        "may_retract": request.user.has_perm(roles.RETRACT),
        "is_public_status": incident.status in roles.PUBLIC_STATUSES,
        "is_retracted": incident.status == IncidentStatus.RETRACTED,
    }


@workspace_page
def incident_publish(request, slug):
    """What publishing makes public and what stays draft; an editor publishes the incident with
    the ticked draft parts (and an optional embargo) in one step. A contributor sees why not."""
    incident = _incident(request, slug)
    template = "workspace/workflow/publish.html"
    if request.method != "POST":
        return render(request, template, _publish_context(request, incident))
    if not request.user.has_perm(roles.PUBLISH):
        raise PermissionDenied("Your role may not publish: ask an editor.")
    form = EmbargoForm(request.POST, incident=incident)
    ticked = set(request.POST.getlist("parts"))
    parts = selectors.staff_incident_parts(incident, request.user)
    chosen = [d for d in _drafts(parts) if _key(d) in ticked]
    errors = []
    if form.is_valid():
        try:
            disclosure_services.incident_publish_with_parts(
                incident=incident, parts=chosen, by=request.user, embargo_until=form.cleaned_data["embargo_until"]
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = _messages_of(exc)
        else:
            public_claims = [c for c in parts["claims"] if c.status == PublicationStatus.PUBLISHED]
            counts = (
                _plural(sum(e.status == PublicationStatus.PUBLISHED for e in parts["events"]), "event"),
                _plural(len(public_claims), "claim"),
                _plural(
                    sum(r.status == PublicationStatus.PUBLISHED for c in public_claims for r in c.staff_responses),
                    "response",
                ),
            )
            text = f"Published: {', '.join(counts)}."
            if incident.embargo_until and incident.embargo_until > timezone.now():
                text += f" Public from {_instant_words(incident.embargo_until, _zone(incident))}."
            messages.success(request, text)
            return _done(request, reverse("workspace:incident-edit", kwargs={"slug": incident.slug}))
    # A refused publication wrote nothing: show the incident as stored, with the editor's choices.
    incident = _incident(request, slug)
    context = _publish_context(request, incident, form=form, ticked=ticked, errors=errors)
    return _render_form(request, template, context)


def _next_url(request, default):
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


@workspace_page
@require_POST
def incident_review(request, slug):
    """Move a draft incident to review, or back to draft (any newsroom role, through record_save)."""
    incident = _incident(request, slug)
    target = request.POST.get("to")
    moves = {IncidentStatus.DRAFT: IncidentStatus.REVIEW, IncidentStatus.REVIEW: IncidentStatus.DRAFT}
    if moves.get(incident.status) != target:
        messages.error(request, "Only a draft moves to review, and only a story in review moves back to draft.")
    else:
        try:
            disclosure_services.incident_update(incident=incident, by=request.user, status=target)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(_messages_of(exc)))
        else:
            done = "Moved to review: an editor can publish it." if target == IncidentStatus.REVIEW else "Back to draft."
            messages.success(request, done)
    return _done(request, _next_url(request, reverse("workspace:incident-publish", kwargs={"slug": slug})))


class RetractForm(forms.Form):
    notice = forms.CharField(
        label="Public notice",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown at the top of the incident's public page: what was wrong, and why it is retracted.",
        error_messages={"required": "Write the public notice: readers see it on the incident's page, saying why."},
    )


@workspace_page
def incident_retract(request, slug):
    """An admin retracts an incident with its public notice (incident_retract)."""
    incident = _incident(request, slug)
    may_retract = request.user.has_perm(roles.RETRACT)
    form = RetractForm()
    errors = []
    if request.method == "POST":
        if not may_retract:
            raise PermissionDenied("Only an admin may retract an incident.")
        form = RetractForm(request.POST)
        if form.is_valid():
            try:
                disclosure_services.incident_retract(
                    incident=incident, notice=form.cleaned_data["notice"], by=request.user
                )
            except (ValidationError, PermissionDenied) as exc:
                errors = _messages_of(exc)
                incident = _incident(request, slug)
            else:
                messages.success(request, "Retracted: the public page now shows the notice.")
                return _done(request, reverse("workspace:incident-edit", kwargs={"slug": slug}))
    context = {"incident": incident, "form": form, "errors": errors, "may_retract": may_retract}
    return _render_form(request, "workspace/workflow/retract.html", context)


class CorrectionForm(forms.Form):
    date = forms.DateField(
        label="Date",
        input_formats=DATE_FORMATS,
        error_messages={"required": "Give the date of the correction.", "invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    text = forms.CharField(
        label="Correction",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="As readers will see it on the incident's page: what was wrong, and what is right.",
        error_messages={"required": "Write the correction as readers will see it."},
    )


@workspace_page
def incident_correction(request, slug):
    """An editor logs a correction (date and text, correction_add); the public page lists them."""
    incident = _incident(request, slug)
    may_correct = request.user.has_perm("disclosure.add_correction")
    form = CorrectionForm(initial={"date": timezone.localdate()})
    errors = []
    if request.method == "POST":
        if not may_correct:
            raise PermissionDenied("Only an editor or an admin may log a correction.")
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                disclosure_services.correction_add(incident=incident, by=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                errors = _messages_of(exc)
            else:
                messages.success(request, "Correction logged: it shows on the public page.")
                return _done(request, reverse("workspace:incident-correction", kwargs={"slug": slug}))
    context = {
        "incident": incident,
        "corrections": list(incident.corrections.all()),
        "form": form,
        "errors": errors,
        "may_correct": may_correct,
    }
    return _render_form(request, "workspace/workflow/correction.html", context)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("incidents/<slug:slug>/preview/", incident_preview, name="incident-preview"),
    path("incidents/<slug:slug>/publish/", incident_publish, name="incident-publish"),
    path("incidents/<slug:slug>/review/", incident_review, name="incident-review"),
    path("incidents/<slug:slug>/retract/", incident_retract, name="incident-retract"),
    path("incidents/<slug:slug>/corrections/", incident_correction, name="incident-correction"),
]
