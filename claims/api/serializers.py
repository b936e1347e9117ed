"""Serializers of claims and vendor responses. They build on the core serializers
and field helpers (disclosure/api/serializers.py), whose conventions they follow:
every one lists its fields, public reads never carry private notes, and write
serializers only validate.
"""

from rest_framework import serializers

from claims.models import STANCE_LABELS, Claim, Response, Stance
from disclosure.api.serializers import (
    CitationReadSerializer,
    CitationSerializer,
    RecordedTimeField,
    org_field,
    org_ref,
)

RESPONSE_FIELDS = ["id", "responder", "stance", "statement", "time", "status", "position", "citations"]


class ResponseSerializer(serializers.ModelSerializer):
    responder = org_ref()
    time = RecordedTimeField()
    citations = CitationReadSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = RESPONSE_FIELDS
        read_only_fields = fields


class ResponseWriteSerializer(serializers.ModelSerializer):
    responder = org_field()
    stance = serializers.ChoiceField(choices=Stance.choices)
    time = RecordedTimeField(help_text="When the response was given, as reported.")
    citations = CitationSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text="Sources to cite, added with the record on creation (a published record needs one). "
        "To cite on an existing record, POST to its `citations/` address.",
    )

    class Meta:
        model = Response
        fields = ["responder", "stance", "statement", "time", "status", "citations"]


CLAIM_FIELDS = [
    "incident",
    "key",
    "statement",
    "claimant",
    "category",
    "asserted",
    "status",
    "position",
    "vendor_stance",
    "citations",
    "responses",
]


class ClaimSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    claimant = org_ref()
    asserted = RecordedTimeField(allow_null=True, help_text="When the claim was made, as reported; null if unknown.")
    vendor_stance = serializers.ChoiceField(
        choices=list(STANCE_LABELS.items()),
        read_only=True,
        help_text="The stance of the vendor's latest response, or awaiting_response.",
    )
    citations = CitationReadSerializer(many=True, read_only=True)
    responses = ResponseSerializer(many=True, read_only=True, source="listed_responses")

    class Meta:
        model = Claim
        fields = CLAIM_FIELDS
        read_only_fields = fields


class StaffClaimSerializer(ClaimSerializer):
    class Meta(ClaimSerializer.Meta):
        fields = [*CLAIM_FIELDS, "private_notes"]
        read_only_fields = fields


class ClaimWriteSerializer(serializers.ModelSerializer):
    claimant = org_field()
    asserted = RecordedTimeField(required=False, allow_null=True, help_text="When the claim was made, as reported.")
    citations = CitationSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text="Sources to cite, added with the record on creation (a published record needs one). "
        "To cite on an existing record, POST to its `citations/` address.",
    )

    class Meta:
        model = Claim
        fields = ["key", "statement", "claimant", "category", "asserted", "status", "private_notes", "citations"]
