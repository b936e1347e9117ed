"""What callers rely on: visibility, the one error format, bundles, CSV, throttling."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from disclosure.models import Incident, Organization

from .conftest import token_client

pytestmark = pytest.mark.django_db


# --- visibility ---------------------------------------------------------------


def test_anonymous_callers_never_see_private_notes_or_drafts(wyze, anon_client):
    Incident.objects.create(slug="secret", title="Secret", vendor=wyze.vendor, status="draft")
    wyze.events.filter(key="employee-removes-protection").update(status="draft")
    body = json.dumps(
        [
            anon_client.get(url).json()
            for url in (
                "/api/v1/incidents/",
                "/api/v1/incidents/wyze-2019/",
                "/api/v1/incidents/wyze-2019/events/",
                "/api/v1/incidents/wyze-2019/claims/",
                "/api/v1/events/",
                "/api/v1/claims/",
                "/api/v1/bundles/public/",
            )
        ]
    )
    assert "private_notes" not in body
    assert "secret" not in body
    assert "employee-removes-protection" not in body
    assert anon_client.get("/api/v1/incidents/secret/").status_code == 404


def test_staff_see_drafts_and_private_notes(wyze, editor_client):
    wyze.events.filter(key="employee-removes-protection").update(status="draft", private_notes="internal")
    event = editor_client.get("/api/v1/incidents/wyze-2019/events/employee-removes-protection/").json()
    assert event["status"] == "draft"
    assert event["private_notes"] == "internal"


def test_incident_filters_are_the_sites(wyze, anon_client):
    assert anon_client.get("/api/v1/incidents/?vendor=wyze").json()["count"] == 1
    assert anon_client.get("/api/v1/incidents/?vendor=acme").json()["count"] == 0
    assert anon_client.get("/api/v1/incidents/?q=Elasticsearch").json()["count"] == 1
    disputed = anon_client.get("/api/v1/claims/?stance=denied").json()["results"]
    assert disputed and all(c["vendor_stance"] == "denied" for c in disputed)


# --- errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/incidents/?page=0",
        "/api/v1/incidents/?page=99999999999999999999999",
        "/api/v1/incidents/?page_size=-1",
        "/api/v1/incidents/?page_size=100000",
        "/api/v1/incidents/?sort=sideways",
        "/api/v1/incidents/?year=-3",
        "/api/v1/incidents/?claim_status=%00",
        "/api/v1/events/?ordering=private_notes",
        "/api/v1/events/?kind=nonsense",
        "/api/v1/claims/?q=%00",
        "/api/v1/incidents/no-such-incident/",
        "/api/v1/incidents/no-such-incident/claims/x/responses/",
        "/api/v1/nowhere/",
        "/api/v1/incidents/?format=xml",
    ],
)
def test_bad_queries_are_4xx_in_the_one_error_format(wyze, anon_client, url):
    response = anon_client.get(url)
    if response.status_code == 200:  # an ordering on a field not offered is ignored, as DRF documents
        assert "ordering" in url
        return
    assert 400 <= response.status_code < 500
    assert response.json()["errors"][0].keys() == {"path", "message"}


def test_malformed_json_is_a_400(editor_client):
    response = editor_client.generic("POST", "/api/v1/incidents/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["errors"][0]["message"]


def test_bad_input_names_the_field_path(wyze, editor_client):
    response = editor_client.post(
        "/api/v1/incidents/wyze-2019/events/",
        {"key": "Bad Key", "kind": "other", "time": {"at": "2019-02-30", "precision": "day"}, "actor": 7},
        format="json",
    )
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert paths == {"key", "actor"}  # the time is checked once its fields are well formed
    response = editor_client.post(
        "/api/v1/incidents/wyze-2019/events/",
        {"key": "ok", "kind": "other", "time": {"at": "2019-02-30", "precision": "day"}},
        format="json",
    )
    assert response.json()["errors"][0]["path"] == "time.at"


def test_a_duplicate_key_is_a_400_not_a_500(wyze, editor_client):
    body = {"key": "employee-removes-protection", "kind": "other", "time": {"at": "2019-12-04", "precision": "day"}}
    response = editor_client.post("/api/v1/incidents/wyze-2019/events/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_retracting_needs_a_notice(wyze, admin_client_token):
    response = admin_client_token.post("/api/v1/incidents/wyze-2019/retract/", {"notice": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "notice"


# --- bundles --------------------------------------------------------------------


def test_a_bundle_with_any_error_writes_nothing_and_locates_every_error(wyze_document, editor_client):
    wyze_document["incidents"][0]["events"][2]["actor"] = "nobody"
    wyze_document["incidents"][0]["vendor"] = "nobody"
    response = editor_client.post("/api/v1/bundles/", wyze_document, format="json")
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert {"incidents[0].vendor", "incidents[0].events[2].actor"} <= paths
    assert not Incident.objects.exists()
    assert not Organization.objects.filter(slug="wyze").exists()


def test_a_valid_bundle_imports_and_its_public_bundle_reads_back(
    wyze_document, editor_client, anon_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post("/api/v1/bundles/", wyze_document, format="json")
    assert response.status_code == 200
    assert response.json()["incidents"] == 1
    exported = anon_client.get("/api/v1/incidents/wyze-2019/bundle/").json()
    assert exported["format"] == "disclosure-bundle/1"
    assert [i["slug"] for i in exported["incidents"]] == ["wyze-2019"]
    assert "private_notes" not in json.dumps(exported)


def test_a_bundle_that_is_not_an_object_is_refused(editor_client):
    response = editor_client.post("/api/v1/bundles/", [1, 2], format="json")
    assert response.status_code == 400


# --- CSV --------------------------------------------------------------------------


def test_lists_download_as_csv_one_row_per_record(wyze, anon_client):
    response = anon_client.get("/api/v1/events/?format=csv&page_size=200")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == anon_client.get("/api/v1/events/").json()["count"]
    assert {"key", "kind", "time.at", "time.precision"} <= rows[0].keys()
    assert "private_notes" not in rows[0]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(wyze, editor_client):
    wyze_title = "=cmd|' /C calc'!A0"
    Incident.objects.filter(pk=wyze.pk).update(title=wyze_title)
    rows = list(csv.DictReader(io.StringIO(editor_client.get("/api/v1/incidents/?format=csv").content.decode())))
    assert rows[0]["title"] == "'" + wyze_title


def test_csv_is_offered_only_on_lists(wyze, anon_client):
    assert anon_client.get("/api/v1/incidents/wyze-2019/?format=csv").status_code == 404


# --- throttling -------------------------------------------------------------------


def test_too_many_anonymous_requests_are_answered_429_with_retry_after(monkeypatch, anon_client):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    cache.clear()
    codes = [anon_client.get("/api/v1/data-classes/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = anon_client.get("/api/v1/data-classes/")
    assert int(response["Retry-After"]) > 0
    assert response.json()["errors"][0]["message"].startswith("Request was throttled")


def test_a_rotating_forwarded_for_header_does_not_escape_the_throttle(monkeypatch, anon_client):
    """The client's address is the connection's (NUM_PROXIES 0): an X-Forwarded-For it sends is not believed."""
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    cache.clear()
    codes = [anon_client.get("/api/v1/data-classes/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]


def test_behind_trusted_proxies_the_address_they_saw_counts(monkeypatch, anon_client, settings):
    from rest_framework.settings import api_settings

    monkeypatch.setattr(AnonRateThrottle, "rate", "1/minute", raising=False)
    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    cache.clear()
    first = anon_client.get("/api/v1/data-classes/", HTTP_X_FORWARDED_FOR="198.51.100.1")
    other = anon_client.get("/api/v1/data-classes/", HTTP_X_FORWARDED_FOR="198.51.100.2")
    again = anon_client.get("/api/v1/data-classes/", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert (first.status_code, other.status_code, again.status_code) == (200, 200, 429)


def test_authenticated_callers_have_their_own_higher_budget(monkeypatch, editor):
    monkeypatch.setattr(AnonRateThrottle, "rate", "1/minute", raising=False)
    client = token_client(editor)
    assert [client.get("/api/v1/data-classes/").status_code for _ in range(3)] == [200, 200, 200]
    assert APIClient().get("/api/v1/data-classes/").status_code == 200


def test_create_api_token_prints_a_working_token(editor, capsys):
    from django.core.management import call_command

    call_command("create_api_token", "editor")
    key = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/api/v1/organisations/", {"slug": "via-token", "name": "T", "kind": "media"}, format="json")
    assert response.status_code == 201


def test_an_error_in_a_listed_item_names_the_item(wyze, editor_client):
    body = {
        "slug": "twice",
        "title": "Twice",
        "vendor": "wyze",
        "participants": [{"organization": "wyze", "role": "vendor"}, {"organization": "wyze", "role": "vendor"}],
    }
    response = editor_client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "participants[1]"
    assert not Incident.objects.filter(slug="twice").exists()


@pytest.mark.parametrize(
    "url,body",
    [
        ("/api/v1/incidents/", {"slug": "nul", "title": "T", "vendor": "wy\x00ze"}),
        ("/api/v1/incidents/wyze-2019/events/employee-removes-protection/citations/", {"source": "a\x00b"}),
        (
            "/api/v1/incidents/",
            {"slug": "nul", "title": "T", "vendor": "wyze", "data_exposed": [{"data_class": "\x00"}]},
        ),
        ("/api/v1/incidents/", {"slug": "nul", "title": "T\x00", "vendor": "wyze"}),
    ],
)
def test_nul_characters_are_a_400_on_every_database(wyze, editor_client, url, body):
    response = editor_client.post(url, body, format="json")
    assert response.status_code == 400


def test_a_bundle_with_a_nul_character_is_refused_with_its_path(wyze_document, editor_client):
    wyze_document["organizations"][0]["name"] = "bad\x00name"
    response = editor_client.post("/api/v1/bundles/", wyze_document, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "organizations[0].name", "message": "Text may not hold a NUL character (\\u0000) or a lone surrogate."}
    ]


def test_a_staff_account_without_a_role_reads_only_what_the_public_reads(db, django_user_model):
    from rest_framework.test import APIClient

    from tests.factories import IncidentFactory

    IncidentFactory(slug="draft-story", status="draft")
    IncidentFactory(slug="public-story")
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("bare", is_staff=True))
    slugs = [row["slug"] for row in client.get("/api/v1/incidents/").json()["results"]]
    assert slugs == ["public-story"]


def test_a_body_over_the_limit_is_a_413_in_the_api_format(settings, editor):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = token_client(editor)
    response = client.post(
        "/api/v1/organisations/", {"slug": "big", "name": "Big", "description": "x" * 5000}, format="json"
    )
    assert response.status_code == 413
    (error,) = response.json()["errors"]
    assert error["path"] == "" and "larger than the API accepts" in error["message"]


def test_the_public_bundle_comes_a_page_at_a_time_each_a_valid_bundle(anon_client, wyze):
    from interchange.bundle import validate
    from tests.factories import IncidentFactory

    IncidentFactory.create_batch(3, vendor=wyze.vendor, status="published")
    first = anon_client.get("/api/v1/bundles/public/", {"page_size": 2})
    assert first.status_code == 200 and first["X-Total-Count"] == "4"
    assert len(first.json()["incidents"]) == 2
    assert 'rel="next"' in first["Link"] and "public" in first["Cache-Control"]
    validate(first.json())
    last = anon_client.get("/api/v1/bundles/public/", {"page_size": 2, "page": 2})
    assert len(last.json()["incidents"]) == 2 and 'rel="prev"' in last["Link"] and 'rel="next"' not in last["Link"]
    beyond = anon_client.get("/api/v1/bundles/public/", {"page": 9})
    assert beyond.json()["incidents"] == []
    assert anon_client.get("/api/v1/bundles/public/", {"page_size": 100000}).status_code == 200
    bad = anon_client.get("/api/v1/bundles/public/", {"page": "-1"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "page"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ('{"slug": "nul", "name": "A\\u0000B", "kind": "vendor"}', "name"),
        ('{"slug": "sur", "name": "A\\ud800B", "kind": "vendor"}', "name"),
        ('{"slug": "deep", "name": "Deep", "kind": "vendor", "extra": ' + "[" * 40 + "]" * 40 + "}", "extra"),
    ],
    ids=["nul", "lone-surrogate", "nested"],
)
def test_text_the_database_cannot_take_is_a_located_400(editor, body, path):
    client = token_client(editor)
    response = client.generic("POST", "/api/v1/organisations/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["path"].startswith(path)


def test_nesting_that_would_exhaust_the_stack_is_a_400(editor):
    client = token_client(editor)
    body = "[" * 100_000 + "]" * 100_000
    response = client.generic("POST", "/api/v1/bundles/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["errors"][0]["message"]


def test_a_public_bundle_page_far_past_the_end_is_an_empty_bundle(anon_client, wyze):
    response = anon_client.get("/api/v1/bundles/public/", {"page": str(10**30)})
    assert response.status_code == 200 and response.json()["incidents"] == []
