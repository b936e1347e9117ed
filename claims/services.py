"""Writes to claims and responses (see disclosure/services.py for the conventions)."""

from django.db import transaction

from disclosure.services import (
    _assign,
    _next_position,
    _require,
    _require_publish_if_published,
    incident_metrics_enqueue,
)

from .models import Claim, Response


@transaction.atomic
def claim_create(*, incident, by=None, **fields):
    _require(by, "claims.add_claim")
    _require_publish_if_published(by, fields.get("status", Claim._meta.get_field("status").default))
    fields.setdefault("position", _next_position(incident.claims))
    claim = _assign(Claim(incident=incident), fields)
    incident_metrics_enqueue(incident_id=incident.pk)
    return claim


@transaction.atomic
def claim_update(*, claim, by=None, **fields):
    _require(by, "claims.change_claim")
    if fields.get("status", claim.status) != claim.status:
        _require(by, "disclosure.publish_incident")
    claim = _assign(claim, fields)
    incident_metrics_enqueue(incident_id=claim.incident_id)
    return claim


@transaction.atomic
def claim_delete(*, claim, by=None):
    _require(by, "claims.delete_claim")
    incident_id = claim.incident_id
    claim.delete()
    incident_metrics_enqueue(incident_id=incident_id)


@transaction.atomic
def response_add(*, claim, by=None, **fields):
    """Append a response to the claim's history; earlier responses are kept."""
    _require(by, "claims.add_response")
    _require_publish_if_published(by, fields.get("status", Response._meta.get_field("status").default))
    fields.setdefault("position", _next_position(claim.responses))
    response = _assign(Response(claim=claim), fields)
    incident_metrics_enqueue(incident_id=claim.incident_id)
    return response


@transaction.atomic
def response_update(*, response, by=None, **fields):
    _require(by, "claims.change_response")
    if fields.get("status", response.status) != response.status:
        _require(by, "disclosure.publish_incident")
    response = _assign(response, fields)
    incident_metrics_enqueue(incident_id=response.claim.incident_id)
    return response
