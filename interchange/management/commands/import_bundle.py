from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from interchange.bundle import BundleError, import_bundle, load_document


class Command(BaseCommand):
    help = (
        "Import an incident bundle (disclosure-bundle/1). Validates first; writes all or nothing. Merges by "
        "default: creates and updates what the bundle holds and deletes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Path of the bundle JSON file, or - for standard input.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help=(
                "Make each incident in the bundle exactly what the bundle says: fields it omits take their "
                "defaults and the parts it does not list are deleted (each deletion is printed)."
            ),
        )

    def handle(self, *args, path, replace, **options):
        if path == "-":
            import sys

            text = sys.stdin.read()
        else:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            # Without --replace the document's own "mode" decides (merge when it has none).
            result = import_bundle(load_document(text), mode="replace" if replace else None)
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(f"error: {problem}")
            raise CommandError(
                f"{path}: bundle refused ({len(exc.problems)} problem(s)); nothing was written."
            ) from exc
        for deletion in result.deletions:
            self.stdout.write(f"deleted {deletion['kind']} {deletion['incident']}: {deletion['key']}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.incidents} incident(s) ({result.mode}): {result.created} record(s) created, "
                f"{result.updated} updated, {result.unchanged} unchanged, {result.deleted} deleted."
            )
        )
        if result.created > 1000 and connection.vendor == "postgresql":
            # A bulk load leaves PostgreSQL's planner with stale statistics: refresh them.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
