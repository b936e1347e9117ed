"""GET /api/v1/ lists the API: the absolute URL of every list endpoint and of the schema and docs."""

import pytest
from django.core.cache import cache
from django.urls import URLPattern

from claims.api import urls as claims_urls
from disclosure.api import urls as disclosure_urls
from metrics.api import urls as metrics_urls
from web.api import urls as web_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def parameterless_routes():
    """Every v1 address without a path parameter: the lists and the bundle endpoints."""
    for module in (web_urls, disclosure_urls, claims_urls, metrics_urls):
        for pattern in module.urlpatterns:
            if isinstance(pattern, URLPattern) and "<" not in str(pattern.pattern) and str(pattern.pattern):
                yield f"/api/v1/{pattern.pattern}"


def test_api_root_lists_every_list_endpoint_and_the_docs_as_absolute_urls(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    urls = set(response.json().values())
    assert all(url.startswith("http://testserver/") for url in urls)
    expected = {f"http://testserver{path}" for path in parameterless_routes()}
    assert len(expected) >= 10
    assert expected <= urls
    assert {"http://testserver/api/schema/", "http://testserver/api/docs/"} <= urls


def test_every_listed_address_answers(client):
    for key, url in client.get("/api/v1/").json().items():
        if key != "bundles":  # import only: POST
            assert client.get(url).status_code == 200, url


def test_api_root_is_documented_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/"]["get"]
    assert "200" in operation["responses"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiRoot")
    assert "incidents" in schema["components"]["schemas"]["ApiRoot"]["properties"]
