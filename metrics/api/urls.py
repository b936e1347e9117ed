"""Routes of the read-only metrics API under /api/v1/."""

from django.urls import path

from . import views as metrics

app_name = "api-metrics"

urlpatterns = [
    path("incidents/<slug:slug>/metrics/", metrics.IncidentMetricsView.as_view(), name="incident-metrics"),
    path("aggregates/", metrics.MetricAggregateListView.as_view(), name="aggregate-list"),
    path("aggregates/responses/", metrics.ResponseAggregateListView.as_view(), name="response-aggregate-list"),
]
