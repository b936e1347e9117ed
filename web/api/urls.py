"""Routes of /api/v1/. Plain paths, so the nesting reads as it is:
/incidents/<slug>/claims/<key>/responses/<id>/citations/."""

from django.urls import path

from . import root, views

app_name = "api-v1"

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "patch": "partial_update"}


def routes(prefix, viewset, name, lookup, *, actions=()):
    patterns = [
        path(prefix, viewset.as_view(LIST), name=f"{name}-list"),
        path(f"{prefix}{lookup}/", viewset.as_view(DETAIL), name=f"{name}-detail"),
    ]
    for action, method in actions:
        patterns.append(path(f"{prefix}{lookup}/{action}/", viewset.as_view({method: action}), name=f"{name}-{action}"))
    return patterns


INCIDENT = "incidents/<slug:incident_slug>/"
CLAIM = f"{INCIDENT}claims/<slug:claim_key>/"

urlpatterns = [
    path("", root.api_root, name="root"),
    *routes(
        "incidents/",
        views.IncidentViewSet,
        "incident",
        "<slug:slug>",
        actions=[("publish", "post"), ("retract", "post"), ("bundle", "get")],
    ),
    *routes(
        f"{INCIDENT}events/",
        views.IncidentEventViewSet,
        "incident-event",
        "<slug:key>",
        actions=[("citations", "post")],
    ),
    *routes(
        f"{INCIDENT}claims/",
        views.IncidentClaimViewSet,
        "incident-claim",
        "<slug:key>",
        actions=[("citations", "post")],
    ),
    *routes(
        f"{CLAIM}responses/", views.ClaimResponseViewSet, "claim-response", "<int:pk>", actions=[("citations", "post")]
    ),
    path("events/", views.EventListViewSet.as_view({"get": "list"}), name="event-list"),
    path("claims/", views.ClaimListViewSet.as_view({"get": "list"}), name="claim-list"),
    *routes("organisations/", views.OrganizationViewSet, "organization", "<slug:slug>"),
    *routes("sources/", views.SourceViewSet, "source", "<slug:key>"),
    path("data-classes/", views.DataClassViewSet.as_view({"get": "list"}), name="dataclass-list"),
    path("data-classes/<slug:slug>/", views.DataClassViewSet.as_view({"get": "retrieve"}), name="dataclass-detail"),
    path("bundles/", views.BundleImportView.as_view(), name="bundle-import"),
    path("bundles/public/", views.PublicBundleView.as_view(), name="bundle-public"),
]
