"""/api/: the versioned API, its OpenAPI schema and the documentation built from it.

Each app serves its own part of v1 (disclosure, claims, metrics, and web for what
needs metrics or bundles). The routes of disclosure, claims and web share the one
`api-v1` namespace (`api-v1:incident-list`, `api-v1:claim-list`); metrics has
`api-metrics`.
"""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from disclosure.api.base import api_not_found

docs_styles = csp_update({"style-src": [UNSAFE_INLINE]})

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
    # Swagger UI sets styles from its scripts: only this page allows inline styles (never inline scripts).
    path("docs/", docs_styles(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    # Redoc loaded its logo from a third party whatever its options; its address now leads to the
    # Swagger UI page, which reads the same schema.
    path("redoc/", RedirectView.as_view(pattern_name="api-docs", permanent=False), name="api-redoc"),
    # Last: an unknown address under /api/ answers in the API's error format, not with an HTML page.
    re_path(r"^", api_not_found),
]
