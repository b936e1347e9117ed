"""The permission matrix: every endpoint and method, for each role.

Reading is open to everyone (anonymous callers see what the public site shows);
writing needs a staff role (anonymous: 401, a signed-in non-staff user: 403);
publishing, and changing anything the public can see, needs an editor or admin,
retracting an admin (docs/roles.md; tests/test_roles.py walks the whole table).
A published record cites a source, so creating one without a citation is a 400.
"""

import json

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.test import APIClient

from tests.factories import (
    ClaimCitationFactory,
    ClaimFactory,
    EventCitationFactory,
    EventFactory,
    IncidentFactory,
    OrganizationFactory,
    ResponseFactory,
    SourceFactory,
)

from .conftest import token_client

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "contributor", "editor", "admin")

TIME = {"at": "2020-03-05", "precision": "day"}
DRAFT_BUNDLE = {
    "format": "disclosure-bundle/1",
    "organizations": [{"slug": "bundled", "name": "Bundled Inc", "kind": "vendor"}],
    "sources": [],
    "incidents": [
        {"slug": "bundled-leak", "title": "A bundled leak", "vendor": "bundled", "timezone": "UTC", "status": "draft"}
    ],
}
PUBLISHED_BUNDLE = {**DRAFT_BUNDLE, "incidents": [{**DRAFT_BUNDLE["incidents"][0], "status": "published"}]}

P = "/api/v1/incidents/pub"
D = "/api/v1/incidents/draft"
ALL_200 = (200, 200, 200, 200)
STAFF_ONLY = (404, 200, 200, 200)
CREATE = (401, 201, 201, 201)
EDIT = (401, 200, 200, 200)
PUBLISHERS_CREATE = (401, 403, 201, 201)
PUBLISHERS_EDIT = (401, 403, 200, 200)
UNCITED = (401, 403, 400, 400)
NOT_ALLOWED = (401, 405, 405, 405)

# method, url ({response} is the id of the pub incident's response), body, expected (anonymous, contributor, editor, admin)
MATRIX = [
    ("GET", "/api/v1/incidents/", None, ALL_200),
    ("GET", f"{P}/", None, ALL_200),
    ("GET", f"{D}/", None, STAFF_ONLY),
    ("POST", "/api/v1/incidents/", {"slug": "new", "title": "New", "vendor": "acme"}, CREATE),
    (
        "POST",
        "/api/v1/incidents/",
        {"slug": "new", "title": "New", "vendor": "acme", "status": "published"},
        PUBLISHERS_CREATE,
    ),
    ("PATCH", f"{D}/", {"title": "Renamed"}, EDIT),
    ("PATCH", f"{D}/", {"status": "published"}, (401, 403, 200, 200)),
    ("PUT", f"{D}/", {"title": "Renamed"}, NOT_ALLOWED),
    ("DELETE", f"{D}/", None, NOT_ALLOWED),
    ("POST", f"{D}/publish/", None, (401, 403, 200, 200)),
    ("POST", f"{P}/retract/", {"notice": "It was wrong."}, (401, 403, 403, 200)),
    ("GET", f"{P}/bundle/", None, ALL_200),
    ("GET", f"{D}/bundle/", None, (404, 404, 404, 404)),
    ("GET", f"{P}/metrics/", None, ALL_200),
    ("GET", f"{P}/events/", None, ALL_200),
    ("GET", f"{P}/events/found/", None, ALL_200),
    ("POST", f"{P}/events/", {"key": "new", "kind": "other", "time": TIME}, CREATE),
    ("POST", f"{P}/events/", {"key": "new", "kind": "other", "time": TIME, "status": "published"}, UNCITED),
    (
        "POST",
        f"{P}/events/",
        {"key": "new", "kind": "other", "time": TIME, "status": "published", "citations": [{"source": "article"}]},
        PUBLISHERS_CREATE,
    ),
    ("PATCH", f"{P}/events/found/", {"description": "Edited."}, PUBLISHERS_EDIT),
    ("PATCH", f"{P}/events/found/", {"private_notes": "Only ours."}, EDIT),
    ("PATCH", f"{P}/events/found/", {"status": "draft"}, (401, 403, 200, 200)),
    ("DELETE", f"{P}/events/found/", None, NOT_ALLOWED),
    ("POST", f"{P}/events/found/citations/", {"source": "article", "quote": "words"}, PUBLISHERS_CREATE),
    ("GET", f"{P}/claims/", None, ALL_200),
    ("GET", f"{P}/claims/leak/", None, ALL_200),
    ("POST", f"{P}/claims/", {"key": "new", "statement": "S.", "claimant": "finder", "category": "scope"}, CREATE),
    ("PATCH", f"{P}/claims/leak/", {"statement": "Edited."}, PUBLISHERS_EDIT),
    ("PATCH", f"{P}/claims/leak/", {"status": "draft"}, (401, 403, 200, 200)),
    ("POST", f"{P}/claims/leak/citations/", {"source": "article"}, PUBLISHERS_CREATE),
    ("GET", f"{P}/claims/leak/responses/", None, ALL_200),
    ("GET", f"{P}/claims/leak/responses/{{response}}/", None, ALL_200),
    (
        "POST",
        f"{P}/claims/leak/responses/",
        {"responder": "acme", "stance": "denied", "time": TIME, "status": "draft"},
        CREATE,
    ),
    # no status: a draft, like an event or a claim (anyone in the newsroom may add one)
    ("POST", f"{P}/claims/leak/responses/", {"responder": "acme", "stance": "no_comment", "time": TIME}, CREATE),
    (
        "POST",
        f"{P}/claims/leak/responses/",
        {"responder": "acme", "stance": "denied", "time": TIME, "status": "published"},
        UNCITED,
    ),
    (
        "POST",
        f"{P}/claims/leak/responses/",
        {
            "responder": "acme",
            "stance": "denied",
            "time": TIME,
            "status": "published",
            "citations": [{"source": "article"}],
        },
        PUBLISHERS_CREATE,
    ),
    ("PATCH", f"{P}/claims/leak/responses/{{response}}/", {"statement": "Edited."}, PUBLISHERS_EDIT),
    ("POST", f"{P}/claims/leak/responses/{{response}}/citations/", {"source": "article"}, PUBLISHERS_CREATE),
    ("GET", "/api/v1/events/", None, ALL_200),
    ("GET", "/api/v1/claims/", None, ALL_200),
    ("GET", "/api/v1/organisations/", None, ALL_200),
    ("GET", "/api/v1/organisations/acme/", None, ALL_200),
    ("POST", "/api/v1/organisations/", {"slug": "newco", "name": "NewCo", "kind": "vendor"}, CREATE),
    ("PATCH", "/api/v1/organisations/acme/", {"name": "Acme Corp"}, PUBLISHERS_EDIT),
    ("GET", "/api/v1/sources/", None, ALL_200),
    ("GET", "/api/v1/sources/article/", None, ALL_200),
    ("POST", "/api/v1/sources/", {"key": "new-article", "title": "New", "kind": "article"}, CREATE),
    ("PATCH", "/api/v1/sources/article/", {"title": "Retitled"}, PUBLISHERS_EDIT),
    ("GET", "/api/v1/data-classes/", None, ALL_200),
    ("GET", "/api/v1/data-classes/email-addresses/", None, ALL_200),
    ("POST", "/api/v1/data-classes/", {"slug": "x", "name": "X"}, NOT_ALLOWED),
    ("GET", "/api/v1/bundles/public/", None, ALL_200),
    ("POST", "/api/v1/bundles/", DRAFT_BUNDLE, (401, 200, 200, 200)),
    ("POST", "/api/v1/bundles/", PUBLISHED_BUNDLE, (401, 403, 200, 200)),
    ("GET", "/api/v1/aggregates/", None, ALL_200),
    ("GET", "/api/v1/aggregates/responses/", None, ALL_200),
    ("GET", "/api/schema/", None, ALL_200),
    ("GET", "/api/docs/", None, ALL_200),
]


@pytest.fixture
def world():
    vendor = OrganizationFactory(slug="acme", kind="vendor")
    finder = OrganizationFactory(slug="finder", kind="researcher")
    incident = IncidentFactory(slug="pub", vendor=vendor)
    source = SourceFactory(key="article")
    event = EventFactory(incident=incident, key="found", actor=finder)
    EventCitationFactory(event=event, source=source)
    claim = ClaimFactory(incident=incident, key="leak", claimant=finder)
    ClaimCitationFactory(claim=claim, source=source)
    IncidentFactory(slug="draft", status="draft", vendor=vendor)
    return {"response": ResponseFactory(claim=claim).pk}


def client_for(role, request):
    if role == "anonymous":
        return APIClient()
    return token_client(request.getfixturevalue("admin_user" if role == "admin" else role))


def request_in_savepoint(client, method, url, body):
    """Make one request and undo whatever it wrote, so every row starts from the same world."""
    with transaction.atomic():
        response = client.generic(
            method, url, data=None if body is None else json.dumps(body), content_type="application/json"
        )
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_permission_matrix(request, world, role_index, role):
    client = client_for(role, request)
    expected, actual, shapes = {}, {}, []
    for method, url, body, codes in MATRIX:
        row = f"{method} {url} {json.dumps(body)[:60] if body else ''}"
        response = request_in_savepoint(client, method, url.format(**world), body)
        expected[row], actual[row] = codes[role_index], response.status_code
        if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
            shapes.append(set(response.json()) == {"errors"})
    assert actual == expected
    assert all(shapes)


def test_anonymous_write_is_asked_to_authenticate_with_a_token(world):
    response = APIClient().post("/api/v1/incidents/", {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "method,url,body", [(m, u, b) for m, u, b, e in MATRIX if m in ("POST", "PATCH") and e[1] in (200, 201)]
)
def test_signed_in_non_staff_user_may_read_but_not_write(world, django_user_model, method, url, body):
    user = django_user_model.objects.create_user(username="reader", password="pw-reader")
    user.groups.add(Group.objects.get(name="admin"))  # even with an admin's permissions: not staff, no writes
    client = token_client(user)
    assert client.get("/api/v1/incidents/draft/").status_code == 404
    response = client.generic(method, url.format(**world), json.dumps(body), "application/json")
    assert response.status_code == 403


def test_session_writes_need_the_csrf_token(world, editor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.patch("/api/v1/incidents/draft/", {"title": "Renamed"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["errors"][0]["message"]
