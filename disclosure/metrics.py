"""Disclosure-window metrics (time-and-metrics.md §3-§5): per incident, aggregated, against norms.

The services here are what the Celery tasks, the management command and the admin
call. Everything is set-based: a batch of incidents costs a fixed handful of
queries (lock the incidents, read their events, read their stored metrics, upsert
what changed, delete what is gone), whatever its size, and a single incident is
simply a batch of one. Durations come from the stored UTC
columns `lo`, `hi` and `nominal` of each event, with the exact arithmetic of
`timemath` (whole microseconds, nominal rounded half up), so nothing is re-parsed.

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

import hashlib
import json
import logging
import re
import time
from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, timedelta
from itertools import groupby
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Count, DateTimeField, Func, Max, Min, Q
from django.utils import timezone

from . import timemath
from .models import (
    Event,
    Incident,
    IncidentMetric,
    Metric,
    MetricAggregate,
    MetricView,
    Norm,
    Participant,
    RecomputeRun,
    ResponseAggregate,
)

logger = logging.getLogger(__name__)

FIRST, LAST = "first", "last"

#: metric -> (start kinds (the earliest of their first events), end kind, which end event)
DEFINITIONS = {
    Metric.EXPOSURE_DURATION: (("exposure_started",), "remediated", LAST),
    Metric.TIME_TO_DISCOVERY: (("exposure_started",), "discovered", FIRST),
    Metric.DISCOVERY_TO_NOTICE: (("discovered",), "vendor_notified", FIRST),
    Metric.NOTICE_TO_PUBLICATION: (("vendor_notified",), "published", FIRST),
    Metric.NOTICE_TO_ACKNOWLEDGEMENT: (("vendor_notified",), "vendor_acknowledged", FIRST),
    Metric.PUBLICATION_TO_VENDOR_AWARENESS: (("published",), "vendor_aware", FIRST),
    Metric.NOTICE_TO_REMEDIATION: (("vendor_notified",), "remediated", FIRST),
    Metric.PUBLICATION_TO_STATEMENT: (("published",), "vendor_statement", FIRST),
    Metric.AWARENESS_TO_USER_NOTIFICATION: (("vendor_notified", "vendor_aware"), "users_notified", FIRST),
}
#: Ends that may simply not have happened yet: a metric ending in one of them is open, not absent.
OPEN_ENDS = frozenset({"vendor_acknowledged", "remediated", "vendor_statement", "users_notified"})
KINDS = sorted({k for starts, end, _ in DEFINITIONS.values() for k in (*starts, end)})
METRIC_ORDER = {m: i for i, m in enumerate(Metric.values)}

BATCH_SIZE = 1000
_US = timedelta(microseconds=1)
_US_PER_S = 1_000_000
_LOCK_AGGREGATES = 731_003  # an arbitrary constant naming this project's aggregates lock


# --- per-incident computation (pure: no queries) ----------------------------


def span(a, b):
    """(nominal, min, max) whole seconds from time `a` to time `b`, each a (lo, hi, nominal) triple.

    The same arithmetic as `timemath.duration` (spec §2), on stored UTC columns:
    nominal rounded half up, min floored, max ceiled (both exact for stored bounds).
    """
    a_lo, a_hi, a_nom = a
    b_lo, b_hi, b_nom = b
    return (
        ((b_nom - a_nom) // _US + _US_PER_S // 2) // _US_PER_S,
        ((b_lo - a_hi) // _US) // _US_PER_S,
        -(-((b_hi - a_lo) // _US) // _US_PER_S),
    )


#: DEFINITIONS unpacked once for the hot loop: (metric, start kinds, end kind, ends at the last, may be open)
_PLAN = tuple(
    (metric, starts, end, which == LAST, end in OPEN_ENDS) for metric, (starts, end, which) in DEFINITIONS.items()
)


def compute_incident(events, now):
    """The metrics of one incident from its events, as {metric: (nominal, min, max, open, start_id, end_id)}.

    `events` are rows (incident_id, id, kind, lo, hi, nominal, ...) ordered by
    (nominal, position, id), so the first event of a kind is the first seen and the
    last is the last seen. This runs once per incident and view (2 x 10^4 times in a
    full run), so `span` is inlined and the rows are used as read, without copies.
    """
    first, last = {}, {}
    for event in events:
        kind = event[2]
        if kind not in first:
            first[kind] = event
        last[kind] = event
    result = {}
    for metric, start_kinds, end_kind, at_last, may_be_open in _PLAN:
        start = first.get(start_kinds[0])
        for other_kind in start_kinds[1:]:
            other = first.get(other_kind)
            # the earliest of the candidates' first events in the (nominal, position, id) order:
            # by nominal, else by place in the list (position is not among the columns read)
            if other is not None and (
                start is None
                or other[5] < start[5]
                or (other[5] == start[5] and events.index(other) < events.index(start))
            ):
                start = other
        if start is None:
            continue
        end = (last if at_last else first).get(end_kind)
        if end is not None:
            b_lo, b_hi, b_nom, is_open, end_id = end[3], end[4], end[5], False, end[1]
        elif may_be_open:
            b_lo = b_hi = b_nom = now
            is_open, end_id = True, None
        else:
            continue
        # span(): nominal rounded half up, min floored, max ceiled, in whole seconds
        result[metric] = (
            ((b_nom - start[5]) // _US + _US_PER_S // 2) // _US_PER_S,
            ((b_lo - start[4]) // _US) // _US_PER_S,
            -(-((b_hi - start[3]) // _US) // _US_PER_S),
            is_open,
            start[1],
            end_id,
        )
    return result


# --- per-incident recomputation (set-based, one batch at a time) ------------


def _lock_incidents(first_id, last_id):
    """Lock the incidents of a primary-key range (PostgreSQL; a no-op on SQLite); return their ids."""
    incidents = Incident.objects.filter(pk__gte=first_id, pk__lte=last_id).order_by("pk").select_for_update()
    return list(incidents.values_list("pk", flat=True))


def _raw_rows(queryset):
    """Run a values_list queryset without Django's per-value converters (the hot path reads ~10^5 rows)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class NaiveUTC(Func):
    """A stored instant read as a naive UTC datetime, on every database.

    SQLite stores naive UTC text, which its driver parses as such. PostgreSQL's
    timestamptz comes back from psycopg as an aware datetime, and that conversion
    (a zoneinfo lookup per value) costs about 4 microseconds: twenty times the rest
    of the read of 10^5 events. `AT TIME ZONE 'UTC'` hands back a plain timestamp
    instead, whatever the session's time zone. Raw reads only: no ORM converter
    runs on these values.
    """

    template = "%(expressions)s"
    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s AT TIME ZONE 'UTC')", **extra_context)


def naive_utc(moment):
    """`moment` (aware) as the naive UTC datetime it is compared with in a raw read."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def event_rows(**filters):
    """The events the recompute reads, as a values_list for `_raw_rows`.

    Rows (incident_id, id, kind, lo, hi, nominal, status), instants naive UTC,
    ordered by (incident, nominal, position, id). bench/recompute.py times its
    floor on this very query.
    """
    return (
        Event.objects.filter(**filters, kind__in=KINDS)
        .order_by("incident_id", "nominal", "position", "id")
        .values_list("incident_id", "id", "kind", NaiveUTC("lo"), NaiveUTC("hi"), NaiveUTC("nominal"), "status")
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


def _update_by_pk(model, columns, rows):
    """UPDATE rows (pk, *values) by primary key, set-based like `_insert`."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{qn(c)} = %s" for c in columns)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", [(*r[1:], r[0]) for r in rows])  # noqa: S608
            return
        fields = {f.column: f for f in model._meta.concrete_fields}
        casts = ", ".join(f"%s::{fields[c].db_type(connection)}[]" for c in ["id", *columns])
        names = ", ".join(qn(c) for c in ["id", *columns])
        sets = ", ".join(f"{qn(c)} = v.{qn(c)}" for c in columns)
        arrays = [list(values) for values in zip(*rows, strict=True)]
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM unnest({casts}) AS v({names}) WHERE {table}.id = v.id",  # noqa: S608
            arrays,
        )


_METRIC_VALUES = ["nominal_seconds", "min_seconds", "max_seconds", "open", "start_event_id", "end_event_id"]


def _recompute_batch(first_id, last_id, *, now):
    """Recompute every metric of the incidents with ids in [first_id, last_id], in one transaction.

    At most eight statements whatever the batch size: lock, public incidents, events,
    stored metrics, delete of what is gone, insert of what is new, update of what
    changed, update of the figures that only advanced. Batches are primary-key
    ranges, so no statement carries a list of a thousand ids. Returns counters.

    Where a full run's time goes (bench/recompute.py prints it): reading the stored
    figures to compare with, rewriting the open ones (every run, as their elapsed
    time grows; on PostgreSQL each rewrite also updates the table's six indexes),
    and the aggregates check; the event read and the arithmetic are the smaller part.
    """
    counters = {"incidents": 0, "written": 0, "deleted": 0, "unchanged": 0}
    with transaction.atomic():
        ids = _lock_incidents(first_id, last_id)
        if not ids:
            return counters
        in_range = {"incident_id__gte": first_id, "incident_id__lte": last_id}
        # Public rows exist only for public incidents and only from published events:
        # the rule of Event.objects.public(), applied to this one read (a test holds them equal).
        public = Incident.objects.public(now).filter(pk__gte=first_id, pk__lte=last_id)
        public_incidents = set(public.values_list("pk", flat=True))
        query = event_rows(**in_range)
        stored = IncidentMetric.objects.filter(**in_range).values_list(
            "incident_id", "view", "metric", "pk", *_METRIC_VALUES
        )
        # key (incident_id, view, metric) -> the stored row; what is left once every
        # computed figure has claimed its row is stale. `open` compares equal whether it
        # comes back as a bool (PostgreSQL) or as 0/1 (SQLite), so rows are compared as read.
        existing = {row[:3]: row for row in _raw_rows(stored)}
        at = naive_utc(now)
        stamp = connection.ops.adapt_datetimefield_value(now)
        added, changed, advanced = [], [], []
        computed = 0

        def settle(incident_id, view, figures):
            nonlocal computed
            computed += len(figures)
            for metric, values in figures.items():
                known = existing.pop((incident_id, view, metric), None)
                if known is None:
                    added.append((incident_id, view, metric, *values, stamp))
                elif known[4:] != values:
                    if known[7:] == values[3:]:
                        # Same events, same open flag: only the seconds moved (an open figure
                        # advancing, the bulk of an hourly run). Leaving the other columns out of
                        # the SET spares the upkeep of their indexes (start and end event).
                        advanced.append((known[3], *values[:3], stamp))
                    else:
                        changed.append((known[3], *values, stamp))

        # Rows arrive grouped by incident; an incident with no events yields no figures
        # (and its stored ones, if any, stay in `existing` and are deleted as stale).
        locked = set(ids)
        for incident_id, group in groupby(_raw_rows(query), key=itemgetter(0)):
            if incident_id not in locked:  # created in the range after the lock: its own recompute will come
                continue
            events = list(group)
            staff = compute_incident(events, at)
            settle(incident_id, MetricView.STAFF, staff)
            if incident_id in public_incidents:
                visible = [event for event in events if event[6] == "published"]
                # With no draft among its events, the public figures are the staff ones.
                settle(
                    incident_id,
                    MetricView.PUBLIC,
                    staff if len(visible) == len(events) else compute_incident(visible, at),
                )
        stale = [row[3] for row in existing.values()]
        if stale:
            IncidentMetric.objects.filter(pk__in=stale).delete()
        # Rows are locked with their incident, so an INSERT cannot meet a concurrent one on
        # PostgreSQL; ON CONFLICT still makes it safe where there is no such lock (SQLite).
        _insert(
            IncidentMetric,
            ["incident_id", "view", "metric", *_METRIC_VALUES, "computed_at"],
            added,
            conflict=["incident_id", "view", "metric"],
            update=[*_METRIC_VALUES, "computed_at"],
        )
        _update_by_pk(IncidentMetric, [*_METRIC_VALUES, "computed_at"], changed)
        _update_by_pk(IncidentMetric, [*_METRIC_VALUES[:3], "computed_at"], advanced)
        # An unchanged row keeps the computed_at of the figures it holds: rewriting
        # 10^5 identical rows every hour would only churn the table (MVCC on PostgreSQL).
        counters.update(
            incidents=len(ids),
            written=len(added) + len(changed) + len(advanced),
            deleted=len(stale),
            unchanged=computed - len(added) - len(changed) - len(advanced),
        )
    return counters


def incident_metrics_recompute(*, incident_id, now=None):
    """Recompute both views of one incident's metrics; a deleted incident leaves nothing to do."""
    return _recompute_batch(incident_id, incident_id, now=now or timezone.now())


def metrics_recompute_all(*, progress=None, run=None, now=None):
    """Recompute every incident's metrics, then the aggregates; return a summary.

    `progress(done, total)` is called after each batch; `run` (a RecomputeRun, e.g.
    one the admin created) records the progress for others to watch.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    if run is None:
        run = RecomputeRun.objects.create(kind=RecomputeRun.Kind.FULL)
    ids = list(Incident.objects.order_by("pk").values_list("pk", flat=True))
    RecomputeRun.objects.filter(pk=run.pk).update(
        state=RecomputeRun.State.RUNNING, started_at=now, total=len(ids), done=0
    )
    totals = {"incidents": 0, "written": 0, "deleted": 0, "unchanged": 0}
    try:
        for offset in range(0, len(ids), BATCH_SIZE):
            batch = ids[offset : offset + BATCH_SIZE]
            counters = _recompute_batch(batch[0], batch[-1], now=now)
            for key, value in counters.items():
                totals[key] += value
            done = min(len(ids), offset + BATCH_SIZE)
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


def quantile(sorted_values, q):
    """The q-quantile by linear interpolation between order statistics (Excel QUARTILE.INC, numpy's default)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    below = int(position)
    above = min(below + 1, len(sorted_values) - 1)
    fraction = position - below
    return sorted_values[below] + (sorted_values[above] - sorted_values[below]) * fraction


def _lock_aggregates():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_AGGREGATES])


def _first_years(queryset, kind):
    """{incident id: UTC year of its first `kind` event}; raw, as SQLite returns MIN() of a datetime as text."""
    query = (
        queryset.filter(kind=kind)
        .values("incident_id")
        .annotate(first=Min(NaiveUTC("nominal")))  # only its year is used: spare the aware conversion
        .values_list("incident_id", "first")
    )
    return {pk: int(first[:4]) if isinstance(first, str) else first.year for pk, first in _raw_rows(query)}


def incident_years(view, now):
    """{incident id: year}: the UTC year of the first published event, else of the first exposure_started."""
    events = Event.objects.public(now) if view == MetricView.PUBLIC else Event.objects.all()
    years = _first_years(events, "exposure_started")
    years.update(_first_years(events, "published"))
    return years


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


def _summarise(group, norms):
    """One MetricAggregate's figures from a group [nominals (sorted), minima, maxima, open count]."""
    nominal, lows, highs, open_count = group
    lows.sort()
    highs.sort()
    of = len(nominal)
    shares = {}
    for norm in norms:
        window = norm.window_seconds
        met = bisect_right(highs, window)
        missed = of - bisect_right(lows, window)
        shares[norm.slug] = {
            "met": met,
            "uncertain": of - met - missed,
            "missed": missed,
            "of": of,
            "share": round(met / of, 6) if of else None,
            "share_at_most": round((of - missed) / of, 6) if of else None,
        }
    return {
        "incident_count": of + open_count,
        "open_count": open_count,
        "median_seconds": quantile(nominal, 0.5),
        "q1_seconds": quantile(nominal, 0.25),
        "q3_seconds": quantile(nominal, 0.75),
        "median_min_seconds": quantile(lows, 0.5),
        "median_max_seconds": quantile(highs, 0.5),
        "norm_shares": shares,
    }


def _inputs_fingerprint(vendor_of, in_public, reporters, years, norms):
    """A digest of everything the metric aggregates depend on.

    Group membership and norms are hashed whole. The per-incident rows are summed
    up without reading them: per (view, metric, open) their count, and the highest
    id and latest computed_at. A closed figure that changes is rewritten with a
    new computed_at, a new row gets a new id, a deleted one lowers a count; open
    figures (rewritten every run) only count through how many there are.
    """
    # Grouped by `open` first: no index starts with it, so SQLite scans the table once
    # instead of walking the (view, metric, nominal_seconds) index with a lookup per row.
    rows = (
        IncidentMetric.objects.values("open", "view", "metric")
        .annotate(n=Count("id"), last_id=Max("id"), last_closed=Max("computed_at", filter=Q(open=False)))
        .order_by("open", "view", "metric")
        .values_list("open", "view", "metric", "n", "last_id", "last_closed")
    )
    digest = hashlib.sha256()
    for part in (
        sorted(vendor_of.items()),
        sorted(in_public),
        sorted((k, sorted(v)) for k, v in reporters.items()),
        {view: sorted(y.items()) for view, y in years.items()},
        sorted((metric, [(n.slug, n.window_seconds) for n in ns]) for metric, ns in norms.items()),
        [tuple(str(v) for v in row) for row in rows],
    ):
        digest.update(repr(part).encode())
    return digest.hexdigest()


def _unchanged_since_last_rebuild(fingerprint):
    """True when the last rebuild saw the same inputs and its rows are all still there."""
    run = (
        RecomputeRun.objects.filter(state=RecomputeRun.State.DONE, summary__has_key="fingerprint")
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None or run.summary["fingerprint"] != fingerprint:
        return False
    return run.summary.get("aggregate_rows") == MetricAggregate.objects.count()


def aggregates_recompute(*, now=None, skip_if_unchanged=False):
    """Rebuild every MetricAggregate and ResponseAggregate from the stored per-incident metrics.

    With `skip_if_unchanged` (the periodic full run), the metric aggregates are left
    as they are when nothing they depend on changed since the last rebuild (see
    `_inputs_fingerprint`): in the hourly steady state only open figures advance,
    and open figures enter the aggregates only as counts. Returns a summary with
    the fingerprint, which the caller's RecomputeRun keeps.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_aggregates()
        vendor_of = dict(Incident.objects.values_list("pk", "vendor_id"))
        # Retracted incidents stay readable but are left out of the public figures researchers cite.
        in_public = set(Incident.objects.public(now).exclude(status="retracted").values_list("pk", flat=True))
        reporters = defaultdict(set)
        for incident_id, organization_id in Participant.objects.filter(role__in=["discoverer", "notifier"]).values_list(
            "incident_id", "organization_id"
        ):
            reporters[incident_id].add(organization_id)
        years = {view: incident_years(view, now) for view in MetricView.values}
        norms = defaultdict(list)
        for norm in Norm.objects.exclude(metric=""):
            norms[norm.metric].append(norm)
        fingerprint = _inputs_fingerprint(vendor_of, in_public, reporters, years, norms)
        if skip_if_unchanged and _unchanged_since_last_rebuild(fingerprint):
            responses = _rebuild_response_aggregates(now)
            return {
                "aggregates": "unchanged",
                "aggregate_rows": MetricAggregate.objects.count(),
                "response_aggregates": responses,
                "fingerprint": fingerprint,
            }

        def group_keys(view, incident_id):
            keys = [(view, "overall", None, None), (view, "vendor", vendor_of[incident_id], None)]
            keys += [(view, "reporter", organization_id, None) for organization_id in reporters.get(incident_id, ())]
            if (year := years[view].get(incident_id)) is not None:
                keys.append((view, "year", None, year))
            return keys

        keys_of = {}
        groups = defaultdict(dict)  # (view, metric) -> {(view, dimension, organisation, year): group}

        def group_of(view, metric, incident_id):
            keys = keys_of.get((view, incident_id))
            if keys is None:
                keys = keys_of[(view, incident_id)] = group_keys(view, incident_id)
            section = groups[(view, metric)]
            for key in keys:
                group = section.get(key)
                if group is None:
                    group = section[key] = [[], [], [], 0]
                yield group

        # Closed figures in nominal order (an index serves it), so each group's nominal list arrives sorted.
        closed = (
            IncidentMetric.objects.filter(open=False)
            .order_by("view", "metric", "nominal_seconds")
            .values_list("view", "metric", "incident_id", "nominal_seconds", "min_seconds", "max_seconds")
        )
        for view, metric, incident_id, nominal, low, high in _raw_rows(closed):
            if view == MetricView.PUBLIC and incident_id not in in_public:
                continue
            for group in group_of(view, metric, incident_id):
                group[0].append(nominal)
                group[1].append(low)
                group[2].append(high)
        for view, metric, incident_id in _raw_rows(
            IncidentMetric.objects.filter(open=True).values_list("view", "metric", "incident_id")
        ):
            if view == MetricView.PUBLIC and incident_id not in in_public:
                continue
            for group in group_of(view, metric, incident_id):
                group[3] += 1

        stamp = connection.ops.adapt_datetimefield_value(now)
        aggregates = []
        for (_, metric), section in groups.items():
            for (view, dimension, organization_id, year), group in section.items():
                figures = _summarise(group, norms.get(metric, ()))
                figures["norm_shares"] = json.dumps(figures["norm_shares"])
                aggregates.append((view, dimension, organization_id, year, metric, *figures.values(), stamp))
        columns = ["view", "dimension", "organization_id", "year", "metric", *_SUMMARY_FIELDS, "computed_at"]
        MetricAggregate.objects.all().delete()
        _insert(MetricAggregate, columns, aggregates)

        responses = _rebuild_response_aggregates(now)
    return {
        "aggregates": len(aggregates),
        "aggregate_rows": len(aggregates),
        "response_aggregates": responses,
        "fingerprint": fingerprint,
    }


def _rebuild_response_aggregates(now):
    """Claims and responses are few; their counts are rebuilt every time."""
    responses = _response_aggregates(now)
    ResponseAggregate.objects.all().delete()
    ResponseAggregate.objects.bulk_create(responses, batch_size=BATCH_SIZE)
    return len(responses)


def _response_aggregates(now):
    from claims.models import Claim

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
    reads, so such a run has seen every change committed before `requested_at`.
    """
    if RecomputeRun.objects.filter(state=RecomputeRun.State.DONE, started_at__gte=requested_at).exists():
        return None
    started_at = timezone.now()
    run = RecomputeRun.objects.create(
        kind=RecomputeRun.Kind.AGGREGATES, state=RecomputeRun.State.RUNNING, started_at=started_at
    )
    summary = aggregates_recompute(now=started_at)
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


# --- presentation helpers (for the site and the API) --------------------------

SHORT_NORM_NAMES = {"project-zero": "Project Zero", "cert-cc": "CERT/CC", "zdi": "ZDI", "gdpr-art-33": "GDPR"}


def norms_for(metric, norms=None):
    """The norms that bound `metric`, in their display order; pass `norms` to avoid a query per call."""
    if norms is None:
        norms = Norm.objects.all()
    return [n for n in norms if n.metric == metric]


def _figures(row_or_seconds):
    if isinstance(row_or_seconds, int):
        return row_or_seconds, row_or_seconds, row_or_seconds, False
    r = row_or_seconds
    if isinstance(r, dict):
        return r["nominal_seconds"], r["min_seconds"], r["max_seconds"], r.get("open", False)
    return r.nominal_seconds, r.min_seconds, r.max_seconds, r.open


def norm_comparisons(metric_row_or_seconds, metric, norms=None):
    """How a figure compares with each norm for `metric`.

    Returns [{"norm": Norm, "share": nominal / window, "met": True | False | None}]:
    met is True when even the upper bound is within the window, False when even
    the lower bound exceeds it, and None when the bounds straddle it (or the
    metric is still open and within the window so far).
    """
    nominal, low, high, is_open = _figures(metric_row_or_seconds)
    result = []
    for norm in norms_for(metric, norms):
        window = norm.window_seconds
        if low > window:
            met = False
        elif high <= window and not is_open:
            met = True
        else:
            met = None
        result.append({"norm": norm, "share": nominal / window, "met": met})
    return result


def format_percent(fraction):
    percent = fraction * 100
    if percent >= 10:
        return f"{percent:.0f} %"
    if percent >= 1:
        return f"{percent:.1f} %"
    if abs(percent) >= 0.01 or percent == 0:
        return f"{percent:.2f} %"
    return "< 0.01 %" if percent > 0 else f"{percent:.2g} %"


_SINGLE_UNIT = re.compile(r"^(-?\d+) (second|minute|hour|day)s?$")


def range_text(low, high):
    """'between 13 and 15 minutes': the bounds in words, sharing the unit when both use one.

    Bounds on either side of zero read 'between 9 hours before and 2 days after'.
    """
    if low < 0 <= high:
        return f"between {timemath.format_duration(-low)} before and {timemath.format_duration(high)} after"
    low_text, high_text = timemath.format_duration(low), timemath.format_duration(high)
    a, b = _SINGLE_UNIT.match(low_text), _SINGLE_UNIT.match(high_text)
    if a and b and a.group(2) == b.group(2):
        return f"between {a.group(1)} and {b.group(1)} {b.group(2)}s"
    return f"between {low_text} and {high_text}"


def describe_metric(row, norms=None):
    """Plain English for a metric: '14 minutes (between 13 and 15 minutes), 0.01 % of Project Zero's 90 days'."""
    nominal, low, high, is_open = _figures(row)
    text = timemath.format_duration(nominal)
    if is_open:
        text = f"open: {text} so far"
    if timemath.format_duration(low) != timemath.format_duration(high):
        text += f" ({range_text(low, high)})"
    metric = row["metric"] if isinstance(row, dict) else row.metric
    comparisons = norm_comparisons(row, metric, norms)
    if comparisons:
        first = comparisons[0]
        name = SHORT_NORM_NAMES.get(first["norm"].slug, first["norm"].name)
        text += (
            f", {format_percent(first['share'])} of {name}'s {timemath.format_duration(first['norm'].window_seconds)}"
        )
    return text
