"""Root URL configuration: the public site, the journalists' workspace, the admin and the API."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from . import health

urlpatterns = [
    # The public site first: most requests are for it, and each pattern tried before costs time.
    # None of its addresses begins like the others'.
    path("", include("web.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("workspace/", include("web.workspace.urls")),
]


def bench_trivial(request):
    """The benchmark's floor: the cheapest answer a Django view gives, through every middleware."""
    return HttpResponse("ok", content_type="text/plain")


if settings.BENCH:
    # Only under DJANGO_BENCH=1 (bench/pages.py): every page's req/s is reported against this view's.
    urlpatterns.insert(0, path("bench/trivial/", bench_trivial, name="bench-trivial"))
