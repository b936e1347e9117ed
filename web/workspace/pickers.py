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
"""

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from disclosure import services
from disclosure.models import Organization, Source


def organization_from_text(text, *, by, kind="other"):
    text = (text or "").strip()
    if not text:
        raise ValidationError("Type the organisation's name.")
    found = Organization.objects.filter(slug=text).first() or Organization.objects.filter(name__iexact=text).first()
    if found:
        return found
    return services.organization_create(by=by, slug=slugify(text)[:64] or "organisation", name=text, kind=kind)


def source_from_text(text, *, by, url=""):
    text = (text or "").strip()
    if not text:
        raise ValidationError("Type the source's title.")
    found = Source.objects.filter(key=text).first() or Source.objects.filter(title__iexact=text).first()
    if found:
        return found
    return services.source_create(by=by, key=slugify(text)[:150] or "source", title=text, url=url)


def organization_options():
    return list(Organization.objects.order_by("name").values_list("slug", "name"))


def source_options():
    return list(Source.objects.order_by("title").values_list("key", "title"))
