"""factory_boy factories for every record. Defaults build a public, published record."""

import factory
from django.utils import timezone

from claims.models import Claim, ClaimCitation, Response, ResponseCitation
from disclosure.models import (
    DataClass,
    Event,
    EventCitation,
    ExposedData,
    Incident,
    Organization,
    Participant,
    Source,
)


class RecordedTimeMixin:
    """Derive lo/hi/nominal the way services do, so factory rows look like real ones."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance = model_class(*args, **kwargs)
        instance.derive_instants()
        instance.save()
        return instance


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = "vendor"


class SourceFactory(RecordedTimeMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    outlet = factory.SubFactory(OrganizationFactory, kind="media")
    language = "en"
    kind = "article"
    at = "2020-03-02"
    precision = "day"


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    slug = factory.Sequence(lambda n: f"incident-{n}")
    title = factory.Sequence(lambda n: f"Incident {n}")
    summary = "A database was left open."
    vendor = factory.SubFactory(OrganizationFactory, kind="vendor")
    timezone = "America/New_York"
    status = Incident.Status.PUBLISHED
    affected_count = 1000
    private_notes = "PRIVATE-INCIDENT-NOTE"


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.SubFactory(OrganizationFactory, kind="researcher")
    role = "discoverer"


class ExposedDataFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExposedData

    incident = factory.SubFactory(IncidentFactory)
    data_class = factory.LazyFunction(lambda: DataClass.objects.get(slug="email-addresses"))


class EventFactory(RecordedTimeMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    incident = factory.SubFactory(IncidentFactory)
    key = factory.Sequence(lambda n: f"event-{n}")
    kind = "published"
    at = "2020-03-02T14:05"
    precision = "minute"
    status = "published"
    description = "Something happened."
    private_notes = "PRIVATE-EVENT-NOTE"


class EventCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventCitation

    event = factory.SubFactory(EventFactory)
    source = factory.SubFactory(SourceFactory)
    quote = "exact words"


class ClaimFactory(RecordedTimeMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    incident = factory.SubFactory(IncidentFactory)
    key = factory.Sequence(lambda n: f"claim-{n}")
    statement = "Tokens were exposed."
    claimant = factory.SubFactory(OrganizationFactory, kind="researcher")
    category = "data_exposure"
    status = "published"
    private_notes = "PRIVATE-CLAIM-NOTE"


class ClaimCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimCitation

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)


class ResponseFactory(RecordedTimeMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    claim = factory.SubFactory(ClaimFactory)
    responder = factory.LazyAttribute(lambda o: o.claim.incident.vendor)
    stance = "denied"
    statement = "No."
    status = "published"
    at = "2020-03-04"
    precision = "day"
    position = factory.Sequence(lambda n: n)


class ResponseCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponseCitation

    response = factory.SubFactory(ResponseFactory)
    source = factory.SubFactory(SourceFactory)


def now():
    return timezone.now()
