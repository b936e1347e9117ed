"""Real records from ../shared/data through the importers and then the bundle's promises (issue 15):
the full export of what was imported round-trips byte for byte through an empty database, and the
imported incidents' pages and API answers render, with the dataset's badge, its caveats and
'time zone unknown' where they apply.

A sample keeps it quick (HIBP's flagged breaches and the first others, the current VCDB records and
the first 2013 ones, written to a temporary file, never into the project);
tests/interchange/test_real_data.py imports everything."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from disclosure.models import Incident, Organization, Source
from interchange.bundle import dumps, export_bundle, import_bundle, load_document

DATA = settings.BASE_DIR.parent / "shared" / "data"
HIBP = DATA / "hibp" / "breaches-added-before-2020.json"
VCDB = DATA / "vcdb"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not HIBP.exists() or not VCDB.is_dir(), reason="no shared data"),
]


def _import_sample(tmp_path):
    breaches = json.loads(HIBP.read_text(encoding="utf-8"))
    flagged = [b for b in breaches if not b["IsVerified"] or b["IsFabricated"] or b["IsSpamList"]]
    sample = flagged + [b for b in breaches if b not in flagged][:40]
    (tmp_path / "hibp.json").write_text(json.dumps(sample), encoding="utf-8")
    vcdb = sorted((VCDB / "current").glob("*.json")) + sorted((VCDB / "2013").glob("*.json"))[:15]
    call_command("import_hibp", str(tmp_path / "hibp.json"), "--publish", stdout=StringIO(), stderr=StringIO())
    call_command("import_veris", *map(str, vcdb), "--publish", stdout=StringIO(), stderr=StringIO())


def test_real_imports_round_trip_and_render(client, tmp_path):
    _import_sample(tmp_path)
    assert Incident.objects.count() > 60

    # Every imported incident's page and API answer, with the badge, caveats and unknown zone.
    api, flagged, unknown_zone, pages = APIClient(), 0, 0, 0
    for incident in Incident.objects.public().select_related("vendor"):
        if not (incident.origin_caveats or incident.timezone_unknown or pages < 40):
            continue
        pages += 1
        cache.clear()
        response = client.get(incident.get_absolute_url())
        assert response.status_code == 200, incident.slug
        html = response.content.decode()
        assert "Imported from " in html, incident.slug
        if incident.origin_caveats:
            flagged += 1
            assert "Not confirmed." in html
        if incident.timezone_unknown:
            unknown_zone += 1
            assert "time zone unknown" in html
        body = api.get(f"/api/v1/incidents/{incident.slug}/").json()
        assert body["origin"]["credit"] == incident.origin_credit
    assert flagged > 0 and unknown_zone > 0

    # Export, import into an empty database, export again: the same bytes.
    first = dumps(export_bundle())
    document = json.loads(first)
    assert any(i.get("durations") for i in document["incidents"])
    assert any("unverified" in i.get("origin", {}).get("flags", []) for i in document["incidents"])
    Incident.objects.all().delete()
    Source.objects.all().delete()
    Organization.objects.all().delete()
    import_bundle(load_document(first))
    assert dumps(export_bundle()) == first
