"""Every CSV the project writes: spreadsheet formulas never run, numbers stay numbers (issue 14, item 5)."""

import csv
import io

import pytest

from disclosure.api.renderers import CSVRenderer, csv_cell
from metrics.services import metrics_recompute_all
from tests.factories import EventFactory, IncidentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@SUM", "'@SUM"), ("\t=1", "'\t=1"),
     ("plain", "plain"), (-33720, -33720), (840, 840), (0.5, 0.5), (True, "true"), (None, "")],
)  # fmt: skip
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell


def test_the_api_csv_keeps_negative_numbers_numeric():
    body = CSVRenderer().render([{"min_seconds": -33720, "title": "=1+1"}]).decode()
    assert body.splitlines()[1] == "-33720,'=1+1"


def _rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_compare_and_download_csvs_escape_formulas(client):
    vendor = OrganizationFactory(name="=cmd|' /C calc'!A0", kind="vendor")
    reporter = OrganizationFactory(name="@reporter", kind="media")
    incident = IncidentFactory(vendor=vendor, title='=HYPERLINK("http://evil")')
    EventFactory(incident=incident, kind="vendor_notified", at="2020-01-01T10:00", actor=reporter)
    EventFactory(incident=incident, kind="published", at="2020-01-01T09:00", actor=reporter)  # before: negative
    metrics_recompute_all()
    for url, params in [("/compare.csv", {}), ("/compare.csv", {"by": "reporter"}), ("/downloads/figures.csv", {})]:
        rows = _rows(client.get(url, params))
        cells = [cell for row in rows[1:] for cell in row]
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells), url
        assert "-3600" in cells, url  # a negative figure stays a number


def test_timeline_json_escapes_what_the_record_says(client):
    from tests.factories import EventCitationFactory, SourceFactory

    incident = IncidentFactory(title="<b>Bold</b> title", summary="<img src=x onerror=alert(1)>")
    event = EventFactory(incident=incident, kind="published", description="<script>alert(1)</script> text")
    EventCitationFactory(event=event, source=SourceFactory(title="<i>Source</i>"))
    body = client.get(f"/incidents/{incident.slug}/timeline.json").json()
    text = body["events"][0]["text"]["text"]
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "&lt;i&gt;Source&lt;/i&gt;" in text and text.endswith("</p>")  # our own markup stays
    assert body["title"]["text"]["headline"] == "&lt;b&gt;Bold&lt;/b&gt; title"
    assert "<img" not in body["title"]["text"]["text"]
