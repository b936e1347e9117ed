"""The OpenAPI schema is complete and valid, and no public serializer carries a private field."""

import pytest
from django.core.management import call_command

from claims.api import serializers as claim_serializers
from disclosure.api import serializers
from web.api import serializers as web_serializers

pytestmark = pytest.mark.django_db


def test_the_schema_generates_without_a_warning_and_validates(tmp_path):
    # The same check as `manage.py spectacular --validate --fail-on-warn`.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/incidents/{slug}/publish/", "/api/v1/bundles/", "/api/v1/incidents/{slug}/metrics/"):
        assert path in text


PUBLIC_SERIALIZERS = [
    serializers.IncidentSerializer,
    serializers.EventSerializer,
    claim_serializers.ClaimSerializer,
    claim_serializers.ResponseSerializer,
    serializers.OrganizationSerializer,
    serializers.SourceSerializer,
    serializers.DataClassSerializer,
]


@pytest.mark.parametrize("serializer_class", PUBLIC_SERIALIZERS, ids=lambda c: c.__name__)
def test_public_serializers_have_no_private_field(serializer_class):
    assert "private_notes" not in serializer_class().fields


def test_every_model_serializer_lists_its_fields():
    modules = (serializers, claim_serializers, web_serializers)
    classes = [getattr(module, name) for module in modules for name in dir(module)]
    model_serializers = [c for c in classes if isinstance(c, type) and hasattr(c, "Meta") and hasattr(c.Meta, "model")]
    assert model_serializers
    assert all(isinstance(c.Meta.fields, list | tuple) for c in model_serializers)


def test_the_docs_are_served_from_installed_packages(client):
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script: the start-up script is a file of its own
    assert client.get("/api/docs/?script=").status_code == 200
