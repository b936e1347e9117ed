"""The `*_visible_to(user)` selectors: who sees what (docs/roles.md, bundle-v1.md).

Every newsroom role reads every record, drafts included; everyone else (an
anonymous caller, a signed-in account without a role, a staff account without
a role) reads exactly what the public may see.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.utils import timezone

from claims.models import Claim, Response
from claims.selectors import claims_visible_to, responses_visible_to
from disclosure.models import DataClass, Event, ExposedData, Incident, Organization, Participant, Source
from disclosure.selectors import (
    data_classes_visible_to,
    events_visible_to,
    exposed_data_visible_to,
    incidents_visible_to,
    organizations_visible_to,
    participants_visible_to,
    sees_everything,
    sources_visible_to,
)
from tests.factories import (
    ClaimCitationFactory,
    ClaimFactory,
    EventCitationFactory,
    EventFactory,
    ExposedDataFactory,
    IncidentFactory,
    OrganizationFactory,
    ParticipantFactory,
    ResponseFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent

NEWSROOM = ["contributor", "editor", "admin", "superuser"]
OUTSIDERS = ["anonymous", "anonymous-user", "signed-in", "staff-without-role"]


@pytest.fixture
def make_viewer(django_user_model):
    def make(name):
        if name == "anonymous":
            return None
        if name == "anonymous-user":
            return AnonymousUser()
        if name == "superuser":
            return django_user_model.objects.create_superuser(username=name, password="pw")
        user = django_user_model.objects.create_user(username=name, password="pw", is_staff=name != "signed-in")
        if name in ("contributor", "editor", "admin"):
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def world():
    """One record of each kind the rules tell apart, each with organisations and sources of its own."""
    org = lambda slug, kind="vendor": OrganizationFactory(slug=slug, kind=kind)  # noqa: E731
    source = lambda key: SourceFactory(key=key, outlet=org(f"{key}-outlet", "media"))  # noqa: E731
    later = timezone.now() + timedelta(days=1)
    w = {"later": later}

    w["published"] = IncidentFactory(slug="published", vendor=org("published-vendor"))
    w["retracted"] = IncidentFactory(
        slug="retracted", vendor=org("retracted-vendor"), status="retracted", retraction_notice="Wrong."
    )
    w["draft"] = IncidentFactory(slug="draft", vendor=org("draft-vendor"), status="draft")
    w["review"] = IncidentFactory(slug="review", vendor=org("review-vendor"), status="review")
    w["embargoed"] = IncidentFactory(slug="embargoed", vendor=org("embargoed-vendor"), embargo_until=later)

    published, draft = w["published"], w["draft"]
    w["participant"] = ParticipantFactory(incident=published, organization=org("reporter", "researcher"))
    w["draft_participant"] = ParticipantFactory(incident=draft, organization=org("draft-reporter", "researcher"))
    w["exposed"] = ExposedDataFactory(incident=published)
    w["draft_exposed"] = ExposedDataFactory(incident=draft)

    # Events: a published one, a draft one on the published incident, a published one on a draft.
    w["event"] = EventFactory(key="public", incident=published, actor=org("event-actor", "other"))
    w["draft_event"] = EventFactory(key="draft", incident=published, status="draft", actor=org("draft-actor", "other"))
    w["event_of_draft"] = EventFactory(key="of-draft", incident=draft, target=org("target-of-draft", "other"))
    EventCitationFactory(event=w["event"], source=source("cited-by-event"))
    EventCitationFactory(event=w["draft_event"], source=source("cited-by-draft-event"))
    EventCitationFactory(event=w["event_of_draft"], source=source("cited-by-event-of-draft"))

    # Claims and responses, likewise: drafts on a published incident, published ones on a draft.
    w["claim"] = ClaimFactory(key="public", incident=published, claimant=org("claimant", "researcher"))
    w["draft_claim"] = ClaimFactory(
        key="draft", incident=published, status="draft", claimant=org("draft-claimant", "researcher")
    )
    w["claim_of_draft"] = ClaimFactory(key="of-draft", incident=draft, claimant=org("claimant-of-draft", "researcher"))
    ClaimCitationFactory(claim=w["claim"], source=source("cited-by-claim"))
    ClaimCitationFactory(claim=w["draft_claim"], source=source("cited-by-draft-claim"))
    w["response"] = ResponseFactory(claim=w["claim"])
    w["draft_response"] = ResponseFactory(claim=w["claim"], status="draft", responder=org("draft-responder"))
    w["response_to_draft_claim"] = ResponseFactory(claim=w["draft_claim"])
    w["response_of_draft"] = ResponseFactory(claim=w["claim_of_draft"])

    w["uncited_source"] = source("cited-by-nothing")
    w["unmentioned_org"] = org("mentioned-by-nothing")
    return w


# What the public sees of `world`, by model; everything else is hidden from it.
def public_part(w):
    return {
        Incident: {w["published"], w["retracted"]},
        Event: {w["event"]},
        Claim: {w["claim"]},
        Response: {w["response"]},
        Participant: {w["participant"]},
        ExposedData: {w["exposed"]},
        DataClass: set(DataClass.objects.all()),  # the vocabulary is public reference data
        Source: set(Source.objects.filter(key__in=["cited-by-event", "cited-by-claim"])),
        Organization: set(
            Organization.objects.filter(
                slug__in=[
                    "published-vendor",  # also the responder of the public response
                    "retracted-vendor",
                    "reporter",
                    "event-actor",
                    "claimant",
                    "cited-by-event-outlet",
                    "cited-by-claim-outlet",
                ]
            )
        ),
    }


SELECTORS = {
    Incident: incidents_visible_to,
    Event: events_visible_to,
    Claim: claims_visible_to,
    Response: responses_visible_to,
    Participant: participants_visible_to,
    ExposedData: exposed_data_visible_to,
    DataClass: data_classes_visible_to,
    Source: sources_visible_to,
    Organization: organizations_visible_to,
}
BY_NAME = {model.__name__: model for model in SELECTORS}


@pytest.mark.parametrize("viewer", OUTSIDERS)
@pytest.mark.parametrize("model_name", BY_NAME)
def test_outside_the_newsroom_each_selector_shows_exactly_what_the_public_may_see(
    world, make_viewer, viewer, model_name
):
    model = BY_NAME[model_name]
    user = make_viewer(viewer)
    assert not sees_everything(user)
    assert set(SELECTORS[model](user)) == public_part(world)[model]


@pytest.mark.parametrize("viewer", NEWSROOM)
@pytest.mark.parametrize("model_name", BY_NAME)
def test_every_newsroom_role_sees_every_record_drafts_included(world, make_viewer, viewer, model_name):
    model = BY_NAME[model_name]
    user = make_viewer(viewer)
    assert sees_everything(user)
    visible = set(SELECTORS[model](user))
    assert visible == set(model.objects.all())
    if model is not DataClass:
        assert visible > public_part(world)[model], "the newsroom also reads what the public may not"


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_drafts_embargoes_and_what_only_drafts_mention_stay_hidden_outside_the_newsroom(world, make_viewer, viewer):
    user = make_viewer(viewer)
    incidents = set(incidents_visible_to(user))
    assert not {world["draft"], world["review"], world["embargoed"]} & incidents
    assert world["retracted"] in incidents, "a retracted incident stays public, with its notice"
    assert not {world["draft_event"], world["event_of_draft"]} & set(events_visible_to(user))
    assert not {world["draft_claim"], world["claim_of_draft"]} & set(claims_visible_to(user))
    hidden_responses = {world["draft_response"], world["response_to_draft_claim"], world["response_of_draft"]}
    assert not hidden_responses & set(responses_visible_to(user))
    only_drafts_mention = {
        "draft-vendor",
        "review-vendor",
        "embargoed-vendor",
        "draft-reporter",
        "draft-actor",
        "target-of-draft",
        "draft-claimant",
        "claimant-of-draft",
        "draft-responder",
        "cited-by-draft-event-outlet",
        "cited-by-event-of-draft-outlet",
        "cited-by-draft-claim-outlet",
        "mentioned-by-nothing",
    }
    assert not only_drafts_mention & set(organizations_visible_to(user).values_list("slug", flat=True))
    sources = set(sources_visible_to(user).values_list("key", flat=True))
    assert not {"cited-by-draft-event", "cited-by-event-of-draft", "cited-by-draft-claim", "cited-by-nothing"} & sources


def test_an_embargoed_incident_and_its_vendor_appear_once_the_embargo_passes(world):
    after = world["later"] + timedelta(seconds=1)
    assert world["embargoed"] in incidents_visible_to(None, now=after)
    assert world["embargoed"].vendor in organizations_visible_to(None, now=after)
    assert world["embargoed"] not in incidents_visible_to(None)


def test_an_account_whose_role_is_taken_away_reads_what_the_public_reads(make_viewer):
    editor = make_viewer("editor")
    editor.groups.clear()
    editor = type(editor).objects.get(pk=editor.pk)  # permissions are cached per instance
    assert not sees_everything(editor)


# --- project rule: the API picks no visibility inline ----------------------------

API_VIEWS = [
    "disclosure/api/base.py",
    "disclosure/api/views.py",
    "claims/api/views.py",
    "metrics/api/views.py",
    "web/api/views.py",
]
# Reading any of these models whole, or through public(), is the selectors' job.
SELECTED_MODELS = "|".join(["VendorResponse", *BY_NAME])
INLINE_VISIBILITY = re.compile(rf"\.public\(|\b(?:{SELECTED_MODELS})\.objects\.all\(\)")


@pytest.mark.parametrize("rel", API_VIEWS)
def test_the_api_reads_through_the_selectors_and_picks_no_visibility_inline(rel):
    text = (ROOT / rel).read_text(encoding="utf-8")
    found = [
        f"{rel}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if INLINE_VISIBILITY.search(line)
    ]
    assert not found, "use the *_visible_to(user) selectors instead:\n" + "\n".join(found)


def test_the_inline_visibility_rule_catches_what_it_is_meant_to():
    assert INLINE_VISIBILITY.search("base = Claim.objects.all() if self.staff else Claim.objects.public()")
    assert INLINE_VISIBILITY.search("Incident.objects.public(now)")
    assert not INLINE_VISIBILITY.search("norms = list(Norm.objects.all())")
    assert not INLINE_VISIBILITY.search("claims_visible_to(self.request.user)")
