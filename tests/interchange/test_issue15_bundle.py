"""Issue 15's bundle extensions end to end: an incident's origin, reported durations, the
'unknown' time zone, the threat_actor and aggregator roles and the grown data-class
vocabulary; validated with JSON paths, imported all or nothing and idempotently, exported
(full and public) with an exact round trip. And every URL that validates can be stored."""

import copy
from datetime import UTC, datetime

import pytest

from claims.models import Claim
from disclosure.models import Event, Incident, Organization, ReportedDuration, Source
from interchange.bundle import FORMAT, BundleError, dumps, export_bundle, import_bundle, load_document, validate

pytestmark = pytest.mark.django_db

HIBP_URL = "https://haveibeenpwned.com/PwnedWebsites#Adobe"


def document():
    return {
        "format": FORMAT,
        "organizations": [
            {"slug": "victim-co", "name": "Victim Co", "kind": "vendor"},
            {"slug": "hibp", "name": "Have I Been Pwned", "kind": "platform", "url": "https://haveibeenpwned.com"},
            {"slug": "shadow-crew", "name": "Shadow Crew", "kind": "other"},
        ],
        "sources": [
            {
                "key": "vcdb-record",
                "title": "VCDB record",
                "url": "https://github.com/vz-risk/VCDB/x.json",
                "kind": "other",
            },
            {"key": "hhs-report", "title": "HHS breach report", "url": "https://ocrportal.hhs.gov/x", "kind": "filing"},
        ],
        "incidents": [
            {
                "slug": "victim-co-2013",
                "title": "Victim Co breach",
                "vendor": "victim-co",
                "timezone": "unknown",
                "status": "published",
                "private_notes": "imported, check the victim id",
                "origin": {
                    "dataset": "vcdb",
                    "record": "0A1B2C3D-0000-0000-0000-000000000001",
                    "url": "https://github.com/vz-risk/VCDB/x.json",
                    "credit": "VERIS Community Database",
                    "licence": "research use",
                    "flags": ["unverified"],
                },
                "participants": [
                    {"organization": "shadow-crew", "role": "threat_actor"},
                    {"organization": "hibp", "role": "aggregator"},
                ],
                "data_exposed": [{"data_class": "personal-information"}, {"data_class": "health-data"}],
                "durations": [
                    {"kind": "discovery", "unit": "days", "value": 2, "citations": [{"source": "vcdb-record"}]},
                    {"kind": "containment", "unit": "months"},
                    {"kind": "exfiltration", "unit": "unknown", "value": None},
                ],
                "events": [
                    {
                        "key": "incident",
                        "kind": "exposure_started",
                        "time": {"at": "2013-05", "precision": "month"},
                        "status": "published",
                        "citations": [{"source": "vcdb-record"}],
                    },
                    {
                        "key": "notification",
                        "kind": "published",
                        "time": {"at": "2013-06-17", "precision": "day"},
                        "status": "published",
                        "citations": [{"source": "hhs-report"}],
                    },
                    {
                        "key": "listed",
                        "kind": "other",
                        "description": "Listed by Have I Been Pwned",
                        "actor": "hibp",
                        "time": {"at": "2013-12-04T00:00:00Z", "precision": "second"},
                        "status": "published",
                        "citations": [{"source": "vcdb-record"}],
                    },
                ],
                "claims": [
                    {
                        "key": "extortion",
                        "statement": "Shadow Crew says it took the patient records.",
                        "claimant": "shadow-crew",
                        "category": "data_exposure",
                        "status": "published",
                        "citations": [{"source": "hhs-report"}],
                        "responses": [
                            {
                                "responder": "victim-co",
                                "stance": "partially_confirmed",
                                "time": {"at": "2013-06-17", "precision": "day"},
                                "citations": [{"source": "hhs-report"}],
                            }
                        ],
                    }
                ],
            }
        ],
    }


def paths(problems):
    return [p.path for p in problems]


def problems_of(doc):
    return paths(validate(doc))


# --- validation ------------------------------------------------------------------


def test_the_extended_bundle_is_valid():
    assert validate(document()) == []


def test_a_bundle_without_the_extensions_is_still_valid():
    doc = document()
    incident = doc["incidents"][0]
    for key in ("origin", "durations"):
        del incident[key]
    incident["timezone"] = "Europe/Berlin"
    incident["participants"] = []
    assert validate(doc) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda i: i["origin"].pop("credit"), "incidents[0].origin"),
        (lambda i: i["origin"].update(dataset="Not A Slug"), "incidents[0].origin.dataset"),
        (lambda i: i["origin"].update(flags=["unverified", "bogus"]), "incidents[0].origin.flags[1]"),
        (lambda i: i["origin"].update(flags=["unverified", "unverified"]), "incidents[0].origin.flags"),
        (lambda i: i["origin"].update(colour="red"), "incidents[0].origin"),
        (lambda i: i["durations"][0].update(kind="lunch"), "incidents[0].durations[0].kind"),
        (lambda i: i["durations"][0].update(unit="Days"), "incidents[0].durations[0].unit"),
        (lambda i: i["durations"][0].update(value=-1), "incidents[0].durations[0].value"),
        (lambda i: i["durations"][2].update(value=3), "incidents[0].durations[2].value"),
        (lambda i: i["durations"][1].update(kind="discovery"), "incidents[0].durations[1].kind"),
        (
            lambda i: i["durations"][0]["citations"][0].update(source="nowhere"),
            "incidents[0].durations[0].citations[0].source",
        ),
        (lambda i: i["participants"][0].update(role="extortionist"), "incidents[0].participants[0].role"),
        (lambda i: i.update(timezone="Unknown"), "incidents[0].timezone"),
        (lambda i: i["events"][0]["time"].update(timezone="Mars/Olympus"), "incidents[0].events[0].time.at"),
    ],
)
def test_a_bad_extension_is_refused_where_it_is(change, path):
    doc = document()
    change(doc["incidents"][0])
    assert path in problems_of(doc)


def test_a_time_may_name_the_unknown_zone_itself_and_a_bad_date_is_still_located():
    doc = document()
    doc["incidents"][0]["timezone"] = "Europe/Berlin"
    doc["incidents"][0]["events"][0]["time"]["timezone"] = "unknown"
    assert validate(doc) == []
    doc["incidents"][0]["events"][1]["time"]["at"] = "2007-11-31"
    assert problems_of(doc) == ["incidents[0].events[1].time.at"]


LONG_URL = "https://example.org/" + "a" * 1480  # 1,500 characters


@pytest.mark.parametrize(
    ("place", "path"),
    [
        (lambda d, url: d["sources"][1].update(url=url), "sources[1].url"),
        (lambda d, url: d["organizations"][1].update(url=url), "organizations[1].url"),
        (lambda d, url: d["incidents"][0]["origin"].update(url=url), "incidents[0].origin.url"),
        (lambda d, url: d["incidents"][0]["origin"].update(licence_url=url), "incidents[0].origin.licence_url"),
    ],
)
@pytest.mark.parametrize(
    "url",
    [
        "http://www.http://www.hhs.gov/x",
        "http://www.hhs.gov/x http://www.hhs.gov/y",
        "http:/www.hhs.gov/x",
        "www.hhs.gov/x",
        "http://exa mple.org/",
        "http://-bad-.example/",
        "http://example..org/x",
        "",
        LONG_URL,
    ],
)
def test_a_malformed_or_overlong_url_is_a_located_error_and_writes_nothing(place, path, url):
    doc = document()
    place(doc, url)
    problems = validate(doc)
    assert path in paths(problems), [(p.path, p.message) for p in problems]
    with pytest.raises(BundleError) as refused:
        import_bundle(doc)
    assert path in paths(refused.value.problems)
    assert not Incident.objects.exists() and not Source.objects.exists()


def test_every_url_that_validates_is_stored(db):
    """Whatever passes validation imports: the schema's lengths are the columns', and the URL check the models'."""
    doc = document()
    ok = [
        "https://example.org/" + "a" * 980,  # the longest a source or an origin may be: 1,000
        "http://www.hhs.gov/ocr/privacy/hipaa/administrative/breachnotificationrule/breachtool.html?x=1&y=%20#top",
        "https://bücher.example/straße",
        "http://[2001:db8::1]:8080/path",
    ]
    for url in ok:
        doc = document()
        doc["sources"][1]["url"] = url
        doc["incidents"][0]["origin"]["url"] = url
        assert validate(doc) == [], url
        import_bundle(doc)
        assert Source.objects.get(key="hhs-report").url == url
        assert Incident.objects.get().origin_url == url


# --- import -----------------------------------------------------------------------


def test_import_stores_origin_durations_roles_and_the_unknown_zone():
    result = import_bundle(document())
    assert result.created > 0
    incident = Incident.objects.get(slug="victim-co-2013")
    assert incident.timezone == "unknown" and incident.timezone_unknown
    assert (incident.origin_dataset, incident.origin_credit, incident.origin_flags) == (
        "vcdb",
        "VERIS Community Database",
        ["unverified"],
    )
    assert incident.origin_caveats == [
        "VERIS Community Database lists this breach as unverified: the data may not come from Victim Co."
    ]
    durations = {d.kind: d for d in ReportedDuration.objects.filter(incident=incident)}
    assert (durations["discovery"].unit, durations["discovery"].value) == ("days", 2)
    assert durations["discovery"].words == "Discovered after 2 days"
    assert durations["containment"].words == "Contained within months"
    assert durations["exfiltration"].value is None
    assert [c.source.key for c in durations["discovery"].citations.all()] == ["vcdb-record"]
    roles = set(incident.participants.values_list("role", flat=True))
    assert roles == {"threat_actor", "aggregator"}
    # A month known in no particular zone: May 2013 read as UTC, widened by -14 h and +12 h.
    exposure = Event.objects.get(incident=incident, key="incident")
    assert exposure.lo == datetime(2013, 4, 30, 10, tzinfo=UTC)
    assert exposure.hi == datetime(2013, 6, 1, 12, tzinfo=UTC)
    # An explicit offset is unaffected.
    listed = Event.objects.get(incident=incident, key="listed")
    assert listed.lo == datetime(2013, 12, 4, tzinfo=UTC)
    assert Claim.objects.get(incident=incident).responses.get().responder.slug == "victim-co"


def test_importing_twice_changes_nothing():
    import_bundle(document())
    again = import_bundle(document())
    assert (again.created, again.updated) == (0, 0)


def test_a_merge_keeps_an_omitted_origin_and_a_replace_clears_it(admin_user):
    import_bundle(document())
    doc = document()
    del doc["incidents"][0]["origin"]
    del doc["incidents"][0]["durations"]
    import_bundle(doc)
    incident = Incident.objects.get()
    assert incident.origin_dataset == "vcdb" and incident.durations.count() == 3
    import_bundle(doc, by=admin_user, mode="replace")
    incident.refresh_from_db()
    assert incident.origin_dataset == "" and incident.origin_flags == [] and incident.durations.count() == 0


def test_a_changed_duration_is_updated_in_place_by_kind():
    import_bundle(document())
    first = ReportedDuration.objects.get(kind="discovery")
    doc = document()
    doc["incidents"][0]["durations"][0]["value"] = 3
    result = import_bundle(doc)
    assert result.updated >= 1
    assert ReportedDuration.objects.get(kind="discovery").pk == first.pk
    assert ReportedDuration.objects.get(kind="discovery").value == 3


def test_a_bundle_with_one_bad_record_writes_nothing():
    doc = document()
    extra = copy.deepcopy(doc["incidents"][0])
    extra["slug"] = "second"
    extra["durations"].append({"kind": "compromise", "unit": "unknown", "value": 5})
    doc["incidents"].append(extra)
    with pytest.raises(BundleError) as refused:
        import_bundle(doc)
    assert "incidents[1].durations[3].value" in paths(refused.value.problems)
    assert not Incident.objects.exists() and not Organization.objects.exists()


# --- export -----------------------------------------------------------------------


def test_the_full_export_round_trip_is_byte_identical():
    import_bundle(document())
    first = dumps(export_bundle())
    assert '"origin": {' in first and '"durations": [' in first and '"timezone": "unknown"' in first
    Incident.objects.all().delete()
    Source.objects.all().delete()
    Organization.objects.all().delete()
    import_bundle(load_document(first))
    assert dumps(export_bundle()) == first


def test_the_public_export_carries_origin_and_durations_but_nothing_private():
    import_bundle(document())
    public = export_bundle(public=True)
    incident = public["incidents"][0]
    assert incident["origin"] == document()["incidents"][0]["origin"]
    assert incident["durations"] == [
        {"kind": "discovery", "unit": "days", "value": 2, "citations": [{"source": "vcdb-record"}]},
        {"kind": "containment", "unit": "months"},
        {"kind": "exfiltration", "unit": "unknown"},
    ]
    text = dumps(public)
    assert "private_notes" not in text and "check the victim id" not in text
    # The source only a duration cites is public with it.
    assert {s["key"] for s in public["sources"]} == {"vcdb-record", "hhs-report"}
    first = dumps(public)
    Incident.objects.all().delete()
    Source.objects.all().delete()
    Organization.objects.all().delete()
    import_bundle(load_document(first))
    assert dumps(export_bundle(public=True)) == first


def test_a_draft_incidents_origin_and_durations_stay_out_of_the_public_export():
    doc = document()
    doc["incidents"][0]["status"] = "draft"
    import_bundle(doc)
    public = dumps(export_bundle(public=True))
    assert "VERIS Community Database" not in public and "vcdb-record" not in public


def test_an_old_bundle_exports_without_the_new_keys():
    doc = document()
    incident = doc["incidents"][0]
    del incident["origin"], incident["durations"]
    import_bundle(doc)
    out = export_bundle()["incidents"][0]
    assert "origin" not in out and "durations" not in out
