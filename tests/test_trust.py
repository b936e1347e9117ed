"""Issue 9's reproductions, as a newsroom's security reviewer tried them, and who-and-when on every write.

Each test states what a contributor (the lowest newsroom role) could do before,
and checks that it is now refused and changes nothing.
"""

import contextlib
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from claims import services as claim_services
from claims.models import Claim, Response
from disclosure import services
from disclosure.models import Event, Incident, Organization
from tests.api.conftest import token_client
from tests.factories import (
    ClaimCitationFactory,
    ClaimFactory,
    EventCitationFactory,
    EventFactory,
    IncidentFactory,
    OrganizationFactory,
    ResponseCitationFactory,
    ResponseFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    vendor = OrganizationFactory(slug="acme", kind="vendor")
    finder = OrganizationFactory(slug="finder", kind="researcher")
    OrganizationFactory(slug="secret-source", kind="other")  # mentioned by nothing public
    incident = IncidentFactory(slug="pub", vendor=vendor)
    source = SourceFactory(key="article")
    event = EventFactory(incident=incident, key="found", actor=finder, at="2020-03-02T10:00", precision="minute")
    EventCitationFactory(event=event, source=source)
    draft_event = EventFactory(incident=incident, key="draft-ev", status="draft")
    EventCitationFactory(event=draft_event, source=source)
    claim = ClaimFactory(incident=incident, key="leak", claimant=finder)
    ClaimCitationFactory(claim=claim, source=source)
    draft_claim = ClaimFactory(incident=incident, key="draft-claim", claimant=finder, status="draft")
    ClaimCitationFactory(claim=draft_claim, source=source)
    response = ResponseFactory(claim=claim, responder=vendor, stance="denied")
    ResponseCitationFactory(response=response, source=source)
    embargoed = IncidentFactory(slug="embargoed", vendor=vendor, embargo_until=timezone.now() + timedelta(days=3))
    return {"incident": incident, "event": event, "claim": claim, "response": response, "embargoed": embargoed}


def test_a_contributor_token_cannot_change_what_the_public_sees(contributor, story):
    api = token_client(contributor)
    response_url = f"/api/v1/incidents/pub/claims/leak/responses/{story['response'].pk}/"
    attempts = [
        ("/api/v1/incidents/pub/", {"title": "Hijacked"}),
        ("/api/v1/incidents/pub/events/found/", {"time": {"at": "2020-03-01T10:00", "precision": "minute"}}),
        ("/api/v1/incidents/pub/claims/leak/", {"statement": "Something else."}),
        ("/api/v1/incidents/pub/", {"participants": [{"organization": "secret-source", "role": "verifier"}]}),
        (response_url, {"stance": "confirmed"}),
    ]
    for url, body in attempts:
        answer = api.patch(url, body, format="json")
        assert answer.status_code == 403, (url, answer.content)
        assert "errors" in answer.json()

    story["incident"].refresh_from_db()
    assert story["incident"].title != "Hijacked"
    assert Event.objects.get(key="found").at == "2020-03-02T10:00"
    assert Claim.objects.get(key="leak").statement == "Tokens were exposed."
    assert Response.objects.get(pk=story["response"].pk).stance == "denied"
    # The participant was not added, so the organisation it named stays private.
    assert not Organization.objects.public().filter(slug="secret-source").exists()
    assert APIClient().get("/api/v1/organisations/secret-source/").status_code == 404


def test_a_contributor_token_cannot_lift_an_embargo(contributor, story):
    answer = token_client(contributor).patch("/api/v1/incidents/embargoed/", {"embargo_until": None}, format="json")
    assert answer.status_code == 403
    assert APIClient().get("/api/v1/incidents/embargoed/").status_code == 404
    assert Incident.objects.get(slug="embargoed").embargo_until is not None


def _admin_post(user, obj, **changes):
    """Post the admin change form of `obj` with its current values and `changes`."""
    from tests.test_roles import admin_change

    return admin_change(user, obj, changes)


def test_a_contributor_cannot_publish_or_unpublish_through_the_admin(contributor, story):
    from tests.test_roles import Refused

    for obj, change in [
        (Event.objects.get(key="draft-ev"), {"status": "published"}),
        (Claim.objects.get(key="draft-claim"), {"status": "published"}),
        (story["incident"], {"status": "draft"}),
    ]:
        with contextlib.suppress(Refused):
            _admin_post(contributor, obj, **change)
    assert Event.objects.get(key="draft-ev").status == "draft"
    assert Claim.objects.get(key="draft-claim").status == "draft"
    story["incident"].refresh_from_db()
    assert story["incident"].status == "published"


def test_a_contributor_sees_a_published_incident_read_only_in_the_admin_but_for_its_private_notes(contributor, story):
    client = Client()
    client.force_login(contributor)
    page = client.get(reverse("admin:disclosure_incident_change", args=[story["incident"].pk]))
    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == ["private_notes"]
    # ... and no inline row of it can be added, changed or removed.
    for inline in page.context["inline_admin_formsets"]:
        assert not inline.has_add_permission and not inline.has_change_permission
        assert not inline.has_delete_permission


def test_publishing_without_a_citation_is_refused_everywhere(editor, story):
    uncited = EventFactory(incident=story["incident"], key="uncited", status="draft")
    answer = token_client(editor).patch("/api/v1/incidents/pub/events/uncited/", {"status": "published"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["path"] == "citations"
    with pytest.raises(services.ValidationError):
        services.event_update(event=uncited, status="published", by=editor)
    uncited.refresh_from_db()
    assert uncited.status == "draft"


def test_the_last_citation_of_a_published_record_cannot_be_removed(editor, story):
    citation = story["event"].citations.get()
    with pytest.raises(services.ValidationError):
        services.record_delete(instance=citation, by=editor)
    assert story["event"].citations.count() == 1


# --- who and when -----------------------------------------------------------------------------


def test_every_write_says_who_and_when(contributor, editor, story):
    api = token_client(contributor)
    created = api.post(
        "/api/v1/incidents/pub/events/",
        {"key": "new", "kind": "other", "time": {"at": "2020-03-05", "precision": "day"}},
        format="json",
    )
    assert created.status_code == 201
    event = Event.objects.get(key="new")
    assert event.created_by == contributor and event.updated_by == contributor
    assert event.created_at is not None and event.updated_at >= event.created_at

    services.event_update(event=event, description="Edited by the editor.", by=editor)
    event.refresh_from_db()
    assert event.created_by == contributor and event.updated_by == editor
    # History keeps both changes, each with its author.
    assert [h.history_user for h in event.history.order_by("history_date")] == [contributor, editor]


def test_deletions_are_recorded_with_their_author(admin_user, story):
    event = Event.objects.get(key="found")
    services.event_delete(event=event, by=admin_user)
    deleted = Event.history.filter(key="found", history_type="-").get()
    assert deleted.history_user == admin_user


def test_an_edit_of_private_notes_alone_moves_no_public_date(client, editor, story):
    incident = story["incident"]
    before = Incident.objects.get(pk=incident.pk).updated_at
    feed_before = client.get("/feeds/incidents/").content
    sitemap_before = client.get("/sitemap-incidents.xml").content

    services.incident_update(incident=incident, private_notes="Only for us.", by=editor)
    services.event_update(event=story["event"], private_notes="Ours too.", by=editor)

    incident.refresh_from_db()
    assert incident.private_notes == "Only for us."
    assert incident.updated_at == before
    assert client.get("/feeds/incidents/").content == feed_before
    assert client.get("/sitemap-incidents.xml").content == sitemap_before


def test_a_public_change_to_a_part_moves_the_incidents_dates(editor, story):
    incident = story["incident"]
    before = Incident.objects.get(pk=incident.pk).updated_at
    claim_services.response_update(response=story["response"], stance="confirmed", by=editor)
    incident.refresh_from_db()
    assert incident.updated_at > before


def test_the_api_shows_staff_who_changed_a_record(editor, story):
    services.incident_update(incident=story["incident"], title="Retitled", by=editor)
    staff = json.loads(token_client(editor).get("/api/v1/incidents/pub/").content)
    assert staff["updated_at"]
    public = APIClient().get("/api/v1/incidents/pub/").json()
    assert "updated_by" not in public and "created_by" not in public


def test_a_retraction_needs_its_public_notice_at_every_entry_point(story):
    from interchange.bundle import BundleError, export_bundle, import_bundle

    document = export_bundle(slugs=["pub"])
    document["incidents"][0]["status"] = "retracted"
    document["incidents"][0].pop("retraction_notice", None)
    with pytest.raises(BundleError) as refused:
        import_bundle(document)
    assert any(p.path == "incidents[0].retraction_notice" for p in refused.value.problems), refused.value.problems
    with pytest.raises(services.ValidationError):
        services.incident_update(incident=story["incident"], status="retracted")
    assert Incident.objects.get(slug="pub").status == "published"
