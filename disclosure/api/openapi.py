"""OpenAPI helpers shared by every API view: the documented error responses.

Every error the API returns has the one shape of `ErrorSerializer`; a view lists
the codes it can answer with, e.g. `responses={200: ..., **errors(400, 404, 429)}`.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Where the error is, e.g. 'time.at' or 'incidents[0].events[2].key'.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


def errors(*codes):
    """Documented error responses: every error has the one shape of ErrorSerializer."""
    descriptions = {
        400: "Invalid input; each error names the field path at fault.",
        401: "Not authenticated (send 'Authorization: Token <key>').",
        403: "Authenticated, but the role does not allow this.",
        404: "No such record, or not public.",
        415: "The body must be JSON (Content-Type: application/json).",
        429: "Too many requests; retry after the number of seconds in Retry-After.",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes}


READ_ERRORS = errors(400, 404, 429)
WRITE_ERRORS = errors(400, 401, 403, 404, 415, 429)
