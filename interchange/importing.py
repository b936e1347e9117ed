"""What the dataset importers share: cleaning foreign text, URLs and slugs, the per-record report,
and the run that hands one bundle to the one bundle import (interchange.bundle.import_bundle).

The format modules (hibp.py, veris.py) are pure: records in, one bundle document and a
report per record out. `run_import` is the only part that writes, and only through
`import_bundle`: the good records of a run are imported all together or not at all; a
record the bundle import refuses is dropped with the located reason and the rest is tried
again (unless `strict`, which refuses the whole run instead).
"""

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.utils.text import slugify

from disclosure.models import LONG_TEXT

ELLIPSIS = "…"
SUMMARY_LIMIT = LONG_TEXT  # the incident summary's bound (disclosure.models)
SOURCE_URL_LIMIT = 1000
SOURCE_TITLE_LIMIT = 500
TITLE_LIMIT = 300
ORG_NAME_LIMIT = 200
ORG_SLUG_LIMIT = 100
INCIDENT_SLUG_LIMIT = 150
SOURCE_KEY_LIMIT = 150


# --- the report ------------------------------------------------------------


@dataclass
class RecordReport:
    """What happened to one foreign record: its incident's slug, and what could not be mapped.

    `outcome` (the report's "status") is "skipped" (with `reason`) when the record was left
    out, else, after the run, "created", "updated", "unchanged" or "refused" ("mapped" before it).
    """

    record: str
    file: str = ""
    slug: str = ""
    outcome: str = "mapped"
    reason: str = ""
    unmapped: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def skip(self, reason):
        self.outcome, self.reason = "skipped", reason
        return self

    def as_dict(self):
        out = {"record": self.record, "status": self.outcome}
        for key in ("file", "slug", "reason"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        out["unmapped"] = list(self.unmapped)
        out["notes"] = list(self.notes)
        return out


@dataclass
class Conversion:
    """A format module's answer: one bundle document and one report per foreign record (in input order)."""

    document: dict
    records: list


def summary_counts(records):
    counts = {"records": len(records), "imported": 0, "created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    counts["refused"] = 0
    for r in records:
        if r.outcome in ("skipped", "refused"):
            counts[r.outcome] += 1
        else:
            counts["imported"] += 1
            if r.outcome in counts:
                counts[r.outcome] += 1
    return counts


def report_document(dataset, records, *, strict=False, refused=False):
    """The JSON report of a run (docs/import.md describes it)."""
    return {
        "dataset": dataset,
        "strict": strict,
        "refused": refused,
        "counts": summary_counts(records),
        "records": [r.as_dict() for r in records],
    }


# --- text ------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>?")
_SPACE = re.compile(r"\s+")
# The value of an href: up to its closing quote, or (a missing closing quote) up to a space or '>'.
_HREF = re.compile(r"""href\s*=\s*(?:"([^"<>]*?)(?:"|(?=[\s>]))|'([^'<>]*?)(?:'|(?=[\s>]))|([^\s"'<>]+))""", re.I)


def unescape(text):
    """HTML entities decoded, also when escaped twice or more ('&amp;amp;' -> '&')."""
    for _ in range(4):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def clean_text(text):
    """Plain text: no tags, entities decoded (however often escaped), whitespace collapsed, no NUL."""
    if not isinstance(text, str):
        return ""
    text = unescape(text)
    text = _TAG.sub(" ", text)
    text = unescape(text)  # an entity escaped inside a tag's text, e.g. '&amp;lt;b&amp;gt;'
    text = text.replace("\x00", "")
    text = _SPACE.sub(" ", text).strip()
    # A tag replaced by a space must not leave one before punctuation ('<b>online</b>.').
    return re.sub(r" (?=[.,;:!?](?:\s|$))", "", text)


def html_links(text):
    """The href values of an HTML text, in order, decoded; a missing closing quote ends at a space or '>'."""
    if not isinstance(text, str):
        return []
    out = []
    for match in _HREF.finditer(unescape(text)):
        value = next(g for g in match.groups() if g is not None).strip()
        if value:
            out.append(value)
    return out


def truncate(text, limit):
    """`text` cut at a word boundary to at most `limit` characters, ending with an ellipsis; (text, cut?)."""
    if len(text) <= limit:
        return text, False
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + ELLIPSIS, True


def first_sentence(text):
    """The first sentence of a plain text (up to the first '.', '!' or '?' followed by a space and a capital)."""
    match = re.search(r"[.!?](?=\s+[A-Z\"'(]|\s*$)", text)
    return text[: match.start() + 1] if match else text


# --- slugs -----------------------------------------------------------------


def slug(text, limit=100):
    """A stable slug: ASCII-folded, lower case, single hyphens, cut at a hyphen to `limit`; '' when nothing is left."""
    if not isinstance(text, str):
        return ""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    value = slugify(folded.replace("_", "-").replace(".", "-"))
    value = re.sub(r"-{2,}", "-", value).strip("-")
    if len(value) > limit:
        value = value[:limit]
        if "-" in value[limit // 2 :]:
            value = value[: value.rfind("-")]
        value = value.strip("-")
    return value


def digest(text, length=10):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]  # noqa: S324 - a stable key, not security


def normalise_name(text):
    """A name as people write it: no stray or repeated spaces, no control characters."""
    if not isinstance(text, str):
        return ""
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " \t\n")
    return _SPACE.sub(" ", unescape(text)).strip()


# --- URLs ------------------------------------------------------------------

_url_validator = URLValidator(schemes=["http", "https"])
_SCHEME = re.compile(r"https?://", re.I)


def valid_url(url):
    if len(url) > SOURCE_URL_LIMIT:
        return False
    try:
        _url_validator(url)
    except ValidationError:
        return False
    return True


def _repair(token):
    """(url, note) for one URL-like token; a note says what was repaired."""
    original = token
    starts = [m.start() for m in _SCHEME.finditer(token)]
    if len(starts) > 1 and re.fullmatch(r"https?://(?:www\.)?", token[: starts[1]], re.I):
        # 'http://www.http://www.hhs.gov/...': a scheme typed twice.
        token = token[starts[1] :]
    # '...breachtool.html.gov/ocr/.../breachtool.html': the tail pasted twice.
    for size in range(len(token) // 2, 7, -1):
        tail = token[-size:]
        if tail[0] in "./" and token[:-size].endswith(tail) and len(token[:-size]) > len(tail):
            token = token[:-size]
            break
    if token.lower().startswith("www."):
        token = "http://" + token
    return token, (f"repaired malformed URL '{original}' to '{token}'" if token != original else "")


def split_urls(text):
    """The URLs in a free-text reference field: (urls, notes).

    Splits on ';', spaces and on ',' before another URL (commas inside URLs stay),
    repairs a doubled scheme or a tail pasted twice, drops what is not an http(s) URL
    (each with a reason in `notes`), and removes duplicates keeping the first.
    """
    urls, notes = [], []
    if not isinstance(text, str):
        return urls, notes
    text = unescape(text).replace("\x00", "")
    pieces = []
    for chunk in re.split(r"[;\s]+", text):
        # 'a.pdf,http://b' and 'a.html.http://b': a URL glued to the next one.
        pieces.extend(p for p in re.split(r"[,.]+(?=https?://)", chunk) if p)
    dropped = []
    for piece in pieces:
        piece = piece.strip(",;()<>[]\"'")
        # An access date glued to the address: '...?p=298(20130212)'.
        piece = re.sub(r"\(\d{6,8}\)?$", "", piece).rstrip(".")
        if not piece:
            continue
        if not (_SCHEME.match(piece) or piece.lower().startswith("www.")):
            dropped.append(piece)
            continue
        # Two URLs run together without a separator ('http://a/xhttp://b'), unless it is a doubled scheme.
        starts = [m.start() for m in _SCHEME.finditer(piece)]
        candidates = [piece]
        if len(starts) > 1 and not re.fullmatch(r"https?://(?:www\.)?", piece[: starts[1]], re.I):
            candidates = [piece[a:b] for a, b in zip(starts, [*starts[1:], len(piece)], strict=True)]
        for candidate in candidates:
            url, note = _repair(candidate)
            if note:
                notes.append(note)
            if not valid_url(url):
                notes.append(
                    f"dropped URL longer than {SOURCE_URL_LIMIT} characters: '{url[:80]}…'"
                    if len(url) > SOURCE_URL_LIMIT
                    else f"dropped malformed URL '{url}'"
                )
                continue
            if url not in urls:
                urls.append(url)
    if dropped:
        text, _ = truncate(" ".join(dropped), 200)
        notes.append(f"dropped text that is not a URL: '{text}'")
    return urls, notes


def link_source(url):
    """The bundle source for a link found in a record: keyed by the URL alone, so every run and dataset agree."""
    parts = urlsplit(url)
    host = slug(parts.hostname or "link", 60) or "link"
    title, _ = truncate(url.split("://", 1)[-1], SOURCE_TITLE_LIMIT)
    return {"key": f"link-{host}-{digest(url)}", "title": title, "url": url, "kind": "other"}


# --- recorded times --------------------------------------------------------

MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def bundle_document(class_entries, used_classes, organizations, sources, incidents):
    """One converted run as a bundle: the data classes it uses (from the vocabulary's entries, with
    only the fields a bundle's data class holds), its organisations and sources in a stable order,
    and its incidents."""
    entries = {e["slug"]: e for e in class_entries}
    return {
        "format": "disclosure-bundle/1",
        "data_classes": [
            {k: entries[s][k] for k in ("slug", "name", "description") if k in entries[s]}
            for s in sorted(used_classes)
            if s in entries
        ],
        "organizations": sorted(organizations.values(), key=lambda o: o["slug"]),
        "sources": sorted(sources.values(), key=lambda s: s["key"]),
        "incidents": incidents,
    }


def followed_until(instant):
    """The dataset's last word on a record (its modification instant, UTC) as the incident's `followed_until`.

    Open figures (an exposure with no recorded end) run to the incident's followed_until
    (time-and-metrics.md §4.1): without it, an imported record that nobody follows any more
    would show an exposure growing until today ("at least 16 years"). The record was last
    looked at then; the figure says "at least ..., by <that day>". None when the value is
    not an ISO date.
    """
    if not isinstance(instant, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", instant.strip()):
        return None
    day = instant.strip()[:10]
    try:
        date.fromisoformat(day)
    except ValueError:
        return None
    return {"at": day, "precision": "day", "timezone": "UTC"}


def time_words(time):
    """A recorded time in words at its own precision: '2019', 'March 2019', '4 March 2019', 'about 2019'."""
    at, precision = time["at"], time["precision"]
    year = at[:4]
    if precision == "year":
        words = year
    elif precision == "month":
        words = f"{MONTH_NAMES[int(at[5:7]) - 1]} {year}"
    else:
        words = f"{int(at[8:10])} {MONTH_NAMES[int(at[5:7]) - 1]} {year}"
    return f"about {words}" if time.get("approximate") else words


# --- the run ---------------------------------------------------------------


def _incident_index(path):
    match = re.match(r"incidents\[(\d+)\]", path)
    return int(match.group(1)) if match else None


def _referrers(document, kind, index):
    """Indexes of the incidents that use organisations[index] / sources[index] / data_classes[index]."""
    if kind == "organizations":
        wanted = document["organizations"][index]["slug"]
    elif kind == "sources":
        wanted = document["sources"][index]["key"]
    else:
        wanted = document["data_classes"][index]["slug"]
    out = []
    for i, incident in enumerate(document["incidents"]):
        if f'"{wanted}"' in _flat(incident):
            out.append(i)
    return out


def _flat(value):
    import json

    return json.dumps(value, ensure_ascii=False)


def _without(document, drop):
    """The document less the incidents at `drop`, and less the organisations and sources nothing uses any more."""
    incidents = [inc for i, inc in enumerate(document["incidents"]) if i not in drop]
    used = _flat(incidents) + _flat([s.get("outlet") for s in document["sources"]])
    out = dict(document)
    out["incidents"] = incidents
    out["sources"] = [s for s in document["sources"] if f'"{s["key"]}"' in used]
    used += _flat([s.get("outlet") for s in out["sources"]])
    out["organizations"] = [o for o in document["organizations"] if f'"{o["slug"]}"' in used]
    return out


def _problems_by_incident(document, problems):
    """{incident index: [messages]} for located problems; None when one cannot be tied to incidents."""
    by_incident = {}
    for problem in problems:
        index = _incident_index(problem.path)
        if index is None:
            match = re.match(r"(organizations|sources|data_classes)\[(\d+)\]", problem.path)
            if not match:
                return None
            indexes = _referrers(document, match.group(1), int(match.group(2)))
            if not indexes:
                return None
        else:
            indexes = [index]
        for i in indexes:
            by_incident.setdefault(i, []).append(str(problem))
    return by_incident


class _Probe(Exception):
    """Rolls back a trial import."""


def _trial(document):
    """The reason the bundle import refuses `document` (writing nothing), or None."""
    from interchange.bundle import BundleError, import_bundle

    try:
        with transaction.atomic():
            import_bundle(document)
            raise _Probe
    except _Probe:
        return None
    except BundleError as exc:
        return "; ".join(str(p) for p in exc.problems)
    except (DatabaseError, ValidationError, ValueError, TypeError, KeyError) as exc:
        return f"the database refused it: {exc}"


class RunRefused(Exception):
    """--strict: the run was refused because some record is bad; nothing was written."""


def run_import(conversion, *, strict=False, existing_orgs_kept=True, progress=None):
    """Import a conversion's document through the one bundle import; fill in each record's status.

    The good records are imported in one bundle, all or nothing. A record the bundle
    import refuses is skipped with the located reason and the others are tried again;
    with `strict`, any skipped record refuses the whole run (RunRefused, nothing written).
    Organisations already in the database are left as the newsroom keeps them (their
    slug is still referenced). Returns the ImportResult of the final import (or None
    when nothing was left to import).
    """
    from disclosure.models import Incident, Organization
    from disclosure.signals import incident_changed
    from interchange.bundle import BundleError, import_bundle

    records = conversion.records
    by_slug = {r.slug: r for r in records if r.outcome != "skipped"}
    if strict and any(r.outcome == "skipped" for r in records):
        raise RunRefused(_refusal(records))
    document = conversion.document
    if existing_orgs_kept:
        known = set(
            Organization.objects.filter(slug__in=[o["slug"] for o in document["organizations"]]).values_list(
                "slug", flat=True
            )
        )
        document = dict(document, organizations=[o for o in document["organizations"] if o["slug"] not in known])
    stored = dict(Incident.objects.filter(slug__in=list(by_slug)).values_list("slug", "status"))
    before = set(stored)
    document = dict(document, incidents=[_keep_status(i, stored.get(i["slug"])) for i in document["incidents"]])

    changed = set()

    def collect(sender, incident_id, **kwargs):
        changed.add(incident_id)

    result = None
    while document["incidents"]:
        changed.clear()
        incident_changed.connect(collect, dispatch_uid="interchange-importing-run")
        try:
            result = import_bundle(document)
            break
        except BundleError as exc:
            refused = _problems_by_incident(document, exc.problems)
        except (DatabaseError, ValidationError, ValueError, TypeError, KeyError):
            refused = None
        finally:
            incident_changed.disconnect(dispatch_uid="interchange-importing-run")
        if not refused:
            # Not tied to a record: find the records the bundle import refuses one by one.
            refused = {}
            for i in range(len(document["incidents"])):
                reason = _trial(_without(document, set(range(len(document["incidents"]))) - {i}))
                if reason:
                    refused[i] = [reason]
            if not refused:
                raise RuntimeError("the bundle import refused the run but no single record on its own")
        for i, messages in refused.items():
            slug_ = document["incidents"][i]["slug"]
            by_slug[slug_].skip("refused by the bundle import: " + "; ".join(messages))
        if strict:
            raise RunRefused(_refusal(records))
        document = _without(document, set(refused))
        if progress:
            progress(f"retrying without {len(refused)} refused record(s)")

    changed_slugs = set(Incident.objects.filter(pk__in=changed).values_list("slug", flat=True))
    for slug_, report in by_slug.items():
        if report.outcome == "skipped":
            continue
        if slug_ not in before:
            report.outcome = "created"
        elif slug_ in changed_slugs:
            report.outcome = "updated"
        else:
            report.outcome = "unchanged"
    return result


def _keep_status(incident, stored_status):
    """A run never takes an incident back: one already published, in review or retracted keeps its status.

    Without --publish the converters say "draft"; a newsroom may since have published
    the imported incident, and importing the dataset again must not unpublish it. The
    claims that follow their incident's status (a flagged breach's date) follow it here too.
    """
    if stored_status in (None, "draft") or incident["status"] != "draft":
        return incident
    out = dict(incident, status=stored_status)
    if stored_status == "published" and incident.get("claims"):
        out["claims"] = [dict(c, status="published") for c in incident["claims"]]
    return out


def _refusal(records):
    bad = [r for r in records if r.outcome == "skipped"]
    lines = [f"{r.record}: {r.reason}" for r in bad[:20]]
    more = f" (and {len(bad) - 20} more)" if len(bad) > 20 else ""
    return f"--strict: {len(bad)} record(s) cannot be imported{more}; nothing was written.\n" + "\n".join(lines)


# --- the commands ----------------------------------------------------------


class DatasetCommand:
    """What import_hibp and import_veris share (mixed into a BaseCommand): options, the run and its summary."""

    dataset = ""

    def add_common_arguments(self, parser):
        parser.add_argument("--report", metavar="FILE", help="Write the per-record report as JSON to FILE.")
        parser.add_argument(
            "--strict", action="store_true", help="Refuse the whole run (write nothing) when any record is bad."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Make the imported incidents published (default: drafts). Sensitive breaches stay drafts.",
        )

    def progress(self, iterable, total, desc):
        import sys

        from tqdm import tqdm

        # disable=None: a bar on a terminal, nothing in logs and tests.
        return tqdm(iterable, total=total, desc=desc, unit="record", file=sys.stderr, disable=None, leave=False)

    def finish(self, conversion, *, strict, report_path):
        """Import the conversion, print the summary, write the report; CommandError when refused."""
        import json
        from pathlib import Path

        from django.core.management.base import CommandError
        from django.db import connection

        refused = None
        total = len(conversion.document["incidents"])
        self.stderr.write(f"Importing {total} incident(s) in one bundle…")
        try:
            run_import(conversion, strict=strict, progress=lambda message: self.stderr.write(message))
        except RunRefused as exc:
            refused = str(exc)
            for r in conversion.records:
                if r.outcome != "skipped":
                    r.outcome, r.reason = "refused", "not written: --strict refused the run"
        records = conversion.records
        if report_path:
            document = report_document(self.dataset, records, strict=strict, refused=refused is not None)
            try:
                Path(report_path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write the report to {report_path}: {exc.strerror}") from exc
        self.print_summary(records)
        if refused:
            raise CommandError(refused)
        counts = summary_counts(records)
        if counts["created"] > 1000 and connection.vendor == "postgresql":
            # A bulk load leaves PostgreSQL's planner with stale statistics: refresh them.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def print_summary(self, records, shown=20):
        counts = summary_counts(records)
        skipped = [r for r in records if r.outcome == "skipped"]
        for r in skipped:
            self.stdout.write(
                f"skipped {r.record}{f' ({r.file})' if r.file and r.file != r.record else ''}: {r.reason}"
            )
        with_unmapped = [r for r in records if r.unmapped]
        verbose = getattr(self, "verbosity", 1) >= 2
        for r in with_unmapped if verbose else with_unmapped[:shown]:
            self.stdout.write(f"unmapped in {r.record}: " + "; ".join(r.unmapped))
        if not verbose and len(with_unmapped) > shown:
            self.stdout.write(
                f"… and {len(with_unmapped) - shown} more record(s) with unmapped fields (-v 2 or --report FILE)."
            )
        if counts["refused"]:
            self.stdout.write(
                f"{self.dataset}: {counts['records']} record(s): refused by --strict ({counts['skipped']} bad); "
                "nothing was written."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{self.dataset}: {counts['records']} record(s): {counts['imported']} imported "
                f"({counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged), "
                f"{counts['skipped']} skipped; {len(with_unmapped)} with unmapped fields."
            )
        )
