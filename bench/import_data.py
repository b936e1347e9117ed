"""Benchmark: import every record of the public datasets in ../shared/data, and summarise the figures over them.

    .venv/bin/python bench/import_data.py [--data ../shared/data]

For each database (a temporary SQLite file always; and, when DATABASE_URL names a
PostgreSQL database, a fresh database `<name>_bench_import` on that server, dropped at
the end) it migrates an empty schema, then imports Have I Been Pwned's breach lists
(`hibp/*.json`) and the VERIS Community Database (`vcdb/`) through the same code as
`manage.py import_hibp` / `import_veris` (one bundle per dataset), and prints

* records per second for each dataset (reading, converting and importing; the metrics
  tasks the import enqueues go to a broker nobody reads), and what a second,
  unchanged run costs; then the time of one full metrics recompute over everything;
* a summary of `exposure_to_publication` over the imported incidents (count, median in
  words with its bounds; staff view, since imports are drafts).

It prints figures; it is not a test and asserts nothing.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def postgres_database(url):
    """Create a fresh `<name>_bench_import` next to the database `url` names; (its URL, a cleanup function)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_bench_import"
    admin = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
    }

    def execute(sql):
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(sql)

    execute(f'DROP DATABASE IF EXISTS "{name}"')
    execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name, lambda: execute(f'DROP DATABASE IF EXISTS "{name}"')


def run_one(data):
    """In this process: migrate the database DATABASE_URL names, import everything, print the figures."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Tasks go to an in-memory broker nobody reads: the import is timed alone, then one full
    # recompute (what the hourly task does) is timed on its own. Run eagerly, every incident's
    # recompute would also rebuild the aggregates (O(n^2) on a bulk import).
    os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from interchange import hibp, veris
    from interchange.importing import run_import, summary_counts
    from metrics import figures
    from metrics import services as metrics
    from metrics.models import IncidentMetric

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)

    def load_hibp():
        records, files = [], sorted((data / "hibp").glob("*.json"))
        for path in files:
            records.extend(json.loads(path.read_text(encoding="utf-8")))
        return hibp.convert(records)

    def load_vcdb():
        items = []
        for path in sorted((data / "vcdb").rglob("*.json")):
            try:
                items.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError):
                items.append((path.name, None))
        return veris.convert(items)

    for name, load in (("hibp", load_hibp), ("vcdb", load_vcdb)):
        if not (data / name).is_dir():
            print(f"{name}: no data at {data / name}, skipped")
            continue
        for run in ("first run", "second run"):
            started = time.perf_counter()
            conversion = load()
            converted = time.perf_counter()
            run_import(conversion)
            finished = time.perf_counter()
            counts = summary_counts(conversion.records)
            seconds = finished - started
            print(
                f"{name} {run}: {counts['records']} records in {seconds:.2f} s "
                f"({counts['records'] / seconds:.0f} records/s; converting {converted - started:.2f} s, "
                f"importing {finished - converted:.2f} s): {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['skipped']} skipped",
                flush=True,
            )

    started = time.perf_counter()
    totals = metrics.metrics_recompute_all()
    print(
        f"metrics recompute over all {totals['incidents']} incidents (and the aggregates): "
        f"{time.perf_counter() - started:.2f} s",
        flush=True,
    )
    rows = list(
        IncidentMetric.objects.filter(metric="exposure_to_publication", view="staff").values_list(
            "nominal_seconds", "min_seconds", "max_seconds", "open", "incident__origin_dataset"
        )
    )
    print(f"exposure_to_publication (staff view) over the imports: {len(rows)} incident(s)")
    for dataset in sorted({r[4] or "(not imported)" for r in rows}):
        group = [r for r in rows if (r[4] or "(not imported)") == dataset and not r[3]]
        if not group:
            continue
        median = {
            "nominal_seconds": figures.quantile(sorted(r[0] for r in group), 0.5),
            "min_seconds": figures.quantile(sorted(r[1] for r in group), 0.5),
            "max_seconds": figures.quantile(sorted(r[2] for r in group), 0.5),
        }
        median = {k: int(v) for k, v in median.items()}
        print(
            f"  {dataset}: {len(group)} closed figure(s), median {figures.describe(median['nominal_seconds'])} "
            f"(medians of the bounds: {figures.describe(median)})"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="The datasets' folder.")
    parser.add_argument("--no-sqlite", action="store_true", help="Only PostgreSQL (when DATABASE_URL names it).")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = Path(args.data).resolve()
    if args.one:
        run_one(data)
        return
    if not data.is_dir():
        print(f"no data at {data}")
        return
    url = os.environ.get("DATABASE_URL", "")
    targets = []
    directory = tempfile.TemporaryDirectory(prefix="bench-import-")
    if not args.no_sqlite:
        targets.append((f"sqlite:///{directory.name}/bench.sqlite3", directory.cleanup))
    if url.startswith(("postgres://", "postgresql://")):
        targets.append(postgres_database(url))
    for target, cleanup in targets:
        try:
            subprocess.run(
                [sys.executable, __file__, "--one", "--data", str(data)],
                env=os.environ | {"DATABASE_URL": target},
                check=False,
            )
        finally:
            cleanup()


if __name__ == "__main__":
    main()
