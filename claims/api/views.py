"""The API's viewsets of claims and vendor responses: the claims of an incident (and
their citations), the claims of all incidents, and a claim's responses (and their
citations). Built on disclosure/api/base.py: reads go through the
`*_visible_to(user)` selectors, writes through the claims services.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter

from claims import services as claim_services
from claims.models import Claim, ClaimCitation, ResponseCitation
from claims.models import Response as VendorResponse
from claims.selectors import claims_visible_to, responses_visible_to
from disclosure.api.base import ApiViewMixin, ServiceBackedViewSet, cited
from disclosure.api.openapi import READ_ERRORS, WRITE_ERRORS
from disclosure.api.serializers import CitationSerializer, time_field_map
from disclosure.selectors import sees_everything

from . import filters
from . import serializers as s

ASSERTED_TIME = time_field_map("asserted")
RESPONSE_TIME = time_field_map("time")


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
        request=CitationSerializer,
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
        request=CitationSerializer,
        responses={201: s.ResponseSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def citations(self, request, **kwargs):
        return self.add_citation(request)
