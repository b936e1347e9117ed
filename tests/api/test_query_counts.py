"""Every list endpoint runs a fixed number of queries, whatever the number of rows."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

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

from .conftest import token_client

pytestmark = pytest.mark.django_db

# endpoint -> the most queries it may run (anonymous and staff alike; staff adds the permission lookups)
ENDPOINTS = {
    "/api/v1/incidents/": 8,
    "/api/v1/incidents/big/": 6,
    "/api/v1/incidents/big/events/": 6,
    "/api/v1/incidents/big/events/event-1/": 5,
    "/api/v1/incidents/big/claims/": 8,
    "/api/v1/incidents/big/claims/claim-1/": 7,
    "/api/v1/incidents/big/claims/claim-1/responses/": 7,
    "/api/v1/events/": 5,
    "/api/v1/claims/": 7,
    "/api/v1/organisations/": 5,
    "/api/v1/sources/": 5,
    "/api/v1/data-classes/": 5,
    "/api/v1/bundles/public/": 16,
    "/api/v1/incidents/big/bundle/": 17,
    "/api/v1/incidents/big/metrics/": 8,
    "/api/v1/aggregates/": 6,
    "/api/v1/aggregates/responses/": 6,
    "/api/v1/incidents/?format=csv": 8,
    "/api/v1/events/?format=csv": 5,
    "/api/v1/claims/?format=csv": 7,
}

DETAILS = {"/api/v1/incidents/big/", "/api/v1/incidents/big/events/event-1/", "/api/v1/incidents/big/metrics/"}
GROWS = set(ENDPOINTS) - DETAILS - {"/api/v1/data-classes/", "/api/v1/aggregates/", "/api/v1/aggregates/responses/"}


def add_rows(count, start):
    """`count` more of everything: incidents, and events, claims and responses on incident 'big'."""
    big = IncidentFactory(slug="big") if start == 1 else None
    from disclosure.models import Incident

    big = big or Incident.objects.get(slug="big")
    first_claim = None
    for n in range(start, start + count):
        incident = IncidentFactory(slug=f"incident-{n}")
        ParticipantFactory(incident=incident, organization=OrganizationFactory(slug=f"finder-{n}", kind="researcher"))
        source = SourceFactory(key=f"article-{n}")
        event = EventFactory(incident=big, key=f"event-{n}", actor=OrganizationFactory(slug=f"actor-{n}"))
        EventCitationFactory(event=event, source=source)
        claim = ClaimFactory(incident=big, key=f"claim-{n}")
        ClaimCitationFactory(claim=claim, source=source)
        first_claim = first_claim or big.claims.get(key="claim-1")
        response = ResponseFactory(claim=first_claim, responder=big.vendor)
        ResponseCitationFactory(response=response, source=source)
        ResponseFactory(claim=claim)
    if start == 1:
        ExposedDataFactory(incident=big)


@pytest.mark.parametrize("staff", [False, True], ids=["anonymous", "editor"])
@pytest.mark.parametrize("url", list(ENDPOINTS))
def test_list_and_detail_queries_do_not_grow_with_rows(request, url, staff, django_assert_max_num_queries):
    client = token_client(request.getfixturevalue("editor")) if staff else APIClient()
    # A role check loads the caller's permissions once per request: a fixed cost, not per row.
    limit = ENDPOINTS[url] + (2 if staff else 0)
    add_rows(2, start=1)
    with django_assert_max_num_queries(limit):
        first = client.get(url)
    assert first.status_code == 200
    add_rows(28, start=3)
    cache.clear()  # the rows came from factories, not through the services that retire cached answers
    with django_assert_max_num_queries(limit):
        second = client.get(url)
    assert second.status_code == 200
    if url in GROWS:
        assert len(second.content) > len(first.content), "the second call should have listed more rows"
