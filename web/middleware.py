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


#: The Vary of a public API answer (PublicApiCacheMiddleware): JSON or CSV, and never a staff answer.
API_VARY = ("Accept", "Authorization", "Cookie")


def _within_throttles(request):
    """Count this request against the API's default throttles, as its views would; False when over.

    Before the authentication middleware too (KeptPageMiddleware): DRF's own authentication
    then finds no session user and no token, and the throttles see an anonymous reader.
    """
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
        patch_vary_headers(response, API_VARY)
        return response


class KeptPageMiddleware:
    """A public page kept since the last change, answered before the middlewares a fresh render needs.

    Sits just inside the headers' middlewares (security, CSP, Permissions-Policy) and static
    files: for an anonymous GET (no session cookie) of a page `web.views.public_page` has kept,
    it answers the kept copy (or 304) itself, with what the skipped middlewares and the view's
    decorators would have added to it: the public Cache-Control, `Vary: HX-Request`,
    X-Frame-Options, Content-Length and the conditional GET. Sessions, authentication, CSRF,
    messages, htmx, sign-in lockouts and URL resolution are skipped: they made a kept page cost
    a fifth more than the trivial view (issue 13). A kept anonymous API answer is given here
    too, counted against the API's throttles first, with PublicApiCacheMiddleware's headers.
    Anything else goes the whole way. A test holds the two ways' answers equal.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            if not request.path.startswith(API_PREFIX):
                response = pagecache.kept_answer(request, pagecache.page_key(request))
                if response is not None:
                    return finish_public_answer(request, response)
            elif "Authorization" not in request.headers:
                # A kept API answer still counts against the throttles (PublicApiCacheMiddleware):
                # the reader is anonymous for certain here (no session, no token). Over the rate,
                # the whole way, where the API answers 429 in its own format.
                key = pagecache.page_key(request, variant=request.headers.get("Accept", ""))
                response = pagecache.kept_answer(request, key)
                if response is not None and (response.status_code == 304 or _within_throttles(request)):
                    return finish_public_answer(request, response, vary=API_VARY)
        return self.get_response(request)


def finish_public_answer(request, response, vary=("HX-Request",)):
    """What a public answer carries whichever way it went (web.views.public_page or
    PublicApiCacheMiddleware, and the middlewares between KeptPageMiddleware and the view),
    applied to a kept one."""
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
    patch_vary_headers(response, vary)
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
