"""The publishing workflow: what publishing makes public, publishing with the parts in one step,
review, retraction, corrections and the embargo-lift log."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Response
from disclosure import services
from disclosure.models import EmbargoLift, Event, Incident
from disclosure.tasks import lift_due_embargoes
from tests.factories import (
    ClaimCitationFactory,
    ClaimFactory,
    EventCitationFactory,
    EventFactory,
    IncidentFactory,
    ResponseCitationFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db


def _story(n_events=2, *, status="draft"):
    """A draft incident with `n_events` cited draft events, a cited draft claim and a cited draft response."""
    incident = IncidentFactory(status=status, timezone="America/Los_Angeles", slug="story")
    for i in range(n_events):
        EventCitationFactory(event=EventFactory(incident=incident, status="draft", description=f"EVENT-TEXT-{i}"))
    claim = ClaimCitationFactory(claim=ClaimFactory(incident=incident, status="draft", key="tokens")).claim
    ResponseCitationFactory(response=ResponseFactory(claim=claim, status="draft", statement="RESPONSE-TEXT"))
    return incident


def _url(name, incident):
    return reverse(f"workspace:{name}", kwargs={"slug": incident.slug})


def _all_parts(incident):
    keys = [f"event-{pk}" for pk in incident.events.values_list("pk", flat=True)]
    keys += [f"claim-{pk}" for pk in incident.claims.values_list("pk", flat=True)]
    keys += [f"response-{pk}" for pk in Response.objects.filter(claim__incident=incident).values_list("pk", flat=True)]
    return keys


def test_the_publish_page_lists_every_part_with_its_status_and_ticks_the_drafts(client, editor):
    incident = _story()
    EventCitationFactory(event=EventFactory(incident=incident, key="already-out"))
    client.force_login(editor)
    html = client.get(_url("incident-publish", incident)).content.decode()
    assert "Event &#x27;already-out&#x27;" in html and "Claim &#x27;tokens&#x27;" in html
    assert html.count('name="parts"') == 4  # the drafts: two events, the claim, the response
    assert html.count(" checked>") == 4
    assert "Publish the incident and the ticked parts" in html
    assert "America/Los_Angeles (UTC" in html
    assert "Publishing is blocked" not in html


def test_an_uncited_part_blocks_publishing_by_name_and_nothing_changes(client, editor):
    incident = _story()
    EventFactory(incident=incident, status="draft", key="ipvm-support-ticket")
    client.force_login(editor)
    html = client.get(_url("incident-publish", incident)).content.decode()
    assert "Event &#x27;ipvm-support-ticket&#x27; cites no source" in html
    response = client.post(_url("incident-publish", incident), {"parts": _all_parts(incident)})
    assert response.status_code == 200
    assert "Nothing was published" in response.content.decode()
    assert "Event &#x27;ipvm-support-ticket&#x27; cites no source" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "draft"
    assert not Event.objects.filter(incident=incident, status="published").exists()


def test_the_service_names_the_uncited_part_and_writes_nothing(editor):
    incident = _story()
    uncited = EventFactory(incident=incident, status="draft", key="ipvm-support-ticket")
    with pytest.raises(services.ValidationError, match="Event 'ipvm-support-ticket' cites no source"):
        services.incident_publish_with_parts(incident=incident, parts=[uncited], by=editor)
    assert Incident.objects.get(pk=incident.pk).status == "draft"


def test_unticking_an_uncited_draft_leaves_it_in_draft_and_publishes_the_rest(client, editor):
    incident = _story()
    uncited = EventFactory(incident=incident, status="draft", key="not-ready")
    client.force_login(editor)
    parts = [p for p in _all_parts(incident) if p != f"event-{uncited.pk}"]
    response = client.post(_url("incident-publish", incident), {"parts": parts})
    assert response.status_code == 302
    uncited.refresh_from_db()
    assert uncited.status == "draft"
    assert Incident.objects.get(pk=incident.pk).status == "published"


def test_publishing_with_the_parts_makes_everything_public_in_one_step(
    client, editor, django_capture_on_commit_callbacks
):
    incident = _story()
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("incident-publish", incident), {"parts": _all_parts(incident)}, follow=True)
    assert response.redirect_chain[-1][0] == _url("incident-edit", incident)
    assert "Published: 2 events, 1 claim, 1 response." in response.content.decode()
    assert not Event.objects.filter(incident=incident, status="draft").exists()
    assert not Claim.objects.filter(incident=incident, status="draft").exists()
    assert Event.history.filter(incident_id=incident.pk, status="published", history_user=editor).count() == 2
    client.logout()
    html = client.get(incident.get_absolute_url()).content.decode()
    assert "EVENT-TEXT-0" in html and "EVENT-TEXT-1" in html and "RESPONSE-TEXT" in html


def test_publishing_with_an_embargo_sets_it_in_the_incident_zone(client, editor):
    incident = _story()
    client.force_login(editor)
    day = (timezone.now() + timedelta(days=3)).date()
    response = client.post(
        _url("incident-publish", incident),
        {"parts": _all_parts(incident), "embargo_date": day.isoformat(), "embargo_time": "09:30"},
        follow=True,
    )
    assert "Public from" in response.content.decode()
    incident.refresh_from_db()
    local = incident.embargo_until.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (local.date(), local.hour, local.minute) == (day, 9, 30)
    client.logout()
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_a_bad_embargo_date_is_refused_in_plain_words(client, editor):
    incident = _story()
    client.force_login(editor)
    response = client.post(_url("incident-publish", incident), {"embargo_date": "next tuesday"})
    assert "Give a date like 26 December 2019 or 2019-12-26." in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == "draft"


def test_a_contributor_sees_why_and_cannot_publish(client, contributor):
    incident = _story()
    client.force_login(contributor)
    html = client.get(_url("incident-publish", incident)).content.decode()
    assert "may not publish" in html and 'type="submit" class="ws-primary"' not in html
    assert 'name="parts"' not in html
    response = client.post(_url("incident-publish", incident), {"parts": _all_parts(incident)})
    assert response.status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == "draft"
    assert not Event.objects.filter(incident=incident, status="published").exists()


def test_a_contributor_moves_a_draft_to_review_and_back(client, contributor):
    incident = _story()
    client.force_login(contributor)
    response = client.post(_url("incident-review", incident), {"to": "review"})
    assert response.status_code == 302
    assert Incident.objects.get(pk=incident.pk).status == "review"
    assert Incident.history.filter(id=incident.pk, status="review", history_user=contributor).exists()
    client.post(_url("incident-review", incident), {"to": "draft"})
    assert Incident.objects.get(pk=incident.pk).status == "draft"
    assert client.get(_url("incident-review", incident)).status_code == 405


def test_review_does_not_touch_a_published_incident(client, contributor):
    incident = _story(status="published")
    client.force_login(contributor)
    response = client.post(_url("incident-review", incident), {"to": "review"}, follow=True)
    assert "Only a draft moves to review" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == "published"


def test_a_retraction_requires_a_public_notice(client, admin_user):
    incident = IncidentFactory()
    client.force_login(admin_user)
    response = client.post(_url("incident-retract", incident), {"notice": "   "})
    assert "Write the public notice" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == "published"
    response = client.post(_url("incident-retract", incident), {"notice": "The database was a honeypot."})
    assert response.status_code == 302
    client.logout()
    html = client.get(incident.get_absolute_url()).content.decode()
    assert "This incident has been retracted." in html and "The database was a honeypot." in html


def test_only_an_admin_retracts(client, editor):
    incident = IncidentFactory()
    client.force_login(editor)
    assert "Only an admin may retract" in client.get(_url("incident-retract", incident)).content.decode()
    assert client.post(_url("incident-retract", incident), {"notice": "No."}).status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == "published"


def test_a_correction_is_logged_and_shows_on_the_public_page(client, editor):
    incident = IncidentFactory()
    client.force_login(editor)
    form = client.get(_url("incident-correction", incident)).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in form
    response = client.post(
        _url("incident-correction", incident), {"date": "2020-01-02", "text": "The count was 2.4 million, not 24."}
    )
    assert response.status_code == 302
    client.logout()
    html = client.get(incident.get_absolute_url()).content.decode()
    assert "2 January 2020" in html and "The count was 2.4 million, not 24." in html


def test_a_correction_needs_a_date_and_text_and_an_editor(client, editor, contributor):
    incident = IncidentFactory()
    client.force_login(editor)
    html = client.post(_url("incident-correction", incident), {"date": "soon", "text": ""}).content.decode()
    assert "Give a date like 26 December 2019 or 2019-12-26." in html and "Write the correction" in html
    client.force_login(contributor)
    assert client.post(_url("incident-correction", incident), {"date": "2020-01-02", "text": "x"}).status_code == 403
    assert not incident.corrections.exists()


def test_the_embargo_lift_is_logged_once_and_not_before_its_instant(client, editor, django_capture_on_commit_callbacks):
    incident = IncidentFactory(embargo_until=timezone.now() + timedelta(hours=1))
    assert lift_due_embargoes.delay().get() == 0
    assert not EmbargoLift.objects.exists()
    instant = timezone.now() - timedelta(minutes=1)
    Incident.objects.filter(pk=incident.pk).update(embargo_until=instant)  # the hour has passed
    with django_capture_on_commit_callbacks() as callbacks:
        assert lift_due_embargoes.delay().get() == 1
    assert callbacks, "the figures are recomputed once the embargo lifts"
    assert lift_due_embargoes.delay().get() == 0
    lift = EmbargoLift.objects.get()
    assert (lift.incident_id, lift.embargo_until) == (incident.pk, instant)
    client.force_login(editor)
    assert "Lifted at" in client.get(_url("incident-publish", incident)).content.decode()


def test_a_draft_incident_past_its_embargo_logs_no_lift():
    IncidentFactory(status="draft", embargo_until=timezone.now() - timedelta(minutes=5))
    assert lift_due_embargoes.delay().get() == 0


@pytest.mark.parametrize("n", [2, 20])
def test_the_publish_page_runs_a_fixed_number_of_queries(client, editor, django_assert_max_num_queries, n):
    incident = _story(n)
    EmbargoLift.objects.create(incident=incident, embargo_until=timezone.now())
    client.force_login(editor)
    with django_assert_max_num_queries(15):
        response = client.get(_url("incident-publish", incident))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_the_retract_and_correction_pages_run_a_fixed_number_of_queries(
    client, admin_user, django_assert_max_num_queries, n
):
    incident = _story(n, status="published")
    for i in range(n):
        services.correction_add(incident=incident, date=timezone.localdate(), text=f"Fix {i}")
    client.force_login(admin_user)
    with django_assert_max_num_queries(7):
        assert client.get(_url("incident-retract", incident)).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(_url("incident-correction", incident)).status_code == 200


def test_with_htmx_a_refused_form_comes_back_as_its_partial_and_success_redirects(client, editor):
    incident = _story()
    EventFactory(incident=incident, status="draft", key="uncited")
    client.force_login(editor)
    url = _url("incident-publish", incident)
    partial = client.post(url, {"parts": _all_parts(incident)}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert html.lstrip().startswith('<form method="post"') and "Event &#x27;uncited&#x27; cites no source" in html
    parts = [p for p in _all_parts(incident) if p != f"event-{Event.objects.get(key='uncited').pk}"]
    done = client.post(url, {"parts": parts}, headers={"HX-Request": "true"})
    assert done["HX-Redirect"] == _url("incident-edit", incident)
