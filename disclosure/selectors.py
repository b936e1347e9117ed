"""What a given user may see of the core records: one selector per model.

The site, the API, feeds, sitemaps and public exports all read through these
(claims and responses: `claims/selectors.py`). A newsroom role reads every
record, drafts included (docs/roles.md); everyone else, anonymous callers
(`user=None`) and staff accounts without a role included, reads what
`public(now)` allows (disclosure/querysets.py).
"""

from .models import DataClass, Event, ExposedData, Incident, Organization, Participant, Source


def sees_everything(user):
    """Whether `user` holds a newsroom role, and so reads every record; `None` is an anonymous caller."""
    # is_staff alone is not a role: a staff account outside the newsroom groups
    # reads what the public reads.
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm("disclosure.view_incident"))


def _visible(model, user, now):
    return model.objects.all() if sees_everything(user) else model.objects.public(now)


def incidents_visible_to(user, now=None):
    return _visible(Incident, user, now)


def events_visible_to(user, now=None):
    return _visible(Event, user, now)


def organizations_visible_to(user, now=None):
    return _visible(Organization, user, now)


def sources_visible_to(user, now=None):
    return _visible(Source, user, now)


def participants_visible_to(user, now=None):
    return _visible(Participant, user, now)


def exposed_data_visible_to(user, now=None):
    return _visible(ExposedData, user, now)


def data_classes_visible_to(user, now=None):
    return _visible(DataClass, user, now)
