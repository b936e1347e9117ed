"""Schemathesis against the API's own OpenAPI schema: every operation, positive and
negative data, as an anonymous caller and as an admin with a token.

No input may produce a server error or a response the schema does not describe.
`positive_data_acceptance` is not among the checks: a body that is valid by the
schema may still name an organisation or source that does not exist, and is
then rightly refused with 400.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig

from config.wsgi import application

pytestmark = pytest.mark.django_db

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "max-examples": 12},
        "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True}, "coverage": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)

CHECK_NAMES = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
]


@pytest.fixture
def admin_token(admin_user):
    return Token.objects.create(user=admin_user).key


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Schemathesis calls the WSGI app directly, whose request signals would close the
    # connection holding the test's transaction; Django's own test client unhooks them the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    monkeypatch.setattr(APIView, "throttle_classes", [])


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_no_input_breaks_the_api_or_its_schema(case, wyze, admin_token):
    checks = CHECKS.get_by_names(CHECK_NAMES)
    case.call_and_validate(checks=checks)
    case.call_and_validate(checks=checks, headers={"Authorization": f"Token {admin_token}"})
