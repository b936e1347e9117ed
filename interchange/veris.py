"""VERIS incident records (the VERIS Community Database, VERIS 1.2 to 1.4) as one bundle document.

Pure: `convert(items)` takes (file name, parsed JSON) pairs and returns a Conversion (the
document and a report per record); `manage.py import_veris` hands the document to the one
bundle import. docs/import.md states every rule; in short:

* one incident per record, slug `vcdb-<incident_id>`, draft unless `publish`; the time
  zone is "unknown" (VERIS records none);
* the victim (`victim.victim_id`, spaces and case normalised) is the vendor; a record
  with no victim is skipped;
* `timeline.incident` is `exposure_started` at the precision it has (year, month, day,
  time); a day that does not exist (2007-11-31) is kept to the month;
* `plus.timeline.notification` is the `published` event (the public notification);
* discovery, containment, exfiltration and compromise are reported durations, not times;
* data varieties map through the data-class vocabulary, with their amounts;
* `reference` is split into sources; the record's own VCDB address is a source too.
"""

import re
from calendar import monthrange
from urllib.parse import quote

from interchange.importing import (
    INCIDENT_SLUG_LIMIT,
    ORG_NAME_LIMIT,
    ORG_SLUG_LIMIT,
    SOURCE_KEY_LIMIT,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    Conversion,
    RecordReport,
    bundle_document,
    clean_text,
    digest,
    followed_until,
    link_source,
    normalise_name,
    slug,
    split_urls,
    time_words,
    truncate,
)

DATASET = "vcdb"
CREDIT = "VERIS Community Database"
VCDB_ORG = {
    "slug": "veris-community-database",
    "name": "VERIS Community Database",
    "kind": "platform",
    "url": "https://github.com/vz-risk/VCDB",
    "description": "Verizon's public database of security incidents in the VERIS format, published for research use.",
}
RECORD_URL = "https://github.com/vz-risk/VCDB/blob/master/data/json/validated/{}.json"
DURATION_KINDS = ("discovery", "containment", "exfiltration", "compromise")
UNITS = {
    "seconds": "seconds",
    "minutes": "minutes",
    "hours": "hours",
    "days": "days",
    "weeks": "weeks",
    "months": "months",
    "years": "years",
    "unknown": "unknown",
}
# What the top-level fields become; the rest is VERIS classification this tracker has no field for.
MAPPED = {
    "incident_id",
    "victim",
    "timeline",
    "reference",
    "summary",
    "attribute",
    "discovery_method",
    "action",
    "actor",
    "plus",
    "schema_version",
    "schema_name",
    "source_id",
    "security_incident",
}
NOT_INCIDENTS = {"false positive": "VERIS marks it a false positive, not an incident"}
_MISSING_VICTIM = {"", "unknown", "none", "n/a", "na", "not applicable", "withheld"}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _int(value):
    """An int from a VERIS number (int, integral float or digit string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def recorded_time(parts, what, notes):
    """A VERIS {year, month, day, time} as a recorded time at the precision it has; None without a year.

    A month or day that does not exist is dropped (the time is kept to what is valid) and noted.
    """
    if not isinstance(parts, dict):
        return None
    year, month, day = _int(parts.get("year")), _int(parts.get("month")), _int(parts.get("day"))
    if year is None or not 1000 <= year <= 9999:
        if parts.get("year") is not None:
            notes.append(f"{what}: year {parts.get('year')!r} is not a year; left out")
        return None
    if month is None or not 1 <= month <= 12:
        if parts.get("month") is not None:
            notes.append(f"{what}: month {parts.get('month')!r} does not exist; kept to the year")
        return {"at": f"{year:04d}", "precision": "year"}
    if day is None or not 1 <= day <= monthrange(year, month)[1]:
        if parts.get("day") is not None:
            notes.append(f"{what}: {year:04d}-{month:02d}-{parts.get('day')} is not a calendar date; kept to the month")
        return {"at": f"{year:04d}-{month:02d}", "precision": "month"}
    date = f"{year:04d}-{month:02d}-{day:02d}"
    clock = _CLOCK.match(parts["time"].strip()) if isinstance(parts.get("time"), str) else None
    if clock:
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), clock.group(3)
        if hour < 24 and minute < 60 and (second is None or int(second) < 60):
            if second is not None:
                return {"at": f"{date}T{hour:02d}:{minute:02d}:{int(second):02d}", "precision": "second"}
            return {"at": f"{date}T{hour:02d}:{minute:02d}", "precision": "minute"}
    if parts.get("time") not in (None, ""):
        notes.append(f"{what}: time {parts.get('time')!r} is not a time of day; kept to the day")
    return {"at": date, "precision": "day"}


def duration(kind, value, unmapped):
    """A VERIS timeline duration ({"unit": "Days", "value": 2}, a unit alone, or "Unknown") as a bundle duration.

    None when it says nothing ("NA", not applicable) or cannot be read (noted in `unmapped`).
    """
    if isinstance(value, str):
        value = {"unit": value}
    if not isinstance(value, dict):
        unmapped.append(f"timeline.{kind}: {value!r} is not a duration")
        return None
    unit = str(value.get("unit", "")).strip().lower()
    if unit in ("na", "n/a", "not applicable"):
        return None
    if unit not in UNITS:
        unmapped.append(f"timeline.{kind}: unit {value.get('unit')!r} is not a unit this tracker knows")
        return None
    out = {"kind": kind, "unit": UNITS[unit]}
    if value.get("value") is not None and unit != "unknown":
        number = _int(value["value"])
        if number is None or number < 0:
            unmapped.append(f"timeline.{kind}: value {value['value']!r} is not a whole number; kept the unit only")
        else:
            out["value"] = number
    return out


def discovery_method(value):
    """VERIS 1.2's 'Ext - customer' and 1.3+'s {"external": {"variety": ["Customer"]}} in the same words."""
    if isinstance(value, str):
        text = value.strip()
        prefixes = {"ext": "external", "int": "internal", "prt": "partner", "partner": "partner"}
        match = re.match(r"^(ext|int|prt|partner)\s*-\s*(.+)$", text, re.I)
        if match:
            return f"{prefixes[match.group(1).lower()]} ({match.group(2).strip().lower()})"
        return text.lower() or None
    if isinstance(value, dict):
        parts = []
        for who in ("external", "internal", "partner"):
            if isinstance(value.get(who), dict):
                listed = value[who].get("variety")
                listed = listed if isinstance(listed, list) else [listed]
                varieties = [v.lower() for v in listed if isinstance(v, str)]
                parts.append(f"{who} ({', '.join(varieties)})" if varieties else who)
        if value.get("unknown") is True:
            parts.append("unknown")
        if value.get("other") is True:
            parts.append("other")
        return "; ".join(parts) or None
    return None


def _victim(record, report):
    """(name, country) of the record's victim; None when it names none."""
    victim = record.get("victim")
    if isinstance(victim, list):
        named = [v for v in victim if isinstance(v, dict) and normalise_name(v.get("victim_id"))]
        if len(named) > 1:
            report.unmapped.append(f"victim: {len(named) - 1} further victim(s) not imported (one vendor per incident)")
        victim = named[0] if named else None
    if not isinstance(victim, dict):
        return None
    name = normalise_name(victim.get("victim_id"))
    if name.lower() in _MISSING_VICTIM:
        return None
    country = victim.get("country")
    if isinstance(country, list):
        country = next((c for c in country if isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c)), "")
    if not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
        country = ""
    return name, country


def convert(items, *, publish=False, data_class_for=None, data_class_entries=None):
    """The bundle document for VERIS records, and a RecordReport per record (input order).

    `items` are (file name, parsed JSON) pairs; a value that is not a JSON object is
    skipped with its reason. `data_class_for` / `data_class_entries` default to the
    project's vocabulary (disclosure.vocabulary).
    """
    if data_class_for is None or data_class_entries is None:
        from disclosure import vocabulary

        data_class_for = data_class_for or vocabulary.data_class_for
        data_class_entries = data_class_entries or vocabulary.data_class_entries
    organizations = {VCDB_ORG["slug"]: VCDB_ORG}
    sources, incidents, reports, used_classes, seen = {}, [], [], set(), {}
    for file, record in items:
        record_id = record.get("incident_id") if isinstance(record, dict) else None
        record_id = record_id.strip() if isinstance(record_id, str) else ""
        report = RecordReport(record=record_id or file, file=file)
        reports.append(report)
        if not isinstance(record, dict):
            report.skip("not a VERIS record (a JSON object)")
            continue
        if not record_id:
            report.skip("no incident_id: a record needs its id to be imported again the same way")
            continue
        try:
            incident = _incident(
                record, record_id, report, publish, organizations, sources, data_class_for, used_classes
            )
        except ValueError as exc:
            report.skip(str(exc))
            continue
        except (TypeError, AttributeError, KeyError, IndexError) as exc:
            # A shape no release seen so far has: skip the record with what went wrong, never a traceback.
            report.skip(f"a field has a shape this importer does not read ({type(exc).__name__}: {exc})")
            continue
        if incident["slug"] in seen:
            report.skip(f"same incident_id as {seen[incident['slug']]}")
            continue
        seen[incident["slug"]] = file or record_id
        report.slug = incident["slug"]
        incidents.append(incident)
    document = bundle_document(data_class_entries(), used_classes, organizations, sources, incidents)
    return Conversion(document=document, records=reports)


def _incident(record, record_id, report, publish, organizations, sources, data_class_for, used_classes):
    kind = str(record.get("security_incident", "")).strip().lower()
    if kind in NOT_INCIDENTS:
        raise ValueError(NOT_INCIDENTS[kind])
    victim = _victim(record, report)
    if victim is None:
        raise ValueError("no victim (victim.victim_id missing or 'Unknown'): an incident needs a vendor")
    name, country = victim
    vendor_slug = slug(name, ORG_SLUG_LIMIT) or f"vcdb-victim-{digest(name.lower())}"
    vendor = {"slug": vendor_slug, "name": truncate(name, ORG_NAME_LIMIT)[0], "kind": "vendor"}
    if country:
        vendor["country"] = country
    organizations.setdefault(vendor_slug, vendor)
    for field in sorted(set(record) - MAPPED):
        report.unmapped.append(f"{field}: VERIS classification with no field in this tracker")

    key = slug(record_id, INCIDENT_SLUG_LIMIT - 5) or digest(record_id)
    incident_slug = f"vcdb-{key}"
    record_url = RECORD_URL.format(quote(record_id, safe=""))
    own = {
        "key": f"vcdb-{key}"[:SOURCE_KEY_LIMIT],
        "title": f"VERIS Community Database record {record_id}"[:500],
        "outlet": VCDB_ORG["slug"],
        "url": record_url,
        "kind": "other",
    }
    sources[own["key"]] = own
    urls, url_notes = split_urls(record.get("reference"))
    report.notes.extend(url_notes)
    if record.get("reference") not in (None, "") and not isinstance(record.get("reference"), str):
        report.unmapped.append(f"reference {record.get('reference')!r}: not text")
    link_keys = []
    for url in urls:
        source = link_source(url)
        sources.setdefault(source["key"], source)
        link_keys.append(source["key"])
    citations = [{"source": own["key"]}] + [{"source": k} for k in link_keys]

    timeline = record.get("timeline") if isinstance(record.get("timeline"), dict) else {}
    plus = record.get("plus") if isinstance(record.get("plus"), dict) else {}
    plus_timeline = plus.get("timeline") if isinstance(plus.get("timeline"), dict) else {}
    events = []
    started = recorded_time(timeline.get("incident"), "timeline.incident", report.notes)
    if started:
        events.append(
            {
                "key": "incident",
                "kind": "exposure_started",
                "time": started,
                "description": "The incident began (VERIS timeline.incident).",
                "status": "published",
                "citations": citations,
            }
        )
    else:
        report.unmapped.append("timeline.incident: no year, so no exposure event")
    notified = recorded_time(plus_timeline.get("notification"), "plus.timeline.notification", report.notes)
    if notified:
        events.append(
            {
                "key": "notification",
                "kind": "published",
                "time": notified,
                "description": "Public notification of the incident (VERIS plus.timeline.notification).",
                "status": "published",
                "citations": citations,
            }
        )
    for field in sorted(set(plus_timeline) - {"notification"}):
        report.unmapped.append(f"plus.timeline.{field}: not a time this importer maps")

    durations = []
    for duration_kind in DURATION_KINDS:
        if duration_kind in timeline:
            mapped = duration(duration_kind, timeline[duration_kind], report.unmapped)
            if mapped:
                durations.append(mapped | {"citations": [{"source": own["key"]}]})
    for field in sorted(set(timeline) - {"incident", *DURATION_KINDS}):
        report.unmapped.append(f"timeline.{field}: not a time or duration this importer maps")

    data_exposed = {}
    attribute = record.get("attribute") if isinstance(record.get("attribute"), dict) else {}
    confidentiality = attribute.get("confidentiality") if isinstance(attribute.get("confidentiality"), dict) else {}
    for item in confidentiality.get("data", []) if isinstance(confidentiality.get("data"), list) else []:
        variety = item.get("variety") if isinstance(item, dict) else None
        mapped = data_class_for("veris", variety) if isinstance(variety, str) else None
        if mapped is None:
            report.unmapped.append(
                f"attribute.confidentiality.data variety {variety!r}: no data class in the vocabulary"
            )
            continue
        amount = _int(item.get("amount"))
        entry = data_exposed.setdefault(mapped, {"data_class": mapped})
        if amount is not None and amount >= 0:
            if entry.get("affected_count") is not None and entry["affected_count"] != amount:
                report.notes.append(f"two varieties map to {mapped}: kept the larger amount, marked approximate")
                entry["affected_count_approximate"] = True
                amount = max(amount, entry["affected_count"])
            entry["affected_count"] = amount
            entry.setdefault("affected_count_approximate", False)
        elif item.get("amount") is not None:
            report.unmapped.append(f"data amount {item.get('amount')!r} for {variety}: not a count")
    used_classes.update(data_exposed)
    total = _int(confidentiality.get("data_total"))

    summary_text, cut = truncate(clean_text(record.get("summary")), SUMMARY_LIMIT - 1000)
    if cut:
        report.notes.append(f"summary longer than {SUMMARY_LIMIT - 1000} characters: cut with an ellipsis")
    facts = []
    actions = (
        [a for a in (record.get("action") or {}) if isinstance(a, str)]
        if isinstance(record.get("action"), dict)
        else []
    )
    if actions:
        facts.append(f"action {', '.join(sorted(actions))}")
    found = discovery_method(record.get("discovery_method"))
    if found:
        facts.append(f"discovery method {found}")
    elif record.get("discovery_method") is not None:
        report.unmapped.append(f"discovery_method {record.get('discovery_method')!r}: not understood")
    if kind and kind != "confirmed":
        facts.append(f"security incident {kind}")
    summary = " ".join(p for p in (summary_text, f"VERIS: {'; '.join(facts)}." if facts else "") if p)

    when = f" ({time_words(started)})" if started else ""
    title = truncate(f"{name}: {', '.join(sorted(actions)) or 'security incident'}{when}", TITLE_LIMIT)[0]
    incident = {
        "slug": incident_slug,
        "title": title,
        "summary": summary,
        "vendor": vendor_slug,
        "timezone": "unknown",
        "status": "published" if publish else "draft",
        "origin": {"dataset": DATASET, "record": record_id[:200], "url": record_url, "credit": CREDIT},
        "participants": [
            {"organization": vendor_slug, "role": "vendor"},
            {"organization": VCDB_ORG["slug"], "role": "aggregator"},
        ],
        "data_exposed": list(data_exposed.values()),
        "events": events,
        "claims": [],
    }
    if total is not None and total >= 0:
        incident["affected_count"] = total
        incident["affected_count_approximate"] = False
    if durations:
        incident["durations"] = durations
    watched = followed_until(plus.get("modified") or plus.get("created"))
    if watched:
        incident["followed_until"] = watched
    return incident
