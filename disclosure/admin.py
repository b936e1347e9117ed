"""Django admin for the core records: organisations, sources, data classes, incidents, events, corrections.

Every save and delete, inlines included, goes through `services.record_save` and
`services.record_delete`, so the admin is held to the role table (roles.py,
docs/roles.md) exactly as the API and bundle imports are. For a user without the
publishing role, each admin's `publisher_fields` are read-only (`status` on most
records; on incidents `embargo_until` and `retraction_notice`, while `status`
offers only draft and review), and a record the user may not edit
(`roles.may_edit`: for a contributor, anything public-facing) opens with every
field read-only except the private notes; its inlines can then be neither added,
changed nor removed. A refused save is therefore rare: when the services still
refuse one, the form's transaction is rolled back, nothing is saved and the
reason is shown. Publication checks that need the inlines (a published record
cites a source) run once the whole form is saved (`services.deferred_checks`).
Saving an incident or one of its parts, and deleting a part, enqueues the
incident's metrics recompute; the history pages are read-only (no revert).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from . import roles, services
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


def _incident_id(obj):
    name = obj._meta.model_name
    if name == "incident":
        return obj.pk
    if name == "response":
        return obj.claim.incident_id
    return getattr(obj, "incident_id", None)


class ServiceAdmin(SimpleHistoryAdmin):
    """A ModelAdmin whose writes are the services' (its history page is read-only: no revert)."""

    # Only roles that may publish see these as inputs.
    publisher_fields = ("status",)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(roles.PUBLISH):
            model_fields = {f.name for f in self.model._meta.fields}
            fields += [f for f in self.publisher_fields if f in model_fields and f not in fields]
        if obj is not None and not roles.may_edit(request.user, obj):
            # What the public can see is an editor's; the private notes stay the newsroom's.
            editable = [f.name for f in self.model._meta.fields if f.editable and not f.primary_key]
            fields += [f for f in editable if f not in fields and f not in roles.PRIVATE_FIELDS]
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        # A slug is made from the title when a record is added; afterwards it is an address to keep.
        return super().get_prepopulated_fields(request, obj) if obj is None else {}

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        try:
            roles.authorize_delete(request.user, record=obj)
        except PermissionDenied:
            return False
        return True

    def _changeform_view(self, request, object_id, form_url, extra_context):
        # Runs inside the admin's transaction: a published record saved before its
        # inline citations is checked once the inlines are saved too.
        with services.deferred_checks():
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # The transaction was rolled back: nothing of the form was saved.
            for message in exc.messages:
                self.message_user(request, f"Nothing was saved: {message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        services.record_save(instance=obj, by=request.user)
        self._enqueue(obj)

    def delete_model(self, request, obj):
        incident_id = _incident_id(obj) if obj._meta.model_name != "incident" else None
        services.record_delete(instance=obj, by=request.user)
        if incident_id:
            services.incident_metrics_enqueue(incident_id=incident_id)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.record_delete(instance=obj, by=request.user)
        for obj in [*formset.new_objects, *(o for o, _ in formset.changed_objects)]:
            services.record_save(instance=obj, by=request.user)
        self._enqueue(form.instance)

    def _enqueue(self, obj):
        incident_id = _incident_id(obj)
        if incident_id:
            services.incident_metrics_enqueue(incident_id=incident_id)


class ServiceInline:
    """An inline whose rows may be added, changed or removed only where the parent record may be edited."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(roles.PUBLISH) and "status" in (self.fields or ()):
            fields.append("status")
        return fields

    def _parent_editable(self, request, obj):
        return obj is None or roles.may_edit(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_editable(request, obj)


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    list_display = ["name", "slug", "kind", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    list_display = ["title", "outlet", "kind", "language", "at"]
    list_filter = ["kind", "language"]
    search_fields = ["title", "key", "author"]
    list_select_related = ["outlet"]
    autocomplete_fields = ["outlet", "based_on"]
    readonly_fields = ["lo", "hi", "nominal"]


@admin.register(DataClass)
class DataClassAdmin(ServiceAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


class ParticipantInline(ServiceInline, admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["organization"]


class ExposedDataInline(ServiceInline, admin.TabularInline):
    model = ExposedData
    extra = 0
    autocomplete_fields = ["data_class"]


class EventInline(ServiceInline, admin.TabularInline):
    model = Event
    extra = 0
    fields = ["key", "kind", "at", "precision", "approximate", "margin", "timezone", "status", "description"]
    show_change_link = True


class CorrectionInline(ServiceInline, admin.TabularInline):
    model = Correction
    extra = 0


@admin.register(Incident)
class IncidentAdmin(ServiceAdmin):
    list_display = ["title", "vendor", "status", "embargo_until", "affected_count", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug", "summary", "vendor__name"]
    list_select_related = ["vendor"]
    autocomplete_fields = ["vendor"]
    prepopulated_fields = {"slug": ["title"]}
    # Where an imported incident came from is the importer's record, not an editor's to change.
    readonly_fields = [
        "followed_until_hi",
        "origin_dataset",
        "origin_record",
        "origin_url",
        "origin_credit",
        "origin_licence",
        "origin_licence_url",
        "origin_flags",
    ]
    inlines = [ParticipantInline, ExposedDataInline, EventInline, CorrectionInline]
    # A contributor moves a draft to review and back; the other statuses are an editor's.
    publisher_fields = ("embargo_until", "retraction_notice")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not request.user.has_perm(roles.PUBLISH):
            kwargs["choices"] = [(s.value, s.label) for s in (Incident.Status.DRAFT, Incident.Status.REVIEW)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class EventCitationInline(ServiceInline, admin.TabularInline):
    model = EventCitation
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Event)
class EventAdmin(ServiceAdmin):
    list_display = ["__str__", "incident", "kind", "at", "precision", "approximate", "status"]
    list_filter = ["kind", "status", "precision"]
    search_fields = ["key", "description", "incident__title"]
    list_select_related = ["incident"]
    autocomplete_fields = ["incident", "actor", "target"]
    readonly_fields = ["lo", "hi", "nominal"]
    inlines = [EventCitationInline]


class CorrectionCitationInline(ServiceInline, admin.TabularInline):
    model = CorrectionCitation
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Correction)
class CorrectionAdmin(ServiceAdmin):
    list_display = ["incident", "date", "text"]
    list_select_related = ["incident"]
    inlines = [CorrectionCitationInline]
