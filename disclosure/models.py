"""The core domain: organisations, sources, incidents, exposed data, timeline events.

Claims and vendor responses live in the `claims` app. What the public may see is
decided in `querysets.py`; writes go through `services.py`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone as django_timezone
from simple_history.models import HistoricalRecords

from . import timemath, timetext
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


def validate_timezone(value):
    if value and not timetext.is_timezone(value):
        raise ValidationError(f"'{value}' is not an IANA time zone name (for example 'Europe/Berlin').")


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


class Precision(models.TextChoices):
    SECOND = "second", "to the second"
    MINUTE = "minute", "to the minute"
    HOUR = "hour", "to the hour"
    DAY = "day", "to the day"
    MONTH = "month", "to the month"
    YEAR = "year", "to the year"


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
        return timemath.interval(self.at, self.precision, self.approximate, self.effective_timezone)

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
        self.derive_instants()

    @property
    def time_display(self):
        return timetext.describe(self.at, self.precision, self.approximate) if self.at else ""


class OrganizationKind(models.TextChoices):
    VENDOR = "vendor", "vendor"
    RESEARCHER = "researcher", "researcher"
    MEDIA = "media", "media"
    PLATFORM = "platform", "platform"
    REGULATOR = "regulator", "regulator"
    OTHER = "other", "other"


class Organization(Tracked):
    Kind = OrganizationKind

    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. US.")
    description = models.TextField(blank=True)

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


class SourceKind(models.TextChoices):
    ARTICLE = "article", "article"
    BLOG_POST = "blog_post", "blog post"
    FORUM_POST = "forum_post", "forum post"
    SOCIAL_POST = "social_post", "social media post"
    ADVISORY = "advisory", "advisory"
    PRESS_RELEASE = "press_release", "press release"
    FILING = "filing", "filing"
    OTHER = "other", "other"


class Source(RecordedTime):
    Kind = SourceKind

    key = models.SlugField(max_length=150, unique=True, validators=[slug_validator])
    title = models.CharField(max_length=500)
    outlet = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="sources")
    url = models.URLField(max_length=1000, blank=True)
    author = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=35, default="en", help_text="BCP 47 tag: en, it, pt-BR.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ARTICLE)

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


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    REVIEW = "review", "in review"
    PUBLISHED = "published", "published"
    RETRACTED = "retracted", "retracted"


class Incident(Tracked):
    Status = IncidentStatus

    slug = models.SlugField(max_length=150, unique=True, validators=[slug_validator])
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    vendor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="incidents")
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA name of the incident's local time, used for reported times that give none.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    embargo_until = models.DateTimeField(
        null=True, blank=True, help_text="Not public before this instant, whatever the status."
    )
    affected_count = models.PositiveBigIntegerField(null=True, blank=True)
    affected_count_approximate = models.BooleanField(default=False)
    exposed_system = models.CharField(max_length=300, blank=True)
    private_notes = models.TextField(blank=True, help_text="Never shown publicly or exported publicly.")
    retraction_notice = models.TextField(blank=True, help_text="Shown publicly when the incident is retracted.")
    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
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
        # Checked here, so that every entry point (services, admin, bundles) refuses it alike.
        if self.status == IncidentStatus.RETRACTED and not self.retraction_notice.strip():
            raise ValidationError({"retraction_notice": "A retracted incident must say why it was retracted."})

    @property
    def is_retracted(self):
        return self.status == self.Status.RETRACTED


class ParticipantRole(models.TextChoices):
    DISCOVERER = "discoverer", "discoverer"
    VERIFIER = "verifier", "verifier"
    PUBLISHER = "publisher", "publisher"
    NOTIFIER = "notifier", "notifier"
    VENDOR = "vendor", "vendor"
    OTHER = "other", "other"


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
    description = models.TextField(blank=True)

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


class EventKind(models.TextChoices):
    EXPOSURE_STARTED = "exposure_started", "exposure started"
    DISCOVERED = "discovered", "discovered"
    VENDOR_NOTIFIED = "vendor_notified", "vendor notified"
    VENDOR_ACKNOWLEDGED = "vendor_acknowledged", "vendor acknowledged"
    PUBLISHED = "published", "published"
    VENDOR_AWARE = "vendor_aware", "vendor aware"
    REMEDIATED = "remediated", "remediated"
    VENDOR_STATEMENT = "vendor_statement", "vendor statement"
    USERS_NOTIFIED = "users_notified", "users notified"
    REGULATOR_NOTIFIED = "regulator_notified", "regulator notified"
    OTHER = "other", "other"


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    PUBLISHED = "published", "published"


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
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT)
    private_notes = models.TextField(blank=True, help_text="Never shown publicly or exported publicly.")
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


class CitationBase(Tracked):
    """A source backing a record, with the source's own words and where they are."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    quote = models.TextField(blank=True, help_text="The source's own words, verbatim.")
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


class Correction(Tracked):
    """A correction to the public record of an incident, shown on its page."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="corrections")
    date = models.DateField()
    text = models.TextField()
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


# --- metrics (time-and-metrics.md §3-§6) -----------------------------------


class Metric(models.TextChoices):
    EXPOSURE_DURATION = "exposure_duration", "exposure duration"
    TIME_TO_DISCOVERY = "time_to_discovery", "time to discovery"
    DISCOVERY_TO_NOTICE = "discovery_to_notice", "discovery to notice"
    NOTICE_TO_PUBLICATION = "notice_to_publication", "notice to publication"
    NOTICE_TO_ACKNOWLEDGEMENT = "notice_to_acknowledgement", "notice to acknowledgement"
    PUBLICATION_TO_VENDOR_AWARENESS = "publication_to_vendor_awareness", "publication to vendor awareness"
    NOTICE_TO_REMEDIATION = "notice_to_remediation", "notice to remediation"
    PUBLICATION_TO_STATEMENT = "publication_to_statement", "publication to statement"
    AWARENESS_TO_USER_NOTIFICATION = "awareness_to_user_notification", "awareness to user notification"


class MetricView(models.TextChoices):
    PUBLIC = "public", "public (published events only)"
    STAFF = "staff", "staff (all events)"


class Norm(Tracked):
    """A published disclosure norm to compare a metric with (time-and-metrics.md §5)."""

    slug = models.SlugField(max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    metric = models.CharField(
        max_length=40, choices=Metric.choices, blank=True, help_text="The metric this norm bounds; blank if none."
    )
    window_seconds = models.PositiveBigIntegerField(help_text="The window, in seconds (business days counted as days).")
    window_text = models.CharField(max_length=200, help_text="The window as the norm states it.")
    source_title = models.CharField(max_length=300)
    source_url = models.URLField(max_length=500)
    notes = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name


class IncidentMetric(models.Model):
    """One metric of one incident, in one view, with its bounds and the events it came from."""

    # db_index=False: the unique (incident, view, metric) index serves every lookup by incident.
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="metrics", db_index=False)
    view = models.CharField(max_length=8, choices=MetricView.choices)
    metric = models.CharField(max_length=40, choices=Metric.choices)
    nominal_seconds = models.BigIntegerField()
    min_seconds = models.BigIntegerField()
    max_seconds = models.BigIntegerField()
    open = models.BooleanField(default=False, help_text="The end has not happened yet; figures run to computed_at.")
    start_event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, related_name="+")
    end_event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "view", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "view", "metric"], name="incident_metric_unique"),
            models.CheckConstraint(
                condition=Q(min_seconds__lte=models.F("max_seconds")), name="incident_metric_bounds_ordered"
            ),
        ]
        # No index on the figures: the hourly run moves every open one on, and on PostgreSQL
        # an UPDATE that touches no indexed column can stay on its page (a HOT update). The
        # open ones are found by a partial index whose columns that update leaves alone.
        indexes = [models.Index(fields=["incident"], condition=Q(open=True), name="incident_metric_open")]

    def __str__(self):
        return f"{self.incident} {self.metric} ({self.view})"


class IncidentMetricSet(models.Model):
    """The metrics of one incident in one view, as a whole: a digest of their figures, and the incident's year.

    Written by the recompute in the same transaction as the IncidentMetric rows it
    describes, and only there. The digest covers every row's metric, endpoints and open
    flag, and the seconds of the closed ones (an open figure's seconds only advance
    with time), so a recompute that finds the digest unchanged, and the database
    counting `rows` rows, knows the stored rows already hold its figures without
    reading them; and the aggregates know that nothing they depend on moved by
    reading one row per incident and view.
    """

    # db_index=False: the unique (incident, view) index serves every lookup by incident.
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="metric_sets", db_index=False)
    view = models.CharField(max_length=8, choices=MetricView.choices)
    digest = models.BigIntegerField(help_text="A 64-bit digest of the figures; see metrics.digest().")
    rows = models.PositiveSmallIntegerField(help_text="How many IncidentMetric rows hold these figures.")
    year = models.PositiveIntegerField(
        null=True, blank=True, help_text="UTC year of the first published event, else of the first exposure_started."
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "view"]
        constraints = [models.UniqueConstraint(fields=["incident", "view"], name="incident_metric_set_unique")]

    def __str__(self):
        return f"{self.incident} metrics ({self.view})"


class MetricAggregate(models.Model):
    """A metric summarised over a group of incidents: overall, per reporter, per vendor, per year."""

    class Dimension(models.TextChoices):
        OVERALL = "overall", "all incidents"
        REPORTER = "reporter", "reporting organisation"
        VENDOR = "vendor", "vendor"
        YEAR = "year", "year"

    view = models.CharField(max_length=8, choices=MetricView.choices)
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="metric_aggregates"
    )
    year = models.PositiveIntegerField(null=True, blank=True)
    metric = models.CharField(max_length=40, choices=Metric.choices)
    incident_count = models.PositiveIntegerField()
    open_count = models.PositiveIntegerField(default=0)
    median_seconds = models.FloatField(null=True)
    q1_seconds = models.FloatField(null=True)
    q3_seconds = models.FloatField(null=True)
    median_min_seconds = models.FloatField(null=True, help_text="Median of the lower bounds: the median's lower bound.")
    median_max_seconds = models.FloatField(null=True, help_text="Median of the upper bounds: the median's upper bound.")
    norm_shares = models.JSONField(default=dict, help_text="{norm slug: {met, of, share}} for notice windows.")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["view", "dimension", "year", "organization", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["view", "dimension", "organization", "year", "metric"],
                name="metric_aggregate_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.dimension} {self.organization or self.year or ''} {self.metric}"


class ResponseAggregate(models.Model):
    """How a vendor (or everyone, overall) answered claims: counts by current stance."""

    view = models.CharField(max_length=8, choices=MetricView.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="response_aggregates"
    )
    claims = models.PositiveIntegerField()
    stance_counts = models.JSONField(default=dict, help_text="{stance or awaiting_response: count}")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["view", "organization"], name="response_aggregate_unique", nulls_distinct=False
            ),
        ]

    def __str__(self):
        return f"responses of {self.organization or 'all vendors'} ({self.view})"


class RecomputeRun(models.Model):
    """One recomputation of metrics: its progress (shown in the admin) and when it read the data.

    `started_at` is taken before the run reads anything, so a run whose start follows a
    change has seen that change; the aggregates use this to skip redundant work.
    """

    class Kind(models.TextChoices):
        FULL = "full", "all incidents and aggregates"
        AGGREGATES = "aggregates", "aggregates only"

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FULL)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Incidents to recompute.")
    done = models.PositiveIntegerField(default=0, help_text="Incidents recomputed so far.")
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "started_at"], name="recompute_run_state_started")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)
