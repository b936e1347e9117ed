"""API filters that stay in web: incidents reuse the site's IncidentFilter
(web/filters.py), which filters and sorts by stored metrics, so a query means the
same on the site and in the API. The other records' API filters live with their apps
(disclosure/api/filters.py, claims/api/filters.py)."""

import django_filters

from disclosure.models import Incident
from web.filters import IncidentFilter


class ApiIncidentFilter(IncidentFilter):
    """The site's incident filters, plus `status` (useful to staff, who also see drafts)."""

    status = django_filters.ChoiceFilter(choices=Incident.Status.choices, label="Status")

    class Meta(IncidentFilter.Meta):
        model = Incident
