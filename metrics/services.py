"""Disclosure-window metrics (time-and-metrics.md §3-§5): per incident, aggregated, against norms.

The services here are what the Celery tasks, the management command and the admin
call. A recompute reads each incident's events, computes its figures with
`figures.compute_incident`, and writes only the figures that changed: for each
incident and view an IncidentMetricSet row keeps a digest of the figures last
written (see `figures_digest`), so an unchanged incident costs no write and no
read of its stored figures. Open figures, whose seconds grow with time, are moved
on in place by one UPDATE per batch.

A full run works in batches of BATCH_SIZE incidents (a primary-key range each),
each in one transaction that first locks its incident rows (`SELECT ... FOR
UPDATE` on PostgreSQL, in primary-key order so two batches never deadlock), then
reads and writes. Two recomputations of one incident are therefore serialised,
and each computes from the events committed when it got the lock: whatever the
interleaving, the rows left are those of the latest data. The aggregates are
rebuilt under a PostgreSQL advisory lock for the same reason. SQLite serialises
writers itself (a loser gets "database is locked" and the task retries);
production runs on PostgreSQL.

docs/methodology.md §6 explains the choices in plain language.
"""

import hashlib
import logging
import time
from collections import defaultdict
from datetime import timedelta
from itertools import groupby
from operator import attrgetter

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from claims.models import Claim, Response
from disclosure.choices import IncidentStatus, PublicationStatus
from disclosure.models import Event, Incident, Participant

from .figures import (
    KINDS,
    METRICS,
    NO_NOTICE,
    PUBLISHING,
    REPORTER_DIMENSION,
    compute_incident,
    direction_for,
    norm_outcome,
    norms_for,
    notice_by_reporter,
    quantile,
    summarise,
)
from .models import (
    IncidentMetric,
    IncidentMetricSet,
    MetricAggregate,
    MetricView,
    MissedRecompute,
    Norm,
    RecomputeRun,
    ReporterNotice,
    ResponseAggregate,
)
from .signals import figures_changed

logger = logging.getLogger(__name__)
COUNTING_KINDS = frozenset(KINDS)  # the kinds the figures are computed from

BATCH_SIZE = 2000  # incidents per transaction of a full run (and per step of its progress)
_LOCK_AGGREGATES = 731_003  # an arbitrary constant naming this project's aggregates lock
_FIGURE_FIELDS = ["nominal_seconds", "min_seconds", "max_seconds", "open", "start_event", "end_event"]


# --- digests -----------------------------------------------------------------------


def digest(value):
    """A signed 64-bit digest of `value` (nested tuples and lists of ints, strings and None).

    BLAKE2b of its repr: the same in every process and under every PYTHONHASHSEED,
    so it can be stored and compared by later runs. The one digest of this module:
    for an incident's figures and for the inputs of the aggregates.
    """
    return int.from_bytes(hashlib.blake2b(repr(value).encode(), digest_size=8).digest(), "big", signed=True)


def figures_digest(figures, year, as_of=None, notices=None, first=None):
    """The digest of an incident's figures in one view ({metric: Figure}), as IncidentMetricSet stores it.

    It covers everything stored but the seconds of an open figure that runs to the
    time of computation: those advance with time and are moved on in place (see
    `_advance_open_figures`). An open figure that stops at the incident's
    `followed_until` (`as_of`) has fixed seconds, so they are covered. `notices`
    ({organisation id: Figure or NO_NOTICE}, §4.2) are covered in full, and so is `first`,
    the (event id, nominal instant) the incident is listed under.
    """
    value = (
        year,
        as_of,
        [
            (metric, figure.start_event_id) if figure.open and as_of is None else (metric, *figure)
            for metric, figure in figures.items()
        ],
    )
    if notices:
        value += (sorted((actor, None if f is NO_NOTICE else tuple(f)) for actor, f in notices.items()),)
    if first is not None:
        value += ((first[0], first[1].isoformat()),)
    return digest(value)


# --- per-incident recomputation (one batch at a time) ------------------------------


def computation_time(now=None):
    """The instant a recompute computes as of: `now` (default: the clock) in whole seconds.

    Whole seconds make an open figure's advance exact (see `_advance_open_figures`);
    a figure is stated in whole seconds anyway.
    """
    return (now or timezone.now()).replace(microsecond=0)


def event_rows(**filters):
    """The events a recompute reads: named rows in (incident, nominal, position, id) order.

    bench/recompute.py times its floor on this very query.
    """
    # Every kind, not only the counting ones: the earliest event of any kind is the date an
    # incident is listed under (IncidentMetricSet.started_at); `_compute` keeps the counting ones
    # for the figures.
    return (
        Event.objects.filter(**filters)
        .order_by("incident_id", "nominal", "position", "id")
        .values_list("incident_id", "id", "kind", "position", "lo", "hi", "nominal", "status", "actor_id", named=True)
    )


def _lock_incidents(first_id, last_id, now):
    """Lock the incidents of a primary-key range, in pk order (PostgreSQL; SQLite ignores it).

    Returns {id: (followed_until_hi or None, vendor id, time zone)}, the ids of those public at `now`
    (public figures exist only for public incidents, by the rule of `Incident.objects.public()`),
    and {id: the stored listed_at}.
    """
    public = Incident.objects.public(now).filter(pk=OuterRef("pk"))
    rows = (
        Incident.objects.filter(pk__gte=first_id, pk__lte=last_id)
        .order_by("pk")
        .select_for_update(of=("self",))
        .annotate(is_public=Exists(public))
        .values_list("pk", "is_public", "followed_until_hi", "vendor_id", "timezone", "listed_at")
    )
    rows = list(rows)
    # followed_until_hi: the instant open figures run to when the newsroom stopped following the story
    locked = {pk: (hi, vendor_id, tz) for pk, _, hi, vendor_id, tz, _ in rows}
    listed_at = {pk: value for pk, *_, value in rows}
    return locked, {pk for pk, is_public, *_ in rows if is_public}, listed_at


def _stored_digests(in_range):
    """{(incident_id, view): digest} of the range's sets, None where its rows are not all there.

    The digests vouch for the stored figures, the number of stored rows for their
    being all there: when the range holds as many rows as its sets say (one COUNT),
    an unchanged digest means unchanged rows. Otherwise (a row deleted or added
    behind the recompute's back) the rows are counted per incident and view, and a
    digest whose count is off is forgotten, so those figures are written again, or
    deleted if none are computed.
    """
    sets = IncidentMetricSet.objects.filter(**in_range).values_list("incident_id", "view", "digest", "rows", named=True)
    sets = {(row.incident_id, row.view): row for row in sets}
    known = {key: row.digest for key, row in sets.items()}
    if IncidentMetric.objects.filter(**in_range).count() != sum(row.rows for row in sets.values()):
        counts = (
            IncidentMetric.objects.filter(**in_range)
            .values("incident_id", "view")
            .annotate(n=Count("id"))
            .values_list("incident_id", "view", "n")
        )
        counted = {(incident_id, view): n for incident_id, view, n in counts}
        for key in sets.keys() | counted.keys():
            if counted.get(key, 0) != (sets[key].rows if key in sets else 0):
                known[key] = None
    return known


def _compute(first_id, last_id, locked, public, now):
    """{(incident_id, view): (figures, year, notices, first)} for the locked incidents of the range that have events.

    `notices` are the per-reporter notices (§4.2, `figures.notice_by_reporter`, the
    vendor left out), `first` the view's earliest event of any kind, as (id, nominal):
    the date the incident is listed under. Public figures exist only for public
    incidents and only from published events: the rule of Event.objects.public(),
    applied to this one read (a test holds them equal).
    """
    computed = {}
    events = event_rows(incident_id__gte=first_id, incident_id__lte=last_id)

    def compute(group, as_of, vendor_id, tz):
        first = (group[0].id, group[0].nominal)  # rows come in (nominal, position, id) order
        counting = [event for event in group if event.kind in COUNTING_KINDS]
        if not counting:
            return {}, None, {}, first
        figures, year = compute_incident(counting, now, followed_until_hi=as_of, tz=tz)
        return figures, year, notice_by_reporter(counting, vendor=vendor_id), first

    for incident_id, group in groupby(events, key=attrgetter("incident_id")):
        if incident_id not in locked:  # created in the range after the lock: its own recompute will come
            continue
        group = list(group)
        as_of, vendor_id, tz = locked[incident_id]
        staff = computed[(incident_id, MetricView.STAFF)] = compute(group, as_of, vendor_id, tz)
        if incident_id in public:
            visible = [event for event in group if event.status == PublicationStatus.PUBLISHED]
            if len(visible) == len(group):
                computed[(incident_id, MetricView.PUBLIC)] = staff
            elif visible:
                computed[(incident_id, MetricView.PUBLIC)] = compute(visible, as_of, vendor_id, tz)
    return computed


def _sync_listed_at(computed, stored):
    """Set each locked incident's `listed_at` to its public set's first instant, where it differs.

    Compared with the stored value, not only written with a changed set: an incident saved
    whole from a copy read before the last recompute may have put an older value back, and
    its digest (which `listed_at` is not part of) would then not say so.
    """
    wanted = {
        incident_id: (
            computed[(incident_id, MetricView.PUBLIC)][3][1] if (incident_id, MetricView.PUBLIC) in computed else None
        )
        for incident_id in stored
    }
    stale = [Incident(pk=pk, listed_at=value) for pk, value in wanted.items() if stored[pk] != value]
    if stale:
        # bulk_update: a derived column, written without a history record or a new updated_at.
        Incident.objects.bulk_update(stale, ["listed_at"], batch_size=500)


def _pairs(keys):
    """A filter for the rows of these (incident_id, view) pairs."""
    by_view = defaultdict(list)
    for incident_id, view in keys:
        by_view[view].append(incident_id)
    where = Q(pk__in=[])
    for view, incidents in by_view.items():
        where |= Q(view=view, incident_id__in=incidents)
    return where


def _advance_open_figures(first_id, last_id, now):
    """Move the range's open figures computed before `now` on to `now`, without reading them.

    An open figure runs from its start's bounds to the time of computation (§4). The
    recompute computes as of whole seconds, so moving that time on by d whole seconds
    moves nominal, min and max by exactly d: the stored figure plus the seconds since
    its computed_at is what a computation from scratch gives (a test holds them equal).
    One UPDATE per distinct computed_at: in the hourly steady state, one (the last
    run's), plus one per incident recomputed on its own since. Figures computed at or
    after `now` (by a later per-incident run) are left alone.
    """
    stale = IncidentMetric.objects.filter(
        open=True,
        incident_id__gte=first_id,
        incident_id__lte=last_id,
        computed_at__lt=now,
        # those stopped at the incident's followed_until do not move (§4.1)
        incident__followed_until_hi__isnull=True,
    )
    moved = 0
    for computed_at in stale.order_by().values_list("computed_at", flat=True).distinct():
        seconds = (now - computed_at) // timedelta(seconds=1)
        moved += stale.filter(computed_at=computed_at).update(
            nominal_seconds=F("nominal_seconds") + seconds,
            min_seconds=F("min_seconds") + seconds,
            max_seconds=F("max_seconds") + seconds,
            computed_at=now,
        )
    return moved


def _send_figures_changed():
    """After the commit, so that no reader caches a page of the old figures under a new stamp."""
    figures_changed.send(sender=None)


def _recompute_batch(first_id, last_id, *, now):
    """Recompute both views of the incidents with ids in [first_id, last_id], in one transaction.

    Lock the incidents; read the stored digests and the events; compute every figure;
    for the incidents and views whose digest changed, upsert their rows and delete the
    rows they no longer have (and the sets of those computed no more); move the open
    figures of the others on. A fixed handful of statements whatever the batch size
    (bulk_create splits its INSERT at SQLite's 999 parameters). Returns counters.
    """
    counters = {"incidents": 0, "written": 0, "deleted": 0, "unchanged": 0}
    with transaction.atomic():
        locked, public, listed_at = _lock_incidents(first_id, last_id, now)
        if not locked:
            return counters
        in_range = {"incident_id__gte": first_id, "incident_id__lte": last_id}
        known = _stored_digests(in_range)
        computed = _compute(first_id, last_id, locked, public, now)

        changed, unchanged = {}, 0
        for key, (figures, year, notices, first) in computed.items():
            value = figures_digest(figures, year, locked[key[0]][0], notices, first)
            if known.get(key) == value:
                unchanged += len(figures)
            else:
                changed[key] = (figures, year, value, notices, first)
        gone = known.keys() - computed.keys()  # with a set or rows, computed no more

        # A changed incident and view gets all its rows written (upserted: each keeps its
        # id); the rows it no longer has, and those of one that is gone, are deleted. Only
        # these few stored rows are read.
        rows = [
            IncidentMetric(
                incident_id=incident_id,
                view=view,
                metric=metric,
                nominal_seconds=figure.nominal_seconds,
                min_seconds=figure.min_seconds,
                max_seconds=figure.max_seconds,
                open=figure.open,
                start_event_id=figure.start_event_id,
                end_event_id=figure.end_event_id,
                computed_at=now,
            )
            for (incident_id, view), (figures, *_) in changed.items()
            for metric, figure in figures.items()
        ]
        stale = []
        revisited = gone | (changed.keys() & known.keys())
        if revisited:
            keep = {(row.incident_id, row.view, row.metric) for row in rows}
            old = IncidentMetric.objects.filter(_pairs(revisited)).values_list("pk", "incident_id", "view", "metric")
            stale = [pk for pk, *key in old if tuple(key) not in keep]
            if stale:
                IncidentMetric.objects.filter(pk__in=stale).delete()
        if gone:
            IncidentMetricSet.objects.filter(_pairs(gone)).delete()
        # The notices of a changed or gone incident and view are few: replaced whole.
        if changed or gone:
            ReporterNotice.objects.filter(_pairs(changed.keys() | gone)).delete()
        ReporterNotice.objects.bulk_create(
            [
                ReporterNotice(
                    incident_id=incident_id,
                    view=view,
                    organization_id=organization_id,
                    no_notice=notice is NO_NOTICE,
                    nominal_seconds=None if notice is NO_NOTICE else notice.nominal_seconds,
                    min_seconds=None if notice is NO_NOTICE else notice.min_seconds,
                    max_seconds=None if notice is NO_NOTICE else notice.max_seconds,
                    start_event_id=None if notice is NO_NOTICE else notice.start_event_id,
                    end_event_id=None if notice is NO_NOTICE else notice.end_event_id,
                    computed_at=now,
                )
                for (incident_id, view), (_, _, _, notices, _) in changed.items()
                for organization_id, notice in notices.items()
            ]
        )
        IncidentMetric.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["incident", "view", "metric"],
            update_fields=[*_FIGURE_FIELDS, "computed_at"],
        )
        IncidentMetricSet.objects.bulk_create(
            [
                IncidentMetricSet(
                    incident_id=incident_id,
                    view=view,
                    digest=value,
                    rows=len(figures),
                    year=year,
                    first_event_id=first[0],
                    started_at=first[1],
                    computed_at=now,
                )
                for (incident_id, view), (figures, year, value, _, first) in changed.items()
            ],
            update_conflicts=True,
            unique_fields=["incident", "view"],
            update_fields=["digest", "rows", "year", "first_event", "started_at", "computed_at"],
        )
        _sync_listed_at(computed, listed_at)
        advanced = _advance_open_figures(first_id, last_id, now)
        if changed or gone or advanced:  # an open figure moved on is a change a page shows too
            transaction.on_commit(_send_figures_changed)
    return {
        "incidents": len(locked),
        "written": len(rows) + advanced,
        "deleted": len(stale),
        "unchanged": unchanged - advanced,
    }


def incident_metrics_recompute(*, incident_id, now=None):
    """Recompute both views of one incident's metrics; a deleted incident leaves nothing to do."""
    return _recompute_batch(incident_id, incident_id, now=computation_time(now))


def metrics_recompute_all(*, progress=None, run=None, now=None):
    """Recompute every incident's metrics, then the aggregates; return a summary.

    `progress(done, total)` is called after each batch; `run` (a RecomputeRun, e.g.
    one the admin created) records the progress for others to watch.
    """
    started = time.perf_counter()
    now = computation_time(now)
    if run is None:
        run = RecomputeRun.objects.create(kind=RecomputeRun.Kind.FULL)
    ids = list(Incident.objects.order_by("pk").values_list("pk", flat=True))
    RecomputeRun.objects.filter(pk=run.pk).update(
        state=RecomputeRun.State.RUNNING, started_at=now, heartbeat_at=timezone.now(), total=len(ids), done=0
    )
    totals = {"incidents": 0, "written": 0, "deleted": 0, "unchanged": 0}
    try:
        for offset in range(0, len(ids), BATCH_SIZE):
            batch = ids[offset : offset + BATCH_SIZE]
            for key, value in _recompute_batch(batch[0], batch[-1], now=now).items():
                totals[key] += value
            done = offset + len(batch)
            RecomputeRun.objects.filter(pk=run.pk).update(done=done, heartbeat_at=timezone.now())
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


# --- aggregates ---------------------------------------------------------------------


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

    Everything the aggregates depend on is read first, in a fixed order, and digested
    (its "fingerprint"). With `skip_if_unchanged` (the periodic full run, and the
    follow-up of a change), an aggregate table is left as it is when the last rebuild
    saw the same fingerprint and its rows are all still there: in the hourly steady
    state only open figures advance, and open figures enter the aggregates only as
    counts and as the norms' outcomes (pending until decided), which the fingerprint
    covers. Returns a summary with the fingerprints, which the caller's RecomputeRun keeps.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_AGGREGATES])
        # Retracted incidents stay readable but are left out of the public figures researchers
        # cite. The per-incident figures enter through their IncidentMetricSet rows, each of
        # which changes whenever a row it describes does (but for an open figure's seconds,
        # which the aggregates do not use); the sets also carry each incident's year.
        vendors = list(Incident.objects.order_by("pk").values_list("pk", "vendor_id"))
        public = list(
            Incident.objects.public(now)
            .exclude(status=IncidentStatus.RETRACTED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # The discoverers make the reporter groups of the discovery metrics; the publishing
        # reporters of the notice come with their ReporterNotice rows, which the sets' digests cover.
        reporters = list(
            Participant.objects.filter(role="discoverer")
            .order_by("incident_id", "organization_id")
            .values_list("incident_id", "organization_id")
            .distinct()
        )
        sets = list(
            IncidentMetricSet.objects.order_by("incident_id", "view").values_list(
                "incident_id", "view", "digest", "year"
            )
        )
        norms = list(Norm.objects.order_by("pk"))
        # An open figure enters the norms' counts with its outcome (pending, or decided once
        # its lower bound passes a window), which its advancing seconds can change: the
        # outcomes, not the seconds, are part of the fingerprint.
        open_outcomes = _open_outcomes(norms)
        # The claims' and responses' columns that `Claim.objects.public()` and
        # `with_vendor_stance()` read: with the vendors and the public set, all the response
        # aggregates depend on.
        claims = list(Claim.objects.order_by("pk").values_list("pk", "incident_id", "status"))
        responses = list(
            Response.objects.order_by("pk").values_list(
                "pk", "claim_id", "responder_id", "stance", "status", "position"
            )
        )
        fingerprint = digest(
            (
                vendors,
                public,
                reporters,
                sets,
                [(norm.metric, norm.slug, norm.window_seconds) for norm in norms],
                open_outcomes,
            )
        )
        responses_fingerprint = digest((vendors, public, claims, responses))

        last = _last_rebuild() if skip_if_unchanged else {}
        if (
            last.get("responses_fingerprint") == responses_fingerprint
            and last.get("response_aggregate_rows") == ResponseAggregate.objects.count()
        ):
            response_rows = last["response_aggregate_rows"]
            summary = {"response_aggregates": "unchanged", "response_aggregate_rows": response_rows}
        else:
            response_rows = _rebuild_response_aggregates(now)
            summary = {"response_aggregates": response_rows, "response_aggregate_rows": response_rows}
        summary.update(fingerprint=fingerprint, responses_fingerprint=responses_fingerprint)
        if last.get("fingerprint") == fingerprint and last.get("aggregate_rows") == MetricAggregate.objects.count():
            return {"aggregates": "unchanged", "aggregate_rows": last["aggregate_rows"], **summary}

        count = _rebuild_metric_aggregates(now, vendors, set(public), reporters, sets, norms)
    return {"aggregates": count, "aggregate_rows": count, **summary}


def _open_outcomes(norms):
    """[(incident, view, metric, [outcome per norm that applies])] of the open figures, in a fixed order."""
    norms_of = {metric: norms_for(metric, norms) for metric in METRICS}
    figures = (
        IncidentMetric.objects.filter(open=True)
        .order_by("incident_id", "view", "metric")
        .values_list("incident_id", "view", "metric", "min_seconds", named=True)
    )
    return [
        (
            f.incident_id,
            f.view,
            f.metric,
            [
                norm_outcome(f.min_seconds, f.min_seconds, n.window_seconds, direction_for(n, f.metric), True)
                for n in norms_of.get(f.metric, ())
            ],
        )
        for f in figures
    ]


def _rebuild_metric_aggregates(now, vendors, public, discoverers, sets, norms):
    """Summarise the stored figures per view, group and metric afresh; return how many rows that makes.

    An incident's groups in a view: overall, its vendor, and its year (when it has
    one); for the discovery metrics also each of its discoverers. The reporter groups
    of the notice (§6) summarise each publishing reporter's own notice (the stored
    ReporterNotice rows), those with no notice counted apart. Public groups count
    public, unretracted incidents only.
    """
    vendor_of = dict(vendors)
    reporters_of = defaultdict(list)
    for incident_id, organization_id in discoverers:
        reporters_of[incident_id].append(organization_id)
    year_of = {(incident_id, view): year for incident_id, view, _, year in sets}
    # A norm counts for each metric it applies to (`figures.norms_for`), in its direction there.
    norms_of = {metric: norms_for(metric, norms) for metric in METRICS}

    groups_of = {}  # (incident_id, view) -> [(view, dimension, organization_id, year)]

    def groups(incident_id, view, metric):
        key = (incident_id, view)
        if key not in groups_of:
            found = [(view, "overall", None, None), (view, "vendor", vendor_of[incident_id], None)]
            if year_of.get(key) is not None:
                found.append((view, "year", None, year_of[key]))
            groups_of[key] = found
        if REPORTER_DIMENSION.get(metric) == "discoverer":
            return groups_of[key] + [(view, "reporter", org, None) for org in reporters_of[incident_id]]
        return groups_of[key]

    # Each group gathers [nominals, minima, maxima, open minima], as `summarise` takes it; the
    # figures come in nominal order, so each group's nominals are sorted as they arrive. Open
    # figures enter the norms' counts (pending unless decided), never the medians.
    gathered = defaultdict(lambda: [[], [], [], []])
    figures = IncidentMetric.objects.order_by("nominal_seconds").values_list(
        "incident_id", "view", "metric", "open", "nominal_seconds", "min_seconds", "max_seconds", named=True
    )
    for figure in figures:
        if figure.view == MetricView.PUBLIC and figure.incident_id not in public:
            continue
        for group in groups(figure.incident_id, figure.view, figure.metric):
            summary = gathered[(*group, figure.metric)]
            if figure.open:
                summary[3].append(figure.min_seconds)
            else:
                summary[0].append(figure.nominal_seconds)
                summary[1].append(figure.min_seconds)
                summary[2].append(figure.max_seconds)

    # Each publishing reporter's own notice (§4.2, §6): its figure, or a count of "no notice".
    no_notice = defaultdict(int)
    notice_metric = next(m for m, who in REPORTER_DIMENSION.items() if who == PUBLISHING)
    notices = ReporterNotice.objects.order_by("nominal_seconds", "incident_id", "organization_id").values_list(
        "incident_id", "view", "organization_id", "no_notice", "nominal_seconds", "min_seconds", "max_seconds"
    )
    for incident_id, view, organization_id, none_given, nominal, low, high in notices:
        if view == MetricView.PUBLIC and incident_id not in public:
            continue
        key = (view, "reporter", organization_id, None, notice_metric)
        if none_given:
            no_notice[key] += 1
            gathered[key]  # the group exists even when none of its reporters gave notice
        else:
            summary = gathered[key]
            summary[0].append(nominal)
            summary[1].append(low)
            summary[2].append(high)

    aggregates = [
        MetricAggregate(
            view=view,
            dimension=dimension,
            organization_id=organization_id,
            year=year,
            metric=metric,
            computed_at=now,
            **summarise(summary, norms_of.get(metric, ()), metric, no_notice.get(key, 0)),
        )
        for key, summary in gathered.items()
        for (view, dimension, organization_id, year, metric) in [key]
    ]
    MetricAggregate.objects.all().delete()
    MetricAggregate.objects.bulk_create(aggregates, batch_size=BATCH_SIZE)
    transaction.on_commit(_send_figures_changed)
    return len(aggregates)


def _rebuild_response_aggregates(now):
    """Count the vendors' current stances on the claims afresh; return how many rows that makes."""
    rows = []
    for view in MetricView.values:
        if view == MetricView.PUBLIC:
            claims = (
                Claim.objects.public(now)
                .exclude(incident__status=IncidentStatus.RETRACTED)
                .with_vendor_stance(public=True)
            )
        else:
            claims = Claim.objects.with_vendor_stance(public=False)
        # §6: the time from a claim's assertion to the vendor's first response (by nominal
        # instants, in the view's responses), for the claims that have both.
        vendor_responses = Response.objects.filter(claim=OuterRef("pk"), responder=OuterRef("incident__vendor"))
        if view == MetricView.PUBLIC:
            vendor_responses = vendor_responses.filter(status=PublicationStatus.PUBLISHED)
        first = vendor_responses.filter(nominal__isnull=False).order_by("nominal", "id").values("nominal")[:1]
        counts = defaultdict(lambda: defaultdict(int))
        delays = defaultdict(list)
        rows_read = claims.annotate(first_response=Subquery(first)).values_list(
            "incident__vendor_id", "vendor_stance", "nominal", "first_response"
        )
        for vendor_id, stance, asserted, answered in rows_read:
            counts[vendor_id][stance] += 1
            counts[None][stance] += 1
            if asserted is not None and answered is not None:
                seconds = (answered - asserted).total_seconds()
                delays[vendor_id].append(seconds)
                delays[None].append(seconds)
        for organization_id, stances in counts.items():
            answered = sorted(delays[organization_id])
            rows.append(
                ResponseAggregate(
                    view=view,
                    organization_id=organization_id,
                    claims=sum(stances.values()),
                    stance_counts=dict(sorted(stances.items())),
                    responded=len(answered),
                    median_response_seconds=quantile(answered, 0.5),
                    computed_at=now,
                )
            )
    ResponseAggregate.objects.all().delete()
    ResponseAggregate.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    transaction.on_commit(_send_figures_changed)
    return len(rows)


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


#: A running run that shows no sign of life for this long lost its worker (a batch takes seconds).
STALE_RUN_AFTER = timedelta(minutes=10)
STALE_RUN_MESSAGE = (
    "The worker running this recompute stopped (no progress for 10 minutes). Nothing was half-written: "
    "each batch commits whole. The broker hands the task to another worker, or start it again."
)


def recompute_runs_fail_stale(*, now=None):
    """Mark running runs whose worker died (no heartbeat for STALE_RUN_AFTER) as failed; return how many.

    A `kill -9` leaves its run "running" forever otherwise. If the task is redelivered (the broker's
    visibility timeout), the new attempt sets the same run running again and completes it.
    """
    now = now or timezone.now()
    stale = RecomputeRun.objects.filter(state=RecomputeRun.State.RUNNING).filter(
        Q(heartbeat_at__lt=now - STALE_RUN_AFTER) | Q(heartbeat_at__isnull=True, started_at__lt=now - STALE_RUN_AFTER)
    )
    return stale.update(state=RecomputeRun.State.FAILED, finished_at=now, summary={"error": STALE_RUN_MESSAGE})


# --- recomputes missed while the broker was down -----------------------------------


def recompute_missed_note(*, incident_id, now=None):
    """Note that an incident's recompute could not be queued (the broker is down); return True if noted.

    Called after the write committed, so it must not fail that write's answer: a note
    for an incident deleted meanwhile, or a database error, is logged and dropped (the
    hourly full recompute remains the safety net). A second note for the same incident
    renews the first (its `missed_at`), which the sweep then leaves for its next round.
    """
    try:
        with transaction.atomic():
            if not Incident.objects.filter(pk=incident_id).exists():
                return False
            MissedRecompute.objects.bulk_create(
                [MissedRecompute(incident_id=incident_id, missed_at=now or timezone.now())],
                update_conflicts=True,
                unique_fields=["incident"],
                update_fields=["missed_at"],
            )
    except Exception:  # noqa: BLE001 - the write that asked has committed and must be answered
        logger.exception("could not note the missed recompute of incident %s", incident_id)
        return False
    return True


def recompute_missed_sweep(*, now=None):
    """Recompute each incident whose recompute was missed, then the aggregates once; return a summary.

    Run every minute by celery beat (metrics.tasks.recompute_missed), so figures catch up
    within about a minute of the broker's return. Each note is removed in the transaction
    that recomputes its incident, and only if it has not been renewed since it was read: a
    note made during the sweep (the broker failing again) stays for the next round, and a
    recompute that fails rolls its note's removal back.
    """
    notes = list(MissedRecompute.objects.order_by("missed_at", "pk").values_list("pk", "incident_id", "missed_at"))
    summary = {"incidents": 0, "failed": 0}
    if not notes:
        return summary
    for pk, incident_id, missed_at in notes:
        try:
            with transaction.atomic():
                MissedRecompute.objects.filter(pk=pk, missed_at=missed_at).delete()
                incident_metrics_recompute(incident_id=incident_id, now=now)
        except Exception:  # noqa: BLE001 - one incident's failure must not hold back the others
            logger.exception("missed recompute of incident %s failed; its note stays", incident_id)
            summary["failed"] += 1
        else:
            summary["incidents"] += 1
    if summary["incidents"]:
        rebuilt = aggregates_recompute_if_stale(requested_at=timezone.now())
        summary["aggregates"] = rebuilt["aggregates"] if rebuilt else "fresh"
    return summary
