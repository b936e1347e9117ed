"""A crawl of the whole public site as an anonymous visitor shows nothing private."""

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone

from metrics.models import IncidentMetric, Metric
from tests.factories import (
    ClaimCitationFactory,
    ClaimFactory,
    EventCitationFactory,
    EventFactory,
    IncidentFactory,
    OrganizationFactory,
    ParticipantFactory,
    ResponseFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

MARKER = "ZZSECRET"
HREF = re.compile(r'(?:href|hx-get)="([^"#]*)')
MAX_PAGES = 400


def _private_world():
    """Public records next to private ones; every private string carries MARKER."""
    vendor = OrganizationFactory(slug="open-vendor", name="Open Vendor")
    public = IncidentFactory(slug="public-one", vendor=vendor, private_notes=f"{MARKER} incident note")
    ParticipantFactory(incident=public, organization=OrganizationFactory(slug="open-researcher", kind="researcher"))
    event = EventFactory(incident=public, kind="vendor_notified", private_notes=f"{MARKER} event note")
    EventCitationFactory(event=event, source=SourceFactory(title="Open article"))
    draft_event = EventFactory(
        incident=public,
        status="draft",
        description=f"{MARKER} draft event",
        actor=OrganizationFactory(slug="zzsecret-actor", name=f"{MARKER} Actor"),
    )
    EventCitationFactory(
        event=draft_event,
        source=SourceFactory(
            title=f"{MARKER} draft source", outlet=OrganizationFactory(slug="zzsecret-outlet", name=f"{MARKER} Outlet")
        ),
        quote=f"{MARKER} quote",
    )
    claim = ClaimFactory(incident=public, private_notes=f"{MARKER} claim note")
    ResponseFactory(claim=claim, stance="disputed", statement="Public answer")
    ResponseFactory(claim=claim, status="draft", stance="confirmed", statement=f"{MARKER} draft response")
    draft_claim = ClaimFactory(
        incident=public,
        status="draft",
        statement=f"{MARKER} draft claim",
        claimant=OrganizationFactory(slug="zzsecret-claimant", name=f"{MARKER} Claimant"),
    )
    ClaimCitationFactory(claim=draft_claim, source=SourceFactory(title=f"{MARKER} claim source"))
    IncidentMetric.objects.create(
        incident=public, view="staff", metric=Metric.NOTICE_TO_PUBLICATION, nominal_seconds=987654,
        min_seconds=987654, max_seconds=987654, computed_at=timezone.now(),
    )  # fmt: skip
    retracted = IncidentFactory(
        slug="retracted-one", status="retracted", retraction_notice="Withdrawn: the source recanted.", vendor=vendor
    )
    private = {}
    for status, embargo in [("draft", None), ("review", None), ("published", timezone.now() + timedelta(days=3))]:
        hidden_vendor = OrganizationFactory(slug=f"zzsecret-vendor-{status}", name=f"{MARKER} Vendor {status}")
        incident = IncidentFactory(
            slug=f"zzsecret-{status}", title=f"{MARKER} {status} incident", status=status,
            embargo_until=embargo, vendor=hidden_vendor,
        )  # fmt: skip
        ParticipantFactory(incident=incident, organization=OrganizationFactory(slug=f"zzsecret-rep-{status}"))
        EventFactory(incident=incident, description=f"{MARKER} event")
        ClaimFactory(incident=incident, statement=f"{MARKER} claim")
        private[status] = incident
    return public, retracted, private


def _crawl(client, start_urls):
    seen, queue, pages = set(), list(start_urls), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        body = (
            b"".join(response.streaming_content) if hasattr(response, "streaming_content") else response.content
        ).decode("utf-8", "replace")
        pages[url] = (response.status_code, body)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(body):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "testserver":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(("/api/", "/admin/", "/static/")):
                continue
            if path not in seen:
                queue.append(path)
    return pages


def test_anonymous_crawl_of_the_public_site_shows_nothing_private(client):
    public, retracted, private = _private_world()
    extra = ["/feeds/incidents/", "/feeds/responses/", "/sitemap.xml"]
    extra += ["/sitemap-pages.xml", "/sitemap-incidents.xml", "/sitemap-organisations.xml"]
    for incident in (public, retracted):
        extra += [f"/incidents/{incident.slug}/timeline.json", f"/incidents/{incident.slug}/bundle.json"]
    extra += [f"/compare.csv?metric={m}" for m in Metric.values]
    pages = _crawl(client, ["/", *extra])

    assert "/incidents/public-one/" in pages and "/organisations/open-researcher/" in pages
    assert len(pages) > 20
    for url, (status, body) in pages.items():
        assert status == 200, url
        assert MARKER not in body, f"private text on {url}"
        assert MARKER.lower() not in body, f"private slug on {url}"
        assert "987654" not in body, f"staff metric on {url}"
    retracted_page = pages["/incidents/retracted-one/"][1]
    assert "Withdrawn: the source recanted." in retracted_page


def test_private_records_and_what_only_they_mention_are_404(client):
    _public, _retracted, private = _private_world()
    urls = []
    for incident in private.values():
        base = f"/incidents/{incident.slug}/"
        urls += [base, base + "timeline.json", base + "bundle.json", incident.vendor.get_absolute_url()]
    urls += [f"/organisations/zzsecret-{name}/" for name in ("actor", "outlet", "claimant", "rep-draft")]
    for url in urls:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "query",
    [f"q={MARKER}", "vendor=zzsecret-vendor-draft", "reporter=zzsecret-rep-review", "claim_status=confirmed"],
)
def test_searching_and_filtering_for_private_values_finds_nothing(client, query):
    _private_world()
    html = client.get(f"/incidents/?{query}").content.decode()
    assert "0 incidents" in html
    assert f"{MARKER} " not in html  # every private text is MARKER and more; the echoed search term is not


def test_claim_search_does_not_match_draft_claims_or_responses(client):
    _private_world()
    assert "0 claims" in client.get(f"/claims/?q={MARKER}").content.decode()
    # The draft "confirmed" response must not change the public stance of the claim.
    assert "0 claims" in client.get("/claims/?stance=confirmed").content.decode()
