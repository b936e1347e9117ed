"""The workspace dashboard: my drafts, the review queue, embargoes, claims awaiting the vendor, stories to follow up."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ClaimFactory, IncidentFactory, OrganizationFactory, ResponseFactory
from web.workspace.views import zoned_time

pytestmark = pytest.mark.django_db

FAR_FUTURE = datetime(2099, 12, 26, 17, 0, tzinfo=UTC)


def section(page, heading_id):
    """The HTML of one dashboard section, found by its heading's id."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def dashboard(client, user):
    client.force_login(user)
    response = client.get(reverse("workspace:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def followed(incident, at, precision="day"):
    incident.followed_until_at, incident.followed_until_precision = at, precision
    incident.derive_followed_until()
    incident.save()
    return incident


# --- the sections --------------------------------------------------------------------------


def test_an_empty_newsroom_sees_a_sentence_in_every_section(client, editor):
    page = dashboard(client, editor)
    assert "No drafts of yours." in page
    assert "Nothing is waiting for review." in page
    assert "No published story is under embargo." in page
    assert "Every claim has a vendor response." in page
    assert "Every published story was followed up in the last 30 days." in page


def test_my_drafts_are_those_i_created_or_changed_last(client, editor, contributor):
    mine = IncidentFactory(status="draft", title="Created by me", created_by=editor)
    touched = IncidentFactory(status="draft", title="Changed by me", created_by=contributor, updated_by=editor)
    IncidentFactory(status="draft", title="Someone else's", created_by=contributor, updated_by=contributor)
    IncidentFactory(status="review", title="Sent to review", created_by=editor)
    drafts = section(dashboard(client, editor), "dash-drafts")
    assert "Created by me" in drafts and "Changed by me" in drafts
    assert "Someone else&#x27;s" not in drafts and "Sent to review" not in drafts
    assert reverse("workspace:incident-edit", args=[mine.slug]) in drafts
    assert reverse("workspace:incident-edit", args=[touched.slug]) in drafts
    assert '<span class="ws-count">2</span>' in drafts


def test_the_review_queue_lists_every_story_in_review(client, editor, contributor):
    IncidentFactory(status="review", title="Ready for an editor", updated_by=contributor)
    IncidentFactory(status="draft", title="Still a draft")
    review = section(dashboard(client, editor), "dash-review")
    assert "Ready for an editor" in review and "sent by contributor" in review
    assert "Still a draft" not in review


def test_an_embargo_is_shown_in_its_incidents_zone_with_the_offset(client, editor):
    IncidentFactory(title="Pacific story", embargo_until=FAR_FUTURE, timezone="America/Los_Angeles")
    IncidentFactory(title="Indian story", embargo_until=FAR_FUTURE - timedelta(days=1), timezone="Asia/Kolkata")
    IncidentFactory(title="Lifted already", embargo_until=timezone.now() - timedelta(hours=1))
    IncidentFactory(title="Draft under embargo", status="draft", embargo_until=FAR_FUTURE)
    embargoes = section(dashboard(client, editor), "dash-embargoes")
    assert "26 December 2099, 09:00 PST (UTC\N{MINUS SIGN}08:00)" in embargoes
    assert "25 December 2099, 22:30 IST (UTC+05:30)" in embargoes
    assert embargoes.index("Indian story") < embargoes.index("Pacific story")  # soonest first
    assert "Lifted already" not in embargoes and "Draft under embargo" not in embargoes


@pytest.mark.parametrize(
    ("zone", "words"),
    [
        ("UTC", "26 December 2099, 17:00 UTC"),
        ("Europe/London", "26 December 2099, 17:00 GMT (UTC+00:00)"),
        ("Europe/Berlin", "26 December 2099, 18:00 CET (UTC+01:00)"),
        ("America/Sao_Paulo", "26 December 2099, 14:00 America/Sao_Paulo (UTC\N{MINUS SIGN}03:00)"),
    ],
)
def test_zoned_time_names_the_zone_and_its_offset(zone, words):
    assert zoned_time(FAR_FUTURE, zone) == words


def test_claims_awaiting_the_vendor_are_listed_with_how_long(client, editor):
    now = timezone.now()
    incident = IncidentFactory(title="Camera leak")
    three_days_ago = (now - timedelta(days=3, hours=2)).strftime("%Y-%m-%dT%H:%M")
    ClaimFactory(incident=incident, statement="No answer yet", at=three_days_ago, precision="minute", timezone="UTC")
    ClaimFactory(incident=incident, statement="A draft claim", status="draft")
    answered = ClaimFactory(incident=incident, statement="The vendor denied it")
    ResponseFactory(claim=answered)
    only_others = ClaimFactory(incident=incident, statement="Only a researcher answered")
    ResponseFactory(claim=only_others, responder=OrganizationFactory(kind="researcher"))
    ClaimFactory(incident=IncidentFactory(status="retracted", retraction_notice="Wrong."), statement="Retracted")
    claims = section(dashboard(client, editor), "dash-claims")
    assert "No answer yet" in claims and "3\xa0days since the claim" in claims
    assert "A draft claim" in claims and "draft-mark" in claims
    assert "Only a researcher answered" in claims
    assert "The vendor denied it" not in claims and "Retracted" not in claims
    assert reverse("workspace:incident-edit", args=[incident.slug]) + "#claim-" in claims
    assert '<span class="ws-count">3</span>' in claims
    assert claims.index("No answer yet") < claims.index("A draft claim")  # the one with a time, longest waiting, first


def test_a_draft_vendor_response_counts_as_an_answer_in_the_newsroom(client, editor):
    claim = ClaimFactory(statement="Answered in draft")
    ResponseFactory(claim=claim, status="draft")
    assert "Answered in draft" not in section(dashboard(client, editor), "dash-claims")


def test_stories_to_follow_up_are_those_never_followed_or_not_for_30_days(client, editor):
    today = timezone.now().date()
    IncidentFactory(title="Never followed")
    followed(IncidentFactory(title="Followed long ago"), "2020-01-15")
    followed(IncidentFactory(title="Followed recently"), (today - timedelta(days=2)).isoformat())
    followed(IncidentFactory(title="Draft long ago", status="draft"), "2020-01-15")
    follow_ups = section(dashboard(client, editor), "dash-follow-ups")
    assert "Never followed" in follow_ups and "no follow-up recorded" in follow_ups
    assert "Followed long ago" in follow_ups and "followed until January 15, 2020," in follow_ups
    assert "years ago" in follow_ups
    assert "Followed recently" not in follow_ups and "Draft long ago" not in follow_ups
    assert follow_ups.index("Never followed") < follow_ups.index("Followed long ago")


def test_admins_are_offered_the_accounts_page(client, editor, admin_user):
    assert reverse("workspace:accounts") not in dashboard(client, editor)
    assert reverse("workspace:accounts") in dashboard(client, admin_user)


def test_with_htmx_only_the_sections_come_back(client, editor):
    client.force_login(editor)
    response = client.get(reverse("workspace:dashboard"), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert 'id="dashboard-sections"' in page and "<html" not in page


# --- queries --------------------------------------------------------------------------------


def _rows(n, editor):
    now = timezone.now()
    for i in range(n):
        IncidentFactory(status="draft", created_by=editor)
        IncidentFactory(status="review", updated_by=editor)
        IncidentFactory(embargo_until=FAR_FUTURE + timedelta(hours=i), timezone="Europe/Berlin")
        followed(IncidentFactory(), "2020-01-15")
        ClaimFactory(at=(now - timedelta(days=i + 1)).strftime("%Y-%m-%dT%H:%M"), precision="minute")


@pytest.mark.parametrize("n", [2, 20])
def test_the_dashboard_makes_a_fixed_number_of_queries(client, editor, django_assert_max_num_queries, n):
    _rows(n, editor)
    client.force_login(editor)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("workspace:dashboard"))
    page = response.content.decode()
    assert page.count(reverse("workspace:incident-edit", args=["x"]).removesuffix("x/")) >= 5 * min(n, 10)
    if n > 10:
        assert "The 10 soonest of 20." in page
