"""The public site: every page on the Wyze case, htmx partials, caching, filters and query counts."""

import json

import pytest
from django.utils import timezone

from metrics.models import IncidentMetric
from tests.factories import (
    ClaimFactory,
    EventFactory,
    IncidentFactory,
    OrganizationFactory,
    ParticipantFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/incidents/",
    "/incidents/wyze-2019/",
    "/claims/",
    "/compare/",
    "/compare/?by=reporter&metric=exposure_duration",
    "/methodology/",
    "/organisations/wyze/",
    "/organisations/ipvm/",
]


@pytest.mark.parametrize("url", PAGES)
def test_public_pages_render_and_are_cacheable(client, wyze, settings, url):
    response = client.get(url)
    assert response.status_code == 200
    assert f"max-age={settings.PUBLIC_CACHE_SECONDS}" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert "HX-Request" in response["Vary"]
    assert "csrftoken" not in response.cookies
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_incident_page_states_the_notice_window_with_its_bounds_and_draws_the_inset(client, wyze):
    html = client.get("/incidents/wyze-2019/").content.decode()
    assert "14 minutes&#x27; notice before publication (between 13 and 15 minutes)" in html
    assert "22 days of exposure (between 21 and 23 days)" in html
    assert '<svg class="timeline-svg"' in html
    assert "Zoomed in: 26 December 2019, 09:" in html
    assert "<title>2. vendor notified: December 26, 2019, 9:21 a.m.</title>" in html
    assert 'href="#event-ipvm-support-ticket"' in html and 'id="event-ipvm-support-ticket"' in html


def test_incident_page_carries_escaped_json_ld(client, wyze):
    wyze.claims.filter(key=wyze.claims.first().key).update(statement="Evil </script><script>alert(1)</script>")
    html = client.get("/incidents/wyze-2019/").content.decode()
    start = html.index('<script id="incident-jsonld" type="application/json">')
    block = html[start : html.index("</script>", start)]
    assert "<script>alert" not in block
    data = json.loads(block.split(">", 1)[1])
    assert data["@context"] == "https://schema.org"
    assert {item["@type"] for item in data["@graph"]} == {"Article", "ClaimReview"}


def test_htmx_request_gets_only_the_results_partial(client, wyze):
    full = client.get("/incidents/?q=wyze")
    partial = client.get("/incidents/?q=wyze", HTTP_HX_REQUEST="true")
    assert b"<html" in full.content and b"<html" not in partial.content
    assert partial.content.lstrip().startswith(b'<section id="results"')
    assert b"Wyze leaves a copy" in partial.content
    assert "HX-Request" in partial["Vary"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=Alexa", True),  # a claim's statement
        ("q=IPVM", True),  # a reporting organisation
        ("q=nonexistent-thing", False),
        ("reporter=ipvm", True),
        ("reporter=wyze", False),  # the vendor is no reporter
        ("vendor=wyze", True),
        ("year=2019", True),
        ("year=2020", False),
        ("data_class=email-addresses", True),
        ("data_class=payment-data", False),
        ("claim_status=awaiting_response", True),
        ("notice_under=cert-cc", True),
        ("sort=longest_exposure", True),
    ],
)
def test_incident_filters_on_the_wyze_case(client, wyze, query, found):
    html = client.get(f"/incidents/?{query}").content.decode()
    assert ("Wyze leaves a copy" in html) is found


def test_incident_list_sorts_by_shortest_notice_and_paginates(client, db):
    for i, minutes in enumerate([30, 5, 300]):
        incident = IncidentFactory(title=f"Sorted {minutes}")
        IncidentMetric.objects.create(
            incident=incident, view="public", metric="notice_to_publication", nominal_seconds=minutes * 60,
            min_seconds=minutes * 60, max_seconds=minutes * 60, computed_at=timezone.now(),
        )  # fmt: skip
    html = client.get("/incidents/?sort=shortest_notice").content.decode()
    assert html.index("Sorted 5") < html.index("Sorted 30") < html.index("Sorted 300")
    IncidentFactory.create_batch(25)
    page2 = client.get("/incidents/?sort=shortest_notice&page=2").content.decode()
    assert "Page 2 of 2" in page2
    assert 'hx-get="?sort=shortest_notice&amp;page=1"' in page2


def test_claims_index_filters_by_stance_and_claimant(client, wyze):
    denied = client.get("/claims/?stance=denied").content.decode()
    awaiting = client.get("/claims/?stance=awaiting_response").content.decode()
    assert "badge-denied" in denied and "badge-awaiting_response" not in denied.split('id="results"')[1]
    assert "badge-awaiting_response" in awaiting.split('id="results"')[1]
    assert "0 claims" in client.get("/claims/?claimant=zdnet").content.decode()


def test_machine_readable_surfaces(client, wyze):
    timeline = client.get("/incidents/wyze-2019/timeline.json").json()
    assert timeline["events"][1]["start_date"]["minute"] == 21
    bundle = client.get("/incidents/wyze-2019/bundle.json")
    assert "attachment" in bundle["Content-Disposition"]
    assert json.loads(bundle.content)["incidents"][0]["slug"] == "wyze-2019"
    feed = client.get("/feeds/incidents/").content.decode()
    assert "<feed" in feed and "Wyze leaves a copy" in feed
    assert "<feed" in client.get("/feeds/responses/").content.decode()
    assert "/incidents/wyze-2019/" in client.get("/sitemap.xml").content.decode()
    csv_text = b"".join(client.get("/compare.csv").streaming_content).decode()
    assert "wyze-2019" in csv_text and ",840,780,900," in csv_text


def _dataset(n):
    """n public incidents, each with a reporter, events, claims with responses and metrics."""
    vendor = OrganizationFactory(slug="big-vendor", kind="vendor")
    for i in range(n):
        incident = IncidentFactory(vendor=vendor)
        ParticipantFactory(incident=incident, organization=OrganizationFactory(slug=f"rep-{i % 3}"))
        EventFactory(incident=incident, kind="vendor_notified", at="2020-03-02T14:05")
        EventFactory(incident=incident, kind="published", at="2020-03-02T15:05")
        claim = ClaimFactory(incident=incident)
        ResponseFactory(claim=claim)
        IncidentMetric.objects.create(
            incident=incident, view="public", metric="notice_to_publication", nominal_seconds=3600,
            min_seconds=3540, max_seconds=3660, computed_at=timezone.now(),
        )  # fmt: skip
    return incident


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [
        ("/", 8),
        ("/incidents/", 9),
        ("/incidents/?q=incident&reporter=rep-1&sort=shortest_notice", 9),
        ("/claims/?stance=denied", 6),
        ("/organisations/big-vendor/", 10),
        ("/organisations/rep-1/", 10),
        ("/compare/?by=reporter", 4),
        ("/feeds/incidents/", 2),
        ("/feeds/responses/", 2),
        ("/sitemap.xml", 4),
        ("/compare.csv", 3),
    ],
)
@pytest.mark.parametrize("rows", [2, 30])
def test_list_pages_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, url, max_queries, rows):
    _dataset(rows)
    with django_assert_max_num_queries(max_queries):
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [2, 30])
def test_incident_pages_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, rows):
    incident = _dataset(1)
    for _ in range(rows):
        EventFactory(incident=incident)
        ResponseFactory(claim=ClaimFactory(incident=incident))
    for suffix, max_queries in [("", 13), ("timeline.json", 11)]:
        with django_assert_max_num_queries(max_queries):
            assert client.get(incident.get_absolute_url() + suffix).status_code == 200
