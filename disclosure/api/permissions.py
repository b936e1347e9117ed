"""Who may do what through the API. Deny by default; the services check roles again."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


def sees_everything(user):
    """Staff read every record their role can view; everyone else reads what the public site shows."""
    # is_staff alone is not a role: a staff account outside the newsroom groups
    # reads what the public reads.
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm("disclosure.view_incident"))


class ReadPublicWriteStaff(BasePermission):
    """Anyone may read (through the public selectors); only staff may write.

    Whether a staff member may make this particular change (publish, retract,
    create a published record) is decided by the service the view calls, which
    raises PermissionDenied (403) when the role does not allow it.
    """

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return sees_everything(request.user)


class CanImportBundles(BasePermission):
    message = "Importing a bundle needs a staff role that may add incidents."

    def has_permission(self, request, view):
        return sees_everything(request.user) and request.user.has_perm("disclosure.add_incident")
