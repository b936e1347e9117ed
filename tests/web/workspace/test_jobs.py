"""Long work in the workspace: a bundle import from an upload and a full recompute, with progress."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disclosure.models import Incident
from interchange.models import ImportJob
from metrics.models import RecomputeRun

pytestmark = pytest.mark.django_db

REFRESH = '<meta http-equiv="refresh" content="2">'


def _upload(client, content, name="bundle.json"):
    file = SimpleUploadedFile(name, content if isinstance(content, bytes) else json.dumps(content).encode())
    return client.post(reverse("workspace:import-upload"), {"bundle": file})


def test_an_uploaded_bundle_is_imported_and_its_counts_shown(
    client, editor, wyze_document, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, wyze_document, "wyze.json")
    page = client.get(response["Location"]).content.decode()
    job = ImportJob.objects.get()
    assert job.state == "done" and job.created_by == editor and job.summary["created"] > 0
    assert Incident.objects.filter(slug="wyze-2019").exists()
    assert "Imported" in page and f"<dd>{job.summary['created']}</dd>" in page
    assert REFRESH not in page and 'hx-trigger="every 1s"' not in page
    assert '<progress value="100" max="100">100 %</progress>' in page


def test_a_bad_bundle_is_refused_with_the_json_path_and_nothing_is_imported(
    client, editor, wyze_document, django_capture_on_commit_callbacks
):
    wyze_document["incidents"][0]["slug"] = "Not A Slug"
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, wyze_document)
    page = client.get(response["Location"]).content.decode()
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.errors[0]["path"] == "incidents[0].slug"
    assert "nothing was imported" in page and "<code>incidents[0].slug</code>" in page
    assert not Incident.objects.exists()


def test_a_file_that_is_not_json_gets_a_plain_error_and_no_job(client, editor):
    client.force_login(editor)
    response = _upload(client, b"name,date\nwyze,2019-12-26\n", "incidents.csv")
    assert response.status_code == 400
    assert "This file is not a JSON bundle: it is not valid JSON" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_import_refused_by_the_role_table_says_so(
    client, contributor, wyze_document, django_capture_on_commit_callbacks
):
    client.force_login(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, wyze_document)
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.errors
    assert not Incident.objects.exists()


def test_recompute_starts_a_run_and_its_page_shows_the_summary(client, editor, django_capture_on_commit_callbacks):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("workspace:recompute"))
    run = RecomputeRun.objects.get()
    assert run.state == "done"
    page = client.get(response["Location"]).content.decode()
    assert "Done" in page and REFRESH not in page and 'hx-trigger="every 1s"' not in page


@pytest.mark.parametrize(
    ("state", "done", "running"),
    [("queued", 0, True), ("running", 3, True), ("done", 10, False), ("failed", 3, False)],
)
def test_a_recompute_page_refreshes_only_while_it_runs(client, editor, state, done, running):
    run = RecomputeRun.objects.create(state=state, total=10, done=done, summary={"incidents": 10})
    client.force_login(editor)
    url = reverse("workspace:job-detail", kwargs={"kind": "recompute", "pk": run.pk})
    page = client.get(url).content.decode()
    assert (REFRESH in page) is running
    assert ('hx-trigger="every 1s"' in page) is running
    assert f'<progress value="{run.percent}" max="100">{run.percent} %</progress>' in page
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="job-progress"') and "<html" not in partial
    assert ('hx-trigger="every 1s"' in partial) is running


@pytest.mark.parametrize(
    ("state", "running"),
    [("queued", True), ("validating", True), ("writing", True), ("done", False), ("failed", False)],
)
def test_an_import_page_shows_each_state(client, editor, state, running):
    job = ImportJob.objects.create(
        filename="b.json",
        document={},
        state=state,
        summary={"incidents": 1, "created": 7, "updated": 0, "unchanged": 0, "deleted": 0},
        errors=[{"path": "incidents[0].events[2].at", "message": "not a date"}],
        created_by=editor,
    )
    client.force_login(editor)
    page = client.get(reverse("workspace:job-detail", kwargs={"kind": "import", "pk": job.pk})).content.decode()
    assert (REFRESH in page) is running
    assert f"{job.percent} %" in page
    assert ("<dd>7</dd>" in page) is (state == "done")
    assert ("<code>incidents[0].events[2].at</code>" in page) is (state == "failed")


@pytest.mark.parametrize("n", [2, 20])
def test_job_pages_take_a_fixed_number_of_queries(client, editor, django_assert_max_num_queries, n):
    for _ in range(n):
        ImportJob.objects.create(filename="b.json", document={}, state="done", created_by=editor)
        RecomputeRun.objects.create(state="done")
    client.force_login(editor)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("workspace:jobs")).status_code == 200
    job = ImportJob.objects.first()
    with django_assert_max_num_queries(5):
        assert client.get(reverse("workspace:job-detail", kwargs={"kind": "import", "pk": job.pk})).status_code == 200
