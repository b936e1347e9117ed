"""The Wyze 2019 bundle after its audit against the five seed articles (issue 11, item 5).

Every public sentence either states what a seed says, with a citation, or summarises cited facts;
the figures of time-and-metrics.md §3 and §4.2 hold after import.
"""

import json
import os
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from disclosure.models import Event
from interchange.bundle import load_document, validate
from metrics import figures
from metrics.models import IncidentMetric

WYZE_BUNDLE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "interchange", "bundles", "wyze-2019.json"
)

ZDNET = "zdnet-2019-12-iot-vendor-wyze-confirms-server-leak"
GEARBRAIN = "gearbrain-2019-12-wyze-unprotected-server"
FREE_PRESS = "free-press-2019-12-30-wyze-server-leak"
DEMANDTALK = "demandtalk-2019-12-server-leak-validated-by-wyze"
TECHRADAR = "techradar-2019-12-wyze-exposes-customer-details"


@pytest.fixture(scope="module")
def raw():
    with open(WYZE_BUNDLE, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def incident(raw):
    return raw["incidents"][0]


def public_texts(node, key=""):
    """Every string in the document except private notes."""
    if isinstance(node, dict):
        for k, value in node.items():
            if k != "private_notes":
                yield from public_texts(value, k)
    elif isinstance(node, list):
        for item in node:
            yield from public_texts(item, key)
    elif isinstance(node, str):
        yield node


def claims(incident):
    return {c["key"]: c for c in incident["claims"]}


def events(incident):
    return {e["key"]: e for e in incident["events"]}


@pytest.mark.django_db
def test_the_bundle_validates():
    with open(WYZE_BUNDLE, encoding="utf-8") as f:
        assert validate(load_document(f.read())) == []


def test_no_article_says_espionage_or_gross_negligence(raw):
    for text in public_texts(raw):
        assert "espionage" not in text.lower(), text
        assert "gross negligence" not in text.lower(), text


def test_the_api_token_claim_is_a_claim_the_vendor_denied(incident):
    claim = claims(incident)["api-tokens-exposed"]
    assert claim["claimant"] == "twelve-security"
    assert claim["category"] == "data_exposure"
    vendor_responses = [r for r in claim["responses"] if r["responder"] == incident["vendor"]]
    assert vendor_responses[-1]["stance"] == "denied"
    assert any(c["source"] == ZDNET and "denied" in c.get("quote", "") for c in vendor_responses[-1]["citations"])


def test_the_only_auth_tokens_row_is_the_24000_alexa_tokens_wyze_confirmed(incident):
    """Decision: `auth-tokens` stays, backed by the Alexa tokens Wyze confirmed, never by the denied API tokens."""
    rows = [d for d in incident["data_exposed"] if d["data_class"] == "auth-tokens"]
    assert rows == [{"data_class": "auth-tokens", "affected_count": 24000, "affected_count_approximate": False}]
    confirmed = [
        r
        for c in incident["claims"]
        for r in c["responses"]
        if r["responder"] == incident["vendor"] and r["stance"] == "confirmed"
    ]
    assert any("24,000 users, Alexa tokens" in cit.get("quote", "") for r in confirmed for cit in r["citations"])


def test_every_exposed_class_is_backed_by_a_cited_record(incident):
    """What only Twelve Security claimed (usernames, firmware) stays a claim; names rest on GearBrain."""
    classes = {d["data_class"] for d in incident["data_exposed"]}
    assert classes == {"email-addresses", "names", "device-names", "wifi-network-names", "auth-tokens", "health-data"}
    assert not {"usernames", "firmware-versions", "passwords", "payment-data"} & classes
    by_key = claims(incident)
    names = by_key["customer-names-exposed"]
    assert names["claimant"] == "gearbrain"
    assert any("customer names" in c.get("quote", "") for c in names["citations"] if c["source"] == GEARBRAIN)
    confirmed = by_key["emails-nicknames-ssids-alexa-tokens"]["responses"][-1]
    assert confirmed["responder"] == "wyze" and confirmed["stance"] == "confirmed"
    assert by_key["health-data-bone-density-protein"]["responses"][-1]["stance"] == "partially_confirmed"


def test_the_password_statement_is_the_vendors_own(incident):
    assert "no-passwords-or-financial-data" not in claims(incident)
    for claim in incident["claims"]:
        # no claim of Wyze's own is left "awaiting" Wyze's response
        assert claim["claimant"] != incident["vendor"], claim["key"]
    statements = [
        e
        for e in incident["events"]
        if e["kind"] == "vendor_statement" and e["actor"] == "wyze" and "password" in e["description"]
    ]
    quotes = [c.get("quote", "") for e in statements for c in e["citations"]]
    assert "Wyze afferma che il database non includeva le password degli utenti." in quotes
    assert "this one does not contain passwords or personal financial data, claims the company" in quotes


def test_about_ten_is_approximate_with_a_half_hour_margin(incident):
    assert events(incident)["wyze-learns-from-community"]["time"] == {
        "at": "2019-12-26T10:00",
        "precision": "minute",
        "approximate": True,
        "margin": "PT30M",
    }


def test_followed_until_is_the_last_articles_date(raw, incident):
    assert incident["followed_until"] == {"at": "2019-12-30", "precision": "day"}
    dated = [s["published"]["at"] for s in raw["sources"] if s.get("published", {}).get("precision") == "day"]
    assert max(dated) == "2019-12-30"


def test_techradar_and_demandtalk_are_based_on_zdnet(raw):
    sources = {s["key"]: s for s in raw["sources"]}
    assert sources[TECHRADAR]["based_on"] == ZDNET
    assert sources[DEMANDTALK]["based_on"] == ZDNET
    assert "based_on" not in sources[ZDNET]
    assert [k for k, s in sources.items() if "based_on" in s] == sorted([DEMANDTALK, TECHRADAR])


def test_no_title_or_url_the_seeds_do_not_give_without_a_note(raw, incident):
    sources = {s["key"]: s for s in raw["sources"]}
    for key in (ZDNET, DEMANDTALK, GEARBRAIN, TECHRADAR):
        assert "url" not in sources[key], key
    assert "title not given" in sources[ZDNET]["title"]
    assert "title not given" in sources[DEMANDTALK]["title"]
    assert "url" in sources[FREE_PRESS] and "free-press.it/2019/12/30" in incident["private_notes"]
    assert "Brian Turner" in incident["private_notes"]


@pytest.mark.django_db
def test_the_figures_after_import(wyze, client):
    body = client.get("/api/v1/incidents/wyze-2019/metrics/").json()
    by_metric = {m["metric"]: m for m in body["metrics"]}
    window = by_metric["notice_to_publication"]
    assert (window["nominal_seconds"], window["min_seconds"], window["max_seconds"]) == (840, -33720, 900)
    exposure = by_metric["exposure_duration"]
    assert (exposure["nominal_seconds"], exposure["min_seconds"], exposure["max_seconds"]) == (
        22 * 86400,
        21 * 86400,
        23 * 86400,
    )
    public = {
        r.metric: (r.nominal_seconds, r.min_seconds, r.max_seconds)
        for r in IncidentMetric.objects.filter(incident=wyze, view="public")
    }
    assert public["notice_to_publication"] == (840, -33720, 900)
    assert public["exposure_duration"] == (1_900_800, 1_814_400, 1_987_200)


def public_events(incident):
    return [
        SimpleNamespace(
            id=e.pk,
            kind=e.kind,
            position=e.position,
            lo=e.lo,
            hi=e.hi,
            nominal=e.nominal,
            actor=e.actor.slug if e.actor_id else None,
        )
        for e in Event.objects.filter(incident=incident, status="published").select_related("actor")
    ]


@pytest.mark.django_db
def test_ipvm_gave_14_minutes_and_twelve_security_no_notice(wyze):
    """§4.2 over the imported public events: IPVM's own ticket and report; Twelve Security has no ticket."""
    events = public_events(wyze)
    notified = [e for e in events if e.kind == "vendor_notified"]
    assert [e.actor for e in notified] == ["ipvm"]
    by = figures.notice_by_reporter(events, vendor="wyze")
    assert set(by) == {"ipvm", "twelve-security"}
    assert by["ipvm"][:3] == (840, 780, 900)
    assert by["twelve-security"] is figures.NO_NOTICE


@pytest.mark.django_db
def test_followed_until_is_stored_and_ends_open_figures(wyze):
    hi = datetime(2019, 12, 31, 8, 0, tzinfo=UTC)  # end of 30 December 2019 in Los Angeles
    assert wyze.followed_until_hi == hi
    result, _ = figures.compute_incident(public_events(wyze), datetime(2026, 1, 1, tzinfo=UTC), followed_until_hi=hi)
    ack = result["notice_to_acknowledgement"]
    assert ack.open is True
    # from IPVM's ticket (9:21 to 9:22 a.m. on 26 December, 17:21 to 17:22 UTC) to the end of 30 December
    start_lo = datetime(2019, 12, 26, 17, 21, tzinfo=UTC)
    assert ack[:3] == (
        int((hi - start_lo).total_seconds()) - 30,
        int((hi - start_lo).total_seconds()) - 60,
        int((hi - start_lo).total_seconds()),
    )
