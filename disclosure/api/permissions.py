"""Who may do what through the API. Deny by default; the services check roles again."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

# Who reads everything is the selectors' rule; writing through the API needs the same newsroom role.
from disclosure.selectors import sees_everything


class ReadPublicWriteStaff(BasePermission):
    """Anyone may read (what disclosure/selectors.py lets them see); only a newsroom role may write.

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
