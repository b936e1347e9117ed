"""What the public may see of claims and responses (see disclosure/querysets.py)."""

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


class ClaimQuerySet(models.QuerySet):
    def public(self, now=None):
        Incident = apps.get_model("disclosure.Incident")
        return self.filter(status="published", incident__in=Incident.objects.public(now))

    def with_vendor_stance(self, *, public):
        """Annotate `vendor_stance`: the stance of the incident vendor's latest response.

        `awaiting_response` when the vendor has given none. With `public=True` only
        public responses count, so a draft response never shows through.
        """
        Response = apps.get_model("claims.Response")
        responses = Response.objects.filter(claim=OuterRef("pk"), responder=OuterRef("incident__vendor"))
        if public:
            responses = responses.filter(status="published")
        latest = responses.order_by("-position", "-id").values("stance")[:1]
        return self.annotate(
            vendor_stance=Coalesce(Subquery(latest), Value("awaiting_response"), output_field=models.CharField())
        )


class ResponseQuerySet(models.QuerySet):
    def public(self, now=None):
        Claim = apps.get_model("claims.Claim")
        return self.filter(status="published", claim__in=Claim.objects.public(now))
