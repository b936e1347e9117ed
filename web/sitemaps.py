"""sitemap.xml: the public pages, every public incident and every public organisation.

The sitemap reads as an anonymous visitor, whoever asks for it.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from disclosure.selectors import incidents_visible_to, organizations_visible_to


class StaticSitemap(Sitemap):
    def items(self):
        return ["home", "incident-list", "claim-list", "compare", "methodology"]

    def location(self, item):
        return reverse(f"disclosure:{item}")


class IncidentSitemap(Sitemap):
    limit = 5000

    def items(self):
        return incidents_visible_to(None).order_by("slug").only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class OrganizationSitemap(Sitemap):
    limit = 5000

    def items(self):
        return organizations_visible_to(None).order_by("slug").only("slug")


SITEMAPS = {"pages": StaticSitemap, "incidents": IncidentSitemap, "organisations": OrganizationSitemap}
