"""API filters of the core records: timeline events, organisations and sources.
Small and local; incidents reuse the site's IncidentFilter (web/api/filters.py) and
claims the site's ClaimFilter (claims/api/filters.py)."""

import django_filters

from disclosure.models import Event, EventKind, Organization, PublicationStatus, Source


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="description", lookup_expr="icontains", label="Search")
    incident = django_filters.CharFilter(field_name="incident__slug", label="Incident")
    kind = django_filters.ChoiceFilter(choices=EventKind.choices, label="Kind")
    actor = django_filters.CharFilter(field_name="actor__slug", label="Actor")
    target = django_filters.CharFilter(field_name="target__slug", label="Target")
    vendor = django_filters.CharFilter(field_name="incident__vendor__slug", label="Vendor")
    status = django_filters.ChoiceFilter(choices=PublicationStatus.choices, label="Status")

    class Meta:
        model = Event
        fields = []


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    kind = django_filters.ChoiceFilter(choices=Organization.Kind.choices, label="Kind")
    country = django_filters.CharFilter(field_name="country", label="Country (ISO 3166-1 alpha-2)")

    class Meta:
        model = Organization
        fields = []


class SourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Search")
    kind = django_filters.ChoiceFilter(choices=Source.Kind.choices, label="Kind")
    outlet = django_filters.CharFilter(field_name="outlet__slug", label="Outlet")
    language = django_filters.CharFilter(field_name="language", label="Language")

    class Meta:
        model = Source
        fields = []
