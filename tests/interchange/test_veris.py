"""The VERIS / VCDB importer: every mapping rule and kind of dirt, on small fixtures the project wrote."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from interchange import veris
from interchange.bundle import export_bundle, validate

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "vcdb"
FIRST = "A1B2C3D4-0000-4000-8000-000000000001"
SECOND = "b1b2c3d4-0000-4000-8000-000000000002"
NO_VICTIM = "c1b2c3d4-0000-4000-8000-000000000003"


def items():
    out = []
    for path in sorted(FIXTURES.glob("*.json")):
        try:
            out.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except json.JSONDecodeError:
            continue
    return out


def convert(**kwargs):
    return veris.convert(items(), **kwargs)


def incident(conversion, record_id):
    return next(i for i in conversion.document["incidents"] if i["origin"]["record"] == record_id)


def report_of(conversion, record_id):
    return next(r for r in conversion.records if r.record == record_id)


# --- pure rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected", "noted"),
    [
        ({"year": 2012}, {"at": "2012", "precision": "year"}, False),
        ({"year": 2012, "month": 11}, {"at": "2012-11", "precision": "month"}, False),
        ({"year": 2012, "month": 11, "day": 3}, {"at": "2012-11-03", "precision": "day"}, False),
        ({"year": 2007, "month": 11, "day": 31}, {"at": "2007-11", "precision": "month"}, True),
        ({"year": 2009, "month": 13}, {"at": "2009", "precision": "year"}, True),
        (
            {"year": 2012, "month": 1, "day": 2, "time": "14:05"},
            {"at": "2012-01-02T14:05", "precision": "minute"},
            False,
        ),
        ({"year": "2012", "month": "4"}, {"at": "2012-04", "precision": "month"}, False),
        ({"month": 4}, None, False),
    ],
)
def test_veris_times_keep_the_precision_they_have(parts, expected, noted):
    notes = []
    assert veris.recorded_time(parts, "timeline.incident", notes) == expected
    assert bool(notes) == noted


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"unit": "Days", "value": 2}, {"kind": "discovery", "unit": "days", "value": 2}),
        ({"unit": "Months"}, {"kind": "discovery", "unit": "months"}),
        ("Unknown", {"kind": "discovery", "unit": "unknown"}),
        ({"unit": "Unknown"}, {"kind": "discovery", "unit": "unknown"}),
        ({"unit": "NA"}, None),
        ({"unit": "Fortnights", "value": 1}, None),
    ],
)
def test_durations_are_kept_as_reported_durations(value, expected):
    assert veris.duration("discovery", value, []) == expected


def test_discovery_method_reads_the_same_in_veris_1_2_and_1_3():
    assert veris.discovery_method("Ext - customer") == "external (customer)"
    assert veris.discovery_method({"external": {"variety": ["Customer"]}}) == "external (customer)"
    assert veris.discovery_method("Int - reported by user") == "internal (reported by user)"
    assert veris.discovery_method({"unknown": True}) == "unknown"
    assert veris.discovery_method("Unknown") == "unknown"


# --- the conversion ----------------------------------------------------------


def test_each_record_becomes_one_incident_with_its_rules():
    conversion = convert()
    first = incident(conversion, FIRST)
    assert first["slug"] == "vcdb-a1b2c3d4-0000-4000-8000-000000000001"
    assert first["vendor"] == "sutter-medical-foundation"
    assert first["timezone"] == "unknown"
    assert first["status"] == "draft"
    assert first["origin"] == {
        "dataset": "vcdb",
        "record": FIRST,
        "url": f"https://github.com/vz-risk/VCDB/blob/master/data/json/validated/{FIRST}.json",
        "credit": "VERIS Community Database",
    }
    vendor = next(o for o in conversion.document["organizations"] if o["slug"] == "sutter-medical-foundation")
    assert vendor == {
        "slug": "sutter-medical-foundation",
        "name": "Sutter Medical Foundation",
        "kind": "vendor",
        "country": "US",
    }
    exposure, notification = first["events"]
    assert exposure["kind"] == "exposure_started" and exposure["time"] == {"at": "2012-11", "precision": "month"}
    assert notification["kind"] == "published" and notification["time"] == {"at": "2012-12-10", "precision": "day"}
    assert [(d["kind"], d["unit"], d.get("value")) for d in first["durations"]] == [
        ("discovery", "days", 2),
        ("containment", "months", None),
        ("exfiltration", "unknown", None),
    ]
    assert first["data_exposed"] == [
        {"data_class": "health-data", "affected_count": 750, "affected_count_approximate": False},
        {"data_class": veris_slug("Personal")},
    ]
    assert first["affected_count"] == 750
    assert "variety 'Telepathy'" in " ".join(report_of(conversion, FIRST).unmapped)
    assert first["summary"].startswith("Patient records of the clinic & its lab were exposed online.")
    assert "discovery method external (customer)" in first["summary"]
    sources = {s["key"]: s["url"] for s in conversion.document["sources"]}
    assert [sources[c["source"]] for c in exposure["citations"]] == [
        f"https://github.com/vz-risk/VCDB/blob/master/data/json/validated/{FIRST}.json",
        "http://news.example/a",
        "http://news.example/b?x=1,2",
        "http://other.example/c",
        "http://www.hhs.gov/ocr/breach.html",
    ]
    notes = " ".join(report_of(conversion, FIRST).notes)
    assert "repaired malformed URL" in notes and "dropped malformed URL 'http://bad..example/'" in notes


def veris_slug(name):
    from disclosure.vocabulary import data_class_for

    return data_class_for("veris", name)


def test_veris_1_4_records_and_odd_victim_names_map_the_same_way():
    conversion = convert()
    second = incident(conversion, SECOND)
    # Same victim, other case and spacing: the same vendor.
    assert second["vendor"] == "sutter-medical-foundation"
    assert second["events"][0]["time"] == {"at": "2007-11", "precision": "month"}
    assert second["events"][1]["time"] == {"at": "2008-01", "precision": "month"}
    assert "discovery method external (security researcher)" in second["summary"]
    assert any("2007-11-31 is not a calendar date" in n for n in report_of(conversion, SECOND).notes)
    assert "affected_count" not in second


def test_records_without_a_victim_are_skipped_with_the_reason():
    conversion = convert()
    assert report_of(conversion, NO_VICTIM).outcome == "skipped"
    assert "no victim" in report_of(conversion, NO_VICTIM).reason
    assert len(conversion.document["incidents"]) == 2


def test_long_scraped_summaries_are_cut_and_noted():
    (name, record), *_ = items()
    conversion = veris.convert([(name, record | {"summary": "scraped text " * 3000})])
    only = conversion.document["incidents"][0]
    assert len(only["summary"]) <= 20_000 and "…" in only["summary"]
    assert any("cut with an ellipsis" in n for n in conversion.records[0].notes)


def test_publish_makes_published_incidents_and_the_conversion_is_stable():
    assert {i["status"] for i in convert(publish=True).document["incidents"]} == {"published"}
    assert convert().document == convert().document


# --- through the bundle import ---------------------------------------------


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_veris", str(FIXTURES), *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.mark.django_db
def test_the_document_is_a_valid_bundle():
    assert validate(convert().document) == []


@pytest.mark.django_db
def test_import_reports_and_a_second_run_changes_nothing(tmp_path):
    from disclosure.models import Incident

    first = _run("--report", str(tmp_path / "r.json"))
    assert "4 record(s): 2 imported (2 created, 0 updated, 0 unchanged), 2 skipped" in first
    assert "skipped d1b2c3d4-broken.json: not valid JSON: Expecting value (line 1 column 37)" in first
    before = export_bundle()
    second = _run()
    assert "2 imported (0 created, 0 updated, 2 unchanged), 2 skipped" in second
    assert export_bundle() == before
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["dataset"] == "vcdb" and report["counts"]["records"] == 4
    stored = Incident.objects.get(slug="vcdb-a1b2c3d4-0000-4000-8000-000000000001")
    assert stored.timezone == "unknown"
    assert stored.status == "draft"
    assert [(d.kind, d.unit, d.value) for d in stored.durations.order_by("position")] == [
        ("discovery", "days", 2),
        ("containment", "months", None),
        ("exfiltration", "unknown", None),
    ]


@pytest.mark.django_db
def test_strict_refuses_and_missing_paths_are_clear_errors(tmp_path):
    from disclosure.models import Incident

    with pytest.raises(CommandError, match="--strict"):
        _run("--strict")
    assert not Incident.objects.exists()
    with pytest.raises(CommandError, match="no such file or directory"):
        call_command("import_veris", str(tmp_path / "nowhere"), stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_a_single_file_imports_and_publish_publishes():
    from disclosure.models import Incident

    call_command("import_veris", str(FIXTURES / f"{FIRST}.json"), "--publish", stdout=StringIO(), stderr=StringIO())
    assert list(Incident.objects.values_list("status", flat=True)) == ["published"]


@pytest.mark.django_db
def test_the_figures_are_computed_over_the_imports(django_capture_on_commit_callbacks):
    """The import's commit runs the metrics as in service: a VCDB record gives exposure_to_publication."""
    from metrics.models import IncidentMetric

    with django_capture_on_commit_callbacks(execute=True):
        _run()
    figure = IncidentMetric.objects.get(
        incident__slug="vcdb-a1b2c3d4-0000-4000-8000-000000000001", metric="exposure_to_publication", view="staff"
    )
    # November 2012 (zone unknown) to 10 December 2012 (zone unknown): about a month, never negative.
    assert 0 < figure.min_seconds < figure.nominal_seconds < figure.max_seconds
    # Bounds widened by the unknown zone (-14 h, +12 h): 9 days less 26 hours, 40 days plus 26 hours.
    assert figure.min_seconds == 9 * 86_400 - 26 * 3600
    assert figure.max_seconds == 40 * 86_400 + 26 * 3600


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))


@pytest.mark.parametrize("value", [None, 0, 1.5, True, "", "x", [], {}, {"year": "abc"}, ["a", None]], ids=repr)
def test_any_field_of_any_shape_is_a_skip_or_a_note_never_a_traceback(value):
    import copy

    (name, record), *_ = items()
    for path in list(_paths(record)):
        changed = copy.deepcopy(record)
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        conversion = veris.convert([(name, changed)])
        (report,) = conversion.records
        assert report.outcome == "skipped" or conversion.document["incidents"], path


@pytest.mark.django_db
def test_an_imported_record_is_followed_until_its_last_modification():
    """Without it an exposure with no recorded end would read "at least 16 years", growing every day."""
    name, record = items()[0]
    record = record | {"plus": {**record.get("plus", {}), "modified": "2015-02-13T16:50:35Z"}}
    incident = veris.convert([(name, record)]).document["incidents"][0]
    assert incident["followed_until"] == {"at": "2015-02-13", "precision": "day", "timezone": "UTC"}
    assert validate(veris.convert([(name, record)]).document) == []
