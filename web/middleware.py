"""The cache of anonymous API reads, beside the public pages' (web/pagecache.py).

An anonymous GET of the public API is answered like a public page: 304 from the version
stamp when the caller's ETag is current, else the answer kept since the last change,
else a fresh one, kept. The same stamp retires both, so an API answer is never older
than the pages (the services and the recompute bump it). Whoever authenticates (a
session, or an `Authorization` header for a token) always gets a fresh answer, never
stored: a staff answer holds private notes. A cached answer still counts against the
API's throttles (each request is counted once: here when the answer comes from the cache,
by the view otherwise), so the documented rate holds for every answer.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers
from rest_framework.request import Request
from rest_framework.settings import api_settings

from . import pagecache

API_PREFIX = "/api/v1/"


def _cacheable(request):
    return (
        request.method in ("GET", "HEAD")
        and request.path.startswith(API_PREFIX)
        and "Authorization" not in request.headers
        and not request.user.is_authenticated
    )


def _within_throttles(request):
    """Count this request against the API's default throttles, as its views would; False when over."""
    drf_request = Request(request)
    return all(throttle().allow_request(drf_request, None) for throttle in api_settings.DEFAULT_THROTTLE_CLASSES)


class PublicApiCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable(request):
            return self.get_response(request)
        # The representation depends on the Accept header (JSON or CSV) as well as on the URL.
        key = pagecache.page_key(request, variant=request.headers.get("Accept", ""))
        # Over the rate, a kept answer is not served: the API itself answers 429, in its format.
        response = pagecache.answer(
            request, key, lambda: self.get_response(request), serve_kept=lambda: _within_throttles(request)
        )
        if response.status_code not in (200, 304):
            return response  # errors, throttling and redirects: as the API gave them, never kept
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
        return response
