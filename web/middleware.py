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
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe
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


class KeptPageMiddleware:
    """A public page kept since the last change, answered before the middlewares a fresh render needs.

    Sits just inside the headers' middlewares (security, CSP, Permissions-Policy) and static
    files: for an anonymous GET (no session cookie) of a page `web.views.public_page` has kept,
    it answers the kept copy (or 304) itself, with what the skipped middlewares and the view's
    decorators would have added to it: the public Cache-Control, `Vary: HX-Request`,
    X-Frame-Options, Content-Length and the conditional GET. Sessions, authentication, CSRF,
    messages, htmx, sign-in lockouts and URL resolution are skipped: they made a kept page cost
    a fifth more than the trivial view (issue 13). Anything else, and the API (whose answers
    count against its throttles), goes the whole way. A test holds the two ways' answers equal.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(API_PREFIX)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            response = pagecache.kept_answer(request, pagecache.page_key(request))
            if response is not None:
                return finish_public_answer(request, response)
        return self.get_response(request)


def finish_public_answer(request, response):
    """What a public page's answer carries whichever way it went (web.views.public_page and the
    middlewares between KeptPageMiddleware and the view), applied to a kept one."""
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
    patch_vary_headers(response, ["HX-Request"])
    response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
    if response.status_code == 200:
        # As ConditionalGetMiddleware would: a page that says when it last changed (the sitemap)
        # answers If-Modified-Since too.
        last_modified = response.get("Last-Modified")
        response = get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(last_modified) if last_modified else None,
            response=response,
        )
    # As CommonMiddleware would, around ConditionalGetMiddleware.
    response.headers.setdefault("Content-Length", str(len(response.content)))
    return response
