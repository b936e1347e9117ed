"""The role table of docs/roles.md, walked through every entry point for every role.

Each row of the table is an action with what each role may do, and how to try it
through the API, the admin (its forms and inlines) and a bundle import. Every
attempt runs in a savepoint that is rolled back, on the same world; the test
looks at what the attempt *did* to the database, not only at the answer, so a
write that slips through a 200, a 302 or a silently ignored field fails it.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import AdminForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Response
from disclosure.models import (
    Correction,
    DataClass,
    Event,
    ExposedData,
    Incident,
    Organization,
    Participant,
)
from interchange.bundle import BundleError, dumps, export_bundle, import_bundle
from tests.api.conftest import token_client
from tests.factories import (
    ClaimCitationFactory,
    ClaimFactory,
    EventCitationFactory,
    EventFactory,
    ExposedDataFactory,
    IncidentFactory,
    OrganizationFactory,
    ParticipantFactory,
    ResponseCitationFactory,
    ResponseFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("contributor", "editor", "admin")
ENTRY_POINTS = ("api", "admin", "bundle")
TIME = {"at": "2020-03-05", "precision": "day"}
LATER = timezone.now() + timedelta(days=30)


@pytest.fixture
def world():
    acme = OrganizationFactory(slug="acme", name="Acme", kind="vendor")
    finder = OrganizationFactory(slug="finder", name="Finder", kind="researcher")
    newco = OrganizationFactory(slug="newco", name="NewCo", kind="vendor")
    article = SourceFactory(key="article", outlet=finder)
    SourceFactory(key="draft-article", outlet=newco)
    pub = IncidentFactory(slug="pub", vendor=acme, private_notes="pub notes")
    ParticipantFactory(incident=pub, organization=finder, role="discoverer")
    ExposedDataFactory(incident=pub)
    found = EventFactory(incident=pub, key="found", actor=finder, at="2020-03-02", precision="day")
    EventCitationFactory(event=found, source=article)
    draft_event = EventFactory(incident=pub, key="draft-ev", status="draft", at="2020-03-03", precision="day")
    EventCitationFactory(event=draft_event, source=article)
    leak = ClaimFactory(incident=pub, key="leak", claimant=finder)
    ClaimCitationFactory(claim=leak, source=article)
    response = ResponseFactory(claim=leak, responder=acme, stance="denied")
    ResponseCitationFactory(response=response, source=article)
    ClaimFactory(incident=pub, key="draft-claim", claimant=finder, status="draft")
    IncidentFactory(slug="draft", status="draft", vendor=newco)
    IncidentFactory(slug="emb", vendor=acme, embargo_until=LATER)
    return {"response": response.pk}


# --- how to try an action through each entry point ------------------------------------------


class Refused(Exception):
    """The entry point said no (403, PermissionDenied)."""


def check_http(response):
    assert response.status_code < 500, response.content[:400]
    if response.status_code in (401, 403):
        raise Refused(response.status_code)
    return response


def api(user, method, url, body=None):
    response = token_client(user).generic(
        method, url, data="" if body is None else json.dumps(body), content_type="application/json"
    )
    check_http(response)
    assert response.status_code < 300, (method, url, response.content[:400])


def _form_values(form, data):
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, MultiWidget):
            for i, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = value
    return data


def admin_form(user, url, changes=None, inline_rows=None):
    """Post an admin add or change form as a browser would: its current values, with `changes`.

    `inline_rows` adds one row to an inline formset: {prefix: {field: value}}.
    """
    client = Client()
    client.force_login(user)
    page = check_http(client.get(url))
    data = {}
    adminform = page.context["adminform"]
    assert isinstance(adminform, AdminForm)
    _form_values(adminform.form, data)
    blank_rows = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_values(formset.management_form, data)
        for form in formset.forms:
            _form_values(form, data)
        blank_rows[formset.prefix] = _form_values(formset.empty_form, {})
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    for prefix, row in (inline_rows or {}).items():
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
        # A browser posts the new row's defaults (its position, say) along with what was typed.
        for name, value in blank_rows.get(prefix, {}).items():
            data[name.replace("__prefix__", str(total))] = value
        for name, value in row.items():
            data[f"{prefix}-{total}-{name}"] = value
        data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    response = check_http(client.post(url, data))
    if response.status_code == 200 and response.context and "adminform" in response.context:
        # The form was not accepted: a field refused to the role, or an error; nothing was saved.
        errors = [response.context["adminform"].form.errors]
        errors += [(i.formset.prefix, i.formset.errors) for i in response.context["inline_admin_formsets"]]
        raise Refused(str(errors))
    return response


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def admin_change(user, obj, changes=None, inline_rows=None):
    return admin_form(user, change_url(obj), changes, inline_rows)


def admin_delete(user, obj):
    client = Client()
    client.force_login(user)
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])
    return check_http(client.post(url, {"post": "yes"}))


def bundle(user, edit, slug="pub", mode="merge"):
    """Export the incident `slug` in full, let `edit` change the document, import it back as `user`."""
    document = json.loads(dumps(export_bundle(slugs=[slug])))
    edit(document, document["incidents"][0])
    try:
        import_bundle(document, by=user, mode=mode)
    except PermissionDenied as exc:
        raise Refused(str(exc)) from exc
    except BundleError as exc:
        raise AssertionError(f"the test's bundle is invalid: {exc}") from exc


def event(key):
    return Event.objects.get(incident__slug="pub", key=key)


def by_key(items, key):
    return next(i for i in items if i["key"] == key)


# --- the table ------------------------------------------------------------------------------------


@dataclass
class Row:
    action: str
    allowed: tuple  # contributor, editor, admin
    effect: object  # () -> bool: the action took place
    via: dict = field(default_factory=dict)  # entry point -> (user, world) -> None


def incident(slug):
    return Incident.objects.get(slug=slug)


Y, N = True, False
EDITORS = (N, Y, Y)
EVERYONE = (Y, Y, Y)
ADMINS = (N, N, Y)

ROWS = [
    Row(
        "create a draft incident",
        EVERYONE,
        lambda: Incident.objects.filter(slug="fresh").exists(),
        {
            "api": lambda u, w: api(u, "POST", "/api/v1/incidents/", {"slug": "fresh", "title": "F", "vendor": "acme"}),
            "admin": lambda u, w: admin_form(
                u,
                add_url(Incident),
                {"slug": "fresh", "title": "F", "vendor": str(Organization.objects.get(slug="acme").pk)},
            ),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: i.update(slug="fresh", events=[], claims=[], corrections=[]), slug="draft"
            ),
        },
    ),
    Row(
        "edit a draft incident",
        EVERYONE,
        lambda: incident("draft").title == "Renamed",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/draft/", {"title": "Renamed"}),
            "admin": lambda u, w: admin_change(u, incident("draft"), {"title": "Renamed"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(title="Renamed"), slug="draft"),
        },
    ),
    Row(
        "move a draft to review",
        EVERYONE,
        lambda: incident("draft").status == "review",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/draft/", {"status": "review"}),
            "admin": lambda u, w: admin_change(u, incident("draft"), {"status": "review"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(status="review"), slug="draft"),
        },
    ),
    Row(
        "publish an incident",
        EDITORS,
        lambda: incident("draft").status == "published",
        {
            "api": lambda u, w: api(u, "POST", "/api/v1/incidents/draft/publish/"),
            "admin": lambda u, w: admin_change(u, incident("draft"), {"status": "published"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(status="published"), slug="draft"),
        },
    ),
    Row(
        "unpublish an incident",
        EDITORS,
        lambda: incident("pub").status == "draft",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/pub/", {"status": "draft"}),
            "admin": lambda u, w: admin_change(u, incident("pub"), {"status": "draft"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(status="draft")),
        },
    ),
    Row(
        "edit a published incident's title",
        EDITORS,
        lambda: incident("pub").title == "Renamed",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/pub/", {"title": "Renamed"}),
            "admin": lambda u, w: admin_change(u, incident("pub"), {"title": "Renamed"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(title="Renamed")),
        },
    ),
    Row(
        "edit a published incident's private notes",
        EVERYONE,
        lambda: incident("pub").private_notes == "new notes",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/pub/", {"private_notes": "new notes"}),
            "admin": lambda u, w: admin_change(u, incident("pub"), {"private_notes": "new notes"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(private_notes="new notes")),
        },
    ),
    Row(
        "set an embargo",
        EDITORS,
        lambda: incident("pub").embargo_until is not None,
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/pub/", {"embargo_until": LATER.isoformat()}),
            "admin": lambda u, w: admin_change(
                u, incident("pub"), {"embargo_until_0": LATER.date().isoformat(), "embargo_until_1": "12:00:00"}
            ),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(embargo_until=LATER.isoformat())),
        },
    ),
    Row(
        "lift an embargo",
        EDITORS,
        lambda: incident("emb").embargo_until is None,
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/emb/", {"embargo_until": None}),
            "admin": lambda u, w: admin_change(u, incident("emb"), {"embargo_until_0": "", "embargo_until_1": ""}),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(embargo_until=None), slug="emb"),
        },
    ),
    Row(
        "retract an incident",
        ADMINS,
        lambda: incident("pub").status == "retracted",
        {
            "api": lambda u, w: api(u, "POST", "/api/v1/incidents/pub/retract/", {"notice": "It was wrong."}),
            "admin": lambda u, w: admin_change(
                u, incident("pub"), {"status": "retracted", "retraction_notice": "It was wrong."}
            ),
            "bundle": lambda u, w: bundle(u, lambda d, i: i.update(status="retracted", retraction_notice="Wrong.")),
        },
    ),
    Row(
        "delete an incident",
        ADMINS,
        lambda: not Incident.objects.filter(slug="draft").exists(),
        {"admin": lambda u, w: admin_delete(u, incident("draft"))},
    ),
    Row(
        "add a draft event to a published incident",
        EVERYONE,
        lambda: Event.objects.filter(incident__slug="pub", key="new").exists(),
        {
            "api": lambda u, w: api(
                u, "POST", "/api/v1/incidents/pub/events/", {"key": "new", "kind": "other", "time": TIME}
            ),
            "admin": lambda u, w: admin_form(
                u,
                add_url(Event),
                {
                    "incident": str(incident("pub").pk),
                    "key": "new",
                    "kind": "other",
                    "at": "2020-03-05",
                    "precision": "day",
                },
            ),
            "bundle": lambda u, w: bundle(
                u,
                lambda d, i: i["events"].append(
                    {"key": "new", "kind": "other", "time": TIME, "status": "draft", "citations": []}
                ),
            ),
        },
    ),
    Row(
        "edit a draft event of a published incident",
        EVERYONE,
        lambda: event("draft-ev").description == "Edited.",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/pub/events/draft-ev/", {"description": "Edited."}),
            "admin": lambda u, w: admin_change(u, event("draft-ev"), {"description": "Edited."}),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: by_key(i["events"], "draft-ev").update(description="Edited.")
            ),
        },
    ),
    Row(
        "create a published event",
        EDITORS,
        lambda: Event.objects.filter(incident__slug="pub", key="new", status="published").exists(),
        {
            "api": lambda u, w: api(
                u,
                "POST",
                "/api/v1/incidents/pub/events/",
                {
                    "key": "new",
                    "kind": "other",
                    "time": TIME,
                    "status": "published",
                    "citations": [{"source": "article"}],
                },
            ),
            "admin": lambda u, w: admin_form(
                u,
                add_url(Event),
                {
                    "incident": str(incident("pub").pk),
                    "key": "new",
                    "kind": "other",
                    "at": "2020-03-05",
                    "precision": "day",
                    "status": "published",
                },
                {"citations": {"source": str(SourceLookup.pk("article"))}},
            ),
            "bundle": lambda u, w: bundle(
                u,
                lambda d, i: i["events"].append(
                    {
                        "key": "new",
                        "kind": "other",
                        "time": TIME,
                        "status": "published",
                        "citations": [{"source": "article"}],
                    }
                ),
            ),
        },
    ),
    Row(
        "publish an event",
        EDITORS,
        lambda: event("draft-ev").status == "published",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/pub/events/draft-ev/", {"status": "published"}),
            "admin": lambda u, w: admin_change(u, event("draft-ev"), {"status": "published"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: by_key(i["events"], "draft-ev").update(status="published")),
        },
    ),
    Row(
        "edit a published event's time",
        EDITORS,
        lambda: event("found").at == "2020-03-01",
        {
            "api": lambda u, w: api(
                u, "PATCH", "/api/v1/incidents/pub/events/found/", {"time": {"at": "2020-03-01", "precision": "day"}}
            ),
            "admin": lambda u, w: admin_change(u, event("found"), {"at": "2020-03-01"}),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: by_key(i["events"], "found").update(time={"at": "2020-03-01", "precision": "day"})
            ),
        },
    ),
    Row(
        "edit a published claim",
        EDITORS,
        lambda: Claim.objects.get(key="leak").statement == "Edited.",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/incidents/pub/claims/leak/", {"statement": "Edited."}),
            "admin": lambda u, w: admin_change(u, Claim.objects.get(key="leak"), {"statement": "Edited."}),
            "bundle": lambda u, w: bundle(u, lambda d, i: by_key(i["claims"], "leak").update(statement="Edited.")),
        },
    ),
    Row(
        "change a published response's stance",
        EDITORS,
        lambda: Response.objects.get(claim__key="leak").stance == "confirmed",
        {
            "api": lambda u, w: api(
                u, "PATCH", f"/api/v1/incidents/pub/claims/leak/responses/{w['response']}/", {"stance": "confirmed"}
            ),
            "admin": lambda u, w: admin_change(u, Response.objects.get(pk=w["response"]), {"stance": "confirmed"}),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: by_key(i["claims"], "leak")["responses"][0].update(stance="confirmed")
            ),
        },
    ),
    Row(
        "add a participant to a published incident",
        EDITORS,
        lambda: Participant.objects.filter(incident__slug="pub", organization__slug="newco").exists(),
        {
            "api": lambda u, w: api(
                u, "PATCH", "/api/v1/incidents/pub/", {"participants": [{"organization": "newco", "role": "verifier"}]}
            ),
            "admin": lambda u, w: admin_change(
                u,
                incident("pub"),
                inline_rows={
                    "participants": {"organization": str(Organization.objects.get(slug="newco").pk), "role": "verifier"}
                },
            ),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: i["participants"].append({"organization": "newco", "role": "verifier"})
            ),
        },
    ),
    Row(
        "add exposed data to a published incident",
        EDITORS,
        lambda: ExposedData.objects.filter(incident__slug="pub", data_class__slug="passwords").exists(),
        {
            "api": lambda u, w: api(
                u, "PATCH", "/api/v1/incidents/pub/", {"data_exposed": [{"data_class": "passwords"}]}
            ),
            "admin": lambda u, w: admin_change(
                u,
                incident("pub"),
                inline_rows={"data_exposed": {"data_class": str(DataClass.objects.get(slug="passwords").pk)}},
            ),
            "bundle": lambda u, w: bundle(u, lambda d, i: i["data_exposed"].append({"data_class": "passwords"})),
        },
    ),
    Row(
        "cite a source on a published event",
        EDITORS,
        lambda: event("found").citations.filter(source__key="draft-article").exists(),
        {
            "api": lambda u, w: api(
                u, "POST", "/api/v1/incidents/pub/events/found/citations/", {"source": "draft-article"}
            ),
            "admin": lambda u, w: admin_change(
                u, event("found"), inline_rows={"citations": {"source": str(SourceLookup.pk("draft-article"))}}
            ),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: by_key(i["events"], "found")["citations"].append({"source": "draft-article"})
            ),
        },
    ),
    Row(
        "delete a draft event",
        EVERYONE,
        lambda: not Event.objects.filter(key="draft-ev").exists(),
        {"admin": lambda u, w: admin_delete(u, event("draft-ev"))},
    ),
    Row(
        "delete a published event",
        ADMINS,
        lambda: not Event.objects.filter(key="found").exists(),
        {"admin": lambda u, w: admin_delete(u, event("found"))},
    ),
    Row(
        "log a correction on a published incident",
        EDITORS,
        lambda: Correction.objects.filter(incident__slug="pub").exists(),
        {
            "admin": lambda u, w: admin_change(
                u, incident("pub"), inline_rows={"corrections": {"date": "2020-04-01", "text": "We fixed a date."}}
            ),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: i.setdefault("corrections", []).append({"date": "2020-04-01", "text": "Fixed."})
            ),
        },
    ),
    Row(
        "create an organisation",
        EVERYONE,
        lambda: Organization.objects.filter(slug="brand-new").exists(),
        {
            "api": lambda u, w: api(
                u, "POST", "/api/v1/organisations/", {"slug": "brand-new", "name": "B", "kind": "vendor"}
            ),
            "admin": lambda u, w: admin_form(
                u, add_url(Organization), {"slug": "brand-new", "name": "B", "kind": "vendor"}
            ),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: d["organizations"].append({"slug": "brand-new", "name": "B", "kind": "vendor"})
            ),
        },
    ),
    Row(
        "edit an organisation only drafts mention",
        EVERYONE,
        lambda: Organization.objects.get(slug="newco").name == "Renamed",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/organisations/newco/", {"name": "Renamed"}),
            "admin": lambda u, w: admin_change(u, Organization.objects.get(slug="newco"), {"name": "Renamed"}),
            "bundle": lambda u, w: bundle(
                u, lambda d, i: by_slug(d["organizations"], "newco").update(name="Renamed"), slug="draft"
            ),
        },
    ),
    Row(
        "edit an organisation the public can see",
        EDITORS,
        lambda: Organization.objects.get(slug="acme").name == "Renamed",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/organisations/acme/", {"name": "Renamed"}),
            "admin": lambda u, w: admin_change(u, Organization.objects.get(slug="acme"), {"name": "Renamed"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: by_slug(d["organizations"], "acme").update(name="Renamed")),
        },
    ),
    Row(
        "edit a source the public can see",
        EDITORS,
        lambda: SourceLookup.get("article").title == "Retitled",
        {
            "api": lambda u, w: api(u, "PATCH", "/api/v1/sources/article/", {"title": "Retitled"}),
            "admin": lambda u, w: admin_change(u, SourceLookup.get("article"), {"title": "Retitled"}),
            "bundle": lambda u, w: bundle(u, lambda d, i: by_key(d["sources"], "article").update(title="Retitled")),
        },
    ),
    Row(
        "edit the data-class vocabulary",
        ADMINS,
        lambda: DataClass.objects.get(slug="passwords").name == "Secrets",
        {"admin": lambda u, w: admin_change(u, DataClass.objects.get(slug="passwords"), {"name": "Secrets"})},
    ),
    Row(
        "import a bundle in replace mode",
        ADMINS,
        lambda: not Event.objects.filter(key="draft-ev").exists(),
        {
            "bundle": lambda u, w: bundle(
                u, lambda d, i: i.update(events=[e for e in i["events"] if e["key"] != "draft-ev"]), mode="replace"
            )
        },
    ),
]


def by_slug(items, slug):
    return next(i for i in items if i["slug"] == slug)


class SourceLookup:
    @staticmethod
    def get(key):
        from disclosure.models import Source

        return Source.objects.get(key=key)

    @staticmethod
    def pk(key):
        return SourceLookup.get(key).pk


def attempt(row, entry, user, world):
    """Try the action in a savepoint; return (took effect, refused), and undo it."""
    with transaction.atomic():
        refused = False
        try:
            row.via[entry](user, world)
        except Refused:
            refused = True
        took_effect = row.effect()
        transaction.set_rollback(True)
    return took_effect, refused


def test_every_row_is_reachable_somewhere():
    assert all(row.via for row in ROWS)
    assert len({row.action for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("role", ROLES)
def test_the_role_table_holds(request, world, role, entry):
    user = request.getfixturevalue("admin_user" if role == "admin" else role)
    expected, actual = {}, {}
    for row in ROWS:
        if entry not in row.via:
            continue
        allowed = row.allowed[ROLES.index(role)]
        took_effect, refused = attempt(row, entry, user, world)
        expected[row.action] = "allowed" if allowed else "refused"
        if took_effect and not refused:
            actual[row.action] = "allowed"
        elif not took_effect:
            actual[row.action] = "refused"
        else:
            actual[row.action] = "refused, but the write happened"
    assert actual == expected


def test_the_table_in_the_docs_is_the_one_tested():
    """docs/roles.md lists the same verdicts for the actions this test walks."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "roles.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and set(cells[1:]) <= {"Y", "N"}:
            rows[cells[0]] = tuple(c == "Y" for c in cells[1:])
    documented = {
        "publish an incident": "publish an incident, or unpublish it (back to draft or review)",
        "retract an incident": "retract an incident (with its public notice), or undo a retraction",
        "delete an incident": "delete an incident",
        "set an embargo": "set, change or lift an embargo",
        "delete a published event": "delete a published event, claim or response",
        "edit the data-class vocabulary": "edit the data-class vocabulary or the norms",
        "import a bundle in replace mode": "import a bundle in replace mode (deletes what the bundle no longer has)",
        "log a correction on a published incident": "log a correction on an incident",
        "create an organisation": "create an organisation or a source",
    }
    by_action = {row.action: row.allowed for row in ROWS}
    for action, doc_row in documented.items():
        assert rows[doc_row] == by_action[action], action
