"""Atom feeds of published incidents and of new vendor responses.

Feeds read through the selectors as an anonymous visitor, whoever asks for them.
"""

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from claims.selectors import latest_vendor_responses
from disclosure.selectors import incidents_visible_to

from .filters import NEWEST_FIRST, with_listing_figures

FEED_SIZE = 30


class IncidentFeed(Feed):
    feed_type = Atom1Feed
    title = "Disclosure tracker: incidents"
    subtitle = "Security incidents as published on the disclosure tracker, newest first."
    link = reverse_lazy("disclosure:incident-list")

    def items(self):
        incidents = incidents_visible_to(None).select_related("vendor")
        return with_listing_figures(incidents).order_by(*NEWEST_FIRST)[:FEED_SIZE]

    def item_title(self, item):
        return f"[Retracted] {item.title}" if item.is_retracted else item.title

    def item_description(self, item):
        return item.retraction_notice if item.is_retracted else item.summary

    def item_pubdate(self, item):
        return item.started_at or item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.vendor.name


class ResponseFeed(Feed):
    feed_type = Atom1Feed
    title = "Disclosure tracker: vendor responses"
    subtitle = "New responses by vendors to claims made about their incidents."
    link = reverse_lazy("disclosure:claim-list")

    def items(self):
        return latest_vendor_responses(None, FEED_SIZE)

    def item_title(self, item):
        return f"{item.responder.name}: {item.get_stance_display()} — {item.claim.statement[:120]}"

    def item_description(self, item):
        return item.statement or item.get_stance_display()

    def item_link(self, item):
        return item.claim.get_absolute_url()

    def item_guid(self, item):
        return f"{item.claim.get_absolute_url()}response-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.nominal

    def item_author_name(self, item):
        return item.responder.name
