from django.core.management.base import BaseCommand, CommandError

from disclosure.models import Incident
from disclosure.selectors import incidents_visible_to
from interchange.bundle import dumps, export_bundle


class Command(BaseCommand):
    help = (
        "Write incidents as a bundle (disclosure-bundle/1) to standard output. Without --public this is "
        "a full backup of the content: private notes and drafts included, with the data classes and the "
        "norms (for chosen incidents, the data classes they use)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Incident slugs; all incidents when none are given.")
        parser.add_argument("--public", action="store_true", help="Only what the public may see.")

    def handle(self, *args, slugs, public, **options):
        if slugs:
            scope = incidents_visible_to(None) if public else Incident.objects.all()
            missing = sorted(set(slugs) - set(scope.filter(slug__in=slugs).values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No such {'public ' if public else ''}incident: {', '.join(missing)}")
        self.stdout.write(dumps(export_bundle(slugs=slugs, public=public)), ending="")
