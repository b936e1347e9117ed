"""Disclosure-window metrics (time-and-metrics.md §3-§5): per incident, aggregated, against norms.

The services here are what the Celery tasks, the management command and the admin
call. Everything is set-based: a batch of incidents costs a fixed handful of
queries (lock the incidents, read their stored digests and their events, write
the figures that changed, move the open ones on in place), whatever its size, and
a single incident is simply a batch of one. Durations come from the stored UTC
columns `lo`, `hi` and `nominal` of each event, read as epoch microseconds, with
the exact arithmetic of `timemath` (whole microseconds, nominal rounded half up),
so nothing is re-parsed. The stored figures themselves are not read back: a
digest per incident and view (IncidentMetricSet) says whether they changed.

Concurrency: each batch runs in one transaction that first locks its incident
rows (`SELECT ... FOR UPDATE` on PostgreSQL, in primary-key order so two batches
never deadlock), then reads and writes. Two recomputations of one incident are
therefore serialised, and each computes from the events committed when it got
the lock: whatever the interleaving, the rows left are those of the latest data.
The aggregates are rebuilt under a PostgreSQL advisory lock for the same reason.
SQLite serialises writers itself (a loser gets "database is locked" and the task
retries); production runs on PostgreSQL.

docs/methodology.md explains the choices in plain language.
"""

import gc
import hashlib
import json
import logging
import queue
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta
from itertools import groupby
from operator import itemgetter

from django.db import connection, connections, transaction
from django.db.models import BigIntegerField, Count, Exists, F, Func, OuterRef, Q
from django.utils import timezone

from claims.models import Claim, Response
from disclosure.models import Event, Incident, Participant

from .figures import (
    KINDS,
    METRIC_ORDER,
    REPORTER_ROLES,
    compute_incident,
    epoch_us,
    summarise,
)
from .models import (
    IncidentMetric,
    IncidentMetricSet,
    MetricAggregate,
    MetricView,
    Norm,
    RecomputeRun,
    ResponseAggregate,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000  # incidents per transaction of a full run (and per step of its progress)
PARALLEL_BATCHES = 2  # batches a full run keeps in flight on PostgreSQL, each on its own connection
_US = timedelta(microseconds=1)
_US_PER_S = 1_000_000
_LOCK_AGGREGATES = 731_003  # an arbitrary constant naming this project's aggregates lock


# --- per-incident computation (pure: no queries) ----------------------------


def digest(figures, year):
    """A 64-bit digest of an incident's figures in one view, as IncidentMetricSet stores it.

    Covers each figure's metric, open flag and endpoints, the seconds of the closed
    ones, and the year: everything stored but an open figure's seconds, which advance
    with time (see `_advance_open_figures`). It is CPython's hash of a tuple of
    integers, which is the same in every process (only str and bytes hashes are
    salted by PYTHONHASHSEED; a test runs it under different seeds): None is written
    0 (its hash is its address before Python 3.12), and every number that can be
    negative 2n + 1 (CPython hashes -1 as -2, so -1 and -2 would collide). A new
    Python could hash differently; the first run after an upgrade would then find
    every digest changed and write every figure once.
    """
    return hash(
        (
            year or 0,
            *[
                (METRIC_ORDER[metric], start_id, end_id or 0)
                if is_open
                else (METRIC_ORDER[metric], 2 * nominal + 1, 2 * low + 1, 2 * high + 1, start_id, end_id)
                for metric, (nominal, low, high, is_open, start_id, end_id) in figures.items()
            ],
        )
    )


# --- per-incident recomputation (set-based, one batch at a time) ------------


def _lock_incidents(first_id, last_id, now):
    """Lock the incidents of a primary-key range (PostgreSQL; a no-op on SQLite).

    Returns their ids, and the set of those that are public at `now`: public rows exist
    only for public incidents, by the rule of `Incident.objects.public()`.
    """
    public = Incident.objects.public(now).filter(pk=OuterRef("pk"))
    incidents = (
        Incident.objects.filter(pk__gte=first_id, pk__lte=last_id)
        .order_by("pk")
        .select_for_update(of=("self",))
        .annotate(is_public=Exists(public))
        .values_list("pk", "is_public")
    )
    rows = _raw_rows(incidents)
    return [pk for pk, _ in rows], {pk for pk, is_public in rows if is_public}


def _raw_rows(queryset):
    """Run a values_list queryset without Django's per-value converters (the hot path reads ~10^5 rows)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class EpochMicroseconds(Func):
    """A stored instant as whole microseconds since 1970-01-01T00:00Z, computed by the database.

    The recompute does its arithmetic on these integers: exact, and several times
    cheaper in Python than datetimes, which are neither built nor subtracted.
    PostgreSQL: EXTRACT(EPOCH ...) is an exact numeric. SQLite stores Django's naive
    UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]': the whole seconds from julianday() (a
    double, exact to far better than a second once rounded), plus the fraction's digits.
    Raw reads only: no ORM converter runs on these values.
    """

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) * 1000000 AS bigint)"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = (
            "(CAST(ROUND((julianday(substr(%(expressions)s, 1, 19)) - 2440587.5) * 86400) AS INTEGER) * 1000000"
            " + CAST(substr(%(expressions)s || '.000000', 21, 6) AS INTEGER))"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def event_rows(**filters):
    """The events the recompute reads, as a values_list for `_raw_rows`.

    Rows (incident_id, id, kind, lo, hi, nominal, status), instants in epoch
    microseconds, ordered by (incident, nominal, position, id). bench/recompute.py times its
    floor on this very query.
    """
    return (
        Event.objects.filter(**filters, kind__in=KINDS)
        .order_by("incident_id", "nominal", "position", "id")
        .values_list(
            "incident_id",
            "id",
            "kind",
            EpochMicroseconds("lo"),
            EpochMicroseconds("hi"),
            EpochMicroseconds("nominal"),
            "status",
        )
    )


def _insert(model, columns, rows, conflict=None, update=()):
    """INSERT (or upsert on `conflict`) many rows in one statement.

    PostgreSQL gets one `INSERT ... SELECT * FROM unnest(%s::type[], ...)`: a column
    per array parameter, adapted in C, instead of 10^4 placeholders parsed in
    Python. SQLite runs in-process, where executemany's C loop is as fast. Column
    names come from our models and are quoted; every value is a parameter; JSON
    values are passed as text.
    """
    if not rows:
        return
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
    tail = ""
    if conflict:
        sets = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in update)
        tail = f" ON CONFLICT ({', '.join(qn(c) for c in conflict)}) DO UPDATE SET {sets}"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(head + f"VALUES ({', '.join(['%s'] * len(columns))})" + tail, rows)
            return
        fields = {f.column: f for f in model._meta.concrete_fields}
        casts = []
        for column in columns:
            db_type = fields[column].db_type(connection)
            casts.append("%s::text[]::jsonb[]" if db_type == "jsonb" else f"%s::{db_type}[]")
        arrays = [list(values) for values in zip(*rows, strict=True)]
        cursor.execute(head + f"SELECT * FROM unnest({', '.join(casts)})" + tail, arrays)  # noqa: S608


_METRIC_VALUES = ["nominal_seconds", "min_seconds", "max_seconds", "open", "start_event_id", "end_event_id"]


def _seconds_since(column):
    """SQL for the whole seconds from `column` (a stored instant) to the instant given as the next parameter."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM (%s - {column})) AS bigint)"
    # julianday() is a double good to ~10^-4 s; both instants are whole seconds, so rounding is exact
    return f"CAST(ROUND((julianday(%s) - julianday({column})) * 86400) AS INTEGER)"


def _advance_open_figures(first_id, last_id, now, usual=None):
    """Move every open figure of the range, computed before `now`, on to `now`, without reading them.

    An open figure runs from its start's bounds to the time of computation (§4):
    nominal = round(now - start), min = floor(now - start.hi), max = ceil(now - start.lo).
    The recompute takes `now` in whole seconds, so moving it on by d whole seconds
    moves each of the three by exactly d: the stored figure plus the seconds since its
    computed_at is what a computation from scratch gives (a test holds them equal).
    Figures computed at or after `now` (by a later per-incident run) are left alone.

    `usual` is the time most of them were computed at (the last full run's): those
    move by one constant, the few others by their own elapsed time, worked out by the
    database (two UPDATEs; the constant spares it a conversion per row).
    """
    moved = 0
    if usual is not None and usual < now and not (now - usual) % timedelta(seconds=1):
        seconds = (now - usual) // timedelta(seconds=1)
        moved = IncidentMetric.objects.filter(
            open=True, incident_id__gte=first_id, incident_id__lte=last_id, computed_at=usual
        ).update(
            nominal_seconds=F("nominal_seconds") + seconds,
            min_seconds=F("min_seconds") + seconds,
            max_seconds=F("max_seconds") + seconds,
            computed_at=now,
        )
    since = _seconds_since("computed_at")
    table = connection.ops.quote_name(IncidentMetric._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET nominal_seconds = nominal_seconds + {since},"  # noqa: S608
            f" min_seconds = min_seconds + {since}, max_seconds = max_seconds + {since}, computed_at = %s"
            " WHERE open AND incident_id BETWEEN %s AND %s AND computed_at < %s",
            [stamp, stamp, stamp, stamp, first_id, last_id, stamp],
        )
        return moved + cursor.rowcount


def _pairs(keys):
    """A filter for the rows of these (incident_id, view) pairs."""
    by_view = defaultdict(list)
    for incident_id, view in keys:
        by_view[view].append(incident_id)
    where = Q()
    for view, incidents in by_view.items():
        where |= Q(view=view, incident_id__in=incidents)
    return where


def _rows_match_sets():
    """Whether the table holds as many figures as all the sets say, counted in one statement."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {qn(IncidentMetric._meta.db_table)}),"  # noqa: S608 (table names)
            f" (SELECT COALESCE(SUM(rows), 0) FROM {qn(IncidentMetricSet._meta.db_table)})"
        )
        counted, expected = cursor.fetchone()
    return counted == expected


def _each_batch(ranges, work, *, threads):
    """Yield (range, work(*range)) for each range as its batch commits, `threads` at a time.

    With more than one thread each runs on its own database connection (Django's are
    per thread), closed when the thread ends; an error in one stops the others after
    their current batch and is raised here.
    """
    if threads == 1:
        for batch in ranges:
            yield batch, work(*batch)
        return
    todo, finished = queue.SimpleQueue(), queue.SimpleQueue()
    for batch in ranges:
        todo.put(batch)

    def worker():
        try:
            while True:
                try:
                    batch = todo.get(block=False)
                except queue.Empty:
                    return
                try:
                    finished.put((batch, work(*batch), None))
                except BaseException as error:  # handed to the caller, which raises it
                    finished.put((batch, None, error))
                    return
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker, name=f"recompute-{n}", daemon=True) for n in range(threads)]
    for thread in workers:
        thread.start()
    try:
        for _ in ranges:
            batch, result, error = finished.get()
            if error is not None:
                raise error
            yield batch, result
    finally:
        while True:  # on an error, leave the others nothing more to start
            try:
                todo.get(block=False)
            except queue.Empty:
                break
        for thread in workers:
            thread.join()


def _recompute_batch(first_id, last_id, *, now, check_counts=True, usual=None):
    """Recompute every metric of the incidents with ids in [first_id, last_id], in one transaction.

    A fixed handful of statements whatever the batch size: lock the incidents and learn
    which are public (one query), read the stored digests (one IncidentMetricSet row
    per incident and view; with `check_counts`, count the stored rows too) and the
    events; then, only for the incidents and views whose digest changed, upsert their
    rows and delete those they no longer have; and move the open figures of the others
    on to `now` with one UPDATE. Batches are primary-key ranges, so no statement
    carries a list of ids but the rewrites. Returns counters.

    The steady state of the hourly run (nothing changed, open figures advance) thus
    reads the events and writes only the open figures, in place; bench/recompute.py
    prints where the time goes.
    """
    counters = {"incidents": 0, "written": 0, "deleted": 0, "unchanged": 0}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Derived data, recomputed every hour: a crash may lose the last few milliseconds
            # of it, never leave it inconsistent, so the commit need not wait for the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        ids, public_incidents = _lock_incidents(first_id, last_id, now)
        if not ids:
            return counters
        in_range = {"incident_id__gte": first_id, "incident_id__lte": last_id}
        sets = IncidentMetricSet.objects.filter(**in_range).values_list("incident_id", "view", "digest", "rows")
        sets = _raw_rows(sets)
        known = {(incident_id, view): value for incident_id, view, value, _ in sets}
        # The digests vouch for the stored figures; the number of stored rows for their being
        # all there. When the range holds as many rows as its sets say, an unchanged digest
        # means unchanged rows. Otherwise (a row deleted, or added, behind the recompute's
        # back) the database counts them per incident and view, and where a count is off the
        # digest is forgotten, so those figures are written again, or deleted if none are
        # computed. (A deletion and an addition in one range at once would go unseen: rows
        # are written by the recompute alone; the admin and the API only read them.)
        if check_counts and IncidentMetric.objects.filter(**in_range).count() != sum(row[3] for row in sets):
            expected = {(incident_id, view): rows for incident_id, view, _, rows in sets}
            counts = IncidentMetric.objects.filter(**in_range).values("incident_id", "view").annotate(n=Count("id"))
            for incident_id, view, n in _raw_rows(counts.values_list("incident_id", "view", "n")):
                if expected.pop((incident_id, view), None) != n:
                    known[(incident_id, view)] = None
            for key, rows in expected.items():  # sets whose rows are all gone
                if rows:
                    known[key] = None
        stored = set(known)  # incidents and views that have a set, or rows
        at = epoch_us(now)
        fresh, kept = [], []  # ((incident_id, view), figures, year, digest): new or changed; unchanged

        # Rows arrive grouped by incident; an incident with no events yields no figures
        # (and its stored ones, if any, are deleted as gone: they stay in `known`).
        locked = set(ids)
        for incident_id, group in groupby(_raw_rows(event_rows(**in_range)), key=itemgetter(0)):
            if incident_id not in locked:  # created in the range after the lock: its own recompute will come
                continue
            events = list(group)
            figures, year = compute_incident(events, at)
            value = digest(figures, year)
            key = (incident_id, MetricView.STAFF)
            (kept if known.pop(key, None) == value else fresh).append((key, figures, year, value))
            # Public rows exist only for public incidents and only from published events: the
            # rule of Event.objects.public(), applied to this one read (a test holds them equal).
            if incident_id in public_incidents:
                visible = [event for event in events if event[6] == "published"]
                if not visible:
                    continue
                if len(visible) != len(events):  # else no draft among its events: the staff figures are public
                    figures, year = compute_incident(visible, at)
                    value = digest(figures, year)
                key = (incident_id, MetricView.PUBLIC)
                (kept if known.pop(key, None) == value else fresh).append((key, figures, year, value))
        gone = list(known)  # incidents and views with a set or rows, computed no more
        unchanged = sum(len(row[1]) for row in kept)
        stamp = connection.ops.adapt_datetimefield_value(now)
        rows = [(*key, metric, *values, stamp) for key, figures, _, _ in fresh for metric, values in figures.items()]
        # A changed incident and view gets all its rows written (each keeps its id); the
        # rows it no longer has, and those of an incident and view that is gone (no events
        # left, or no longer public), are deleted. Only these few stored rows are read.
        revisited = gone + [row[0] for row in fresh if row[0] in stored]
        stale = []
        if revisited:
            new_keys = {row[:3] for row in rows}
            old = IncidentMetric.objects.filter(_pairs(revisited)).values_list("pk", "incident_id", "view", "metric")
            stale = [row[0] for row in _raw_rows(old) if row[1:] not in new_keys]
            if stale:
                IncidentMetric.objects.filter(pk__in=stale).delete()
        if gone:
            IncidentMetricSet.objects.filter(_pairs(gone)).delete()  # (a no-op for rows without a set)
        _insert(
            IncidentMetric,
            ["incident_id", "view", "metric", *_METRIC_VALUES, "computed_at"],
            rows,
            conflict=["incident_id", "view", "metric"],
            update=[*_METRIC_VALUES, "computed_at"],
        )
        _insert(
            IncidentMetricSet,
            ["incident_id", "view", "digest", "rows", "year", "computed_at"],
            [(*key, value, len(figures), year, stamp) for key, figures, year, value in fresh],
            conflict=["incident_id", "view"],
            update=["digest", "rows", "year", "computed_at"],
        )
        advanced = _advance_open_figures(first_id, last_id, now, usual)
        counters.update(
            incidents=len(ids),
            written=len(rows) + advanced,
            deleted=len(stale),
            unchanged=unchanged - advanced,
        )
    return counters


def computation_time(now=None):
    """The instant a recompute computes as of: `now` (default: the clock) in whole seconds.

    Whole seconds make an open figure's advance exact (see `_advance_open_figures`);
    a figure is stated in whole seconds anyway.
    """
    return (now or timezone.now()).replace(microsecond=0)


def incident_metrics_recompute(*, incident_id, now=None):
    """Recompute both views of one incident's metrics; a deleted incident leaves nothing to do."""
    return _recompute_batch(incident_id, incident_id, now=computation_time(now))


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector for a bulk computation, then restore it.

    A full run makes about a million short-lived tuples (rows read, figures), none of
    them in a reference cycle: reference counting frees every one, and the cyclic
    collector, triggered over and over by the allocations alone, would only walk the
    process's heap again and again (some 15 % of a full run). bench/recompute.py
    times its floor under the same pause.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def metrics_recompute_all(*, progress=None, run=None, now=None):
    """Recompute every incident's metrics, then the aggregates; return a summary.

    `progress(done, total)` is called after each batch; `run` (a RecomputeRun, e.g.
    one the admin created) records the progress for others to watch. The cyclic
    garbage collector is paused for the run (see `collector_paused`).
    """
    with collector_paused():
        return _recompute_all(progress=progress, run=run, now=now)


def _recompute_all(*, progress, run, now):
    started = time.perf_counter()
    now = computation_time(now)
    if run is None:
        run = RecomputeRun.objects.create(kind=RecomputeRun.Kind.FULL)
    ids = [pk for (pk,) in _raw_rows(Incident.objects.order_by("pk").values_list("pk"))]
    # When the whole table holds as many figures as the sets say, the batches need not
    # count theirs (a figure deleted behind the recompute's back is found either way).
    check_counts = not _rows_match_sets()
    # The time the last full run computed at: most open figures were computed then.
    last = RecomputeRun.objects.filter(kind=RecomputeRun.Kind.FULL, state=RecomputeRun.State.DONE)
    usual = last.order_by("-started_at").values_list("started_at", flat=True).first()
    RecomputeRun.objects.filter(pk=run.pk).update(
        state=RecomputeRun.State.RUNNING, started_at=now, total=len(ids), done=0
    )
    totals = {"incidents": 0, "written": 0, "deleted": 0, "unchanged": 0}
    ranges = [ids[offset : offset + BATCH_SIZE] for offset in range(0, len(ids), BATCH_SIZE)]
    ranges = [(batch[0], batch[-1], len(batch)) for batch in ranges]

    def work(first_id, last_id, _count):
        return _recompute_batch(first_id, last_id, now=now, check_counts=check_counts, usual=usual)

    # Two batches in flight on PostgreSQL, each on its own connection: the server works on
    # one while Python computes the other. Not inside a transaction (a test's, say), whose
    # uncommitted rows another connection could not see; SQLite has one writer at a time.
    parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
    done = 0
    try:
        for (_, _, count), counters in _each_batch(ranges, work, threads=PARALLEL_BATCHES if parallel else 1):
            for key, value in counters.items():
                totals[key] += value
            done += count
            RecomputeRun.objects.filter(pk=run.pk).update(done=done)
            if progress is not None:
                progress(done, len(ids))
        totals.update(aggregates_recompute(now=now, skip_if_unchanged=True))
    except BaseException:
        RecomputeRun.objects.filter(pk=run.pk).update(state=RecomputeRun.State.FAILED, finished_at=timezone.now())
        raise
    totals["seconds"] = round(time.perf_counter() - started, 3)
    RecomputeRun.objects.filter(pk=run.pk).update(
        state=RecomputeRun.State.DONE, finished_at=timezone.now(), summary=totals, done=len(ids)
    )
    _prune_runs()
    return totals


# --- aggregates ---------------------------------------------------------------


def _lock_aggregates():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_AGGREGATES])


_SUMMARY_FIELDS = [
    "incident_count",
    "open_count",
    "median_seconds",
    "q1_seconds",
    "q3_seconds",
    "median_min_seconds",
    "median_max_seconds",
    "norm_shares",
]


def _fingerprint(*parts):
    """SHA-256 of rows read in a fixed order: equal exactly when the rows are."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()


def _response_inputs():
    """The claims' and responses' own rows (as querysets), in the columns `Claim.objects.public()` and
    `with_vendor_stance()` read (status, incident; claim, responder, stance, status,
    position): with the incidents' vendors and public set, all the response aggregates
    depend on. Their fingerprints cost a fraction of computing the stances."""

    claims = Claim.objects.order_by("pk").values_list("pk", "incident_id", "status")
    responses = Response.objects.order_by("pk").values_list(
        "pk", "claim_id", "responder_id", "stance", "status", "position"
    )
    return claims, responses


def _rows_digests(*querysets):
    """Digests of the rows of values_list querysets, taken by the database in one statement.

    Each queryset's rows are joined into one text in their order (each value as an SQL
    literal, so the text is unambiguous) and only its MD5 (PostgreSQL), or the text
    itself (SQLite, which has no hash function), comes back: no Python object per row.
    Used for fingerprints, where a collision could only cost a skipped rebuild.
    """
    ctes, selects, params = [], [], []
    for n, queryset in enumerate(querysets):
        sql, query_params = queryset.query.sql_with_params()
        names = [f"c{i}" for i in range(len(queryset.query.values_select) + len(queryset.query.annotation_select))]
        if connection.vendor == "postgresql":
            row = " || ',' || ".join(f"quote_nullable({name})" for name in names)
            selects.append(f"(SELECT md5(string_agg({row}, ';')) FROM q{n})")  # noqa: S608
        else:
            row = " || ',' || ".join(f"quote({name})" for name in names)
            selects.append(f"(SELECT group_concat({row}, ';') FROM q{n})")  # noqa: S608
        ctes.append(f"q{n}({', '.join(names)}) AS ({sql})")
        params += query_params
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} SELECT {', '.join(selects)}", params)  # noqa: S608 (our own SQL)
        return list(cursor.fetchone())


def _last_rebuild():
    """The summary of the latest finished run that rebuilt or checked the aggregates (or {})."""
    run = (
        RecomputeRun.objects.filter(state=RecomputeRun.State.DONE, summary__has_key="fingerprint")
        .order_by("-finished_at", "-id")
        .first()
    )
    return run.summary if run is not None else {}


def aggregates_recompute(*, now=None, skip_if_unchanged=False):
    """Rebuild every MetricAggregate and ResponseAggregate from the stored per-incident metrics.

    With `skip_if_unchanged` (the periodic full run, and the follow-up of a change), the aggregates are left
    as they are when nothing they depend on changed since the last rebuild (see
    `_fingerprint`): in the hourly steady state only open figures advance,
    and open figures enter the aggregates only as counts. Returns a summary with
    the fingerprint, which the caller's RecomputeRun keeps.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_aggregates()
        # Everything the aggregates depend on, each a query in a fixed order. Their
        # fingerprints are taken in the database (`_rows_digests`); the rows themselves are
        # read only for a rebuild. Retracted incidents stay readable but are left out of
        # the public figures researchers cite. The per-incident figures enter through their
        # IncidentMetricSet rows, each of which changes whenever a row it describes does
        # (but for an open figure's seconds, which the aggregates do not use: open figures
        # only count); the sets also carry each incident's year.
        incidents = Incident.objects.order_by("pk").values_list("pk", "vendor_id")
        public = Incident.objects.public(now).exclude(status="retracted").order_by("pk").values_list("pk")
        participants = (
            Participant.objects.filter(role__in=REPORTER_ROLES)
            .order_by("incident_id", "organization_id")
            .values_list("incident_id", "organization_id")
            .distinct()
        )
        sets = IncidentMetricSet.objects.order_by("incident_id", "view").values_list(
            "incident_id", "view", "digest", "year"
        )
        norms = list(Norm.objects.order_by("pk"))
        incidents_digest, public_digest, participants_digest, sets_digest, claims_digest, responses_digest = (
            _rows_digests(incidents, public, participants, sets, *_response_inputs())
        )
        fingerprint = _fingerprint(
            incidents_digest,
            public_digest,
            participants_digest,
            [(n.metric, n.slug, n.window_seconds) for n in norms],
            sets_digest,
        )
        responses_fingerprint = _fingerprint(incidents_digest, public_digest, claims_digest, responses_digest)
        last = _last_rebuild() if skip_if_unchanged else {}
        # A rebuild is skipped only when the last one saw the same inputs and its rows are all still there.
        if (
            last.get("responses_fingerprint") == responses_fingerprint
            and last.get("response_aggregate_rows") == ResponseAggregate.objects.count()
        ):
            responses, response_rows = "unchanged", last["response_aggregate_rows"]
        else:
            responses = response_rows = _rebuild_response_aggregates(now)
        summary = {
            "response_aggregates": responses,
            "response_aggregate_rows": response_rows,
            "fingerprint": fingerprint,
            "responses_fingerprint": responses_fingerprint,
        }
        if last.get("fingerprint") == fingerprint and last.get("aggregate_rows") == MetricAggregate.objects.count():
            return {"aggregates": "unchanged", "aggregate_rows": last["aggregate_rows"], **summary}

        vendor_of = dict(_raw_rows(incidents))
        in_public = {incident_id for (incident_id,) in _raw_rows(public)}
        reporters = defaultdict(list)
        for incident_id, organization_id in _raw_rows(participants):
            reporters[incident_id].append(organization_id)
        years = {view: {} for view in MetricView.values}
        for incident_id, view, _, year in _raw_rows(sets):
            if year is not None:
                years[view][incident_id] = year
        norms_of = defaultdict(list)
        for norm in norms:
            if norm.metric:
                norms_of[norm.metric].append(norm)

        # Every group of a view gets a number; each incident, the numbers of its groups.
        group_key, numbers = [], {}

        def group_numbers(view, incident_id):
            keys = [(view, "overall", None, None), (view, "vendor", vendor_of[incident_id], None)]
            keys += [(view, "reporter", organization_id, None) for organization_id in reporters.get(incident_id, ())]
            if (year := years[view].get(incident_id)) is not None:
                keys.append((view, "year", None, year))
            for key in keys:
                if key not in numbers:
                    numbers[key] = len(group_key)
                    group_key.append(key)
            return [numbers[key] for key in keys]

        # The figures arrive by view and metric, closed ones in nominal order, so each group's
        # nominal list is built sorted; each figure is appended to each of its groups.
        query = IncidentMetric.objects.order_by("view", "metric", "open", "nominal_seconds").values_list(
            "view", "metric", "incident_id", "open", "nominal_seconds", "min_seconds", "max_seconds"
        )
        numbers_of = {view: {} for view in MetricView.values}
        groups = {}  # (view, dimension, organisation, year, metric) -> [nominals, minima, maxima, open count]
        for (view, metric), section in groupby(_raw_rows(query), key=itemgetter(0, 1)):
            members = defaultdict(list)
            known = numbers_of[view]
            public = view == MetricView.PUBLIC
            for figure in section:
                incident_id = figure[2]
                if public and incident_id not in in_public:
                    continue
                mine = known.get(incident_id)
                if mine is None:
                    mine = known[incident_id] = group_numbers(view, incident_id)
                for number in mine:
                    members[number].append(figure)
            for number, rows in members.items():
                closed = [r for r in rows if not r[3]]
                view_, dimension, organization_id, year = group_key[number]
                groups[(view_, dimension, organization_id, year, metric)] = [
                    [r[4] for r in closed],
                    [r[5] for r in closed],
                    [r[6] for r in closed],
                    len(rows) - len(closed),
                ]

        stamp = connection.ops.adapt_datetimefield_value(now)
        aggregates = []
        for (view, dimension, organization_id, year, metric), group in groups.items():
            figures = summarise(group, norms_of.get(metric, ()))
            figures["norm_shares"] = json.dumps(figures["norm_shares"])
            aggregates.append((view, dimension, organization_id, year, metric, *figures.values(), stamp))
        columns = ["view", "dimension", "organization_id", "year", "metric", *_SUMMARY_FIELDS, "computed_at"]
        MetricAggregate.objects.all().delete()
        _insert(MetricAggregate, columns, aggregates)
    return {"aggregates": len(aggregates), "aggregate_rows": len(aggregates), **summary}


def _rebuild_response_aggregates(now):
    """Count the vendors' current stances on the claims afresh; return how many rows that makes."""
    responses = _response_aggregates(now)
    ResponseAggregate.objects.all().delete()
    ResponseAggregate.objects.bulk_create(responses, batch_size=BATCH_SIZE)
    return len(responses)


def _response_aggregates(now):

    rows = []
    for view in MetricView.values:
        if view == MetricView.PUBLIC:
            claims = Claim.objects.public(now).exclude(incident__status="retracted").with_vendor_stance(public=True)
        else:
            claims = Claim.objects.with_vendor_stance(public=False)
        counts = defaultdict(lambda: defaultdict(int))
        for vendor_id, stance in claims.values_list("incident__vendor_id", "vendor_stance"):
            counts[vendor_id][stance] += 1
            counts[None][stance] += 1
        for organization_id, stances in counts.items():
            rows.append(
                ResponseAggregate(
                    view=view,
                    organization_id=organization_id,
                    claims=sum(stances.values()),
                    stance_counts=dict(sorted(stances.items())),
                    computed_at=now,
                )
            )
    return rows


def aggregates_recompute_if_stale(*, requested_at):
    """Rebuild the aggregates unless a run that started after `requested_at` has finished already.

    The debounce that keeps per-incident tasks cheap: after a bulk import queues a
    hundred incident tasks, the first aggregates task to run after the last of them
    does the work and the others find it done. A run's `started_at` precedes all its
    reads, so such a run has seen every change committed before `requested_at`. And
    a change that moved nothing the aggregates depend on (an event's description, a
    source) leaves them as they are: their fingerprints are compared first.
    """
    if RecomputeRun.objects.filter(state=RecomputeRun.State.DONE, started_at__gte=requested_at).exists():
        return None
    started_at = timezone.now()
    run = RecomputeRun.objects.create(
        kind=RecomputeRun.Kind.AGGREGATES, state=RecomputeRun.State.RUNNING, started_at=started_at
    )
    summary = aggregates_recompute(now=started_at, skip_if_unchanged=True)
    RecomputeRun.objects.filter(pk=run.pk).update(
        state=RecomputeRun.State.DONE, finished_at=timezone.now(), summary=summary
    )
    _prune_runs()
    return summary


def _prune_runs(keep=200):
    old = list(
        RecomputeRun.objects.exclude(state__in=[RecomputeRun.State.QUEUED, RecomputeRun.State.RUNNING])
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[keep:]
    )
    if old:
        RecomputeRun.objects.filter(pk__in=old).delete()
