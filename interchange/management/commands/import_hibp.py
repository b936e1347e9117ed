import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interchange import hibp
from interchange.importing import DatasetCommand


class Command(DatasetCommand, BaseCommand):
    help = (
        "Import Have I Been Pwned's breach list (the /api/v3/breaches JSON): one incident per breach, drafts "
        "unless --publish. Bad records are skipped with their reason (--strict refuses the whole run instead); "
        "the rest is imported in one bundle, all or nothing. docs/import.md gives the mapping."
    )
    dataset = hibp.DATASET

    def add_arguments(self, parser):
        parser.add_argument("path", help="Path of the breach list JSON file.")
        self.add_common_arguments(parser)

    def handle(self, *args, path, report, strict, publish, **options):
        self.verbosity = options.get("verbosity", 1)
        try:
            records = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text: {exc.reason}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from exc
        if not isinstance(records, list):
            raise CommandError(
                f"{path}: a breach list is a JSON array of breach objects (the /api/v3/breaches answer)."
            )
        records = list(self.progress(records, len(records), "reading"))
        conversion = hibp.convert(records, publish=publish, file=Path(path).name)
        self.finish(conversion, strict=strict, report_path=report)
