"""The public() selectors: each visibility rule of bundle-v1.md, proved one by one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from claims.models import Claim, Response
from disclosure.models import Event, Incident, Organization, Source
from tests.factories import (
    ClaimCitationFactory,
    ClaimFactory,
    EventCitationFactory,
    EventFactory,
    IncidentFactory,
    OrganizationFactory,
    ParticipantFactory,
    ResponseCitationFactory,
    ResponseFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "visible"),
    [("draft", False), ("review", False), ("published", True), ("retracted", True)],
)
def test_incident_visible_only_when_published_or_retracted(status, visible):
    incident = IncidentFactory(status=status)
    assert (incident in Incident.objects.public()) is visible


def test_embargoed_incident_is_hidden_until_the_embargo_passes():
    later = timezone.now() + timedelta(days=1)
    incident = IncidentFactory(embargo_until=later)
    assert incident not in Incident.objects.public()
    assert incident in Incident.objects.public(now=later + timedelta(seconds=1))


def test_draft_event_is_hidden_even_inside_a_published_incident():
    event = EventFactory(status="draft")
    assert event.incident in Incident.objects.public()
    assert event not in Event.objects.public()


def test_published_event_of_a_draft_incident_is_hidden():
    event = EventFactory(incident=IncidentFactory(status="draft"))
    assert event not in Event.objects.public()


def test_claims_and_responses_follow_their_own_status_and_their_parents():
    claim = ClaimFactory()
    response = ResponseFactory(claim=claim)
    draft_response = ResponseFactory(claim=claim, status="draft")
    assert claim in Claim.objects.public()
    assert response in Response.objects.public()
    assert draft_response not in Response.objects.public()

    draft_claim = ClaimFactory(status="draft", incident=claim.incident)
    hidden_response = ResponseFactory(claim=draft_claim)
    assert draft_claim not in Claim.objects.public()
    assert hidden_response not in Response.objects.public()


def test_vendor_stance_ignores_draft_responses_publicly():
    claim = ClaimFactory()
    ResponseFactory(claim=claim, stance="disputed", position=1)
    ResponseFactory(claim=claim, stance="confirmed", position=2, status="draft")
    public = Claim.objects.public().with_vendor_stance(public=True).get(pk=claim.pk)
    staff = Claim.objects.with_vendor_stance(public=False).get(pk=claim.pk)
    assert public.vendor_stance == "disputed"
    assert staff.vendor_stance == "confirmed"


def test_vendor_stance_is_awaiting_until_the_vendor_itself_answers():
    claim = ClaimFactory()
    ResponseFactory(claim=claim, responder=OrganizationFactory(kind="platform"), stance="denied")
    assert Claim.objects.with_vendor_stance(public=True).get(pk=claim.pk).vendor_stance == "awaiting_response"


def test_organisation_only_in_a_draft_incident_is_not_public():
    secret_vendor = OrganizationFactory(slug="secret-vendor")
    IncidentFactory(vendor=secret_vendor, status="draft")
    public_incident = IncidentFactory()
    assert secret_vendor not in Organization.objects.public()
    assert public_incident.vendor in Organization.objects.public()


@pytest.mark.parametrize("where", ["participant", "actor", "claimant", "responder", "outlet"])
def test_organisation_becomes_public_through_each_public_reference(where):
    org = OrganizationFactory(kind="researcher")
    incident = IncidentFactory()
    if where == "participant":
        ParticipantFactory(incident=incident, organization=org)
    elif where == "actor":
        EventFactory(incident=incident, actor=org)
    elif where == "claimant":
        ClaimFactory(incident=incident, claimant=org)
    elif where == "responder":
        ResponseFactory(claim=ClaimFactory(incident=incident), responder=org)
    else:
        EventCitationFactory(event=EventFactory(incident=incident), source=SourceFactory(outlet=org))
    assert org in Organization.objects.public()


@pytest.mark.parametrize("where", ["actor", "claimant", "responder", "outlet"])
def test_organisation_named_only_by_a_draft_record_stays_private(where):
    org = OrganizationFactory(kind="researcher")
    incident = IncidentFactory()
    if where == "actor":
        EventFactory(incident=incident, actor=org, status="draft")
    elif where == "claimant":
        ClaimFactory(incident=incident, claimant=org, status="draft")
    elif where == "responder":
        ResponseFactory(claim=ClaimFactory(incident=incident), responder=org, status="draft")
    else:
        EventCitationFactory(event=EventFactory(incident=incident, status="draft"), source=SourceFactory(outlet=org))
    assert org not in Organization.objects.public()


def test_source_is_public_only_when_a_public_record_cites_it():
    cited_by_draft_claim = SourceFactory()
    ClaimCitationFactory(claim=ClaimFactory(status="draft"), source=cited_by_draft_claim)
    uncited = SourceFactory()
    cited = SourceFactory()
    ResponseCitationFactory(response=ResponseFactory(), source=cited)
    public = set(Source.objects.public())
    assert cited in public
    assert uncited not in public
    assert cited_by_draft_claim not in public
