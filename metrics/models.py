"""Disclosure-window metrics: the norms, the per-incident figures and their digests,
the aggregates and the recompute runs (time-and-metrics.md §3-§6).

These models lived in `disclosure` until the apps were split by concern; their
tables kept their names (migrations moved them with SeparateDatabaseAndState).
"""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from disclosure.models import Event, Incident, Organization, Tracked, slug_validator

from .choices import Metric, MetricView

__all__ = ["Metric", "MetricView"]  # the choices, importable from models too


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

    history = HistoricalRecords(table_name="disclosure_historicalnorm")

    class Meta:
        # The table kept its name when the model moved here from `disclosure`.
        db_table = "disclosure_norm"
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
        # The table kept its name when the model moved here from `disclosure`.
        db_table = "disclosure_incidentmetric"
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


class ReporterNotice(models.Model):
    """The notice one publishing reporter gave the vendor in one incident, in one view (time-and-metrics.md §4.2).

    From the reporter's first `vendor_notified` event to its first `published` one,
    with bounds; or, when it told the vendor nothing before publishing, `no_notice`
    with no figure (never zero, never absent). Written by the recompute with the
    incident's IncidentMetric rows, and covered by the same IncidentMetricSet digest.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reporter_notices", db_index=False)
    view = models.CharField(max_length=8, choices=MetricView.choices)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="notices_given")
    no_notice = models.BooleanField(default=False, help_text="Published with no vendor_notified event of its own.")
    nominal_seconds = models.BigIntegerField(null=True, blank=True)
    min_seconds = models.BigIntegerField(null=True, blank=True)
    max_seconds = models.BigIntegerField(null=True, blank=True)
    start_event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    end_event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "view", "nominal_seconds", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "view", "organization"], name="reporter_notice_unique"),
            # A figure exactly when there was notice: no_notice is never stored as a zero.
            models.CheckConstraint(
                condition=(
                    Q(
                        no_notice=True,
                        nominal_seconds__isnull=True,
                        min_seconds__isnull=True,
                        max_seconds__isnull=True,
                    )
                    | Q(no_notice=False, min_seconds__lte=models.F("max_seconds"), nominal_seconds__isnull=False)
                ),
                name="reporter_notice_figure_or_none",
            ),
        ]

    def __str__(self):
        return f"{self.organization} notice in {self.incident} ({self.view})"

    metric = "notice_to_publication"  # what the notice is compared as (§5), for the words of figures.py
    open = False  # a notice is never open: it ends at a publication that happened


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
        null=True,
        blank=True,
        help_text="Year, in the incident's time zone, of the first exposure_started event, else of the first published.",
    )
    # The date the incident is listed under: its earliest event in the view (any kind), stored so
    # that listing, sorting and filtering read a column instead of a subquery per incident (issue 13).
    # `first_event` gives the card that event's own precision ("March 2019", "2018").
    started_at = models.DateTimeField(null=True, blank=True, help_text="Nominal instant of the earliest event.")
    first_event = models.ForeignKey(
        "disclosure.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    computed_at = models.DateTimeField()

    class Meta:
        # The table kept its name when the model moved here from `disclosure`.
        db_table = "disclosure_incidentmetricset"
        ordering = ["incident", "view"]
        constraints = [models.UniqueConstraint(fields=["incident", "view"], name="incident_metric_set_unique")]
        # The listing's sort ("newest") and year filter, per view.
        indexes = [
            models.Index(fields=["view", "started_at"], name="metric_set_view_started"),
            models.Index(fields=["view", "year"], name="metric_set_view_year"),
        ]

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
    no_notice_count = models.PositiveIntegerField(
        default=0, help_text="Reporters in the group who published with no notice (reporter dimension of the notice)."
    )
    median_seconds = models.FloatField(null=True)
    q1_seconds = models.FloatField(null=True)
    q3_seconds = models.FloatField(null=True)
    median_min_seconds = models.FloatField(null=True, help_text="Median of the lower bounds: the median's lower bound.")
    median_max_seconds = models.FloatField(null=True, help_text="Median of the upper bounds: the median's upper bound.")
    norm_shares = models.JSONField(default=dict, help_text="{norm slug: {met, of, share}} for notice windows.")
    bins = models.JSONField(
        default=list, blank=True, help_text="Closed figures per bin between figures.BIN_EDGES (the compare chart)."
    )
    computed_at = models.DateTimeField()

    class Meta:
        # The table kept its name when the model moved here from `disclosure`.
        db_table = "disclosure_metricaggregate"
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
    responded = models.PositiveIntegerField(default=0, help_text="Claims the vendor has answered at least once.")
    median_response_seconds = models.FloatField(
        null=True, blank=True, help_text="Median time from a claim's assertion to the vendor's first response."
    )
    computed_at = models.DateTimeField()

    class Meta:
        # The table kept its name when the model moved here from `disclosure`.
        db_table = "disclosure_responseaggregate"
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
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of a running run (each batch); see fail_stale_runs."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table kept its name when the model moved here from `disclosure`.
        db_table = "disclosure_recomputerun"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "started_at"], name="recompute_run_state_started")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)


class MissedRecompute(models.Model):
    """An incident whose recompute could not be queued (the broker was down when its change committed).

    The note is swept up every minute (metrics.tasks.recompute_missed, celery beat), so its figures
    catch up within about a minute of the broker's return; see services.recompute_missed_sweep.
    """

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="+")
    missed_at = models.DateTimeField(help_text="When the last recompute of this incident failed to be queued.")

    class Meta:
        ordering = ["missed_at", "id"]

    def __str__(self):
        return f"recompute of incident {self.incident_id} missed at {self.missed_at:%Y-%m-%d %H:%M:%S}"
