"""GET /api/v1/: where everything in the API is, as absolute URLs, so a client can start from one address.

It stays in web, above every app whose endpoints it lists (disclosure, claims, metrics) and the bundles."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from disclosure.api.openapi import errors

# What the root lists: every list endpoint of v1, the bundles, and the schema and its documentation.
# tests/web/test_api_root.py checks that no list endpoint is missing.
RESOURCES = {
    "incidents": ("api-v1:incident-list", "public incidents (staff: every incident)"),
    "events": ("api-v1:event-list", "timeline events of every visible incident"),
    "claims": ("api-v1:claim-list", "claims of every visible incident"),
    "organisations": ("api-v1:organization-list", "organisations"),
    "sources": ("api-v1:source-list", "sources that citations point to"),
    "data_classes": ("api-v1:dataclass-list", "the vocabulary of exposed data"),
    "aggregates": ("api-metrics:aggregate-list", "metric aggregates per reporter, vendor, year and overall"),
    "response_aggregates": ("api-metrics:response-aggregate-list", "vendor responses to claims, counted"),
    "bundles": ("api-v1:bundle-import", "POST a bundle to import it"),
    "public_bundle": ("api-v1:bundle-public", "everything public as one bundle"),
    "schema": ("api-schema", "the OpenAPI schema"),
    "docs": ("api-docs", "the API's documentation (Swagger UI)"),
}

ApiRootSerializer = inline_serializer(
    name="ApiRoot",
    fields={key: serializers.URLField(help_text=text) for key, (_name, text) in RESOURCES.items()},
)


class ApiRootView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = []  # an index of addresses: each endpoint still checks its own permissions
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Index of the API",
        description="The absolute URL of every list endpoint, of the bundle endpoints, and of the schema and docs.",
        responses={200: ApiRootSerializer, **errors(429)},
    )
    def get(self, request):
        return Response({key: reverse(name, request=request) for key, (name, _text) in RESOURCES.items()})


api_root = ApiRootView.as_view()
