"""Corroboration counts only independent sources: a source repeating another's reporting counts with it."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from disclosure.models import Event
from tests.factories import ClaimCitationFactory, EventCitationFactory, EventFactory, IncidentFactory, SourceFactory
from web.templatetags.site_tags import corroboration, independent_count


def source(pk, based_on_id=None):
    return SimpleNamespace(pk=pk, based_on_id=based_on_id)


def cite(*sources):
    return [SimpleNamespace(source_id=s.pk, source=s) for s in sources]


def test_unrelated_sources_are_each_independent():
    assert independent_count([source(1), source(2), source(3)]) == 3


def test_a_source_based_on_another_cited_one_counts_with_it():
    assert independent_count([source(1), source(2, based_on_id=1)]) == 1


def test_a_source_based_on_an_uncited_one_is_still_one_line_of_reporting():
    assert independent_count([source(1), source(2, based_on_id=9)]) == 2
    assert independent_count([source(2, based_on_id=9)]) == 1
    # two sources repeating the same uncited one are one line between them
    assert independent_count([source(2, based_on_id=9), source(3, based_on_id=9)]) == 1


def test_a_chain_counts_by_its_first_level_only():
    # 3 -> 2 -> 1: 3's root is 2, 2's root is 1; one level is followed, so two lines
    assert independent_count([source(1), source(2, based_on_id=1), source(3, based_on_id=2)]) == 2


def test_the_same_source_twice_counts_once():
    assert independent_count([source(1), source(1), source(2, based_on_id=1), source(2, based_on_id=1)]) == 1
    assert independent_count([]) == 0


@pytest.mark.parametrize(
    ("sources", "words"),
    [
        ([], ""),
        ([source(1)], ""),
        ([source(1), source(1)], ""),  # two citations of one source: nothing to corroborate
        ([source(1), source(2)], "2 sources, both independent"),
        ([source(1), source(2), source(3)], "3 sources, all independent"),
        ([source(1), source(2, based_on_id=1)], "2 sources, 1 independent: one repeats another's reporting"),
        ([source(1), source(2), source(3, based_on_id=1)], "3 sources, 2 independent: one repeats another's reporting"),
        (
            [source(1), source(2, based_on_id=1), source(3, based_on_id=1)],
            "3 sources, 1 independent: 2 repeat others' reporting",
        ),
        ([source(2, based_on_id=9), source(3)], "2 sources, both independent"),
    ],
)
def test_corroboration_words(sources, words):
    assert corroboration(cite(*sources)) == words


@pytest.mark.django_db
def test_corroboration_runs_no_query_on_prefetched_citations(django_assert_num_queries):
    original = SourceFactory()
    event = EventFactory()
    EventCitationFactory(event=event, source=original)
    EventCitationFactory(event=event, source=SourceFactory(based_on=original))
    event = Event.objects.prefetch_related("citations__source").get(pk=event.pk)
    with django_assert_num_queries(0):
        assert corroboration(event.citations.all()) == "2 sources, 1 independent: one repeats another's reporting"


def _incident_page(client, incident):
    response = client.get(reverse("disclosure:incident-detail", kwargs={"slug": incident.slug}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_incident_page_counts_a_source_based_on_another_as_one(client):
    incident = IncidentFactory()
    event = EventFactory(incident=incident)
    zdnet = SourceFactory(title="ZDNet article")
    EventCitationFactory(event=event, source=zdnet)
    EventCitationFactory(event=event, source=SourceFactory(title="TechRadar article", based_on=zdnet))
    html = _incident_page(client, incident)
    assert '<p class="corroboration">2 sources, 1 independent: one repeats another&#x27;s reporting</p>' in html


@pytest.mark.django_db
def test_incident_page_says_unrelated_sources_are_both_independent(client):
    incident = IncidentFactory()
    event = EventFactory(incident=incident)
    EventCitationFactory(event=event)
    EventCitationFactory(event=event)
    html = _incident_page(client, incident)
    assert '<p class="corroboration">2 sources, both independent</p>' in html
    assert "1 independent" not in html


@pytest.mark.django_db
def test_incident_page_says_nothing_for_a_single_source(client):
    incident = IncidentFactory()
    event = EventFactory(incident=incident)
    only = SourceFactory()
    EventCitationFactory(event=event, source=only, locator="paragraph 1")
    EventCitationFactory(event=event, source=only, locator="paragraph 4")
    ClaimCitationFactory(claim__incident=incident)
    html = _incident_page(client, incident)
    assert 'class="corroboration"' not in html


@pytest.mark.django_db
def test_corroboration_adds_no_query_to_the_incident_page(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ClaimFactory, ResponseCitationFactory, ResponseFactory

    def page_queries(based_on):
        incident = IncidentFactory()
        original = SourceFactory()
        event = EventFactory(incident=incident)
        claim = ClaimFactory(incident=incident)
        response = ResponseFactory(claim=claim)
        for factory, owner in [(EventCitationFactory, {"event": event}), (ClaimCitationFactory, {"claim": claim})]:
            factory(source=original, **owner)
            factory(source=SourceFactory(based_on=original if based_on else None), **owner)
        ResponseCitationFactory(response=response, source=original)
        ResponseCitationFactory(response=response, source=SourceFactory(based_on=original if based_on else None))
        with CaptureQueriesContext(connection) as queries:
            html = _incident_page(client, incident)
        assert html.count('class="corroboration"') == 3
        return [q["sql"] for q in queries.captured_queries]

    related, unrelated = page_queries(based_on=True), page_queries(based_on=False)
    # The only extra query is the sources list's one look-up of the originals ("via ZDNet", web.selectors
    # _sources_of); the corroboration words themselves read only the prefetched citations.
    assert len(related) == len(unrelated) + 1
    extra = [sql for sql in related if '"disclosure_source"."id" IN' in sql]
    assert len(extra) == 1 and not [sql for sql in unrelated if sql in extra]
