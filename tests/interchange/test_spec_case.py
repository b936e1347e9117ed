"""A case built only from time-and-metrics.md (revision 2), imported as a bundle and read through the
API: the spec's worked examples hold end to end (§1, §2, §3, §4.1, §4.2, §9)."""

import pytest

from interchange.bundle import import_bundle
from metrics.services import metrics_recompute_all

pytestmark = pytest.mark.django_db

LA = "America/Los_Angeles"


def _source(key):
    return {"key": key, "title": f"Source {key}", "language": "en", "kind": "article"}


def _event(key, kind, time, actor=None):
    event = {"key": key, "kind": kind, "time": time, "description": f"{kind}.", "status": "published"}
    if actor:
        event["actor"] = actor
    event["citations"] = [{"source": "spec", "quote": "as the spec says"}]
    return event


BUNDLE = {
    "format": "disclosure-bundle/1",
    "organizations": [
        {"slug": "camco", "name": "Camco", "kind": "vendor"},
        {"slug": "finders", "name": "Finders", "kind": "media"},
        {"slug": "bloggers", "name": "Bloggers", "kind": "researcher"},
    ],
    "sources": [_source("spec")],
    "incidents": [
        {
            "slug": "spec-case",
            "title": "A case from the spec",
            "vendor": "camco",
            "timezone": LA,
            "status": "published",
            "participants": [{"organization": "camco", "role": "vendor"}],
            "followed_until": {"at": "2019-12-30", "precision": "day"},
            "events": [
                _event("open", "exposure_started", {"at": "2019-12-04", "precision": "day"}, "camco"),
                _event("ticket", "vendor_notified", {"at": "2019-12-26T09:21", "precision": "minute"}, "finders"),
                _event("story", "published", {"at": "2019-12-26T09:35", "precision": "minute"}, "finders"),
                _event("blog", "published", {"at": "2019-12-26", "precision": "day"}, "bloggers"),
                _event(
                    "closed",
                    "remediated",
                    {"at": "2019-12-26T10:00", "precision": "minute", "approximate": True, "margin": "PT30M"},
                    "camco",
                ),
                _event("closed-day", "remediated", {"at": "2019-12-26", "precision": "day"}, "camco"),
            ],
        }
    ],
}


@pytest.fixture
def imported(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_bundle(BUNDLE)
    metrics_recompute_all()


def test_the_spec_case_through_import_and_the_api(client, imported):
    body = client.get("/api/v1/incidents/spec-case/metrics/").json()
    by = {m["metric"]: m for m in body["metrics"]}

    def seconds(metric):
        m = by[metric]
        return m["nominal_seconds"], m["min_seconds"], m["max_seconds"], m["open"]

    # §3: the first publication is an interval from the day-known post and the 9:35 story
    assert seconds("notice_to_publication") == (840, -33_720, 900, False)
    # §3: the exposure ends at the last remediation, [max(lo), max(hi)): from 09:30 ("about 10:00" less
    # its margin) to the end of the day-known fix
    assert seconds("exposure_duration")[1:3] == (21 * 86400 + 9 * 3600 + 30 * 60, 23 * 86400)
    # §1/§2: "about 10:00" with a 30-minute margin is the first fix, 09:30 to 10:31 (the day-known one
    # runs from midnight, so the first is [midnight, 10:31))
    nominal, low, high, is_open = seconds("notice_to_remediation")
    assert (low, high, is_open) == (-(9 * 3600 + 22 * 60), 70 * 60, False)
    # §4.1: nothing acknowledged: open, to the end of followed_until
    assert by["notice_to_acknowledgement"]["open"] is True
    assert by["notice_to_acknowledgement"]["as_of"] == "2019-12-31T08:00:00Z"  # §9: an open metric adds as_of
    assert body["as_of"] == "2019-12-31T08:00:00Z"
    # §4.2 and §9
    finders, bloggers = body["reporters"]
    assert (finders["organization"], finders["nominal_seconds"], finders["min_seconds"], finders["max_seconds"]) == (
        "finders",
        840,
        780,
        900,
    )
    assert finders["no_notice"] is False
    assert bloggers == {**bloggers, "organization": "bloggers", "no_notice": True}
    assert "nominal_seconds" not in bloggers
