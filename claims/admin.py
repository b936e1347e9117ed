from django.contrib import admin

from disclosure.admin import ServiceAdmin, ServiceInline

from .models import Claim, ClaimCitation, Response, ResponseCitation


class ClaimCitationInline(ServiceInline, admin.TabularInline):
    model = ClaimCitation
    extra = 0
    autocomplete_fields = ["source"]


class ResponseInline(ServiceInline, admin.StackedInline):
    model = Response
    extra = 0
    autocomplete_fields = ["responder"]
    fields = ["position", "responder", "stance", "statement", "at", "precision", "approximate", "timezone", "status"]
    show_change_link = True


@admin.register(Claim)
class ClaimAdmin(ServiceAdmin):
    list_display = ["__str__", "incident", "claimant", "category", "status"]
    list_filter = ["category", "status"]
    search_fields = ["statement", "key", "incident__title"]
    list_select_related = ["incident", "claimant"]
    autocomplete_fields = ["incident", "claimant"]
    readonly_fields = ["lo", "hi", "nominal"]
    inlines = [ClaimCitationInline, ResponseInline]


class ResponseCitationInline(ServiceInline, admin.TabularInline):
    model = ResponseCitation
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Response)
class ResponseAdmin(ServiceAdmin):
    list_display = ["__str__", "claim", "stance", "at", "status"]
    list_filter = ["stance", "status"]
    list_select_related = ["claim", "responder"]
    autocomplete_fields = ["claim", "responder"]
    readonly_fields = ["lo", "hi", "nominal"]
    inlines = [ResponseCitationInline]
