"""Organisations and sources picked by typing their name, or created in place."""

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from disclosure.models import Organization, Source
from tests.factories import OrganizationFactory, SourceFactory
from web.workspace import pickers

pytestmark = pytest.mark.django_db


def test_an_organisation_is_found_by_its_slug_or_its_name_whatever_the_case(contributor):
    wyze = OrganizationFactory(slug="wyze", name="Wyze Labs")
    assert pickers.organization_from_text("wyze", by=contributor) == wyze
    assert pickers.organization_from_text("  WYZE   labs ", by=contributor) == wyze
    assert Organization.objects.count() == 1


def test_an_unknown_organisation_is_created_through_the_service_with_its_author(contributor):
    org = pickers.organization_from_text("Twelve Security", by=contributor, kind="researcher")
    assert (org.slug, org.name, org.kind) == ("twelve-security", "Twelve Security", "researcher")
    assert org.created_by == contributor
    assert org.history.first().history_user == contributor


def test_a_new_organisation_never_takes_anothers_slug(contributor):
    OrganizationFactory(slug="acme", name="ACME Corporation")
    org = pickers.organization_from_text("Acme", by=contributor)
    assert org.slug == "acme-2" and org.name == "Acme"
    assert pickers.organization_from_text("acme!", by=contributor).slug == "acme-3"


def test_a_name_of_symbols_only_still_gets_a_slug(contributor):
    assert pickers.organization_from_text("???", by=contributor).slug == "organisation"


def test_an_empty_name_is_refused_in_plain_words(contributor):
    with pytest.raises(ValidationError, match="Type the organisation's name."):
        pickers.organization_from_text("   ", by=contributor)
    with pytest.raises(ValidationError, match="Type the source's title."):
        pickers.source_from_text("", by=contributor)


def test_a_source_is_found_by_key_or_title_or_created(contributor):
    source = SourceFactory(key="ipvm-report", title="IPVM report")
    assert pickers.source_from_text("ipvm-report", by=contributor) == source
    assert pickers.source_from_text("ipvm REPORT", by=contributor) == source
    created = pickers.source_from_text("IPVM report", by=contributor, url="https://example.com")
    assert created == source
    new = pickers.source_from_text("Wyze forum post", by=contributor, url="https://forums.wyze.com/t/1")
    assert (new.key, new.url, new.created_by) == ("wyze-forum-post", "https://forums.wyze.com/t/1", contributor)
    assert Source.objects.count() == 2


def test_the_datalists_offer_every_name(contributor):
    OrganizationFactory(slug="ipvm", name="IPVM")
    SourceFactory(title="Wyze data leak")
    html = render_to_string(
        "workspace/pickers/_datalists.html",
        {"ws_organizations": pickers.organization_options(), "ws_sources": pickers.source_options()},
    )
    assert '<datalist id="ws-organizations">' in html and '<option value="IPVM">' in html
    assert '<datalist id="ws-sources">' in html and '<option value="Wyze data leak">' in html


def test_the_options_are_one_query_each(django_assert_num_queries):
    for _ in range(20):
        OrganizationFactory()
    with django_assert_num_queries(2):
        pickers.organization_options()
        pickers.source_options()
