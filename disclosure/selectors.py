"""Reads for the public site and API: the public() selectors with what each page needs loaded."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from claims.models import Claim, ClaimCitation, Response, ResponseCitation

from .models import Event, EventCitation, ExposedData, Incident, Organization, Participant


def public_incidents(now=None):
    return Incident.objects.public(now).select_related("vendor")


def public_incident_detail(slug, now=None):
    """One public incident with everything its page shows, in a fixed number of queries."""
    cited = lambda model: model.objects.select_related("source", "source__outlet").order_by("position", "id")  # noqa: E731
    queryset = public_incidents(now).prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("organization")),
        Prefetch("data_exposed", queryset=ExposedData.objects.select_related("data_class")),
        Prefetch(
            "events",
            queryset=Event.objects.public(now)
            .select_related("actor", "target")
            .prefetch_related(Prefetch("citations", queryset=cited(EventCitation)))
            .order_by("nominal", "position"),
            to_attr="public_events",
        ),
        Prefetch(
            "claims",
            queryset=Claim.objects.public(now)
            .with_vendor_stance(public=True)
            .select_related("claimant")
            .prefetch_related(
                Prefetch("citations", queryset=cited(ClaimCitation)),
                Prefetch(
                    "responses",
                    queryset=Response.objects.public(now)
                    .select_related("responder")
                    .prefetch_related(Prefetch("citations", queryset=cited(ResponseCitation))),
                    to_attr="public_responses",
                ),
            ),
            to_attr="public_claims",
        ),
        "corrections",
    )
    return get_object_or_404(queryset, slug=slug)


def public_organization(slug, now=None):
    return get_object_or_404(Organization.objects.public(now), slug=slug)


def public_claims(now=None):
    """Public claims with the vendor's current public stance, the claimant and the incident loaded."""
    return (
        Claim.objects.public(now)
        .with_vendor_stance(public=True)
        .select_related("claimant", "incident", "incident__vendor")
    )
