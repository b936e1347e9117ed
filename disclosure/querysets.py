"""What the public may see of the core records, defined once.

Every public surface (pages, feeds, sitemap, search, API, public export) reads
through the `public()` methods here and in `claims/querysets.py` (claims and
responses); nothing else decides visibility. The rules (bundle-v1.md), as this
module applies them:

* an incident is public when it is published or retracted and its embargo, if
  any, has passed;
* participants, exposed data and reported durations are public when their
  incident is, and so is where an imported incident came from (its origin); an event
  when it is published itself and its incident is public;
* data classes are reference data, all public;
* organisations and sources are public only when something public refers to
  them, so that a draft story's new vendor or article does not leak. This
  module knows the references of the core records (vendors, participants,
  event actors and targets, source outlets; sources cited by public events,
  corrections and reported durations); the layers above, which it cannot import, add theirs through
  `register_public_reference` (claims: claimants, responders, sources cited by
  claims and responses);
* private notes are never part of a public representation (serializers and
  exports leave them out; tests enforce it).
"""

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import IncidentStatus, PublicationStatus

# What else makes an organisation or a source public, registered by the layers above
# (claims: claimants, responders, sources cited by claims and responses), which this
# module cannot import. Each entry is `now -> Q` over the organisation's or source's id.
PUBLIC_REFERENCES = {"organization": [], "source": []}


def register_public_reference(kind, reference):
    """Add `reference(now) -> Q` to what makes an organisation or a source ("organization"/"source") public."""
    if reference not in PUBLIC_REFERENCES[kind]:
        PUBLIC_REFERENCES[kind].append(reference)


def _model(label):
    # Models of this app only: they import this module, so it cannot import them.
    return apps.get_model(label)


class IncidentQuerySet(models.QuerySet):
    PUBLIC_STATUSES = (IncidentStatus.PUBLISHED, IncidentStatus.RETRACTED)

    def public(self, now=None):
        now = now or timezone.now()
        return self.filter(status__in=self.PUBLIC_STATUSES).filter(
            Q(embargo_until__isnull=True) | Q(embargo_until__lte=now)
        )


class ParticipantQuerySet(models.QuerySet):
    def public(self, now=None):
        return self.filter(incident__in=_model("disclosure.Incident").objects.public(now))


class ExposedDataQuerySet(models.QuerySet):
    def public(self, now=None):
        return self.filter(incident__in=_model("disclosure.Incident").objects.public(now))


class DataClassQuerySet(models.QuerySet):
    def public(self, now=None):
        # The vocabulary itself is reference data, public like a glossary.
        return self.all()


class EventQuerySet(models.QuerySet):
    def public(self, now=None):
        return self.filter(
            status=PublicationStatus.PUBLISHED, incident__in=_model("disclosure.Incident").objects.public(now)
        )


class OrganizationQuerySet(models.QuerySet):
    def public(self, now=None):
        Incident = _model("disclosure.Incident")
        Participant = _model("disclosure.Participant")
        Event = _model("disclosure.Event")
        Source = _model("disclosure.Source")
        events = Event.objects.public(now)
        referenced = (
            Q(id__in=Incident.objects.public(now).values("vendor_id"))
            | Q(id__in=Participant.objects.public(now).values("organization_id"))
            | Q(id__in=events.exclude(actor=None).values("actor_id"))
            | Q(id__in=events.exclude(target=None).values("target_id"))
            | Q(id__in=Source.objects.public(now).exclude(outlet=None).values("outlet_id"))
        )
        for reference in PUBLIC_REFERENCES["organization"]:
            referenced |= reference(now)
        return self.filter(referenced)


class SourceQuerySet(models.QuerySet):
    def public(self, now=None):
        EventCitation = _model("disclosure.EventCitation")
        CorrectionCitation = _model("disclosure.CorrectionCitation")
        Event = _model("disclosure.Event")
        Incident = _model("disclosure.Incident")
        DurationCitation = _model("disclosure.ReportedDurationCitation")
        cited = (
            Q(id__in=EventCitation.objects.filter(event__in=Event.objects.public(now)).values("source_id"))
            | Q(
                id__in=CorrectionCitation.objects.filter(correction__incident__in=Incident.objects.public(now)).values(
                    "source_id"
                )
            )
            | Q(
                id__in=DurationCitation.objects.filter(
                    reportedduration__incident__in=Incident.objects.public(now)
                ).values("source_id")
            )
        )
        for reference in PUBLIC_REFERENCES["source"]:
            cited |= reference(now)
        return self.filter(cited)


#: A search reads at most this many words, each at most this long: whatever a query holds, it costs
#: a handful of conditions (800 words once took 12 s on PostgreSQL, and 1,000 crashed SQLite).
SEARCH_MAX_WORDS = 8
SEARCH_MAX_WORD_LENGTH = 60


def search_terms(value):
    """The distinct words of a search, in order, bounded (SEARCH_MAX_WORDS, SEARCH_MAX_WORD_LENGTH)."""
    terms = []
    for word in value[: SEARCH_MAX_WORDS * (SEARCH_MAX_WORD_LENGTH + 1)].split():
        word = word[:SEARCH_MAX_WORD_LENGTH]
        if word.casefold() not in (t.casefold() for t in terms):
            terms.append(word)
        if len(terms) == SEARCH_MAX_WORDS:
            break
    return terms
