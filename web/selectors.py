"""Reads for the public site and API: the public() selectors with what each page needs loaded.

Every function here starts from a `public()` queryset; each page's reads are a
fixed number of queries whatever the number of rows (tests pin the counts).
"""

import statistics
from collections import defaultdict
from datetime import UTC
from types import SimpleNamespace

from django.db.models import Count, Exists, F, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse

from claims.models import STANCE_LABELS, Claim, ClaimCitation, Response, ResponseCitation
from disclosure import timemath
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
)
from metrics.figures import REPORTER_ROLES
from metrics.models import IncidentMetric, Metric, MetricAggregate, MetricView, Norm

from .filters import with_listing_figures, year_instant


def public_incidents(now=None):
    return Incident.objects.public(now).select_related("vendor")


def public_incident_detail(slug, now=None):
    """One public incident with everything its page shows, in a fixed number of queries."""
    cited = lambda model: model.objects.select_related("source", "source__outlet").order_by("position", "id")  # noqa: E731
    queryset = public_incidents(now).prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("organization")),
        Prefetch("data_exposed", queryset=ExposedData.objects.select_related("data_class")),
        Prefetch(
            "events",
            queryset=Event.objects.public(now)
            .select_related("actor", "target")
            .prefetch_related(Prefetch("citations", queryset=cited(EventCitation)))
            .order_by("nominal", "position"),
            to_attr="public_events",
        ),
        Prefetch(
            "claims",
            queryset=Claim.objects.public(now)
            .with_vendor_stance(public=True)
            .select_related("claimant")
            .prefetch_related(
                Prefetch("citations", queryset=cited(ClaimCitation)),
                Prefetch(
                    "responses",
                    queryset=Response.objects.public(now)
                    .select_related("responder")
                    .prefetch_related(Prefetch("citations", queryset=cited(ResponseCitation))),
                    to_attr="public_responses",
                ),
            ),
            to_attr="public_claims",
        ),
        Prefetch(
            "corrections",
            queryset=Correction.objects.prefetch_related(Prefetch("citations", queryset=cited(CorrectionCitation))),
        ),
    )
    return get_object_or_404(queryset, slug=slug)


def public_organization(slug, now=None):
    return get_object_or_404(Organization.objects.public(now), slug=slug)


def public_claims(now=None):
    """Public claims with the vendor's current public stance, the claimant and the incident loaded."""
    return (
        Claim.objects.public(now)
        .with_vendor_stance(public=True)
        .select_related("claimant", "incident", "incident__vendor")
    )


def claim_filter_choices(now=None):
    """The claims page's dropdowns: stances, categories, and the claimants and vendors of public claims."""
    public_claims = Claim.objects.public(now)
    return {
        "stances": list(STANCE_LABELS.items()),
        "categories": Claim.Category.choices,
        "claimants": list(
            Organization.objects.filter(id__in=public_claims.values("claimant_id")).values_list("slug", "name")
        ),
        "vendors": list(
            Organization.objects.filter(
                id__in=Incident.objects.filter(id__in=public_claims.values("incident_id")).values("vendor_id")
            ).values_list("slug", "name")
        ),
    }


def public_metrics(metric=None, now=None):
    rows = IncidentMetric.objects.filter(view=MetricView.PUBLIC, incident__in=Incident.objects.public(now))
    return rows.filter(metric=metric) if metric else rows


def notice_norms():
    return list(Norm.objects.filter(metric=Metric.NOTICE_TO_PUBLICATION))


def attach_listing_details(incidents):
    """Give each listed incident `reporters` (organisations), in one query for the whole page."""
    incidents = list(incidents)
    reporters = defaultdict(list)
    participants = Participant.objects.filter(
        incident__in=[i.pk for i in incidents], role__in=REPORTER_ROLES
    ).select_related("organization")
    for p in participants:
        if p.organization not in reporters[p.incident_id]:
            reporters[p.incident_id].append(p.organization)
    for incident in incidents:
        incident.reporters = reporters[incident.pk]
    return incidents


def incident_filter_choices():
    """The options of the incident filters: only values that public incidents actually have."""
    incidents = Incident.objects.public()
    reporter_ids = Participant.objects.filter(incident__in=incidents, role__in=REPORTER_ROLES).values("organization_id")
    return {
        "vendors": list(Organization.objects.filter(id__in=incidents.values("vendor_id")).values_list("slug", "name")),
        "reporters": list(Organization.objects.filter(id__in=reporter_ids).values_list("slug", "name")),
        "years": sorted(
            {at.astimezone(UTC).year for at in incidents.annotate(y=year_instant()).values_list("y", flat=True) if at},
            reverse=True,
        ),
        "data_classes": list(
            DataClass.objects.filter(exposures__incident__in=incidents).distinct().values_list("slug", "name")
        ),
        "norms": list(Norm.objects.filter(metric=Metric.NOTICE_TO_PUBLICATION).values_list("slug", "name")),
        "claim_statuses": list(STANCE_LABELS.items()),
    }


def home_figures():
    latest = list(with_listing_figures(public_incidents()).order_by("-started_at", "-created_at")[:6])
    attach_listing_details(latest)
    overall = (
        MetricAggregate.objects.filter(
            view=MetricView.PUBLIC,
            dimension=MetricAggregate.Dimension.OVERALL,
            metric=Metric.NOTICE_TO_PUBLICATION,
            organization=None,
            year=None,
        )
        .values_list("median_seconds", flat=True)
        .first()
    )
    if overall is None:
        values = list(public_metrics(Metric.NOTICE_TO_PUBLICATION).values_list("nominal_seconds", flat=True))
        overall = statistics.median(values) if values else None
    latest_responses = list(
        Response.objects.public()
        .filter(responder_id=F("claim__incident__vendor_id"))
        .select_related("responder", "claim", "claim__incident")
        .order_by("-nominal", "-id")[:5]
    )
    return {
        "latest": latest,
        "incident_count": Incident.objects.public().count(),
        "median_notice": overall,
        "awaiting_count": public_claims().filter(vendor_stance="awaiting_response").count(),
        "latest_responses": latest_responses,
    }


def _sources_of(incident):
    """The sources cited anywhere on the incident's public record, each with its quotes."""
    sources = {}

    def add(citations):
        for c in citations:
            entry = sources.setdefault(c.source.pk, {"source": c.source, "quotes": []})
            if c.quote and c.quote not in entry["quotes"]:
                entry["quotes"].append(c.quote)

    for e in incident.public_events:
        add(e.citations.all())
    for c in incident.public_claims:
        add(c.citations.all())
        for r in c.public_responses:
            add(r.citations.all())
    for c in incident.corrections.all():
        add(c.citations.all())
    return sorted(sources.values(), key=lambda s: (s["source"].nominal is None, s["source"].nominal, s["source"].key))


def _json_ld(incident, metrics, request_path):
    events = incident.public_events
    graph = [
        {
            "@type": "Article",
            "headline": incident.title,
            "description": incident.summary,
            "url": request_path,
            "about": {
                "@type": "Event",
                "name": incident.title,
                "startDate": events[0].nominal.isoformat() if events else None,
                "endDate": events[-1].nominal.isoformat() if events else None,
                "organizer": {"@type": "Organization", "name": incident.vendor.name},
            },
            "mentions": [{"@type": "Organization", "name": p.organization.name} for p in incident.participants.all()],
        }
    ]
    for claim in incident.public_claims:
        graph.append(
            {
                "@type": "ClaimReview",
                "url": f"{request_path}#claim-{claim.key}",
                "claimReviewed": claim.statement,
                "itemReviewed": {
                    "@type": "Claim",
                    "author": {"@type": "Organization", "name": claim.claimant.name},
                    "datePublished": claim.nominal.date().isoformat() if claim.nominal else None,
                },
                "author": {"@type": "Organization", "name": incident.vendor.name},
                "reviewRating": {"@type": "Rating", "alternateName": STANCE_LABELS[claim.vendor_stance]},
            }
        )
    return {"@context": "https://schema.org", "@graph": graph}


def incident_page_context(incident):
    metrics = list(IncidentMetric.objects.filter(incident=incident, view=MetricView.PUBLIC))
    order = {m: i for i, m in enumerate(Metric.values)}
    metrics.sort(key=lambda m: order.get(m.metric, 99))
    notice = next((m for m in metrics if m.metric == Metric.NOTICE_TO_PUBLICATION), None)
    norms = notice_norms()
    return {
        "incident": incident,
        "metrics": metrics,
        "notice": notice,
        "norms": norms,
        "sources": _sources_of(incident),
        "json_ld": _json_ld(incident, metrics, incident.get_absolute_url()),
    }


def _timelinejs_date(record):
    local, _offset, _finest = timemath.parse_at(record.at)
    date = {"year": local.year}
    if record.precision in ("month", "day", "hour", "minute", "second"):
        date["month"] = local.month
    if record.precision in ("day", "hour", "minute", "second"):
        date["day"] = local.day
    if record.precision in ("hour", "minute", "second"):
        date["hour"] = local.hour
    if record.precision in ("minute", "second"):
        date["minute"] = local.minute
    if record.precision == "second":
        date["second"] = local.second
    date["display_date"] = record.time_display
    return date


def timelinejs_document(incident, request):
    """TimelineJS3 JSON (https://timeline.knightlab.com/docs/json-format.html) of the public events."""
    events = []
    for e in incident.public_events:
        citations = [c.source.title for c in e.citations.all()]
        text = e.description + (f"<p>Sources: {'; '.join(citations)}</p>" if citations else "")
        events.append(
            {
                "unique_id": e.key,
                "start_date": _timelinejs_date(e),
                "text": {"headline": e.get_kind_display().capitalize(), "text": text},
                "group": e.get_kind_display(),
            }
        )
    return {
        "title": {
            "text": {"headline": incident.title, "text": incident.summary},
            "unique_id": incident.slug,
        },
        "events": events,
        "eras": [],
        "scale": "human",
    }


def _with_reporters(rows):
    """Attach incident titles, vendor, year and reporters to metric rows (two queries in all)."""
    rows = list(rows)
    reporters = defaultdict(list)
    participants = Participant.objects.filter(
        incident_id__in={r.incident_id for r in rows}, role__in=REPORTER_ROLES
    ).select_related("organization")
    for p in participants:
        if p.organization not in reporters[p.incident_id]:
            reporters[p.incident_id].append(p.organization)
    for r in rows:
        r.incident_slug = r.incident.slug
        r.incident_title = r.incident.title
        r.vendor = r.incident.vendor
        r.vendor_name = r.incident.vendor.name
        r.year = r.year_at.astimezone(UTC).year if r.year_at else None
        r.reporters = reporters[r.incident_id]
        r.reporter_names = [o.name for o in r.reporters]
        r.url = reverse("disclosure:incident-detail", kwargs={"slug": r.incident.slug})
    return rows


def compare_rows(metric, incidents=None):
    rows = public_metrics(metric).select_related("incident", "incident__vendor")
    if incidents is not None:
        rows = rows.filter(incident__in=incidents)
    rows = rows.annotate(year_at=year_instant("incident"))
    return _with_reporters(rows.order_by("nominal_seconds", "incident__slug"))


def summarise(label, rows, norms, key=None):
    values = sorted(r.nominal_seconds for r in rows)
    n = len(values)
    quartiles = (
        statistics.quantiles(values, n=4, method="inclusive") if n >= 2 else [None, values[0] if n else None, None]
    )
    shares = []
    for norm in norms:
        met = sum(1 for r in rows if r.max_seconds < norm.window_seconds and not r.open)
        shares.append({"norm": norm, "met": met, "of": n, "percent": round(100 * met / n) if n else None})
    return SimpleNamespace(
        label=label,
        key=key,
        rows=rows,
        count=n,
        open_count=sum(1 for r in rows if r.open),
        median=statistics.median(values) if values else None,
        q1=quartiles[0],
        q3=quartiles[2],
        median_min=statistics.median(sorted(r.min_seconds for r in rows)) if rows else None,
        median_max=statistics.median(sorted(r.max_seconds for r in rows)) if rows else None,
        shares=shares,
    )


MAX_GROUPS = 12


def compare_context(metric, by):
    rows = compare_rows(metric)
    norms = list(Norm.objects.filter(metric=metric))
    grouped = defaultdict(list)
    labels = {}
    for r in rows:
        if by == "year":
            keys = [(r.year, str(r.year) if r.year else "undated")]
        elif by == "vendor":
            keys = [(r.vendor.slug, r.vendor_name)]
        else:
            keys = [(o.slug, o.name) for o in r.reporters] or [("", "no reporter recorded")]
        for key, label in keys:
            grouped[key].append(r)
            labels[key] = label
    if by == "year":
        ordered = sorted(grouped, key=lambda k: (k is None, -(k or 0)))
    else:
        ordered = sorted(grouped, key=lambda k: (-len(grouped[k]), labels[k]))
    shown = ordered[:MAX_GROUPS]
    groups = [summarise(labels[k], grouped[k], norms, key=k) for k in shown]
    return {
        "metric": metric,
        "by": by,
        "norms": norms,
        "overall": summarise("All incidents", rows, norms),
        "groups": groups,
        "hidden_groups": len(ordered) - len(shown),
        "chart_groups": [{"label": g.label, "rows": g.rows} for g in groups],
    }


def organization_page_context(organization):
    incidents = public_incidents()
    reporter_of = Participant.objects.filter(
        incident=OuterRef("pk"), organization=organization, role__in=REPORTER_ROLES
    )
    as_vendor = with_listing_figures(incidents.filter(vendor=organization)).order_by("-started_at", "-pk")
    as_reporter = with_listing_figures(incidents.filter(Exists(reporter_of))).order_by("-started_at", "-pk")
    vendor_list = list(as_vendor[:25])
    reporter_list = list(as_reporter[:25])
    attach_listing_details(vendor_list + reporter_list)
    vendor_count = as_vendor.count() if len(vendor_list) == 25 else len(vendor_list)
    reporter_count = as_reporter.count() if len(reporter_list) == 25 else len(reporter_list)
    norms = notice_norms()
    context = {
        "organization": organization,
        "vendor_incidents": vendor_list,
        "vendor_count": vendor_count,
        "reporter_incidents": reporter_list,
        "reporter_count": reporter_count,
        "norms": norms,
        "notice": None,
        "statement": None,
        "stances": [],
    }
    if reporter_list:
        rows = compare_rows(Metric.NOTICE_TO_PUBLICATION, incidents.filter(Exists(reporter_of)))
        context["notice"] = summarise(organization.name, rows, norms)
        context["chart_groups"] = [{"label": organization.name, "rows": rows}]
    if vendor_list:
        rows = compare_rows(Metric.PUBLICATION_TO_STATEMENT, incidents.filter(vendor=organization))
        context["statement"] = summarise(organization.name, rows, [])
        context["statement_groups"] = [{"label": organization.name, "rows": rows}]
        counts = dict(
            public_claims()
            .filter(incident__vendor=organization)
            .order_by()
            .values_list("vendor_stance")
            .annotate(n=Count("pk"))
            .values_list("vendor_stance", "n")
        )
        total = sum(counts.values())
        context["stances"] = [
            {"stance": s, "label": label, "count": counts.get(s, 0), "percent": round(100 * counts.get(s, 0) / total)}
            for s, label in STANCE_LABELS.items()
            if counts.get(s)
        ]
        context["claim_total"] = total
    return context


def methodology_context():
    wyze = Incident.objects.public().filter(slug="wyze-2019").first()
    metrics = {}
    if wyze:
        metrics = {m.metric: m for m in IncidentMetric.objects.filter(incident=wyze, view=MetricView.PUBLIC)}
    return {"norms": list(Norm.objects.all()), "wyze": wyze, "wyze_metrics": metrics}
