"""Bundle import and export (bundle-v1.md): validation, all-or-nothing, idempotence, round trip."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, Response
from disclosure.models import Event, Incident, Organization, Source
from interchange.bundle import BundleError, export_bundle, import_bundle

pytestmark = pytest.mark.django_db


def small_bundle():
    cite = [{"source": "news-1", "quote": "exact words", "locator": "paragraph 2"}]
    return {
        "format": "disclosure-bundle/1",
        "organizations": [
            {"slug": "acme", "name": "Acme", "kind": "vendor", "country": "US"},
            {"slug": "finders", "name": "Finders", "kind": "researcher"},
            {"slug": "news", "name": "News", "kind": "media"},
            {"slug": "secret-co", "name": "Secret Co", "kind": "researcher"},
        ],
        "sources": [
            {
                "key": "news-1",
                "title": "Acme leaks",
                "outlet": "news",
                "language": "en",
                "published": {"at": "2020-03-02", "precision": "day"},
                "kind": "article",
            },
            {"key": "secret-memo", "title": "Memo", "language": "de", "kind": "other"},
        ],
        "incidents": [
            {
                "slug": "acme-2020",
                "title": "Acme bucket",
                "summary": "An open bucket.",
                "vendor": "acme",
                "timezone": "America/New_York",
                "status": "published",
                "embargo_until": None,
                "affected_count": 120000,
                "affected_count_approximate": True,
                "exposed_system": "S3",
                "private_notes": "PRIVATE-NOTE",
                "participants": [{"organization": "finders", "role": "discoverer"}],
                "data_exposed": [
                    {"data_class": "email-addresses"},
                    {"data_class": "auth-tokens", "affected_count": 2400, "affected_count_approximate": False},
                ],
                "events": [
                    {
                        "key": "notice",
                        "kind": "vendor_notified",
                        "time": {"at": "2020-03-02T14:05", "precision": "minute"},
                        "actor": "finders",
                        "target": "acme",
                        "channel": "email",
                        "status": "published",
                        "private_notes": "",
                        "citations": cite,
                    },
                    {
                        "key": "secret",
                        "kind": "other",
                        "time": {"at": "2020-03-03", "precision": "day"},
                        "actor": "secret-co",
                        "status": "draft",
                        "private_notes": "PRIVATE-EVENT",
                        "citations": [{"source": "secret-memo"}],
                    },
                ],
                "claims": [
                    {
                        "key": "tokens",
                        "statement": "Tokens were exposed.",
                        "claimant": "finders",
                        "category": "data_exposure",
                        "asserted": {"at": "2020-03-02", "precision": "day"},
                        "status": "published",
                        "private_notes": "",
                        "citations": cite,
                        "responses": [
                            {
                                "responder": "acme",
                                "stance": "disputed",
                                "statement": "Maybe not.",
                                "time": {"at": "2020-03-03", "precision": "day"},
                                "citations": cite,
                            },
                            {
                                "responder": "acme",
                                "stance": "confirmed",
                                "statement": "Yes.",
                                "time": {"at": "2020-03-06", "precision": "day"},
                                "citations": cite,
                            },
                        ],
                    }
                ],
            }
        ],
    }


def test_import_writes_every_record():
    result = import_bundle(small_bundle())
    assert result.incidents == 1
    incident = Incident.objects.get(slug="acme-2020")
    assert incident.events.count() == 2
    assert [r.stance for r in Response.objects.order_by("position")] == ["disputed", "confirmed"]
    assert Claim.objects.with_vendor_stance(public=True).get().vendor_stance == "confirmed"
    notice = Event.objects.get(key="notice")
    assert notice.nominal.isoformat() == "2020-03-02T19:05:30+00:00"


def test_reimporting_the_same_bundle_changes_nothing():
    import_bundle(small_bundle())
    before = Incident.objects.get().updated_at
    result = import_bundle(small_bundle())
    assert (result.created, result.updated) == (0, 0)
    assert Incident.objects.get().updated_at == before


def test_a_merge_updates_in_place_and_keeps_what_the_bundle_no_longer_has():
    import_bundle(small_bundle())
    event_id = Event.objects.get(key="notice").pk
    changed = small_bundle()
    changed["incidents"][0]["events"] = changed["incidents"][0]["events"][:1]
    changed["incidents"][0]["events"][0]["channel"] = "support ticket"
    result = import_bundle(changed)
    assert list(Event.objects.order_by("position").values_list("pk", "key", "channel")) == [
        (event_id, "notice", "support ticket"),
        (Event.objects.get(key="secret").pk, "secret", ""),
    ]
    assert (result.created, result.updated, result.deleted, result.mode) == (0, 1, 0, "merge")


def test_replace_mode_updates_in_place_and_drops_what_the_bundle_no_longer_has():
    import_bundle(small_bundle())
    event_id = Event.objects.get(key="notice").pk
    changed = small_bundle()
    changed["incidents"][0]["events"] = changed["incidents"][0]["events"][:1]
    changed["incidents"][0]["events"][0]["channel"] = "support ticket"
    result = import_bundle(changed, mode="replace")
    assert list(Event.objects.values_list("pk", "channel")) == [(event_id, "support ticket")]
    assert result.deletions == ({"kind": "event", "incident": "acme-2020", "key": "secret"},)
    assert (result.updated, result.deleted) == (1, 1)


def test_export_import_export_gives_the_same_document(django_db_blocker):
    import_bundle(small_bundle())
    first = export_bundle()
    for model in (Incident, Source, Organization):
        model.objects.all().delete()
    import_bundle(first)
    assert export_bundle() == first


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda b: b["incidents"][0]["events"][1]["time"].update(at="2020-13-45"), "incidents[0].events[1].time.at"),
        (lambda b: b["incidents"][0]["events"][0].update(kind="leaked"), "incidents[0].events[0].kind"),
        (lambda b: b["incidents"][0].update(vendor="nobody"), "incidents[0].vendor"),
        (
            lambda b: b["incidents"][0]["claims"][0]["citations"][0].update(source="nope"),
            "incidents[0].claims[0].citations[0].source",
        ),
        (
            lambda b: b["incidents"][0]["data_exposed"][0].update(data_class="secrets"),
            "incidents[0].data_exposed[0].data_class",
        ),
        (lambda b: b["incidents"][0].update(timezone="Mars/Olympus"), "incidents[0].timezone"),
        (lambda b: b["incidents"][0]["events"][0].update(citations=[]), "incidents[0].events[0].citations"),
        (
            lambda b: b["incidents"][0]["events"][0]["time"].update(at="2020-03-02", precision="minute"),
            "incidents[0].events[0].time.at",
        ),
        (lambda b: b.update(format="disclosure-bundle/2"), "format"),
    ],
)
def test_a_malformed_bundle_is_refused_with_a_located_error_and_writes_nothing(mutate, path):
    bundle = small_bundle()
    mutate(bundle)
    with pytest.raises(BundleError) as excinfo:
        import_bundle(bundle)
    assert path in [p.path for p in excinfo.value.problems], excinfo.value.problems
    assert not Organization.objects.exists()
    assert not Incident.objects.exists()


def test_unknown_data_class_error_lists_the_known_classes():
    bundle = small_bundle()
    bundle["incidents"][0]["data_exposed"][0]["data_class"] = "secrets"
    with pytest.raises(BundleError) as excinfo:
        import_bundle(bundle)
    assert "email-addresses" in str(excinfo.value) and "video-recordings" in str(excinfo.value)


def test_an_error_late_in_the_bundle_rolls_back_earlier_writes():
    import_bundle(small_bundle())
    bundle = small_bundle()
    bundle["organizations"][0]["name"] = "Renamed"
    bundle["incidents"][0]["data_exposed"][0]["data_class"] = "secrets"
    with pytest.raises(BundleError):
        import_bundle(bundle)
    assert Organization.objects.get(slug="acme").name == "Acme"


def test_public_export_leaves_out_private_notes_drafts_and_what_only_they_mention():
    import_bundle(small_bundle())
    text = json.dumps(export_bundle(public=True))
    for secret in ("PRIVATE-NOTE", "PRIVATE-EVENT", "secret-co", "secret-memo", "private_notes"):
        assert secret not in text


def test_public_export_omits_draft_incidents_entirely():
    bundle = small_bundle()
    bundle["incidents"][0]["status"] = "draft"
    import_bundle(bundle)
    document = export_bundle(public=True)
    assert document["incidents"] == [] and document["organizations"] == [] and document["sources"] == []


def test_full_export_is_a_backup_with_private_material():
    import_bundle(small_bundle())
    text = json.dumps(export_bundle())
    assert "PRIVATE-NOTE" in text and "secret-memo" in text


def test_import_command_exits_non_zero_and_prints_the_path(tmp_path):
    bundle = small_bundle()
    bundle["incidents"][0]["events"][0]["time"]["at"] = "yesterday"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_bundle", str(path), stderr=err)
    assert "incidents[0].events[0].time.at" in err.getvalue()
    assert not Incident.objects.exists()


def test_import_command_reports_invalid_json_with_its_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": ')
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_bundle", str(path), stderr=err)
    assert "line 1 column" in err.getvalue()


def test_export_command_writes_json_and_refuses_unknown_slugs(tmp_path):
    import_bundle(small_bundle())
    out = io.StringIO()
    call_command("export_bundle", "acme-2020", "--public", stdout=out)
    assert json.loads(out.getvalue())["incidents"][0]["slug"] == "acme-2020"
    with pytest.raises(CommandError, match="no-such"):
        call_command("export_bundle", "no-such", stdout=io.StringIO())


def test_wyze_bundle_round_trips_exactly(wyze_document):
    import_bundle(copy.deepcopy(wyze_document))
    first = export_bundle()
    for model in (Incident, Source, Organization):
        model.objects.all().delete()
    import_bundle(first)
    assert export_bundle() == first
    assert import_bundle(first).created == 0


def test_wyze_command_round_trip(tmp_path):
    from tests.conftest import WYZE_BUNDLE

    call_command("import_bundle", WYZE_BUNDLE, stdout=io.StringIO())
    out = io.StringIO()
    call_command("export_bundle", stdout=out)
    path = tmp_path / "export.json"
    path.write_text(out.getvalue())
    for model in (Incident, Source, Organization):
        model.objects.all().delete()
    call_command("import_bundle", str(path), stdout=io.StringIO())
    again = io.StringIO()
    call_command("export_bundle", stdout=again)
    assert again.getvalue() == out.getvalue()


def test_nul_characters_are_refused_with_their_path():
    bundle = small_bundle()
    bundle["incidents"][0]["summary"] = "bad\x00text"
    with pytest.raises(BundleError) as excinfo:
        import_bundle(bundle)
    assert [p.path for p in excinfo.value.problems] == ["incidents[0].summary"]


def test_importing_as_a_contributor_cannot_publish(contributor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_bundle(small_bundle(), by=contributor)
    draft = small_bundle()
    draft["incidents"][0]["status"] = "draft"
    for event in draft["incidents"][0]["events"]:
        event["status"] = "draft"
    draft["incidents"][0]["claims"][0]["status"] = "draft"
    for response in draft["incidents"][0]["claims"][0]["responses"]:
        response["status"] = "draft"
    import_bundle(draft, by=contributor)
    assert Incident.objects.get().status == "draft"


# --- merge and replace ------------------------------------------------------------


def test_a_merge_leaves_out_nothing_the_bundle_omits():
    import_bundle(small_bundle())
    public = export_bundle(public=True)
    result = import_bundle(public)
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert result.unchanged > 0
    assert Incident.objects.get().private_notes == "PRIVATE-NOTE"
    assert Event.objects.get(key="secret").private_notes == "PRIVATE-EVENT"


def test_replace_mode_reports_every_deletion_by_kind_and_key(admin_user):
    import_bundle(small_bundle())
    changed = small_bundle()
    incident = changed["incidents"][0]
    incident["participants"] = []
    incident["data_exposed"] = incident["data_exposed"][:1]
    incident["events"] = incident["events"][:1]
    incident["claims"][0]["responses"] = incident["claims"][0]["responses"][:1]
    incident["events"][0]["citations"] = [{"source": "news-1", "quote": "other words"}]

    result = import_bundle(changed, by=admin_user, mode="replace")

    assert result.mode == "replace"
    assert sorted(result.deletions, key=lambda d: (d["kind"], d["key"])) == [
        {"kind": "citation", "incident": "acme-2020", "key": "notice/citations/news-1"},
        {"kind": "event", "incident": "acme-2020", "key": "secret"},
        {"kind": "exposed_data", "incident": "acme-2020", "key": "auth-tokens"},
        {"kind": "participant", "incident": "acme-2020", "key": "finders/discoverer"},
        {"kind": "response", "incident": "acme-2020", "key": "tokens/responses/1"},
    ]
    assert result.deleted == 5
    assert Incident.objects.get().private_notes == "PRIVATE-NOTE"


def test_replace_mode_blanks_what_the_bundle_omits():
    import_bundle(small_bundle())
    import_bundle(export_bundle(public=True), mode="replace")
    assert Incident.objects.get().private_notes == ""
    assert not Event.objects.filter(key="secret").exists()


def test_replace_mode_needs_an_admin(editor):
    from django.core.exceptions import PermissionDenied

    import_bundle(small_bundle())
    with pytest.raises(PermissionDenied):
        import_bundle(small_bundle(), by=editor, mode="replace")
    document = small_bundle()
    document["mode"] = "replace"
    with pytest.raises(PermissionDenied):
        import_bundle(document, by=editor)


def test_a_public_bundles_responses_are_matched_among_the_published_ones(editor):
    bundle = small_bundle()
    responses = bundle["incidents"][0]["claims"][0]["responses"]
    responses.insert(1, {**responses[0], "statement": "DRAFT", "status": "draft"})
    for response in responses:
        response.setdefault("status", "published")
    import_bundle(bundle)
    public = export_bundle(public=True)
    public["incidents"][0]["claims"][0]["responses"][1]["statement"] = "Yes, all of them."

    result = import_bundle(public, by=editor)

    assert (result.created, result.updated) == (0, 1)
    assert [(r.statement, r.status) for r in Response.objects.order_by("position")] == [
        ("Maybe not.", "published"),
        ("DRAFT", "draft"),
        ("Yes, all of them.", "published"),
    ]


def test_a_changed_quote_is_another_citation_in_a_merge():
    import_bundle(small_bundle())
    changed = small_bundle()
    changed["incidents"][0]["events"][0]["citations"] = [
        {"source": "news-1", "quote": "corrected words", "locator": "paragraph 2"}
    ]
    result = import_bundle(changed)
    assert (result.created, result.updated) == (1, 0)
    assert list(Event.objects.get(key="notice").citations.order_by("position").values_list("quote", flat=True)) == [
        "exact words",
        "corrected words",
    ]


def test_a_merge_keeps_the_bundles_order_and_unlisted_records_after_their_neighbour():
    import_bundle(small_bundle())
    changed = small_bundle()
    events = changed["incidents"][0]["events"]
    new = {**events[0], "key": "acknowledged", "kind": "vendor_acknowledged"}
    changed["incidents"][0]["events"] = [new, events[0]]  # "secret" is not listed

    first = import_bundle(changed)
    again = import_bundle(changed)

    assert [e["key"] for e in export_bundle()["incidents"][0]["events"]] == ["acknowledged", "notice", "secret"]
    assert first.created == 2  # the event and its citation
    assert (again.created, again.updated) == (0, 0)


def test_a_document_may_ask_for_a_mode_and_the_api_answers_the_counts(admin_user):
    from rest_framework.test import APIClient

    import_bundle(small_bundle())
    document = small_bundle()
    document["mode"] = "replace"
    document["incidents"][0]["events"] = document["incidents"][0]["events"][:1]
    client = APIClient()
    client.force_authenticate(admin_user)

    response = client.post("/api/v1/bundles/", document, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["mode"], body["created"], body["updated"], body["deleted"]) == ("replace", 0, 0, 1)
    assert body["deletions"] == [{"kind": "event", "incident": "acme-2020", "key": "secret"}]
    assert body["unchanged"] > 0


def test_import_command_replace_prints_the_deletions_and_the_counts(tmp_path):
    import_bundle(small_bundle())
    changed = small_bundle()
    changed["incidents"][0]["events"] = changed["incidents"][0]["events"][:1]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(changed))
    out = io.StringIO()
    call_command("import_bundle", str(path), "--replace", stdout=out)
    assert "deleted event acme-2020: secret" in out.getvalue()
    assert "0 record(s) created, 0 updated" in out.getvalue() and "1 deleted" in out.getvalue()


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda b: b["incidents"][0].update(title="x" * 301), "incidents[0].title"),
        (
            lambda b: b["incidents"][0].update(corrections=[{"date": "2020-02-30", "text": "Fixed."}]),
            "incidents[0].corrections[0].date",
        ),
    ],
)
def test_a_value_the_model_refuses_is_located_too(mutate, path):
    bundle = small_bundle()
    mutate(bundle)
    with pytest.raises(BundleError) as excinfo:
        import_bundle(bundle)
    assert path in [p.path for p in excinfo.value.problems], excinfo.value.problems
    assert not Incident.objects.exists()
