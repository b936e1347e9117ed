"""The anonymous public pages are cached, answered 304 from the version stamp, and retired on a change."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosure import services
from metrics.services import metrics_recompute_all
from tests.factories import EventFactory
from web import pagecache

pytestmark = pytest.mark.django_db

URL = "/incidents/wyze-2019/"


def test_a_repeated_anonymous_get_is_served_from_the_cache(client, wyze, django_assert_max_num_queries):
    first = client.get(URL)
    assert first.status_code == 200
    with django_assert_max_num_queries(2):
        second = client.get(URL)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]
    assert "public" in second["Cache-Control"] and "max-age" in second["Cache-Control"]
    assert "HX-Request" in second["Vary"]


def test_a_current_etag_is_answered_304_without_rendering(client, wyze, django_assert_max_num_queries):
    etag = client.get(URL)["ETag"]
    with mock.patch("web.views.selectors.public_incident_detail") as view_read, django_assert_max_num_queries(1):
        response = client.get(URL, headers={"If-None-Match": etag})
    view_read.assert_not_called()
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert client.get(URL, headers={"If-None-Match": 'W/"something-else"'}).status_code == 200


def test_a_change_through_a_service_retires_the_cached_page(client, wyze, django_capture_on_commit_callbacks):
    before = client.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=wyze, summary="New summary", by=None)
    after = client.get(URL, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "New summary" in after.content.decode()


def test_a_recompute_retires_the_cached_page(client, wyze, django_capture_on_commit_callbacks):
    before = client.get(URL)["ETag"]
    # an earlier notice to the vendor: a figure the page shows changes, behind the services' back
    EventFactory(incident=wyze, kind="vendor_notified", at="2019-12-20T10:00")
    with django_capture_on_commit_callbacks(execute=True):
        metrics_recompute_all()
    assert client.get(URL, headers={"If-None-Match": before}).status_code == 200
    assert client.get(URL)["ETag"] != before


def test_htmx_and_full_page_are_cached_apart(client, wyze):
    full = client.get("/incidents/")
    fragment = client.get("/incidents/", headers={"HX-Request": "true"})
    assert full["ETag"] != fragment["ETag"]
    assert len(fragment.content) < len(full.content)
    assert client.get("/incidents/", headers={"HX-Request": "true"}).content == fragment.content
    assert client.get("/incidents/").content == full.content


def test_a_signed_in_editor_is_never_served_the_cached_copy(client, wyze, editor, django_capture_on_commit_callbacks):
    client.get(URL)  # cached for anonymous readers
    wyze.__class__.objects.filter(pk=wyze.pk).update(summary="Changed behind the cache")
    client.force_login(editor)
    response = client.get(URL)
    assert "Changed behind the cache" in response.content.decode()
    assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    client.logout()
    assert "Changed behind the cache" not in client.get(URL).content.decode()  # the anonymous copy
    pagecache.bump_public_version()
    assert "Changed behind the cache" in client.get(URL).content.decode()


def test_a_signed_in_render_is_not_stored_for_anonymous_readers(client, wyze, editor):
    client.force_login(editor)
    client.get(URL)
    client.logout()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    assert len(queries) > 2  # rendered afresh: nothing was stored by the signed-in request


@pytest.mark.parametrize("url", ["/downloads/figures.csv", "/compare.csv"])
def test_the_csv_downloads_stream_and_are_not_stored(client, wyze, url):
    first = client.get(url)
    assert first.status_code == 200 and first.streaming
    body = b"".join(first.streaming_content)
    second = client.get(url)
    assert second.streaming  # rendered again, streamed again
    assert b"".join(second.streaming_content) == body
    assert second["Content-Disposition"] == first["Content-Disposition"]


def test_the_stamp_is_one_cache_read(wyze):
    with mock.patch.object(pagecache.cache, "get", wraps=pagecache.cache.get) as get:
        version = pagecache.public_version()
    assert get.call_count == 1 and isinstance(version, int)
    pagecache.bump_public_version()
    assert pagecache.public_version() != version


def test_the_feeds_are_cached_like_the_pages(client, wyze, django_assert_num_queries):
    for url in ("/feeds/incidents/", "/feeds/responses/"):
        first = client.get(url)
        assert first.status_code == 200 and first["ETag"]
        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.content == first.content
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
