"""Read-only metrics API: one incident's metrics (time-and-metrics.md §7) and the aggregates.

Anyone may read; the public view is computed from public events of public
incidents only, and anything not public is 404. Staff may ask for `?view=staff`,
computed from every event.
"""

import re
from datetime import timedelta

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from disclosure import timemath
from disclosure.api.openapi import ErrorSerializer
from disclosure.api.pagination import BoundedPageNumberPagination
from disclosure.api.renderers import CSVRenderer
from disclosure.selectors import incidents_visible_to, sees_everything

from .. import figures
from ..models import IncidentMetric, Metric, MetricAggregate, MetricView, Norm, ResponseAggregate
from ..selectors import incident_reporter_notices

VIEW_PARAMETER = OpenApiParameter(
    "view",
    str,
    enum=MetricView.values,
    description="`public` (default): from public events only. `staff`: from all events; staff only.",
)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid query parameter."),
    403: OpenApiResponse(ErrorSerializer, description="?view=staff without a staff account."),
    404: OpenApiResponse(ErrorSerializer, description="No such public incident, or no such page."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; retry after Retry-After seconds."),
}


def requested_view(request):
    view = request.query_params.get("view") or MetricView.PUBLIC
    if view not in MetricView.values:
        raise ValidationError({"view": f"Choose one of: {', '.join(MetricView.values)}."})
    if view == MetricView.STAFF and not sees_everything(request.user):
        raise PermissionDenied("Only staff may see the staff view.")
    return view


class NormComparisonSerializer(serializers.Serializer):
    norm = serializers.CharField(help_text="The norm's slug.")
    name = serializers.CharField()
    window_seconds = serializers.IntegerField()
    window_text = serializers.CharField()
    source_url = serializers.URLField()
    share = serializers.FloatField(
        allow_null=True, help_text="The nominal figure as a fraction of the norm's window; null for no notice."
    )
    direction = serializers.ChoiceField(
        choices=figures.DIRECTIONS,
        help_text="How the figure is compared with the window: at_least (a notice a reporter should give, "
        "notice_to_publication) or at_most (a step the vendor should take within it, notice_to_remediation).",
    )
    outcome = serializers.ChoiceField(
        choices=figures.OUTCOMES,
        help_text="met: every value the bounds allow meets the norm in its direction (the boundary meets it); "
        "missed: none does; uncertain: the bounds lie either side of the window; pending: the figure is open "
        "and not decided yet (an open figure is met for at_least once its lower bound reaches the window, "
        "missed for at_most once its lower bound exceeds it).",
    )
    met = serializers.BooleanField(
        allow_null=True,
        help_text="For compatibility: true when outcome is met, false when it is missed, null otherwise. "
        "Read `outcome` and `direction`: for an at_least norm, true means the notice was at least the window.",
    )


class MetricSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    label = serializers.CharField()
    nominal_seconds = serializers.IntegerField()
    min_seconds = serializers.IntegerField()
    max_seconds = serializers.IntegerField()
    open = serializers.BooleanField(help_text="The end has not happened yet; the figures run to computed_at.")
    start_event = serializers.CharField(allow_null=True, help_text="Key of the event the metric starts at.")
    end_event = serializers.CharField(allow_null=True, help_text="Key of the event it ends at; null when open.")
    description = serializers.CharField(help_text="The figure in words, with its bounds and the first norm.")
    as_of = serializers.DateTimeField(
        required=False,
        help_text="Only on an open figure: the instant it runs to (the end of the incident's followed_until, "
        "else the time of computation; time-and-metrics.md §4.1, §9).",
    )
    norms = NormComparisonSerializer(
        many=True, help_text="Each norm that applies to the metric, in its direction for it (time-and-metrics.md §5)."
    )


class ReporterNoticeSerializer(serializers.Serializer):
    organization = serializers.SlugField(help_text="The publishing reporter's slug.")
    organization_name = serializers.CharField()
    metric = serializers.CharField(help_text="Always notice_to_publication: the notice is compared like it (§5).")
    no_notice = serializers.BooleanField(
        help_text="True when the reporter published with no vendor_notified event of its own; the seconds are "
        "then absent (never zero)."
    )
    nominal_seconds = serializers.IntegerField(required=False)
    min_seconds = serializers.IntegerField(required=False)
    max_seconds = serializers.IntegerField(required=False)
    description = serializers.CharField(help_text="The notice in words (time-and-metrics.md §8).")
    norms = NormComparisonSerializer(many=True, help_text="Each notice norm, at least; no notice misses them all.")


class IncidentMetricsSerializer(serializers.Serializer):
    incident = serializers.SlugField()
    view = serializers.ChoiceField(choices=MetricView.choices)
    computed_at = serializers.DateTimeField(allow_null=True)
    as_of = serializers.DateTimeField(
        allow_null=True,
        help_text="The instant open figures run to: the end of the incident's followed_until when the newsroom "
        "stopped following the story there, else the time of computation (time-and-metrics.md §4.1).",
    )
    metrics = MetricSerializer(many=True)
    reporters = ReporterNoticeSerializer(
        many=True,
        help_text="The notice each publishing reporter gave (time-and-metrics.md §4.2): notice given first, "
        "shortest first; then those who published with no notice.",
    )


def _comparison(c):
    return {
        "norm": c["norm"].slug,
        "name": c["norm"].name,
        "window_seconds": c["norm"].window_seconds,
        "window_text": c["norm"].window_text,
        "source_url": c["norm"].source_url,
        "share": c["share"],
        "direction": c["direction"],
        "outcome": c["outcome"],
        "met": c["met"],
    }


def reporter_payload(notice, norms):
    """One publishing reporter's notice as §9 gives it: with no notice, no seconds at all."""
    data = {
        "organization": notice.organization.slug,
        "organization_name": notice.organization.name,
        "metric": notice.metric,
        "no_notice": notice.no_notice,
    }
    if notice.no_notice:
        figure = figures.NO_NOTICE
    else:
        figure = notice
        data |= {
            "nominal_seconds": notice.nominal_seconds,
            "min_seconds": notice.min_seconds,
            "max_seconds": notice.max_seconds,
        }
    data["description"] = figures.describe(figure)
    data["norms"] = [_comparison(c) for c in figures.notice_comparisons(figure, norms)]
    return data


def metric_payload(row, norms, as_of_text=None, as_of=None):
    """One figure as §9 gives it; an open one adds `as_of`, the instant it runs to."""
    payload = {
        "metric": row.metric,
        "label": row.get_metric_display(),
        "nominal_seconds": row.nominal_seconds,
        "min_seconds": row.min_seconds,
        "max_seconds": row.max_seconds,
        "open": row.open,
        "start_event": row.start_event.key if row.start_event else None,
        "end_event": row.end_event.key if row.end_event else None,
        "description": figures.describe_metric(row, norms, as_of=as_of_text),
        "norms": [_comparison(c) for c in figures.norm_comparisons(row, row.metric, norms)],
    }
    if row.open:
        payload["as_of"] = as_of or row.computed_at
    return payload


def _date_text(instant, tz):
    """The day an open figure runs to, in the incident's time zone ("30 December 2019"): the last
    instant before `instant`, which is the exclusive end of followed_until or the computation time."""
    if instant is None:
        return None
    local = (instant - timedelta(microseconds=1)).astimezone(timemath.zone_or_utc(tz))
    return f"{local.day} {local:%B %Y}"


class IncidentMetricsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="incident_metrics",
        parameters=[VIEW_PARAMETER],
        responses={200: IncidentMetricsSerializer, **ERRORS},
        tags=["metrics"],
        summary="An incident's disclosure-window metrics",
        description="Each metric in whole seconds with its bounds, whether it is still open, and how it compares with the published norms. 404 unless the incident is public (staff view: any incident).",
    )
    def get(self, request, slug):
        view = requested_view(request)
        # The public view is 404 for what the public cannot see, whoever asks; requested_view()
        # lets only the newsroom ask for the staff view.
        reader = request.user if view == MetricView.STAFF else None
        incident = get_object_or_404(
            incidents_visible_to(reader).only("pk", "slug", "followed_until_hi", "timezone"), slug=slug
        )
        rows = sorted(
            IncidentMetric.objects.filter(incident=incident, view=view).select_related("start_event", "end_event"),
            key=lambda r: figures.METRIC_ORDER[r.metric],
        )
        norms = list(Norm.objects.all())
        data = {
            "incident": incident.slug,
            "view": view,
            "computed_at": (computed_at := max((r.computed_at for r in rows), default=None)),
            "as_of": (data_as_of := incident.followed_until_hi or computed_at),
            "metrics": [
                metric_payload(r, norms, _date_text(data_as_of, incident.timezone), incident.followed_until_hi)
                for r in rows
            ],
            "reporters": [reporter_payload(n, norms) for n in incident_reporter_notices(incident, view)],
        }
        return Response(IncidentMetricsSerializer(data).data)


class MetricAggregateSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True, allow_null=True, default=None)
    norm_shares = serializers.JSONField(
        help_text="{norm slug: {met, uncertain, missed, pending, of, direction, share, share_at_most}} for each norm "
        "that applies to the metric, compared in its direction (at_least or at_most). The four counts add up to "
        "`of`, every figure counted, open ones included (pending until decided); share = met / of; "
        "share_at_most = (of - missed) / of, the largest share that met or may yet meet."
    )

    class Meta:
        model = MetricAggregate
        fields = [
            "view",
            "dimension",
            "organization",
            "organization_name",
            "year",
            "metric",
            "incident_count",
            "open_count",
            "no_notice_count",
            "median_seconds",
            "q1_seconds",
            "q3_seconds",
            "median_min_seconds",
            "median_max_seconds",
            "norm_shares",
            "computed_at",
        ]
        read_only_fields = fields


def _choice(request, name, choices):
    value = request.query_params.get(name)
    if value and value not in choices:
        raise ValidationError({name: f"Choose one of: {', '.join(choices)}."})
    return value


@extend_schema_view(
    get=extend_schema(
        operation_id="metric_aggregates",
        responses={200: MetricAggregateSerializer(many=True), **ERRORS},
        tags=["metrics"],
        summary="Metrics aggregated over incidents",
        description="Median, quartiles and the median's bounds over the closed figures, and the counts met / uncertain / missed / pending of each norm in its direction (open figures included), per reporting organisation, vendor, year and overall. See docs/methodology.md. `?format=csv` for CSV.",
        parameters=[
            VIEW_PARAMETER,
            OpenApiParameter("dimension", str, enum=MetricAggregate.Dimension.values),
            OpenApiParameter("metric", str, enum=Metric.values),
            OpenApiParameter("organization", str, description="Organisation slug (reporter or vendor dimension)."),
            OpenApiParameter("year", OpenApiTypes.INT),
        ],
    )
)
class AggregateListView(ListAPIView):
    """A read-only list of stored aggregates: open to all (the view parameter guards the staff
    view), paginated, in JSON or CSV, filtered by the view's own query parameters."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, CSVRenderer]
    pagination_class = BoundedPageNumberPagination
    filter_backends: list = []


class MetricAggregateListView(AggregateListView):
    serializer_class = MetricAggregateSerializer

    def get_queryset(self):
        request = self.request
        filters = {"view": requested_view(request)}
        if dimension := _choice(request, "dimension", MetricAggregate.Dimension.values):
            filters["dimension"] = dimension
        if metric := _choice(request, "metric", Metric.values):
            filters["metric"] = metric
        if organization := request.query_params.get("organization"):
            filters["organization__slug"] = organization
        if year := request.query_params.get("year"):
            if not re.fullmatch(r"[0-9]{1,4}", year):
                raise ValidationError({"year": "A year is a whole number of up to four digits, like 2019."})
            filters["year"] = int(year)
        return (
            MetricAggregate.objects.filter(**filters)
            .select_related("organization")
            .order_by("dimension", "year", "organization__slug", "metric", "id")
        )


class ResponseAggregateSerializer(serializers.ModelSerializer):
    vendor = serializers.SlugRelatedField(source="organization", slug_field="slug", read_only=True, allow_null=True)
    vendor_name = serializers.CharField(source="organization.name", read_only=True, allow_null=True, default=None)
    stance_counts = serializers.JSONField(help_text="{stance or awaiting_response: number of claims}")
    stance_shares = serializers.SerializerMethodField(help_text="{stance or awaiting_response: share of the claims}")

    class Meta:
        model = ResponseAggregate
        fields = [
            "view",
            "vendor",
            "vendor_name",
            "claims",
            "stance_counts",
            "stance_shares",
            "responded",
            "median_response_seconds",
            "computed_at",
        ]
        read_only_fields = fields

    def get_stance_shares(self, obj) -> dict[str, float]:
        return (
            {stance: round(count / obj.claims, 6) for stance, count in obj.stance_counts.items()} if obj.claims else {}
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="response_aggregates",
        responses={200: ResponseAggregateSerializer(many=True), **ERRORS},
        tags=["metrics"],
        summary="How vendors answered claims",
        description="Claims counted by the vendor's current stance, per vendor and overall (vendor null), and the median time from a claim's assertion to the vendor's first response over the `responded` claims that have one. `?format=csv` for CSV.",
        parameters=[VIEW_PARAMETER, OpenApiParameter("vendor", str, description="Vendor slug.")],
    )
)
class ResponseAggregateListView(AggregateListView):
    serializer_class = ResponseAggregateSerializer

    def get_queryset(self):
        queryset = ResponseAggregate.objects.filter(view=requested_view(self.request)).select_related("organization")
        if vendor := self.request.query_params.get("vendor"):
            queryset = queryset.filter(organization__slug=vendor)
        return queryset.order_by("organization__slug", "id")
