"""Organisations and sources picked by typing their name, or created in place (owned by the editor module).

Interface other workspace modules rely on (keep it stable):

* `organization_from_text(text, *, by, kind="other")` -> Organization: the organisation whose slug or
  name (case-insensitive) is `text`, else a new one created through `disclosure.services.organization_create`.
  Raises ValidationError in plain words when `text` is empty.
* `source_from_text(text, *, by, url="")` -> Source: the source whose key or title is `text`, else a new
  one created through `disclosure.services.source_create`.
* `organization_options()` / `source_options()` -> [(value, label)] for a <datalist>.
* Template `workspace/pickers/_datalists.html` renders <datalist id="ws-organizations"> and
  <datalist id="ws-sources">; an <input list="ws-organizations"> then offers every name without JavaScript.

A datalist needs no JavaScript and no extra request, and the newsroom's organisations and sources
number in the hundreds, so the whole list goes into the page (two queries of two columns each).
"""

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from disclosure import services
from disclosure.choices import OrganizationKind, ParticipantRole
from disclosure.models import Organization, Source

# The kind a newly typed organisation most likely is, from the role it is typed for.
KIND_FOR_ROLE = {
    ParticipantRole.DISCOVERER: OrganizationKind.RESEARCHER,
    ParticipantRole.VERIFIER: OrganizationKind.RESEARCHER,
    ParticipantRole.PUBLISHER: OrganizationKind.MEDIA,
    ParticipantRole.VENDOR: OrganizationKind.VENDOR,
}


def unique_slug(model, field, text, *, max_length, fallback):
    """A slug made from `text` that no `model` row uses yet in `field`: "acme", then "acme-2", "acme-3"..."""
    base = slugify(text)[:max_length].strip("-") or fallback
    taken = set(model.objects.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].strip("-") + suffix
    return candidate


def organization_from_text(text, *, by, kind="other"):
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError("Type the organisation's name.")
    found = Organization.objects.filter(slug=text).first() or Organization.objects.filter(name__iexact=text).first()
    if found:
        return found
    if len(text) > Organization._meta.get_field("name").max_length:
        raise ValidationError("That name is too long for an organisation: keep it under 200 characters.")
    slug = unique_slug(Organization, "slug", text, max_length=64, fallback="organisation")
    return services.organization_create(by=by, slug=slug, name=text, kind=kind)


def source_from_text(text, *, by, url=""):
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError("Type the source's title.")
    found = Source.objects.filter(key=text).first() or Source.objects.filter(title__iexact=text).first()
    if found:
        return found
    key = unique_slug(Source, "key", text, max_length=80, fallback="source")
    return services.source_create(by=by, key=key, title=text, url=url)


def organization_options():
    return list(Organization.objects.order_by("name").values_list("slug", "name"))


def source_options():
    return list(Source.objects.order_by("title").values_list("key", "title"))
