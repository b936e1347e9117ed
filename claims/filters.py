"""The claim filters of the public site's /claims/ page, which the API's claim lists
extend (claims/api/filters.py), so a query means the same on the site and in the API.

Meant to run on querysets that already come from the selectors: every filter adds a
condition to the one query and none runs a query of its own.
"""

import django_filters
from django.db.models import Q

from disclosure.querysets import search_terms

from .models import STANCE_LABELS, Claim

STANCE_CHOICES = list(STANCE_LABELS.items())


class ClaimFilter(django_filters.FilterSet):
    """Filters public claims; `stance` is the incident vendor's current public stance."""

    q = django_filters.CharFilter(method="filter_q", label="Search")
    stance = django_filters.ChoiceFilter(method="filter_stance", choices=STANCE_CHOICES, label="Vendor's stance")
    category = django_filters.ChoiceFilter(choices=Claim.Category.choices, label="Category")
    claimant = django_filters.CharFilter(field_name="claimant__slug", label="Claimant")
    vendor = django_filters.CharFilter(field_name="incident__vendor__slug", label="Vendor")
    incident = django_filters.CharFilter(field_name="incident__slug", label="Incident")

    class Meta:
        model = Claim
        fields = []

    def filter_q(self, queryset, name, value):
        """Every word in the statement (a bounded number of words: `search_terms`)."""
        condition = Q()
        for term in search_terms(value):
            condition &= Q(statement__icontains=term)
        return queryset.filter(condition)

    def filter_stance(self, queryset, name, value):
        if "vendor_stance" not in queryset.query.annotations:
            queryset = queryset.with_vendor_stance(public=True)
        return queryset.filter(vendor_stance=value)
