"""The REST API's viewsets: thin, like the site's views.

Every read goes through the `*_visible_to(user)` selectors (disclosure/selectors.py,
claims/selectors.py): a newsroom role reads every record, anyone else what the public
site shows. Every write goes through a service with `by=request.user`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services as claim_services
from claims.models import Claim, ClaimCitation, ResponseCitation
from claims.models import Response as VendorResponse
from claims.selectors import claims_visible_to, responses_visible_to
from disclosure import services
from disclosure.api.exceptions import django_validation_detail
from disclosure.api.openapi import READ_ERRORS, WRITE_ERRORS, errors
from disclosure.api.permissions import CanImportBundles, ReadPublicWriteStaff
from disclosure.api.renderers import CSVRenderer
from disclosure.models import Event, EventCitation, ExposedData, Incident, Participant
from disclosure.selectors import (
    data_classes_visible_to,
    events_visible_to,
    incidents_visible_to,
    organizations_visible_to,
    sees_everything,
    sources_visible_to,
)
from interchange import bundle

from . import filters
from . import serializers as s


def run_service(service, field_map=None, **kwargs):
    """Call a service; its ValidationError becomes a 400 whose paths are the API's field names."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(django_validation_detail(exc, field_map)) from exc


def cited(model):
    return Prefetch("citations", queryset=model.objects.select_related("source").order_by("position", "id"))


class ApiViewMixin:
    # Token first: an anonymous write is answered 401 with `WWW-Authenticate: Token`.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [ReadPublicWriteStaff]
    # Bodies are JSON: nested recorded times and lists do not fit form encoding.
    parser_classes = [JSONParser]
    csv_actions = ("list",)

    @property
    def staff(self):
        return sees_everything(self.request.user)

    def get_renderers(self):
        if getattr(self, "action", None) in self.csv_actions:
            return [JSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def is_schema(self):
        return getattr(self, "swagger_fake_view", False)

    def parent_incident(self):
        if not hasattr(self, "_incident"):
            self._incident = get_object_or_404(
                incidents_visible_to(self.request.user), slug=self.kwargs["incident_slug"]
            )
        return self._incident

    def read(self, serializer_class, instance):
        return serializer_class(instance, context=self.get_serializer_context()).data


# List, retrieve, create and partial_update one kind of record; every write goes through a service.
# (Comments, not a docstring: drf-spectacular would print a docstring in every subclass's operations.)
# A subclass declares:
# - `read_serializer_class` and `staff_serializer_class`: what the public and staff read
#   (a write answers with the staff view);
# - `write_serializer_class`: the body of create and partial_update;
# - `lookup_field`: the record's key in the address (slug, key, pk);
# - `create_service` and `update_service`, called with `by=request.user` and the validated
#   body; the update service gets the record as `<instance_kwarg>=`;
# - `field_map`: model field names -> the API's paths, to place the services' errors;
# - `parent_kwargs()`: what a new record belongs to, e.g. `{"incident": ...}`.
class ServiceBackedViewSet(ApiViewMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]
    read_serializer_class = None
    staff_serializer_class = None
    write_serializer_class = None
    create_service = None
    update_service = None
    instance_kwarg = None
    field_map = None
    # A written record is read again through get_queryset(), whose prefetches the staff view needs.
    reread_after_write = True

    def parent_kwargs(self):
        return {}

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return self.write_serializer_class
        return self.staff_serializer_class if self.staff else self.read_serializer_class

    def get_object(self):
        # Detail reads and writes skip the listing filters, which only order and narrow lists.
        return get_object_or_404(self.get_queryset(), **{self.lookup_field: self.kwargs[self.lookup_field]})

    def respond(self, record, code=status.HTTP_200_OK):
        if self.reread_after_write:
            record = self.get_queryset().get(pk=record.pk)
        return Response(self.read(self.staff_serializer_class, record), status=code)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request, *args, **kwargs):
        parent = self.parent_kwargs()  # an unknown parent is a 404 before the body is looked at
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = run_service(
            self.create_service, self.field_map, by=request.user, **parent, **serializer.validated_data
        )
        return self.respond(record, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "citations" in serializer.validated_data:
            raise ValidationError({"citations": ["To cite a source on an existing record, POST to its citations/."]})
        record = run_service(
            self.update_service,
            self.field_map,
            by=request.user,
            **{self.instance_kwarg: record},
            **serializer.validated_data,
        )
        return self.respond(record)

    def add_citation(self, request):
        """The `citations` action of the records that cite sources (its schema stays with each viewset)."""
        record = self.get_object()
        serializer = s.CitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(services.citation_add, record=record, by=request.user, **serializer.validated_data)
        return self.respond(record, status.HTTP_201_CREATED)


# --- incidents --------------------------------------------------------------


def incident_queryset(base):
    return base.select_related("vendor").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("organization")),
        Prefetch("data_exposed", queryset=ExposedData.objects.select_related("data_class")),
    )


@extend_schema_view(
    list=extend_schema(
        summary="List incidents",
        description="Public incidents for anonymous callers; every incident for staff. `?format=csv` for CSV.",
        responses={200: s.IncidentSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="One incident", responses={200: s.IncidentSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Create an incident",
        description="Staff. Creating it as published or retracted needs the matching role.",
        request=s.IncidentWriteSerializer,
        responses={201: s.StaffIncidentSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit an incident",
        description="Staff. A change of `status` needs the publishing (or, to retract, the retracting) role.",
        request=s.IncidentWriteSerializer,
        responses={200: s.StaffIncidentSerializer, **WRITE_ERRORS},
    ),
)
class IncidentViewSet(ServiceBackedViewSet):
    read_serializer_class = s.IncidentSerializer
    staff_serializer_class = s.StaffIncidentSerializer
    write_serializer_class = s.IncidentWriteSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.ApiIncidentFilter

    def get_queryset(self):
        if self.is_schema():
            return Incident.objects.none()
        return incident_queryset(incidents_visible_to(self.request.user))

    # The services write an incident together with its participants and exposed data, all or
    # nothing, and key their errors by the lists' paths (`participants[0].organization`).
    create_service = staticmethod(services.incident_create)
    update_service = staticmethod(services.incident_update)
    instance_kwarg = "incident"

    @extend_schema(
        summary="Publish an incident",
        description="Needs the publishing role (editor or admin).",
        request=None,
        responses={200: s.StaffIncidentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        incident = run_service(services.incident_publish, incident=self.get_object(), by=request.user)
        return self.respond(incident)

    @extend_schema(
        summary="Retract an incident",
        description="Needs the retracting role (admin). The notice is shown publicly.",
        request=s.RetractSerializer,
        responses={200: s.StaffIncidentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def retract(self, request, slug=None):
        serializer = s.RetractSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = run_service(
            services.incident_retract,
            {"retraction_notice": "notice"},
            incident=self.get_object(),
            notice=serializer.validated_data["notice"],
            by=request.user,
        )
        return self.respond(incident)

    @extend_schema(
        summary="The public bundle of one public incident",
        description="The incident in the bundle format (disclosure-bundle/1), without private material.",
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], permission_classes=[ReadPublicWriteStaff])
    def bundle(self, request, slug=None):
        # The public bundle is what an anonymous visitor sees, whoever asks.
        get_object_or_404(incidents_visible_to(None), slug=slug)
        return Response(bundle.export_bundle(slugs=[slug], public=True))


# --- events -----------------------------------------------------------------

EVENT_TIME = s.time_field_map("time")


def event_queryset(base):
    return base.select_related("incident", "actor", "target").prefetch_related(cited(EventCitation))


@extend_schema_view(
    list=extend_schema(
        summary="The timeline of an incident", responses={200: s.EventSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="One timeline event", responses={200: s.EventSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Add a timeline event",
        request=s.EventWriteSerializer,
        responses={201: s.StaffEventSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit a timeline event",
        description="Changing `status` needs the publishing role.",
        request=s.EventWriteSerializer,
        responses={200: s.StaffEventSerializer, **WRITE_ERRORS},
    ),
)
class IncidentEventViewSet(ServiceBackedViewSet):
    read_serializer_class = s.EventSerializer
    staff_serializer_class = s.StaffEventSerializer
    write_serializer_class = s.EventWriteSerializer
    lookup_field = "key"
    create_service = staticmethod(services.event_create)
    update_service = staticmethod(services.event_update)
    instance_kwarg = "event"
    field_map = EVENT_TIME
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.EventFilter
    ordering_fields = ["nominal", "position", "key"]
    ordering = ["nominal", "position", "id"]

    def parent_kwargs(self):
        return {"incident": self.parent_incident()}

    def get_queryset(self):
        if self.is_schema():
            return Event.objects.none()
        return event_queryset(events_visible_to(self.request.user).filter(incident=self.parent_incident()))

    @extend_schema(
        summary="Cite a source on a timeline event",
        request=s.CitationSerializer,
        responses={201: s.StaffEventSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def citations(self, request, **kwargs):
        return self.add_citation(request)


@extend_schema_view(
    list=extend_schema(
        summary="Timeline events of all incidents",
        description="For researchers: filter by incident, kind, actor, vendor. `?format=csv` for CSV.",
        responses={200: s.EventSerializer(many=True), **READ_ERRORS},
    )
)
class EventListViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.EventFilter
    ordering_fields = ["nominal", "position", "key"]
    ordering = ["incident__slug", "nominal", "position", "id"]

    def get_queryset(self):
        return event_queryset(events_visible_to(self.request.user))

    def get_serializer_class(self):
        return s.StaffEventSerializer if self.staff else s.EventSerializer


# --- claims and responses ---------------------------------------------------

ASSERTED_TIME = s.time_field_map("asserted")
RESPONSE_TIME = s.time_field_map("time")


def response_queryset(base):
    return base.select_related("responder").prefetch_related(cited(ResponseCitation)).order_by("position", "id")


def claim_queryset(base, user):
    return (
        base.with_vendor_stance(public=not sees_everything(user))
        .select_related("incident", "claimant")
        .prefetch_related(
            cited(ClaimCitation),
            Prefetch("responses", queryset=response_queryset(responses_visible_to(user)), to_attr="listed_responses"),
        )
    )


@extend_schema_view(
    list=extend_schema(
        summary="The claims about an incident, with their responses",
        responses={200: s.ClaimSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="One claim", responses={200: s.ClaimSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Add a claim", request=s.ClaimWriteSerializer, responses={201: s.StaffClaimSerializer, **WRITE_ERRORS}
    ),
    partial_update=extend_schema(
        summary="Edit a claim",
        description="Changing `status` needs the publishing role.",
        request=s.ClaimWriteSerializer,
        responses={200: s.StaffClaimSerializer, **WRITE_ERRORS},
    ),
)
class IncidentClaimViewSet(ServiceBackedViewSet):
    read_serializer_class = s.ClaimSerializer
    staff_serializer_class = s.StaffClaimSerializer
    write_serializer_class = s.ClaimWriteSerializer
    lookup_field = "key"
    create_service = staticmethod(claim_services.claim_create)
    update_service = staticmethod(claim_services.claim_update)
    instance_kwarg = "claim"
    field_map = ASSERTED_TIME
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.ApiClaimFilter
    ordering_fields = ["position", "nominal", "key"]
    ordering = ["position", "id"]

    def parent_kwargs(self):
        return {"incident": self.parent_incident()}

    def get_queryset(self):
        if self.is_schema():
            return Claim.objects.none()
        user = self.request.user
        return claim_queryset(claims_visible_to(user).filter(incident=self.parent_incident()), user)

    @extend_schema(
        summary="Cite a source on a claim",
        request=s.CitationSerializer,
        responses={201: s.StaffClaimSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def citations(self, request, **kwargs):
        return self.add_citation(request)


@extend_schema_view(
    list=extend_schema(
        summary="Claims of all incidents",
        description="For researchers: the site's claim filters (stance, category, claimant, vendor, incident, q).",
        responses={200: s.ClaimSerializer(many=True), **READ_ERRORS},
    )
)
class ClaimListViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.ApiClaimFilter
    ordering_fields = ["position", "nominal", "key"]
    ordering = ["incident__slug", "position", "id"]

    def get_queryset(self):
        return claim_queryset(claims_visible_to(self.request.user), self.request.user)

    def get_serializer_class(self):
        return s.StaffClaimSerializer if self.staff else s.ClaimSerializer


@extend_schema_view(
    list=extend_schema(
        summary="The responses to a claim, in order", responses={200: s.ResponseSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="One response", responses={200: s.ResponseSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Add a response to a claim's history",
        description="Earlier responses are kept. A published response needs the publishing role.",
        request=s.ResponseWriteSerializer,
        responses={201: s.ResponseSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit a response",
        description="Changing `status` needs the publishing role.",
        request=s.ResponseWriteSerializer,
        responses={200: s.ResponseSerializer, **WRITE_ERRORS},
    ),
)
class ClaimResponseViewSet(ServiceBackedViewSet):
    # Responses have no staff-only fields: staff and public read the same serializer.
    read_serializer_class = s.ResponseSerializer
    staff_serializer_class = s.ResponseSerializer
    write_serializer_class = s.ResponseWriteSerializer
    lookup_field = "pk"
    lookup_value_converter = "int"
    create_service = staticmethod(claim_services.response_add)
    update_service = staticmethod(claim_services.response_update)
    instance_kwarg = "response"
    field_map = RESPONSE_TIME
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.ResponseFilter

    def parent_claim(self):
        if not hasattr(self, "_claim"):
            self._claim = get_object_or_404(
                claims_visible_to(self.request.user).select_related("incident"),
                incident=self.parent_incident(),
                key=self.kwargs["claim_key"],
            )
        return self._claim

    def parent_kwargs(self):
        return {"claim": self.parent_claim()}

    def get_queryset(self):
        if self.is_schema():
            return VendorResponse.objects.none()
        return response_queryset(responses_visible_to(self.request.user).filter(claim=self.parent_claim()))

    @extend_schema(
        summary="Cite a source on a response",
        request=s.CitationSerializer,
        responses={201: s.ResponseSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def citations(self, request, **kwargs):
        return self.add_citation(request)


# --- organisations, sources, data classes -----------------------------------


@extend_schema_view(
    list=extend_schema(summary="Organisations", responses={200: s.OrganizationSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One organisation", responses={200: s.OrganizationSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Add an organisation", responses={201: s.OrganizationSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(
        summary="Edit an organisation", responses={200: s.OrganizationSerializer, **WRITE_ERRORS}
    ),
)
class OrganizationViewSet(ServiceBackedViewSet):
    # One serializer reads and writes, for staff and public alike.
    read_serializer_class = staff_serializer_class = write_serializer_class = s.OrganizationSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"
    create_service = staticmethod(services.organization_create)
    update_service = staticmethod(services.organization_update)
    instance_kwarg = "organization"
    # The serializer reads no relation: the record the service returns is answered as it is.
    reread_after_write = False
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.OrganizationFilter
    ordering_fields = ["name", "slug"]
    ordering = ["name", "slug"]

    def get_queryset(self):
        return organizations_visible_to(self.request.user)


SOURCE_TIME = s.time_field_map("published")


@extend_schema_view(
    list=extend_schema(summary="Sources", responses={200: s.SourceSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One source", responses={200: s.SourceSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Add a source", responses={201: s.SourceSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(summary="Edit a source", responses={200: s.SourceSerializer, **WRITE_ERRORS}),
)
class SourceViewSet(ServiceBackedViewSet):
    # One serializer reads and writes, for staff and public alike.
    read_serializer_class = staff_serializer_class = write_serializer_class = s.SourceSerializer
    lookup_field = "key"
    lookup_value_converter = "slug"
    create_service = staticmethod(services.source_create)
    update_service = staticmethod(services.source_update)
    instance_kwarg = "source"
    field_map = SOURCE_TIME
    # The outlet comes with the written record (the body names it): nothing to read again.
    reread_after_write = False
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.SourceFilter
    ordering_fields = ["nominal", "key", "title"]
    ordering = ["key"]

    def get_queryset(self):
        return sources_visible_to(self.request.user).select_related("outlet")


@extend_schema_view(
    list=extend_schema(
        summary="The vocabulary of exposed data", responses={200: s.DataClassSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="One data class", responses={200: s.DataClassSerializer, **READ_ERRORS}),
)
class DataClassViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.DataClassSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"
    filter_backends = []

    def get_queryset(self):
        return data_classes_visible_to(self.request.user).order_by("name", "slug")


# --- bundles ----------------------------------------------------------------


class BundleImportView(ApiViewMixin, APIView):
    permission_classes = [CanImportBundles]

    @extend_schema(
        summary="Import a bundle",
        description=(
            "Staff who may add incidents. All or nothing: a bundle with any error writes nothing, and every "
            "error names its JSON path (`incidents[0].events[3].time.at`).\n\n"
            "By default the import **merges**: it creates and updates what the bundle holds, deletes nothing, "
            "and leaves alone every field the bundle omits (a public bundle never blanks private notes). "
            'A top-level `"mode": "replace"` makes each incident in the bundle exactly what the bundle says, '
            "deleting the parts it does not list; only admins may (403 otherwise).\n\n"
            "Every record is written through the role table: a write the caller's role may not make is "
            "refused with 403, its message starting with the JSON path of the record "
            "(`incidents[0].events[2]: ...`), and nothing is written. The answer counts the records created, "
            "updated and unchanged, and lists every deletion."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: s.ImportResultSerializer, **errors(400, 401, 403, 415, 429)},
    )
    def post(self, request):
        result = bundle.import_bundle(request.data, by=request.user)
        return Response(s.ImportResultSerializer(result).data)


class NotFoundView(ApiViewMixin, APIView):
    permission_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("No API endpoint at this address.")


api_not_found = NotFoundView.as_view()


class PublicBundleView(ApiViewMixin, APIView):
    @extend_schema(
        summary="The public bundle of everything public",
        description="Every public incident in the bundle format, without private material.",
        responses={200: OpenApiTypes.OBJECT, **errors(429)},
    )
    def get(self, request):
        return Response(bundle.export_bundle(public=True))
