"""Every text the public reads has a bound (issue 14, abuse): refused with its path, nothing written."""

import pytest
from rest_framework.test import APIClient

from disclosure.models import LONG_TEXT, SHORT_TEXT, Incident
from interchange.bundle import BundleError, import_bundle

pytestmark = pytest.mark.django_db


def test_the_api_refuses_an_oversized_summary_with_its_path(editor, wyze):
    client = APIClient()
    client.force_authenticate(editor)
    response = client.patch("/api/v1/incidents/wyze-2019/", {"summary": "x" * (LONG_TEXT + 1)}, format="json")
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["summary"]
    assert len(Incident.objects.get(slug="wyze-2019").summary) < LONG_TEXT


def test_a_bundle_with_an_oversized_quote_is_refused_where_it_is(wyze_document, db):
    document = wyze_document
    document["incidents"][0]["events"][0]["citations"][0]["quote"] = "q" * (SHORT_TEXT + 1)
    with pytest.raises(BundleError) as refused:
        import_bundle(document)
    paths = [p.path for p in refused.value.problems]
    assert any(p.startswith("incidents[0].events[0].citations[0]") for p in paths), paths
    assert not Incident.objects.exists()
