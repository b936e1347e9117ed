"""Writes to claims and responses (see disclosure/services.py for the conventions)."""

from django.db import transaction

from disclosure.services import (
    _assign,
    _next_position,
    citation_add,
    deferred_checks,
    incident_metrics_enqueue,
    record_delete,
)

from .models import Claim, Response


@transaction.atomic
def claim_create(*, incident, by=None, citations=(), **fields):
    fields.setdefault("position", _next_position(incident.claims))
    with deferred_checks():
        claim = _assign(Claim(incident=incident), fields, by)
        for citation in citations:
            citation_add(record=claim, by=by, **citation)
    incident_metrics_enqueue(incident_id=incident.pk)
    return claim


@transaction.atomic
def claim_update(*, claim, by=None, **fields):
    claim = _assign(claim, fields, by)
    incident_metrics_enqueue(incident_id=claim.incident_id)
    return claim


@transaction.atomic
def claim_delete(*, claim, by=None):
    incident_id = claim.incident_id
    record_delete(instance=claim, by=by)
    incident_metrics_enqueue(incident_id=incident_id)


@transaction.atomic
def response_add(*, claim, by=None, citations=(), **fields):
    """Append a response to the claim's history; earlier responses are kept."""
    fields.setdefault("position", _next_position(claim.responses))
    with deferred_checks():
        response = _assign(Response(claim=claim), fields, by)
        for citation in citations:
            citation_add(record=response, by=by, **citation)
    incident_metrics_enqueue(incident_id=claim.incident_id)
    return response


@transaction.atomic
def response_update(*, response, by=None, **fields):
    response = _assign(response, fields, by)
    incident_metrics_enqueue(incident_id=response.claim.incident_id)
    return response
