"""API filters of claims and responses. The claim lists reuse the site's ClaimFilter
(claims/filters.py), so a query means the same on the site and in the API."""

import django_filters

from claims.filters import ClaimFilter
from claims.models import Response
from disclosure.models import PublicationStatus


class ApiClaimFilter(ClaimFilter):
    status = django_filters.ChoiceFilter(choices=PublicationStatus.choices, label="Status")

    class Meta(ClaimFilter.Meta):
        fields = []


class ResponseFilter(django_filters.FilterSet):
    responder = django_filters.CharFilter(field_name="responder__slug", label="Responder")
    stance = django_filters.ChoiceFilter(choices=Response._meta.get_field("stance").choices, label="Stance")

    class Meta:
        model = Response
        fields = []
