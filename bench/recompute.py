"""Benchmark: the full metrics recompute against the floor of reading the same events once.

    .venv/bin/python bench/recompute.py [--incidents 10000] [--events-per-incident 10] [--repeat 5]

Generates the incidents (bulk) into a throwaway database, then times (best of --repeat)

* the floor: the recompute's own event query (metrics.event_rows, instants as epoch
  microseconds), all incidents in one pass, into Python through the same access path
  (Django's raw cursor) and under the same garbage-collector pause; two other reads
  of the same rows are printed for reference (the ORM, and the raw cursor with the
  driver's own datetimes), and the ratio to the cheapest of the three too;
* the full recompute: cold (every figure new), warm (the hourly steady state, each
  run an hour after the last, so every open figure moves on), and after one change
  (one figure's end event moved: that incident rewritten, the aggregates rebuilt);
* the aggregates rebuilt alone, and one incident's recompute;

and prints the figures, each recompute's ratio to the floor (target: 3x for the
full recompute the hourly task runs) and, for a warm run, where its time goes.
On PostgreSQL a full recompute keeps two batches in flight on two connections
(metrics.PARALLEL_BATCHES), as it does in service; the floor is one query on one.

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


def warm_phases(metrics, clock):
    """One more warm full recompute, its time split by phase (wrapping the module's own steps)."""
    from unittest import mock

    spent = {}

    def timing(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    def reads(queryset):
        if "aggregates" in running:  # its reads are part of the aggregates check
            return raw_rows(queryset)
        name = "read events" if queryset.model.__name__ == "Event" else "read stored digests and row counts"
        return timing(name, raw_rows)(queryset)

    def aggregates(**kwargs):
        running.add("aggregates")
        try:
            return timing("aggregates check (fingerprints)", aggregates_recompute)(**kwargs)
        finally:
            running.discard("aggregates")

    running = set()
    aggregates_recompute = metrics.aggregates_recompute
    raw_rows = metrics._raw_rows
    with (
        mock.patch.object(metrics, "_raw_rows", reads),
        mock.patch.object(metrics, "compute_incident", timing("compute (Python)", metrics.compute_incident)),
        mock.patch.object(metrics, "digest", timing("digest the figures", metrics.digest)),
        mock.patch.object(metrics, "_insert", timing("write changed rows", metrics._insert)),
        mock.patch.object(
            metrics, "_advance_open_figures", timing("advance open figures (UPDATE)", metrics._advance_open_figures)
        ),
        mock.patch.object(metrics, "aggregates_recompute", aggregates),
        mock.patch.object(metrics, "PARALLEL_BATCHES", 1),  # one batch at a time, so that the phases add up
    ):
        started = time.perf_counter()
        metrics.metrics_recompute_all(now=clock())
        total = time.perf_counter() - started
    phases = dict(spent)
    phases["other (locks, commits, progress, comparing)"] = total - sum(spent.values())
    return phases, total


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
    from django.db.backends.signals import connection_created

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

        # The floor reads exactly what the recompute reads, the same way: the query of
        # metrics.event_rows() (all incidents at once instead of per batch) on Django's raw
        # cursor (metrics._raw_rows), instants as epoch microseconds. Two other passes over
        # the same rows are printed for reference, and the ratio to the cheapest of the
        # three too: the ORM (aware datetimes), and the raw cursor with the instants as the
        # driver returns them (no conversion in SQL).
        # The full recompute pauses Python's cyclic garbage collector (metrics.collector_paused);
        # the floor is timed under the same pause, like for like.
        read = metrics.event_rows()

        def floor_pass():
            with metrics.collector_paused():
                return len(metrics._raw_rows(read.all()))

        floor, rows = timed(floor_pass, args.repeat)
        orm = Event.objects.filter(kind__in=metrics.KINDS).order_by("incident_id", "nominal", "position", "id")
        orm = orm.values_list("incident_id", "id", "kind", "lo", "hi", "nominal", "status")
        orm_floor, _ = timed(lambda: len(list(orm.all())), args.repeat)  # .all(): a fresh query each time
        driver_floor, _ = timed(lambda: len(metrics._raw_rows(orm.all())), args.repeat)
        cheapest = min(floor, orm_floor, driver_floor)

        clock = HourlyClock()
        # Statements are counted on every connection, the batch threads' too: a counter on
        # each (not Django's query log, which costs), its total read before and after.
        statements = itertools.count()

        def count(execute, sql, params, many, context):
            next(statements)
            return execute(sql, params, many, context)

        def counting(sender, connection, **kwargs):
            connection.execute_wrappers.append(count)

        def counted(function):
            before = next(statements)
            result = function()
            return result, next(statements) - before - 1

        connection.execute_wrappers.append(count)
        connection_created.connect(counting)
        (cold, summary), cold_queries = counted(lambda: timed(lambda: metrics.metrics_recompute_all(now=clock())))
        settle(connection)
        warm, warm_summary = timed(lambda: metrics.metrics_recompute_all(now=clock()), args.repeat)
        _, warm_queries = counted(lambda: metrics.metrics_recompute_all(now=clock()))
        phases, phased_total = warm_phases(metrics, clock)

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
        print(f"FLOOR: the recompute's event query, one pass: {floor:8.3f} s  (raw cursor, epoch-microsecond instants)")
        print(f"  reference: the same rows via the ORM:       {orm_floor:8.3f} s  (aware datetimes, ORM converters)")
        print(f"  reference: raw cursor, instants as read:    {driver_floor:8.3f} s  (the driver's own conversion)")
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
            f"where a warm full recompute's time goes (one more run, one batch at a time, timed by phase; "
            f"{phased_total:.3f} s with the timers' own cost):"
        )
        for name, seconds in phases.items():
            print(f"  {name:<48} {seconds:8.3f} s  {seconds / floor:5.2f}x the floor")
        print(
            f"RATIO (warm full recompute / floor): {warm / floor:.2f}x (target 3x); "
            f"against the cheapest read above {warm / cheapest:.2f}x; "
            f"after one change {after_change / floor:.2f}x; cold {cold / floor:.2f}x"
        )
        top = sorted(phases.items(), key=lambda item: -item[1])[:3]
        print("dominated by: " + "; ".join(f"{name} {seconds / sum(phases.values()):.0%}" for name, seconds in top))
    finally:
        cleanup()


if __name__ == "__main__":
    main()
