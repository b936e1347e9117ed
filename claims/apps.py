from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and responses"

    def ready(self):
        # The rule "an organisation or source is public when a public record mentions it" spans
        # both apps; it is composed here, in the layer that knows both.
        from django.db.models import Q

        from disclosure.querysets import register_public_reference

        from .models import Claim, ClaimCitation, Response, ResponseCitation

        register_public_reference("organization", lambda now: Q(id__in=Claim.objects.public(now).values("claimant_id")))
        register_public_reference(
            "organization", lambda now: Q(id__in=Response.objects.public(now).values("responder_id"))
        )
        register_public_reference(
            "source",
            lambda now: Q(id__in=ClaimCitation.objects.filter(claim__in=Claim.objects.public(now)).values("source_id")),
        )
        register_public_reference(
            "source",
            lambda now: Q(
                id__in=ResponseCitation.objects.filter(response__in=Response.objects.public(now)).values("source_id")
            ),
        )
