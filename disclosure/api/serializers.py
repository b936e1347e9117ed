"""Serializers of the core records: organisations, sources, data classes, citations,
incidents (with participants and exposed data) and timeline events, and the field
helpers every app's API uses (the recorded time, references by slug or key).

Every one lists its fields; none uses "__all__". Reads come in two flavours: the
public serializers, which never carry private notes, and the `Staff...`
serializers, which add them. A viewset names both (`read_serializer_class`,
`staff_serializer_class`) and its `get_serializer_class` picks the staff one for
users who see everything; create and partial_update use its
`write_serializer_class`. Write serializers only validate: the views hand
`validated_data` to the services, which are the only code that saves.

A recorded time has one shape everywhere, the bundle's:
{"at": "2019-12-26T09:21", "precision": "minute", "approximate": true, "margin": "PT30M",
"timezone": "America/Los_Angeles"} (`margin` only with `approximate`; blank when none).

Claims and responses have theirs in claims/api/serializers.py; the bundle import's
answer is in web/api/serializers.py.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from disclosure import timemath, timetext
from disclosure.models import (
    DataClass,
    Event,
    EventCitation,
    ExposedData,
    Incident,
    Organization,
    Participant,
    Precision,
    ReportedDuration,
    Source,
)

NO_TIME = {"at": "", "precision": "", "approximate": False, "margin": "", "timezone": ""}
FOLLOWED_UNTIL = "followed_until_"


def time_field_map(name):
    """Model field names of a recorded time -> the API path under `name` (for service errors)."""
    return {field: f"{name}.{field}" for field in NO_TIME}


class RecordedTimeSerializer(serializers.Serializer):
    at = serializers.CharField(
        max_length=32,
        help_text="As reported, in local time: 2019-12-04, 2019-12-26T09:21 or 2019-12-26T09:21-08:00.",
    )
    precision = serializers.ChoiceField(choices=Precision.choices)
    approximate = serializers.BooleanField(default=False, help_text="The source hedges: 'about', 'roughly'.")
    margin = serializers.CharField(
        max_length=16,
        allow_blank=True,
        default="",
        help_text="Only with approximate: how far the hedge reaches, an ISO 8601 duration with one component "
        "(PT30M, PT2H, P3D, P2W, P1M, P1Y); blank means one unit of the precision.",
    )
    timezone = serializers.CharField(
        max_length=64,
        allow_blank=True,
        default="",
        help_text="IANA name; blank means the incident's time zone.",
    )

    def validate_timezone(self, value):
        if value and not timetext.is_timezone(value):
            raise serializers.ValidationError(f"'{value}' is not an IANA time zone name (for example 'Europe/Berlin').")
        return value

    def validate_margin(self, value):
        if value:
            try:
                timemath.parse_margin(value)
            except timemath.TimeError as exc:
                raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate(self, attrs):
        try:
            timemath.validate_margin(attrs.get("margin") or None, attrs.get("approximate", False))
        except timemath.TimeError as exc:
            raise serializers.ValidationError({"margin": [str(exc)]}) from exc
        return attrs


@extend_schema_field(RecordedTimeSerializer)
class RecordedTimeField(serializers.Field):
    """The five reported-time columns of a record, read and written as one nested object.

    `prefix` names columns that are not the record's own recorded time (an
    incident's `followed_until_at`, ...: `prefix="followed_until_"`).
    """

    def __init__(self, prefix="", **kwargs):
        kwargs["source"] = "*"
        self.prefix = prefix
        super().__init__(**kwargs)

    def _prefixed(self, fields):
        return {f"{self.prefix}{name}": value for name, value in fields.items()}

    def run_validation(self, data=empty):
        if data is None and self.allow_null:
            return self._prefixed(NO_TIME)
        return super().run_validation(data)

    def to_internal_value(self, data):
        serializer = RecordedTimeSerializer(data=data)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        return self._prefixed(serializer.validated_data)

    def to_representation(self, record):
        value = {name: getattr(record, f"{self.prefix}{name}") for name in NO_TIME}
        return value if value["at"] else None


class RefField(serializers.SlugRelatedField):
    """A reference by slug or key. Text no record can have (not a string, or holding a NUL,
    which PostgreSQL cannot even compare) is refused before it reaches the database."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


def org_field(**kwargs):
    return RefField(slug_field="slug", queryset=Organization.objects.all(), **kwargs)


def org_ref(**kwargs):
    return serializers.SlugRelatedField(slug_field="slug", read_only=True, **kwargs)


# --- reference data ---------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "kind", "url", "country", "description"]


class DataClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataClass
        fields = ["slug", "name", "description"]
        read_only_fields = fields


class SourceSerializer(serializers.ModelSerializer):
    outlet = org_field(required=False, allow_null=True)
    published = RecordedTimeField(required=False, allow_null=True, help_text="When the source was published.")
    based_on = RefField(
        slug_field="key",
        queryset=Source.objects.all(),
        required=False,
        allow_null=True,
        help_text="Key of the source this one repeats or translates ('via ...'); null when none.",
    )

    class Meta:
        model = Source
        fields = ["key", "title", "outlet", "url", "author", "language", "kind", "published", "based_on"]


class CitationSerializer(serializers.Serializer):
    source = RefField(slug_field="key", queryset=Source.objects.all())
    quote = serializers.CharField(allow_blank=True, required=False, default="", help_text="The source's own words.")
    locator = serializers.CharField(
        max_length=200, allow_blank=True, required=False, default="", help_text="paragraph 4, 02:13, page 2, ..."
    )


class CitationReadSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = EventCitation
        fields = ["source", "quote", "locator"]
        read_only_fields = fields


# --- incidents --------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer):
    organization = org_field()

    class Meta:
        model = Participant
        fields = ["organization", "role"]


class ExposedDataSerializer(serializers.ModelSerializer):
    data_class = RefField(slug_field="slug", queryset=DataClass.objects.all())

    class Meta:
        model = ExposedData
        fields = ["data_class", "affected_count", "affected_count_approximate"]


class ReportedDurationSerializer(serializers.ModelSerializer):
    """A duration a source reports without dates; never a time, never in a metric."""

    words = serializers.CharField(read_only=True, help_text="The duration in plain words: 'Discovered after 2 days'.")
    citations = CitationReadSerializer(many=True, read_only=True)

    class Meta:
        model = ReportedDuration
        fields = ["kind", "unit", "value", "words", "citations"]
        read_only_fields = fields


class OriginSerializer(serializers.Serializer):
    """Where an imported incident came from, with the dataset's credit and what it flags."""

    dataset = serializers.CharField(source="origin_dataset", help_text="Short id of the dataset: hibp, vcdb.")
    record = serializers.CharField(source="origin_record", help_text="The record's id in that dataset.")
    url = serializers.CharField(source="origin_url", help_text="Link to the original record ('' when none).")
    credit = serializers.CharField(source="origin_credit", help_text="The credit line the dataset's licence asks for.")
    licence = serializers.CharField(source="origin_licence")
    licence_url = serializers.CharField(source="origin_licence_url")
    flags = serializers.ListField(child=serializers.CharField(), source="origin_flags")
    caveats = serializers.ListField(
        child=serializers.CharField(),
        source="origin_caveats",
        help_text="Plain-words warnings: the dataset lists the record as unverified, fabricated or a spam list.",
    )


INCIDENT_FIELDS = [
    "slug",
    "title",
    "summary",
    "vendor",
    "timezone",
    "status",
    "embargo_until",
    "followed_until",
    "affected_count",
    "affected_count_approximate",
    "exposed_system",
    "retraction_notice",
    "origin",
    "participants",
    "data_exposed",
    "durations",
    "created_at",
    "updated_at",
]


def followed_until_field(**kwargs):
    return RecordedTimeField(
        prefix=FOLLOWED_UNTIL,
        allow_null=True,
        help_text="The newsroom followed the story up to here (open metrics stop growing there); null when not set.",
        **kwargs,
    )


class IncidentSerializer(serializers.ModelSerializer):
    vendor = org_ref()
    followed_until = followed_until_field(read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    data_exposed = ExposedDataSerializer(many=True, read_only=True)
    origin = serializers.SerializerMethodField(
        help_text="Where an imported incident came from (a public dataset's record); null when not imported."
    )
    durations = ReportedDurationSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = INCIDENT_FIELDS
        read_only_fields = fields

    @extend_schema_field(OriginSerializer(allow_null=True))
    def get_origin(self, incident):
        return OriginSerializer(incident).data if incident.is_imported else None


class StaffIncidentSerializer(IncidentSerializer):
    class Meta(IncidentSerializer.Meta):
        fields = [*INCIDENT_FIELDS, "private_notes"]
        read_only_fields = fields


class IncidentWriteSerializer(serializers.ModelSerializer):
    """Create or edit an incident. `status` other than draft/review needs the publishing or retracting role."""

    vendor = org_field()
    followed_until = followed_until_field(required=False)
    participants = ParticipantSerializer(many=True, required=False, help_text="Added to the incident's participants.")
    data_exposed = ExposedDataSerializer(many=True, required=False, help_text="Set per data class.")

    class Meta:
        model = Incident
        fields = [
            "slug",
            "title",
            "summary",
            "vendor",
            "timezone",
            "status",
            "embargo_until",
            "followed_until",
            "affected_count",
            "affected_count_approximate",
            "exposed_system",
            "private_notes",
            "retraction_notice",
            "participants",
            "data_exposed",
        ]

    def validate(self, attrs):
        # Checked here (not only by the model) so that the error names `followed_until.at`.
        at = attrs.get(f"{FOLLOWED_UNTIL}at")
        if at:
            zone = (
                attrs.get(f"{FOLLOWED_UNTIL}timezone")
                or attrs.get("timezone")
                or getattr(self.instance, "timezone", None)
                or "UTC"
            )
            if timetext.is_timezone(zone):
                try:
                    timemath.interval(
                        at,
                        attrs[f"{FOLLOWED_UNTIL}precision"],
                        attrs[f"{FOLLOWED_UNTIL}approximate"],
                        zone,
                        margin=attrs[f"{FOLLOWED_UNTIL}margin"] or None,
                    )
                except timemath.TimeError as exc:
                    raise serializers.ValidationError({"followed_until": {"at": [str(exc)]}}) from exc
        return attrs


class RetractSerializer(serializers.Serializer):
    notice = serializers.CharField(help_text="Why the incident was retracted; shown publicly.")


# --- timeline ---------------------------------------------------------------

EVENT_FIELDS = [
    "incident",
    "key",
    "kind",
    "time",
    "actor",
    "target",
    "channel",
    "description",
    "status",
    "position",
    "citations",
]


class EventSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    time = RecordedTimeField()
    actor = org_ref(allow_null=True)
    target = org_ref(allow_null=True)
    citations = CitationReadSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = EVENT_FIELDS
        read_only_fields = fields


class StaffEventSerializer(EventSerializer):
    class Meta(EventSerializer.Meta):
        fields = [*EVENT_FIELDS, "private_notes"]
        read_only_fields = fields


class EventWriteSerializer(serializers.ModelSerializer):
    time = RecordedTimeField(help_text="When it happened, as reported.")
    actor = org_field(required=False, allow_null=True)
    target = org_field(required=False, allow_null=True)
    citations = CitationSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text="Sources to cite, added with the record on creation (a published record needs one). "
        "To cite on an existing record, POST to its `citations/` address.",
    )

    class Meta:
        model = Event
        fields = [
            "key",
            "kind",
            "time",
            "actor",
            "target",
            "channel",
            "description",
            "status",
            "private_notes",
            "citations",
        ]
