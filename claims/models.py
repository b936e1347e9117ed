"""Claims made about an incident, and the responses to them, kept in order."""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from disclosure.models import (
    NOTES_TEXT,
    SHORT_TEXT,
    CitationBase,
    Incident,
    Organization,
    PublicationStatus,
    RecordedTime,
    slug_validator,
)

from .choices import AWAITING_RESPONSE, STANCE_LABELS, ClaimCategory, Stance
from .querysets import ClaimQuerySet, ResponseQuerySet

__all__ = ["AWAITING_RESPONSE", "STANCE_LABELS", "ClaimCategory", "Stance"]  # importable from models too


class Claim(RecordedTime):
    Category = ClaimCategory

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="claims")
    key = models.SlugField(max_length=150, validators=[slug_validator])
    statement = models.TextField(max_length=SHORT_TEXT, validators=[MaxLengthValidator(SHORT_TEXT)])
    claimant = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="claims")
    category = models.CharField(max_length=24, choices=Category.choices)
    status = models.CharField(max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT)
    private_notes = models.TextField(
        blank=True,
        max_length=NOTES_TEXT,
        validators=[MaxLengthValidator(NOTES_TEXT)],
        help_text="Never shown publicly or exported publicly.",
    )
    position = models.PositiveIntegerField(default=0)

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="claim_unique_key"),
            models.CheckConstraint(condition=Q(status__in=PublicationStatus.values), name="claim_status_valid"),
            models.CheckConstraint(
                condition=Q(category__in=ClaimCategory.values),
                name="claim_category_valid",
            ),
        ]

    def __str__(self):
        return self.statement[:80]

    def get_absolute_url(self):
        return self.incident.get_absolute_url() + f"#claim-{self.key}"

    def default_timezone(self):
        return self.incident.timezone


class Response(RecordedTime):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="responses")
    responder = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="responses")
    stance = models.CharField(max_length=24, choices=Stance.choices)
    statement = models.TextField(blank=True, max_length=SHORT_TEXT, validators=[MaxLengthValidator(SHORT_TEXT)])
    status = models.CharField(
        max_length=16,
        choices=PublicationStatus.choices,
        # Draft by default, like events and claims: nothing becomes public without someone choosing it.
        default=PublicationStatus.DRAFT,
        help_text="A draft response is never public, even on a published claim.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Order of the response in the claim's history.")

    objects = ResponseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "position", "id"]
        # The latest responses first (the home page, the responses feed) without sorting them all.
        indexes = [models.Index(fields=["-nominal", "-id"], name="response_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values),
                name="response_stance_valid",
            ),
            models.CheckConstraint(condition=Q(status__in=PublicationStatus.values), name="response_status_valid"),
            models.CheckConstraint(condition=~Q(at=""), name="response_time_required"),
        ]

    def __str__(self):
        return f"{self.responder}: {self.get_stance_display()}"

    def default_timezone(self):
        return self.claim.incident.timezone


class ClaimCitation(CitationBase):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey("disclosure.Source", on_delete=models.PROTECT, related_name="claim_citations")

    history = HistoricalRecords()

    class Meta(CitationBase.Meta):
        pass


class ResponseCitation(CitationBase):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey("disclosure.Source", on_delete=models.PROTECT, related_name="response_citations")

    history = HistoricalRecords()

    class Meta(CitationBase.Meta):
        pass
