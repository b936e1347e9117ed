"""web.middleware.KeptPageMiddleware answers a kept public page exactly as the whole stack would.

It skips the middlewares a fresh render needs (sessions, authentication, CSRF, messages,
htmx, lockouts) and the view's decorators, and adds what they would have added. Each kept
answer is compared, status, bytes and headers, with the same answer given with the shortcut
taken out of the settings.
"""

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from rest_framework.throttling import AnonRateThrottle

from web import pagecache

pytestmark = pytest.mark.django_db

WITHOUT_SHORTCUT = [m for m in django_settings.MIDDLEWARE if m != "web.middleware.KeptPageMiddleware"]

URLS = [
    "/",
    "/incidents/",
    "/incidents/?sort=largest",
    "/incidents/wyze-2019/",
    "/incidents/wyze-2019/timeline.json",
    "/incidents/wyze-2019/bundle.json",
    "/organisations/wyze/",
    "/claims/",
    "/compare/",
    "/methodology/",
    "/feeds/incidents/",
    "/feeds/responses/",
    "/sitemap.xml",
    "/sitemap-incidents.xml",
    "/api/v1/incidents/",
    "/api/v1/incidents/wyze-2019/",
    "/api/v1/claims/",
    "/api/v1/aggregates/",
]


def _comparable(response):
    headers = {k: v for k, v in response.headers.items() if k.lower() not in {"x-request-id"}}
    return response.status_code, response.content, headers


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("url", URLS)
def test_a_kept_page_is_answered_the_same_with_and_without_the_shortcut(client, wyze, url, htmx):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    fresh = client.get(url, **extra)
    assert fresh.status_code == 200
    assert pagecache.cached_page(pagecache.page_key(fresh.wsgi_request)) is not None, "kept by public_page"
    shortcut = client.get(url, **extra)
    with override_settings(MIDDLEWARE=WITHOUT_SHORTCUT):
        whole_way = Client().get(url, **extra)  # a new client: one loads its middlewares once
    assert hasattr(whole_way.wsgi_request, "session") and not hasattr(shortcut.wsgi_request, "session")
    assert _comparable(shortcut) == _comparable(whole_way)
    assert shortcut.content == fresh.content

    etag = shortcut["ETag"]
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag, **extra)
    with override_settings(MIDDLEWARE=WITHOUT_SHORTCUT):
        not_modified_whole_way = Client().get(url, HTTP_IF_NONE_MATCH=etag, **extra)
    assert not_modified.status_code == 304
    a, b = _comparable(not_modified)[2], _comparable(not_modified_whole_way)[2]
    assert {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)} == {}
    assert _comparable(not_modified) == _comparable(not_modified_whole_way)


def test_the_shortcut_is_taken_and_reads_nothing(client, wyze, django_assert_num_queries):
    client.get("/incidents/")
    with django_assert_num_queries(0):
        response = client.get("/incidents/")
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session"), "answered before the session middleware"


def test_a_kept_api_answer_counts_against_the_throttles(client, wyze, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    answers = [client.get("/api/v1/incidents/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert not hasattr(answers[1].wsgi_request, "session"), "the kept answers came from the shortcut"
    assert answers[3].json()["errors"], "over the rate: the API's own 429, in its format"


def test_a_csv_and_a_json_answer_are_kept_apart(client, wyze):
    json_answer = client.get("/api/v1/incidents/", HTTP_ACCEPT="application/json")
    csv_answer = client.get("/api/v1/incidents/", HTTP_ACCEPT="text/csv")
    assert client.get("/api/v1/incidents/", HTTP_ACCEPT="text/csv").content == csv_answer.content
    assert client.get("/api/v1/incidents/", HTTP_ACCEPT="application/json").content == json_answer.content
    assert csv_answer.content != json_answer.content


def test_a_signed_in_reader_goes_the_whole_way(client, wyze, editor):
    client.get("/incidents/")
    client.force_login(editor)
    page = client.get("/incidents/")
    assert page.wsgi_request.user == editor
    assert "private" in page["Cache-Control"]


def test_no_304_for_an_address_with_no_kept_page(client, wyze):
    first = client.get("/incidents/")
    forged = first["ETag"]
    response = client.get("/workspace/login/", HTTP_IF_NONE_MATCH=forged)
    assert response.status_code == 200
