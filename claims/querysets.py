"""What the public may see of claims and responses (see disclosure/querysets.py)."""

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from disclosure.choices import PublicationStatus
from disclosure.models import Incident

from .choices import AWAITING_RESPONSE


class ClaimQuerySet(models.QuerySet):
    def public(self, now=None):
        return self.filter(status=PublicationStatus.PUBLISHED, incident__in=Incident.objects.public(now))

    def with_vendor_stance(self, *, public):
        """Annotate `vendor_stance`: the stance of the incident vendor's latest response.

        `awaiting_response` when the vendor has given none. With `public=True` only
        public responses count, so a draft response never shows through.
        """
        Response = apps.get_model("claims.Response")  # this app's: its models import this module
        responses = Response.objects.filter(claim=OuterRef("pk"), responder=OuterRef("incident__vendor"))
        if public:
            responses = responses.filter(status=PublicationStatus.PUBLISHED)
        latest = responses.order_by("-position", "-id").values("stance")[:1]
        return self.annotate(
            vendor_stance=Coalesce(Subquery(latest), Value(AWAITING_RESPONSE), output_field=models.CharField())
        )


class ResponseQuerySet(models.QuerySet):
    def public(self, now=None):
        Claim = apps.get_model("claims.Claim")  # this app's: its models import this module
        return self.filter(status=PublicationStatus.PUBLISHED, claim__in=Claim.objects.public(now))
