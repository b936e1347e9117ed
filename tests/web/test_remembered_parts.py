"""The shortcuts issue 13 took for pages whose cost grew with the data, and what they must not change.

The sitemap's organisations are the public organisations' slugs, remembered under the page
cache's stamp (web/pagecache.py); the sitemap index reads the
incidents' latest change with one MAX; the home page and the responses feed read the latest
vendor responses through one selector; a public bundle names the organisations and sources
its public records refer to without evaluating the rule again. Each must still show exactly
what the public may see, and follow a change at once.
"""

import json

import pytest

from claims.selectors import latest_vendor_responses
from disclosure import services
from disclosure.models import Incident
from tests.factories import (
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


def test_an_organisation_page_follows_the_publication_that_makes_it_public(
    client, editor, django_capture_on_commit_callbacks
):
    org = OrganizationFactory(slug="quiet-researcher", kind="researcher")
    draft = IncidentFactory(status="draft")
    ParticipantFactory(incident=draft, organization=org)
    IncidentFactory()  # something public, so that the remembered list is not empty
    assert client.get("/organisations/quiet-researcher/").status_code == 404
    assert b"quiet-researcher" not in client.get("/sitemap-organisations.xml").content

    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=draft, by=editor)

    assert client.get("/organisations/quiet-researcher/").status_code == 200
    assert b"/organisations/quiet-researcher/" in client.get("/sitemap-organisations.xml").content


def test_a_remembered_slug_list_never_opens_a_private_organisation(client):
    IncidentFactory()
    hidden = OrganizationFactory(slug="hidden-vendor")
    IncidentFactory(vendor=hidden, status="draft")
    assert client.get("/sitemap-organisations.xml").status_code == 200  # remembers the list
    assert client.get("/organisations/hidden-vendor/").status_code == 404
    assert client.get("/organisations/no-such-organisation/").status_code == 404


def test_the_sitemap_index_dates_the_incidents_by_their_latest_change(client):
    IncidentFactory()
    latest = IncidentFactory()
    IncidentFactory(status="draft")  # a later draft does not date the public section
    Incident.objects.filter(pk=latest.pk).update(updated_at="2031-05-06T07:08:09Z")
    body = client.get("/sitemap.xml").content.decode()
    section = body[body.index("sitemap-incidents.xml") :]
    assert "<lastmod>2031-05-06T07:08:09+00:00</lastmod>" in section[: section.index("</sitemap>")]


def test_latest_vendor_responses_are_the_vendors_own_public_ones_newest_first():
    incident = IncidentFactory()
    claim = ClaimFactory(incident=incident)
    old = ResponseFactory(claim=claim, responder=incident.vendor, at="2020-01-01")
    new = ResponseFactory(claim=claim, responder=incident.vendor, at="2021-01-01")
    ResponseFactory(claim=claim, responder=OrganizationFactory(kind="platform"), at="2022-01-01")
    ResponseFactory(claim=claim, responder=incident.vendor, status="draft", at="2023-01-01")
    ResponseFactory(claim=ClaimFactory(incident=incident, status="draft"), responder=incident.vendor)
    private = IncidentFactory(status="draft")
    ResponseFactory(claim=ClaimFactory(incident=private), responder=private.vendor)
    assert list(latest_vendor_responses(None, 5)) == [new, old]
    assert list(latest_vendor_responses(None, 1)) == [new]


def test_a_public_bundle_names_only_what_its_public_records_refer_to(client):
    incident = IncidentFactory(slug="mixed-record")
    shown = EventFactory(incident=incident)
    EventCitationFactory(event=shown, source=SourceFactory(key="public-article"))
    hidden = EventFactory(incident=incident, status="draft", actor=OrganizationFactory(slug="draft-actor"))
    EventCitationFactory(
        event=hidden, source=SourceFactory(key="draft-article", outlet=OrganizationFactory(slug="x-outlet"))
    )
    bundle = json.loads(client.get("/incidents/mixed-record/bundle.json").content)
    assert [s["key"] for s in bundle["sources"]] == ["public-article"]
    slugs = {o["slug"] for o in bundle["organizations"]}
    assert incident.vendor.slug in slugs
    assert not slugs & {"draft-actor", "x-outlet"}
