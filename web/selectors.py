"""Reads for the public site and API: the public() selectors with what each page needs loaded.

Every function here starts from a `public()` queryset; each page's reads are a
fixed number of queries whatever the number of rows (tests pin the counts).
"""

from collections import defaultdict
from datetime import timedelta
from types import SimpleNamespace

from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import escape

from claims.models import STANCE_LABELS, Claim, ClaimCitation, ResponseCitation
from claims.selectors import claims_visible_to, latest_vendor_responses, responses_visible_to
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
    ReportedDuration,
    ReportedDurationCitation,
    Source,
)
from disclosure.selectors import events_visible_to, incidents_visible_to, organizations_visible_to
from metrics import figures
from metrics import selectors as metric_selectors
from metrics.figures import REPORTER_ROLES
from metrics.models import (
    IncidentMetric,
    IncidentMetricSet,
    Metric,
    MetricAggregate,
    MetricView,
    Norm,
    ReporterNotice,
)

from .filters import NEWEST_FIRST, with_listing_figures

Dimension = MetricAggregate.Dimension


def public_incidents(now=None):
    return incidents_visible_to(None, now).select_related("vendor")


def incident_detail(slug, reader=None, now=None):
    """One incident with everything its page shows, as `reader` sees it, in a fixed number of queries.

    The public page reads with `reader=None`; the workspace's preview with the newsroom user, so drafts
    are loaded too, under the same names (`public_events`, `public_claims`, `public_responses`) for the
    one template, and the vendor's stance counts draft responses. 404 when `reader` may not see it.
    """
    cited = lambda model: model.objects.select_related("source", "source__outlet").order_by("position", "id")  # noqa: E731
    queryset = (
        incidents_visible_to(reader, now)
        .select_related("vendor")
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("organization")),
            Prefetch("data_exposed", queryset=ExposedData.objects.select_related("data_class")),
            Prefetch(
                "durations",
                queryset=ReportedDuration.objects.prefetch_related(
                    Prefetch("citations", queryset=cited(ReportedDurationCitation))
                ),
            ),
            Prefetch(
                "events",
                queryset=events_visible_to(reader, now)
                .select_related("actor", "target")
                .prefetch_related(Prefetch("citations", queryset=cited(EventCitation)))
                .order_by("nominal", "position"),
                to_attr="public_events",
            ),
            Prefetch(
                "claims",
                queryset=claims_visible_to(reader, now)
                .with_vendor_stance(public=reader is None)
                .select_related("claimant")
                .prefetch_related(
                    Prefetch("citations", queryset=cited(ClaimCitation)),
                    Prefetch(
                        "responses",
                        queryset=responses_visible_to(reader, now)
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
    )
    return get_object_or_404(queryset, slug=slug)


def public_incident_detail(slug, now=None):
    """One public incident with everything its page shows (`incident_detail` as the public reads it)."""
    return incident_detail(slug, None, now)


def public_organization(slug, now=None):
    return get_object_or_404(organizations_visible_to(None, now), slug=slug)


def public_organization_slugs(now=None):
    """The slugs of every public organisation, in order (the sitemap's, remembered per change)."""
    return list(organizations_visible_to(None, now).order_by("slug").values_list("slug", flat=True))


def public_claims(now=None):
    """Public claims with the vendor's current public stance, the claimant and the incident loaded."""
    return (
        claims_visible_to(None, now)
        .with_vendor_stance(public=True)
        .select_related("claimant", "incident", "incident__vendor")
    )


def claim_filter_choices(now=None):
    """The claims page's dropdowns: stances, categories, and the claimants and vendors of public claims."""
    public_claims = claims_visible_to(None, now)
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
    rows = IncidentMetric.objects.filter(view=MetricView.PUBLIC, incident__in=incidents_visible_to(None, now))
    return rows.filter(metric=metric) if metric else rows


def notice_norms():
    """The norms that apply to the notice, each with its direction and heading (`metric_selectors.metric_norms`)."""
    return metric_selectors.metric_norms(Metric.NOTICE_TO_PUBLICATION)


def attach_listing_details(incidents):
    """Give each listed incident `reporters` (organisations), `notices` (each publishing reporter's
    stored public notice, §4.2), its own stored notice figure (`notice_seconds` and bounds) and
    `first_event` (the earliest public event, which dates the card at its own precision), in four
    queries for the whole page."""
    incidents = list(incidents)
    reporters = defaultdict(list)
    ids = [i.pk for i in incidents]
    participants = Participant.objects.filter(incident__in=ids, role__in=REPORTER_ROLES).select_related("organization")
    for p in participants:
        if p.organization not in reporters[p.incident_id]:
            reporters[p.incident_id].append(p.organization)
    notices = defaultdict(list)
    rows = (
        ReporterNotice.objects.filter(incident__in=ids, view=MetricView.PUBLIC)
        .select_related("organization")
        .order_by("no_notice", "nominal_seconds", "organization__name")
    )
    for n in rows if ids else ():
        notices[n.incident_id].append(n)
    # The incident's own notice, for a card whose incident has no per-reporter notice (§8's words need the bounds).
    figures_of = (
        {
            m.incident_id: m
            for m in IncidentMetric.objects.filter(
                incident__in=ids, view=MetricView.PUBLIC, metric=Metric.NOTICE_TO_PUBLICATION
            ).only("incident_id", "nominal_seconds", "min_seconds", "max_seconds")
        }
        if ids
        else {}
    )
    first_ids = [i.first_event_id for i in incidents if getattr(i, "first_event_id", None)]
    firsts = Event.objects.only("id", "at", "precision", "approximate").in_bulk(first_ids) if first_ids else {}
    for incident in incidents:
        incident.reporters = reporters[incident.pk]
        incident.notices = notices[incident.pk]
        incident.first_event = firsts.get(getattr(incident, "first_event_id", None))
        notice = figures_of.get(incident.pk)
        incident.notice_seconds = notice.nominal_seconds if notice else None
        incident.notice_min_seconds = notice.min_seconds if notice else None
        incident.notice_max_seconds = notice.max_seconds if notice else None
    return incidents


def incident_filter_choices():
    """The options of the incident filters: only values that public incidents actually have."""
    incidents = incidents_visible_to(None)
    reporter_ids = Participant.objects.filter(incident__in=incidents, role__in=REPORTER_ROLES).values("organization_id")
    return {
        "vendors": list(Organization.objects.filter(id__in=incidents.values("vendor_id")).values_list("slug", "name")),
        "reporters": list(Organization.objects.filter(id__in=reporter_ids).values_list("slug", "name")),
        "years": list(
            IncidentMetricSet.objects.filter(view=MetricView.PUBLIC, incident__in=incidents, year__isnull=False)
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        ),
        "data_classes": list(
            DataClass.objects.filter(exposures__incident__in=incidents).distinct().values_list("slug", "name")
        ),
        "norms": [(norm.slug, norm.name) for norm in notice_norms()],
        "claim_statuses": list(STANCE_LABELS.items()),
    }


def _shares(aggregate, norms):
    """The stored counts met / uncertain / missed / pending of each norm, with the share in words (figures' words)."""
    stored = aggregate.norm_shares if aggregate is not None else {}
    shares = []
    for norm in norms:
        # A norm added since the last recompute has no counts yet: an empty cell, not a shifted column.
        counts = stored.get(norm.slug) or {"met": 0, "uncertain": 0, "missed": 0, "pending": 0, "of": 0, "share": None}
        share = counts["share"]
        shares.append(
            {
                "norm": norm,
                "met": counts["met"],
                "uncertain": counts["uncertain"],
                "missed": counts["missed"],
                "pending": counts.get("pending", 0),
                "of": counts["of"],
                "text": figures.share_words(counts),
                "share": share,
                "share_text": figures.format_percent(share) if share is not None else None,
                "percent": round(100 * share) if share is not None else None,
            }
        )
    return shares


def summary_of(label, aggregate, norms=(), key=None, rows=()):
    """A stored aggregate as the pages show it (an empty one when the group has no figure)."""
    return SimpleNamespace(
        label=label,
        key=key,
        rows=list(rows),
        count=aggregate.incident_count if aggregate else 0,
        open_count=aggregate.open_count if aggregate else 0,
        no_notice_count=aggregate.no_notice_count if aggregate else 0,
        closed_count=aggregate.incident_count - aggregate.open_count - aggregate.no_notice_count if aggregate else 0,
        median=aggregate.median_seconds if aggregate else None,
        q1=aggregate.q1_seconds if aggregate else None,
        q3=aggregate.q3_seconds if aggregate else None,
        median_min=aggregate.median_min_seconds if aggregate else None,
        median_max=aggregate.median_max_seconds if aggregate else None,
        shares=_shares(aggregate, norms),
        bins=aggregate.bins if aggregate else [],
    )


def home_figures():
    latest = list(with_listing_figures(public_incidents()).order_by(*NEWEST_FIRST)[:6])
    attach_listing_details(latest)
    norms = metric_selectors.metric_norms(Metric.NOTICE_TO_PUBLICATION)
    notice = summary_of("All incidents", metric_selectors.overall_aggregate(Metric.NOTICE_TO_PUBLICATION), norms)
    responses = metric_selectors.response_aggregate()
    latest_responses = list(latest_vendor_responses(None, 5))
    return {
        "latest": latest,
        "incident_count": incidents_visible_to(None).count(),
        "notice": notice,
        "median_notice": notice.median,
        # The stored count (the response aggregates, §6), not a stance computed per claim per request.
        "awaiting_count": (responses.stance_counts.get("awaiting_response", 0) if responses else 0),
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
    for d in incident.durations.all():
        add(d.citations.all())
    # A source based on another ("via ZDNet") names it: one query for all of them, none when there is none.
    based_on = {entry["source"].based_on_id for entry in sources.values()} - {None}
    originals = Source.objects.in_bulk(based_on) if based_on else {}
    for entry in sources.values():
        entry["via"] = originals.get(entry["source"].based_on_id)
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


def _as_of(incident, metrics):
    """The date open figures run to (§4.1), in the incident's time zone: the last instant of its
    followed_until, else the time the figures were computed; None when no figure is open."""
    if not any(m.open for m in metrics):
        return None
    if incident.followed_until_hi is not None:
        instant = incident.followed_until_hi - timedelta(seconds=1)  # hi is the first instant after it
    else:
        instant = max(m.computed_at for m in metrics)
    return instant.astimezone(timemath.zone_or_utc(incident.timezone))


def incident_page_context(incident, view=MetricView.PUBLIC):
    """The incident page's context from the stored figures of `view`: public, or the staff view of the
    workspace's preview (every event counted, drafts included)."""
    metrics = list(IncidentMetric.objects.filter(incident=incident, view=view))
    metrics.sort(key=lambda m: figures.METRIC_ORDER.get(m.metric, 99))
    notice = next((m for m in metrics if m.metric == Metric.NOTICE_TO_PUBLICATION), None)
    all_norms = list(Norm.objects.all())
    norms = metric_selectors.metric_norms(Metric.NOTICE_TO_PUBLICATION, all_norms)
    reporter_notices = metric_selectors.incident_reporter_notices(incident, view=view)
    for m in metrics:
        # The notice is judged reporter by reporter (§4.2) when the record says who published.
        skip = m.metric == Metric.NOTICE_TO_PUBLICATION and reporter_notices
        m.verdicts = [] if skip else figures.metric_verdicts(m, all_norms)
    return {
        "incident": incident,
        "metrics": metrics,
        "as_of": (as_of := _as_of(incident, metrics)),
        # the date in the incident's own time zone (the template's date filter would show UTC's)
        "as_of_text": f"{as_of.day} {as_of:%B %Y}" if as_of else None,
        "notice": notice,
        "reporter_notices": reporter_notices,
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
        # TimelineJS renders `text` as HTML: what the record says is escaped, only our own markup is not.
        citations = [escape(c.source.title) for c in e.citations.all()]
        text = escape(e.description) + (f"<p>Sources: {'; '.join(citations)}</p>" if citations else "")
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
            "text": {"headline": escape(incident.title), "text": escape(incident.summary)},
            "unique_id": incident.slug,
        },
        "events": events,
        "eras": [],
        "scale": "human",
    }


def _with_reporters(rows, norms=()):
    """Give stored figures (from `metrics.selectors.public_figures`) what the pages and the CSV show.

    No query: the incident, vendor, year and reporters come loaded. Each norm's
    outcome is `figures.norm_comparisons`' (in the norm's direction for the metric;
    an open figure is pending until decided), as the aggregates count it.
    """
    for r in rows:
        r.incident_slug = r.incident.slug
        r.incident_title = r.incident.title
        r.vendor = r.incident.vendor
        r.vendor_name = r.incident.vendor.name
        r.reporter_names = [o.name for o in getattr(r, "reporters", ())]
        r.url = reverse("disclosure:incident-detail", kwargs={"slug": r.incident.slug})
        r.outcomes = [c["outcome"] for c in figures.norm_comparisons(r, r.metric, norms)] if norms else []
    return rows


def reporter_notice_rows(norms=()):
    """Every stored public per-reporter notice (§4.2) as the compare CSV lists it: one row per reporter and
    incident, its own notice or none, with each notice norm's outcome (`figures.notice_comparisons`)."""
    rows = metric_selectors.public_reporter_notices()
    for r in rows:
        r.incident_slug = r.incident.slug
        r.incident_title = r.incident.title
        r.vendor_name = r.incident.vendor.name
        r.reporter_names = [r.organization.name]
        r.url = reverse("disclosure:incident-detail", kwargs={"slug": r.incident.slug})
        figure = figures.NO_NOTICE if r.no_notice else r
        r.outcomes = [c["outcome"] for c in figures.notice_comparisons(figure, norms)]
    return rows


def compare_rows(metric, norms=()):
    """Every stored public figure of `metric` the aggregates summarise, one per incident, in nominal order."""
    return _with_reporters(metric_selectors.public_figures(metric), norms)


#: Rows of the compare chart; beyond them the smallest groups are folded into "others" (the table lists all).
MAX_GROUPS = 12
#: Above this many figures the compare chart draws bins from the stored aggregates instead of a dot each.
DOTS_LIMIT = 400


def _chart_group(group, binned):
    if binned:
        return {"label": group.label, "bins": group.bins, "count": group.count}
    return {"label": group.label, "rows": group.rows}


_DIMENSIONS = {"year": Dimension.YEAR, "vendor": Dimension.VENDOR, "reporter": Dimension.REPORTER}


#: The compare table's sortable columns besides the norms' (sorted by their share met): key -> (label, default order).
SORT_COLUMNS = {"group": "asc", "count": "desc", "no_notice": "desc", "median": "asc"}


def _sort_key(column, group):
    """The value a group sorts by in `column`; groups with no value (no median, no figure) sort last either way."""
    if column == "group":
        return group.sort_label
    if column == "count":
        return group.count
    if column == "no_notice":
        return group.no_notice_count
    if column == "median":
        return group.median
    share = next((s for s in group.shares if s["norm"].slug == column), None)
    return share["share"] if share else None


def sort_groups(groups, column, order):
    """The table's groups sorted by one column (None values last in either order), ties by label."""
    present = [g for g in groups if _sort_key(column, g) is not None]
    missing = [g for g in groups if _sort_key(column, g) is None]
    present.sort(key=lambda g: g.sort_label)
    present.sort(key=lambda g: _sort_key(column, g), reverse=order == "desc")
    return present + sorted(missing, key=lambda g: g.sort_label)


def compare_context(metric, by, sort=None, order=None):
    """The compare page: the stored aggregates of `metric` by `by`, and the stored figures as dots.

    Every group is in the table, however small (§6); only the chart folds the smallest
    into "others". Grouped by reporter, the notice is each publishing reporter's own
    (§4.2), those who gave none counted apart; the discovery metrics group by
    discoverer; other metrics have no reporter grouping. The table sorts by any
    column (`sort`, `order`).
    """
    dimension = _DIMENSIONS.get(by, Dimension.YEAR)
    norms = metric_selectors.metric_norms(metric)
    aggregates = metric_selectors.public_aggregates(metric, dimension, Dimension.OVERALL)
    overall = next((a for a in aggregates if a.dimension == Dimension.OVERALL), None)
    aggregates = [a for a in aggregates if a.dimension == dimension]
    per_reporter_notice = (
        dimension == Dimension.REPORTER and figures.REPORTER_DIMENSION.get(metric) == figures.PUBLISHING
    )
    # Up to DOTS_LIMIT figures, one dot per incident (each a link); beyond, the chart draws the stored
    # aggregates' bins, so the page reads the same few rows whatever the number of incidents.
    binned = overall is not None and overall.incident_count > DOTS_LIMIT
    rows = [] if binned else compare_rows(metric, norms)
    if binned:
        members = {}
    elif per_reporter_notice:
        notices = metric_selectors.public_reporter_notices()
        for n in notices:
            n.incident_title = n.incident.title
            n.incident_slug = n.incident.slug
        members = metric_selectors.figures_by_group([n for n in notices if not n.no_notice], dimension)
    else:
        members = metric_selectors.figures_by_group(rows, dimension)
    groups = []
    for a in aggregates:
        if dimension == Dimension.YEAR:
            label, key, sort_label = str(a.year), a.year, -a.year
        else:
            label, key = a.organization.name, a.organization.slug
            sort_label = (a.organization.name.casefold(), a.organization.slug)
        group = summary_of(
            label, a, norms, key=key, rows=members.get(a.year if dimension == Dimension.YEAR else a.organization_id, ())
        )
        group.sort_label = sort_label
        groups.append(group)
    default = "group" if dimension == Dimension.YEAR else "count"
    valid = set(SORT_COLUMNS) | {n.slug for n in norms}
    sort = sort if sort in valid else default
    order = order if order in ("asc", "desc") else SORT_COLUMNS.get(sort, "desc")
    groups = sort_groups(groups, sort, order)
    chart_groups = [_chart_group(g, binned) for g in groups]
    folded = 0
    if len(groups) > MAX_GROUPS and binned:
        kept = {id(g) for g in sorted(groups, key=lambda g: -g.count)[: MAX_GROUPS - 1]}
        rest = [g for g in groups if id(g) not in kept]
        folded = len(rest)
        chart_groups = [_chart_group(g, binned) for g in groups if id(g) in kept]
        others = [sum(counts) for counts in zip(*(g.bins for g in rest if g.bins), strict=True)]
        chart_groups.append({"label": f"{folded} others", "bins": others, "count": sum(g.count for g in rest)})
    elif len(groups) > MAX_GROUPS:
        # The largest groups keep their rows (in the table's order); the smallest share one.
        kept = {id(g) for g in sorted(groups, key=lambda g: -g.count)[: MAX_GROUPS - 1]}
        rest = [g for g in groups if id(g) not in kept]
        folded = len(rest)
        others, seen = [], set()
        for g in rest:
            for r in g.rows:
                if r.pk not in seen:
                    seen.add(r.pk)
                    others.append(r)
        chart_groups = [{"label": g.label, "rows": g.rows} for g in groups if id(g) in kept]
        chart_groups.append({"label": f"{folded} others", "rows": others})
    for n in norms:  # the norms' columns sort by their share met, largest first
        n.sort_order = order if n.slug == sort else None
        n.sort_next = ("asc" if order == "desc" else "desc") if n.slug == sort else "desc"
    columns = [("group", None), ("count", "Incidents")]
    if per_reporter_notice:
        columns.append(("no_notice", "Gave no notice"))
    columns += [("median", "Median")]
    return {
        "metric": metric,
        "by": by,
        "norms": norms,
        # the overall row is the incidents' own figure: it has no reporters, so no "gave no notice"
        "overall": SimpleNamespace(**vars(summary_of("All incidents", overall, norms, rows=rows)), is_overall=True),
        "groups": groups,
        "folded_groups": folded,
        "binned": binned,
        "chart_groups": chart_groups,
        "per_reporter_notice": per_reporter_notice,
        "no_reporter_dimension": dimension == Dimension.REPORTER and metric not in figures.REPORTER_DIMENSION,
        "reporter_kind": figures.REPORTER_DIMENSION.get(metric),
        "sort": sort,
        "order": order,
        "sort_columns": [
            {
                "key": key,
                "label": label,
                "active": key == sort,
                "order": order if key == sort else None,
                # a click on the active column reverses it; on another, its natural order
                "next": ("asc" if order == "desc" else "desc") if key == sort else SORT_COLUMNS[key],
            }
            for key, label in columns
        ],
    }


#: The figures an organisation's page shows for it as a vendor (its stored vendor aggregates).
VENDOR_METRICS = (Metric.EXPOSURE_DURATION, Metric.NOTICE_TO_REMEDIATION, Metric.PUBLICATION_TO_STATEMENT)


def organization_page_context(organization):
    incidents = public_incidents()
    reporter_of = Participant.objects.filter(
        incident=OuterRef("pk"), organization=organization, role__in=REPORTER_ROLES
    )
    published_in = ReporterNotice.objects.filter(incident=OuterRef("pk"), organization=organization, view="public")
    as_vendor = with_listing_figures(incidents.filter(vendor=organization)).order_by(*NEWEST_FIRST)
    as_reporter = with_listing_figures(incidents.filter(Exists(reporter_of) | Exists(published_in))).order_by(
        *NEWEST_FIRST
    )
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
        "notices": [],
        "vendor_figures": [],
        "stances": [],
        "responses": None,
    }
    if not (reporter_list or vendor_list):
        return context
    # The stored aggregates of the organisation's groups: the figures /compare/ and the API show for it.
    stored = metric_selectors.organization_aggregates(organization, [Metric.NOTICE_TO_PUBLICATION, *VENDOR_METRICS])
    if reporter_list:
        # §4.2: the notice it gave in each incident it published, and how often it gave none
        notices = metric_selectors.public_reporter_notices(reporter=organization)
        for n in notices:
            n.incident_title, n.incident_slug = n.incident.title, n.incident.slug
        aggregate = stored.get((Dimension.REPORTER, Metric.NOTICE_TO_PUBLICATION))
        given = [n for n in notices if not n.no_notice]
        context["notice"] = summary_of(organization.name, aggregate, norms, key=organization.slug, rows=given)
        context["notices"] = notices
        context["chart_groups"] = [{"label": organization.name, "rows": given}]
    if vendor_list:
        all_norms = list(Norm.objects.all())
        for metric in VENDOR_METRICS:
            aggregate = stored.get((Dimension.VENDOR, metric))
            if aggregate is not None:
                applying = [n for n in all_norms if figures.norm_applies(n, metric)]
                for n in applying:
                    n.heading = figures.norm_heading(
                        figures.direction_for(n, metric),
                        figures.short_norm_name(n),
                        timemath.format_duration(n.window_seconds),
                        metric=metric,
                    )
                summary = summary_of(Metric(metric).label, aggregate, applying, key=metric)
                summary.metric = metric
                context["vendor_figures"].append(summary)
        responses = metric_selectors.response_aggregate(organization)
        context["responses"] = responses
        counts = responses.stance_counts if responses is not None else {}
        total = responses.claims if responses is not None else 0
        context["stances"] = [
            {"stance": s, "label": label, "count": counts.get(s, 0), "percent": round(100 * counts.get(s, 0) / total)}
            for s, label in STANCE_LABELS.items()
            if counts.get(s)
        ]
        context["claim_total"] = total
    return context


def methodology_context():
    """The norms, and an example from the record: the stored public notice figure of the most
    recently added public incident that has a closed one (None when no incident has)."""
    notices = IncidentMetric.objects.filter(view=MetricView.PUBLIC, metric=Metric.NOTICE_TO_PUBLICATION, open=False)
    # The incident first, newest first on the incident_newest index until one has a closed notice,
    # then its figure: one query that stops early, not a join of every figure with every incident.
    newest = (
        incidents_visible_to(None)
        .filter(Exists(notices.filter(incident=OuterRef("pk"))))
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    example = notices.filter(incident=Subquery(newest)).select_related("incident").first()
    return {"norms": list(Norm.objects.all()), "example": example}


# --- the workspace's publish page ----------------------------------------------------------


def staff_incident_parts(incident, user, now=None):
    """The workspace's publish page: the incident's events and claims as `user` sees them (drafts
    included), each with `citation_count`, each claim with `staff_responses`, and its embargo lifts
    and corrections. Five queries, however many parts."""
    from django.db.models import Count

    events = (
        events_visible_to(user, now)
        .filter(incident=incident)
        .annotate(citation_count=Count("citations"))
        .order_by("nominal", "position", "id")
    )
    responses = (
        responses_visible_to(user, now)
        .select_related("responder")
        .annotate(citation_count=Count("citations"))
        .order_by("position", "id")
    )
    claims = (
        claims_visible_to(user, now)
        .filter(incident=incident)
        .annotate(citation_count=Count("citations"))
        .prefetch_related(Prefetch("responses", queryset=responses, to_attr="staff_responses"))
        .order_by("position", "id")
    )
    return {
        "events": list(events),
        "claims": list(claims),
        "corrections": list(incident.corrections.all()),
        "lifts": list(incident.embargo_lifts.all()),
    }
