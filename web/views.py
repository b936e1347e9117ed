"""Public pages. Thin: they read through the selectors, which read through public().

Every public view is cacheable by browsers and proxies (`public_page`), and the
ones that answer htmx requests with a partial say so in `Vary`.
"""

import csv
from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from interchange.bundle import dumps, export_bundle
from metrics import selectors as metric_selectors
from metrics.models import Metric

from . import selectors
from .filters import SORT_CHOICES, ClaimFilter, IncidentFilter

PAGE_SIZE = 20
BY_CHOICES = [("year", "year"), ("reporter", "reporting organisation"), ("vendor", "vendor")]


def public_page(view):
    """GET/HEAD only, cacheable by anyone for PUBLIC_CACHE_SECONDS, and different for htmx requests."""

    @require_safe
    @vary_on_headers("HX-Request")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
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
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_listing_details(page.object_list)
    choices = selectors.incident_filter_choices()
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
    context = selectors.compare_context(metric, by)
    context["metric_choices"] = Metric.choices
    context["by_choices"] = BY_CHOICES
    context["by_label"] = dict(BY_CHOICES)[by]
    template = "disclosure/compare.html#chart" if request.htmx else "disclosure/compare.html"
    return render(request, template, context)


class _Echo:
    def write(self, value):
        return value


@public_page
def compare_csv(request):
    """Every stored public figure of one metric that the aggregates summarise, one row per incident.

    The same figures as the compare page's dots and table (retracted incidents left
    out), with each norm's outcome as `metrics.figures.norm_comparisons` gives it, in the norm's direction
    (met, uncertain, missed, or pending for an open figure).
    """
    metric, _by = _compare_params(request)
    norms = metric_selectors.metric_norms(metric)
    rows = selectors.compare_rows(metric, norms)
    writer = csv.writer(_Echo())
    header = ["incident", "title", "vendor", "reporters", "year", "metric", "nominal_seconds", "min_seconds",
              "max_seconds", "open", "url", *(f"norm:{n.slug}" for n in norms)]  # fmt: skip

    def lines():
        yield writer.writerow(header)
        for r in rows:
            yield writer.writerow(
                [
                    r.incident_slug,
                    r.incident_title,
                    r.vendor_name,
                    "; ".join(r.reporter_names),
                    r.year or "",
                    r.metric,
                    r.nominal_seconds,
                    r.min_seconds,
                    r.max_seconds,
                    "true" if r.open else "false",
                    request.build_absolute_uri(r.url),
                    *r.outcomes,
                ]  # fmt: skip
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{metric}.csv"'
    return response


@public_page
def methodology(request):
    return render(request, "disclosure/methodology.html", selectors.methodology_context())


# --- claims -------------------------------------------------------------------

CLAIMS_PAGE_SIZE = 30


@public_page
def claim_list(request):
    filterset = ClaimFilter(request.GET, queryset=selectors.public_claims().order_by("-nominal", "-pk"))
    page = Paginator(filterset.qs, CLAIMS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "current": request.GET,
        **selectors.claim_filter_choices(),
    }
    template = "claims/claim_list.html#results" if request.htmx else "claims/claim_list.html"
    return render(request, template, context)
