"""The API's viewsets of the core records: timeline events (per incident, and of all
incidents), organisations, sources and data classes. Thin, like the site's views:
reads go through the `*_visible_to(user)` selectors, writes through the services
(see disclosure/api/base.py).

The incident viewset itself stays in web/api/views.py: its filters sort and filter
by stored metrics (the site's IncidentFilter) and it serves the incident's bundle.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter

from disclosure import services
from disclosure.models import Event, EventCitation
from disclosure.selectors import (
    data_classes_visible_to,
    events_visible_to,
    organizations_visible_to,
    sources_visible_to,
)

from . import filters
from . import serializers as s
from .base import ApiViewMixin, ServiceBackedViewSet, cited
from .openapi import READ_ERRORS, WRITE_ERRORS

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
    # The outlet and the source it is based on come with the written record (the body names them).
    reread_after_write = False
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.SourceFilter
    ordering_fields = ["nominal", "key", "title"]
    ordering = ["key"]

    def get_queryset(self):
        return sources_visible_to(self.request.user).select_related("outlet", "based_on")


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
