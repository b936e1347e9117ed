"""Routes of the core records under /api/v1/: timeline events, organisations, sources,
data classes. config/api_urls.py includes them, with claims/api/urls.py and
web/api/urls.py, in the one `api-v1` namespace (`api-v1:event-list`)."""

from django.urls import path

from . import views
from .routing import INCIDENT, routes

urlpatterns = [
    *routes(
        f"{INCIDENT}events/",
        views.IncidentEventViewSet,
        "incident-event",
        "<slug:key>",
        actions=[("citations", "post")],
    ),
    path("events/", views.EventListViewSet.as_view({"get": "list"}), name="event-list"),
    *routes("organisations/", views.OrganizationViewSet, "organization", "<slug:slug>"),
    *routes("sources/", views.SourceViewSet, "source", "<slug:key>"),
    path("data-classes/", views.DataClassViewSet.as_view({"get": "list"}), name="dataclass-list"),
    path("data-classes/<slug:slug>/", views.DataClassViewSet.as_view({"get": "retrieve"}), name="dataclass-detail"),
]
