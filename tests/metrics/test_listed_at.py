"""Incident.listed_at, the listings' sort key, is kept by the recompute (issue 13).

It is the nominal instant of the incident's earliest public event, the same as its public
metric set's started_at; None when the incident is not public or has no public event. The
recompute puts it right even when the figures (and so their digest) did not change.
"""

import pytest
from django.db import connection
from django.utils import timezone

from disclosure.models import Incident
from metrics import services as metrics
from metrics.models import IncidentMetricSet, MetricView
from tests.factories import EventFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def _listed_at(incident):
    return Incident.objects.values_list("listed_at", flat=True).get(pk=incident.pk)


def test_listed_at_is_the_earliest_public_event_and_agrees_with_the_public_set():
    incident = IncidentFactory()
    EventFactory(
        incident=incident, kind="discovered", at="2019-12-04", precision="day", status="draft"
    )  # not public: not counted
    first = EventFactory(incident=incident, kind="vendor_notified", at="2019-12-26T09:21")
    EventFactory(incident=incident, kind="published", at="2019-12-26T09:35")
    metrics.incident_metrics_recompute(incident_id=incident.pk)
    public_set = IncidentMetricSet.objects.get(incident=incident, view=MetricView.PUBLIC)
    assert _listed_at(incident) == first.nominal == public_set.started_at


def test_an_incident_that_is_not_public_is_listed_at_nothing():
    draft = IncidentFactory(status="draft")
    EventFactory(incident=draft, at="2020-01-01T00:00")
    undated = IncidentFactory()  # public, no event
    metrics.metrics_recompute_all()
    assert _listed_at(draft) is None
    assert _listed_at(undated) is None


def test_a_stale_value_is_put_right_even_when_the_figures_did_not_change():
    incident = IncidentFactory()
    event = EventFactory(incident=incident, at="2021-06-01T12:00")
    now = timezone.now()
    metrics.incident_metrics_recompute(incident_id=incident.pk, now=now)
    # An incident saved whole from a copy read before the last recompute writes its old value back.
    Incident.objects.filter(pk=incident.pk).update(listed_at=None)
    summary = metrics.incident_metrics_recompute(incident_id=incident.pk, now=now)
    assert summary["written"] == 0  # the digests say nothing changed ...
    assert _listed_at(incident) == event.nominal  # ... and the sort key is right again


def test_unpublishing_clears_it():
    incident = IncidentFactory()
    EventFactory(incident=incident, at="2021-06-01T00:00")
    metrics.incident_metrics_recompute(incident_id=incident.pk)
    assert _listed_at(incident) is not None
    Incident.objects.filter(pk=incident.pk).update(status="draft")
    metrics.incident_metrics_recompute(incident_id=incident.pk)
    assert _listed_at(incident) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_newest_first_is_read_off_the_listing_index():
    """The listings' order is exactly the incident_listing index's: a page is read off it, not sorted."""
    from web.filters import IncidentFilter
    from web.selectors import public_incidents

    for _ in range(3):
        EventFactory(incident=IncidentFactory())
    metrics.metrics_recompute_all()
    page = IncidentFilter({}, queryset=public_incidents()).qs[:50]
    with connection.cursor() as cursor:
        # A tiny table would be scanned and sorted otherwise: with neither allowed, the planner
        # still sorts (at a prohibitive cost) unless an index gives exactly the listing's order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = page.explain()
    assert "incident_listing" in plan
    assert "Sort Key" not in plan
