"""Public pages. Thin: they read through the selectors, which read through public()."""

from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors


def home(request):
    latest = selectors.public_incidents().order_by("-created_at")[:10]
    return render(request, "disclosure/home.html", {"latest": latest})


def incident_list(request):
    page = Paginator(selectors.public_incidents().order_by("-created_at"), 25).get_page(request.GET.get("page"))
    return render(request, "disclosure/incident_list.html", {"page": page})


def incident_detail(request, slug):
    incident = selectors.public_incident_detail(slug)
    return render(request, "disclosure/incident_detail.html", {"incident": incident})


def organization_detail(request, slug):
    organization = selectors.public_organization(slug)
    incidents = selectors.public_incidents().filter(vendor=organization)
    return render(
        request, "disclosure/organization_detail.html", {"organization": organization, "incidents": incidents}
    )
