"""Revision 2 of the bundle format: `margin` on recorded times, `followed_until` on
incidents and `based_on` on sources, end to end (schema, import, export, API, admin, site)."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from disclosure import services
from disclosure.models import Event, Incident, Source
from interchange.bundle import FORMAT, BundleError, dumps, export_bundle, import_bundle, load_document, validate
from tests.api.conftest import token_client
from tests.factories import EventCitationFactory, EventFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def document():
    """A small bundle with every revision 2 field; the copy is listed before the source it is based on."""
    return {
        "format": FORMAT,
        "organizations": [
            {"slug": "acme", "name": "Acme", "kind": "vendor"},
            {"slug": "news", "name": "News", "kind": "media"},
        ],
        "sources": [
            {"key": "copy", "title": "The copy", "language": "en", "kind": "article", "based_on": "original"},
            {
                "key": "original",
                "title": "The original",
                "url": "https://news.example/original",
                "language": "en",
                "published": {"at": "2020-03-02", "precision": "day", "approximate": True, "margin": "P3D"},
                "kind": "article",
            },
        ],
        "incidents": [
            {
                "slug": "acme-2020",
                "title": "Acme",
                "vendor": "acme",
                "timezone": "Europe/Berlin",
                "status": "published",
                "followed_until": {"at": "2020-04-30", "precision": "day"},
                "events": [
                    {
                        "key": "published",
                        "kind": "published",
                        "time": {
                            "at": "2020-03-02T10:00",
                            "precision": "minute",
                            "approximate": True,
                            "margin": "PT30M",
                        },
                        "status": "published",
                        "citations": [{"source": "copy"}],
                    }
                ],
            }
        ],
    }


def paths(problems):
    return [p.path for p in problems]


# --- schema and validation ----------------------------------------------------


def test_a_bundle_with_the_three_fields_is_valid():
    assert validate(document()) == []


def test_a_bundle_without_them_is_still_valid():
    doc = document()
    del doc["sources"][0]["based_on"]
    del doc["sources"][1]["published"]["margin"]
    del doc["incidents"][0]["followed_until"]
    del doc["incidents"][0]["events"][0]["time"]["margin"]
    assert validate(doc) == []


@pytest.mark.parametrize("margin", ["30 minutes", "PT", "P1DT2H", "pt30m", "P1.5D"])
def test_a_malformed_margin_is_refused_by_the_schema_where_it_is(margin):
    doc = document()
    doc["incidents"][0]["events"][0]["time"]["margin"] = margin
    assert paths(validate(doc)) == ["incidents[0].events[0].time.margin"]


@pytest.mark.parametrize("margin", ["PT0M", "P999999999Y"])
def test_a_zero_or_overlong_margin_is_refused_where_it_is(margin):
    doc = document()
    doc["incidents"][0]["events"][0]["time"]["margin"] = margin
    assert paths(validate(doc)) == ["incidents[0].events[0].time.margin"]


def test_a_margin_needs_an_approximate_time():
    doc = document()
    doc["incidents"][0]["events"][0]["time"]["approximate"] = False
    doc["sources"][1]["published"]["approximate"] = False
    doc["incidents"][0]["followed_until"]["margin"] = "P1D"
    assert sorted(paths(validate(doc))) == [
        "incidents[0].events[0].time.margin",
        "incidents[0].followed_until.margin",
        "sources[1].published.margin",
    ]


def test_a_bad_followed_until_is_located():
    doc = document()
    doc["incidents"][0]["followed_until"] = {"at": "2020-02-30", "precision": "day"}
    assert paths(validate(doc)) == ["incidents[0].followed_until.at"]
    doc["incidents"][0]["followed_until"] = {"at": "2020-04-30"}
    assert paths(validate(doc)) == ["incidents[0].followed_until"]


def test_based_on_must_name_a_known_source_other_than_itself_and_not_loop():
    doc = document()
    doc["sources"][0]["based_on"] = "nowhere"
    assert paths(validate(doc)) == ["sources[0].based_on"]
    doc["sources"][0]["based_on"] = "copy"
    assert paths(validate(doc)) == ["sources[0].based_on"]
    doc["sources"][0]["based_on"] = "original"
    doc["sources"][1]["based_on"] = "copy"
    assert paths(validate(doc)) == ["sources[0].based_on", "sources[1].based_on"]


def test_based_on_may_name_a_source_already_in_the_database():
    SourceFactory(key="stored")
    doc = document()
    doc["sources"][0]["based_on"] = "stored"
    assert validate(doc) == []
    import_bundle(doc)
    assert Source.objects.get(key="copy").based_on.key == "stored"


def test_a_loop_through_the_database_is_refused_where_it_is():
    import_bundle(document())
    doc = document()
    # "original" (stored) is not listed: making the copy's original based on the copy closes a loop.
    doc["sources"] = [
        {"key": "original", "title": "The original", "kind": "article", "based_on": "copy"},
    ]
    with pytest.raises(BundleError) as caught:
        import_bundle(doc)
    assert paths(caught.value.problems) == ["sources[0].based_on"]
    assert Source.objects.get(key="original").based_on is None


# --- import ----------------------------------------------------------------------


def test_import_stores_the_three_fields_and_derives_the_instants():
    import_bundle(document())
    copy_, original = Source.objects.get(key="copy"), Source.objects.get(key="original")
    assert copy_.based_on == original and original.based_on is None
    assert original.margin == "P3D"
    # 2 March 2020 in UTC, widened by three days each side.
    assert (original.lo, original.hi) == (
        datetime.datetime(2020, 2, 28, tzinfo=UTC),
        datetime.datetime(2020, 3, 6, tzinfo=UTC),
    )
    event = Event.objects.get(key="published")
    assert event.margin == "PT30M"
    # 10:00 Berlin (UTC+1), minute precision, widened by 30 minutes: 08:30 to 09:31 UTC.
    assert (event.lo, event.hi) == (
        datetime.datetime(2020, 3, 2, 8, 30, tzinfo=UTC),
        datetime.datetime(2020, 3, 2, 9, 31, tzinfo=UTC),
    )
    incident = Incident.objects.get(slug="acme-2020")
    assert (incident.followed_until_at, incident.followed_until_precision) == ("2020-04-30", "day")
    # The end of 30 April in the incident's time zone (Berlin, UTC+2 in summer).
    assert incident.followed_until_hi == datetime.datetime(2020, 4, 30, 22, 0, tzinfo=UTC)


def test_a_merge_keeps_what_an_omitted_field_had_and_a_replace_resets_it(admin_user):
    import_bundle(document())
    doc = document()
    del doc["sources"][0]["based_on"]
    del doc["incidents"][0]["followed_until"]
    result = import_bundle(doc)
    assert result.updated == 0
    assert Source.objects.get(key="copy").based_on.key == "original"
    assert Incident.objects.get(slug="acme-2020").followed_until_at == "2020-04-30"

    import_bundle(doc, by=admin_user, mode="replace")
    assert Source.objects.get(key="copy").based_on is None
    incident = Incident.objects.get(slug="acme-2020")
    assert (incident.followed_until_at, incident.followed_until_hi) == ("", None)


def test_a_time_given_without_its_margin_loses_the_margin():
    # A recorded time is given whole, as `approximate` is: its omitted keys take their defaults.
    import_bundle(document())
    doc = document()
    del doc["incidents"][0]["events"][0]["time"]["margin"]
    import_bundle(doc)
    assert Event.objects.get(key="published").margin == ""


def test_importing_twice_changes_nothing():
    import_bundle(document())
    again = import_bundle(document())
    assert (again.created, again.updated) == (0, 0)


# --- export ----------------------------------------------------------------------


def test_export_round_trip_is_byte_identical():
    import_bundle(document())
    first = dumps(export_bundle())
    assert '"based_on": "original"' in first and '"margin": "PT30M"' in first and '"followed_until": {' in first
    Incident.objects.all().delete()
    Source.objects.update(based_on=None)
    Source.objects.all().delete()
    import_bundle(load_document(first))
    assert dumps(export_bundle()) == first


def test_the_export_carries_the_fields_as_the_bundle_gave_them():
    import_bundle(document())
    out = export_bundle()
    sources = {s["key"]: s for s in out["sources"]}
    assert sources["copy"]["based_on"] == "original"
    incident = out["incidents"][0]
    assert incident["followed_until"] == {"at": "2020-04-30", "precision": "day"}
    assert list(incident)[: list(incident).index("followed_until") + 1][-2:] == ["embargo_until", "followed_until"]
    assert incident["events"][0]["time"] == {
        "at": "2020-03-02T10:00",
        "precision": "minute",
        "approximate": True,
        "margin": "PT30M",
    }


def test_an_old_bundle_exports_without_the_new_keys():
    doc = document()
    del doc["sources"][0]["based_on"]
    del doc["sources"][1]["published"]["margin"]
    del doc["incidents"][0]["followed_until"]
    del doc["incidents"][0]["events"][0]["time"]["margin"]
    import_bundle(doc)
    text = dumps(export_bundle())
    for key in ('"based_on"', '"margin"', '"followed_until"'):
        assert key not in text


def test_a_backup_of_chosen_incidents_carries_the_sources_theirs_are_based_on():
    import_bundle(document())
    out = export_bundle(slugs=["acme-2020"])
    assert {s["key"] for s in out["sources"]} == {"copy", "original"}


def test_a_public_export_names_no_source_it_does_not_carry():
    import_bundle(document())
    out = export_bundle(public=True)
    # Only "copy" is cited; "original" is not public, so the copy's based_on is left out.
    assert [s["key"] for s in out["sources"]] == ["copy"]
    assert "based_on" not in out["sources"][0]


# --- API -------------------------------------------------------------------------


@pytest.fixture
def imported():
    import_bundle(document())


def test_the_api_reads_the_three_fields(imported, editor):
    client = token_client(editor)
    source = client.get("/api/v1/sources/copy/").json()
    assert source["based_on"] == "original"
    assert client.get("/api/v1/sources/original/").json()["published"]["margin"] == "P3D"
    incident = client.get("/api/v1/incidents/acme-2020/").json()
    assert incident["followed_until"] == {
        "at": "2020-04-30",
        "precision": "day",
        "approximate": False,
        "margin": "",
        "timezone": "",
    }
    event = client.get("/api/v1/incidents/acme-2020/events/published/").json()
    assert event["time"]["margin"] == "PT30M"
    public = APIClient().get("/api/v1/incidents/acme-2020/").json()
    assert public["followed_until"]["at"] == "2020-04-30"


def test_the_api_writes_the_three_fields(imported, admin_user):
    client = token_client(admin_user)
    response = client.patch(
        "/api/v1/incidents/acme-2020/",
        {"followed_until": {"at": "2020-05-31T18:00", "precision": "hour", "timezone": "UTC"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["followed_until"]["at"] == "2020-05-31T18:00"
    incident = Incident.objects.get(slug="acme-2020")
    assert incident.followed_until_hi == datetime.datetime(2020, 5, 31, 19, 0, tzinfo=UTC)

    response = client.patch("/api/v1/incidents/acme-2020/", {"followed_until": None}, format="json")
    assert response.status_code == 200 and response.json()["followed_until"] is None
    assert Incident.objects.get(slug="acme-2020").followed_until_hi is None

    response = client.post(
        "/api/v1/sources/",
        {"key": "translation", "title": "La copia", "kind": "article", "language": "it", "based_on": "copy"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["based_on"] == "copy"
    assert Source.objects.get(key="translation").based_on.key == "copy"
    response = client.patch("/api/v1/sources/translation/", {"based_on": None}, format="json")
    assert response.status_code == 200 and response.json()["based_on"] is None

    response = client.patch(
        "/api/v1/incidents/acme-2020/events/published/",
        {"time": {"at": "2020-03-02T10:00", "precision": "minute", "approximate": True, "margin": "PT2H"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    event = Event.objects.get(key="published")
    assert (event.margin, event.lo) == ("PT2H", datetime.datetime(2020, 3, 2, 7, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "url,body,path",
    [
        (
            "/api/v1/incidents/acme-2020/events/published/",
            {"time": {"at": "2020-03-02T10:00", "precision": "minute", "margin": "PT30M"}},
            "time.margin",
        ),
        (
            "/api/v1/incidents/acme-2020/events/published/",
            {"time": {"at": "2020-03-02T10:00", "precision": "minute", "approximate": True, "margin": "soon"}},
            "time.margin",
        ),
        (
            "/api/v1/incidents/acme-2020/",
            {"followed_until": {"at": "2020-02-30", "precision": "day"}},
            "followed_until.at",
        ),
        (
            "/api/v1/incidents/acme-2020/",
            {"followed_until": {"at": "2020-04-30", "precision": "day", "margin": "P1D"}},
            "followed_until.margin",
        ),
        ("/api/v1/sources/copy/", {"based_on": "nowhere"}, "based_on"),
        ("/api/v1/sources/copy/", {"based_on": "copy"}, "based_on"),
        ("/api/v1/sources/original/", {"based_on": "copy"}, "based_on"),
    ],
)
def test_the_api_refuses_bad_values_with_their_paths(imported, admin_user, url, body, path):
    response = token_client(admin_user).patch(url, body, format="json")
    assert response.status_code == 400, response.json()
    assert [e["path"] for e in response.json()["errors"]] == [path]


# --- admin -----------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))
    return client


def _empty_inlines(*prefixes):
    data = {}
    for prefix in prefixes:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


def test_the_admin_saves_based_on_and_margin(imported, superuser_client):
    copy_ = Source.objects.get(key="copy")
    original = Source.objects.get(key="original")
    url = reverse("admin:disclosure_source_change", args=[copy_.pk])
    form = superuser_client.get(url)
    assert b'name="based_on"' in form.content and b'name="margin"' in form.content
    data = {
        "key": "copy",
        "title": "The copy",
        "outlet": "",
        "url": "",
        "author": "",
        "language": "en",
        "kind": "article",
        "at": "2020-03-03",
        "precision": "day",
        "approximate": "on",
        "margin": "P2D",
        "timezone": "",
        "based_on": original.pk,
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    copy_.refresh_from_db()
    assert (copy_.margin, copy_.lo) == ("P2D", datetime.datetime(2020, 3, 1, tzinfo=UTC))

    # A source based on its own copy is refused, on the field.
    url = reverse("admin:disclosure_source_change", args=[original.pk])
    response = superuser_client.post(
        url, {**data, "key": "original", "title": "The original", "margin": "", "approximate": "", "based_on": copy_.pk}
    )
    assert response.status_code == 200
    assert "based_on" in response.context["adminform"].form.errors


def test_the_admin_saves_followed_until(imported, superuser_client):
    incident = Incident.objects.get(slug="acme-2020")
    url = reverse("admin:disclosure_incident_change", args=[incident.pk])
    form = superuser_client.get(url)
    assert b'name="followed_until_at"' in form.content and b'name="followed_until_margin"' in form.content
    data = {
        "slug": "acme-2020",
        "title": "Acme",
        "summary": "",
        "vendor": incident.vendor.pk,
        "timezone": "Europe/Berlin",
        "status": "published",
        "followed_until_at": "2020-06",
        "followed_until_precision": "month",
        "followed_until_approximate": "on",
        "followed_until_margin": "P1M",
        "followed_until_timezone": "",
        **_empty_inlines("participants", "data_exposed", "corrections"),
        "events-TOTAL_FORMS": "1",
        "events-INITIAL_FORMS": "1",
        "events-0-id": Event.objects.get(key="published").pk,
        "events-0-incident": incident.pk,
        "events-0-key": "published",
        "events-0-kind": "published",
        "events-0-at": "2020-03-02T10:00",
        "events-0-precision": "minute",
        "events-0-approximate": "on",
        "events-0-margin": "PT45M",
        "events-0-timezone": "",
        "events-0-status": "published",
        "events-0-description": "",
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident.refresh_from_db()
    # June 2020 widened by a month: to the end of July in Berlin (UTC+2).
    assert incident.followed_until_hi == datetime.datetime(2020, 7, 31, 22, 0, tzinfo=UTC)
    assert Event.objects.get(key="published").margin == "PT45M"

    response = superuser_client.post(url, {**data, "followed_until_approximate": ""})
    assert response.status_code == 200
    assert "followed_until_margin" in response.context["adminform"].form.errors


# --- the site --------------------------------------------------------------------


def test_the_incident_page_shows_a_source_as_via_the_one_it_is_based_on(imported, client):
    response = client.get(Incident.objects.get(slug="acme-2020").get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'via <a href="https://news.example/original" rel="noopener">The original</a>' in html


def test_the_via_lines_cost_one_query_however_many_there_are(client):
    incident = IncidentFactory(status="published", slug="many-copies")
    original = SourceFactory(title="Original story")
    event = EventFactory(incident=incident, key="e")

    def page_queries():
        cache.clear()  # the factories write behind the services, which would renew the cached page
        with CaptureQueriesContext(connection) as queries:
            assert client.get(incident.get_absolute_url()).status_code == 200
        return len(queries)

    EventCitationFactory(event=event, source=SourceFactory(based_on=original))
    one = page_queries()
    for _ in range(3):
        EventCitationFactory(event=event, source=SourceFactory(based_on=original))
    assert page_queries() == one
    assert client.get(incident.get_absolute_url()).content.decode().count("via Original story") == 4


def test_a_source_cannot_be_based_on_itself_through_the_services(admin_user):
    source = SourceFactory()
    with pytest.raises(ValidationError) as caught:
        services.source_update(source=source, based_on=source, by=admin_user)
    assert "based_on" in caught.value.message_dict
