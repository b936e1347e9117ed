"""Backup and restore through the bundle, and imports that cannot destroy (issue 9, "Trust first").

A full export is a backup of the content: imported into an empty database (the
migrations' reference data and nothing else) it gives back the same export, byte
for byte. A public bundle imported anywhere creates, changes and deletes nothing
that is private.
"""

import datetime
import importlib
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from rest_framework.test import APIClient

from claims.models import Claim, ClaimCitation, Response, ResponseCitation
from disclosure import roles, services
from disclosure.models import (
    Correction,
    CorrectionCitation,
    DataClass,
    Event,
    EventCitation,
    ExposedData,
    Incident,
    Organization,
    Participant,
    Source,
)
from interchange.bundle import dumps, export_bundle, import_bundle, load_document, schema
from metrics.models import Metric, Norm
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

VOCABULARY = importlib.import_module("disclosure.migrations.0002_vocabulary_and_roles").DATA_CLASSES
NORMS = importlib.import_module("disclosure.migrations.0004_norms").NORMS


# --- helpers ------------------------------------------------------------------


def cited_event(**kwargs):
    event = EventFactory(**kwargs)
    EventCitationFactory(event=event, source=SourceFactory(), locator="paragraph 1")
    return event


def cited_claim(**kwargs):
    claim = ClaimFactory(**kwargs)
    ClaimCitationFactory(claim=claim, source=SourceFactory(), quote="the claim, verbatim")
    return claim


def cited_response(**kwargs):
    response = ResponseFactory(**kwargs)
    ResponseCitationFactory(response=response, source=SourceFactory())
    return response


def add_private_material(wyze):
    """A published incident with everything a public bundle leaves out."""
    Incident.objects.filter(pk=wyze.pk).update(private_notes="WYZE-PRIVATE-NOTE")
    Event.objects.filter(pk=wyze.events.order_by("position")[0].pk).update(private_notes="EVENT-PRIVATE-NOTE")
    cited_event(incident=wyze, key="draft-x", status="draft", private_notes="DRAFT-EVENT-NOTE", position=3)
    draft_claim = cited_claim(incident=wyze, key="draft-claim", status="draft", private_notes="DRAFT-CLAIM-NOTE")
    cited_response(claim=draft_claim, stance="no_comment", statement="Not yet.", position=0)
    # A draft response between two published ones of a published claim: a public bundle skips it.
    # a published claim of the case, whatever ties in position the database breaks its own way
    claim = wyze.claims.filter(status="published").exclude(key="draft-claim").order_by("position", "pk")[0]
    Claim.objects.filter(pk=claim.pk).update(private_notes="CLAIM-PRIVATE-NOTE")
    cited_response(claim=claim, stance="disputed", statement="DRAFT-RESPONSE", status="draft", position=50)
    cited_response(claim=claim, stance="confirmed", statement="Later, yes.", position=60)


def build_newsroom(wyze, admin_user):
    """Drafts, a story in review, published and retracted ones, and edited reference data."""
    add_private_material(wyze)
    biometrics = services.record_save(
        instance=DataClass(),
        fields={"slug": "biometric-templates", "name": "Biometric templates", "description": "Face and voice."},
        by=admin_user,
    ).instance
    # An estimate with no count yet is content too.
    ExposedDataFactory(incident=wyze, data_class=biometrics, affected_count=None, affected_count_approximate=True)
    correction = services.correction_add(incident=wyze, date=datetime.date(2020, 1, 5), text="The count was 2.4M.")
    services.citation_add(record=correction, source=Source.objects.order_by("key")[0], locator="update 2")
    norm = Norm.objects.get(slug="cert-cc")
    services.record_save(
        instance=norm, fields={"window_text": "45 days, as edited", "notes": "Edited by the desk."}, by=admin_user
    )

    draft = IncidentFactory(slug="draft-story", status="draft", private_notes="DRAFT-STORY-NOTE")
    ParticipantFactory(incident=draft)
    ExposedDataFactory(incident=draft, data_class=biometrics, affected_count=12, affected_count_approximate=False)
    cited_event(incident=draft, key="found", private_notes="")
    cited_event(
        incident=draft,
        key="told",
        kind="vendor_notified",
        status="draft",
        approximate=True,
        margin="PT30M",
        timezone="UTC",
    )
    claim = cited_claim(incident=draft, key="leak", status="draft")
    cited_response(claim=claim, position=0)

    in_review = IncidentFactory(
        slug="in-review",
        status="review",
        embargo_until=datetime.datetime(2031, 1, 1, 12, 30, tzinfo=datetime.UTC),
        affected_count=None,
        exposed_system="",
    )
    # Revision 2: the newsroom stopped following the story (followed_until, with a margin).
    services.record_save(
        instance=in_review,
        fields={
            "followed_until_at": "2020-04-30",
            "followed_until_precision": "day",
            "followed_until_approximate": True,
            "followed_until_margin": "P2W",
            "followed_until_timezone": "Europe/Berlin",
        },
        by=admin_user,
    )
    retracted = IncidentFactory(slug="withdrawn", status="retracted", retraction_notice="The source recanted.")
    cited_event(incident=retracted, key="published-story")
    original = SourceFactory(key="never-cited", outlet=None, at="", precision="", author="Nobody")
    # Revision 2: a source based on another, listed before it (sources are exported by key).
    SourceFactory(key="a-syndicated-copy", based_on=original, language="it", approximate=True, margin="P1D")
    OrganizationFactory(slug="lonely-org", kind="regulator", country="DE", url="https://lonely.example")


def empty_the_database():
    """What `migrate` leaves in a new database: no content, the migrations' vocabulary and norms.

    There is no second database in the suite, so the content rows are deleted
    (history tables may stay) and the reference data is put back as the
    migrations wrote it.
    """
    Incident.objects.all().delete()
    Source.objects.update(based_on=None)  # a source based on another protects it
    Source.objects.all().delete()
    Organization.objects.all().delete()
    DataClass.objects.exclude(slug__in=[slug for slug, _ in VOCABULARY]).delete()
    for slug, name in VOCABULARY:
        DataClass.objects.update_or_create(slug=slug, defaults={"name": name, "description": ""})
    Norm.objects.exclude(slug__in=[n["slug"] for n in NORMS]).delete()
    for position, norm in enumerate(NORMS):
        Norm.objects.update_or_create(slug=norm["slug"], defaults={"notes": "", **norm, "position": position})


CONTENT_MODELS = (
    DataClass,
    Norm,
    Organization,
    Source,
    Incident,
    Participant,
    ExposedData,
    Event,
    EventCitation,
    Claim,
    ClaimCitation,
    Response,
    ResponseCitation,
    Correction,
    CorrectionCitation,
)


def natural_key(record):
    """A record named by what it says, not by its id (ids differ after a restore)."""
    if record is None:
        return None
    return tuple(
        natural_key(getattr(record, f.name)) if f.is_relation else getattr(record, f.attname)
        for f in type(record)._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in roles.BOOKKEEPING_FIELDS and f.name != "position"
    )


def content():
    """Every content field of every record, ids, stamps and list positions aside (exports check the order)."""
    return {model.__name__: sorted(map(natural_key, model.objects.all()), key=repr) for model in CONTENT_MODELS}


def api_client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def newsroom(wyze, admin_user):
    build_newsroom(wyze, admin_user)
    return wyze


# --- backup and restore ---------------------------------------------------------


@pytest.mark.parametrize("restorer", ["system", "admin"])
def test_a_full_export_restores_into_an_empty_database_byte_for_byte(newsroom, admin_user, restorer):
    backup, stored = dumps(export_bundle()), content()
    for text in (
        "DRAFT-EVENT-NOTE",
        "DRAFT-RESPONSE",
        "biometric-templates",
        "45 days, as edited",
        "withdrawn",
        '"margin": "PT30M"',
        '"followed_until": {',
        '"based_on": "never-cited"',
    ):
        assert text in backup, text
    empty_the_database()
    assert not Incident.objects.exists() and not DataClass.objects.filter(slug="biometric-templates").exists()

    result = import_bundle(load_document(backup), by=admin_user if restorer == "admin" else None)

    assert dumps(export_bundle()) == backup
    assert content() == stored
    assert (result.deleted, result.mode) == (0, "merge")
    assert Norm.objects.get(slug="cert-cc").notes == "Edited by the desk."
    again = import_bundle(load_document(backup))
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


def test_the_export_command_output_imports_with_the_import_command_on_the_restored_database(newsroom, tmp_path):
    backup = io.StringIO()
    call_command("export_bundle", stdout=backup)
    path = tmp_path / "content.json"
    path.write_text(backup.getvalue(), encoding="utf-8")
    empty_the_database()

    out = io.StringIO()
    call_command("import_bundle", str(path), stdout=out)
    assert "0 deleted" in out.getvalue()
    restored = io.StringIO()
    call_command("export_bundle", stdout=restored)
    assert restored.getvalue() == backup.getvalue()

    out = io.StringIO()
    call_command("import_bundle", str(path), stdout=out)
    assert "0 record(s) created, 0 updated" in out.getvalue()


def test_a_full_export_carries_the_reference_data_and_a_public_one_does_not(newsroom):
    full = export_bundle()
    assert "biometric-templates" in {d["slug"] for d in full["data_classes"]}
    assert {n["slug"]: n["window_text"] for n in full["norms"]}["cert-cc"] == "45 days, as edited"
    public = export_bundle(public=True)
    assert "data_classes" not in public and "norms" not in public
    one = export_bundle(slugs=["draft-story"])
    assert [d["slug"] for d in one["data_classes"]] == ["biometric-templates"] and "norms" not in one


def test_the_schema_limits_of_data_classes_and_norms_match_the_models():
    defs = schema()["$defs"]
    for name, model in (("data_class", DataClass), ("norm", Norm)):
        for field, spec in defs[name]["properties"].items():
            max_length = model._meta.get_field(field).max_length
            if "maxLength" in spec or (max_length and field != "metric"):
                assert spec.get("maxLength") == max_length, (name, field)
    assert set(defs["norm"]["properties"]["metric"]["enum"]) == {"", *Metric.values}


def test_a_bundle_may_declare_a_data_class_and_use_it(wyze_document):
    wyze_document["data_classes"] = [{"slug": "voice-prints", "name": "Voice prints"}]
    wyze_document["incidents"][0]["data_exposed"].append({"data_class": "voice-prints"})
    import_bundle(wyze_document)
    assert Incident.objects.get().data_exposed.filter(data_class__slug="voice-prints").exists()


def test_only_an_admin_may_change_the_reference_data_through_a_bundle(wyze, editor):
    document = export_bundle()
    document["norms"][0]["notes"] = "Changed by an editor."
    with pytest.raises(PermissionDenied, match=r"^norms\[0\]: "):
        import_bundle(document, by=editor)
    assert Norm.objects.get(slug=document["norms"][0]["slug"]).notes != "Changed by an editor."


# --- the reproductions ----------------------------------------------------


def test_a_contributor_cannot_unpublish_or_empty_a_published_incident_through_the_api(wyze, contributor):
    events, claims = wyze.events.count(), wyze.claims.count()
    document = export_bundle(slugs=["wyze-2019"], public=True)
    document["incidents"][0].update(status="draft", events=[], claims=[])

    response = api_client(contributor).post("/api/v1/bundles/", document, format="json")

    assert response.status_code == 403
    assert response.json()["errors"][0]["message"].startswith("incidents[0]: ")
    wyze.refresh_from_db()
    assert wyze.status == "published" and Incident.objects.public().filter(pk=wyze.pk).exists()
    assert (wyze.events.count(), wyze.claims.count()) == (events, claims)


def test_a_contributors_bundle_that_leaves_out_events_and_claims_deletes_nothing(wyze, contributor):
    events, claims = wyze.events.count(), wyze.claims.count()
    document = export_bundle(slugs=["wyze-2019"], public=True)
    document["incidents"][0].update(events=[], claims=[])

    response = api_client(contributor).post("/api/v1/bundles/", document, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "mode": "merge",
        "incidents": 1,
        "created": 0,
        "updated": 0,
        "unchanged": response.json()["unchanged"],
        "deleted": 0,
        "deletions": [],
    }
    assert (wyze.events.count(), wyze.claims.count()) == (events, claims)


def test_a_contributor_or_an_editor_may_not_replace(wyze, contributor, editor):
    document = export_bundle(slugs=["wyze-2019"])
    document["mode"] = "replace"
    for user in (contributor, editor):
        response = api_client(user).post("/api/v1/bundles/", document, format="json")
        assert response.status_code == 403, user


def test_a_refused_record_is_named_by_its_path_and_nothing_is_written(wyze, contributor):
    document = export_bundle(slugs=["wyze-2019"], public=True)
    events = document["incidents"][0]["events"]
    events.append({**events[0], "key": "new-public-event"})
    document["incidents"][0]["private_notes"] = "written before the refusal"

    response = api_client(contributor).post("/api/v1/bundles/", document, format="json")

    assert response.status_code == 403
    assert response.json()["errors"][0]["message"].startswith(f"incidents[0].events[{len(events) - 1}]: ")
    assert not Event.objects.filter(key="new-public-event").exists()
    assert Incident.objects.get().private_notes != "written before the refusal"


@pytest.mark.parametrize("importer", ["editor", "system"])
def test_importing_an_incidents_public_bundle_deletes_and_blanks_nothing(wyze, editor, client, importer):
    add_private_material(wyze)
    before = dumps(export_bundle())
    stamp = Incident.objects.get().updated_at
    public = json.loads(client.get("/incidents/wyze-2019/bundle.json").content)
    assert "DRAFT-RESPONSE" not in json.dumps(public)

    result = import_bundle(public, by=editor if importer == "editor" else None)

    assert (result.created, result.updated, result.deleted, result.deletions) == (0, 0, 0, ())
    assert result.unchanged > 0
    assert dumps(export_bundle()) == before
    assert Incident.objects.get().updated_at == stamp
    assert Incident.objects.get().private_notes == "WYZE-PRIVATE-NOTE"
    assert Event.objects.get(key="draft-x").private_notes == "DRAFT-EVENT-NOTE"
    assert Claim.objects.get(key="draft-claim").responses.count() == 1
    assert Response.objects.get(statement="DRAFT-RESPONSE").status == "draft"


def test_a_full_export_after_api_citations_and_reference_edits_imports_cleanly(wyze, editor, admin_user, tmp_path):
    event = wyze.events.filter(status="published").order_by("position")[0]
    source = Source.objects.order_by("key")[0]
    url = f"/api/v1/incidents/wyze-2019/events/{event.key}/citations/"
    for quote in ("cited through the API", "cited through the API"):
        response = api_client(editor).post(url, {"source": source.key, "quote": quote}, format="json")
        assert response.status_code == 201, response.json()
    services.record_save(
        instance=DataClass.objects.get(slug="auth-tokens"), fields={"description": "Alexa tokens"}, by=admin_user
    )
    services.record_save(instance=Norm.objects.get(slug="zdi"), fields={"window_text": "120 days"}, by=admin_user)
    backup = dumps(export_bundle())

    same = import_bundle(load_document(backup), by=editor)
    assert (same.created, same.updated, same.deleted) == (0, 0, 0)
    empty_the_database()
    import_bundle(load_document(backup))
    assert dumps(export_bundle()) == backup
    assert Event.objects.get(key=event.key).citations.filter(quote="cited through the API").count() == 2
