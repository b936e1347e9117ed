"""The workspace's history: every change with who and what, restoring a version, restoring a deletion."""

import pytest
from django.urls import reverse

from disclosure import services
from disclosure.models import Event, EventCitation, Incident
from tests.factories import OrganizationFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(editor):
    return services.incident_create(
        by=editor, slug="leaky-cam", title="Leaky camera", vendor=OrganizationFactory(slug="camco", name="CamCo")
    )


def _event(incident, by, **fields):
    values = {
        "key": "found",
        "kind": "discovered",
        "at": "2020-03-02",
        "precision": "day",
        "description": "First words.",
    }
    return services.event_create(incident=incident, by=by, **{**values, **fields})


def _history_url(incident):
    return reverse("workspace:incident-history", kwargs={"slug": incident.slug})


def _record_url(record):
    return reverse("workspace:record-history", kwargs={"kind": record._meta.model_name, "pk": record.pk})


def test_a_change_shows_in_the_incident_history_with_who_and_what_changed(client, draft, editor, contributor):
    event = _event(draft, contributor)
    services.event_update(event=event, by=contributor, channel="email")
    services.incident_update(incident=draft, by=editor, title="Leaky camera, again")
    client.force_login(editor)
    page = client.get(_history_url(draft)).content.decode()
    assert "Leaky camera, again" in page
    assert "<del>Leaky camera</del>" in page and "<ins>Leaky camera, again</ins>" in page
    assert "Channel" in page and "<ins>email</ins>" in page
    assert "contributor" in page and "editor" in page
    # Newest first: the incident's retitling comes before the event's creation.
    assert page.index("Leaky camera, again</ins>") < page.index("First words.")


def test_long_texts_changed_show_as_a_word_diff(client, draft, editor):
    event = _event(draft, editor, description="The vendor was told by email about the open database on that day.")
    services.event_update(
        event=event, by=editor, description="The vendor was told by phone about the open database on that day."
    )
    client.force_login(editor)
    page = client.get(_record_url(event)).content.decode()
    assert "<del>email</del><ins>phone</ins>" in page


def test_restoring_an_earlier_version_puts_the_fields_back_as_a_new_version_by_the_restorer(
    client, draft, contributor, editor
):
    event = _event(draft, contributor)
    services.event_update(event=event, by=contributor, description="Second words.", channel="phone")
    first = event.history.order_by("history_date", "history_id").first()
    client.force_login(editor)
    url = reverse("workspace:record-restore", kwargs={"kind": "event", "pk": event.pk, "history_id": first.history_id})
    assert f'action="{url}"' in client.get(_record_url(event)).content.decode()
    response = client.post(url, follow=True)
    event.refresh_from_db()
    assert (event.description, event.channel) == ("First words.", "")
    latest = event.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == editor and latest.history_type == "~"
    assert "Restored" in response.content.decode()


def test_a_contributor_cannot_restore_a_published_records_public_field(client, editor, contributor):
    incident = services.incident_create(by=editor, slug="pub", title="Published", vendor=OrganizationFactory())
    source = SourceFactory()
    event = _event(incident, editor, status="published", citations=[{"source": source}])
    services.incident_publish(incident=incident, by=editor)
    services.event_update(event=event.__class__.objects.get(pk=event.pk), by=editor, description="Edited words.")
    first = event.history.order_by("history_date", "history_id").first()
    client.force_login(contributor)
    url = reverse("workspace:record-restore", kwargs={"kind": "event", "pk": event.pk, "history_id": first.history_id})
    count = event.history.count()
    page = client.post(url, follow=True).content.decode()
    assert "Nothing was restored" in page and "ask an editor" in page
    event.refresh_from_db()
    assert event.description == "Edited words." and event.history.count() == count


def test_a_deleted_event_is_listed_and_restored_with_its_citations(client, draft, editor):
    source = SourceFactory()
    event = _event(draft, editor, citations=[{"source": source, "quote": "words"}])
    pk, citation_pk = event.pk, event.citations.get().pk
    services.event_delete(event=event, by=editor)
    client.force_login(editor)
    listing = client.get(reverse("workspace:deleted-records") + f"?incident={draft.slug}").content.decode()
    undelete = reverse("workspace:record-undelete", kwargs={"kind": "event", "pk": pk})
    assert f'action="{undelete}"' in listing
    # The citation went with its event and comes back with it: it is not listed on its own.
    assert "eventcitation" not in listing
    assert "with 1 record deleted with it" in client.post(undelete, follow=True).content.decode()
    event = Event.objects.get(pk=pk)
    assert event.description == "First words." and EventCitation.objects.filter(pk=citation_pk, event=event).exists()
    assert event.history.order_by("-history_date", "-history_id").first().history_user == editor
    assert 'action="' + undelete not in client.get(reverse("workspace:deleted-records")).content.decode()


def test_restoring_a_part_of_a_deleted_incident_asks_to_restore_the_incident_first(client, draft, admin_user):
    event = _event(draft, admin_user)
    pk = event.pk
    services.incident_delete(incident=draft, by=admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("workspace:record-undelete", kwargs={"kind": "event", "pk": pk}), follow=True)
    assert "restore that first" in response.content.decode()
    assert not Event.objects.filter(pk=pk).exists()
    incident_pk = Incident.history.filter(slug="leaky-cam").first().id
    client.post(reverse("workspace:record-undelete", kwargs={"kind": "incident", "pk": incident_pk}))
    assert Incident.objects.filter(pk=incident_pk).exists() and Event.objects.filter(pk=pk).exists()


def test_history_pages_are_the_newsrooms_only(client, draft, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="reader", password="pw"))
    for url in (_history_url(draft), _record_url(draft), reverse("workspace:deleted-records")):
        assert client.get(url).status_code == 403


def test_the_public_page_and_the_api_do_not_expose_history(client, editor):
    incident = services.incident_create(by=editor, slug="open", title="Open", vendor=OrganizationFactory())
    event = _event(
        incident, editor, description="OLD-WORDING", status="published", citations=[{"source": SourceFactory()}]
    )
    services.incident_publish(incident=incident, by=editor)
    services.event_update(event=Event.objects.get(pk=event.pk), by=editor, description="New wording.")
    for url in (
        incident.get_absolute_url(),
        reverse("api-v1:incident-detail", kwargs={"slug": incident.slug}),
        reverse("disclosure:incident-bundle", kwargs={"slug": incident.slug}),
        reverse("disclosure:incident-timeline", kwargs={"slug": incident.slug}),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "OLD-WORDING" not in body and "/workspace/history" not in body and "history_user" not in body
    assert "New wording." in client.get(incident.get_absolute_url()).content.decode()


def _changes(incident, by, n):
    event = _event(incident, by)
    for i in range(n - 1):
        services.event_update(event=event, by=by, description=f"Words number {i}.")
    return event


@pytest.mark.parametrize("changes", [2, 20])
def test_history_pages_take_a_fixed_number_of_queries(client, draft, editor, django_assert_max_num_queries, changes):
    event = _changes(draft, editor, changes)
    other = _event(draft, editor, key="gone", citations=[{"source": SourceFactory()}])
    services.event_delete(event=other, by=editor)
    client.force_login(editor)
    # Two queries per kind of record on the page (events, citations here), never per change.
    with django_assert_max_num_queries(18):
        assert client.get(_history_url(draft)).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(_record_url(event)).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("workspace:deleted-records")).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("workspace:deleted-records") + f"?incident={draft.slug}").status_code == 200


def test_the_pages_answer_htmx_with_their_list_only(client, draft, editor):
    _changes(draft, editor, 2)
    client.force_login(editor)
    body = client.get(_history_url(draft), headers={"HX-Request": "true"}).content.decode()
    assert body.lstrip().startswith('<section id="history-entries"') and "<nav" not in body


def test_a_contributor_may_restore_a_draft(client, draft, contributor):
    event = _event(draft, contributor)
    services.event_update(event=event, by=contributor, description="Second words.")
    first = event.history.order_by("history_date", "history_id").first()
    client.force_login(contributor)
    client.post(
        reverse("workspace:record-restore", kwargs={"kind": "event", "pk": event.pk, "history_id": first.history_id})
    )
    event.refresh_from_db()
    assert event.description == "First words."
    assert event.history.order_by("-history_date", "-history_id").first().history_change_reason.startswith("Restored")


def test_a_restore_that_would_break_a_rule_says_why_in_plain_words(client, draft, editor):
    event = _event(draft, editor)
    services.event_update(event=event, by=editor, key="renamed")
    _event(draft, editor, key="found", description="Another event took the old key.")
    first = event.history.order_by("history_date", "history_id").first()
    client.force_login(editor)
    url = reverse("workspace:record-restore", kwargs={"kind": "event", "pk": event.pk, "history_id": first.history_id})
    page = client.post(url, follow=True).content.decode()
    assert "Nothing was restored." in page and "Traceback" not in page
    event.refresh_from_db()
    assert event.key == "renamed"
