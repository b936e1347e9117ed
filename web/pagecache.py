"""The full-page cache of the anonymous public pages, and the version stamp that invalidates it.

One integer in the default cache, "public-version", stands for everything a public page
shows. Every cached page and every ETag the site hands out is keyed by it, so a bump
(web/receivers.py: after a change to an incident or its parts commits, and after the
figures are recomputed) retires all of them at once; the old entries just expire. A
conditional GET is answered from the stamp alone, before anything is rendered.
"""

import hashlib
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

VERSION_KEY = "public-version"
# The headers public_page sets on every answer (the cached one too), and those a shared page
# may not carry; a cached page keeps every other header its view set (Content-Type, the
# downloads' Content-Disposition, the sitemap's X-Robots-Tag).
UNSTORED_HEADERS = {"cache-control", "vary", "etag", "set-cookie", "content-length"}


def _lifetime():
    # The stamp lives no longer than a page is kept: a change no bump announced (one made behind
    # the services' back, an embargo lifting, a bump lost while Redis was down) shows within
    # PUBLIC_CACHE_SECONDS, and no ETag older than that is answered 304.
    return settings.PUBLIC_CACHE_SECONDS


def public_version():
    """The current stamp: one cache read (and one write the first time, or after a flush)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        if not cache.add(VERSION_KEY, version, _lifetime()):
            # Another process set it first, or the cache is down: then a stamp of this instant
            # alone, which no ETag or stored page matches (nothing is answered from a dead cache).
            version = cache.get(VERSION_KEY) or version
    return version


def bump_public_version(**kwargs):
    """Retire every cached public page and ETag (a signal receiver too, hence **kwargs)."""
    cache.set(VERSION_KEY, time.time_ns(), _lifetime())


def page_key(request, variant=""):
    """What a public answer depends on: the stamp, the URL (with its host and scheme, which
    absolute links in the page carry), whether htmx asked for the fragment, and any `variant`
    (the API's Accept header)."""
    parts = (public_version(), request.build_absolute_uri(), request.headers.get("HX-Request", ""), variant)
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def etag(key):
    # Weak: the same version and URL may render to other bytes once the entry has expired
    # (an open figure's "so far" moves on), but never to a different meaning.
    return f'W/"{key}"'


def answer(request, key, render, serve_kept=lambda: True):
    """A public answer for `key`: 304 when the caller's ETag is current (the weak comparison of
    RFC 9110), else the answer kept since the last change (when `serve_kept()` allows), else
    `render()`, kept if it may be. A 200 or 304 carries the ETag (ConditionalGetMiddleware then
    compares it; it makes its own only when none is set)."""
    tag = etag(key)
    if _etag_current(request, tag):
        response = HttpResponseNotModified()
    else:
        response = cached_page(key)
        if response is not None and not serve_kept():
            response = None
        if response is None:
            response = render()
            store_page(key, request, response)
    if response.status_code in (200, 304):
        response["ETag"] = tag
    return response


def kept_answer(request, key):
    """The kept answer for `key`, or 304 when the caller's ETag is current, or None when none is
    kept (web.middleware.KeptPageMiddleware: nothing is rendered here, and no 304 is given for
    an address that has no kept page)."""
    response = cached_page(key)
    if response is None:
        return None
    tag = etag(key)
    if _etag_current(request, tag):
        response = HttpResponseNotModified()
    response["ETag"] = tag
    return response


def _etag_current(request, tag):
    """Whether the caller's If-None-Match names `tag` (the weak comparison of RFC 9110)."""
    offered = {t.removeprefix("W/") for t in parse_etags(request.headers.get("If-None-Match", ""))}
    return tag.removeprefix("W/") in offered


def cached_page(key):
    """The stored page for this key as a fresh response, or None."""
    stored = cache.get(f"public-page:{key}")
    if stored is None:
        return None
    content, headers = stored
    response = HttpResponse(content, status=200)
    for name, value in headers:
        response[name] = value
    return response


def store_page(key, request, response):
    """Keep a rendered page, unless it is not one everyone may be given: not a plain 200, a
    stream (the CSV downloads), or carrying a cookie (a CSRF token would be one visitor's)."""
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    ):
        return
    if not getattr(response, "is_rendered", True):
        response.render()  # a TemplateResponse (the sitemap): rendered now rather than after us
    headers = [(name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS]
    cache.set(f"public-page:{key}", (response.content, headers), settings.PUBLIC_CACHE_SECONDS)


def remembered(name, compute):
    """`compute()`'s value, kept under the current stamp: parts of pages that every request would
    otherwise rebuild from all the incidents (the listing's dropdowns), rebuilt once per change."""
    key = f"public-part:{name}:{public_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, _lifetime())
    return value


def kept_download(key):
    """The kept file of the download `key` (`page_key`), open for reading, or None.

    The downloads hold every public figure (megabytes at 10,000 incidents, seconds to write),
    too large for the cache: the first request after a change streams it and keeps a copy on
    disk (`keep_download`); later ones are served that file until the stamp changes or
    PUBLIC_CACHE_SECONDS pass, as a kept page would be.
    """
    path = _download_path(key)
    try:
        if time.time() - path.stat().st_mtime < _lifetime():
            return path.open("rb")
    except OSError:
        pass  # none kept (or nowhere to keep one): the download is written afresh
    return None


def keep_download(key, chunks):
    """Stream `chunks` (str or bytes) and keep them as the download `key` once all are written.

    Written to a temporary file and moved into place at the end, so that a reader never gets
    a part; a stream the client abandons keeps nothing. Older downloads are removed then.
    """
    path = _download_path(key)
    part = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        out = part.open("wb")
    except OSError:
        # Nowhere to write (a read-only disk): the download streams as it is, kept nowhere.
        for chunk in chunks:
            yield chunk.encode() if isinstance(chunk, str) else chunk
        return
    complete = False
    try:
        with out:
            for chunk in chunks:
                data = chunk.encode() if isinstance(chunk, str) else chunk
                out.write(data)
                yield data
        os.replace(part, path)
        complete = True
    finally:
        if not complete:
            part.unlink(missing_ok=True)
    _remove_old_downloads(path.parent, keep=path)


def _download_path(key):
    return Path(settings.PUBLIC_DOWNLOADS_DIR) / f"{key}.download"


def _remove_old_downloads(directory, keep):
    # A file past the lifetime is never served again (another stamp, or expired); a .part that
    # old belongs to a stream that died without cleaning up.
    cutoff = time.time() - _lifetime()
    for path in directory.glob("*.download*"):
        try:
            if path != keep and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
