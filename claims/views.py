"""The public claims index: every public claim with the vendor's current stance."""

from django.core.paginator import Paginator
from django.shortcuts import render

from claims.models import STANCE_LABELS, Claim
from disclosure import selectors
from disclosure.filters import ClaimFilter
from disclosure.models import Incident, Organization
from disclosure.views import public_page

PAGE_SIZE = 30


@public_page
def claim_list(request):
    filterset = ClaimFilter(request.GET or None, queryset=selectors.public_claims().order_by("-nominal", "-pk"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    public_claims = Claim.objects.public()
    context = {
        "filter": filterset,
        "page": page,
        "current": request.GET,
        "stances": list(STANCE_LABELS.items()),
        "categories": Claim.Category.choices,
        "claimants": list(
            Organization.objects.filter(id__in=public_claims.values("claimant_id")).values_list("slug", "name")
        ),
        "vendors": list(
            Organization.objects.filter(
                id__in=Incident.objects.filter(id__in=public_claims.values("incident_id")).values("vendor_id")
            ).values_list("slug", "name")
        ),
    }
    template = "claims/claim_list.html#results" if request.htmx else "claims/claim_list.html"
    return render(request, template, context)
