"""Root URL configuration: the public site, the journalists' workspace, the admin and the API."""

from django.contrib import admin
from django.urls import include, path

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("workspace/", include("web.workspace.urls")),
    path("", include("web.urls")),
]
