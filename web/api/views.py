"""The API views that stay in web, above interchange and metrics: the incident viewset
(its FilterSet subclasses the site's IncidentFilter, which filters and sorts by stored
metrics, and it serves the incident's bundle) and the bundle import and export.

They build on disclosure/api/ (base classes, serializers); the other records' viewsets
live with their apps: disclosure/api/views.py (events, organisations, sources, data
classes) and claims/api/views.py (claims and responses).
"""

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from disclosure import services
from disclosure.api import serializers as s
from disclosure.api.base import ApiViewMixin, ServiceBackedViewSet, run_service
from disclosure.api.openapi import READ_ERRORS, WRITE_ERRORS, errors
from disclosure.api.permissions import CanImportBundles, ReadPublicWriteStaff
from disclosure.models import ExposedData, Incident, Participant, ReportedDuration, ReportedDurationCitation
from disclosure.selectors import incidents_visible_to
from interchange import bundle

from . import filters
from .serializers import ImportResultSerializer

# --- incidents --------------------------------------------------------------


def incident_queryset(base):
    return base.select_related("vendor").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("organization")),
        Prefetch("data_exposed", queryset=ExposedData.objects.select_related("data_class")),
        Prefetch(
            "durations",
            queryset=ReportedDuration.objects.prefetch_related(
                Prefetch("citations", queryset=ReportedDurationCitation.objects.select_related("source"))
            ),
        ),
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
        responses={200: ImportResultSerializer, **errors(400, 401, 403, 415, 429)},
    )
    def post(self, request):
        result = bundle.import_bundle(request.data, by=request.user)
        return Response(ImportResultSerializer(result).data)


#: Incidents per page of the public bundle: a page is a valid bundle of its own, built in bounded time.
PUBLIC_BUNDLE_PAGE_SIZE = 50
PUBLIC_BUNDLE_MAX_PAGE_SIZE = 200


class PublicBundleView(ApiViewMixin, APIView):
    @extend_schema(
        summary="The public bundle of everything public, a page at a time",
        description=(
            "Public incidents in slug order, `page_size` (default 50, at most 200) at a time, each page a "
            "complete bundle of its incidents with the organisations and sources they use, without private "
            "material. The `Link` header gives the next and previous pages (`rel=next`, `rel=prev`) and "
            "`X-Total-Count` the number of public incidents. Cacheable by anyone for a few minutes."
        ),
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="1 or more (default 1)."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 200 (default 50)."),
        ],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 429)},
    )
    def get(self, request):
        page = _positive(request, "page", 1)
        size = min(_positive(request, "page_size", PUBLIC_BUNDLE_PAGE_SIZE), PUBLIC_BUNDLE_MAX_PAGE_SIZE)
        slugs = incidents_visible_to(None).order_by("slug").values_list("slug", flat=True)
        total = slugs.count()
        # A page past the end asks nothing more of the database (an OFFSET past bigint is an error there).
        chosen = list(slugs[(page - 1) * size : page * size]) if (page - 1) * size < total else []
        # export_bundle reads every incident when given none: a page past the end is an empty bundle.
        document = bundle.export_bundle(slugs=chosen, public=True) if chosen else bundle.empty_bundle()
        response = Response(document)
        links = []
        if page * size < total:
            links.append(f'<{_page_url(request, page + 1, size)}>; rel="next"')
        if page > 1:
            links.append(f'<{_page_url(request, page - 1, size)}>; rel="prev"')
        if links:
            response["Link"] = ", ".join(links)
        response["X-Total-Count"] = str(total)
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        return response


def _positive(request, name, default):
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValidationError({name: "A whole number, 1 or more."})
    return int(value)


def _page_url(request, page, size):
    params = request.query_params.copy()
    params["page"], params["page_size"] = str(page), str(size)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
