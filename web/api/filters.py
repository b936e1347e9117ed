"""API filters. Incidents and claims reuse the site's FilterSets (web/filters.py),
so a query means the same on the site and in the API; the rest are small and local."""

import django_filters

from claims.models import Response
from disclosure.models import Event, EventKind, Incident, Organization, PublicationStatus, Source
from web.filters import ClaimFilter, IncidentFilter


class ApiIncidentFilter(IncidentFilter):
    """The site's incident filters, plus `status` (useful to staff, who also see drafts)."""

    status = django_filters.ChoiceFilter(choices=Incident.Status.choices, label="Status")

    class Meta(IncidentFilter.Meta):
        model = Incident


class ApiClaimFilter(ClaimFilter):
    status = django_filters.ChoiceFilter(choices=PublicationStatus.choices, label="Status")

    class Meta(ClaimFilter.Meta):
        fields = []


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


class ResponseFilter(django_filters.FilterSet):
    responder = django_filters.CharFilter(field_name="responder__slug", label="Responder")
    stance = django_filters.ChoiceFilter(choices=Response._meta.get_field("stance").choices, label="Stance")

    class Meta:
        model = Response
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
