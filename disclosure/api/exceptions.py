"""One error format for the whole API.

Every error, whatever raised it, leaves as

    {"errors": [{"path": "time.at", "message": "..."}]}

`path` names the value at fault in the request body or query (dotted, with
`[i]` for list items, as bundle errors do) and is "" when the error concerns
the request as a whole (authentication, permission, a missing record).
Django's PermissionDenied and ValidationError raised by the services become 403
and 400, so a rule a service enforces reads the same through the API as in the
workspace.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from disclosure.errors import LocatedError, json_path

NON_FIELD_KEYS = {api_settings.NON_FIELD_ERRORS_KEY, "__all__"}


def error_body(problems):
    return {"errors": [{"path": path, "message": str(message)} for path, message in problems]}


def flatten(detail, parts=()):
    """Yield (path, message) for every message in a DRF error detail, however nested."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from flatten(value, parts if key in NON_FIELD_KEYS else (*parts, key))
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            for item in detail:
                yield json_path(parts), str(item)
        else:
            for i, item in enumerate(detail):
                if item:
                    yield from flatten(item, (*parts, i))
    else:
        yield json_path(parts), str(detail)


def django_validation_detail(exc, field_map=None):
    """A Django ValidationError as a DRF detail, its model field names mapped to the API's paths."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, messages in exc.message_dict.items():
            key = field_map.get(field, field)
            detail.setdefault(key, []).extend(messages)
        return detail
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def body_limit_text():
    """The request body limit in words: "2.5 MiB" (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:g} MiB"


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django would answer an HTML 400; a caller of the API gets its format, and the limit.
        message = f"The request body is larger than the API accepts ({body_limit_text()}); send less at a time."
        return Response(error_body([("", message)]), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, LocatedError):
        return Response(error_body((p.path, p.message) for p in exc.problems), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        problems = list(flatten(exc.detail)) or [("", "Invalid input.")]
    else:
        detail = exc.detail
        message = "; ".join(m for _, m in flatten(detail)) if isinstance(detail, dict | list) else detail
        problems = [("", message)]
    response.data = error_body(problems)
    return response
