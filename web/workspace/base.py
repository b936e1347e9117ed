"""What every workspace page shares: who may open it, and that nothing caches it."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.cache import add_never_cache_headers, patch_cache_control

from disclosure.roles import NEWSROOM_ROLES


def is_newsroom(user):
    """A signed-in member of the newsroom: a contributor, an editor, an admin (or a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name__in=NEWSROOM_ROLES).exists()


def role_of(user):
    """The user's highest newsroom role ("admin", "editor", "contributor"), or "" for none."""
    if user.is_superuser:
        return "admin"
    names = set(user.groups.values_list("name", flat=True))
    return next((role for role in reversed(NEWSROOM_ROLES) if role in names), "")


def no_store(response):
    """`Cache-Control: private, no-store`: a workspace page holds drafts and private notes."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def workspace_page(view):
    """Sign-in required (to the workspace's login page), newsroom only (403 otherwise), never cached."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_newsroom(request.user):
            raise PermissionDenied("The workspace is for the newsroom's contributors, editors and admins.")
        request.ws_role = role_of(request.user)
        return no_store(view(request, *args, **kwargs))

    return wrapper
