"""Every length limit of a model column behind a bundle field holds in the schema and in the import.

A value at the column's max_length passes the schema and imports; one character more is refused
by the schema, with the JSON path of the value, and the import writes nothing. A URL that the
schema's pattern lets through but Django's URLValidator refuses is refused by the validation
phase, with its path, before anything is written.
"""

import re

import pytest
from django.db import models

from claims.models import Claim, ClaimCitation, Response, ResponseCitation
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
    ReportedDuration,
    ReportedDurationCitation,
    Source,
)
from interchange.bundle import BundleError, _schema_problems, import_bundle, schema, validate
from metrics.models import Norm

pytestmark = pytest.mark.django_db

IMPORTED_MODELS = [
    DataClass, Norm, Organization, Source, Incident, Participant, ExposedData, Event, EventCitation,
    Claim, ClaimCitation, Response, ResponseCitation, Correction, CorrectionCitation,
    ReportedDuration, ReportedDurationCitation,
]  # fmt: skip

# (bundle field, the value's kind, the model field behind it)
LIMITS = [
    ("data_classes[0].slug", "slug", DataClass, "slug"),
    ("data_classes[0].name", "text", DataClass, "name"),
    ("norms[0].slug", "slug", Norm, "slug"),
    ("norms[0].name", "text", Norm, "name"),
    ("norms[0].window_text", "text", Norm, "window_text"),
    ("norms[0].source_title", "text", Norm, "source_title"),
    ("norms[0].source_url", "url", Norm, "source_url"),
    ("organizations[0].slug", "slug", Organization, "slug"),
    ("organizations[0].name", "text", Organization, "name"),
    ("organizations[0].url", "url", Organization, "url"),
    ("sources[0].key", "slug", Source, "key"),
    ("sources[0].title", "text", Source, "title"),
    ("sources[0].url", "url", Source, "url"),
    ("sources[0].author", "text", Source, "author"),
    ("sources[0].language", "language", Source, "language"),
    ("incidents[0].slug", "slug", Incident, "slug"),
    ("incidents[0].title", "text", Incident, "title"),
    ("incidents[0].exposed_system", "text", Incident, "exposed_system"),
    ("incidents[0].events[0].key", "slug", Event, "key"),
    ("incidents[0].events[0].channel", "text", Event, "channel"),
    ("incidents[0].events[0].citations[0].locator", "text", EventCitation, "locator"),
    ("incidents[0].claims[0].key", "slug", Claim, "key"),
    ("incidents[0].claims[0].citations[0].locator", "text", ClaimCitation, "locator"),
    ("incidents[0].claims[0].responses[0].citations[0].locator", "text", ResponseCitation, "locator"),
    ("incidents[0].corrections[0].citations[0].locator", "text", CorrectionCitation, "locator"),
    ("incidents[0].origin.dataset", "slug", Incident, "origin_dataset"),
    ("incidents[0].origin.record", "text", Incident, "origin_record"),
    ("incidents[0].origin.url", "url", Incident, "origin_url"),
    ("incidents[0].origin.credit", "text", Incident, "origin_credit"),
    ("incidents[0].origin.licence", "text", Incident, "origin_licence"),
    ("incidents[0].origin.licence_url", "url", Incident, "origin_licence_url"),
    ("incidents[0].durations[0].citations[0].locator", "text", ReportedDurationCitation, "locator"),
]

# Columns whose bundle field cannot reach the limit: an enum, or a pattern or vocabulary shorter than it.
BOUNDED_OTHERWISE = {
    "at": "pattern: at most YYYY-MM-DDTHH:MM:SS+HH:MM",
    "timezone": "IANA names, maxLength 64",
    "country": "pattern: two capitals",
    "margin": "pattern: P or PT, at most 12 digits and one letter (15 characters), maxLength 16",
    "followed_until_at": "the recorded time's 'at' pattern",
    "followed_until_margin": "the recorded time's 'margin' pattern",
    "followed_until_timezone": "IANA names, maxLength 64",
}


def value_of(kind, length):
    if kind == "slug":
        return "a" * length
    if kind == "url":
        return "https://example.com/" + "a" * (length - len("https://example.com/"))
    if kind == "language":
        return ("en" + "-abcdefgh" * 8)[:length]
    return "x" * length


def document(path=None, value=None):
    """A draft bundle using every limited field once; `value` replaces the one at `path`, references following."""
    values = {p: value_of(kind, 8 if kind == "slug" else 20) for p, kind, _m, _f in LIMITS}
    if path is not None:
        values[path] = value
    v = values.__getitem__
    org, source, data_class = v("organizations[0].slug"), v("sources[0].key"), v("data_classes[0].slug")

    def cite(path):
        return [{"source": source, "locator": v(path)}]

    time = {"at": "2020-03-02", "precision": "day"}
    return {
        "format": "disclosure-bundle/1",
        "data_classes": [{"slug": data_class, "name": v("data_classes[0].name")}],
        "norms": [
            {
                "slug": v("norms[0].slug"), "name": v("norms[0].name"), "window_seconds": 86400,
                "window_text": v("norms[0].window_text"), "source_title": v("norms[0].source_title"),
                "source_url": v("norms[0].source_url"),
            }
        ],
        "organizations": [
            {"slug": org, "name": v("organizations[0].name"), "kind": "vendor", "url": v("organizations[0].url")}
        ],
        "sources": [
            {
                "key": source, "title": v("sources[0].title"), "kind": "article", "url": v("sources[0].url"),
                "author": v("sources[0].author"), "language": v("sources[0].language"), "outlet": org,
            }
        ],
        "incidents": [
            {
                "slug": v("incidents[0].slug"), "title": v("incidents[0].title"), "vendor": org,
                "timezone": "UTC", "status": "draft", "exposed_system": v("incidents[0].exposed_system"),
                "data_exposed": [{"data_class": data_class}],
                "origin": {
                    "dataset": v("incidents[0].origin.dataset"), "record": v("incidents[0].origin.record"),
                    "url": v("incidents[0].origin.url"), "credit": v("incidents[0].origin.credit"),
                    "licence": v("incidents[0].origin.licence"), "licence_url": v("incidents[0].origin.licence_url"),
                },
                "durations": [
                    {
                        "kind": "discovery", "unit": "days", "value": 2,
                        "citations": cite("incidents[0].durations[0].citations[0].locator"),
                    }
                ],
                "events": [
                    {
                        "key": v("incidents[0].events[0].key"), "kind": "published", "time": time,
                        "status": "draft", "channel": v("incidents[0].events[0].channel"),
                        "citations": cite("incidents[0].events[0].citations[0].locator"),
                    }
                ],
                "claims": [
                    {
                        "key": v("incidents[0].claims[0].key"), "statement": "It was open.", "claimant": org,
                        "category": "scope", "status": "draft",
                        "citations": cite("incidents[0].claims[0].citations[0].locator"),
                        "responses": [
                            {
                                "responder": org, "stance": "confirmed", "time": time, "status": "draft",
                                "citations": cite("incidents[0].claims[0].responses[0].citations[0].locator"),
                            }
                        ],
                    }
                ],
                "corrections": [
                    {"date": "2020-03-03", "text": "Fixed.", "citations": cite("incidents[0].corrections[0].citations[0].locator")}
                ],
            }
        ],
    }  # fmt: skip


def stored_counts():
    return {model.__name__: model.objects.count() for model in IMPORTED_MODELS}


def max_length(model, field):
    return model._meta.get_field(field).max_length


def test_every_limited_column_behind_a_bundle_field_is_covered():
    covered = {(model, field) for _p, _k, model, field in LIMITS}
    for model in IMPORTED_MODELS:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and field.max_length and not field.choices:
                assert (model, field.name) in covered or field.name in BOUNDED_OTHERWISE, (model, field.name)


def test_the_schema_never_allows_more_than_the_bounded_columns_hold():
    defs = schema()["$defs"]
    longest_at = "2019-12-26T09:21:00+05:30"  # every part of the pattern at its widest
    assert re.fullmatch(defs["recorded_time"]["properties"]["at"]["pattern"], longest_at)
    assert not re.fullmatch(defs["recorded_time"]["properties"]["at"]["pattern"], longest_at + "0")
    assert len(longest_at) <= max_length(Event, "at")
    longest_margin = "PT" + "9" * 12 + "H"
    assert re.fullmatch(defs["recorded_time"]["properties"]["margin"]["pattern"], longest_margin)
    assert len(longest_margin) <= max_length(Event, "margin") == max_length(Incident, "followed_until_margin")
    assert max_length(Event, "at") == max_length(Incident, "followed_until_at")
    assert defs["timezone"]["maxLength"] <= max_length(Incident, "timezone")
    assert defs["organization"]["properties"]["country"]["pattern"] == "^[A-Z]{2}$"


def test_the_base_document_imports():
    assert validate(document()) == []
    import_bundle(document())
    assert Incident.objects.filter(slug=value_of("slug", 8)).exists()


@pytest.mark.parametrize(("path", "kind", "model", "field"), LIMITS, ids=[p for p, *_ in LIMITS])
def test_a_value_at_the_limit_imports_and_one_past_it_is_refused_with_its_path(path, kind, model, field):
    limit = max_length(model, field)
    too_long = document(path, value_of(kind, limit + 1))
    assert len(value_of(kind, limit + 1)) == limit + 1
    assert path in {p.path for p in _schema_problems(too_long)}
    before = stored_counts()
    with pytest.raises(BundleError) as refused:
        import_bundle(too_long)
    assert path in {p.path for p in refused.value.problems}
    assert stored_counts() == before

    at_limit = value_of(kind, limit)
    assert _schema_problems(document(path, at_limit)) == []
    import_bundle(document(path, at_limit))
    assert model.objects.filter(**{field: at_limit}).exists()


@pytest.mark.parametrize("path", ["organizations[0].url", "sources[0].url", "norms[0].source_url"])
@pytest.mark.parametrize(
    ("url", "caught_by_schema"),
    [
        ("http://www.http://www.hhs.gov/x.html.gov/y", True),
        ("http://example.com:80:80/", True),
        ("http://a..b/", False),
        ("http://-bad-.example/", False),
        ("http://no-tld/", False),
    ],
)
def test_a_url_the_model_would_refuse_is_refused_with_its_path_and_nothing_is_written(path, url, caught_by_schema):
    bad = document(path, url)
    assert (path in {p.path for p in _schema_problems(bad)}) is caught_by_schema
    assert path in {p.path for p in validate(bad)}
    before = stored_counts()
    with pytest.raises(BundleError):
        import_bundle(bad)
    assert stored_counts() == before


def test_urls_django_accepts_pass_the_schema_and_import():
    for url in ["https://user:pw@example.com:8443/a?b=c#d", "http://[2001:db8::1]/x", "http://192.0.2.1/"]:
        doc = document("sources[0].url", url)
        assert validate(doc) == [], url
    import_bundle(doc)
    assert Source.objects.filter(url="http://192.0.2.1/").exists()
