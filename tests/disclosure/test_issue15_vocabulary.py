"""The data-class vocabulary covers Have I Been Pwned's classes and VERIS's varieties (issue 15)."""

import json
import re

import pytest
from django.conf import settings

from disclosure.models import DataClass
from disclosure.vocabulary import data_class, data_class_entries, data_class_for

DATA = settings.BASE_DIR.parent / "shared" / "data"
# The vocabulary the project had before issue 15: these slugs never change.
EARLIER_SLUGS = {
    "email-addresses": "Email addresses",
    "names": "Names",
    "usernames": "Usernames",
    "passwords": "Passwords",
    "phone-numbers": "Phone numbers",
    "physical-addresses": "Physical addresses",
    "ip-addresses": "IP addresses",
    "geolocation": "Geolocation",
    "wifi-network-names": "Wi-Fi network names",
    "device-identifiers": "Device identifiers",
    "device-names": "Device names",
    "firmware-versions": "Firmware versions",
    "auth-tokens": "Authentication tokens",
    "health-data": "Health data",
    "payment-data": "Payment data",
    "video-recordings": "Video recordings",
    "device-models": "Device models",
    "dates-of-birth": "Dates of birth",
    "genders": "Genders",
}


def _hibp_classes():
    breaches = json.loads((DATA / "hibp" / "breaches-added-before-2020.json").read_text(encoding="utf-8"))
    return {name for breach in breaches for name in breach["DataClasses"]}


def _veris_varieties():
    enum = json.loads((DATA / "veris" / "verisc-enum.json").read_text(encoding="utf-8"))
    return set(enum["attribute"]["confidentiality"]["data"]["variety"])


def test_every_hibp_class_in_the_shared_data_maps_to_a_slug():
    classes = _hibp_classes()
    assert len(classes) > 100
    unmapped = sorted(name for name in classes if data_class_for("hibp", name) is None)
    assert unmapped == []


def test_every_veris_variety_maps_to_a_slug():
    varieties = _veris_varieties()
    assert {"Personal", "Medical", "Unknown"} <= varieties
    assert sorted(v for v in varieties if data_class_for("veris", v) is None) == []


def test_every_variety_used_by_the_vcdb_records_maps():
    used = set()
    for path in (DATA / "vcdb").glob("*/*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        for item in record.get("attribute", {}).get("confidentiality", {}).get("data", []) or []:
            if item.get("variety"):
                used.add(item["variety"])
    assert used
    assert sorted(v for v in used if data_class_for("vcdb", v) is None) == []


def test_the_earlier_slugs_are_kept_and_the_covered_names_use_them():
    entries = {e["slug"]: e for e in data_class_entries()}
    for slug, name in EARLIER_SLUGS.items():
        assert entries[slug]["name"] == name
    assert data_class_for("hibp", "Email addresses") == "email-addresses"
    assert data_class_for("hibp", "Auth tokens") == "auth-tokens"
    assert data_class_for("hibp", "Geographic locations") == "geolocation"
    assert data_class_for("hibp", "Personal health data") == "health-data"
    assert data_class_for("veris", "Medical") == "health-data"
    assert data_class_for("veris", "Payment") == "payment-data"


def test_new_slugs_are_slugified_hibp_names_and_stable():
    assert data_class_for("hibp", "Family members' names") == "family-members-names"
    assert data_class_for("hibp", "School grades (class levels)") == "school-grades-class-levels"
    assert data_class_for("hibp", "Credit card CVV") == "credit-card-cvv"
    for entry in data_class_entries():
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", entry["slug"]), entry
        assert len(entry["slug"]) <= 64 and 0 < len(entry["name"]) <= 100
    slugs = [e["slug"] for e in data_class_entries()]
    assert len(slugs) == len(set(slugs))


def test_a_name_maps_to_one_slug_only():
    for field in ("hibp", "veris"):
        names = [n for e in data_class_entries() for n in e[field]]
        assert len(names) == len(set(names)), field


def test_lookup_tolerates_case_and_spacing_but_not_unknown_names():
    assert data_class_for("hibp", "  email   ADDRESSES ") == "email-addresses"
    assert data_class_for("veris", "sensitive personal") == "sensitive-personal-information"
    assert data_class_for("hibp", "Telepathic impressions") is None
    assert data_class_for("hibp", None) is None
    assert data_class("credentials")["veris"] == ["Credentials"]
    with pytest.raises(ValueError, match="Unknown dataset"):
        data_class_for("nvd", "Names")


@pytest.mark.django_db
def test_the_data_migration_loaded_every_class_of_the_file():
    stored = dict(DataClass.objects.values_list("slug", "name"))
    for entry in data_class_entries():
        assert entry["slug"] in stored
    for slug, name in EARLIER_SLUGS.items():
        assert stored[slug] == name
