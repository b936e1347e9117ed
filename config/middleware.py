"""Headers every response carries that Django and django-csp do not set (issue 14, headers)."""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; and a response to a signed-in user that did not say it
    may be shared (`Cache-Control: public`) is `private, no-store`: the staff view of the API, the
    admin and the workspace hold drafts and private notes that no cache may keep."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "public" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True, no_store=True)
        return response


class RejectNulMiddleware:
    """A NUL byte in a query parameter is never meaningful and PostgreSQL refuses it in text (a 500):
    answered 400 here, in the API's error format under /api/, with the parameter named."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                message = "A parameter may not contain a NUL character (%00)."
                path = name.replace("\x00", "")
                if request.path.startswith("/api/"):
                    return JsonResponse({"errors": [{"path": path, "message": message}]}, status=400)
                return HttpResponseBadRequest(f"{path}: {message}", content_type="text/plain; charset=utf-8")
        return self.get_response(request)
