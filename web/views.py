"""Public pages. Thin: they read through the selectors, which read through public().

Every public view is cacheable by browsers and proxies (`public_page`), and the
ones that answer htmx requests with a partial say so in `Vary`.
"""

import csv
import itertools
import json
import unicodedata
from datetime import UTC
from functools import wraps

from django.conf import settings
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from disclosure.api.renderers import csv_cell
from disclosure.pagination import BoundedPaginator
from interchange.bundle import dumps, export_bundle
from metrics import figures
from metrics import selectors as metric_selectors
from metrics.models import Metric

from . import pagecache, selectors
from .filters import SORT_CHOICES, ClaimFilter, IncidentFilter

PAGE_SIZE = 20
BY_CHOICES = [("year", "year"), ("reporter", "reporting organisation"), ("vendor", "vendor")]


def _signed_in(request):
    # Without a session cookie nobody is signed in (the site's pages know no other sign-in), and
    # the user need not be loaded: a third of what a kept page costs to answer (issue 13).
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated


def public_page(view):
    """GET/HEAD only, cacheable by anyone for PUBLIC_CACHE_SECONDS, and different for htmx requests.

    An anonymous reader is answered from the stamp of web/pagecache.py before anything is
    rendered: 304 when their ETag is current, else the page kept since the last change, else a
    fresh render, kept unless it streams. A signed-in reader always gets a fresh render, never
    stored and never marked public.
    """

    @require_safe
    @vary_on_headers("HX-Request")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if _signed_in(request):
            # Not marked public: SecurityHeadersMiddleware makes it private, no-store (a signed-in
            # page may show what only its reader may see, and no shared cache may keep it).
            return view(request, *args, **kwargs)
        response = pagecache.answer(request, pagecache.page_key(request), lambda: view(request, *args, **kwargs))
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        return response

    return wrapper


@public_page
def home(request):
    return render(request, "disclosure/home.html", selectors.home_figures())


@public_page
def incident_list(request):
    # Always bound, even to an empty query: an unbound FilterSet skips filter_queryset, and with
    # it the default sort and the listing figures (date, notice) the cards show.
    filterset = IncidentFilter(request.GET, queryset=selectors.public_incidents())
    page = BoundedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_listing_details(page.object_list)
    choices = dict(pagecache.remembered("incident-filter-choices", selectors.incident_filter_choices))
    choices["years"] = [(year, year) for year in choices["years"]]  # as (value, label), like every other select
    context = {
        "filter": filterset,
        "page": page,
        "choices": choices,
        "sort_choices": SORT_CHOICES,
        "current": request.GET,
    }
    template = "disclosure/incident_list.html#results" if request.htmx else "disclosure/incident_list.html"
    return render(request, template, context)


@public_page
def incident_detail(request, slug):
    incident = selectors.public_incident_detail(slug)
    return render(request, "disclosure/incident_detail.html", selectors.incident_page_context(incident))


@public_page
def incident_timeline_json(request, slug):
    """The incident's public events in TimelineJS3's JSON format."""
    incident = selectors.public_incident_detail(slug)
    return JsonResponse(selectors.timelinejs_document(incident, request))


@public_page
def incident_bundle(request, slug):
    """The public bundle of one incident (bundle-v1), as a download."""
    selectors.public_incident_detail(slug)  # 404 unless public
    document = export_bundle(slugs=[slug], public=True)
    response = HttpResponse(dumps(document), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.bundle.json"'
    return response


@public_page
def organization_detail(request, slug):
    organization = selectors.public_organization(slug)
    return render(request, "disclosure/organization_detail.html", selectors.organization_page_context(organization))


def _compare_params(request):
    metric = request.GET.get("metric") or Metric.NOTICE_TO_PUBLICATION
    if metric not in Metric.values:
        metric = Metric.NOTICE_TO_PUBLICATION
    by = request.GET.get("by") if request.GET.get("by") in ("reporter", "year", "vendor") else "year"
    return metric, by


@public_page
def compare(request):
    metric, by = _compare_params(request)
    context = selectors.compare_context(metric, by, request.GET.get("sort"), request.GET.get("order"))
    context["metric_choices"] = Metric.choices
    context["by_choices"] = BY_CHOICES
    context["by_label"] = dict(BY_CHOICES)[by]
    template = "disclosure/compare.html#chart" if request.htmx else "disclosure/compare.html"
    return render(request, template, context)


def _kept_or_streamed(request, produce, content_type):
    """A download: its file kept since the last change (web/pagecache.py), or `produce()`'s chunks
    streamed and kept for the next reader. `produce` runs only when nothing is kept."""
    key = pagecache.page_key(request)
    kept = pagecache.kept_download(key)
    if kept is not None:
        return FileResponse(kept, content_type=content_type)
    return StreamingHttpResponse(pagecache.keep_download(key, produce()), content_type=content_type)


class _Echo:
    def write(self, value):
        return value


class _SafeWriter:
    """A streaming CSV writer whose every cell goes through `csv_cell`: no spreadsheet formula runs from
    a title or a statement, and numbers stay numbers."""

    def __init__(self):
        self._writer = csv.writer(_Echo())

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])


@public_page
def compare_csv(request):
    """Every stored public figure of one metric that the aggregates summarise, one row per incident.

    The same figures as the compare page's dots and table (retracted incidents left
    out), with each norm's outcome as `metrics.figures.norm_comparisons` gives it, in the norm's direction
    (met, uncertain, missed, or pending for an open figure). With `by=reporter` for the
    notice, one row per publishing reporter and incident: its own notice (§4.2), or
    `no_notice` true with no seconds (missed for every notice norm).
    """
    metric, by = _compare_params(request)
    norms = metric_selectors.metric_norms(metric)
    per_reporter = by == "reporter" and figures.REPORTER_DIMENSION.get(metric) == figures.PUBLISHING
    writer = _SafeWriter()
    header = ["incident", "title", "vendor", "reporters", "year", "metric", "nominal_seconds", "min_seconds",
              "max_seconds", "open", "no_notice", "url", *(f"norm:{n.slug}" for n in norms)]  # fmt: skip

    def lines():
        yield writer.writerow(header)
        rows = selectors.reporter_notice_rows(norms) if per_reporter else selectors.compare_rows(metric, norms)
        for r in rows:
            none_given = getattr(r, "no_notice", False)
            yield writer.writerow(
                [
                    r.incident_slug,
                    r.incident_title,
                    r.vendor_name,
                    "; ".join(r.reporter_names),
                    r.year or "",
                    metric,
                    "" if none_given else r.nominal_seconds,
                    "" if none_given else r.min_seconds,
                    "" if none_given else r.max_seconds,
                    "true" if r.open else "false",
                    "true" if none_given else "false",
                    request.build_absolute_uri(r.url),
                    *r.outcomes,
                ]  # fmt: skip
            )

    response = _kept_or_streamed(request, lines, "text/csv; charset=utf-8")
    suffix = "-by-reporter" if per_reporter else ""
    response["Content-Disposition"] = f'attachment; filename="{metric}{suffix}.csv"'
    return response


@public_page
def methodology(request):
    return render(request, "disclosure/methodology.html", selectors.methodology_context())


# --- claims -------------------------------------------------------------------

CLAIMS_PAGE_SIZE = 30


@public_page
def claim_list(request):
    filterset = ClaimFilter(request.GET, queryset=selectors.public_claims().order_by("-nominal", "-pk"))
    page = BoundedPaginator(filterset.qs, CLAIMS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "current": request.GET,
        **pagecache.remembered("claim-filter-choices", selectors.claim_filter_choices),
    }
    template = "claims/claim_list.html#results" if request.htmx else "claims/claim_list.html"
    return render(request, template, context)


# --- downloads ----------------------------------------------------------------

DOWNLOAD_COLUMNS = [
    "incident", "title", "url", "vendor", "year", "metric", "reporter", "no_notice", "nominal_seconds",
    "min_seconds", "max_seconds", "open", "as_of", "words", "computed_at",
]  # fmt: skip


def _ascii_header(text):
    """A header value any HTTP client reads: ASCII, on one line."""
    text = unicodedata.normalize("NFKD", " ".join(str(text).split()))
    return text.encode("ascii", "ignore").decode("ascii")


def _iso(instant):
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z") if instant else None


def _bool(value):
    return "true" if value else "false"


def _download_headers(response, metadata, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Data-As-Of"] = metadata["data_as_of"] or ""
    response["X-Licence"] = _ascii_header(metadata["licence"])
    return response


@public_page
def download_figures_csv(request):
    """Every stored public figure, one row per figure, streamed: the incidents' own and each reporter's notice.

    The population of the aggregates (public incidents, retracted ones left out); the
    data date and the licence in the headers `X-Data-As-Of` and `X-Licence`.
    """
    norms = metric_selectors.download_norms()
    metadata = metric_selectors.download_metadata(norms=norms)
    writer = _SafeWriter()
    url = {}

    def incident_url(slug):
        if slug not in url:
            url.clear()
            url[slug] = request.build_absolute_uri(reverse("disclosure:incident-detail", args=[slug]))
        return url[slug]

    def lines():
        yield writer.writerow([*DOWNLOAD_COLUMNS, *(f"norm:{n.slug}" for n in norms)])
        for r in metric_selectors.download_rows(norms=norms):
            no_notice = r.reporter is not None and r.no_notice
            seconds = ["", "", ""] if no_notice else [r.nominal_seconds, r.min_seconds, r.max_seconds]
            yield writer.writerow(
                [
                    r.incident.slug,
                    r.incident.title,
                    incident_url(r.incident.slug),
                    r.incident.vendor.slug,
                    r.year if r.year is not None else "",
                    r.metric,
                    r.reporter.slug if r.reporter is not None else "",
                    _bool(no_notice),
                    *seconds,
                    _bool(r.open),
                    _iso(r.as_of) or "",
                    r.words,
                    _iso(r.computed_at),
                    *(r.outcomes.get(n.slug, "") for n in norms),
                ]
            )

    response = _kept_or_streamed(request, lines, "text/csv; charset=utf-8")
    return _download_headers(response, metadata, "figures.csv")


def _incident_document(request, rows):
    """One incident's object of the JSON download, from its rows (`download_rows`, one incident's)."""
    document = None
    for r in rows:
        if document is None:
            incident = r.incident
            document = {
                "incident": incident.slug,
                "title": incident.title,
                "url": request.build_absolute_uri(reverse("disclosure:incident-detail", args=[incident.slug])),
                "vendor": incident.vendor.slug,
                "year": r.year,
                "metrics": [],
                "reporters": [],
            }
        if r.reporter is None:
            figure = {
                "metric": r.metric,
                "nominal_seconds": r.nominal_seconds,
                "min_seconds": r.min_seconds,
                "max_seconds": r.max_seconds,
                "open": r.open,
            }
            if r.open:
                figure["as_of"] = _iso(r.as_of)
            document["metrics"].append(figure | {"words": r.words, "norms": r.outcomes})
        else:
            notice = {"organization": r.reporter.slug, "metric": r.metric, "no_notice": r.no_notice}
            if not r.no_notice:
                notice |= {
                    "nominal_seconds": r.nominal_seconds,
                    "min_seconds": r.min_seconds,
                    "max_seconds": r.max_seconds,
                }
            document["reporters"].append(notice | {"words": r.words, "norms": r.outcomes})
    return document


@public_page
def download_figures_json(request):
    """Every stored public figure as one JSON document, streamed one incident at a time.

    `{"data_as_of", "generated_at", "licence", "population", "norms", "incidents": [...]}`;
    the same population and figures as the CSV download.
    """
    norms = metric_selectors.download_norms()
    metadata = metric_selectors.download_metadata(norms=norms)

    def chunks():
        head = json.dumps(metadata, ensure_ascii=False)
        yield head[:-1] + ', "incidents": ['
        rows = metric_selectors.download_rows(norms=norms)
        for i, (_incident, group) in enumerate(itertools.groupby(rows, key=lambda r: r.incident_id)):
            yield ("," if i else "") + "\n" + json.dumps(_incident_document(request, group), ensure_ascii=False)
        yield "\n]}\n"

    response = _kept_or_streamed(request, chunks, "application/json; charset=utf-8")
    return _download_headers(response, metadata, "figures.json")
