"""Events, claims and vendor responses, edited in place on the incident editor page."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from claims.models import Claim, Response
from disclosure.models import Event, EventCitation
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
from web.workspace.records import records_context

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def incident():
    return IncidentFactory(status="draft", timezone="America/Los_Angeles", vendor=OrganizationFactory(name="Wyze"))


def event_data(**extra):
    data = {
        "event-kind": "vendor_notified",
        "event-when_date": "26 Dec 2019",
        "event-when_time": "9:21 am",
        "event-when_margin": "",
        "event-when_zone": "America/Los_Angeles",
        "event-actor": "IPVM",
        "event-target": "Wyze",
        "event-description": "IPVM told Wyze.",
        "event-status": "draft",
        "event-cite_source": "Wyze data leak",
        "event-cite_quote": "we notified Wyze at 9:21",
        "event-cite_locator": "paragraph 2",
    }
    data.update(extra)
    return data


def test_add_an_event_with_a_citation_by_a_plain_post(client, editor, incident):
    client.force_login(editor)
    response = client.post(reverse("workspace:event-add", args=[incident.slug]), event_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:incident-edit", args=[incident.slug]) + "#events"
    event = Event.objects.get(incident=incident)
    assert (event.at, event.precision, event.timezone, event.status) == ("2019-12-26T09:21", "minute", "", "draft")
    assert event.actor.name == "IPVM" and event.target == incident.vendor
    citation = event.citations.get()
    assert (citation.source.title, citation.locator) == ("Wyze data leak", "paragraph 2")


def test_add_an_event_with_htmx_answers_the_section(client, editor, incident):
    client.force_login(editor)
    response = client.post(
        reverse("workspace:event-add", args=[incident.slug]), event_data(**{"event-status": "published"}), headers=HX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#events"
    body = response.content.decode()
    assert 'id="events"' in body and "December 26, 2019, 9:21 a.m." in body and "Wyze data leak" in body
    assert Event.objects.get(incident=incident).status == "published"


def test_a_draft_may_lack_a_citation_but_a_published_event_may_not(client, editor, incident):
    client.force_login(editor)
    url = reverse("workspace:event-add", args=[incident.slug])
    response = client.post(url, event_data(**{"event-cite_source": "", "event-status": "published"}))
    assert response.status_code == 200
    assert "must cite at least one source" in response.content.decode()
    assert not Event.objects.exists()
    assert client.post(url, event_data(**{"event-cite_source": ""})).status_code == 302
    assert Event.objects.get().citations.count() == 0


def test_a_contributor_cannot_publish_an_event(client, contributor, incident):
    client.force_login(contributor)
    response = client.post(
        reverse("workspace:event-add", args=[incident.slug]), event_data(**{"event-status": "published"})
    )
    assert response.status_code == 200
    assert "Your role may not publish" in response.content.decode()
    assert not Event.objects.exists()


def test_bad_time_is_refused_beside_the_field(client, editor, incident):
    client.force_login(editor)
    response = client.post(
        reverse("workspace:event-add", args=[incident.slug]), event_data(**{"event-when_date": "boxing day"})
    )
    assert "Give a date like 26 December 2019 or 2019-12-26" in response.content.decode()
    assert not Event.objects.exists()


def test_edit_an_event_in_place(client, editor, incident):
    event = EventFactory(incident=incident, status="draft", at="2019-12-26", precision="day")
    client.force_login(editor)
    url = reverse("workspace:event-edit", args=[incident.slug, event.pk])
    form = client.get(url, headers=HX).content.decode()
    assert f'id="event-{event.pk}"' in form and "26 December 2019" in form and "<html" not in form
    assert "<html" in client.get(url).content.decode()  # without JS, a page of its own
    prefix = f"edit-event-{event.pk}"
    data = {
        f"{prefix}-kind": "published",
        f"{prefix}-when_date": "26 December 2019",
        f"{prefix}-when_time": "10:00",
        f"{prefix}-when_about": "on",
        f"{prefix}-when_margin": "PT30M",
        f"{prefix}-when_zone": "America/Los_Angeles",
        f"{prefix}-actor": "Twelve Security",
        f"{prefix}-status": "draft",
    }
    check = client.post(url, {**data, "check": "1"}).content.decode()
    assert "between 09:30 and 10:31 on 26 December 2019 (America/Los_Angeles)" in check
    event.refresh_from_db()
    assert event.precision == "day"  # "Check" saves nothing
    assert client.post(url, data, headers=HX)["HX-Retarget"] == "#events"
    event.refresh_from_db()
    assert (event.at, event.approximate, event.margin, event.actor.name) == (
        "2019-12-26T10:00",
        True,
        "PT30M",
        "Twelve Security",
    )
    row = client.get(reverse("workspace:event-row", args=[incident.slug, event.pk]), headers=HX)
    assert "Edit" in row.content.decode()


def test_reorder_events_recorded_at_the_same_time(client, editor, incident):
    first = EventFactory(incident=incident, status="draft", at="2019-12-26", precision="day", position=1)
    second = EventFactory(incident=incident, status="draft", at="2019-12-26", precision="day", position=2)
    client.force_login(editor)
    response = client.post(reverse("workspace:event-move", args=[incident.slug, second.pk]), {"direction": "up"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.position < first.position
    assert [e.pk for e in Event.objects.filter(incident=incident)] == [second.pk, first.pk]
    refused = client.post(
        reverse("workspace:event-move", args=[incident.slug, second.pk]), {"direction": "up"}, follow=True
    )
    assert "only events recorded at the same time" in refused.content.decode()


def test_remove_an_event_after_confirming(client, editor, incident):
    event = EventFactory(incident=incident, status="draft")
    client.force_login(editor)
    url = reverse("workspace:event-delete", args=[incident.slug, event.pk])
    assert "Yes, remove it" in client.get(url).content.decode()
    assert Event.objects.filter(pk=event.pk).exists()
    assert client.post(url).status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()


def test_add_and_remove_a_citation_on_an_event(client, editor, incident):
    event = EventFactory(incident=incident, status="draft")
    source = SourceFactory(title="IPVM article")
    client.force_login(editor)
    prefix = f"cite-event-{event.pk}"
    response = client.post(
        reverse("workspace:citation-add-event", args=[incident.slug, event.pk]),
        {f"{prefix}-source": "IPVM article", f"{prefix}-quote": "words", f"{prefix}-locator": "p. 1"},
        headers=HX,
    )
    assert response["HX-Retarget"] == "#events"
    citation = EventCitation.objects.get(event=event)
    assert citation.source == source
    client.post(reverse("workspace:citation-remove-event", args=[incident.slug, citation.pk]))
    assert not EventCitation.objects.filter(pk=citation.pk).exists()


def test_a_claim_with_a_vendor_denial(client, editor, incident):
    client.force_login(editor)
    client.post(
        reverse("workspace:claim-add", args=[incident.slug]),
        {
            "claim-statement": "2.4 million customers' data was exposed.",
            "claim-claimant": "Twelve Security",
            "claim-category": "scope",
            "claim-status": "draft",
            "claim-cite_source": "Twelve Security blog",
        },
    )
    claim = Claim.objects.get(incident=incident)
    assert claim.status == "draft" and claim.at == "" and claim.citations.count() == 1
    prefix = f"response-{claim.pk}"
    response = client.post(
        reverse("workspace:response-add", args=[incident.slug, claim.pk]),
        {
            f"{prefix}-responder": "Wyze",
            f"{prefix}-stance": "denied",
            f"{prefix}-statement": "Not 2.4 million.",
            f"{prefix}-when_date": "29 Dec 2019",
            f"{prefix}-when_zone": "America/Los_Angeles",
            f"{prefix}-status": "draft",
            f"{prefix}-cite_source": "Wyze forum post",
        },
        headers=HX,
    )
    assert response["HX-Retarget"] == "#claims"
    denial = Response.objects.get(claim=claim)
    assert (denial.responder, denial.stance, denial.status, denial.precision) == (
        incident.vendor,
        "denied",
        "draft",
        "day",
    )
    body = response.content.decode()
    assert "Not 2.4 million." in body and "Wyze forum post" in body
    edit = reverse("workspace:response-edit", args=[incident.slug, denial.pk])
    assert "Not 2.4 million." in client.get(edit, headers=HX).content.decode()
    changed = client.post(
        edit,
        {
            f"edit-response-{denial.pk}-responder": "Wyze",
            f"edit-response-{denial.pk}-stance": "disputed",
            f"edit-response-{denial.pk}-when_date": "2019-12-29",
            f"edit-response-{denial.pk}-status": "draft",
        },
    )
    assert changed.status_code == 302
    denial.refresh_from_db()
    assert denial.stance == "disputed"
    client.post(reverse("workspace:claim-delete", args=[incident.slug, claim.pk]))
    assert not Claim.objects.exists()


def _records(incident, n):
    for i in range(n):
        event = EventFactory(incident=incident, status="draft" if i % 2 else "published", actor=OrganizationFactory())
        EventCitationFactory(event=event)
        claim = ClaimFactory(incident=incident)
        ClaimCitationFactory(claim=claim)
        ResponseCitationFactory(response=ResponseFactory(claim=claim))


@pytest.mark.parametrize("n", [2, 20])
def test_the_sections_take_a_fixed_number_of_queries(editor, incident, n, django_assert_max_num_queries):
    _records(incident, n)
    request = RequestFactory().get("/")
    request.user = editor
    request.htmx = False
    with django_assert_max_num_queries(8):
        context = records_context(incident, editor)
        html = render_to_string("workspace/records/_events.html", context, request=request)
        html += render_to_string("workspace/records/_claims.html", context, request=request)
    assert html.count('class="ws-record') >= 3 * n


@pytest.mark.parametrize("n", [2, 20])
def test_the_htmx_section_answer_takes_a_fixed_number_of_queries(
    client, editor, incident, n, django_assert_max_num_queries
):
    _records(incident, n)
    event = Event.objects.filter(incident=incident).first()
    client.force_login(editor)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("workspace:event-row", args=[incident.slug, event.pk]), headers=HX)
    assert response.status_code == 200


def test_the_list_says_which_instants_a_time_covers(client, editor, incident):
    EventFactory(
        incident=incident, status="draft", at="2019-12-26T10:00", precision="minute", approximate=True, margin="PT30M"
    )
    context = records_context(incident, editor)
    assert context["events"][0].when_words == "between 09:30 and 10:31 on 26 December 2019 (America/Los_Angeles)"


def test_a_contributor_cannot_change_a_published_event_and_is_told_why(client, contributor):
    incident = IncidentFactory(timezone="America/Los_Angeles")
    event = EventFactory(incident=incident, at="2019-12-26", precision="day", kind="published")
    EventCitationFactory(event=event)
    client.force_login(contributor)
    prefix = f"edit-event-{event.pk}"
    response = client.post(
        reverse("workspace:event-edit", args=[incident.slug, event.pk]),
        {
            f"{prefix}-kind": "published",
            f"{prefix}-when_date": "2019-12-27",
            f"{prefix}-when_zone": "America/Los_Angeles",
            f"{prefix}-status": "published",
        },
    )
    assert "Your role may not change an event the public can see (ask an editor)." in response.content.decode()
    event.refresh_from_db()
    assert event.at == "2019-12-26"


def test_the_last_citation_of_a_published_event_cannot_be_removed(client, editor, incident):
    event = EventFactory(incident=incident, status="published")
    citation = EventCitationFactory(event=event)
    client.force_login(editor)
    response = client.post(reverse("workspace:citation-remove-event", args=[incident.slug, citation.pk]), headers=HX)
    assert "must cite at least one source" in response.content.decode()
    assert EventCitation.objects.filter(pk=citation.pk).exists()


@pytest.mark.parametrize("n", [2, 20])
def test_the_editor_page_with_these_sections_takes_a_fixed_number_of_queries(
    client, editor, incident, n, django_assert_max_num_queries
):
    _records(incident, n)
    client.force_login(editor)
    with django_assert_max_num_queries(20):  # the editor page as a whole; 8 of them are these sections
        response = client.get(reverse("workspace:incident-edit", args=[incident.slug]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="events"' in body and 'id="claims"' in body
    assert body.count('class="ws-record') >= 3 * n


def test_an_htmx_answer_refreshes_the_datalists_out_of_band(client, editor, incident):
    client.force_login(editor)
    response = client.post(reverse("workspace:event-add", args=[incident.slug]), event_data(), headers=HX)
    body = response.content.decode()
    assert 'id="ws-datalists" hidden hx-swap-oob="true"' in body and "IPVM" in body
