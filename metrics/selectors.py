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
from .figures import PUBLISHING, REPORTER_DIMENSION, REPORTER_ROLES
from .models import (
    IncidentMetric,
    IncidentMetricSet,
    MetricAggregate,
    MetricView,
    Norm,
    ReporterNotice,
    ResponseAggregate,
)

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


def metric_norms(metric, norms=None):
    """The norms that apply to `metric` (`figures.norms_for`), in their order: the ones its aggregates have
    counts for. Each carries `direction` (its direction for `metric`), `short_name` and `heading` (the words
    for its counts, `figures.norm_heading`).
    """
    norms = figures.norms_for(metric, Norm.objects.all() if norms is None else norms)
    for norm in norms:
        norm.direction = figures.direction_for(norm, metric)
        norm.short_name = figures.short_norm_name(norm)
        norm.heading = figures.norm_heading(
            norm.direction, norm.short_name, timemath.format_duration(norm.window_seconds), metric=metric
        )
    return norms


def _year():
    return Subquery(
        IncidentMetricSet.objects.filter(incident=OuterRef("incident_id"), view=MetricView.PUBLIC).values("year")[:1]
    )


def _reporter_rows(metric, incident_ids):
    """{incident id: [organisations]}: the reporters of `metric`'s reporter groups in these incidents (one query).

    The publishing reporters of the notice (its ReporterNotice rows), the discoverers of
    the discovery metrics (`figures.REPORTER_DIMENSION`), and for a metric with no
    reporter dimension the participants who found the incident or told the vendor
    (`figures.REPORTER_ROLES`), shown beside its figures but never grouped by.
    """
    who = REPORTER_DIMENSION.get(metric)
    if who == PUBLISHING:
        rows = (
            ReporterNotice.objects.filter(view=MetricView.PUBLIC, incident_id__in=incident_ids)
            .select_related("organization")
            .order_by("incident_id", "organization__name", "organization_id")
        )
    else:
        rows = (
            Participant.objects.filter(incident_id__in=incident_ids, role__in=[who] if who else REPORTER_ROLES)
            .select_related("organization")
            .order_by("incident_id", "organization__name", "organization_id")
        )
    reporters = defaultdict(list)
    for row in rows:
        if row.organization not in reporters[row.incident_id]:
            reporters[row.incident_id].append(row.organization)
    return reporters


def public_figures(metric, *, vendor=None, reporter=None, with_reporters=True, now=None):
    """The stored public figures of `metric` over the aggregates' population, in nominal order.

    Each row has its incident and vendor loaded, `year` (the stored year the year
    aggregates use) and, with `with_reporters`, `reporter_ids` and `reporters`
    (organisations, `_reporter_rows`) in one more query. `vendor` or `reporter` (an
    organisation) keep the figures of that one group; for the notice, a reporter's own
    figures are `public_reporter_notices`. Two queries at most, whatever the number of rows.
    """
    rows = IncidentMetric.objects.filter(
        view=MetricView.PUBLIC, metric=metric, incident__in=aggregate_population(now)
    ).select_related("incident", "incident__vendor")
    if vendor is not None:
        rows = rows.filter(incident__vendor=vendor)
    if reporter is not None:
        who = REPORTER_DIMENSION.get(metric)
        roles = [who] if who and who != PUBLISHING else REPORTER_ROLES
        rows = rows.filter(
            Exists(Participant.objects.filter(incident=OuterRef("incident_id"), organization=reporter, role__in=roles))
        )
    rows = list(rows.annotate(year=_year()).order_by("nominal_seconds", "incident__slug"))
    if with_reporters:
        reporters = _reporter_rows(metric, {r.incident_id for r in rows})
        for r in rows:
            r.reporters = reporters[r.incident_id]
            r.reporter_ids = {o.pk for o in r.reporters}
    return rows


def public_reporter_notices(*, reporter=None, incident=None, now=None):
    """The stored public notice of each publishing reporter (§4.2) over the aggregates' population.

    Those with a figure in nominal order, then those with no notice; each with its
    incident, vendor and organisation loaded and `year`. One query.
    """
    rows = ReporterNotice.objects.filter(view=MetricView.PUBLIC, incident__in=aggregate_population(now))
    if reporter is not None:
        rows = rows.filter(organization=reporter)
    if incident is not None:
        rows = rows.filter(incident=incident)
    rows = rows.select_related("incident", "incident__vendor", "organization").annotate(year=_year())
    return list(rows.order_by("no_notice", "nominal_seconds", "incident__slug", "organization__name"))


def incident_reporter_notices(incident, view=MetricView.PUBLIC):
    """One incident's stored per-reporter notices in `view`: notice given first, shortest first (one query)."""
    return list(
        ReporterNotice.objects.filter(incident=incident, view=view)
        .select_related("organization")
        .order_by("no_notice", "nominal_seconds", "organization__name")
    )


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
            # a reporter's own notice (a ReporterNotice row) is in its one group
            keys = [r.organization_id] if isinstance(r, ReporterNotice) else r.reporter_ids
        else:
            keys = [None]
        for key in keys:
            groups[key].append(r)
    return groups


# --- downloads: every public figure in one streamed read ---------------------------
# (imported here, with the section, so that it stays apart from the reads above)

import heapq  # noqa: E402
from datetime import UTC  # noqa: E402
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Case, F, Value, When  # noqa: E402
from django.db.models.functions import Collate  # noqa: E402
from django.utils import timezone  # noqa: E402

DOWNLOAD_POPULATION = "Public incidents, retracted ones left out; public events only (time-and-metrics.md §3.1, §6)."


def download_norms():
    """Every norm, in its order (one query): the norm columns and keys of the downloads."""
    return list(Norm.objects.all())


def _byte_order(field):
    """`field` ordered by its bytes (code points), as Python compares strings, whatever the database's collation.

    The two streams of `download_rows` are merged in Python by incident slug, so the
    database must sort the slugs as Python does.
    """
    collation = {"postgresql": "C", "sqlite": "BINARY", "mysql": "utf8mb4_bin"}.get(connection.vendor)
    return Collate(field, collation) if collation else F(field)


def _metric_order():
    return Case(
        *(When(metric=m, then=Value(i)) for m, i in figures.METRIC_ORDER.items()),
        default=Value(len(figures.METRIC_ORDER)),
    )


def _as_of_text(instant, tz):
    """'29 December 2019': the day an open figure runs to, in the incident's time zone."""
    try:
        zone = ZoneInfo(tz) if tz else UTC
    except (ValueError, ZoneInfoNotFoundError):
        zone = UTC
    local = instant.astimezone(zone)
    return f"{local.day} {local:%B %Y}"


def _outcomes(comparisons):
    return {c["norm"].slug: c["outcome"] for c in comparisons}


def download_rows(now=None, norms=None, chunk_size=2000):
    """Every stored public figure of the aggregates' population, for the downloads: a generator.

    Yields the public IncidentMetric rows and the public ReporterNotice rows of
    `aggregate_population(now)` (public incidents, retracted ones left out), in
    incident slug order, then each incident's metrics in `figures.METRIC_ORDER`, then
    its reporters' notices by name. Each row has its incident, vendor (and, for a
    notice, organisation) loaded and the stored `year`, and carries:

    * `reporter`: the organisation of a notice, None for the incident's own figures;
    * `as_of`: for an open figure, the instant it runs to (the incident's
      `followed_until` hi, else the row's computed_at, §4.1), else None;
    * `words`: the figure in words (`figures.describe_open`, `figures.notice_sentence`);
    * `outcomes`: {norm slug: outcome} of each norm that applies (`figures.norm_comparisons`,
      `figures.notice_comparisons`).

    Memory stays flat (two server-side iterators, merged) and the query count is fixed
    whatever the number of incidents: the norms (unless given), the metrics, the notices.
    """
    if norms is None:
        norms = download_norms()
    population = aggregate_population(now)
    metrics = (
        IncidentMetric.objects.filter(view=MetricView.PUBLIC, incident__in=population)
        .select_related("incident", "incident__vendor")
        .annotate(year=_year(), metric_position=_metric_order())
        .order_by(_byte_order("incident__slug"), "metric_position", "id")
        .iterator(chunk_size=chunk_size)
    )
    notices = (
        ReporterNotice.objects.filter(view=MetricView.PUBLIC, incident__in=population)
        .select_related("incident", "incident__vendor", "organization")
        .annotate(year=_year())
        .order_by(_byte_order("incident__slug"), "organization__name", "organization_id")
        .iterator(chunk_size=chunk_size)
    )
    # A metric sorts before a notice of the same incident; each stream keeps its own order.
    merged = heapq.merge(metrics, notices, key=lambda r: (r.incident.slug, isinstance(r, ReporterNotice)))
    for row in merged:
        if isinstance(row, ReporterNotice):
            figure = figures.NO_NOTICE if row.no_notice else row
            row.reporter = row.organization
            row.as_of = None
            row.words = figures.notice_sentence(row.organization.name, figure)
            row.outcomes = _outcomes(figures.notice_comparisons(figure, norms))
        else:
            row.reporter = None
            row.as_of = (row.incident.followed_until_hi or row.computed_at) if row.open else None
            as_of_text = _as_of_text(row.as_of, row.incident.timezone) if row.open else None
            row.words = figures.describe_open(row, row.metric, as_of=as_of_text)
            row.outcomes = _outcomes(figures.norm_comparisons(row, row.metric, norms))
        yield row


def _iso(instant):
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def download_metadata(now=None, norms=None):
    """What a download says about itself: its data date, when it was made, the licence, the population, the norms.

    `data_as_of` is the latest computed_at of the stored public figures of the
    population (ISO 8601 UTC, None before the first recompute); each norm lists the
    metrics it applies to with its direction (`figures.NORM_APPLICATIONS`,
    `figures.norms_for`). Two queries (one when `norms` are given).
    """
    generated = now or timezone.now()
    if norms is None:
        norms = download_norms()
    population = aggregate_population(now)
    latest = (
        IncidentMetric.objects.filter(view=MetricView.PUBLIC, incident__in=population)
        .order_by()
        .values_list("computed_at")
        .union(
            ReporterNotice.objects.filter(view=MetricView.PUBLIC, incident__in=population)
            .order_by()
            .values_list("computed_at")
        )
        .order_by("-computed_at")[:1]
    )
    data_as_of = next(iter(latest), (None,))[0]
    return {
        "data_as_of": _iso(data_as_of),
        "generated_at": _iso(generated),
        "licence": settings.DATA_LICENCE,
        "population": DOWNLOAD_POPULATION,
        "norms": [
            {
                "slug": norm.slug,
                "name": norm.name,
                "window_seconds": norm.window_seconds,
                "applies_to": [
                    {"metric": metric, "direction": figures.direction_for(norm, metric)}
                    for metric in figures.METRICS
                    if figures.norms_for(metric, [norm])
                ],
            }
            for norm in norms
        ],
    }
