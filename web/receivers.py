"""What the public site does when the records or the figures change (connected in WebConfig.ready)."""

from django.db import transaction
from django.dispatch import receiver

from disclosure.signals import incident_changed
from metrics.signals import figures_changed

from .pagecache import bump_public_version


@receiver(incident_changed, dispatch_uid="web.pagecache_on_incident_change")
def retire_pages_after_commit(sender, **kwargs):
    # After the commit, not now: a reader between now and then would cache the old page
    # under the new stamp, and keep it after the change is visible.
    transaction.on_commit(bump_public_version)


@receiver(figures_changed, dispatch_uid="web.pagecache_on_figures_change")
def retire_pages(sender, **kwargs):
    bump_public_version()  # figures_changed is sent after the commit already
