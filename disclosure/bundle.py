"""Import and export of the incident bundle format (shared/spec/bundle-v1.md).

Import validates the whole document first (JSON Schema, then references,
vocabulary and times), and only then writes, in one transaction: a bundle with
any error writes nothing, and every error names the JSON path of the value at
fault. Records are matched by slug or key and updated in place; a record whose
content is unchanged is not saved again, so a second import changes nothing.

Export writes the same shape. The full export is a backup and includes private
material; the public export reads only through the `public()` selectors and
never includes private notes. Export, import into an empty database and export
again gives the same document.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.utils.dateparse import parse_datetime
from jsonschema import Draft202012Validator

from claims.models import Claim, ClaimCitation, Response, ResponseCitation

from . import services, timemath, timetext
from .models import (
    Correction,
    CorrectionCitation,
    DataClass,
    Event,
    EventCitation,
    ExposedData,
    Incident,
    Organization,
    Participant,
    Source,
)

FORMAT = "disclosure-bundle/1"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "bundle-v1.schema.json"


@lru_cache(maxsize=1)
def schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class BundleProblem:
    path: str
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}" if self.path else self.message


class BundleError(ValueError):
    """The bundle was refused; `problems` lists every located error."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def json_path(parts):
    """['incidents', 0, 'events', 3, 'at'] -> 'incidents[0].events[3].at'."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --- validation ------------------------------------------------------------


def _schema_problems(document):
    validator = Draft202012Validator(schema())
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(BundleProblem(json_path(error.absolute_path), error.message))
    return problems


def _time_problems(time, path, default_tz):
    try:
        timemath.interval(
            time["at"], time["precision"], time.get("approximate", False), time.get("timezone") or default_tz
        )
    except timemath.TimeError as exc:
        return [BundleProblem(f"{path}.at", str(exc))]
    return []


def _semantic_problems(document):
    """Cross-references, vocabulary, uniqueness and times: what a schema cannot say."""
    problems = []
    add = problems.append
    org_slugs = {o["slug"] for o in document["organizations"]}
    known_orgs = org_slugs | set(Organization.objects.values_list("slug", flat=True))
    source_keys = {s["key"] for s in document["sources"]}
    known_sources = source_keys | set(Source.objects.values_list("key", flat=True))
    data_classes = set(DataClass.objects.values_list("slug", flat=True))

    def unique(items, field, path):
        seen = set()
        for i, item in enumerate(items):
            if item[field] in seen:
                add(BundleProblem(f"{path}[{i}].{field}", f"'{item[field]}' appears twice."))
            seen.add(item[field])

    def org(slug, path):
        if slug is not None and slug not in known_orgs:
            add(BundleProblem(path, f"unknown organisation '{slug}': add it to 'organizations'."))

    def citations(items, path, published):
        for i, citation in enumerate(items):
            if citation["source"] not in known_sources:
                add(
                    BundleProblem(f"{path}[{i}].source", f"unknown source '{citation['source']}': add it to 'sources'.")
                )
        if published and not items:
            add(BundleProblem(path, "a published record must cite at least one source."))

    unique(document["organizations"], "slug", "organizations")
    unique(document["sources"], "key", "sources")
    unique(document["incidents"], "slug", "incidents")
    for i, source in enumerate(document["sources"]):
        path = f"sources[{i}]"
        org(source.get("outlet"), f"{path}.outlet")
        if source.get("published"):
            problems.extend(_time_problems(source["published"], f"{path}.published", "UTC"))
        if source.get("published", {}).get("timezone") and not timetext.is_timezone(source["published"]["timezone"]):
            add(BundleProblem(f"{path}.published.timezone", "not an IANA time zone name."))

    for i, incident in enumerate(document["incidents"]):
        path = f"incidents[{i}]"
        tz = incident["timezone"]
        if not timetext.is_timezone(tz):
            add(
                BundleProblem(
                    f"{path}.timezone", f"'{tz}' is not an IANA time zone name (for example 'Europe/Berlin')."
                )
            )
            tz = "UTC"
        if incident.get("embargo_until") and parse_datetime(incident["embargo_until"]) is None:
            add(BundleProblem(f"{path}.embargo_until", "not an ISO 8601 date-time."))
        org(incident["vendor"], f"{path}.vendor")
        for j, participant in enumerate(incident.get("participants", [])):
            org(participant["organization"], f"{path}.participants[{j}].organization")
        for j, exposed in enumerate(incident.get("data_exposed", [])):
            if exposed["data_class"] not in data_classes:
                known = ", ".join(sorted(data_classes))
                add(
                    BundleProblem(
                        f"{path}.data_exposed[{j}].data_class",
                        f"unknown data class '{exposed['data_class']}'; known classes: {known}.",
                    )
                )
        unique(incident.get("data_exposed", []), "data_class", f"{path}.data_exposed")
        unique(incident.get("events", []), "key", f"{path}.events")
        unique(incident.get("claims", []), "key", f"{path}.claims")
        for j, event in enumerate(incident.get("events", [])):
            epath = f"{path}.events[{j}]"
            problems.extend(_time_problems(event["time"], f"{epath}.time", tz))
            org(event.get("actor"), f"{epath}.actor")
            org(event.get("target"), f"{epath}.target")
            citations(event.get("citations", []), f"{epath}.citations", event["status"] == "published")
        for j, claim in enumerate(incident.get("claims", [])):
            cpath = f"{path}.claims[{j}]"
            org(claim["claimant"], f"{cpath}.claimant")
            if claim.get("asserted"):
                problems.extend(_time_problems(claim["asserted"], f"{cpath}.asserted", tz))
            citations(claim.get("citations", []), f"{cpath}.citations", claim["status"] == "published")
            for k, response in enumerate(claim.get("responses", [])):
                rpath = f"{cpath}.responses[{k}]"
                org(response["responder"], f"{rpath}.responder")
                problems.extend(_time_problems(response["time"], f"{rpath}.time", tz))
                published = response.get("status", "published") == "published" and claim["status"] == "published"
                citations(response.get("citations", []), f"{rpath}.citations", published)
        for j, correction in enumerate(incident.get("corrections", [])):
            citations(correction.get("citations", []), f"{path}.corrections[{j}].citations", False)
    return problems


def _nul_problems(value, parts=()):
    """NUL characters anywhere in the document: PostgreSQL cannot store them in text."""
    if isinstance(value, str):
        if "\x00" in value:
            yield BundleProblem(json_path(parts), "text may not contain NUL characters.")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_problems(key, parts)
            yield from _nul_problems(item, (*parts, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_problems(item, (*parts, i))


def validate(document):
    """Return every problem with the document; an empty list means it can be imported."""
    if not isinstance(document, dict):
        return [BundleProblem("", "a bundle is a JSON object.")]
    problems = list(_nul_problems(document)) or _schema_problems(document)
    if problems:
        return problems
    return _semantic_problems(document)


# --- import ----------------------------------------------------------------


def _time_fields(time):
    if not time:
        return {"at": "", "precision": "", "approximate": False, "timezone": ""}
    return {
        "at": time["at"],
        "precision": time["precision"],
        "approximate": time.get("approximate", False),
        "timezone": time.get("timezone", ""),
    }


class _Writer:
    """Writes a validated document. Saves a record only when its content changed."""

    def __init__(self):
        self.orgs = {}
        self.sources = {}
        self.data_classes = {dc.slug: dc for dc in DataClass.objects.all()}
        self.changed_incidents = set()
        self.created = 0
        self.updated = 0

    def save(self, instance, fields, incident_id=None):
        is_new = instance.pk is None
        changed = is_new or any(getattr(instance, k) != v for k, v in fields.items())
        if not changed:
            return instance
        services._assign(instance, fields)
        if is_new:
            self.created += 1
        else:
            self.updated += 1
        if incident_id is not None:
            self.changed_incidents.add(incident_id)
        return instance

    def org(self, slug):
        if slug is None:
            return None
        if slug not in self.orgs:
            self.orgs[slug] = Organization.objects.get(slug=slug)
        return self.orgs[slug]

    def source(self, key):
        if key not in self.sources:
            self.sources[key] = Source.objects.get(key=key)
        return self.sources[key]

    def sync_list(self, existing, items, make, fields_of, incident_id):
        """Match ordered children by position: update in place, create the new, delete the extra."""
        existing = list(existing)
        kept = []
        for i, item in enumerate(items):
            instance = existing[i] if i < len(existing) else make()
            self.save(instance, fields_of(item, i), incident_id)
            kept.append(instance)
        for extra in existing[len(items) :]:
            extra.delete()
            self.changed_incidents.add(incident_id)
        return kept

    def citations(self, record, model, field, items, incident_id):
        self.sync_list(
            record.citations.order_by("position", "id"),
            items,
            lambda: model(**{field: record}),
            lambda c, i: {
                "source": self.source(c["source"]),
                "quote": c.get("quote", ""),
                "locator": c.get("locator", ""),
                "position": i,
            },
            incident_id,
        )

    def keyed(self, queryset, items, make, fields_of, incident_id):
        """Match children by key: update in place, create the new, delete those the bundle no longer has."""
        existing = {obj.key: obj for obj in queryset}
        result = []
        for i, item in enumerate(items):
            instance = existing.pop(item["key"], None) or make()
            self.save(instance, fields_of(item, i), incident_id)
            result.append((instance, item))
        for stale in existing.values():
            stale.delete()
            self.changed_incidents.add(incident_id)
        return result

    def write(self, document):
        for o in document["organizations"]:
            instance = Organization.objects.filter(slug=o["slug"]).first() or Organization()
            self.orgs[o["slug"]] = self.save(
                instance,
                {
                    "slug": o["slug"],
                    "name": o["name"],
                    "kind": o["kind"],
                    "url": o.get("url", ""),
                    "country": o.get("country", ""),
                    "description": o.get("description", ""),
                },
            )
        for s in document["sources"]:
            instance = Source.objects.filter(key=s["key"]).first() or Source()
            self.sources[s["key"]] = self.save(
                instance,
                {
                    "key": s["key"],
                    "title": s["title"],
                    "outlet": self.org(s.get("outlet")),
                    "url": s.get("url", ""),
                    "author": s.get("author", ""),
                    "language": s.get("language", "en"),
                    "kind": s["kind"],
                    **_time_fields(s.get("published")),
                },
            )
        for data in document["incidents"]:
            self.incident(data)

    def incident(self, data):
        instance = Incident.objects.filter(slug=data["slug"]).first() or Incident()
        embargo = data.get("embargo_until")
        incident = self.save(
            instance,
            {
                "slug": data["slug"],
                "title": data["title"],
                "summary": data.get("summary", ""),
                "vendor": self.org(data["vendor"]),
                "timezone": data["timezone"],
                "status": data["status"],
                "embargo_until": parse_datetime(embargo) if embargo else None,
                "affected_count": data.get("affected_count"),
                "affected_count_approximate": data.get("affected_count_approximate", False),
                "exposed_system": data.get("exposed_system", ""),
                "private_notes": data.get("private_notes", ""),
                "retraction_notice": data.get("retraction_notice", ""),
            },
        )
        iid = incident.pk
        self.sync_list(
            incident.participants.order_by("position", "id"),
            data.get("participants", []),
            lambda: Participant(incident=incident),
            lambda p, i: {"organization": self.org(p["organization"]), "role": p["role"], "position": i},
            iid,
        )
        self.sync_list(
            incident.data_exposed.order_by("position", "id"),
            data.get("data_exposed", []),
            lambda: ExposedData(incident=incident),
            lambda d, i: {
                "data_class": self.data_classes[d["data_class"]],
                "affected_count": d.get("affected_count"),
                "affected_count_approximate": d.get("affected_count_approximate", False),
                "position": i,
            },
            iid,
        )
        events = self.keyed(
            incident.events.all(),
            data.get("events", []),
            lambda: Event(incident=incident),
            lambda e, i: {
                "key": e["key"],
                "kind": e["kind"],
                **_time_fields(e["time"]),
                "actor": self.org(e.get("actor")),
                "target": self.org(e.get("target")),
                "channel": e.get("channel", ""),
                "description": e.get("description", ""),
                "status": e["status"],
                "private_notes": e.get("private_notes", ""),
                "position": i,
            },
            iid,
        )
        for event, item in events:
            self.citations(event, EventCitation, "event", item.get("citations", []), iid)
        claims = self.keyed(
            incident.claims.all(),
            data.get("claims", []),
            lambda: Claim(incident=incident),
            lambda c, i: {
                "key": c["key"],
                "statement": c["statement"],
                "claimant": self.org(c["claimant"]),
                "category": c["category"],
                **_time_fields(c.get("asserted")),
                "status": c["status"],
                "private_notes": c.get("private_notes", ""),
                "position": i,
            },
            iid,
        )
        for claim, item in claims:
            self.citations(claim, ClaimCitation, "claim", item.get("citations", []), iid)
            responses = self.sync_list(
                claim.responses.order_by("position", "id"),
                item.get("responses", []),
                lambda claim=claim: Response(claim=claim),
                lambda r, i: {
                    "responder": self.org(r["responder"]),
                    "stance": r["stance"],
                    "statement": r.get("statement", ""),
                    **_time_fields(r["time"]),
                    "status": r.get("status", "published"),
                    "position": i,
                },
                iid,
            )
            for response, r in zip(responses, item.get("responses", []), strict=True):
                self.citations(response, ResponseCitation, "response", r.get("citations", []), iid)
        corrections = self.sync_list(
            incident.corrections.order_by("position", "id"),
            data.get("corrections", []),
            lambda: Correction(incident=incident),
            lambda c, i: {"date": c["date"], "text": c["text"], "position": i},
            iid,
        )
        for correction, c in zip(corrections, data.get("corrections", []), strict=True):
            self.citations(correction, CorrectionCitation, "correction", c.get("citations", []), iid)


@dataclass(frozen=True)
class ImportResult:
    incidents: int
    created: int
    updated: int


def _statuses(document):
    """Every record status a (valid) bundle asks for."""
    for incident in document["incidents"]:
        yield incident["status"]
        for record in (*incident.get("events", []), *incident.get("claims", [])):
            yield record["status"]
        for claim in incident.get("claims", []):
            for response in claim.get("responses", []):
                yield response.get("status", "published")


def import_bundle(document, *, by=None):
    """Validate, then write everything or nothing. Raises BundleError with located problems.

    `by` is the importing user (None for the system, as in the management
    command): importing needs the right to add incidents, and a bundle that
    publishes or retracts records needs the matching role, as anywhere else.
    """
    problems = validate(document)
    if problems:
        raise BundleError(problems)
    services._require(by, "disclosure.add_incident")
    statuses = set(_statuses(document))
    if "published" in statuses:
        services._require(by, "disclosure.publish_incident")
    if "retracted" in statuses:
        services._require(by, "disclosure.retract_incident")
    writer = _Writer()
    with transaction.atomic():
        writer.write(document)
        changed = Incident.objects.filter(pk__in=writer.changed_incidents).values_list("pk", "embargo_until")
        for incident_id, embargo_until in changed:
            services.incident_metrics_enqueue(incident_id=incident_id, embargo_until=embargo_until)
    return ImportResult(incidents=len(document["incidents"]), created=writer.created, updated=writer.updated)


def load_document(text):
    """Parse JSON text; a syntax error becomes a located BundleError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleError(
            [BundleProblem(f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}")]
        ) from exc


# --- export ----------------------------------------------------------------


def _time_out(record):
    if not record.at:
        return None
    out = {"at": record.at, "precision": record.precision}
    if record.approximate:
        out["approximate"] = True
    if record.timezone:
        out["timezone"] = record.timezone
    return out


def _optional(out, **fields):
    for key, value in fields.items():
        if value not in ("", None):
            out[key] = value
    return out


def _citations_out(citations, sources_used):
    out = []
    for c in citations:
        sources_used.add(c.source_id)
        out.append(_optional({"source": c.source.key}, quote=c.quote, locator=c.locator))
    return out


def export_bundle(*, slugs=None, public=False, now=None):
    """The bundle of the given incidents (all when `slugs` is empty), as a dict.

    `public=True` reads only through the public selectors and leaves out every
    private field; the default is a full backup.
    """
    from django.db.models import Prefetch

    def scope(manager):
        return manager.public(now) if public else manager.all()

    incidents = scope(Incident.objects).select_related("vendor").order_by("slug")
    if slugs:
        incidents = incidents.filter(slug__in=slugs)
    citation_qs = {
        model: model.objects.select_related("source").order_by("position", "id")
        for model in (EventCitation, ClaimCitation, ResponseCitation, CorrectionCitation)
    }
    incidents = incidents.prefetch_related(
        Prefetch(
            "participants", queryset=Participant.objects.select_related("organization").order_by("position", "id")
        ),
        Prefetch("data_exposed", queryset=ExposedData.objects.select_related("data_class").order_by("position", "id")),
        Prefetch(
            "events",
            queryset=scope(Event.objects)
            .select_related("actor", "target")
            .prefetch_related(Prefetch("citations", queryset=citation_qs[EventCitation]))
            .order_by("position", "id"),
        ),
        Prefetch(
            "claims",
            queryset=scope(Claim.objects)
            .select_related("claimant")
            .prefetch_related(
                Prefetch("citations", queryset=citation_qs[ClaimCitation]),
                Prefetch(
                    "responses",
                    queryset=scope(Response.objects)
                    .select_related("responder")
                    .prefetch_related(Prefetch("citations", queryset=citation_qs[ResponseCitation]))
                    .order_by("position", "id"),
                ),
            )
            .order_by("position", "id"),
        ),
        Prefetch(
            "corrections",
            queryset=Correction.objects.prefetch_related(
                Prefetch("citations", queryset=citation_qs[CorrectionCitation])
            ).order_by("position", "id"),
        ),
    )

    orgs_used, sources_used = set(), set()
    incidents_out = []
    for incident in incidents:
        orgs_used.add(incident.vendor_id)
        out = {
            "slug": incident.slug,
            "title": incident.title,
            "summary": incident.summary,
            "vendor": incident.vendor.slug,
            "timezone": incident.timezone,
            "status": incident.status,
            "embargo_until": incident.embargo_until.isoformat().replace("+00:00", "Z")
            if incident.embargo_until
            else None,
            "affected_count": incident.affected_count,
            "affected_count_approximate": incident.affected_count_approximate,
            "exposed_system": incident.exposed_system,
        }
        if not public:
            out["private_notes"] = incident.private_notes
        _optional(out, retraction_notice=incident.retraction_notice)
        out["participants"] = []
        for p in incident.participants.all():
            orgs_used.add(p.organization_id)
            out["participants"].append({"organization": p.organization.slug, "role": p.role})
        out["data_exposed"] = [
            _optional(
                {"data_class": d.data_class.slug},
                affected_count=d.affected_count,
                affected_count_approximate=d.affected_count_approximate if d.affected_count is not None else None,
            )
            for d in incident.data_exposed.all()
        ]
        out["events"] = []
        for e in incident.events.all():
            orgs_used.update(x for x in (e.actor_id, e.target_id) if x)
            event = {"key": e.key, "kind": e.kind, "time": _time_out(e)}
            _optional(
                event,
                actor=e.actor.slug if e.actor else None,
                target=e.target.slug if e.target else None,
                channel=e.channel,
                description=e.description,
            )
            event["status"] = e.status
            if not public:
                event["private_notes"] = e.private_notes
            event["citations"] = _citations_out(e.citations.all(), sources_used)
            out["events"].append(event)
        out["claims"] = []
        for c in incident.claims.all():
            orgs_used.add(c.claimant_id)
            claim = {"key": c.key, "statement": c.statement, "claimant": c.claimant.slug, "category": c.category}
            _optional(claim, asserted=_time_out(c))
            claim["status"] = c.status
            if not public:
                claim["private_notes"] = c.private_notes
            claim["citations"] = _citations_out(c.citations.all(), sources_used)
            claim["responses"] = []
            for r in c.responses.all():
                orgs_used.add(r.responder_id)
                response = {
                    "responder": r.responder.slug,
                    "stance": r.stance,
                    "statement": r.statement,
                    "time": _time_out(r),
                }
                if not public:
                    response["status"] = r.status
                response["citations"] = _citations_out(r.citations.all(), sources_used)
                claim["responses"].append(response)
            out["claims"].append(claim)
        corrections = []
        for c in incident.corrections.all():
            corrections.append(
                {
                    "date": c.date.isoformat(),
                    "text": c.text,
                    "citations": _citations_out(c.citations.all(), sources_used),
                }
            )
        if corrections:
            out["corrections"] = corrections
        incidents_out.append(out)

    sources = scope(Source.objects).select_related("outlet").order_by("key")
    if public or slugs:
        sources = sources.filter(id__in=sources_used)
    sources_out = []
    for s in sources:
        if s.outlet_id:
            orgs_used.add(s.outlet_id)
        source = {"key": s.key, "title": s.title}
        _optional(source, outlet=s.outlet.slug if s.outlet else None, url=s.url, author=s.author)
        source["language"] = s.language
        _optional(source, published=_time_out(s))
        source["kind"] = s.kind
        sources_out.append(source)

    orgs = scope(Organization.objects).order_by("slug")
    if public or slugs:
        orgs = orgs.filter(id__in=orgs_used)
    orgs_out = [
        _optional(
            {"slug": o.slug, "name": o.name, "kind": o.kind}, url=o.url, country=o.country, description=o.description
        )
        for o in orgs
    ]
    return {"format": FORMAT, "organizations": orgs_out, "sources": sources_out, "incidents": incidents_out}


def dumps(document):
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
