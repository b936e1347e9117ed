"""The headers every response carries (issue 14, item 2): pages, htmx fragments, the API, the admin, the docs."""

import pytest

pytestmark = pytest.mark.django_db

PUBLIC = ["/", "/incidents/", "/incidents/wyze-2019/", "/compare/?by=reporter", "/methodology/", "/api/v1/incidents/",
          "/api/v1/incidents/wyze-2019/metrics/", "/api/schema/", "/api/docs/", "/admin/login/",
          "/workspace/login/", "/healthz", "/no-such-page/"]  # fmt: skip


def _check_headers(response):
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"):
        assert directive in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", PUBLIC)
def test_every_kind_of_public_response_carries_the_headers(client, wyze, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    _check_headers(response)


def test_htmx_fragments_carry_them_too(client, wyze):
    response = client.get("/compare/", {"by": "reporter", "sort": "median"}, HTTP_HX_REQUEST="true")
    _check_headers(response)


def test_only_the_docs_pages_allow_inline_styles(client, wyze):
    assert "style-src 'self' 'unsafe-inline'" in client.get("/api/docs/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get("/incidents/")["Content-Security-Policy"]


def test_the_old_redoc_address_leads_to_the_docs_page(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 302 and response["Location"] == "/api/docs/"
    html = client.get("/api/docs/").content.decode()
    assert "googleapis" not in html and "cdn." not in html and "<script>" not in html


def test_staff_answers_holding_private_notes_are_never_cached(client, wyze, editor):
    client.force_login(editor)
    response = client.get("/api/v1/incidents/wyze-2019/", {"view": "staff"})
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    admin = client.get("/admin/")
    assert "no-store" in admin["Cache-Control"]
    _check_headers(client.get("/workspace/"))


def test_anonymous_public_pages_stay_cacheable(client, wyze):
    response = client.get("/incidents/wyze-2019/")
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]


@pytest.mark.parametrize(
    "url", ["/api/v1/aggregates/?organization=a%00b", "/api/v1/aggregates/responses/?vendor=%00", "/incidents/?q=x%00"]
)
def test_a_nul_byte_in_a_parameter_is_a_located_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        (error,) = response.json()["errors"]
        assert error["path"] in ("organization", "vendor") and "NUL" in error["message"]
