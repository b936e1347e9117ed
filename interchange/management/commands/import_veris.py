import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interchange import veris
from interchange.importing import DatasetCommand, RecordReport


def _files(paths):
    """Every JSON file named or under a named directory, in a stable order; CommandError for a missing path."""
    out = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        elif path.is_file():
            out.append(path)
        else:
            raise CommandError(f"{name}: no such file or directory.")
    return out


class Command(DatasetCommand, BaseCommand):
    help = (
        "Import VERIS incident records (VERIS Community Database JSON, VERIS 1.2 to 1.4), files or directories: "
        "one incident per record, drafts unless --publish. Bad records are skipped with their reason (--strict "
        "refuses the whole run instead); the rest is imported in one bundle, all or nothing. docs/import.md "
        "gives the mapping."
    )
    dataset = veris.DATASET

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="VERIS JSON files, or directories of them.")
        self.add_common_arguments(parser)

    def handle(self, *args, paths, report, strict, publish, **options):
        self.verbosity = options.get("verbosity", 1)
        files = _files(paths)
        items, unreadable = [], []
        for path in self.progress(files, len(files), "reading"):
            try:
                items.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
            except json.JSONDecodeError as exc:
                reason = f"not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
                unreadable.append(RecordReport(record=path.name, file=path.name).skip(reason))
            except UnicodeDecodeError as exc:
                reason = f"not UTF-8 text: {exc.reason}"
                unreadable.append(RecordReport(record=path.name, file=path.name).skip(reason))
            except OSError as exc:
                reason = f"cannot read it: {exc.strerror}"
                unreadable.append(RecordReport(record=path.name, file=path.name).skip(reason))
        # A file may hold one record or a list of them.
        flat = []
        for name, value in items:
            if isinstance(value, list):
                flat.extend((name, v) for v in value)
            else:
                flat.append((name, value))
        conversion = veris.convert(flat, publish=publish)
        conversion.records[:0] = unreadable
        self.finish(conversion, strict=strict, report_path=report)
