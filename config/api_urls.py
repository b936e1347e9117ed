"""/api/: the versioned API, its OpenAPI schema and the documentation built from it.

Each app serves its own part of v1 (disclosure, claims, metrics, and web for what
needs metrics or bundles). The routes of disclosure, claims and web share the one
`api-v1` namespace (`api-v1:incident-list`, `api-v1:claim-list`); metrics has
`api-metrics`.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from disclosure.api.base import api_not_found

# Django resolves a namespace to one include, so the apps' route lists are joined under it.
V1 = [
    path("", include("web.api.urls")),
    path("", include("disclosure.api.urls")),
    path("", include("claims.api.urls")),
]

urlpatterns: list = [
    path("v1/", include("metrics.api.urls")),
    path("v1/", include((V1, "api-v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the page needs no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Last: an unknown address under /api/ answers in the API's error format, not with an HTML page.
    re_path(r"^", api_not_found),
]
