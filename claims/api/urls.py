"""Routes of claims and vendor responses under /api/v1/. config/api_urls.py includes
them, with disclosure/api/urls.py and web/api/urls.py, in the one `api-v1` namespace
(`api-v1:claim-list`)."""

from django.urls import path

from disclosure.api.routing import INCIDENT, routes

from . import views

CLAIM = f"{INCIDENT}claims/<slug:claim_key>/"

urlpatterns = [
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
    path("claims/", views.ClaimListViewSet.as_view({"get": "list"}), name="claim-list"),
]
