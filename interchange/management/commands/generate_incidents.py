"""Generate realistic, reproducible incidents in bulk, for load checks and the benchmark.

Rows are written with `bulk_create`, bypassing the services on purpose: the point
is to write thousands of incidents in seconds, and enqueueing one metrics task per
incident would defeat that. Reported times still go through `timemath`, so the
derived lo/hi/nominal columns are exactly what the services would store, and the
metrics are recomputed once, set-based, at the end.
"""

import random
import time
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from claims.models import Claim, ClaimCitation, Response, ResponseCitation, Stance
from disclosure import timemath
from disclosure.models import (
    DataClass,
    Event,
    EventCitation,
    ExposedData,
    Incident,
    Organization,
    Participant,
    Source,
)

TIMEZONES = ["America/Los_Angeles", "America/New_York", "Europe/Berlin", "Europe/London", "Asia/Tokyo", "UTC"]

# (kind, typical delay after the previous step in hours, chance the step is recorded at all)
STORY = [
    ("exposure_started", 0, 1.0),
    ("discovered", 24 * 120, 0.9),
    ("vendor_notified", 24 * 7, 0.95),
    ("vendor_acknowledged", 24 * 2, 0.7),
    ("published", 24 * 30, 1.0),
    ("vendor_aware", 6, 0.4),
    ("remediated", 24 * 3, 0.85),
    ("vendor_statement", 24, 0.6),
    ("users_notified", 24 * 10, 0.4),
    ("regulator_notified", 24 * 3, 0.3),
]
EXTRA_KINDS = ["other", "published", "remediated", "vendor_statement", "other"]
STANCES = [s.value for s in Stance]
BATCH = 2000


def _format(local, precision):
    if precision == "year":
        return f"{local:%Y}"
    if precision == "month":
        return f"{local:%Y-%m}"
    if precision == "day":
        return f"{local:%Y-%m-%d}"
    if precision == "second":
        return f"{local:%Y-%m-%dT%H:%M:%S}"
    return f"{local:%Y-%m-%dT%H:%M}"  # minute and hour


class Generator:
    def __init__(self, *, seed, prefix, events_per_incident):
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.events_per_incident = events_per_incident

    def time_fields(self, when_utc, tz, kind):
        """A reported time for an instant, with a precision and hedging typical of the kind."""
        rng = self.rng
        if kind in ("exposure_started", "remediated"):
            precision = rng.choices(["day", "month", "minute"], [0.75, 0.1, 0.15])[0]
        elif kind in ("vendor_notified", "published", "vendor_acknowledged"):
            precision = rng.choices(["minute", "day", "second", "hour"], [0.6, 0.3, 0.05, 0.05])[0]
        else:
            precision = rng.choices(["day", "minute", "hour"], [0.6, 0.3, 0.1])[0]
        approximate = rng.random() < 0.15
        local = when_utc.astimezone(timemath.get_zone(tz)).replace(tzinfo=None)
        if precision == "hour":
            local = local.replace(minute=0)
        at = _format(local, precision)
        iv = timemath.interval(at, precision, approximate, tz)
        return {
            "at": at,
            "precision": precision,
            "approximate": approximate,
            "lo": iv.lo,
            "hi": iv.hi,
            "nominal": iv.nominal,
        }

    def story(self, start):
        """The kinds and instants of one incident's timeline, in order."""
        rng = self.rng
        steps = []
        when = start
        for kind, delay_hours, chance in STORY:
            when = when + timedelta(hours=rng.expovariate(1 / delay_hours) if delay_hours else 0)
            if kind in ("exposure_started", "published") or rng.random() < chance:
                steps.append((kind, when))
        while len(steps) < self.events_per_incident:
            kind = rng.choice(EXTRA_KINDS)
            steps.append((kind, steps[-1][1] + timedelta(hours=rng.expovariate(1 / 48))))
        return steps[: self.events_per_incident]


class Command(BaseCommand):
    help = "Generate published-looking incidents with events, claims, responses and citations (bulk, reproducible)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--incidents",
            "--count",
            type=int,
            default=1000,
            help="How many incidents (bench/pages.py loads 100 and 10,000; --sizes asks for others, e.g. 100000).",
        )
        parser.add_argument("--events-per-incident", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prefix", default="gen", help="Slug prefix of generated records.")
        parser.add_argument("--no-metrics", action="store_true", help="Do not recompute metrics at the end.")

    def handle(self, *args, incidents, events_per_incident, seed, prefix, no_metrics, **options):
        stem = f"{prefix}-{seed}"
        if Incident.objects.filter(slug__startswith=f"{stem}-").exists():
            raise CommandError(f"Incidents with the prefix {stem!r} exist already; choose another --seed or --prefix.")
        started = time.perf_counter()
        with transaction.atomic():
            counts = generate(
                incidents=incidents, events_per_incident=events_per_incident, seed=seed, stem=stem, out=self.stdout
            )
        self.stdout.write(
            f"Generated {counts['incidents']} incidents, {counts['events']} events, {counts['claims']} claims "
            f"in {time.perf_counter() - started:.1f} s."
        )
        if connection.vendor == "postgresql":
            # After a bulk load PostgreSQL's planner still believes the tables hold a handful of rows
            # (a sitemap query once took 300 s instead of 1): refresh its statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if not no_metrics:
            from metrics.services import metrics_recompute_all

            started = time.perf_counter()
            summary = metrics_recompute_all()
            self.stdout.write(f"Recomputed metrics in {time.perf_counter() - started:.1f} s: {summary}")


def generate(*, incidents, events_per_incident, seed, stem, out=None):
    """Write the records; return counts. Runs inside the caller's transaction."""
    gen = Generator(seed=seed, prefix=stem, events_per_incident=events_per_incident)
    rng = gen.rng
    n_vendors = max(5, incidents // 20)
    n_researchers = max(5, incidents // 100)
    orgs = (
        [Organization(slug=f"{stem}-vendor-{i}", name=f"Vendor {stem} {i}", kind="vendor") for i in range(n_vendors)]
        + [
            Organization(slug=f"{stem}-researcher-{i}", name=f"Research team {stem} {i}", kind="researcher")
            for i in range(n_researchers)
        ]
        + [Organization(slug=f"{stem}-outlet-{i}", name=f"Outlet {stem} {i}", kind="media") for i in range(10)]
    )
    Organization.objects.bulk_create(orgs, batch_size=BATCH)
    orgs = {o.slug: o for o in Organization.objects.filter(slug__startswith=f"{stem}-")}
    vendors = [orgs[f"{stem}-vendor-{i}"] for i in range(n_vendors)]
    researchers = [orgs[f"{stem}-researcher-{i}"] for i in range(n_researchers)]
    outlets = [orgs[f"{stem}-outlet-{i}"] for i in range(10)]
    data_classes = list(DataClass.objects.all())

    counts = {"incidents": 0, "events": 0, "claims": 0}
    for batch_start in range(0, incidents, BATCH):
        batch = range(batch_start, min(incidents, batch_start + BATCH))
        rows, stories, sources = [], [], []
        for i in batch:
            tz = rng.choice(TIMEZONES)
            start = datetime(2012, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(13 * 365 * 86400))
            status = rng.choices(["published", "draft", "review", "retracted"], [0.9, 0.05, 0.03, 0.02])[0]
            rows.append(
                Incident(
                    slug=f"{stem}-{i}",
                    title=f"Exposed database at {rng.choice(vendors).name} ({i})",
                    summary="A generated incident: a server was left open to the internet.",
                    vendor=rng.choice(vendors),
                    timezone=tz,
                    status=status,
                    retraction_notice="Generated retraction." if status == "retracted" else "",
                    affected_count=rng.choice([None, rng.randrange(100, 10_000_000)]),
                    exposed_system=rng.choice(["Elasticsearch", "MongoDB", "S3 bucket", "Kibana", ""]),
                )
            )
            stories.append(gen.story(start))
            published_at = start + timedelta(days=30)
            sources.append(
                Source(
                    key=f"{stem}-source-{i}",
                    title=f"Report on incident {i}",
                    outlet=rng.choice(outlets),
                    url=f"https://example.org/{stem}/{i}",
                    kind="article",
                    timezone="UTC",
                    **gen.time_fields(published_at, "UTC", "published"),
                )
            )
        Incident.objects.bulk_create(rows, batch_size=BATCH)
        Source.objects.bulk_create(sources, batch_size=BATCH)

        participants, exposed, events, claims = [], [], [], []
        for incident, story, source in zip(rows, stories, sources, strict=True):
            reporter = rng.choice(researchers)
            participants += [
                Participant(incident=incident, organization=incident.vendor, role="vendor", position=0),
                Participant(incident=incident, organization=reporter, role="discoverer", position=1),
                Participant(
                    incident=incident,
                    organization=reporter if rng.random() < 0.7 else source.outlet,
                    role="notifier",
                    position=2,
                ),
                Participant(incident=incident, organization=source.outlet, role="publisher", position=3),
            ]
            for position, data_class in enumerate(rng.sample(data_classes, k=min(2, len(data_classes)))):
                exposed.append(ExposedData(incident=incident, data_class=data_class, position=position))
            for position, (kind, when) in enumerate(story):
                events.append(
                    Event(
                        incident=incident,
                        key=f"e{position}-{kind.replace('_', '-')}",
                        kind=kind,
                        status="draft" if rng.random() < 0.05 else "published",
                        description=f"Generated {kind.replace('_', ' ')} event.",
                        position=position,
                        actor=incident.vendor if kind.startswith("vendor") else reporter,
                        **gen.time_fields(when, incident.timezone, kind),
                    )
                )
            claims.append(
                Claim(
                    incident=incident,
                    key="claim-1",
                    statement="Personal data of customers was exposed.",
                    claimant=reporter,
                    category="data_exposure",
                    status="published" if rng.random() < 0.9 else "draft",
                    position=0,
                    timezone="UTC",
                    **gen.time_fields(story[-1][1], "UTC", "other"),
                )
            )
        Participant.objects.bulk_create(participants, batch_size=BATCH)
        ExposedData.objects.bulk_create(exposed, batch_size=BATCH)
        Event.objects.bulk_create(events, batch_size=BATCH)
        Claim.objects.bulk_create(claims, batch_size=BATCH)

        source_of = {incident.pk: source for incident, source in zip(rows, sources, strict=True)}
        EventCitation.objects.bulk_create(
            [EventCitation(event=e, source=source_of[e.incident_id], quote="as reported") for e in events],
            batch_size=BATCH,
        )
        ClaimCitation.objects.bulk_create(
            [ClaimCitation(claim=c, source=source_of[c.incident_id], quote="the data was open") for c in claims],
            batch_size=BATCH,
        )
        responses = []
        for claim in claims:
            if rng.random() < 0.75:
                incident = claim.incident
                responses.append(
                    Response(
                        claim=claim,
                        responder=incident.vendor,
                        stance=rng.choice(STANCES),
                        statement="A generated vendor response.",
                        status="published" if rng.random() < 0.95 else "draft",
                        position=0,
                        timezone="UTC",
                        **gen.time_fields(claim.nominal + timedelta(days=2), "UTC", "vendor_statement"),
                    )
                )
        Response.objects.bulk_create(responses, batch_size=BATCH)
        ResponseCitation.objects.bulk_create(
            [ResponseCitation(response=r, source=source_of[r.claim.incident_id]) for r in responses],
            batch_size=BATCH,
        )
        counts["incidents"] += len(rows)
        counts["events"] += len(events)
        counts["claims"] += len(claims)
        if out is not None:
            out.write(f"  {counts['incidents']}/{incidents} incidents written")
    return counts
