"""What every app's API views build on: `ApiViewMixin` (authentication, permissions,
JSON bodies, CSV lists, the parent incident), `ServiceBackedViewSet` (list, retrieve,
create and partial_update through the services), `run_service` (a service's
ValidationError as a 400 in the API's field names), `cited` (a record's citations,
prefetched in order) and the 404 of an unknown address under /api/.

Every read goes through the `*_visible_to(user)` selectors (disclosure/selectors.py,
claims/selectors.py): a newsroom role reads every record, anyone else what the public
site shows. Every write goes through a service with `by=request.user`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from disclosure import services
from disclosure.selectors import incidents_visible_to, sees_everything

from . import serializers as s
from .exceptions import django_validation_detail
from .parsers import SafeJSONParser
from .permissions import ReadPublicWriteStaff
from .renderers import CSVRenderer


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
    parser_classes = [SafeJSONParser]
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


class NotFoundView(ApiViewMixin, APIView):
    permission_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("No API endpoint at this address.")


api_not_found = NotFoundView.as_view()
