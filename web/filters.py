"""Search, filters and sorting of incidents, shared by the public site and the API.

`IncidentFilter` sits here, above the metrics, because it filters and sorts by
stored figures; the claims' filter is `claims.filters.ClaimFilter` (imported
here for the site). FilterSets run on querysets that already come from the
public selectors; anything they join to (participants, claims, data classes,
metrics) is itself restricted to what is public, so a search term or a filter
value can never reveal a private record by changing the results.

Every filter adds a condition or a subquery to the one query: none runs a query
of its own, so a page's query count does not depend on the filters chosen.
"""

import re

import django_filters
from django.db import connection
from django.db.models import BooleanField, Exists, F, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL

from claims.filters import ClaimFilter  # noqa: F401 (the site's /claims/ filters, defined by claims)
from claims.models import STANCE_LABELS
from claims.selectors import claims_visible_to
from disclosure.models import ExposedData, Incident, Participant
from disclosure.querysets import search_terms
from metrics.figures import AT_LEAST, AT_MOST, NORM_APPLICATIONS, REPORTER_ROLES, norm_direction
from metrics.models import IncidentMetric, Metric, MetricView, Norm

# A reporter is a participant in one of `metrics.figures.REPORTER_ROLES`; "met a norm" and
# "missed a norm" are `metrics.figures.norm_outcome`'s (in SQL, `met_norm_condition` and
# `missed_norm_condition`), in the norm's direction. Nothing here redefines them.

NOTICE_METRIC = Metric.NOTICE_TO_PUBLICATION
EXPOSURE_METRIC = Metric.EXPOSURE_DURATION

SORT_CHOICES = [
    ("newest", "Newest first"),
    ("largest", "Most people affected"),
    ("shortest_notice", "Shortest notice"),
    ("longest_exposure", "Longest exposure"),
]
DEFAULT_SORT = "newest"

#: "Newest first" wherever incidents are listed (the listing, the home page, the feed, an
#: organisation's page): by the earliest public event, the most recently added first among
#: equals, undated ones last. Exactly the order of the `incident_listing` index, so that a page
#: of it is read off the index, not sorted from every public incident.
NEWEST_FIRST = [F("listed_at").desc(nulls_last=True), F("created_at").desc(), "pk"]

CLAIM_STATUS_CHOICES = list(STANCE_LABELS.items())


def with_listing_figures(queryset):
    """Annotate `started_at`, `year` and `first_event_id`: the incident's stored listing row, joined once.

    Each is a column of the incident's public IncidentMetricSet (unique per incident and
    view), never a subquery per incident: listing, sorting by date and the year filter then
    cost one join whatever the number of incidents (issue 13). The recompute keeps the row
    current: `started_at` is the nominal instant of the incident's earliest public event,
    `year` the §6 year. The figures a sort needs are joined by `with_sorted_figure`, only
    for that sort; the cards' own figures are loaded for the page alone
    (`web.selectors.attach_listing_details`).
    """
    if "started_at" in queryset.query.annotations:
        return queryset
    return queryset.annotate(
        listing=FilteredRelation("metric_sets", condition=Q(metric_sets__view=MetricView.PUBLIC)),
    ).annotate(
        # The same instant as the set's started_at, from the incident's own copy: the one the
        # listings sort by (NEWEST_FIRST), so that what a card says and where it stands agree.
        started_at=F("listed_at"),
        year=F("listing__year"),
        first_event_id=F("listing__first_event_id"),
    )


def with_sorted_figure(queryset, metric, name):
    """Annotate `name` with the incident's stored public `metric` (nominal seconds), joined once on its unique index."""
    relation = f"{name}_figure"
    return queryset.annotate(
        **{relation: FilteredRelation("metrics", condition=Q(metrics__view=MetricView.PUBLIC, metrics__metric=metric))}
    ).annotate(**{name: F(f"{relation}__nominal_seconds")})


#: The text search configuration: no stemming and no stop words, the same for every language
#: (sources and summaries may be Italian as well as English).
SEARCH_CONFIG = "simple"


def incident_text_search(term):
    """Incidents whose title or summary holds `term` (a word of `search_terms`), as a condition.

    On PostgreSQL, full-text search on the stored, GIN-indexed `search_document` column of
    migration disclosure 0017: the term's words as prefixes ("buck" finds "bucket"), so a
    search costs an index lookup whatever the number of incidents. Elsewhere (SQLite, the
    embedded default), a LIKE on both columns, bounded by `search_terms`.
    """
    words = re.findall(r"\w+", term)
    if connection.vendor != "postgresql" or not words:
        return Q(title__icontains=term) | Q(summary__icontains=term)
    query = " & ".join(f"{word}:*" for word in words)
    # The column is unknown to the models (PostgreSQL maintains it), hence raw SQL; the only
    # interpolated text is the constant SEARCH_CONFIG, and the words go in as a parameter.
    match = RawSQL(  # noqa: S611
        f"search_document @@ to_tsquery('{SEARCH_CONFIG}'::regconfig, %s)", (query,), BooleanField()
    )
    return Q(pk__in=Incident.objects.annotate(match=match).filter(match=True).values("pk"))


def met_norm_condition(window, direction=AT_MOST):
    """The SQL form of `metrics.figures.norm_outcome(...) == "met"` on IncidentMetric rows.

    `window` is a value or an expression. "At least": even the lower bound reaches
    the window, the boundary included, closed or open (an open figure only grows).
    "At most": even the upper bound is within the window, the boundary included, and
    the figure is closed (an open one has not met anything yet). A test pins that
    both agree on the boundary cases, in both directions.
    """
    if direction == AT_LEAST:
        return Q(min_seconds__gte=window)
    if direction == AT_MOST:
        return Q(max_seconds__lte=window, open=False)
    raise ValueError(f"unknown direction {direction!r}")


def missed_norm_condition(window, direction=AT_MOST):
    """The SQL form of `metrics.figures.norm_outcome(...) == "missed"` on IncidentMetric rows.

    "At least": even the upper bound falls short of the window, and the figure is
    closed (an open one may yet reach it). "At most": even the lower bound exceeds
    the window, closed or open.
    """
    if direction == AT_LEAST:
        return Q(max_seconds__lt=window, open=False)
    if direction == AT_MOST:
        return Q(min_seconds__gt=window)
    raise ValueError(f"unknown direction {direction!r}")


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    vendor = django_filters.CharFilter(field_name="vendor__slug", label="Vendor")
    reporter = django_filters.CharFilter(method="filter_reporter", label="Reporting organisation")
    year = django_filters.NumberFilter(method="filter_year", label="Year", min_value=1, max_value=9998)
    data_class = django_filters.CharFilter(method="filter_data_class", label="Data exposed")
    claim_status = django_filters.ChoiceFilter(
        method="filter_claim_status", choices=CLAIM_STATUS_CHOICES, label="Has a claim the vendor"
    )
    notice_under = django_filters.CharFilter(method="filter_notice_under", label="Gave less notice than")
    sort = django_filters.ChoiceFilter(method="filter_sort", choices=SORT_CHOICES, label="Sort", empty_label=None)

    class Meta:
        fields = []

    def filter_queryset(self, queryset):
        queryset = with_listing_figures(queryset)
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = self.filter_sort(queryset, "sort", DEFAULT_SORT)
        return queryset

    def filter_q(self, queryset, name, value):
        condition = Q()
        for term in search_terms(value):
            # Each word must appear somewhere: in the title or summary (full-text on PostgreSQL),
            # the vendor's or a reporter's name, or a public claim.
            claims = claims_visible_to(None).filter(incident=OuterRef("pk"), statement__icontains=term)
            reporters = Participant.objects.filter(
                incident=OuterRef("pk"), role__in=REPORTER_ROLES, organization__name__icontains=term
            )
            condition &= (
                incident_text_search(term) | Q(vendor__name__icontains=term) | Exists(reporters) | Exists(claims)
            )
        return queryset.filter(condition)

    def filter_reporter(self, queryset, name, value):
        reporters = Participant.objects.filter(
            incident=OuterRef("pk"), role__in=REPORTER_ROLES, organization__slug=value
        )
        return queryset.filter(Exists(reporters))

    def filter_year(self, queryset, name, value):
        return queryset.filter(year=int(value))

    def filter_data_class(self, queryset, name, value):
        return queryset.filter(Exists(ExposedData.objects.filter(incident=OuterRef("pk"), data_class__slug=value)))

    def filter_claim_status(self, queryset, name, value):
        claims = claims_visible_to(None).with_vendor_stance(public=True).filter(incident=OuterRef("pk"))
        return queryset.filter(Exists(claims.filter(vendor_stance=value)))

    def filter_notice_under(self, queryset, name, value):
        """Incidents whose notice was certainly shorter than the norm's window.

        For a norm the notice is compared "at least" with (§5), that is the norm missed
        (`missed_norm_condition`: even the upper bound short of the window); for one
        added in the admin, compared "at most", the norm met (`met_norm_condition`).
        Both are `figures.norm_outcome`'s outcomes in the norm's direction.
        """
        # The norm's window as a subquery: an unknown norm, or one that does not apply to the
        # notice, matches nothing, and no extra query runs.
        norms = Norm.objects.filter(slug=value)
        if value in NORM_APPLICATIONS:
            direction = norm_direction(value, NOTICE_METRIC)
            if direction is None:
                return queryset.none()
        else:
            direction, norms = AT_MOST, norms.filter(metric=NOTICE_METRIC)
        window = Subquery(norms.values("window_seconds")[:1])
        condition = missed_norm_condition(window, direction) if direction == AT_LEAST else met_norm_condition(window)
        notices = IncidentMetric.objects.filter(incident=OuterRef("pk"), view=MetricView.PUBLIC, metric=NOTICE_METRIC)
        return queryset.filter(Exists(notices.filter(condition)))

    def filter_sort(self, queryset, name, value):
        if value == "shortest_notice":
            queryset = with_sorted_figure(queryset, NOTICE_METRIC, "notice_seconds")
        elif value == "longest_exposure":
            queryset = with_sorted_figure(queryset, EXPOSURE_METRIC, "exposure_seconds")
        orderings = {
            "newest": NEWEST_FIRST,
            "largest": [F("affected_count").desc(nulls_last=True), F("listed_at").desc(nulls_last=True), "pk"],
            "shortest_notice": [F("notice_seconds").asc(nulls_last=True), F("listed_at").desc(nulls_last=True), "pk"],
            "longest_exposure": [
                F("exposure_seconds").desc(nulls_last=True),
                F("listed_at").desc(nulls_last=True),
                "pk",
            ],
        }
        return queryset.order_by(*orderings.get(value, orderings[DEFAULT_SORT]))
