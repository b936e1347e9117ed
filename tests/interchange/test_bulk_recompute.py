"""A bulk import recomputes each incident once and the aggregates once, not once per incident.

With tasks run eagerly (the embedded default), one task per incident each followed by an
aggregates rebuild made a 900-record VCDB import four times slower (issue 15's benchmark).
"""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings

from interchange.bundle import import_bundle
from metrics.models import IncidentMetric, RecomputeRun

pytestmark = pytest.mark.django_db

WYZE = Path(settings.BASE_DIR) / "interchange" / "bundles" / "wyze-2019.json"


def _three_incidents():
    document = json.loads(WYZE.read_text(encoding="utf-8"))
    original = document["incidents"][0]
    document["incidents"] = []
    for n in range(3):
        incident = copy.deepcopy(original)
        incident["slug"] = f"{original['slug']}-copy-{n}"
        document["incidents"].append(incident)
    return document


def test_a_bundle_of_three_incidents_rebuilds_the_aggregates_once(django_capture_on_commit_callbacks):
    before = RecomputeRun.objects.filter(kind=RecomputeRun.Kind.AGGREGATES).count()
    with django_capture_on_commit_callbacks(execute=True):
        import_bundle(_three_incidents())
    assert RecomputeRun.objects.filter(kind=RecomputeRun.Kind.AGGREGATES).count() - before == 1
    for n in range(3):  # and every incident got its figures
        assert IncidentMetric.objects.filter(
            incident__slug=f"wyze-2019-copy-{n}", metric="notice_to_publication"
        ).exists()


def test_a_refused_bundle_sends_no_recompute(django_capture_on_commit_callbacks):
    document = _three_incidents()
    document["incidents"][2]["vendor"] = "no-such-vendor"
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Exception):  # noqa: B017, PT011
        import_bundle(document)
    assert callbacks == []
