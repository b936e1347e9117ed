"""Benchmark: the full metrics recompute against the floor of reading the same events once.

    .venv/bin/python bench/recompute.py [--incidents 10000] [--events-per-incident 10] [--repeat 5]

Generates the incidents (bulk) into a throwaway database, then times (best of --repeat)

* the floor: reading the events a recompute reads once, all incidents in one pass,
  exactly as it reads them (the query of metrics.event_rows(), named rows through
  the ORM, instants as aware datetimes); for reference, the same SQL on Django's raw
  cursor (no ORM converters, the driver's own datetimes), the cheapest read of
  those rows, and the ratio to it too;
* the full recompute: cold (every figure new), warm (the hourly steady state, each
  run an hour after the last, so every open figure moves on), and after one change
  (one figure's end event moved: that incident rewritten, the aggregates rebuilt);
* the aggregates rebuilt alone, and one incident's recompute;

all through the module's public functions, and prints each recompute's ratio to the
floor (target: within 4x for the warm full recompute the hourly task runs).

The database is a temporary SQLite file, or, when DATABASE_URL names a PostgreSQL
database, a fresh database `<name>_bench` on that server, dropped at the end.
It prints figures; it is not a test and asserts nothing.
"""

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def throwaway_database():
    """Point DATABASE_URL at a throwaway database; return a cleanup function."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import dj_database_url
        import psycopg

        config = dj_database_url.parse(url)
        name = f"{config['NAME']}_bench"
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
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name

        def cleanup():
            from django.db import connections

            connections.close_all()
            execute(f'DROP DATABASE IF EXISTS "{name}"')

        return cleanup
    directory = tempfile.TemporaryDirectory(prefix="bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{directory.name}/bench.sqlite3"
    return directory.cleanup


def settle(connection):
    """Bring the database to the state it keeps in service after a bulk write: vacuumed and
    analysed (PostgreSQL's autovacuum), its write-ahead log checkpointed (SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def timed(function, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


class HourlyClock:
    """The times of successive hourly runs, so that every warm run moves the open figures on."""

    def __init__(self):
        from django.utils import timezone

        self.now = timezone.now()

    def __call__(self):
        self.now += timedelta(hours=1)
        return self.now


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--events-per-incident", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="Best of this many runs for the repeatable timings.")
    args = parser.parse_args()

    cleanup = throwaway_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks stay eager; the generator enqueues none anyway
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from disclosure.models import Event, Incident
    from metrics import services as metrics
    from metrics.models import IncidentMetric

    try:
        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        # The data is written by another process, as in service (a worker does not first
        # allocate 10^5 records itself; doing so here would slow every later timing by ~10 %).
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "generate_incidents",
                f"--incidents={args.incidents}",
                f"--events-per-incident={args.events_per_incident}",
                f"--seed={args.seed}",
                "--prefix=bench",
                "--no-metrics",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"generated {Incident.objects.count()} incidents, {Event.objects.count()} events "
            f"in {time.perf_counter() - started:.1f} s (in a separate process)"
        )
        settle(connection)

        # The floor reads exactly what a recompute reads, the same way (all incidents at once
        # instead of per batch). The reference runs the same SQL on the raw cursor.
        read = metrics.event_rows()
        floor, rows = timed(lambda: len(list(read.all())), args.repeat)  # .all(): a fresh query each time

        def raw_pass():
            sql, params = read.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return len(cursor.fetchall())

        cheapest, _ = timed(raw_pass, args.repeat)

        clock = HourlyClock()
        # Statements are counted by a wrapper on the connection (not Django's query log, which
        # costs), its total read before and after.
        statements = itertools.count()

        def count(execute, sql, params, many, context):
            next(statements)
            return execute(sql, params, many, context)

        def counted(function):
            before = next(statements)
            result = function()
            return result, next(statements) - before - 1

        connection.execute_wrappers.append(count)
        (cold, summary), cold_queries = counted(lambda: timed(lambda: metrics.metrics_recompute_all(now=clock())))
        settle(connection)
        warm, warm_summary = timed(lambda: metrics.metrics_recompute_all(now=clock()), args.repeat)
        _, warm_queries = counted(lambda: metrics.metrics_recompute_all(now=clock()))

        # A run after a change: the end event of one closed figure moves by a minute, so that
        # incident's figures are rewritten and the aggregates rebuilt (as after any edit).
        def changed_run():
            figure = IncidentMetric.objects.filter(open=False, view="staff").order_by("?").first()
            event = figure.end_event
            Event.objects.filter(pk=event.pk).update(
                lo=event.lo + timedelta(minutes=1),
                hi=event.hi + timedelta(minutes=1),
                nominal=event.nominal + timedelta(minutes=1),
            )
            started = time.perf_counter()
            result = metrics.metrics_recompute_all(now=clock())
            return time.perf_counter() - started, result

        after_change, change_summary = min((changed_run() for _ in range(args.repeat)), key=lambda pair: pair[0])
        aggregates, _ = timed(metrics.aggregates_recompute, args.repeat)
        sample = list(Incident.objects.order_by("?").values_list("pk", flat=True)[:50])
        one = statistics.median(
            timed(lambda pk=pk: metrics.incident_metrics_recompute(incident_id=pk))[0] for pk in sample
        )

        print(f"events read by the recompute: {rows} (of {Event.objects.count()})")
        for key in ("fingerprint", "responses_fingerprint"):
            summary.pop(key, None)
        print(f"metric rows: {IncidentMetric.objects.count()}; cold recompute summary: {summary}")
        print(f"FLOOR: the recompute's event read, one pass: {floor:8.3f} s  (metrics.event_rows(), via the ORM)")
        print(f"  reference: the same SQL on the raw cursor:  {cheapest:8.3f} s  (no ORM converters)")
        print(
            f"full recompute, cold (all rows new):          {cold:8.3f} s  "
            f"ratio {cold / floor:5.2f}x the floor  ({cold_queries} queries)"
        )
        print(
            f"full recompute, warm (steady state):          {warm:8.3f} s  "
            f"ratio {warm / floor:5.2f}x the floor  ({warm_queries} queries; {warm_summary['written']} open "
            f"figures moved on; aggregates {warm_summary['aggregates']})"
        )
        print(
            f"full recompute after one change:              {after_change:8.3f} s  "
            f"ratio {after_change / floor:5.2f}x the floor  ({change_summary['written']} rows written; "
            f"aggregates {change_summary['aggregates']} rebuilt)"
        )
        print(f"aggregates alone, forced full rebuild:        {aggregates:8.3f} s")
        print(f"one incident's recompute (median of 50):      {one * 1000:8.1f} ms")
        print(
            f"RATIO (warm full recompute / floor): {warm / floor:.2f}x (target: within 4x); "
            f"against the raw-cursor read {warm / cheapest:.2f}x; "
            f"after one change {after_change / floor:.2f}x; cold {cold / floor:.2f}x"
        )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
