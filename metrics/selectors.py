"""Reads of the stored figures, for every surface (time-and-metrics.md §6).

The home page, the compare page and its CSV, the organisation pages and the API
read the figures the recompute stored, through these functions, and never
compute their own: a median or a share is `figures.summarise`'s, taken once by
`services.aggregates_recompute`. The per-incident figures are read over the same
population as the aggregates (public incidents, retracted ones excluded, public
view), with each incident's groups (vendor, stored year, reporters as
`figures.REPORTER_ROLES` defines them), so the dots of a chart are the figures its
table summarises.
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Subquery

from disclosure import timemath
from disclosure.choices import IncidentStatus
from disclosure.models import Incident, Participant

from . import figures
from .figures import REPORTER_ROLES
from .models import IncidentMetric, IncidentMetricSet, MetricAggregate, MetricView, Norm, ResponseAggregate

Dimension = MetricAggregate.Dimension


def aggregate_population(now=None):
    """The incidents the public aggregates summarise: public ones, retracted ones left out."""
    return Incident.objects.public(now).exclude(status=IncidentStatus.RETRACTED)


def public_aggregates(metric, *dimensions, organization=None):
    """The stored public aggregates of `metric` in the `dimensions`, organisations loaded (one query)."""
    rows = MetricAggregate.objects.filter(view=MetricView.PUBLIC, dimension__in=dimensions, metric=metric)
    if organization is not None:
        rows = rows.filter(organization=organization)
    return list(rows.select_related("organization").order_by("dimension", "year", "organization__name", "id"))


def overall_aggregate(metric):
    """The stored public aggregate of `metric` over all incidents, or None before the first recompute."""
    return (
        MetricAggregate.objects.filter(
            view=MetricView.PUBLIC, dimension=Dimension.OVERALL, metric=metric, organization=None, year=None
        )
        .order_by("id")
        .first()
    )


def organization_aggregates(organization, metrics):
    """{(dimension, metric): aggregate} of one organisation as reporter and as vendor (one query)."""
    rows = MetricAggregate.objects.filter(
        view=MetricView.PUBLIC,
        dimension__in=[Dimension.REPORTER, Dimension.VENDOR],
        organization=organization,
        metric__in=metrics,
    )
    return {(row.dimension, row.metric): row for row in rows}


def response_aggregate(organization=None):
    """The stored public counts of the vendors' current stances (one vendor's, or everyone's)."""
    return ResponseAggregate.objects.filter(view=MetricView.PUBLIC, organization=organization).order_by("id").first()


def metric_norms(metric):
    """The norms that apply to `metric` (`figures.norms_for`), in their order: the ones its aggregates have
    counts for. Each carries `direction` (its direction for `metric`), `short_name` and `heading` (the words
    for its counts, `figures.norm_heading`).
    """
    norms = figures.norms_for(metric, Norm.objects.all())
    for norm in norms:
        norm.direction = figures.direction_for(norm, metric)
        norm.short_name = figures.short_norm_name(norm)
        norm.heading = figures.norm_heading(
            norm.direction, norm.short_name, timemath.format_duration(norm.window_seconds), metric=metric
        )
    return norms


def public_figures(metric, *, vendor=None, reporter=None, with_reporters=True, now=None):
    """The stored public figures of `metric` over the aggregates' population, in nominal order.

    Each row has its incident and vendor loaded, `year` (the stored year the year
    aggregates use) and, with `with_reporters`, `reporter_ids` and `reporters`
    (organisations) in one more query. `vendor` or `reporter` (an organisation) keep
    the figures of that one group. Two queries at most, whatever the number of rows.
    """
    rows = IncidentMetric.objects.filter(
        view=MetricView.PUBLIC, metric=metric, incident__in=aggregate_population(now)
    ).select_related("incident", "incident__vendor")
    if vendor is not None:
        rows = rows.filter(incident__vendor=vendor)
    if reporter is not None:
        rows = rows.filter(
            Exists(
                Participant.objects.filter(
                    incident=OuterRef("incident_id"), organization=reporter, role__in=REPORTER_ROLES
                )
            )
        )
    year = IncidentMetricSet.objects.filter(incident=OuterRef("incident_id"), view=MetricView.PUBLIC).values("year")
    rows = list(rows.annotate(year=Subquery(year[:1])).order_by("nominal_seconds", "incident__slug"))
    if with_reporters:
        reporters = defaultdict(list)
        participants = (
            Participant.objects.filter(incident_id__in={r.incident_id for r in rows}, role__in=REPORTER_ROLES)
            .select_related("organization")
            .order_by("incident_id", "organization__name", "organization_id")
        )
        for p in participants:
            if p.organization not in reporters[p.incident_id]:
                reporters[p.incident_id].append(p.organization)
        for r in rows:
            r.reporters = reporters[r.incident_id]
            r.reporter_ids = {o.pk for o in r.reporters}
    return rows


def figures_by_group(rows, dimension):
    """{year or organisation id: [figures]}: the rows (from `public_figures`) each group of `dimension` summarises.

    The keys are those of the aggregates (`MetricAggregate.year`, `.organization_id`);
    an incident with two reporters is in both reporters' groups, as it is in the aggregates.
    """
    groups = defaultdict(list)
    for r in rows:
        if dimension == Dimension.YEAR:
            keys = [r.year] if r.year is not None else []
        elif dimension == Dimension.VENDOR:
            keys = [r.incident.vendor_id]
        elif dimension == Dimension.REPORTER:
            keys = r.reporter_ids
        else:
            keys = [None]
        for key in keys:
            groups[key].append(r)
    return groups
