"""Admin for metrics: the norms (editable data), the computed figures (read-only) and recompute runs.

Staff start a full recompute from the Recompute runs page; the page refreshes
itself while a run is queued or running, so its progress is visible.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from disclosure import timemath
from disclosure.admin import ServiceAdmin

from .models import IncidentMetric, MetricAggregate, MissedRecompute, Norm, RecomputeRun, ResponseAggregate


class ReadOnlyAdmin(admin.ModelAdmin):
    """Computed rows: recomputed by Celery, never edited by hand.

    Their "add" address explains that and offers a full recompute instead of a form.
    """

    def add_view(self, request, form_url="", extra_context=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{self.opts.verbose_name_plural.capitalize()} are computed, not entered",
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/metrics/computed_add.html", context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Norm)
class NormAdmin(ServiceAdmin):
    list_display = ["name", "metric", "window_text", "window", "position"]
    list_filter = ["metric"]
    search_fields = ["name", "slug", "source_title"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="window", ordering="window_seconds")
    def window(self, obj):
        return timemath.format_duration(obj.window_seconds)


@admin.register(IncidentMetric)
class IncidentMetricAdmin(ReadOnlyAdmin):
    list_display = ["incident", "view", "metric", "nominal", "bounds", "open", "computed_at"]
    list_filter = ["view", "metric", "open"]
    search_fields = ["incident__slug", "incident__title"]
    list_select_related = ["incident"]

    @admin.display(description="nominal", ordering="nominal_seconds")
    def nominal(self, obj):
        return timemath.format_duration(obj.nominal_seconds)

    @admin.display(description="between")
    def bounds(self, obj):
        return f"{timemath.format_duration(obj.min_seconds)} and {timemath.format_duration(obj.max_seconds)}"


@admin.register(MetricAggregate)
class MetricAggregateAdmin(ReadOnlyAdmin):
    list_display = ["dimension", "organization", "year", "metric", "view", "incident_count", "open_count", "median"]
    list_filter = ["view", "dimension", "metric"]
    search_fields = ["organization__name", "organization__slug"]
    list_select_related = ["organization"]

    @admin.display(description="median", ordering="median_seconds")
    def median(self, obj):
        return "" if obj.median_seconds is None else timemath.format_duration(obj.median_seconds)


@admin.register(ResponseAggregate)
class ResponseAggregateAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "view", "claims", "stance_counts", "computed_at"]
    list_filter = ["view"]
    list_select_related = ["organization"]


@admin.register(RecomputeRun)
class RecomputeRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "state", "progress", "created_at", "started_at", "finished_at", "summary"]
    list_filter = ["kind", "state"]

    def has_view_permission(self, request, obj=None):
        # Progress of a recompute is harmless to show to any staff member.
        return request.user.is_active and request.user.is_staff

    @admin.display(description="progress")
    def progress(self, obj):
        return format_html(
            '<progress value="{}" max="{}">{} %</progress> {} / {}',
            obj.done,
            obj.total or 1,
            obj.percent,
            obj.done,
            obj.total,
        )

    def get_urls(self):
        start = self.admin_site.admin_view(require_POST(self.start_view))
        return [path("start/", start, name="metrics_recomputerun_start"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        active = RecomputeRun.objects.filter(state__in=[RecomputeRun.State.QUEUED, RecomputeRun.State.RUNNING])
        extra_context = {**(extra_context or {}), "refresh": active.exists()}
        return super().changelist_view(request, extra_context)

    def start_view(self, request):
        """Queue a full recompute (any staff member: it is idempotent and changes no record)."""
        from .receivers import enqueue
        from .tasks import recompute_all_metrics

        def send(pk):
            if enqueue(recompute_all_metrics, pk):
                messages.success(
                    request, "A full recompute of every incident's metrics and the aggregates has started."
                )
            else:  # the broker is down: say so rather than answer a 500
                error = "The task queue could not be reached, so the recompute never started. Try again shortly."
                RecomputeRun.objects.filter(pk=pk).update(state=RecomputeRun.State.FAILED, summary={"error": error})
                messages.error(request, error)

        with transaction.atomic():
            run = RecomputeRun.objects.create(kind=RecomputeRun.Kind.FULL)
            transaction.on_commit(lambda: send(run.pk))
        return redirect(reverse("admin:metrics_recomputerun_changelist"))


@admin.register(MissedRecompute)
class MissedRecomputeAdmin(ReadOnlyAdmin):
    """Incidents whose recompute could not be queued (the broker was down): swept up every minute."""

    list_display = ["incident", "missed_at"]
    list_select_related = ["incident"]
