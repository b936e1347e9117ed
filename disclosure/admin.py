"""Django admin for the core domain.

Saving through the admin runs the same validation as the services and enqueues
the metrics recomputation for the incident that changed; publishing needs the
`publish_incident` permission, as everywhere else.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from . import services
from .models import (
    Correction,
    CorrectionCitation,
    DataClass,
    Event,
    EventCitation,
    ExposedData,
    Incident,
    Organization,
    Participant,
    Source,
)


class IncidentChangeMixin:
    """Enqueue a metrics recomputation whenever an admin change touches an incident."""

    def incident_id_of(self, obj):
        return obj.incident_id

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.incident_metrics_enqueue(incident_id=self.incident_id_of(obj))

    def delete_model(self, request, obj):
        incident_id = self.incident_id_of(obj)
        super().delete_model(request, obj)
        services.incident_metrics_enqueue(incident_id=incident_id)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        services.incident_metrics_enqueue(incident_id=self.incident_id_of(form.instance))


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "kind", "language", "at"]
    list_filter = ["kind", "language"]
    search_fields = ["title", "key", "author"]
    list_select_related = ["outlet"]
    autocomplete_fields = ["outlet"]
    readonly_fields = ["lo", "hi", "nominal"]


@admin.register(DataClass)
class DataClassAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["organization"]


class ExposedDataInline(admin.TabularInline):
    model = ExposedData
    extra = 0
    autocomplete_fields = ["data_class"]


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = ["key", "kind", "at", "precision", "approximate", "timezone", "status", "description"]
    show_change_link = True


class CorrectionInline(admin.TabularInline):
    model = Correction
    extra = 0


@admin.register(Incident)
class IncidentAdmin(IncidentChangeMixin, admin.ModelAdmin):
    list_display = ["title", "vendor", "status", "embargo_until", "affected_count", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug", "summary", "vendor__name"]
    list_select_related = ["vendor"]
    autocomplete_fields = ["vendor"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ParticipantInline, ExposedDataInline, EventInline, CorrectionInline]

    def incident_id_of(self, obj):
        return obj.pk

    def save_model(self, request, obj, form, change):
        needed = services.STATUS_PERMISSIONS.get(obj.status)
        if "status" in form.changed_data and needed and not request.user.has_perm(needed):
            raise PermissionDenied("You may not publish or retract incidents.")
        super().save_model(request, obj, form, change)


class EventCitationInline(admin.TabularInline):
    model = EventCitation
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Event)
class EventAdmin(IncidentChangeMixin, admin.ModelAdmin):
    list_display = ["__str__", "incident", "kind", "at", "precision", "approximate", "status"]
    list_filter = ["kind", "status", "precision"]
    search_fields = ["key", "description", "incident__title"]
    list_select_related = ["incident"]
    autocomplete_fields = ["incident", "actor", "target"]
    readonly_fields = ["lo", "hi", "nominal"]
    inlines = [EventCitationInline]


class CorrectionCitationInline(admin.TabularInline):
    model = CorrectionCitation
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["incident", "date", "text"]
    list_select_related = ["incident"]
    inlines = [CorrectionCitationInline]


from . import metrics_admin  # noqa: E402, F401  (registers the metrics admin)
