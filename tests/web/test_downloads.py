"""Every public figure in one streamed download, as CSV or JSON (docs/api.md, "Download every figure")."""

import csv
import io
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse

from metrics import services as metrics
from tests.factories import EventFactory, IncidentFactory, OrganizationFactory
from web import pagecache

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CSV_URL = reverse("disclosure:download-figures-csv")
JSON_URL = reverse("disclosure:download-figures-json")


def wyze_like(slug="camco-2019", vendor=None, reporters=None, **fields):
    """R told the vendor at 09:21 and published at 09:35 (minutes); T published that day, with no notice."""
    vendor = vendor or OrganizationFactory(slug="camco", name="CamCo")
    r, t = reporters or (
        OrganizationFactory(slug="reporter-r", name="Reporter R", kind="researcher"),
        OrganizationFactory(slug="reporter-t", name="Reporter T", kind="researcher"),
    )
    incident = IncidentFactory(slug=slug, vendor=vendor, timezone="America/Los_Angeles", **fields)
    EventFactory(incident=incident, kind="vendor_notified", at="2019-12-26T09:21", precision="minute", actor=r)
    EventFactory(incident=incident, kind="published", at="2019-12-26T09:35", precision="minute", actor=r)
    EventFactory(incident=incident, kind="published", at="2019-12-26", precision="day", actor=t)
    return incident


@pytest.fixture
def world():
    incident = wyze_like()
    vendor, r, t = incident.vendor, *(OrganizationFactory(slug=s) for s in ("reporter-r", "reporter-t"))
    wyze_like("draft-incident-zz", vendor, (r, t), status="draft")
    wyze_like("retracted-incident-zz", vendor, (r, t), status="retracted", retraction_notice="Wrong.")
    # a draft event of a public incident never counts publicly
    EventFactory(incident=incident, kind="remediated", at="2019-12-27", precision="day", status="draft")
    metrics.metrics_recompute_all(now=NOW)
    return incident


def body(response):
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(client):
    response = client.get(CSV_URL)
    assert response.status_code == 200
    return response, list(csv.DictReader(io.StringIO(body(response))))


def test_the_csv_has_the_incident_figures_and_each_reporters_notice(client, world):
    response, rows = csv_rows(client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="figures.csv"' in response["Content-Disposition"]
    mine = [r for r in rows if r["incident"] == "camco-2019"]
    by = {(r["metric"], r["reporter"]): r for r in mine}

    r = by[("notice_to_publication", "reporter-r")]
    assert (r["nominal_seconds"], r["min_seconds"], r["max_seconds"], r["no_notice"]) == ("840", "780", "900", "false")
    assert r["words"].startswith("Reporter R gave 14 minutes' notice")
    t = by[("notice_to_publication", "reporter-t")]
    assert (t["no_notice"], t["nominal_seconds"], t["min_seconds"], t["max_seconds"]) == ("true", "", "", "")
    assert t["words"] == "Reporter T published with no notice"
    own = by[("notice_to_publication", "")]
    assert (own["nominal_seconds"], own["min_seconds"], own["max_seconds"]) == ("840", "-33720", "900")
    assert own["no_notice"] == "false" and own["open"] == "false" and own["as_of"] == ""
    assert own["url"] == "http://testserver/incidents/camco-2019/"
    assert own["vendor"] == "camco" and own["year"] == "2019" and own["title"] == world.title

    # the norms, in their direction: less notice than Project Zero's 90 days, none at all
    assert r["norm:project-zero"] == t["norm:project-zero"] == own["norm:project-zero"] == "missed"
    assert r["norm:gdpr-art-33"] == "" and r["norm:sec-8k-1-05"] == ""

    # no remediated event in public: the notice to remediation is open, to the time of computation
    fix = by[("notice_to_remediation", "")]
    assert fix["open"] == "true" and fix["as_of"] == "2026-01-01T00:00:00Z"
    assert fix["words"].startswith("at least ") and fix["words"].endswith("after the notice, by 31 December 2025")
    assert fix["norm:project-zero"] == "missed"  # an open "at most" past its window
    assert by[("notice_to_acknowledgement", "")]["open"] == "true"

    # incident slug order, then metric order, then reporter name
    assert [r["reporter"] for r in mine if r["reporter"]] == ["reporter-r", "reporter-t"]
    assert mine[-2]["reporter"] == "reporter-r"
    own_metrics = [r["metric"] for r in mine if not r["reporter"]]
    from metrics.figures import METRIC_ORDER

    assert own_metrics == sorted(own_metrics, key=METRIC_ORDER.__getitem__)


def test_the_headers_carry_the_data_date_and_the_licence(client, world, settings):
    settings.DATA_LICENCE = "Figures — CC BY 4.0"
    response = client.get(CSV_URL)
    assert response["X-Data-As-Of"] == "2026-01-01T00:00:00Z"
    assert response["X-Licence"] == "Figures  CC BY 4.0"  # ASCII-safe
    assert "public" in response["Cache-Control"]
    body(response)


def test_followed_until_is_the_as_of_of_an_open_figure(client, world):
    world.followed_until_hi = datetime(2019, 12, 30, 8, tzinfo=UTC)
    world.save()
    metrics.metrics_recompute_all(now=NOW)
    _, rows = csv_rows(client)
    fix = next(r for r in rows if r["metric"] == "notice_to_remediation")
    assert fix["as_of"] == "2019-12-30T08:00:00Z"
    assert fix["words"].endswith("by 30 December 2019")


def test_the_json_gives_the_same_figures(client, world):
    response = client.get(JSON_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert 'filename="figures.json"' in response["Content-Disposition"]
    assert response["X-Licence"]
    document = json.loads(b"".join(response.streaming_content))
    assert document["data_as_of"] == "2026-01-01T00:00:00Z"
    assert document["licence"].startswith("Figures computed by the Disclosure Tracker")
    assert "retracted ones left out" in document["population"]
    zero = next(n for n in document["norms"] if n["slug"] == "project-zero")
    assert {"metric": "notice_to_publication", "direction": "at_least"} in zero["applies_to"]
    assert {"metric": "notice_to_remediation", "direction": "at_most"} in zero["applies_to"]

    [incident] = document["incidents"]
    assert (incident["incident"], incident["vendor"], incident["year"]) == ("camco-2019", "camco", 2019)
    assert incident["url"] == "http://testserver/incidents/camco-2019/"
    notice = next(m for m in incident["metrics"] if m["metric"] == "notice_to_publication")
    assert (notice["nominal_seconds"], notice["min_seconds"], notice["max_seconds"]) == (840, -33720, 900)
    assert notice["open"] is False and "as_of" not in notice
    assert notice["norms"]["project-zero"] == "missed" and "gdpr-art-33" not in notice["norms"]
    fix = next(m for m in incident["metrics"] if m["metric"] == "notice_to_remediation")
    assert fix["open"] is True and fix["as_of"] == "2026-01-01T00:00:00Z"
    r, t = incident["reporters"]
    assert r == {
        "organization": "reporter-r",
        "metric": "notice_to_publication",
        "no_notice": False,
        "nominal_seconds": 840,
        "min_seconds": 780,
        "max_seconds": 900,
        "words": r["words"],
        "norms": {"project-zero": "missed", "cert-cc": "missed", "zdi": "missed"},
    }
    assert t["organization"] == "reporter-t" and t["no_notice"] is True and "nominal_seconds" not in t
    assert t["norms"]["project-zero"] == "missed"

    # the same figures as the CSV
    _, rows = csv_rows(client)
    assert len(rows) == len(incident["metrics"]) + len(incident["reporters"])
    for m in incident["metrics"]:
        row = next(x for x in rows if x["metric"] == m["metric"] and not x["reporter"])
        assert (int(row["nominal_seconds"]), row["words"]) == (m["nominal_seconds"], m["words"])


def test_drafts_retracted_incidents_and_private_text_never_appear(client, world):
    for url in (CSV_URL, JSON_URL):
        text = body(client.get(url))
        assert "camco-2019" in text
        for secret in ("draft-incident-zz", "retracted-incident-zz", "PRIVATE-EVENT-NOTE", "PRIVATE-INCIDENT-NOTE"):
            assert secret not in text
    # the draft remediated event does not close the public figure
    _, rows = csv_rows(client)
    assert next(r for r in rows if r["metric"] == "notice_to_remediation")["open"] == "true"


def test_empty_before_any_figure(client):
    _, rows = csv_rows(client)
    assert rows == []
    document = json.loads(b"".join(client.get(JSON_URL).streaming_content))
    assert document["incidents"] == [] and document["data_as_of"] is None


def _queries(client, django_assert_max_num_queries, url, limit):
    with django_assert_max_num_queries(limit) as captured:
        b"".join(client.get(url).streaming_content)
    return len(captured)


@pytest.mark.parametrize("url", [CSV_URL, JSON_URL])
def test_the_query_count_does_not_grow_with_the_incidents(client, django_assert_max_num_queries, url):
    vendor = OrganizationFactory(slug="camco")
    reporters = (OrganizationFactory(slug="reporter-r"), OrganizationFactory(slug="reporter-t"))
    wyze_like("incident-00", vendor, reporters)
    metrics.metrics_recompute_all(now=NOW)
    one = _queries(client, django_assert_max_num_queries, url, 6)
    for i in range(1, 20):
        wyze_like(f"incident-{i:02}", vendor, reporters)
    metrics.metrics_recompute_all(now=NOW)
    pagecache.bump_public_version()  # as the recompute does once it commits: the kept download retires
    twenty = _queries(client, django_assert_max_num_queries, url, 6)
    assert one == twenty
    document_or_rows = body(client.get(url))
    assert all(f"incident-{i:02}" in document_or_rows for i in range(20))


def test_json_incidents_come_once_each_in_slug_order(client):
    vendor = OrganizationFactory(slug="camco")
    reporters = (OrganizationFactory(slug="reporter-r"), OrganizationFactory(slug="reporter-t"))
    for slug in ("b-2", "a-10", "a2", "a-1"):
        wyze_like(slug, vendor, reporters)
    metrics.metrics_recompute_all(now=NOW)
    document = json.loads(b"".join(client.get(JSON_URL).streaming_content))
    slugs = [i["incident"] for i in document["incidents"]]
    assert slugs == sorted(slugs) == ["a-1", "a-10", "a2", "b-2"]
    assert all(len(i["reporters"]) == 2 for i in document["incidents"])


# --- kept between two changes (web/pagecache.py) ---------------------------------------------


COMPARE_CSV = "/compare.csv"


@pytest.mark.parametrize("url", [CSV_URL, JSON_URL, COMPARE_CSV])
def test_a_download_is_written_once_per_change_and_served_kept_until_the_next(
    client, world, django_assert_max_num_queries, url
):
    first = body(client.get(url))
    with django_assert_max_num_queries(2):  # at most the headers' data date and norms: no figure is read
        again = client.get(url)
    assert isinstance(again, FileResponse)
    assert body(again) == first
    assert int(again["Content-Length"]) == len(first.encode())
    if url != COMPARE_CSV:
        assert again["X-Licence"] and again["Content-Disposition"].startswith("attachment")

    wyze_like("camco-2020", world.vendor, (OrganizationFactory(), OrganizationFactory()))
    metrics.metrics_recompute_all(now=NOW)
    pagecache.bump_public_version()  # what the recompute does once it commits
    changed = client.get(url)
    assert not isinstance(changed, FileResponse)
    assert "camco-2020" in body(changed)


def test_an_abandoned_download_keeps_nothing(settings):
    # The stream itself, as a server drives it: the reader went away after the first chunk and
    # the server closed the response, which closes the generator.
    stream = pagecache.keep_download("some-key", iter(["incident,title\n", "camco-2019,CamCo\n"]))
    assert next(stream) == b"incident,title\n"
    stream.close()
    assert list(Path(settings.PUBLIC_DOWNLOADS_DIR).glob("*")) == []
    assert pagecache.kept_download("some-key") is None
    complete = pagecache.keep_download("some-key", iter(["incident,title\n"]))
    assert b"".join(complete) == b"incident,title\n"
    with pagecache.kept_download("some-key") as kept:
        assert kept.read() == b"incident,title\n"


def test_with_nowhere_to_keep_it_a_download_still_streams(client, world, settings, tmp_path):
    blocked = tmp_path / "a-file-not-a-directory"
    blocked.write_text("")
    settings.PUBLIC_DOWNLOADS_DIR = str(blocked / "downloads")
    first = body(client.get(CSV_URL))
    assert "camco-2019" in first
    assert body(client.get(CSV_URL)) == first


def test_a_kept_download_expires_with_the_pages(client, world, settings):
    body(client.get(CSV_URL))
    [kept] = Path(settings.PUBLIC_DOWNLOADS_DIR).glob("*.download")
    old = time.time() - settings.PUBLIC_CACHE_SECONDS - 1
    os.utime(kept, (old, old))
    assert not isinstance(client.get(CSV_URL), FileResponse)
