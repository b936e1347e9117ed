"""/api/: the versioned API, its OpenAPI schema and the documentation built from it."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from web.api.views import api_not_found

urlpatterns: list = [
    path("v1/", include("metrics.api.urls")),
    path("v1/", include("web.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the page needs no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Last: an unknown address under /api/ answers in the API's error format, not with an HTML page.
    re_path(r"^", api_not_found),
]
