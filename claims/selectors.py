"""What a given user may see of claims and responses (see disclosure/selectors.py)."""

from disclosure.selectors import sees_everything

from .models import Claim, Response


def claims_visible_to(user, now=None):
    return Claim.objects.all() if sees_everything(user) else Claim.objects.public(now)


def responses_visible_to(user, now=None):
    return Response.objects.all() if sees_everything(user) else Response.objects.public(now)
