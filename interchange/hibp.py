"""Have I Been Pwned's breach list (the /api/v3/breaches JSON) as one bundle document.

Pure: `convert(records)` returns a Conversion (the document and a report per breach);
`manage.py import_hibp` hands the document to the one bundle import. docs/import.md
states every rule; in short:

* one incident per breach, slug `hibp-<Name>`, draft unless `publish` (a sensitive
  breach never published); the vendor from Title (else Domain, else Name), its home
  page from Domain;
* `BreachDate` is `exposure_started` at the precision the Description's first sentence
  supports ("In March 2019" a month, "In 2018" a year, "approximately", "early", "mid",
  "late" approximate), never finer than the data; placeholder days (YYYY-01-01,
  YYYY-MM-01) are not read as days;
* a breach HIBP flags as unverified, fabricated or a spam list gets no exposure event:
  its date is a claim by Have I Been Pwned instead (docs/methodology.md);
* `AddedDate` is an "other" event, "Listed by Have I Been Pwned", an instant in UTC;
* `PwnCount` is the affected count of email addresses (unique addresses, not people);
* `DataClasses` map through the data-class vocabulary (disclosure/vocabulary);
* the links in `Description` and the breach's own HIBP page are the sources;
* the Is* flags are kept in `origin.flags`.
"""

import re
from urllib.parse import quote

from interchange.importing import (
    INCIDENT_SLUG_LIMIT,
    MONTH_NAMES,
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
    first_sentence,
    followed_until,
    html_links,
    link_source,
    normalise_name,
    slug,
    split_urls,
    truncate,
)

DATASET = "hibp"
CREDIT = "Have I Been Pwned"
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
HIBP_ORG = {
    "slug": "have-i-been-pwned",
    "name": "Have I Been Pwned",
    "kind": "platform",
    "url": "https://haveibeenpwned.com/",
    "description": "Troy Hunt's breach notification service; its breach list is licensed CC BY 4.0.",
}
FLAGS = {
    "IsFabricated": "fabricated",
    "IsSensitive": "sensitive",
    "IsRetired": "retired",
    "IsSpamList": "spam_list",
    "IsMalware": "malware",
    "IsStealerLog": "stealer_log",
    "IsSubscriptionFree": "subscription_free",
}
# Breaches whose date is HIBP's claim rather than an established fact (core's decision, docs/methodology.md).
UNCONFIRMED = {"unverified", "fabricated", "spam_list"}
KNOWN_FIELDS = {
    "Name",
    "Title",
    "Domain",
    "BreachDate",
    "AddedDate",
    "ModifiedDate",
    "PwnCount",
    "Description",
    "LogoPath",
    "DataClasses",
    "IsVerified",
    "DisclosureUrl",
    *FLAGS,
}
# Fields read on purpose and not carried: the logo is HIBP's image, the modification date is theirs.
IGNORED_FIELDS = {"LogoPath", "ModifiedDate"}

_MONTH = {name.lower(): i + 1 for i, name in enumerate(MONTH_NAMES)} | {"sept": 9}
_HEDGES = ("approximately", "approx.", "around", "about", "circa", "roughly", "possibly", "estimated", "prior to")
_PERIODS = ("early", "mid", "late")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ADDED = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]00:00)?$")


def breach_time(breach_date, description):
    """(recorded time, words, notes) for a BreachDate read with the Description's first sentence.

    The precision is what the sentence supports when it names the same month or year as
    BreachDate; otherwise BreachDate alone decides, its placeholder days (01-01, -01) read
    as a year or a month. Hedges ("approximately", "about", "prior to") and periods
    ("early", "mid", "late") make the time approximate; a period of a year reaches a
    quarter beyond it (margin P3M) rather than a whole year. Raises ValueError for a
    BreachDate that is not a date.
    """
    notes = []
    match = _DATE.match(breach_date.strip()) if isinstance(breach_date, str) else None
    if not match:
        raise ValueError(f"BreachDate {breach_date!r} is not a YYYY-MM-DD date")
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"BreachDate {breach_date!r} has no month {month}")
    from calendar import monthrange

    day_valid = 1 <= day <= monthrange(year, month)[1]
    sentence = first_sentence(description).lower()
    # The clause that dates the breach: up to the first comma ("In approximately March 2015, ...").
    lead = sentence.split(",", 1)[0]
    months = [_MONTH[m] for m in re.findall(r"\b(" + "|".join(_MONTH) + r")\b", lead)]
    years = [int(y) for y in re.findall(r"\b(19\d{2}|20\d{2})\b", lead)]
    hedged = any(h in lead for h in _HEDGES)
    period = next((p for p in _PERIODS if re.search(rf"\b{p}\b|\b{p}-", lead)), None)
    agrees = (years or months) and (not years or year in years) and (not months or month in months)

    if agrees and months:
        time = {"at": f"{year:04d}-{month:02d}", "precision": "month"}
        if hedged or period or len(set(months)) > 1:
            time["approximate"] = True
        words = f"{MONTH_NAMES[month - 1]} {year}"
    elif agrees:
        time = {"at": f"{year:04d}", "precision": "year"}
        words = str(year)
        if period:
            time |= {"approximate": True, "margin": "P3M"}
            words = f"{period}-{year}" if period == "mid" else f"{period} {year}"
        elif hedged:
            time["approximate"] = True
    else:
        if years or months:
            notes.append(
                f"the description's first sentence dates something else ('{lead.strip()}'); "
                f"BreachDate {breach_date} kept at its own precision"
            )
        if not day_valid:
            notes.append(f"BreachDate {breach_date} is not a calendar date: kept to the month")
            time = {"at": f"{year:04d}-{month:02d}", "precision": "month"}
        elif month == 1 and day == 1:
            notes.append(f"BreachDate {breach_date} looks like a placeholder (1 January): kept to the year")
            time = {"at": f"{year:04d}", "precision": "year"}
        elif day == 1:
            notes.append(f"BreachDate {breach_date} looks like a placeholder (the 1st): kept to the month")
            time = {"at": f"{year:04d}-{month:02d}", "precision": "month"}
        else:
            time = {"at": f"{year:04d}-{month:02d}-{day:02d}", "precision": "day"}
        if (hedged or period) and not (years or months):
            time["approximate"] = True
        words = None
    if words is None:
        from interchange.importing import time_words

        words = time_words(time)
    elif time.get("approximate") and not period:
        words = f"about {words}"
    return time, words, notes


def _added_time(value):
    """AddedDate as an instant in UTC (precision second), or None."""
    match = _ADDED.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    day, clock, offset = match.groups()
    from datetime import date

    try:
        date.fromisoformat(day)
    except ValueError:
        return None
    return {"at": f"{day}T{clock}Z", "precision": "second"}


def _flags(record):
    flags = []
    if record.get("IsVerified") is False:
        flags.append("unverified")
    flags.extend(flag for field, flag in FLAGS.items() if record.get(field) is True)
    return flags


def _record_id(record, index):
    name = record.get("Name") if isinstance(record, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else f"#{index}"


def convert(records, *, publish=False, data_class_for=None, data_class_entries=None, file=""):
    """The bundle document for HIBP breach records, and a RecordReport per record (input order).

    `data_class_for(dataset, name)` and `data_class_entries()` default to the project's
    vocabulary (disclosure.vocabulary); tests may pass their own.
    """
    if data_class_for is None or data_class_entries is None:
        from disclosure import vocabulary

        data_class_for = data_class_for or vocabulary.data_class_for
        data_class_entries = data_class_entries or vocabulary.data_class_entries
    organizations = {HIBP_ORG["slug"]: HIBP_ORG}
    sources, incidents, reports, used_classes = {}, [], [], set()
    seen_slugs = {}
    if not isinstance(records, list):
        raise ValueError("a Have I Been Pwned breach list is a JSON array of breach objects")
    for index, record in enumerate(records):
        report = RecordReport(record=_record_id(record, index), file=file)
        reports.append(report)
        if not isinstance(record, dict):
            report.skip("not a breach object")
            continue
        try:
            incident = _incident(record, report, publish, organizations, sources, data_class_for, used_classes)
        except ValueError as exc:
            report.skip(str(exc))
            continue
        except (TypeError, AttributeError, KeyError, IndexError) as exc:
            # A shape no release seen so far has: skip the record with what went wrong, never a traceback.
            report.skip(f"a field has a shape this importer does not read ({type(exc).__name__}: {exc})")
            continue
        if incident["slug"] in seen_slugs:
            report.skip(f"same Name as record {seen_slugs[incident['slug']]} (slug '{incident['slug']}')")
            continue
        seen_slugs[incident["slug"]] = report.record
        report.slug = incident["slug"]
        incidents.append(incident)
    document = bundle_document(data_class_entries(), used_classes, organizations, sources, incidents)
    return Conversion(document=document, records=reports)


def _incident(record, report, publish, organizations, sources, data_class_for, used_classes):
    name = record.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("no Name: a breach needs its HIBP name to be imported again the same way")
    name = name.strip()
    for field in sorted(set(record) - KNOWN_FIELDS):
        report.unmapped.append(f"{field}: not a field this importer knows")
    title = normalise_name(record.get("Title")) or name
    domain = normalise_name(record.get("Domain")).lower()
    key = slug(name, INCIDENT_SLUG_LIMIT - 5) or digest(name)
    incident_slug = f"hibp-{key}"

    # The vendor: the breach's title names it; the domain is its home page.
    vendor_slug = slug(title, ORG_SLUG_LIMIT) or slug(domain, ORG_SLUG_LIMIT) or slug(name, ORG_SLUG_LIMIT)
    if not vendor_slug:
        vendor_slug = f"hibp-vendor-{digest(name)}"
        report.notes.append(f"no Latin letters in Title, Domain or Name: vendor slug '{vendor_slug}'")
    vendor = {"slug": vendor_slug, "name": truncate(title, ORG_NAME_LIMIT)[0], "kind": "vendor"}
    if domain:
        urls, _ = split_urls(f"https://{domain}/")
        if urls and len(urls[0]) <= 200:
            vendor["url"] = urls[0]
        else:
            report.unmapped.append(f"Domain '{domain}': not a usable home page address")
    organizations.setdefault(vendor_slug, vendor)

    flags = _flags(record)
    unconfirmed = bool(UNCONFIRMED & set(flags))
    status = "published" if publish and "sensitive" not in flags else "draft"
    if publish and "sensitive" in flags:
        report.notes.append("sensitive breach: left a draft although --publish was given")

    description_html = record.get("Description") if isinstance(record.get("Description"), str) else ""
    text = clean_text(description_html)
    time, words, notes = breach_time(record.get("BreachDate"), text)
    report.notes.extend(notes)

    # Sources: the breach's own page on HIBP, and every link in its description.
    record_url = f"https://haveibeenpwned.com/PwnedWebsites#{quote(name, safe='')}"
    own = {
        "key": f"hibp-{key}"[:SOURCE_KEY_LIMIT],
        "title": truncate(f"Have I Been Pwned: {title}", 500)[0],
        "outlet": HIBP_ORG["slug"],
        "url": record_url,
        "kind": "other",
    }
    added = _added_time(record.get("AddedDate"))
    if added:
        own["published"] = added
    else:
        report.unmapped.append(f"AddedDate {record.get('AddedDate')!r}: not an instant")
    sources[own["key"]] = own
    links = []
    hrefs = html_links(description_html)
    if isinstance(record.get("DisclosureUrl"), str) and record["DisclosureUrl"].strip():
        hrefs.append(record["DisclosureUrl"].strip())  # the breached organisation's own notice, when HIBP has it
    for href in hrefs:
        urls, url_notes = split_urls(href)
        report.notes.extend(url_notes)
        for url in urls:
            if url not in links:
                links.append(url)
    link_keys = []
    for url in links:
        source = link_source(url)
        sources.setdefault(source["key"], source)
        link_keys.append(source["key"])
    citations = [{"source": own["key"]}] + [{"source": k} for k in link_keys]

    summary, cut = truncate(text, SUMMARY_LIMIT - 200)
    if cut:
        report.notes.append(f"description longer than {SUMMARY_LIMIT - 200} characters: cut with an ellipsis")

    # PwnCount counts unique email addresses, not people.
    count = record.get("PwnCount")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        if count is not None:
            report.unmapped.append(f"PwnCount {count!r}: not a count")
        count = None
    if count is not None:
        summary += f" Have I Been Pwned counts {count:,} unique email addresses in this breach (not people)."

    data_exposed = {}
    classes = record.get("DataClasses") if isinstance(record.get("DataClasses"), list) else []
    for data_class in classes:
        mapped = data_class_for(DATASET, data_class) if isinstance(data_class, str) else None
        if mapped is None:
            report.unmapped.append(f"DataClasses '{data_class}': no data class in the vocabulary")
            continue
        data_exposed.setdefault(mapped, {"data_class": mapped})
    email = data_class_for(DATASET, "Email addresses") or "email-addresses"
    if count is not None:
        if email not in data_exposed:
            report.notes.append("PwnCount counts email addresses, which DataClasses does not list: added them")
        data_exposed.setdefault(email, {"data_class": email})
        data_exposed[email] |= {"affected_count": count, "affected_count_approximate": False}
    used_classes.update(data_exposed)

    events = []
    claims = []
    if unconfirmed:
        shown = ", ".join(f for f in flags if f in UNCONFIRMED).replace("_", " ")
        report.notes.append(f"HIBP flags it {shown}: its breach date is a claim by HIBP, not an exposure event")
        claim = {
            "key": "breach-date",
            "statement": f"{title} was breached in {words}.",
            "claimant": HIBP_ORG["slug"],
            "category": "data_exposure",
            "status": status,
            "citations": [{"source": own["key"]}],
        }
        if added:
            claim["asserted"] = added
        claims.append(claim)
    else:
        events.append(
            {
                "key": "breach-date",
                "kind": "exposure_started",
                "time": time,
                "description": f"Breached in {words}, as Have I Been Pwned lists it.",
                "status": "published",
                "citations": citations,
            }
        )
    if added:
        events.append(
            {
                "key": "listed-by-hibp",
                "kind": "other",
                "time": added,
                "actor": HIBP_ORG["slug"],
                "description": "Listed by Have I Been Pwned",
                "status": "published",
                "citations": [{"source": own["key"]}],
            }
        )

    origin = {"dataset": DATASET, "record": name[:200], "url": record_url, "credit": CREDIT}
    origin |= {"licence": LICENCE, "licence_url": LICENCE_URL}
    if flags:
        origin["flags"] = flags
    incident = {
        "slug": incident_slug,
        "title": truncate(f"{title} data breach", TITLE_LIMIT)[0],
        "summary": summary,
        "vendor": vendor_slug,
        "timezone": "unknown",
        "status": status,
        "origin": origin,
        "participants": [
            {"organization": vendor_slug, "role": "vendor"},
            {"organization": HIBP_ORG["slug"], "role": "aggregator"},
        ],
        "data_exposed": list(data_exposed.values()),
        "events": events,
        "claims": claims,
    }
    watched = followed_until(record.get("ModifiedDate") or record.get("AddedDate"))
    if watched:
        incident["followed_until"] = watched
    return incident
