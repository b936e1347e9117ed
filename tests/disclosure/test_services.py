"""Services: validation before save, role checks, and the metrics task enqueued on commit."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims import services as claim_services
from disclosure import services
from disclosure.models import Event, Incident
from tests.factories import ClaimFactory, IncidentFactory, OrganizationFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_event_create_derives_utc_instants_from_the_reported_time():
    incident = IncidentFactory(timezone="America/Los_Angeles")
    event = services.event_create(
        incident=incident,
        key="notice",
        kind="vendor_notified",
        at="2019-12-26T09:21",
        precision="minute",
        status="draft",
    )
    assert event.lo.isoformat() == "2019-12-26T17:21:00+00:00"
    assert event.hi.isoformat() == "2019-12-26T17:22:00+00:00"


def test_a_bad_reported_time_is_a_field_error_and_writes_nothing():
    incident = IncidentFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.event_create(incident=incident, key="bad", kind="other", at="2019-02-30", precision="day")
    assert "at" in excinfo.value.message_dict
    assert not Event.objects.exists()


def test_an_unknown_timezone_is_a_field_error():
    with pytest.raises(ValidationError) as excinfo:
        services.incident_create(
            slug="x", title="X", vendor=OrganizationFactory(), timezone="Mars/Olympus", status="draft"
        )
    assert "timezone" in excinfo.value.message_dict


def test_a_contributor_may_record_but_not_publish(contributor):
    incident = services.incident_create(
        by=contributor, slug="draft-story", title="Draft", vendor=OrganizationFactory(), timezone="UTC"
    )
    with pytest.raises(PermissionDenied):
        services.incident_publish(incident=incident, by=contributor)
    with pytest.raises(PermissionDenied):
        services.event_create(
            by=contributor,
            incident=incident,
            key="e",
            kind="other",
            at="2020-01-01",
            precision="day",
            status="published",
        )
    incident.refresh_from_db()
    assert incident.status == Incident.Status.DRAFT


def test_an_editor_may_publish_but_not_retract(editor):
    incident = IncidentFactory(status="review")
    services.incident_publish(incident=incident, by=editor)
    assert incident.status == "published"
    with pytest.raises(PermissionDenied):
        services.incident_retract(incident=incident, notice="Wrong vendor.", by=editor)


def test_an_admin_may_retract_with_a_notice_only(admin_user):
    incident = IncidentFactory()
    with pytest.raises(ValidationError):
        services.incident_update(incident=incident, by=admin_user, status="retracted")
    services.incident_retract(incident=incident, notice="The vendor was misidentified.", by=admin_user)
    assert Incident.objects.get(pk=incident.pk).status == "retracted"


def test_writes_enqueue_the_metrics_task_only_after_commit(django_capture_on_commit_callbacks):
    incident = IncidentFactory()
    with mock.patch("metrics.receivers.recompute_incident_metrics.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.event_create(incident=incident, key="k", kind="published", at="2020-01-01", precision="day")
        delay.assert_not_called()
        assert len(callbacks) == 2  # the metrics task, and the public pages' cache stamp (web.receivers)
        callbacks[0]()
        delay.assert_called_once_with(incident.pk)


def test_responses_are_appended_in_order_and_keep_history():
    claim = ClaimFactory()
    vendor = claim.incident.vendor
    cited = [{"source": SourceFactory()}]  # the claim is published, so its responses cite a source
    first = claim_services.response_add(
        claim=claim, responder=vendor, stance="disputed", at="2020-03-02", precision="day", citations=cited
    )
    second = claim_services.response_add(
        claim=claim, responder=vendor, stance="confirmed", at="2020-03-06", precision="day", citations=cited
    )
    assert first.position < second.position
    assert list(claim.responses.values_list("stance", flat=True)) == ["disputed", "confirmed"]


def test_citation_add_attaches_to_each_kind_of_record():
    claim = ClaimFactory()
    source = SourceFactory()
    citation = services.citation_add(record=claim, source=source, quote="words", locator="paragraph 1")
    assert claim.citations.get() == citation


def test_an_embargoed_incident_is_recomputed_again_when_the_embargo_lifts(django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    lifts = timezone.now() + timedelta(days=2)
    with (
        mock.patch("metrics.receivers.recompute_incident_metrics") as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        incident = services.incident_create(
            slug="embargoed", title="E", vendor=OrganizationFactory(), timezone="UTC", embargo_until=lifts
        )
    task.delay.assert_called_once_with(incident.pk)
    task.apply_async.assert_called_once_with((incident.pk,), eta=lifts)


def test_adding_a_participant_recomputes_the_incident(django_capture_on_commit_callbacks):
    incident = IncidentFactory()
    with (
        mock.patch("metrics.receivers.recompute_incident_metrics.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.participant_add(incident=incident, organization=OrganizationFactory(), role="discoverer")
    delay.assert_called_once_with(incident.pk)
