"""The preview: the public page built from the newsroom's view, drafts marked, staff only, never cached."""

import pytest
from django.urls import reverse

from tests.factories import (
    ClaimCitationFactory,
    ClaimFactory,
    EventCitationFactory,
    EventFactory,
    IncidentFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db


def _drafts(incident, n):
    """`n` draft events, and one draft claim with a draft response, each cited, on `incident`."""
    for i in range(n):
        EventCitationFactory(event=EventFactory(incident=incident, status="draft", description=f"DRAFT-EVENT-{i}"))
    claim = ClaimCitationFactory(claim=ClaimFactory(incident=incident, status="draft", statement="DRAFT-CLAIM")).claim
    published = ClaimCitationFactory(claim=ClaimFactory(incident=incident, statement="PUBLIC-CLAIM")).claim
    ResponseFactory(claim=published, status="draft", statement="DRAFT-RESPONSE")
    return claim


def test_the_preview_shows_drafts_marked_with_a_banner_and_links(client, editor, wyze):
    _drafts(wyze, 2)
    client.force_login(editor)
    response = client.get(reverse("workspace:incident-preview", kwargs={"slug": wyze.slug}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: not public" in html
    assert "DRAFT-EVENT-0" in html and "DRAFT-EVENT-1" in html and "DRAFT-CLAIM" in html and "DRAFT-RESPONSE" in html
    # two events, one claim, one response, and the banner's own example
    assert html.count('<span class="draft-mark">Draft</span>') == 5
    assert reverse("workspace:incident-edit", kwargs={"slug": wyze.slug}) in html
    assert reverse("workspace:incident-publish", kwargs={"slug": wyze.slug}) in html
    assert "css/workspace.css" in html
    # the public page's parts are all there: published events too
    assert 'id="event-ipvm-support-ticket"' in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_draft_incident_is_previewed_by_a_contributor_and_is_not_public(client, contributor):
    incident = IncidentFactory(status="draft", title="A story in the making")
    client.force_login(contributor)
    response = client.get(reverse("workspace:incident-preview", kwargs={"slug": incident.slug}))
    assert response.status_code == 200
    assert '<span class="draft-mark">Draft</span></h1>' in response.content.decode()
    client.logout()
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_the_preview_is_for_the_newsroom_only(client, django_user_model, wyze):
    url = reverse("workspace:incident-preview", kwargs={"slug": wyze.slug})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("workspace:login"))
    client.force_login(django_user_model.objects.create_user(username="reader", password="pw", is_staff=True))
    assert client.get(url).status_code == 403


def test_the_public_page_shows_no_draft_and_no_mark(client, wyze):
    _drafts(wyze, 2)
    html = client.get(wyze.get_absolute_url()).content.decode()
    assert "draft-mark" not in html and "Preview" not in html and "workspace.css" not in html
    assert "DRAFT-EVENT" not in html and "DRAFT-CLAIM" not in html and "DRAFT-RESPONSE" not in html
    assert "PUBLIC-CLAIM" in html


def test_the_public_template_is_the_same_whatever_preview_says_when_it_is_off(client, rf, wyze):
    """The draft marks are all behind `preview`: without it the page is exactly what it was."""
    from django.template.loader import render_to_string

    from web import selectors

    _drafts(wyze, 1)
    incident = selectors.public_incident_detail(wyze.slug)
    request = rf.get(wyze.get_absolute_url())
    plain = render_to_string("disclosure/incident_detail.html", selectors.incident_page_context(incident), request)
    off = render_to_string(
        "disclosure/incident_detail.html", {**selectors.incident_page_context(incident), "preview": False}, request
    )
    assert plain == off and "draft-mark" not in plain


@pytest.mark.parametrize("n", [2, 20])
def test_the_preview_runs_a_fixed_number_of_queries(client, editor, wyze, django_assert_max_num_queries, n):
    _drafts(wyze, n)
    client.force_login(editor)
    url = reverse("workspace:incident-preview", kwargs={"slug": wyze.slug})
    with django_assert_max_num_queries(21):  # 20, + the reported durations (issue 15)
        response = client.get(url)
    assert response.status_code == 200
