"""No public page answers 5xx (issue 9): every public page and API read, on generated
datasets, on every bundle in the repository and on the edge cases that once crashed.

The crawler asks the database which records are public and requests every page made
from them; the test client is told not to raise, so a crash is a 500 to count, and a
failure lists every URL that answered 5xx rather than the first traceback.
"""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.views import APIView

from claims.models import STANCE_LABELS, Claim, Response
from disclosure import services, timemath
from disclosure.models import DataClass, Event, Incident, Organization, Participant, Source
from interchange.bundle import BundleError, import_bundle, load_document
from metrics.models import Metric, Norm
from metrics.services import metrics_recompute_all
from tests.factories import EventFactory, IncidentFactory, OrganizationFactory, ParticipantFactory
from tests.interchange.test_bundle import small_bundle
from tests.interchange.test_bundle_schema import minimal_bundle
from web.filters import SORT_CHOICES
from web.templatetags.charts import MAX_TICKS, _scale, _ticks

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
BUNDLE_FILES = sorted((REPO / "interchange" / "bundles").glob("*.json"))
# Bundles the other tests build in code, so their shapes are crawled too.
BUNDLE_BUILDERS = {"small_bundle": small_bundle, "minimal_bundle": minimal_bundle}
GENERATED = [(1, 60), (2, 70), (3, 90)]  # (seed, incidents)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    # The crawl makes hundreds of anonymous API reads; throttling has its own tests.
    monkeypatch.setattr(APIView, "throttle_classes", [])


# --- the crawler ----------------------------------------------------------------


def _first(queryset, field):
    return queryset.values_list(field, flat=True).first()


def public_urls(*, api_details_every=1):
    """Every public page and API read the current database makes, as (url, extra headers).

    An incident's nested API reads (its bundle, events, claims and responses) are made for
    every `api_details_every`-th incident: on a large generated dataset they repeat the
    same shapes thousands of times, while the site pages are read for every incident.
    """
    incidents = list(Incident.objects.public().order_by("slug").values_list("slug", flat=True))
    organisations = list(Organization.objects.public().order_by("slug").values_list("slug", flat=True))
    vendor = _first(Incident.objects.public().order_by("slug"), "vendor__slug")
    reporter = _first(Participant.objects.filter(incident__in=Incident.objects.public()), "organization__slug")
    data_class = _first(DataClass.objects.order_by("slug"), "slug")
    norm = _first(Norm.objects.order_by("slug"), "slug")
    claimant = _first(Claim.objects.public().order_by("pk"), "claimant__slug")
    years = sorted({d.year for d in Event.objects.public().values_list("nominal", flat=True) if d})
    year = years[len(years) // 2] if years else 2019

    urls = ["/", "/incidents/"]
    urls += [f"/incidents/?sort={value}" for value, _label in SORT_CHOICES]
    urls += [
        f"/incidents/?year={year}&sort=shortest_notice",
        f"/incidents/?vendor={vendor}&sort=largest",
        f"/incidents/?reporter={reporter}&page=2",
        f"/incidents/?data_class={data_class}&sort=longest_exposure",
        f"/incidents/?notice_under={norm}",
        f"/incidents/?claim_status={next(iter(STANCE_LABELS))}&sort=newest",
        "/incidents/?q=database&page=2",
        "/incidents/?page=2",
        "/incidents/?page=9999",
        "/incidents/?page=last",
        "/incidents/?page=nonsense",
        "/incidents/?year=1",
        "/incidents/?year=9998",
        "/incidents/?year=99999",
        "/incidents/?year=nonsense&sort=nonsense&notice_under=nonsense",
    ]
    urls += ["/claims/", "/claims/?page=2", "/claims/?page=9999", f"/claims/?claimant={claimant}&vendor={vendor}"]
    urls += [f"/claims/?stance={stance}" for stance in STANCE_LABELS]
    urls += [f"/claims/?category={category}" for category in Claim.Category.values]
    urls += [f"/compare/?by={by}" for by in ("year", "reporter", "vendor", "nonsense")]
    urls += [f"/compare/?metric={metric}&by=year" for metric in Metric.values]
    urls += [f"/compare.csv?metric={metric}" for metric in (*Metric.values, "nonsense")]
    urls += ["/methodology/", "/feeds/incidents/", "/feeds/responses/", "/sitemap.xml", "/sitemap-incidents.xml"]
    for slug in incidents:
        urls += [f"/incidents/{slug}/", f"/incidents/{slug}/timeline.json", f"/incidents/{slug}/bundle.json"]
    urls += [f"/organisations/{slug}/" for slug in organisations]

    api = "/api/v1"
    urls += [
        f"{api}/incidents/",
        f"{api}/incidents/?page=2",
        f"{api}/incidents/?format=csv",
        f"{api}/incidents/?search=database&ordering=-affected_count",
        f"{api}/events/",
        f"{api}/events/?page=2",
        f"{api}/claims/",
        f"{api}/organisations/",
        f"{api}/sources/",
        f"{api}/data-classes/",
        f"{api}/aggregates/",
        f"{api}/aggregates/?format=csv",
        f"{api}/aggregates/responses/",
        f"{api}/bundles/public/",
    ]
    urls += [f"{api}/data-classes/{slug}/" for slug in DataClass.objects.values_list("slug", flat=True)]
    urls += [f"{api}/organisations/{slug}/" for slug in organisations]
    for i, slug in enumerate(incidents):
        urls += [f"{api}/incidents/{slug}/", f"{api}/incidents/{slug}/metrics/"]
        if i % api_details_every:
            continue
        urls += [
            f"{api}/incidents/{slug}/bundle/",
            f"{api}/incidents/{slug}/events/",
            f"{api}/incidents/{slug}/claims/",
        ]
        urls += [f"{api}/incidents/{slug}/events/{key}/" for key in _public_keys(Event, slug)]
        for key in _public_keys(Claim, slug):
            claim = f"{api}/incidents/{slug}/claims/{key}"
            urls += [f"{claim}/", f"{claim}/responses/"]
            urls += [
                f"{claim}/responses/{pk}/"
                for pk in Response.objects.public()
                .filter(claim__incident__slug=slug, claim__key=key)
                .values_list("pk", flat=True)
            ]
    sources = Source.objects.public().order_by("key").values_list("key", flat=True)
    urls += [f"{api}/sources/{key}/" for key in sources[:: max(1, api_details_every)]]

    pages = [(url, {}) for url in urls]
    # htmx asks for the partial of the same template: it must render too.
    pages += [(url, HTMX) for url in ("/incidents/?sort=shortest_notice", "/claims/?page=2", "/compare/?by=reporter")]
    return pages


def _public_keys(model, incident_slug):
    return list(model.objects.public().filter(incident__slug=incident_slug).values_list("key", flat=True))


def server_errors(pages):
    """'url -> status' for every page answering 5xx."""
    client = Client(raise_request_exception=False)
    errors = []
    for url, headers in pages:
        status = client.get(url, **headers).status_code
        if status >= 500:
            errors.append(f"{url}{' (htmx)' if headers else ''} -> {status}")
    return errors


def assert_no_server_errors(**options):
    pages = public_urls(**options)
    errors = server_errors(pages)
    assert not errors, f"{len(errors)} of {len(pages)} public URLs answered 5xx:\n" + "\n".join(errors)
    return pages


# --- datasets -------------------------------------------------------------------


def _import(document, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_bundle(document)


def _import_repository_bundles(django_capture_on_commit_callbacks):
    for path in BUNDLE_FILES:
        _import(load_document(path.read_text(encoding="utf-8")), django_capture_on_commit_callbacks)


@pytest.mark.parametrize(("seed", "size"), GENERATED, ids=[f"seed{s}-{n}" for s, n in GENERATED])
def test_no_public_url_fails_on_a_generated_dataset(seed, size, django_capture_on_commit_callbacks):
    """Generated incidents, with the repository's bundles alongside so that listings mix both."""
    _import_repository_bundles(django_capture_on_commit_callbacks)
    call_command("generate_incidents", incidents=size, seed=seed, stdout=io.StringIO())
    pages = assert_no_server_errors(api_details_every=10)
    assert len(pages) > 4 * Incident.objects.public().count(), "the crawl missed the incident pages"


@pytest.mark.parametrize("path", BUNDLE_FILES, ids=[p.name for p in BUNDLE_FILES])
def test_no_public_url_fails_on_a_bundle_of_the_repository(path, django_capture_on_commit_callbacks):
    _import(load_document(path.read_text(encoding="utf-8")), django_capture_on_commit_callbacks)
    assert Incident.objects.public().exists()
    assert_no_server_errors()


@pytest.mark.parametrize("name", BUNDLE_BUILDERS)
def test_no_public_url_fails_on_a_bundle_the_tests_build(name, django_capture_on_commit_callbacks):
    _import(BUNDLE_BUILDERS[name](), django_capture_on_commit_callbacks)
    assert_no_server_errors()


# --- chart ticks (they ran out of steps: StopIteration) ---------------------------


def _public_incident_with_events(times, tz="America/New_York"):
    """A published incident with one published event per (at, precision), metrics computed."""
    incident = IncidentFactory(timezone=tz)
    ParticipantFactory(incident=incident, organization=OrganizationFactory(kind="researcher"))
    for i, (at, precision) in enumerate(times):
        EventFactory(incident=incident, key=f"e{i}", kind="other", at=at, precision=precision)
    metrics_recompute_all()
    return incident


def _inset_ticks(html):
    inset = html.split('class="axis inset-axis"', 1)[1].split("</g>", 1)[0]
    return inset.count('class="tick"')


def test_a_cluster_of_precise_events_spanning_100_hours_is_drawn_with_day_ticks(client):
    start = datetime(2020, 3, 2, 8, 0)  # noqa: DTZ001 - wall time in the incident's zone
    # Every 20 hours: within one cluster (the gap allowed is 2 % of the ~60-day span).
    precise = [((start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M"), "minute") for h in range(0, 101, 20)]
    incident = _public_incident_with_events([("2020-01-01", "day"), *precise])
    response = client.get(incident.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    # The cluster, padded by 12 % on each side; it ends on another day, so the end says which.
    assert "Zoomed in: 1 March 2020, 19:59 to 7 March 2020, 00:01 (America/New_York)" in html
    assert 1 <= _inset_ticks(html) <= MAX_TICKS
    assert ">2 Mar</text>" in html and ">6 Mar</text>" in html


def test_a_cluster_of_precise_events_spanning_ten_years_is_drawn_with_year_ticks(client):
    precise = [(f"{year}-06-01T12:00", "minute") for year in range(2010, 2021, 2)]
    incident = _public_incident_with_events([("1900", "year"), *precise])
    response = client.get(incident.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zoomed in: 20 March 2009, 03:21 to 13 August 2021, 20:39 (America/New_York)" in html
    assert _inset_ticks(html) == 6
    assert ">2010</text>" in html and ">2020</text>" in html


def test_events_spanning_the_whole_supported_range_are_drawn(client):
    incident = _public_incident_with_events(
        [("1000", "year"), ("1000-01-01T00:00", "minute"), ("2019-12-26T09:21", "minute"), ("9000", "year")],
        tz="Pacific/Kiritimati",
    )
    assert client.get(incident.get_absolute_url()).status_code == 200
    assert client.get(f"{incident.get_absolute_url()}timeline.json").status_code == 200


SPANS = [
    timedelta(0),
    timedelta(seconds=1),
    timedelta(seconds=59),
    timedelta(minutes=7),
    timedelta(hours=5),
    timedelta(hours=84),
    timedelta(hours=100),
    timedelta(days=13),
    timedelta(days=95),
    timedelta(days=700),
    timedelta(days=3653),
    timedelta(days=365 * 70 + 20),
    timedelta(days=365 * 1000),
    timedelta(days=365 * 8000),
]


@pytest.mark.parametrize("tz", ["UTC", "America/Los_Angeles", "Asia/Kathmandu", "Pacific/Apia", "Europe/Dublin"])
@pytest.mark.parametrize("span", SPANS, ids=str)
def test_ticks_fit_any_span_in_any_zone(span, tz):
    """From no time at all to eight millennia: a few ticks, in order, inside the axis."""
    # Just before a DST change in Los Angeles, and at the first instant of the supported years.
    for t0 in (datetime(2019, 11, 3, 8, 59, 30, 250000, tzinfo=UTC), datetime(1000, 1, 1, tzinfo=UTC)):
        if span > datetime(9000, 1, 1, tzinfo=UTC) - t0:
            continue
        t1 = t0 + span
        x = _scale(t0, t1)
        ticks = _ticks(t0, t1, ZoneInfo(tz), x)
        assert len(ticks) <= MAX_TICKS
        if span >= timedelta(seconds=1):
            assert len(ticks) >= 1
        xs = [t["x"] for t in ticks]
        assert xs == sorted(xs) and all(x(t0) <= value <= x(t1) for value in xs)
        assert all(t["label"] for t in ticks)


@pytest.mark.parametrize(
    ("t0", "t1"),
    [
        (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)),
        (datetime.min.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC) + timedelta(hours=3)),
        (datetime.max.replace(tzinfo=UTC) - timedelta(hours=3), datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_ticks_never_overflow_at_the_limits_of_datetime(t0, t1):
    assert len(_ticks(t0, t1, ZoneInfo("Pacific/Kiritimati"), _scale(t0, t1))) <= MAX_TICKS


# --- year 1 (OverflowError) -------------------------------------------------------

OUT_OF_RANGE = "outside the years the tracker can record (1000 to 9000)"


@pytest.mark.parametrize(("at", "precision"), [("0001-01-01", "day"), ("0001-01-01", "year"), ("0001", "year")])
def test_timemath_refuses_year_1_in_plain_words(at, precision):
    with pytest.raises(timemath.TimeError, match=r"is in the year 1, outside the years the tracker can record"):
        timemath.interval(at, precision, False, "UTC")


@pytest.mark.parametrize("precision", ["day", "year"])
def test_the_service_refuses_an_event_in_year_1_as_a_field_error(precision):
    incident = IncidentFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.event_create(incident=incident, key="e", kind="other", at="0001-01-01", precision=precision)
    assert OUT_OF_RANGE in excinfo.value.message_dict["at"][0]
    assert not Event.objects.exists()


def test_the_api_refuses_an_event_in_year_1_naming_the_field(editor):
    incident = IncidentFactory()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    response = api.post(
        f"/api/v1/incidents/{incident.slug}/events/",
        {"key": "e", "kind": "other", "time": {"at": "0001-01-01", "precision": "day"}},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["path"] == "time.at" and OUT_OF_RANGE in errors[0]["message"], errors
    assert not Event.objects.exists()


def test_a_bundle_with_an_event_in_year_1_is_refused_at_its_json_path():
    bundle = small_bundle()
    bundle["incidents"][0]["events"][1]["time"] = {"at": "0001-01-01", "precision": "year"}
    with pytest.raises(BundleError) as excinfo:
        import_bundle(bundle)
    problems = {p.path: p.message for p in excinfo.value.problems}
    assert OUT_OF_RANGE in problems["incidents[0].events[1].time.at"], problems
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("at", "precision", "lo", "hi"),
    [
        ("0001-01-01", "day", datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 2, tzinfo=UTC)),
        ("0001", "year", datetime(1, 1, 1, tzinfo=UTC), datetime(2, 1, 1, tzinfo=UTC)),
        ("9999-12-31", "day", datetime(9999, 12, 31, tzinfo=UTC), datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_a_stored_event_at_the_limits_of_the_calendar_still_renders_every_page(
    client, at, precision, lo, hi, django_capture_on_commit_callbacks
):
    """Rows stored before the year rule: the chart leaves them off, and no page fails."""
    _import(small_bundle(), django_capture_on_commit_callbacks)
    incident = _public_incident_with_events([("2020-03-02T14:05", "minute"), ("2020-03-03", "day")], tz="Asia/Tokyo")
    forced = {"at": at, "precision": precision, "lo": lo, "hi": hi, "nominal": lo}
    # One of two events here; in the bundle's incident, every recorded time.
    Event.objects.filter(incident=incident, key="e1").update(**forced)
    Event.objects.exclude(incident=incident).update(**forced)
    for model in (Claim, Response, Source):
        model.objects.update(**forced)
    metrics_recompute_all()
    assert_no_server_errors()
    html = client.get(incident.get_absolute_url()).content.decode()
    assert "1 recorded time lies outside the years the chart can draw" in html
    timeline = json.loads(client.get(f"{incident.get_absolute_url()}timeline.json").content)
    assert timeline["events"]
