"""The incident editor: the incident's fields, participants and exposed data, edited in place."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosure.models import DataClass, ExposedData, Incident, Organization, Participant, Source
from tests.factories import EventCitationFactory, EventFactory, IncidentFactory, OrganizationFactory, SourceFactory

pytestmark = pytest.mark.django_db

# Whatever the number of participants, exposed data and sources: 14 are the editor's own (session, user,
# roles, incident, participants, exposed data, sources, last change, datalists, data classes), the rest
# are records.records_context's (events and claims: 3 when this was written).
EDIT_PAGE_QUERIES = 18


def edit_url(incident):
    return reverse("workspace:incident-edit", kwargs={"slug": incident.slug})


def section_url(name, incident, **kwargs):
    return reverse(f"workspace:incident-{name}", kwargs={"slug": incident.slug, **kwargs})


@pytest.fixture
def draft(db):
    return IncidentFactory(status=Incident.Status.DRAFT, slug="open-bucket", title="An open bucket")


def new_incident_data(**changes):
    return {
        "title": "Acme leaves a database open",
        "slug": "",
        "vendor": "Acme Cloud",
        "summary": "An Elasticsearch database was open to anyone.",
        "timezone": "Europe/Berlin",
        "affected_count": "2400000",
        "affected_count_approximate": "on",
        "exposed_system": "Elasticsearch",
        "private_notes": "Tip from a reader.",
        **changes,
    }


def incident_data(incident, **changes):
    return {
        "title": incident.title,
        "slug": incident.slug,
        "vendor": incident.vendor.name,
        "summary": incident.summary,
        "timezone": incident.timezone,
        "affected_count": incident.affected_count or "",
        "exposed_system": incident.exposed_system,
        "private_notes": incident.private_notes,
        **changes,
    }


# --- a new incident ------------------------------------------------------------


def test_the_new_incident_form_offers_organisations_and_time_zones(client, contributor):
    OrganizationFactory(name="Wyze Labs")
    client.force_login(contributor)
    page = client.get(reverse("workspace:incident-new")).content.decode()
    assert 'list="ws-organizations"' in page and '<datalist id="ws-organizations">' in page
    assert '<option value="Wyze Labs">' in page
    assert '<option value="Europe/Berlin">' in page


def test_a_new_incident_is_a_draft_with_its_vendor_created_in_place(client, contributor):
    client.force_login(contributor)
    response = client.post(reverse("workspace:incident-new"), new_incident_data())
    incident = Incident.objects.get(title="Acme leaves a database open")
    assert response.status_code == 302 and response["Location"] == edit_url(incident)
    assert incident.slug == "acme-leaves-a-database-open"
    assert incident.status == Incident.Status.DRAFT
    assert incident.vendor.name == "Acme Cloud" and incident.vendor.kind == "vendor"
    assert incident.affected_count == 2_400_000 and incident.affected_count_approximate
    assert incident.timezone == "Europe/Berlin"
    assert incident.created_by == contributor
    assert incident.history.first().history_user == contributor


def test_a_new_incident_picks_a_known_vendor_by_name_whatever_the_case(client, contributor):
    wyze = OrganizationFactory(slug="wyze", name="Wyze Labs")
    client.force_login(contributor)
    client.post(reverse("workspace:incident-new"), new_incident_data(vendor="wyze labs"))
    assert Incident.objects.get().vendor == wyze
    assert Organization.objects.count() == 1


def test_an_automatic_slug_never_takes_another_incidents(client, contributor):
    IncidentFactory(slug="acme-leaves-a-database-open")
    client.force_login(contributor)
    client.post(reverse("workspace:incident-new"), new_incident_data())
    assert Incident.objects.filter(slug="acme-leaves-a-database-open-2").exists()


def test_a_new_incidents_errors_are_in_plain_words_and_nothing_is_created(client, contributor):
    IncidentFactory(slug="taken")
    client.force_login(contributor)
    response = client.post(
        reverse("workspace:incident-new"),
        new_incident_data(
            title="", slug="Taken Slug!", timezone="Mars/Olympus", affected_count="lots", vendor="New Co"
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the incident a title." in page
    assert "Use lower-case letters, digits and single hyphens" in page
    assert "is not an IANA time zone name" in page
    assert "Give a whole number" in page
    assert "Enter a valid" not in page and "This field" not in page
    assert Incident.objects.count() == 1 and not Organization.objects.filter(name="New Co").exists()


def test_a_taken_slug_is_refused_beside_the_field(client, contributor):
    IncidentFactory(slug="taken")
    client.force_login(contributor)
    page = client.post(reverse("workspace:incident-new"), new_incident_data(slug="taken")).content.decode()
    assert "Another incident already uses the address" in page
    assert Incident.objects.count() == 1


# --- the incident's fields ----------------------------------------------------------


def test_the_edit_page_shows_status_last_change_and_workflow_links(client, contributor, draft):
    client.force_login(contributor)
    page = client.get(edit_url(draft)).content.decode()
    assert "ed-status-draft" in page
    assert "Last changed by" in page
    for name in ("preview", "publish", "history"):
        assert section_url(name, draft) in page
    assert '<section id="events"' in page and '<section id="claims"' in page
    assert page.count('<datalist id="ws-organizations">') == 1


def test_an_edit_of_the_fields_is_saved_by_its_author(client, contributor, draft):
    client.force_login(contributor)
    response = client.post(edit_url(draft), incident_data(draft, title="A wide-open bucket", vendor="Bucket Inc"))
    assert response.status_code == 302 and response["Location"].endswith("#incident")
    draft.refresh_from_db()
    assert draft.title == "A wide-open bucket" and draft.vendor.name == "Bucket Inc"
    assert draft.history.first().history_user == contributor
    assert "Last changed by contributor" in client.get(edit_url(draft)).content.decode()


def test_an_htmx_edit_answers_the_section_and_a_new_slug_moves_the_page(client, contributor, draft):
    client.force_login(contributor)
    response = client.post(edit_url(draft), incident_data(draft, summary="Changed."), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="incident"') and "<html" not in page
    assert "Saved." in page
    response = client.post(edit_url(draft), incident_data(draft, slug="moved"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("workspace:incident-edit", kwargs={"slug": "moved"})


def test_a_contributor_may_not_change_what_the_public_reads_and_nothing_changes(client, contributor):
    published = IncidentFactory(status=Incident.Status.PUBLISHED, title="Public title")
    client.force_login(contributor)
    response = client.post(edit_url(published), incident_data(published, title="Changed", vendor="Brand New Org"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your role may not change an incident the public can see (ask an editor)." in page
    assert 'value="Changed"' in page  # what was typed is kept, to copy or to hand over
    published.refresh_from_db()
    assert published.title == "Public title"
    assert not Organization.objects.filter(name="Brand New Org").exists()


def test_a_contributor_refused_through_htmx_sees_the_message_in_the_section(client, contributor):
    published = IncidentFactory(status=Incident.Status.PUBLISHED, title="Public title")
    client.force_login(contributor)
    response = client.post(
        edit_url(published), incident_data(published, title="Changed"), headers={"HX-Request": "true"}
    )
    assert "Your role may not change an incident the public can see" in response.content.decode()
    published.refresh_from_db()
    assert published.title == "Public title"


def test_a_contributor_may_still_change_a_public_incidents_private_notes(client, contributor):
    published = IncidentFactory(status=Incident.Status.PUBLISHED)
    client.force_login(contributor)
    client.post(edit_url(published), incident_data(published, private_notes="Call back Monday."))
    published.refresh_from_db()
    assert published.private_notes == "Call back Monday."


def test_an_editor_may_change_a_public_incident(client, editor):
    published = IncidentFactory(status=Incident.Status.PUBLISHED)
    client.force_login(editor)
    client.post(edit_url(published), incident_data(published, title="Corrected title"))
    published.refresh_from_db()
    assert published.title == "Corrected title"


# --- participants ---------------------------------------------------------------


def test_a_participant_is_added_by_name_with_a_new_organisation_in_place(client, contributor, draft):
    client.force_login(contributor)
    response = client.post(
        section_url("participant-add", draft), {"organization": "Jane Researcher", "role": "discoverer"}
    )
    assert response.status_code == 302 and response["Location"] == edit_url(draft) + "#participants"
    participant = Participant.objects.get(incident=draft)
    assert participant.organization.name == "Jane Researcher" and participant.organization.kind == "researcher"
    assert "Jane Researcher added as discoverer." in client.get(response["Location"]).content.decode()


def test_htmx_adds_and_removes_a_participant_in_its_section(client, contributor, draft):
    OrganizationFactory(name="TechCrunch", kind="media")
    client.force_login(contributor)
    htmx = {"HX-Request": "true"}
    response = client.post(
        section_url("participant-add", draft), {"organization": "techcrunch", "role": "publisher"}, headers=htmx
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="participants"') and "TechCrunch" in page
    participant = Participant.objects.get(incident=draft)
    assert Organization.objects.count() == 2  # the vendor and TechCrunch, found by name
    response = client.post(section_url("participant-remove", draft, pk=participant.pk), headers=htmx)
    assert "removed" in response.content.decode()
    assert not Participant.objects.filter(incident=draft).exists()


def test_a_participant_removed_without_javascript_comes_back_to_the_section(client, contributor, draft):
    participant = Participant.objects.create(incident=draft, organization=OrganizationFactory(), role="discoverer")
    client.force_login(contributor)
    response = client.post(section_url("participant-remove", draft, pk=participant.pk))
    assert response["Location"] == edit_url(draft) + "#participants"
    assert not Participant.objects.exists()


def test_a_participant_twice_in_the_same_role_is_refused_in_words(client, contributor, draft):
    org = OrganizationFactory(name="Jane Researcher")
    Participant.objects.create(incident=draft, organization=org, role="discoverer")
    client.force_login(contributor)
    response = client.post(
        section_url("participant-add", draft), {"organization": "Jane Researcher", "role": "discoverer"}
    )
    assert "Jane Researcher is already listed as discoverer." in response.content.decode()
    assert Participant.objects.count() == 1


def test_an_empty_participant_is_refused_in_words(client, contributor, draft):
    client.force_login(contributor)
    page = client.post(
        section_url("participant-add", draft), {"organization": " ", "role": "nobody"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Type the organisation&#x27;s name." in page and "Choose one of the roles in the list." in page


def test_a_contributor_may_not_remove_a_public_incidents_participant(client, contributor):
    published = IncidentFactory(status=Incident.Status.PUBLISHED)
    participant = Participant.objects.create(incident=published, organization=OrganizationFactory(), role="discoverer")
    client.force_login(contributor)
    page = client.post(section_url("participant-remove", published, pk=participant.pk)).content.decode()
    assert "Your role may not remove a participant the public can see (ask an editor)." in page
    assert Participant.objects.filter(pk=participant.pk).exists()


def test_a_contributor_may_not_add_a_participant_to_a_public_incident(client, contributor):
    published = IncidentFactory(status=Incident.Status.PUBLISHED)
    client.force_login(contributor)
    page = client.post(
        section_url("participant-add", published),
        {"organization": "Someone New", "role": "discoverer"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Your role may not" in page
    assert not Participant.objects.exists() and not Organization.objects.filter(name="Someone New").exists()


# --- exposed data -------------------------------------------------------------------


def test_exposed_data_is_added_edited_and_removed(client, contributor, draft):
    emails = DataClass.objects.get(slug="email-addresses")
    client.force_login(contributor)
    response = client.post(
        section_url("exposed-add", draft),
        {"data_class": emails.pk, "affected_count": "2400000", "affected_count_approximate": "on"},
    )
    assert response["Location"] == edit_url(draft) + "#exposed"
    row = ExposedData.objects.get(incident=draft)
    assert (row.data_class, row.affected_count, row.affected_count_approximate) == (emails, 2_400_000, True)
    response = client.post(
        section_url("exposed-edit", draft, pk=row.pk), {"affected_count": "2500000"}, headers={"HX-Request": "true"}
    )
    assert response.content.decode().lstrip().startswith('<section id="exposed"')
    row.refresh_from_db()
    assert (row.affected_count, row.affected_count_approximate) == (2_500_000, False)
    client.post(section_url("exposed-remove", draft, pk=row.pk), headers={"HX-Request": "true"})
    assert not ExposedData.objects.exists()


def test_exposed_data_errors_are_in_plain_words(client, contributor, draft):
    client.force_login(contributor)
    page = client.post(
        section_url("exposed-add", draft), {"data_class": "", "affected_count": "-3"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Choose the kind of data that was exposed." in page and "A count cannot be below zero." in page
    assert not ExposedData.objects.exists()


def test_an_exposed_count_error_shows_beside_its_row(client, contributor, draft):
    row = ExposedData.objects.create(incident=draft, data_class=DataClass.objects.get(slug="email-addresses"))
    client.force_login(contributor)
    page = client.post(section_url("exposed-edit", draft, pk=row.pk), {"affected_count": "many"}).content.decode()
    assert "Give a whole number" in page


# --- sources --------------------------------------------------------------------------


def test_a_source_is_added_in_place_with_its_outlet(client, contributor, draft):
    client.force_login(contributor)
    response = client.post(
        section_url("source-add", draft),
        {
            "title": "Wyze data leak: 2.4 million users exposed",
            "url": "https://example.com/wyze",
            "outlet": "Example News",
            "language": "en",
            "kind": "article",
            "published_date": "26 December 2019",
        },
    )
    assert response["Location"] == edit_url(draft) + "#sources"
    source = Source.objects.get(title="Wyze data leak: 2.4 million users exposed")
    assert source.key == "wyze-data-leak-24-million-users-exposed"
    assert source.outlet.name == "Example News" and source.outlet.kind == "media"
    assert (source.at, source.precision) == ("2019-12-26", "day")
    page = client.get(edit_url(draft)).content.decode()
    assert "Wyze data leak: 2.4 million users exposed" in page.split('id="sources"')[1]
    assert '<option value="Wyze data leak: 2.4 million users exposed">' in page


def test_a_source_errors_are_in_plain_words_and_nothing_is_created(client, contributor, draft):
    client.force_login(contributor)
    page = client.post(
        section_url("source-add", draft),
        {"title": "", "url": "not a url", "outlet": "Brand New Outlet", "language": "en", "kind": "article"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Give the source&#x27;s title or headline." in page and "Give the full web address" in page
    assert not Source.objects.exists() and not Organization.objects.filter(name="Brand New Outlet").exists()


def test_the_sources_section_lists_the_sources_cited_in_the_incident(client, contributor, draft):
    cited = SourceFactory(title="Cited here")
    EventCitationFactory(event=EventFactory(incident=draft), source=cited)
    SourceFactory(title="Cited elsewhere")
    client.force_login(contributor)
    section = client.get(edit_url(draft)).content.decode().split('id="sources"')[1].split("</section>")[0]
    assert "Cited here" in section and "Cited elsewhere" not in section


# --- query counts ----------------------------------------------------------------------


def _fill(incident, n):
    classes = list(DataClass.objects.order_by("pk")[:n])
    classes += [
        DataClass.objects.create(slug=f"extra-{incident.pk}-{i}", name=f"Extra {i}") for i in range(n - len(classes))
    ]
    for i in range(n):
        Participant.objects.create(incident=incident, organization=OrganizationFactory(), role="discoverer", position=i)
    for i, data_class in enumerate(classes):
        ExposedData.objects.create(incident=incident, data_class=data_class, affected_count=i, position=i)
    for _ in range(n):
        EventCitationFactory(event=EventFactory(incident=incident), source=SourceFactory())


@pytest.mark.parametrize("n", [2, 20])
def test_the_edit_page_makes_a_fixed_number_of_queries(client, contributor, draft, django_assert_max_num_queries, n):
    _fill(draft, n)
    client.force_login(contributor)
    with django_assert_max_num_queries(EDIT_PAGE_QUERIES):
        response = client.get(edit_url(draft))
    assert response.status_code == 200


def test_the_edit_page_makes_as_many_queries_with_20_rows_as_with_2(client, contributor):
    counts = []
    client.force_login(contributor)
    for n in (2, 20):
        incident = IncidentFactory(status=Incident.Status.DRAFT)
        _fill(incident, n)
        with CaptureQueriesContext(connection) as queries:
            client.get(edit_url(incident))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_new_incident_page_makes_a_fixed_number_of_queries(client, contributor, django_assert_max_num_queries):
    for _ in range(20):
        OrganizationFactory()
    client.force_login(contributor)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("workspace:incident-new")).status_code == 200


def test_an_organisation_created_through_htmx_is_offered_at_once(client, contributor, draft):
    client.force_login(contributor)
    page = client.post(
        section_url("participant-add", draft),
        {"organization": "Jane Researcher", "role": "discoverer"},
        headers={"HX-Request": "true"},
    ).content.decode()
    datalists = page.split('<div id="ws-datalists"')[1]
    assert datalists.startswith(' hidden hx-swap-oob="true"')
    assert '<option value="Jane Researcher">' in datalists


def test_checking_a_sources_time_saves_nothing(client, contributor, draft):
    client.force_login(contributor)
    response = client.post(
        section_url("source-add", draft),
        {"title": "A story", "language": "en", "kind": "article", "published_date": "26 Dec 2019", "check": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and 'value="A story"' in response.content.decode()
    assert not Source.objects.exists()


def test_a_sources_unreadable_date_is_refused_in_words(client, contributor, draft):
    client.force_login(contributor)
    page = client.post(
        section_url("source-add", draft),
        {"title": "A story", "language": "en", "kind": "article", "published_date": "the other day"},
    ).content.decode()
    assert '<ul class="errorlist"><li>Give a date like 26 December 2019' in page.split('id="sources"')[1]
    assert not Source.objects.exists()
