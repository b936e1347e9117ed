"""Imported incidents on the public pages and the API (issue 15): the dataset's badge linking to
the original record and its credit line, caveats for what the dataset flags as unverified,
fabricated or a spam list, reported durations in plain words, 'time zone unknown'; nothing
private, drafts not at all; the incident page's query count stays fixed; figures compute over an
unknown-zone incident."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from disclosure.models import Incident
from interchange.bundle import import_bundle
from metrics.models import IncidentMetric
from metrics.services import incident_metrics_recompute
from tests.interchange.test_issue15_bundle import document

pytestmark = pytest.mark.django_db

URL = "/incidents/victim-co-2013/"


@pytest.fixture
def imported():
    import_bundle(document())
    return Incident.objects.get(slug="victim-co-2013")


def test_the_page_says_where_the_incident_came_from_with_the_credit_and_the_caveat(client, imported):
    html = client.get(URL).content.decode()
    assert (
        '<a href="https://github.com/vz-risk/VCDB/x.json" rel="noopener">Imported from VERIS Community Database</a>'
        in html
    )
    assert "Data: VERIS Community Database, research use · record 0A1B2C3D-0000-0000-0000-000000000001." in html
    assert "VERIS Community Database lists this breach as unverified: the data may not come from Victim Co." in html
    assert "not as an established fact" in html


def test_the_page_says_time_zone_unknown_and_the_durations_in_words(client, imported):
    html = client.get(URL).content.decode()
    assert "time zone unknown: each date counts in every zone" in html
    assert html.count('<span class="meta tz-unknown">time zone unknown</span>') == 2  # two events without offset
    assert "Discovered after 2 days" in html and "Contained within months" in html
    assert "counted from the compromise; reported duration, no dates" in html
    assert "Data taken: how long after the compromise is unknown" in html
    # The source only a duration cites is listed with the page's sources.
    assert html.count("VCDB record") >= 2


def test_the_page_shows_nothing_private_and_a_plain_incident_shows_no_import_badge(client, imported):
    html = client.get(URL).content.decode()
    assert "check the victim id" not in html
    Incident.objects.filter(pk=imported.pk).update(origin_dataset="", origin_record="", origin_credit="", origin_url="")
    cache.clear()
    html = client.get(URL).content.decode()
    assert "Imported from" not in html and "badge-imported" not in html


def test_fabricated_and_spam_list_flags_each_get_their_caveat(imported):
    imported.origin_flags = ["fabricated", "spam_list", "sensitive"]
    caveats = imported.origin_caveats
    assert len(caveats) == 2
    assert caveats[0].startswith("VERIS Community Database lists this breach as fabricated")
    assert caveats[1].startswith("VERIS Community Database lists this as a spam list")


def test_a_draft_imported_incident_is_nowhere_public(client):
    doc = document()
    doc["incidents"][0]["status"] = "draft"
    import_bundle(doc)
    assert client.get(URL).status_code == 404
    assert "VERIS Community Database" not in client.get("/incidents/").content.decode()
    api = APIClient().get("/api/v1/incidents/").json()
    assert api["results"] == [] if "results" in api else api == []


def test_the_card_shows_the_badge_and_the_caveat(client, imported):
    html = client.get("/incidents/").content.decode()
    assert '<span class="badge badge-imported">Imported from VERIS Community Database</span>' in html
    assert '<p class="caveat">VERIS Community Database lists this breach as unverified' in html


def test_the_api_serves_origin_caveats_and_durations(imported):
    body = APIClient().get("/api/v1/incidents/victim-co-2013/").json()
    assert body["timezone"] == "unknown"
    assert body["origin"] == {
        "dataset": "vcdb",
        "record": "0A1B2C3D-0000-0000-0000-000000000001",
        "url": "https://github.com/vz-risk/VCDB/x.json",
        "credit": "VERIS Community Database",
        "licence": "research use",
        "licence_url": "",
        "flags": ["unverified"],
        "caveats": ["VERIS Community Database lists this breach as unverified: the data may not come from Victim Co."],
    }
    assert body["durations"][0] == {
        "kind": "discovery",
        "unit": "days",
        "value": 2,
        "words": "Discovered after 2 days",
        "citations": [{"source": "vcdb-record", "quote": "", "locator": ""}],
    }
    assert [d["kind"] for d in body["durations"]] == ["discovery", "containment", "exfiltration"]
    assert {p["role"] for p in body["participants"]} == {"threat_actor", "aggregator"}
    assert "private_notes" not in body


def test_a_plain_incident_has_no_origin_in_the_api(imported):
    doc = document()
    incident = doc["incidents"][0]
    incident["slug"] = "plain"
    del incident["origin"], incident["durations"]
    import_bundle(doc)
    body = APIClient().get("/api/v1/incidents/plain/").json()
    assert body["origin"] is None and body["durations"] == []


def test_the_api_list_query_count_does_not_grow_with_durations(django_assert_max_num_queries, imported):
    client = APIClient()
    with django_assert_max_num_queries(8) as first:
        assert client.get("/api/v1/incidents/").status_code == 200
    for n in range(5):
        doc = document()
        doc["incidents"][0]["slug"] = f"more-{n}"
        import_bundle(doc)
    cache.clear()
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert len(client.get("/api/v1/incidents/").json()["results"]) == 6


def test_the_incident_page_query_count_is_fixed_with_origin_and_durations(client, django_assert_max_num_queries):
    doc = document()
    doc["incidents"][0]["durations"] = doc["incidents"][0]["durations"][:1]
    import_bundle(doc)
    with django_assert_max_num_queries(16) as few:
        assert client.get(URL).status_code == 200
    import_bundle(document())  # three durations now, and more citations
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).status_code == 200


def test_figures_compute_over_an_unknown_zone_incident_with_widened_bounds(imported):
    incident_metrics_recompute(incident_id=imported.pk, now=datetime(2024, 1, 1, tzinfo=UTC))
    figure = IncidentMetric.objects.get(incident=imported, view="public", metric="exposure_to_publication")
    day, hour = 86400, 3600
    # May 2013 (unknown zone) to 17 June 2013 (unknown zone): each end widened by -14 h / +12 h.
    assert figure.min_seconds == 16 * day - 26 * hour
    assert figure.max_seconds == 48 * day + 26 * hour
    assert (
        figure.nominal_seconds
        == (datetime(2013, 6, 17, 12, tzinfo=UTC) - datetime(2013, 5, 16, 12, tzinfo=UTC)).total_seconds()
    )
