from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disclosure.bundle import BundleError, import_bundle, load_document


class Command(BaseCommand):
    help = "Import an incident bundle (disclosure-bundle/1). Validates first; writes all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Path of the bundle JSON file, or - for standard input.")

    def handle(self, *args, path, **options):
        if path == "-":
            import sys

            text = sys.stdin.read()
        else:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            result = import_bundle(load_document(text))
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(f"error: {problem}")
            raise CommandError(
                f"{path}: bundle refused ({len(exc.problems)} problem(s)); nothing was written."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.incidents} incident(s): {result.created} record(s) created, {result.updated} updated."
            )
        )
