"""The choices of claims and responses, importable without models."""

from django.db import models


class Stance(models.TextChoices):
    CONFIRMED = "confirmed", "confirmed"
    PARTIALLY_CONFIRMED = "partially_confirmed", "partly confirmed"
    DISPUTED = "disputed", "disputed"
    DENIED = "denied", "denied"
    NO_COMMENT = "no_comment", "no comment"


AWAITING_RESPONSE = "awaiting_response"
STANCE_LABELS = {**dict(Stance.choices), AWAITING_RESPONSE: "awaiting response"}


class ClaimCategory(models.TextChoices):
    DATA_EXPOSURE = "data_exposure", "data exposure"
    SCOPE = "scope", "scope"
    ATTRIBUTION = "attribution", "attribution"
    DATA_FLOW = "data_flow", "data flow"
    PRIOR_INCIDENT = "prior_incident", "prior incident"
    DISCLOSURE_PROCESS = "disclosure_process", "disclosure process"
    REMEDIATION = "remediation", "remediation"
    OTHER = "other", "other"
