"""The Have I Been Pwned importer: every mapping rule and kind of dirt, on small fixtures the project wrote."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from interchange import hibp
from interchange.bundle import export_bundle, validate
from interchange.importing import (
    clean_text,
    first_sentence,
    html_links,
    slug,
    split_urls,
    truncate,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BREACHES = FIXTURES / "hibp-breaches.json"


def records():
    return json.loads(BREACHES.read_text(encoding="utf-8"))


def by_name(conversion):
    return {i["origin"]["record"]: i for i in conversion.document["incidents"]}


def report_of(conversion, name):
    return next(r for r in conversion.records if r.record == name)


# --- pure rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("breach_date", "description", "expected", "words"),
    [
        ("2019-03-14", "In March 2019, the forum was breached.", {"at": "2019-03", "precision": "month"}, "March 2019"),
        ("2018-01-01", "In 2018, the shop was breached.", {"at": "2018", "precision": "year"}, "2018"),
        (
            "2015-03-01",
            "In approximately March 2015, the host was breached.",
            {"at": "2015-03", "precision": "month", "approximate": True},
            "about March 2015",
        ),
        (
            "2012-01-01",
            "In approximately 2012, it's alleged that a site was breached.",
            {"at": "2012", "precision": "year", "approximate": True},
            "about 2012",
        ),
        (
            "2011-12-28",
            "In late 2011, a series of breaches in China.",
            {"at": "2011", "precision": "year", "approximate": True, "margin": "P3M"},
            "late 2011",
        ),
        (
            "2018-07-05",
            "In mid-2018, the photography community suffered a breach.",
            {"at": "2018", "precision": "year", "approximate": True, "margin": "P3M"},
            "mid-2018",
        ),
        ("2017-01-01", "In January, the teddy bear maker was breached.", {"at": "2017-01", "precision": "month"}, None),
        # No date in the sentence: a placeholder day is not a day.
        ("2016-07-01", "The board was hacked.", {"at": "2016-07", "precision": "month"}, "July 2016"),
        ("2016-01-01", "The board was hacked.", {"at": "2016", "precision": "year"}, "2016"),
        ("2016-07-19", "The board was hacked.", {"at": "2016-07-19", "precision": "day"}, "19 July 2016"),
        # The sentence dates the discovery, not the breach: BreachDate at its own precision.
        ("2013-06-01", "In June 2016, a breach of Badoo was found.", {"at": "2013-06", "precision": "month"}, None),
        # A date that does not exist is never read as a day.
        ("2019-02-30", "The calendar site was breached.", {"at": "2019-02", "precision": "month"}, None),
    ],
)
def test_breach_time_takes_the_precision_the_first_sentence_supports(breach_date, description, expected, words):
    time, said, _ = hibp.breach_time(breach_date, description)
    assert time == expected
    if words:
        assert said == words


def test_breach_time_refuses_a_breach_date_that_is_not_a_date():
    with pytest.raises(ValueError, match="not a YYYY-MM-DD date"):
        hibp.breach_time("sometime", "")


def test_text_helpers_strip_html_and_double_escapes():
    assert clean_text("Dungeons &amp;amp; Dragons <b>Online</b>") == "Dungeons & Dragons Online"
    assert clean_text("&amp;quot;massively hacked&amp;quot;") == '"massively hacked"'
    assert clean_text("a <a href='x'>link</a>\n\n  here") == "a link here"
    assert first_sentence("In mid-2012, the game War Inc. was hacked. Then more.") == (
        "In mid-2012, the game War Inc. was hacked."
    )


def test_links_are_taken_from_hrefs_even_with_a_missing_closing_quote():
    text = (
        '<a href="https://a.example/x" target="_blank">one</a> '
        '<a href="https://b.example/y target="_blank">two</a> '
        "<a href='https://c.example/z'>three</a> <a href=https://d.example/w>four</a>"
    )
    assert html_links(text) == [
        "https://a.example/x",
        "https://b.example/y",
        "https://c.example/z",
        "https://d.example/w",
    ]


def test_reference_strings_are_split_repaired_and_cleaned():
    urls, notes = split_urls(
        "http://news.example/a, http://news.example/b?x=1,2; http://other.example/c  "
        "http://www.http://www.hhs.gov/ocr/breach.html.gov/ocr/breach.html (20130215) http://bad..example/ "
        "http://x.example/one,http://x.example/two http://news.example/a http://glued.example/?p=298(20130212)"
    )
    assert urls == [
        "http://news.example/a",
        "http://news.example/b?x=1,2",
        "http://other.example/c",
        "http://www.hhs.gov/ocr/breach.html",
        "http://x.example/one",
        "http://x.example/two",
        "http://glued.example/?p=298",
    ]
    assert any("repaired malformed URL" in n for n in notes)
    assert any("dropped malformed URL 'http://bad..example/'" in n for n in notes)
    assert any("'20130215'" in n for n in notes)


def test_truncate_cuts_at_a_word_with_an_ellipsis():
    text, cut = truncate("word " * 100, 50)
    assert cut and len(text) <= 50 and text.endswith("…")
    assert truncate("short", 50) == ("short", False)


def test_slugs_are_stable_and_ascii():
    assert slug("  Sutter   Medical Foundation ") == slug("SUTTER MEDICAL FOUNDATION") == "sutter-medical-foundation"
    assert slug("Pokébip") == "pokebip"
    assert slug("Пара Па") == ""
    assert len(slug("x" * 300 + "-tail", 100)) <= 100


# --- the conversion ----------------------------------------------------------


def test_each_breach_becomes_one_incident_with_its_rules():
    conversion = hibp.convert(records())
    incidents = by_name(conversion)
    assert set(incidents) == {"AcmeForum", "YearShop", "LateHost", "PlaceholderBoard", "MaybeDating", "BadCalendar"}
    acme = incidents["AcmeForum"]
    assert acme["slug"] == "hibp-acmeforum"
    assert acme["vendor"] == "acme-forum"
    assert acme["status"] == "draft"
    assert acme["timezone"] == "unknown"
    assert acme["origin"] == {
        "dataset": "hibp",
        "record": "AcmeForum",
        "url": "https://haveibeenpwned.com/PwnedWebsites#AcmeForum",
        "credit": "Have I Been Pwned",
        "licence": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert {"organization": "have-i-been-pwned", "role": "aggregator"} in acme["participants"]
    exposure, listed = acme["events"]
    assert exposure["kind"] == "exposure_started" and exposure["time"] == {"at": "2019-03", "precision": "month"}
    assert listed == {
        "key": "listed-by-hibp",
        "kind": "other",
        "time": {"at": "2019-05-02T10:11:12Z", "precision": "second"},
        "actor": "have-i-been-pwned",
        "description": "Listed by Have I Been Pwned",
        "status": "published",
        "citations": [{"source": "hibp-acmeforum"}],
    }
    # PwnCount is the count of email addresses, and the summary says so.
    email = next(d for d in acme["data_exposed"] if d["data_class"] == "email-addresses")
    assert email["affected_count"] == 12345
    assert "12,345 unique email addresses" in acme["summary"] and "not people" in acme["summary"]
    assert "affected_count" not in acme
    assert {d["data_class"] for d in acme["data_exposed"]} == {"email-addresses", "passwords"}
    assert (
        "DataClasses 'Telepathic links': no data class in the vocabulary" in report_of(conversion, "AcmeForum").unmapped
    )
    # The description's link is a source, cited with the breach's own HIBP page.
    sources = {s["key"]: s for s in conversion.document["sources"]}
    cited = [sources[c["source"]]["url"] for c in exposure["citations"]]
    assert cited == ["https://haveibeenpwned.com/PwnedWebsites#AcmeForum", "https://news.example/acme-forum-breach"]
    assert "<a" not in acme["summary"]
    hibp_org = next(o for o in conversion.document["organizations"] if o["slug"] == "have-i-been-pwned")
    assert hibp_org["kind"] == "platform"


def test_dirty_descriptions_give_clean_summaries_and_repaired_sources():
    conversion = hibp.convert(records())
    incidents = by_name(conversion)
    board = incidents["PlaceholderBoard"]
    assert board["summary"].startswith('The message board & wiki Placeholder Board was hacked "completely".')
    assert board["title"] == "Placeholder Board & Friends data breach"
    assert board["events"][0]["time"] == {"at": "2016-07", "precision": "month"}
    late = incidents["LateHost"]
    assert late["vendor"] == "late-host"  # no Domain: the title names the vendor
    assert late["events"][0]["time"] == {"at": "2011", "precision": "year", "approximate": True, "margin": "P3M"}
    sources = {s["key"]: s["url"] for s in conversion.document["sources"]}
    cited = [sources[c["source"]] for c in late["events"][0]["citations"]]
    assert cited[1:] == [
        "http://www.hhs.gov/ocr/breach.html",
        "https://blog.example/late-host",
        "https://second.example/a,b",
    ]
    assert any("repaired malformed URL" in n for n in report_of(conversion, "LateHost").notes)


def test_flagged_breaches_are_claims_and_sensitive_ones_stay_drafts():
    conversion = hibp.convert(records(), publish=True)
    maybe = by_name(conversion)["MaybeDating"]
    assert maybe["origin"]["flags"] == ["unverified", "sensitive"]
    assert maybe["status"] == "draft"
    assert [e["kind"] for e in maybe["events"]] == ["other"]
    (claim,) = maybe["claims"]
    assert claim["claimant"] == "have-i-been-pwned" and claim["category"] == "data_exposure"
    assert claim["statement"] == "Maybe Dating was breached in about June 2015."
    assert claim["asserted"] == {"at": "2016-06-10T12:00:00Z", "precision": "second"}
    assert claim["status"] == "draft"
    assert by_name(conversion)["AcmeForum"]["status"] == "published"


def test_bad_records_are_skipped_with_their_reason():
    conversion = hibp.convert(records())
    skipped = {r.record: r.reason for r in conversion.records if r.outcome == "skipped"}
    assert skipped == {"NoDate": "BreachDate 'sometime' is not a YYYY-MM-DD date", "#7": "not a breach object"}
    assert len(conversion.records) == len(records())
    assert any("not a calendar date" in n for n in report_of(conversion, "BadCalendar").notes)


def test_long_descriptions_are_cut_and_the_report_says_so():
    record = records()[0] | {"Description": "In March 2019, a breach. " + "word " * 5000}
    conversion = hibp.convert([record])
    incident = conversion.document["incidents"][0]
    assert len(incident["summary"]) <= 20_000
    assert "…" in incident["summary"]
    assert any("cut with an ellipsis" in n for n in conversion.records[0].notes)


def test_the_conversion_is_the_same_every_run():
    assert hibp.convert(records()).document == hibp.convert(records()).document


# --- through the bundle import ---------------------------------------------

pytestmark_db = pytest.mark.django_db


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_hibp", str(BREACHES), *args, stdout=out, stderr=err)
    return out.getvalue()


@pytestmark_db
def test_the_document_is_a_valid_bundle():
    assert validate(hibp.convert(records()).document) == []


@pytestmark_db
def test_import_then_again_changes_nothing(tmp_path):
    from disclosure.models import Incident

    first = _run("--report", str(tmp_path / "first.json"))
    assert "8 record(s): 6 imported (6 created, 0 updated, 0 unchanged), 2 skipped" in first
    assert "skipped NoDate" in first
    before = export_bundle()
    second = _run("--report", str(tmp_path / "second.json"))
    assert "6 imported (0 created, 0 updated, 6 unchanged), 2 skipped" in second
    assert export_bundle() == before
    report = json.loads((tmp_path / "second.json").read_text())
    assert report["counts"] == {
        "records": 8,
        "imported": 6,
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "skipped": 2,
        "refused": 0,
    }
    acme = next(r for r in report["records"] if r["record"] == "AcmeForum")
    assert acme["slug"] == "hibp-acmeforum" and acme["status"] == "unchanged"
    assert "DataClasses 'Telepathic links': no data class in the vocabulary" in acme["unmapped"]
    assert set(Incident.objects.values_list("status", flat=True)) == {"draft"}


@pytestmark_db
def test_publish_publishes_all_but_sensitive_breaches():
    from disclosure.models import Incident

    _run("--publish")
    statuses = dict(Incident.objects.values_list("slug", "status"))
    assert statuses["hibp-acmeforum"] == "published"
    assert statuses["hibp-maybedating"] == "draft"


@pytestmark_db
def test_strict_refuses_the_whole_run(tmp_path):
    from disclosure.models import Incident

    with pytest.raises(CommandError, match="--strict: 2 record"):
        _run("--strict", "--report", str(tmp_path / "r.json"))
    assert not Incident.objects.exists()
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["refused"] is True
    assert report["counts"]["imported"] == 0 and report["counts"]["refused"] == 6


@pytestmark_db
def test_a_file_that_is_not_a_breach_list_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"Name": "x"', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_hibp", str(path), stdout=StringIO(), stderr=StringIO())
    path.write_text('{"Name": "x"}', encoding="utf-8")
    with pytest.raises(CommandError, match="JSON array"):
        call_command("import_hibp", str(path), stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_hibp", str(tmp_path / "missing.json"), stdout=StringIO(), stderr=StringIO())


@pytestmark_db
def test_a_record_the_bundle_import_refuses_is_dropped_and_the_rest_imported():
    from disclosure.models import Incident
    from interchange.importing import run_import

    conversion = hibp.convert(records())
    # A date that does not exist, which only the bundle import checks: only that breach goes.
    conversion.document["incidents"][1]["events"][0]["time"] = {"at": "2018-02-30", "precision": "day"}
    run_import(conversion)
    year_shop = next(r for r in conversion.records if r.record == "YearShop")
    assert year_shop.outcome == "skipped"
    assert "incidents[1].events[0].time.at" in year_shop.reason
    assert Incident.objects.count() == 5
    assert not Incident.objects.filter(slug="hibp-yearshop").exists()


@pytestmark_db
def test_a_month_known_breach_never_shows_a_day_on_its_public_page(client):
    from disclosure.models import Incident

    _run("--publish")
    incident = Incident.objects.get(slug="hibp-acmeforum")
    response = client.get(incident.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "March 2019" in page
    for day_shown in ("14 March 2019", "March 14, 2019", "2019-03-14", "1 March 2019", "2019-03-01"):
        assert day_shown not in page
    assert "Have I Been Pwned" in page


@pytestmark_db
def test_a_run_without_publish_never_unpublishes_an_imported_incident():
    from claims.models import Claim
    from disclosure.models import Incident

    _run("--publish")
    second = _run()
    assert "0 updated" in second
    statuses = dict(Incident.objects.values_list("slug", "status"))
    assert statuses["hibp-acmeforum"] == "published"
    assert statuses["hibp-maybedating"] == "draft"
    assert Claim.objects.get(incident__slug="hibp-maybedating").status == "draft"


def test_an_unverified_breach_published_has_its_date_as_a_published_claim():
    conversion = hibp.convert([records()[0] | {"IsVerified": False, "IsSpamList": True}], publish=True)
    (only,) = conversion.document["incidents"]
    assert only["status"] == "published"
    assert only["origin"]["flags"] == ["unverified", "spam_list"]
    assert [e["kind"] for e in only["events"]] == ["other"]
    assert only["claims"][0]["status"] == "published"
    assert only["claims"][0]["statement"] == "Acme Forum was breached in March 2019."


def test_a_disclosure_url_is_a_source_too():
    record = records()[0] | {"DisclosureUrl": "https://acme-forum.example/notice"}
    (only,) = hibp.convert([record]).document["incidents"]
    sources = {s["key"]: s["url"] for s in hibp.convert([record]).document["sources"]}
    assert "https://acme-forum.example/notice" in [sources[c["source"]] for c in only["events"][0]["citations"]]


WEIRD = [None, 0, -5, 1.5, True, "", "x", [], {}, "2019-13-45", "<a href=", "&amp;amp;", "http://", ["a", None]]


@pytest.mark.parametrize("value", WEIRD, ids=repr)
def test_any_field_of_any_shape_is_a_skip_or_a_note_never_a_traceback(value):
    for field in records()[0]:
        conversion = hibp.convert([records()[0] | {field: value}])
        (report,) = conversion.records
        assert report.outcome == "skipped" or conversion.document["incidents"], field


@pytest.mark.django_db
def test_an_imported_breach_is_followed_until_the_dataset_last_touched_it():
    """Open figures of an imported record stop at the record's last modification, not today (§4.1)."""
    (record,) = [r for r in records() if isinstance(r, dict) and r.get("Name") == "AcmeForum"]
    incident = hibp.convert([record | {"ModifiedDate": "2020-02-03T04:05:06Z"}]).document["incidents"][0]
    assert incident["followed_until"] == {"at": "2020-02-03", "precision": "day", "timezone": "UTC"}
    garbled = hibp.convert([record | {"ModifiedDate": "soon", "AddedDate": "2019-13-40"}]).document["incidents"][0]
    assert "followed_until" not in garbled
