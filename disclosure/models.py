"""The core domain: organisations, sources, incidents, exposed data, timeline events.

Claims and vendor responses live in the `claims` app. What the public may see is
decided in `querysets.py`; writes go through `services.py`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone as django_timezone
from simple_history.models import HistoricalRecords

from . import timemath, timetext
from .choices import (
    DurationKind,
    DurationUnit,
    EventKind,
    IncidentStatus,
    OrganizationKind,
    OriginFlag,
    ParticipantRole,
    Precision,
    PublicationStatus,
    SourceKind,
)
from .querysets import (
    DataClassQuerySet,
    EventQuerySet,
    ExposedDataQuerySet,
    IncidentQuerySet,
    OrganizationQuerySet,
    ParticipantQuerySet,
    SourceQuerySet,
)

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lower-case letters, digits and single hyphens (for example 'acme-labs').",
)


# Every text the public reads has a bound: a 50 MB summary once made /incidents/ weigh 73 MB.
# Enforced by full_clean (the services), the API's serializers and the forms.
SHORT_TEXT = 5_000  # a quote, a statement, a notice, a correction
LONG_TEXT = 20_000  # a summary, a description
NOTES_TEXT = 50_000  # private notes


def margin_validator(value):
    """An ISO 8601 duration with one component (time-and-metrics.md §1): PT30M, PT2H, P3D, P2W, P1M, P1Y."""
    if value:
        try:
            timemath.parse_margin(value)
        except timemath.TimeError as exc:
            raise ValidationError(str(exc)) from exc


def _margin_problem(margin, approximate):
    """The message refusing a recorded time's margin, or None."""
    try:
        timemath.validate_margin(margin or None, approximate)
    except timemath.TimeError as exc:
        return str(exc)
    return None


def validate_timezone(value):
    if value and not timemath.is_zone_or_unknown(value):
        raise ValidationError(f"'{value}' is not an IANA time zone name (for example 'Europe/Berlin'), nor 'unknown'.")


def validate_origin_flags(value):
    if not isinstance(value, list) or not all(isinstance(flag, str) for flag in value):
        raise ValidationError("A list of flags.")
    unknown = [flag for flag in value if flag not in OriginFlag.values]
    if unknown:
        raise ValidationError(f"Unknown flag '{unknown[0]}': use {', '.join(OriginFlag.values)}.")
    if len(set(value)) != len(value):
        raise ValidationError("A flag appears twice.")


class Tracked(models.Model):
    """Who created a record and when, and who last changed what the public can read, and when.

    Set by the services (`services.record_save`), never by the forms: an edit of
    private notes alone leaves `updated_at` alone, so feeds and the sitemap do not
    announce a change the public cannot see. Every change, private ones included,
    is kept in the record's history (django-simple-history), with its author.
    """

    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    updated_at = models.DateTimeField(
        default=django_timezone.now, editable=False, help_text="Last change to what the public can read."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        abstract = True


class RecordedTime(Tracked):
    """A time as a source reported it, plus the UTC instants derived from it.

    `at`, `precision`, `approximate` and `timezone` are what the source said and
    are shown and exported as reported; `lo`, `hi` and `nominal` are derived
    (time-and-metrics.md §1) so that records can be queried and sorted.
    """

    at = models.CharField(
        "reported time",
        max_length=32,
        blank=True,
        help_text="As reported, in local time: 2019-12-04, 2019-12-26T09:21 or 2019-12-26T09:21-08:00.",
    )
    precision = models.CharField(max_length=8, choices=Precision.choices, blank=True)
    approximate = models.BooleanField(default=False, help_text="The source hedges: 'about', 'roughly'.")
    margin = models.CharField(
        max_length=16,
        blank=True,
        validators=[margin_validator],
        help_text="Only when approximate: how far the hedge reaches (PT30M, PT2H, P3D, P2W, P1M, P1Y). "
        "Blank means one unit of the precision.",
    )
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="IANA name; blank means the incident's time zone.",
    )
    lo = models.DateTimeField(null=True, blank=True, editable=False)
    hi = models.DateTimeField(null=True, blank=True, editable=False)
    nominal = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    class Meta(Tracked.Meta):
        abstract = True

    def default_timezone(self):
        """The time zone used when neither `at` nor `timezone` gives one."""
        return "UTC"

    @property
    def effective_timezone(self):
        return self.timezone or self.default_timezone()

    @property
    def has_time(self):
        return bool(self.at)

    def interval(self):
        return timemath.interval(
            self.at, self.precision, self.approximate, self.effective_timezone, margin=self.margin or None
        )

    def derive_instants(self):
        """Recompute lo/hi/nominal from what was reported; raise ValidationError on bad input."""
        if not self.at:
            self.lo = self.hi = self.nominal = None
            return
        try:
            iv = self.interval()
        except timemath.TimeError as exc:
            raise ValidationError({"at": str(exc)}) from exc
        self.lo, self.hi, self.nominal = iv.lo, iv.hi, iv.nominal

    def clean(self):
        super().clean()
        if self.at and not self.precision:
            raise ValidationError({"precision": "Say how precise the reported time is."})
        if problem := _margin_problem(self.margin, self.approximate):
            raise ValidationError({"margin": problem})
        self.derive_instants()

    @property
    def time_display(self):
        return timetext.describe(self.at, self.precision, self.approximate) if self.at else ""

    @property
    def timezone_unknown(self):
        """Whether this time is read in no known zone: 'unknown' applies and `at` names no offset."""
        if not self.at or self.effective_timezone != timemath.UNKNOWN_ZONE:
            return False
        try:
            return timemath.parse_at(self.at)[1] is None
        except timemath.TimeError:
            return False


class Organization(Tracked):
    Kind = OrganizationKind

    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. US.")
    description = models.TextField(blank=True, max_length=LONG_TEXT, validators=[MaxLengthValidator(LONG_TEXT)])

    objects = OrganizationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrganizationKind.values),
                name="organization_kind_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("disclosure:organization-detail", kwargs={"slug": self.slug})


class Source(RecordedTime):
    Kind = SourceKind

    key = models.SlugField(max_length=150, unique=True, validators=[slug_validator])
    title = models.CharField(max_length=500)
    outlet = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="sources")
    url = models.URLField(max_length=1000, blank=True)
    author = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=35, default="en", help_text="BCP 47 tag: en, it, pt-BR.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ARTICLE)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,  # deleting a source others repeat is refused, unless they go too
        null=True,
        blank=True,
        related_name="derived_sources",
        help_text="The source this one repeats or translates ('via ...', a syndicated copy, a translation).",
    )

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["nominal", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values),
                name="source_kind_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.based_on_id is None:
            return
        if self.pk is not None and self.based_on_id == self.pk:
            raise ValidationError({"based_on": "A source cannot be based on itself."})
        # Walk up the chain: a source cannot be based on one that is (directly or not) based on it.
        seen, current = {self.based_on_id}, self.based_on
        while current is not None and current.based_on_id is not None:
            if self.pk is not None and current.based_on_id == self.pk:
                raise ValidationError(
                    {
                        "based_on": f"'{self.based_on.key}' is itself based on this source: a source cannot be based on one that is based on it."
                    }
                )
            if current.based_on_id in seen:
                break
            seen.add(current.based_on_id)
            current = current.based_on


class Incident(Tracked):
    Status = IncidentStatus

    slug = models.SlugField(max_length=150, unique=True, validators=[slug_validator])
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True, max_length=LONG_TEXT, validators=[MaxLengthValidator(LONG_TEXT)])
    vendor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="incidents")
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA name of the incident's local time, used for reported times that give none; "
        "'unknown' when the source names no zone (times then widen by the widest offsets).",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    embargo_until = models.DateTimeField(
        null=True, blank=True, help_text="Not public before this instant, whatever the status."
    )
    affected_count = models.PositiveBigIntegerField(null=True, blank=True)
    affected_count_approximate = models.BooleanField(default=False)
    exposed_system = models.CharField(max_length=300, blank=True)
    private_notes = models.TextField(
        blank=True,
        max_length=NOTES_TEXT,
        validators=[MaxLengthValidator(NOTES_TEXT)],
        help_text="Never shown publicly or exported publicly.",
    )
    retraction_notice = models.TextField(
        blank=True,
        max_length=SHORT_TEXT,
        validators=[MaxLengthValidator(SHORT_TEXT)],
        help_text="Shown publicly when the incident is retracted.",
    )
    # `followed_until`: a recorded time, "the newsroom followed this story up to here"
    # (time-and-metrics.md §4.1); open metrics stop growing at its `hi`.
    followed_until_at = models.CharField(
        "followed until",
        max_length=32,
        blank=True,
        help_text="The newsroom followed the story up to here, in local time: 2020-04-30 or 2020-04-30T18:00.",
    )
    followed_until_precision = models.CharField(max_length=8, choices=Precision.choices, blank=True)
    followed_until_approximate = models.BooleanField(default=False)
    followed_until_margin = models.CharField(
        max_length=16, blank=True, validators=[margin_validator], help_text="Only when approximate: PT30M, P3D, ..."
    )
    followed_until_timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="IANA name; blank means the incident's time zone.",
    )
    followed_until_hi = models.DateTimeField(null=True, blank=True, editable=False)
    # Where an imported incident came from (a public dataset's record); public with the incident.
    origin_dataset = models.CharField(
        max_length=32, blank=True, validators=[slug_validator], help_text="Short id of the dataset: hibp, vcdb."
    )
    origin_record = models.CharField(max_length=200, blank=True, help_text="The record's id in that dataset.")
    origin_url = models.URLField(max_length=1000, blank=True, help_text="Link to the original record.")
    origin_credit = models.CharField(
        max_length=200, blank=True, help_text="Credit line the dataset's licence asks for."
    )
    origin_licence = models.CharField(max_length=100, blank=True)
    origin_licence_url = models.URLField(max_length=500, blank=True)
    origin_flags = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_origin_flags],
        help_text="What the dataset says of its record: unverified, fabricated, spam_list, sensitive, ...",
    )
    # The listing's sort key, derived and kept by the metrics recompute (metrics/services.py) with
    # the incident's public metric set: the nominal instant of its earliest public event. On the
    # incident itself so that "newest first" walks an index (incident_listing) and stops at the
    # page, instead of sorting every public incident on each request (issue 13). Never edited,
    # exported or kept in the history: the events say it.
    listed_at = models.DateTimeField(null=True, blank=True, editable=False)
    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["listed_at"])

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The most recently added first (the methodology page's example) without sorting them all.
            models.Index(fields=["-created_at", "-id"], name="incident_newest"),
            # The listings' own two (incident_listing, incident_largest) are written per database
            # by migration 0019: PostgreSQL needs NULLS LAST in them, which SQLite cannot parse.
        ]
        permissions = [
            ("publish_incident", "Can publish or unpublish an incident"),
            ("retract_incident", "Can retract an incident"),
            ("delete_public_record", "Can delete an incident, event, claim, response or correction the public can see"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IncidentStatus.values),
                name="incident_status_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("disclosure:incident-detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if not self.origin_dataset and (self.origin_record or self.origin_url or self.origin_credit):
            raise ValidationError({"origin_dataset": "Say which dataset the incident was imported from."})
        if self.origin_dataset and not (self.origin_record and self.origin_credit):
            raise ValidationError({"origin_record": "An imported incident names its record and the dataset's credit."})
        # Checked here, so that every entry point (services, admin, bundles) refuses it alike.
        if self.status == IncidentStatus.RETRACTED and not self.retraction_notice.strip():
            raise ValidationError({"retraction_notice": "A retracted incident must say why it was retracted."})
        self.derive_followed_until()

    def followed_until_interval(self):
        return timemath.interval(
            self.followed_until_at,
            self.followed_until_precision,
            self.followed_until_approximate,
            self.followed_until_timezone or self.timezone or "UTC",
            margin=self.followed_until_margin or None,
        )

    def derive_followed_until(self):
        """Check `followed_until` and recompute its UTC `hi`; raise ValidationError on bad input."""
        if not self.followed_until_at:
            self.followed_until_hi = None
            return
        if not self.followed_until_precision:
            raise ValidationError({"followed_until_precision": "Say how precise the reported time is."})
        if problem := _margin_problem(self.followed_until_margin, self.followed_until_approximate):
            raise ValidationError({"followed_until_margin": problem})
        if not timemath.is_zone_or_unknown(self.followed_until_timezone or self.timezone or "UTC"):
            return  # the time zone's own field says what is wrong with it
        try:
            self.followed_until_hi = self.followed_until_interval().hi
        except timemath.TimeError as exc:
            raise ValidationError({"followed_until_at": str(exc)}) from exc

    @property
    def is_retracted(self):
        return self.status == self.Status.RETRACTED

    @property
    def timezone_unknown(self):
        return self.timezone == timemath.UNKNOWN_ZONE

    @property
    def is_imported(self):
        return bool(self.origin_dataset)

    @property
    def origin_caveats(self):
        """Plain-words warnings for what the dataset flags as not established (docs/methodology.md)."""
        if not self.is_imported:
            return []
        flags, credit, vendor = set(self.origin_flags or ()), self.origin_credit, self.vendor.name
        caveats = []
        if OriginFlag.FABRICATED in flags:
            caveats.append(
                f"{credit} lists this breach as fabricated: the data is likely not from {vendor}, "
                "and may not be real at all."
            )
        if OriginFlag.SPAM_LIST in flags:
            caveats.append(
                f"{credit} lists this as a spam list: addresses collected for sending spam, "
                f"not a confirmed breach of {vendor}."
            )
        if OriginFlag.UNVERIFIED in flags:
            caveats.append(f"{credit} lists this breach as unverified: the data may not come from {vendor}.")
        return caveats


class Participant(Tracked):
    Role = ParticipantRole

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(max_length=16, choices=Role.choices)
    position = models.PositiveIntegerField(default=0)

    objects = ParticipantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "organization", "role"], name="participant_unique_role"),
            models.CheckConstraint(
                condition=Q(role__in=ParticipantRole.values),
                name="participant_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.organization} ({self.get_role_display()})"


class DataClass(Tracked):
    """A kind of exposed data; the vocabulary is loaded by a data migration."""

    slug = models.SlugField(max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=LONG_TEXT, validators=[MaxLengthValidator(LONG_TEXT)])

    objects = DataClassQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "data classes"

    def __str__(self):
        return self.name


class ExposedData(Tracked):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="data_exposed")
    data_class = models.ForeignKey(DataClass, on_delete=models.PROTECT, related_name="exposures")
    affected_count = models.PositiveBigIntegerField(null=True, blank=True)
    affected_count_approximate = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    objects = ExposedDataQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "position", "id"]
        verbose_name_plural = "exposed data"
        constraints = [
            models.UniqueConstraint(fields=["incident", "data_class"], name="exposed_data_unique_class"),
        ]

    def __str__(self):
        return str(self.data_class)


class Event(RecordedTime):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    key = models.SlugField(max_length=150, validators=[slug_validator])
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="events_as_actor"
    )
    target = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="events_as_target"
    )
    channel = models.CharField(max_length=100, blank=True, help_text="email, support ticket, phone, ...")
    description = models.TextField(blank=True, max_length=LONG_TEXT, validators=[MaxLengthValidator(LONG_TEXT)])
    status = models.CharField(max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT)
    private_notes = models.TextField(
        blank=True,
        max_length=NOTES_TEXT,
        validators=[MaxLengthValidator(NOTES_TEXT)],
        help_text="Never shown publicly or exported publicly.",
    )
    position = models.PositiveIntegerField(default=0)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "nominal", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="event_unique_key"),
            models.CheckConstraint(condition=Q(status__in=PublicationStatus.values), name="event_status_valid"),
            models.CheckConstraint(condition=~Q(at=""), name="event_time_required"),
            models.CheckConstraint(condition=Q(lo__lt=models.F("hi")), name="event_interval_ordered"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.at})"

    def default_timezone(self):
        return self.incident.timezone


class ReportedDuration(Tracked):
    """A duration a source reports without dates ("discovered after 2 days", "contained within days").

    Not a time: it never enters a metric and no date is made up from it (docs/methodology.md).
    """

    Kind = DurationKind
    Unit = DurationUnit

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="durations")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    value = models.PositiveBigIntegerField(null=True, blank=True, help_text="Blank when the source gives a unit only.")
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="reported_duration_unique_kind"),
            models.CheckConstraint(condition=Q(kind__in=DurationKind.values), name="reported_duration_kind_valid"),
            models.CheckConstraint(condition=Q(unit__in=DurationUnit.values), name="reported_duration_unit_valid"),
            models.CheckConstraint(
                condition=~Q(unit=DurationUnit.UNKNOWN) | Q(value__isnull=True),
                name="reported_duration_unknown_has_no_value",
            ),
        ]

    def __str__(self):
        return self.words

    def clean(self):
        super().clean()
        if self.unit == DurationUnit.UNKNOWN and self.value is not None:
            raise ValidationError({"value": "A duration of unknown unit has no value."})

    VERBS = {
        DurationKind.DISCOVERY: "Discovered",
        DurationKind.CONTAINMENT: "Contained",
        DurationKind.EXFILTRATION: "Data taken",
        DurationKind.COMPROMISE: "Compromised",
    }
    SINCE = {
        DurationKind.DISCOVERY: "the compromise",
        DurationKind.CONTAINMENT: "discovery",
        DurationKind.EXFILTRATION: "the compromise",
        DurationKind.COMPROMISE: "the first action",
    }

    @property
    def words(self):
        """'Discovered after 2 days', 'Contained within days', 'Discovered: how long after is unknown'."""
        verb = self.VERBS.get(self.kind, self.kind.capitalize())
        if self.unit == DurationUnit.UNKNOWN:
            return f"{verb}: how long after {self.SINCE.get(self.kind, 'it began')} is unknown"
        if self.value is None:
            return f"{verb} within {self.unit}"
        unit = self.unit.removesuffix("s") if self.value == 1 else self.unit
        return f"{verb} after {self.value:,} {unit}"

    @property
    def since(self):
        return self.SINCE.get(self.kind, "")


class CitationBase(Tracked):
    """A source backing a record, with the source's own words and where they are."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    quote = models.TextField(
        blank=True,
        max_length=SHORT_TEXT,
        validators=[MaxLengthValidator(SHORT_TEXT)],
        help_text="The source's own words, verbatim.",
    )
    locator = models.CharField(max_length=200, blank=True, help_text="paragraph 4, 02:13, page 2, ...")
    position = models.PositiveIntegerField(default=0)

    class Meta(Tracked.Meta):
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.source} ({self.locator})" if self.locator else str(self.source)


class EventCitation(CitationBase):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="event_citations")

    history = HistoricalRecords()

    class Meta(CitationBase.Meta):
        pass


class ReportedDurationCitation(CitationBase):
    # Named after the model, as every citation's link is (roles and the bundle find it by that name).
    reportedduration = models.ForeignKey(ReportedDuration, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="duration_citations")

    history = HistoricalRecords()

    class Meta(CitationBase.Meta):
        pass


class Correction(Tracked):
    """A correction to the public record of an incident, shown on its page."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="corrections")
    date = models.DateField()
    text = models.TextField(max_length=SHORT_TEXT, validators=[MaxLengthValidator(SHORT_TEXT)])
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "date", "position", "id"]

    def __str__(self):
        return f"Correction of {self.date}"


class CorrectionCitation(CitationBase):
    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="correction_citations")

    history = HistoricalRecords()

    class Meta(CitationBase.Meta):
        pass


class EmbargoLift(models.Model):
    """The log of embargoes that lifted: an incident became public at `embargo_until`, seen at `lifted_at`.

    An embargo lifts by itself (`Incident.objects.public()` compares it with the
    time); the periodic task `disclosure.tasks.lift_due_embargoes` writes one row
    per incident and embargo instant (the constraint makes it idempotent), and
    a changed embargo that lifts again gets its own row. A system log, not a
    record: never public, never edited.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="embargo_lifts")
    embargo_until = models.DateTimeField(help_text="The instant the embargo was set to lift.")
    lifted_at = models.DateTimeField(default=django_timezone.now, help_text="When the lift was logged.")

    class Meta:
        ordering = ["-embargo_until", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "embargo_until"], name="embargo_lift_unique"),
        ]

    def __str__(self):
        return f"Embargo of {self.incident} lifted at {self.embargo_until:%Y-%m-%d %H:%M} UTC"
