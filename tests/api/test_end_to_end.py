"""The issue's "done when": a script using only the API, with an editor's token, logs an
incident with its timeline, claims and responses, publishes it and reads its metrics."""

import json

import pytest
from rest_framework.test import APIClient

from .conftest import token_client

pytestmark = pytest.mark.django_db


class Script:
    """What a researcher's script does: JSON over HTTP, failing loudly on any unexpected status."""

    def __init__(self, client, capture):
        self.client = client
        self.capture = capture

    def call(self, method, url, body=None, expect=200):
        # Metrics are recomputed by a task enqueued on commit; run those callbacks as a real request would.
        with self.capture(execute=True):
            response = self.client.generic(
                method, url, data="" if body is None else json.dumps(body), content_type="application/json"
            )
        assert response.status_code == expect, (method, url, response.content[:500])
        return response.json()


def test_a_script_logs_publishes_and_reads_the_metrics_of_an_incident(editor, django_capture_on_commit_callbacks):
    api = Script(token_client(editor), django_capture_on_commit_callbacks)
    api.call("POST", "/api/v1/organisations/", {"slug": "camco", "name": "CamCo", "kind": "vendor"}, 201)
    api.call("POST", "/api/v1/organisations/", {"slug": "finders", "name": "Finders", "kind": "researcher"}, 201)
    api.call(
        "POST",
        "/api/v1/sources/",
        {
            "key": "finders-blog",
            "title": "We found CamCo's open database",
            "outlet": "finders",
            "kind": "blog_post",
            "published": {"at": "2024-05-02T10:14", "precision": "minute", "timezone": "UTC"},
        },
        201,
    )
    incident = api.call(
        "POST",
        "/api/v1/incidents/",
        {
            "slug": "camco-2024",
            "title": "CamCo leaves a database open",
            "vendor": "camco",
            "timezone": "UTC",
            "participants": [{"organization": "finders", "role": "discoverer"}],
            "data_exposed": [{"data_class": "email-addresses", "affected_count": 1200}],
        },
        201,
    )
    assert incident["status"] == "draft"
    assert incident["participants"] == [{"organization": "finders", "role": "discoverer"}]

    base = "/api/v1/incidents/camco-2024"
    for key, kind, at, actor in [
        ("found", "discovered", "2024-05-01T09:00", "finders"),
        ("told", "vendor_notified", "2024-05-02T10:00", "finders"),
        ("blogged", "published", "2024-05-02T10:14", "finders"),
    ]:
        # A published event cites its source in the same request (bundle-v1: published records are cited).
        event = api.call(
            "POST",
            f"{base}/events/",
            {
                "key": key,
                "kind": kind,
                "time": {"at": at, "precision": "minute"},
                "actor": actor,
                "status": "published",
                "citations": [{"source": "finders-blog", "quote": "..."}],
            },
            201,
        )
        assert event["citations"] == [{"source": "finders-blog", "quote": "...", "locator": ""}]

    api.call(
        "POST",
        f"{base}/claims/",
        {
            "key": "no-password",
            "statement": "The database had no password.",
            "claimant": "finders",
            "category": "data_exposure",
            "status": "draft",
        },
        201,
    )
    api.call("POST", f"{base}/claims/no-password/citations/", {"source": "finders-blog"}, 201)
    api.call("PATCH", f"{base}/claims/no-password/", {"status": "published"})
    response = api.call(
        "POST",
        f"{base}/claims/no-password/responses/",
        {
            "responder": "camco",
            "stance": "disputed",
            "statement": "It was a test system.",
            "time": {"at": "2024-05-03", "precision": "day"},
            "status": "published",  # a response is a draft unless it says otherwise, like events and claims
            "citations": [{"source": "finders-blog"}],
        },
        201,
    )
    assert response["citations"] == [{"source": "finders-blog", "quote": "", "locator": ""}]

    assert APIClient().get(f"{base}/").status_code == 404  # still a draft: not public
    published = api.call("POST", f"{base}/publish/")
    assert published["status"] == "published"

    public = APIClient()
    claims = public.get(f"{base}/claims/").json()["results"]
    assert claims[0]["vendor_stance"] == "disputed"
    assert [r["stance"] for r in claims[0]["responses"]] == ["disputed"]
    assert "private_notes" not in claims[0]
    metrics = public.get(f"{base}/metrics/").json()
    assert metrics["incident"] == "camco-2024"
    by_name = {m["metric"]: m for m in metrics["metrics"]}
    assert by_name["notice_to_publication"]["nominal_seconds"] == 14 * 60
    assert by_name["notice_to_publication"]["open"] is False
