"""Routes under /api/v1/ that stay in web: the index, incidents (whose filters use
stored metrics and which serve bundles) and the bundle import and export.
config/api_urls.py includes them, with disclosure/api/urls.py and claims/api/urls.py,
in the one `api-v1` namespace (`api-v1:incident-list`)."""

from django.urls import path

from disclosure.api.routing import routes

from . import root, views

urlpatterns = [
    path("", root.api_root, name="root"),
    *routes(
        "incidents/",
        views.IncidentViewSet,
        "incident",
        "<slug:slug>",
        actions=[("publish", "post"), ("retract", "post"), ("bundle", "get")],
    ),
    path("bundles/", views.BundleImportView.as_view(), name="bundle-import"),
    path("bundles/public/", views.PublicBundleView.as_view(), name="bundle-public"),
]
