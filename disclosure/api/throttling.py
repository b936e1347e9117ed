"""The API's throttles (settings REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"], docs/api.md)."""

from rest_framework.throttling import UserRateThrottle


class SignedInRateThrottle(UserRateThrottle):
    """The signed-in callers' rate (`user`, 1,200 a minute by default), for them alone.

    DRF's UserRateThrottle counts an anonymous caller too, by address, at a rate it never
    reaches before AnonRateThrottle's 120: a second cache read and write on every anonymous
    request for nothing (issue 13). An anonymous caller is counted by AnonRateThrottle only.
    """

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
