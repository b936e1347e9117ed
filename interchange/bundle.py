"""Import and export of the incident bundle format (shared/spec/bundle-v1.md).

Import validates the whole document first (JSON Schema, then references,
vocabulary and times), and only then writes, in one transaction, every record
through `services.record_save` / `record_delete` (so the role table holds): a
bundle with any error or any refused write writes nothing, and every error names
the JSON path of the value at fault.

An import **merges** by default: it creates and updates what the bundle holds
and deletes nothing. A record the bundle does not mention is kept, and so is a
field the bundle omits (a public bundle has no private notes and no response
statuses, so importing one never blanks them). Records are matched as follows:

| record | matched by |
|---|---|
| data class, norm, organisation, incident | slug |
| source | key |
| event, claim | key, within the incident |
| participant | (organisation, role), within the incident |
| exposed data | data class, within the incident |
| reported duration | kind, within the incident |
| citation | (source, quote, locator), within the cited record; a changed quote or locator is another citation |
| response | position within the claim: among all its responses when every response of the claim in the bundle gives its `status` (as full exports do), else among its published responses only (a public export lists no drafts and gives no statuses) |
| correction | position within the incident |

The bundle's order becomes the stored order; records the bundle does not list
stay after the record they followed. A record whose content is unchanged is not
saved again, so a second import changes nothing.

`mode="replace"` (admins only) makes each incident in the bundle exactly what
the bundle says: omitted fields take their defaults and the incident's parts the
bundle does not list are deleted, each deletion reported. It never deletes an
incident, organisation, source, data class or norm.

Export writes the same shape. The full export is a backup of the content and
includes private material and the reference data (data classes, norms); the
public export reads only through the `public()` selectors, never includes private
notes, and carries neither data classes nor norms (incidents name data classes by
slug; the vocabulary is public at /api/v1/data-classes/). Export, import into an
empty database and export again gives the same document, byte for byte.
"""

import contextlib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils.dateparse import parse_datetime
from jsonschema import Draft202012Validator

from claims.models import Claim, ClaimCitation, Response, ResponseCitation
from disclosure import roles, services, timemath
from disclosure.errors import LocatedError, Problem, json_path
from disclosure.models import (
    Correction,
    CorrectionCitation,
    DataClass,
    Event,
    EventCitation,
    ExposedData,
    Incident,
    Organization,
    Participant,
    ReportedDuration,
    ReportedDurationCitation,
    Source,
)
from metrics.models import Norm
from metrics.receivers import recompute_deferred

FORMAT = "disclosure-bundle/1"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "bundle-v1.schema.json"


@lru_cache(maxsize=1)
def schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


# A problem with a bundle, and the error that refuses one (names kept for the importers and tests).
BundleProblem = Problem


class BundleError(LocatedError):
    """The bundle was refused; `problems` lists every located error."""


# --- validation ------------------------------------------------------------


def _schema_problems(document):
    validator = Draft202012Validator(schema())
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(BundleProblem(json_path(error.absolute_path), error.message))
    return problems


def _time_problems(time, path, default_tz):
    approximate = time.get("approximate", False)
    try:
        margin = timemath.validate_margin(time.get("margin"), approximate)
    except timemath.TimeError as exc:
        return [BundleProblem(f"{path}.margin", str(exc))]
    try:
        timemath.interval(time["at"], time["precision"], approximate, time.get("timezone") or default_tz, margin=margin)
    except timemath.TimeError as exc:
        return [BundleProblem(f"{path}.at", str(exc))]
    return []


# The check the models' URLFields make, limited to the schemes the schema allows.
_url_validator = URLValidator(schemes=["http", "https"])


def _url_problems(value, path):
    try:
        _url_validator(value)
    except ValidationError:
        return [BundleProblem(path, f"'{value}' is not a valid http(s) URL.")]
    return []


def _semantic_problems(document):
    """Cross-references, vocabulary, uniqueness, URLs and times: what a schema cannot say."""
    problems = []
    add = problems.append
    org_slugs = {o["slug"] for o in document["organizations"]}
    known_orgs = org_slugs | set(Organization.objects.values_list("slug", flat=True))
    source_keys = {s["key"] for s in document["sources"]}
    known_sources = source_keys | set(Source.objects.values_list("key", flat=True))
    data_classes = {d["slug"] for d in document.get("data_classes", [])}
    data_classes |= set(DataClass.objects.values_list("slug", flat=True))

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

    unique(document.get("data_classes", []), "slug", "data_classes")
    unique(document.get("norms", []), "slug", "norms")
    unique(document["organizations"], "slug", "organizations")
    unique(document["sources"], "key", "sources")
    unique(document["incidents"], "slug", "incidents")
    for i, norm in enumerate(document.get("norms", [])):
        problems.extend(_url_problems(norm["source_url"], f"norms[{i}].source_url"))
    for i, organization in enumerate(document["organizations"]):
        if organization.get("url") is not None:
            problems.extend(_url_problems(organization["url"], f"organizations[{i}].url"))
    based_on = {s["key"]: s["based_on"] for s in document["sources"] if s.get("based_on")}
    for i, source in enumerate(document["sources"]):
        path = f"sources[{i}]"
        org(source.get("outlet"), f"{path}.outlet")
        if source.get("based_on"):
            add(_based_on_problem(source["key"], source["based_on"], based_on, known_sources, f"{path}.based_on"))
        if source.get("url") is not None:
            problems.extend(_url_problems(source["url"], f"{path}.url"))
        if source.get("published"):
            problems.extend(_time_problems(source["published"], f"{path}.published", "UTC"))
        if source.get("published", {}).get("timezone") and not timemath.is_zone_or_unknown(
            source["published"]["timezone"]
        ):
            add(BundleProblem(f"{path}.published.timezone", "not an IANA time zone name, nor 'unknown'."))

    for i, incident in enumerate(document["incidents"]):
        path = f"incidents[{i}]"
        tz = incident["timezone"]
        if not timemath.is_zone_or_unknown(tz):
            add(
                BundleProblem(
                    f"{path}.timezone",
                    f"'{tz}' is not an IANA time zone name (for example 'Europe/Berlin'), nor 'unknown'.",
                )
            )
            tz = "UTC"
        origin = incident.get("origin") or {}
        for key in ("url", "licence_url"):
            if origin.get(key) is not None:
                problems.extend(_url_problems(origin[key], f"{path}.origin.{key}"))
        if incident.get("embargo_until") and parse_datetime(incident["embargo_until"]) is None:
            add(BundleProblem(f"{path}.embargo_until", "not an ISO 8601 date-time."))
        if incident.get("followed_until"):
            problems.extend(_time_problems(incident["followed_until"], f"{path}.followed_until", tz))
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
        unique(incident.get("durations", []), "kind", f"{path}.durations")
        for j, duration in enumerate(incident.get("durations", [])):
            citations(duration.get("citations", []), f"{path}.durations[{j}].citations", False)
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
    return [p for p in problems if p is not None]


def _based_on_problem(key, target, based_on, known_sources, path):
    """What is wrong with `key` being based on `target` (None: nothing), following the bundle's chain."""
    if target not in known_sources:
        return BundleProblem(path, f"unknown source '{target}': add it to 'sources'.")
    if target == key:
        return BundleProblem(path, "a source cannot be based on itself.")
    seen, current = {key}, target
    while current in based_on and current not in seen:
        seen.add(current)
        current = based_on[current]
        if current == key:
            return BundleProblem(
                path, f"'{target}' is itself based on '{key}': a source cannot be based on one that is based on it."
            )
    return None


def _sources_in_write_order(sources):
    """(index, item) of the bundle's sources, each after the source it is based on (when the bundle lists it)."""
    by_key = {s["key"]: (i, s) for i, s in enumerate(sources)}
    ordered, done = [], set()

    def visit(key, chain=()):
        if key in done or key in chain or key not in by_key:
            return
        i, item = by_key[key]
        if item.get("based_on"):
            visit(item["based_on"], (*chain, key))
        done.add(key)
        ordered.append((i, item))

    for item in sources:
        visit(item["key"])
    return ordered


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

MODES = ("merge", "replace")
TIME_FIELDS = ("at", "precision", "approximate", "margin", "timezone")
# Keys a bundle may leave out, by kind of record: a merge leaves those fields as stored.
OPTIONAL = {
    "data_class": ("description",),
    "norm": ("metric", "notes", "position"),
    "organization": ("url", "country", "description"),
    "source": ("outlet", "url", "author", "language", "published", "based_on"),
    "incident": (
        "summary",
        "embargo_until",
        "followed_until",
        "affected_count",
        "affected_count_approximate",
        "exposed_system",
        "private_notes",
        "retraction_notice",
        "origin",
    ),
    "exposed_data": ("affected_count", "affected_count_approximate"),
    "event": ("actor", "target", "channel", "description", "private_notes"),
    "claim": ("asserted", "private_notes"),
    "response": ("statement", "status"),
}
# Optional recorded times: one object in the bundle, five fields in the database (named with this prefix).
# A time the bundle gives is given whole: a key it leaves out inside the object takes its default.
OPTIONAL_TIMES = {"published": "", "asserted": "", "followed_until": "followed_until_"}
FOLLOWED_UNTIL = "followed_until_"
# An incident's origin: one object in the bundle, seven fields on the incident (named with this prefix).
# Like a time, an origin the bundle gives is given whole.
ORIGIN = "origin_"
ORIGIN_KEYS = ("dataset", "record", "url", "credit", "licence", "licence_url", "flags")
OPTIONAL_GROUPS = {"origin": tuple(ORIGIN + key for key in ORIGIN_KEYS)}


def _origin_fields(origin):
    origin = origin or {}
    fields = {ORIGIN + key: origin.get(key, "") for key in ORIGIN_KEYS if key != "flags"}
    fields[ORIGIN + "flags"] = list(origin.get("flags", []))
    return fields


def _time_fields(time, prefix=""):
    if not time:
        fields = {"at": "", "precision": "", "approximate": False, "margin": "", "timezone": ""}
    else:
        fields = {
            "at": time["at"],
            "precision": time["precision"],
            "approximate": time.get("approximate", False),
            "margin": time.get("margin", ""),
            "timezone": time.get("timezone", ""),
        }
    return {f"{prefix}{name}": value for name, value in fields.items()}


def _date(value):
    # A calendar-invalid date passes the schema's pattern; full_clean then reports it where it is.
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value


def _stated(item, fields, kind):
    """`fields` less those whose key the bundle item leaves out."""
    out = dict(fields)
    for key in OPTIONAL.get(kind, ()):
        if key not in item:
            if key in OPTIONAL_TIMES:
                names = [OPTIONAL_TIMES[key] + name for name in TIME_FIELDS]
            else:
                names = OPTIONAL_GROUPS.get(key, (key,))
            for name in names:
                out.pop(name, None)
    return out


def _same(instance, name, value):
    field = instance._meta.get_field(name)
    if field.is_relation:
        # Compare ids: reading the related object would cost a query per field.
        return getattr(instance, field.attname) == (value.pk if value is not None else None)
    return getattr(instance, name) == value


def _validation_problems(exc, path, time_key=None):
    if not hasattr(exc, "error_dict"):
        return [BundleProblem(path, message) for message in exc.messages]
    problems = []
    for field, messages in exc.message_dict.items():
        if field == NON_FIELD_ERRORS:
            where = path
        elif field in TIME_FIELDS and time_key:
            where = f"{path}.{time_key}.{field}"
        elif field.startswith(FOLLOWED_UNTIL):
            where = f"{path}.followed_until.{field.removeprefix(FOLLOWED_UNTIL)}"
        elif field.startswith(ORIGIN):
            where = f"{path}.origin.{field.removeprefix(ORIGIN)}"
        else:
            where = f"{path}.{field}"
        problems.extend(BundleProblem(where, message) for message in messages)
    return problems


def _match_by(stored, items, record_identity, item_identity):
    """Pair each item with the first unpaired stored record of the same identity (None: a new record)."""
    pool = {}
    for record in stored:
        pool.setdefault(record_identity(record), []).append(record)
    return [(pool.get(item_identity(item)) or [None]).pop(0) for item in items]


def _match_by_position(candidates, items):
    return [candidates[i] if i < len(candidates) else None for i in range(len(items))]


def _order(stored, wanted):
    """Positions that give `wanted` (a list's records in the bundle's order; new ones unsaved) that order.

    Returns the position to set on each of `wanted` (None: leave it as it is) and
    the (record, position) moves of the stored records the bundle does not list.
    When the bundle lists the records it shares with the database in their stored
    order, and its new ones after them, nothing stored moves and the new records
    go last. Otherwise the list is numbered again, each record the bundle does not
    list staying right after the record it followed.
    """
    listed = {r.pk for r in wanted if r.pk is not None}
    known = [r for r in wanted if r.pk is not None]
    in_order = [r.pk for r in known] == [r.pk for r in stored if r.pk in listed]
    if in_order and all(r.pk is not None for r in wanted[: len(known)]):
        start = max((r.position for r in stored), default=-1) + 1
        fresh = iter(range(start, start + len(wanted)))
        return [None if r.pk is not None else next(fresh) for r in wanted], []
    following, anchor = {}, None
    for record in stored:
        if record.pk in listed:
            anchor = record.pk
        else:
            following.setdefault(anchor, []).append(record)
    order = [(r, None) for r in following.get(None, [])]
    for j, record in enumerate(wanted):
        order.append((record, j))
        if record.pk is not None:
            order.extend((r, None) for r in following.get(record.pk, []))
    positions, moves = [None] * len(wanted), []
    for i, (record, j) in enumerate(order):
        if j is not None:
            positions[j] = i
        elif record.position != i:
            moves.append((record, i))
    return positions, moves


class _Writer:
    """Writes a validated document, counting what it created, changed, found unchanged and deleted."""

    def __init__(self, by, mode):
        self.by = by
        self.replace = mode == "replace"
        self.orgs = {}
        self.sources = {}
        self.data_classes = {}
        self.changed_incidents = set()
        self.created = self.updated = self.unchanged = 0
        self.deletions = []

    @contextlib.contextmanager
    def located(self, path, time_key=None):
        """A refusal or a model validation error of the write inside names the bundle record at fault."""
        try:
            yield
        except PermissionDenied as exc:
            raise PermissionDenied(f"{path}: {exc}") from exc
        except ValidationError as exc:
            raise BundleError(_validation_problems(exc, path, time_key)) from exc

    def save(self, instance, fields, path, incident_id=None, time_key=None):
        """Create `instance`, or change it to `fields`; only a real change is written. True if written."""
        if instance.pk is not None and all(_same(instance, k, v) for k, v in fields.items()):
            self.unchanged += 1
            return False
        with self.located(path, time_key):
            saved = services.record_save(instance=instance, fields=fields, by=self.by)
        if saved.created:
            self.created += 1
        elif saved.changed:
            self.updated += 1
        else:
            self.unchanged += 1
            return False
        if incident_id is not None:
            self.changed_incidents.add(incident_id)
        return True

    def delete(self, record, path, incident, kind, key):
        with self.located(f"{path} ({kind} '{key}')"):
            services.record_delete(instance=record, by=self.by)
        self.deletions.append({"kind": kind, "incident": incident.slug, "key": key})
        self.changed_incidents.add(incident.pk)

    def upsert(self, model, lookup, fields, item, kind, path, time_key=None):
        """A top-level record (matched by slug or key), created or brought up to date."""
        instance = model.objects.filter(**lookup).first()
        if instance is not None and not self.replace:
            fields = _stated(item, fields, kind)
        instance = instance or model()
        self.save(instance, fields, path, time_key=time_key)
        return instance

    def children(self, *, incident, path, stored, items, pairs, make, fields_of, kind, key_of, time_key=None):
        """Write one list of an incident's parts: match, update or create, order; in replace mode delete the rest.

        `stored` is the list as stored, `pairs(stored, items)` the stored record
        (or None) matching each item, and `key_of(record, i)` names a record in the
        deletion report (`i`: its place in `stored`). Returns (record, item, path)
        for every item, in the bundle's order.
        """
        stored = list(stored)
        matched = pairs(stored, items)
        if self.replace:
            kept = {r.pk for r in matched if r is not None}
            for i, record in enumerate(stored):
                if record.pk not in kept:
                    self.delete(record, path, incident, kind, key_of(record, i))
            stored = [r for r in stored if r.pk in kept]
        records = [record or make() for record in matched]
        positions, moves = _order(stored, records)
        written = []
        for i, (record, item, position) in enumerate(zip(records, items, positions, strict=True)):
            fields = fields_of(item)
            if record.pk is not None and not self.replace:
                fields = _stated(item, fields, kind)
            if position is not None:
                fields["position"] = position
            self.save(record, fields, f"{path}[{i}]", incident.pk, time_key)
            written.append((record, item, f"{path}[{i}]"))
        for record, position in moves:
            self.save(record, {"position": position}, path, incident.pk)
        return written

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

    def citations(self, incident, record, path, owner, items):
        model, field = record.citations.model, record._meta.model_name
        self.children(
            incident=incident,
            path=f"{path}.citations",
            stored=record.citations.order_by("position", "id"),
            items=items,
            pairs=lambda stored, items: _match_by(
                stored,
                items,
                lambda c: (c.source_id, c.quote, c.locator),
                lambda c: (self.source(c["source"]).pk, c.get("quote", ""), c.get("locator", "")),
            ),
            make=lambda: model(**{field: record}),
            fields_of=lambda c: {
                "source": self.source(c["source"]),
                "quote": c.get("quote", ""),
                "locator": c.get("locator", ""),
            },
            kind="citation",
            key_of=lambda c, i: f"{owner}/citations/{c.source.key}",
        )

    def write(self, document):
        for i, d in enumerate(document.get("data_classes", [])):
            self.upsert(
                DataClass,
                {"slug": d["slug"]},
                {"slug": d["slug"], "name": d["name"], "description": d.get("description", "")},
                d,
                "data_class",
                f"data_classes[{i}]",
            )
        self.data_classes = {dc.slug: dc for dc in DataClass.objects.all()}
        next_norm = (Norm.objects.aggregate(m=Max("position"))["m"] or 0) + 1
        for i, n in enumerate(document.get("norms", [])):
            stored_position = Norm.objects.filter(slug=n["slug"]).values_list("position", flat=True).first()
            self.upsert(
                Norm,
                {"slug": n["slug"]},
                {
                    "slug": n["slug"],
                    "name": n["name"],
                    "metric": n.get("metric", ""),
                    "window_seconds": n["window_seconds"],
                    "window_text": n["window_text"],
                    "source_title": n["source_title"],
                    "source_url": n["source_url"],
                    "notes": n.get("notes", ""),
                    "position": n.get("position", next_norm + i if stored_position is None else stored_position),
                },
                n,
                "norm",
                f"norms[{i}]",
            )
        for i, o in enumerate(document["organizations"]):
            self.orgs[o["slug"]] = self.upsert(
                Organization,
                {"slug": o["slug"]},
                {
                    "slug": o["slug"],
                    "name": o["name"],
                    "kind": o["kind"],
                    "url": o.get("url", ""),
                    "country": o.get("country", ""),
                    "description": o.get("description", ""),
                },
                o,
                "organization",
                f"organizations[{i}]",
            )
        # A source is written after the one it is based on, whatever the bundle's order.
        for i, s in _sources_in_write_order(document["sources"]):
            self.sources[s["key"]] = self.upsert(
                Source,
                {"key": s["key"]},
                {
                    "key": s["key"],
                    "title": s["title"],
                    "outlet": self.org(s.get("outlet")),
                    "url": s.get("url", ""),
                    "author": s.get("author", ""),
                    "language": s.get("language", "en"),
                    "kind": s["kind"],
                    **_time_fields(s.get("published")),
                    "based_on": self.source(s["based_on"]) if s.get("based_on") else None,
                },
                s,
                "source",
                f"sources[{i}]",
                time_key="published",
            )
        for i, data in enumerate(document["incidents"]):
            self.incident(data, f"incidents[{i}]")

    def incident(self, data, path):
        embargo = data.get("embargo_until")
        written_before = self.created + self.updated
        incident = self.upsert(
            Incident,
            {"slug": data["slug"]},
            {
                "slug": data["slug"],
                "title": data["title"],
                "summary": data.get("summary", ""),
                "vendor": self.org(data["vendor"]),
                "timezone": data["timezone"],
                "status": data["status"],
                "embargo_until": parse_datetime(embargo) if embargo else None,
                **_time_fields(data.get("followed_until"), FOLLOWED_UNTIL),
                "affected_count": data.get("affected_count"),
                "affected_count_approximate": data.get("affected_count_approximate", False),
                "exposed_system": data.get("exposed_system", ""),
                "private_notes": data.get("private_notes", ""),
                "retraction_notice": data.get("retraction_notice", ""),
                **_origin_fields(data.get("origin")),
            },
            data,
            "incident",
            path,
        )
        if self.created + self.updated > written_before:
            self.changed_incidents.add(incident.pk)
        self.children(
            incident=incident,
            path=f"{path}.participants",
            stored=incident.participants.order_by("position", "id"),
            items=data.get("participants", []),
            pairs=lambda stored, items: _match_by(
                stored,
                items,
                lambda p: (p.organization_id, p.role),
                lambda p: (self.org(p["organization"]).pk, p["role"]),
            ),
            make=lambda: Participant(incident=incident),
            fields_of=lambda p: {"organization": self.org(p["organization"]), "role": p["role"]},
            kind="participant",
            key_of=lambda p, i: f"{p.organization.slug}/{p.role}",
        )
        self.children(
            incident=incident,
            path=f"{path}.data_exposed",
            stored=incident.data_exposed.order_by("position", "id"),
            items=data.get("data_exposed", []),
            pairs=lambda stored, items: _match_by(
                stored, items, lambda d: d.data_class_id, lambda d: self.data_classes[d["data_class"]].pk
            ),
            make=lambda: ExposedData(incident=incident),
            fields_of=lambda d: {
                "data_class": self.data_classes[d["data_class"]],
                "affected_count": d.get("affected_count"),
                "affected_count_approximate": d.get("affected_count_approximate", False),
            },
            kind="exposed_data",
            key_of=lambda d, i: d.data_class.slug,
        )
        durations = self.children(
            incident=incident,
            path=f"{path}.durations",
            stored=incident.durations.order_by("position", "id"),
            items=data.get("durations", []),
            pairs=lambda stored, items: _match_by(stored, items, lambda d: d.kind, lambda d: d["kind"]),
            make=lambda: ReportedDuration(incident=incident),
            fields_of=lambda d: {"kind": d["kind"], "unit": d["unit"], "value": d.get("value")},
            kind="duration",
            key_of=lambda d, i: f"durations/{d.kind}",
        )
        for duration, item, dpath in durations:
            self.citations(incident, duration, dpath, f"durations/{duration.kind}", item.get("citations", []))
        events = self.children(
            incident=incident,
            path=f"{path}.events",
            stored=incident.events.order_by("position", "id"),
            items=data.get("events", []),
            pairs=lambda stored, items: _match_by(stored, items, lambda e: e.key, lambda e: e["key"]),
            make=lambda: Event(incident=incident),
            fields_of=lambda e: {
                "key": e["key"],
                "kind": e["kind"],
                **_time_fields(e["time"]),
                "actor": self.org(e.get("actor")),
                "target": self.org(e.get("target")),
                "channel": e.get("channel", ""),
                "description": e.get("description", ""),
                "status": e["status"],
                "private_notes": e.get("private_notes", ""),
            },
            kind="event",
            key_of=lambda e, i: e.key,
            time_key="time",
        )
        for event, item, epath in events:
            self.citations(incident, event, epath, event.key, item.get("citations", []))
        claims = self.children(
            incident=incident,
            path=f"{path}.claims",
            stored=incident.claims.order_by("position", "id"),
            items=data.get("claims", []),
            pairs=lambda stored, items: _match_by(stored, items, lambda c: c.key, lambda c: c["key"]),
            make=lambda: Claim(incident=incident),
            fields_of=lambda c: {
                "key": c["key"],
                "statement": c["statement"],
                "claimant": self.org(c["claimant"]),
                "category": c["category"],
                **_time_fields(c.get("asserted")),
                "status": c["status"],
                "private_notes": c.get("private_notes", ""),
            },
            kind="claim",
            key_of=lambda c, i: c.key,
            time_key="asserted",
        )
        for claim, item, cpath in claims:
            self.citations(incident, claim, cpath, claim.key, item.get("citations", []))
            self.responses(incident, claim, cpath, item.get("responses", []))
        corrections = self.children(
            incident=incident,
            path=f"{path}.corrections",
            stored=incident.corrections.order_by("position", "id"),
            items=data.get("corrections", []),
            pairs=_match_by_position,
            make=lambda: Correction(incident=incident),
            fields_of=lambda c: {"date": _date(c["date"]), "text": c["text"]},
            kind="correction",
            key_of=lambda c, i: f"corrections/{i}",
        )
        for j, (correction, item, kpath) in enumerate(corrections):
            self.citations(incident, correction, kpath, f"corrections/{j}", item.get("citations", []))

    def responses(self, incident, claim, path, items):
        # A bundle that leaves out a response's status (a public export) lists only published
        # responses; its responses are matched among those, so a draft is never overwritten.
        every_status = self.replace or all("status" in r for r in items)
        responses = self.children(
            incident=incident,
            path=f"{path}.responses",
            stored=claim.responses.order_by("position", "id"),
            items=items,
            pairs=lambda stored, items: _match_by_position(
                [r for r in stored if every_status or r.status == "published"], items
            ),
            make=lambda: Response(claim=claim),
            fields_of=lambda r: {
                "responder": self.org(r["responder"]),
                "stance": r["stance"],
                "statement": r.get("statement", ""),
                **_time_fields(r["time"]),
                "status": r.get("status", "published"),
            },
            kind="response",
            key_of=lambda r, i: f"{claim.key}/responses/{i}",
            time_key="time",
        )
        for j, (response, item, rpath) in enumerate(responses):
            self.citations(incident, response, rpath, f"{claim.key}/responses/{j}", item.get("citations", []))


@dataclass(frozen=True)
class ImportResult:
    """What an import did. Every record the bundle lists is counted once: created, updated or unchanged.

    `updated` also counts records the bundle does not list whose place in their
    list moved to keep the bundle's order. `deletions` (replace mode only) names
    each deleted record as {"kind", "incident", "key"}; a deleted record's
    citations (and a claim's responses) go with it and are not listed again.
    """

    incidents: int
    created: int
    updated: int
    unchanged: int = 0
    deleted: int = 0
    deletions: tuple = ()
    mode: str = "merge"


def import_bundle(document, *, by=None, mode=None):
    """Validate, then write everything or nothing; return an ImportResult.

    `by` is the importing user (None for the system, as in the management
    command): importing needs the right to add incidents, and every record is
    written through the role table (roles.py), so a contributor can add drafts
    but not publish, change what the public sees or delete. `mode` is "merge"
    (what the document's optional "mode" says when None, else the default) or
    "replace" (admins only: `disclosure.delete_public_record`).

    Raises BundleError with located problems, or PermissionDenied whose message
    starts with the JSON path of the refused record (`incidents[0].events[2]: ...`).
    """
    problems = validate(document)
    if problems:
        raise BundleError(problems)
    mode = mode or document.get("mode") or "merge"
    if mode not in MODES:
        raise ValueError(f"Unknown import mode {mode!r}: use one of {', '.join(MODES)}.")
    roles.authorize_import(by, replace=mode == "replace")
    writer = _Writer(by, mode)
    try:
        # One recompute task for every incident the bundle changed, then the aggregates once
        # (not an aggregates rebuild per incident), sent when the import commits.
        with recompute_deferred(), transaction.atomic(), services.deferred_checks():
            writer.write(document)
            changed = Incident.objects.filter(pk__in=writer.changed_incidents).values_list("pk", "embargo_until")
            for incident_id, embargo_until in changed:
                services.incident_metrics_enqueue(incident_id=incident_id, embargo_until=embargo_until)
    except ValidationError as exc:
        # The citation rule, checked once every record is written (services.deferred_checks).
        raise BundleError([BundleProblem("", message) for message in exc.messages]) from exc
    return ImportResult(
        incidents=len(document["incidents"]),
        created=writer.created,
        updated=writer.updated,
        unchanged=writer.unchanged,
        deleted=len(writer.deletions),
        deletions=tuple(writer.deletions),
        mode=mode,
    )


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
    if record.margin:
        out["margin"] = record.margin
    if record.timezone:
        out["timezone"] = record.timezone
    return out


def _followed_until_out(incident):
    if not incident.followed_until_at:
        return None
    out = {"at": incident.followed_until_at, "precision": incident.followed_until_precision}
    if incident.followed_until_approximate:
        out["approximate"] = True
    if incident.followed_until_margin:
        out["margin"] = incident.followed_until_margin
    if incident.followed_until_timezone:
        out["timezone"] = incident.followed_until_timezone
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


def _origin_out(incident):
    if not incident.origin_dataset:
        return None
    out = {"dataset": incident.origin_dataset, "record": incident.origin_record}
    _optional(out, url=incident.origin_url, credit=incident.origin_credit)
    _optional(out, licence=incident.origin_licence, licence_url=incident.origin_licence_url)
    if incident.origin_flags:
        out["flags"] = list(incident.origin_flags)
    return out


def _duration_out(duration, sources_used):
    out = {"kind": duration.kind, "unit": duration.unit}
    _optional(out, value=duration.value)
    citations = _citations_out(duration.citations.all(), sources_used)
    if citations:
        out["citations"] = citations
    return out


def empty_bundle():
    """A valid public bundle with nothing in it (a page past the end of the public export)."""
    return {"format": FORMAT, "organizations": [], "sources": [], "incidents": []}


def export_bundle(*, slugs=None, public=False, now=None):
    """The bundle of the given incidents (all when `slugs` is empty), as a dict.

    `public=True` reads only through the public selectors and leaves out every
    private field and the reference data; the default is a full backup of the
    content, with the data classes and norms (every field of them, so that a
    merge into a database with the migrations' versions restores them exactly).
    """
    from django.db.models import Prefetch

    from claims.selectors import claims_visible_to, responses_visible_to
    from disclosure.selectors import events_visible_to, incidents_visible_to

    def scope(visible_to, model):
        # The public export reads as an anonymous visitor; the backup reads everything.
        return visible_to(None, now) if public else model.objects.all()

    incidents = scope(incidents_visible_to, Incident).select_related("vendor").order_by("slug")
    if slugs:
        incidents = incidents.filter(slug__in=slugs)
    citation_qs = {
        model: model.objects.select_related("source").order_by("position", "id")
        for model in (EventCitation, ClaimCitation, ResponseCitation, CorrectionCitation, ReportedDurationCitation)
    }
    incidents = incidents.prefetch_related(
        Prefetch(
            "participants", queryset=Participant.objects.select_related("organization").order_by("position", "id")
        ),
        Prefetch("data_exposed", queryset=ExposedData.objects.select_related("data_class").order_by("position", "id")),
        Prefetch(
            "durations",
            queryset=ReportedDuration.objects.prefetch_related(
                Prefetch("citations", queryset=citation_qs[ReportedDurationCitation])
            ).order_by("position", "id"),
        ),
        Prefetch(
            "events",
            queryset=scope(events_visible_to, Event)
            .select_related("actor", "target")
            .prefetch_related(Prefetch("citations", queryset=citation_qs[EventCitation]))
            .order_by("position", "id"),
        ),
        Prefetch(
            "claims",
            queryset=scope(claims_visible_to, Claim)
            .select_related("claimant")
            .prefetch_related(
                Prefetch("citations", queryset=citation_qs[ClaimCitation]),
                Prefetch(
                    "responses",
                    queryset=scope(responses_visible_to, Response)
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

    orgs_used, sources_used, data_classes_used = set(), set(), set()
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
        }
        _optional(out, followed_until=_followed_until_out(incident))
        out |= {
            "affected_count": incident.affected_count,
            "affected_count_approximate": incident.affected_count_approximate,
            "exposed_system": incident.exposed_system,
        }
        if not public:
            out["private_notes"] = incident.private_notes
        _optional(out, retraction_notice=incident.retraction_notice, origin=_origin_out(incident))
        out["participants"] = []
        for p in incident.participants.all():
            orgs_used.add(p.organization_id)
            out["participants"].append({"organization": p.organization.slug, "role": p.role})
        out["data_exposed"] = [
            _optional(
                {"data_class": d.data_class.slug},
                affected_count=d.affected_count,
                # An estimate with no count yet is content too; False is only said of a count.
                affected_count_approximate=True
                if d.affected_count_approximate
                else (False if d.affected_count is not None else None),
            )
            for d in incident.data_exposed.all()
        ]
        data_classes_used.update(d.data_class_id for d in incident.data_exposed.all())
        durations = [_duration_out(d, sources_used) for d in incident.durations.all()]
        if durations:
            out["durations"] = durations
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

    if slugs and not public:
        # A backup of chosen incidents carries the sources theirs are based on, so that it imports alone.
        frontier = set(sources_used)
        while frontier:
            frontier = set(
                Source.objects.filter(id__in=frontier, based_on__isnull=False).values_list("based_on_id", flat=True)
            )
            frontier -= sources_used
            sources_used |= frontier
    # A public export names the sources and organisations its public records refer to, collected
    # above from records read through the public selectors: by the rule of disclosure/querysets.py
    # that is what makes them public, so the rule is not evaluated again over the whole database
    # (its subqueries cost 100 to 200 ms at 10,000 incidents for a one-incident bundle, issue 13).
    sources = Source.objects.select_related("outlet", "based_on").order_by("key")
    if public or slugs:
        sources = sources.filter(id__in=sources_used)
    sources = list(sources)
    exported = {s.pk for s in sources}
    sources_out = []
    for s in sources:
        if s.outlet_id:
            orgs_used.add(s.outlet_id)
        source = {"key": s.key, "title": s.title}
        _optional(source, outlet=s.outlet.slug if s.outlet else None, url=s.url, author=s.author)
        source["language"] = s.language
        _optional(source, published=_time_out(s))
        source["kind"] = s.kind
        # A public export names only sources it carries: one the public cannot see stays unnamed.
        _optional(source, based_on=s.based_on.key if s.based_on_id in exported else None)
        sources_out.append(source)

    orgs = Organization.objects.order_by("slug")
    if public or slugs:
        orgs = orgs.filter(id__in=orgs_used)
    orgs_out = [
        _optional(
            {"slug": o.slug, "name": o.name, "kind": o.kind}, url=o.url, country=o.country, description=o.description
        )
        for o in orgs
    ]
    document = {"format": FORMAT}
    if not public:
        # A backup carries the reference data its content depends on: every data class and
        # norm, or for chosen incidents the data classes they use (norms belong to no incident).
        data_classes = DataClass.objects.order_by("slug")
        if slugs:
            data_classes = data_classes.filter(id__in=data_classes_used)
        document["data_classes"] = [
            {"slug": d.slug, "name": d.name, "description": d.description} for d in data_classes
        ]
        if not slugs:
            document["norms"] = [
                {
                    "slug": n.slug,
                    "name": n.name,
                    "metric": n.metric,
                    "window_seconds": n.window_seconds,
                    "window_text": n.window_text,
                    "source_title": n.source_title,
                    "source_url": n.source_url,
                    "notes": n.notes,
                    "position": n.position,
                }
                for n in Norm.objects.order_by("position", "slug")
            ]
    document.update(organizations=orgs_out, sources=sources_out, incidents=incidents_out)
    return document


def dumps(document):
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
