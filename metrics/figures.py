"""Every figure, outcome and phrase of the disclosure-window metrics, defined once.

Pure Python, no Django (time-and-metrics.md §7): the recompute computes with it,
the aggregates summarise with it, and the site, the feeds and the API put its
results into words with it. Nothing else defines a metric, "met a norm", a
reporter, a summary statistic or the words for a figure.
"""

import re
from bisect import bisect_right
from datetime import UTC, timedelta
from typing import NamedTuple

from disclosure import timemath

#: The metrics, in their display order (the values of metrics.choices.Metric).
METRICS = (
    "exposure_duration",
    "time_to_discovery",
    "discovery_to_notice",
    "notice_to_publication",
    "notice_to_acknowledgement",
    "publication_to_vendor_awareness",
    "notice_to_remediation",
    "publication_to_statement",
    "awareness_to_user_notification",
)

#: Who counts as a reporter of an incident: the participants who found it or told the vendor.
REPORTER_ROLES = ("discoverer", "notifier")

FIRST, LAST = "first", "last"

#: metric -> (start kinds (the earliest of their first events), end kind, which end event)
DEFINITIONS = {
    "exposure_duration": (("exposure_started",), "remediated", LAST),
    "time_to_discovery": (("exposure_started",), "discovered", FIRST),
    "discovery_to_notice": (("discovered",), "vendor_notified", FIRST),
    "notice_to_publication": (("vendor_notified",), "published", FIRST),
    "notice_to_acknowledgement": (("vendor_notified",), "vendor_acknowledged", FIRST),
    "publication_to_vendor_awareness": (("published",), "vendor_aware", FIRST),
    "notice_to_remediation": (("vendor_notified",), "remediated", FIRST),
    "publication_to_statement": (("published",), "vendor_statement", FIRST),
    "awareness_to_user_notification": (("vendor_notified", "vendor_aware"), "users_notified", FIRST),
}
#: Ends that may simply not have happened yet: a metric ending in one of them is open, not absent.
OPEN_ENDS = frozenset({"vendor_acknowledged", "remediated", "vendor_statement", "users_notified"})
KINDS = sorted({k for starts, end, _ in DEFINITIONS.values() for k in (*starts, end)})
METRIC_ORDER = {m: i for i, m in enumerate(METRICS)}


# --- one incident ----------------------------------------------------------------

_SECOND = timedelta(seconds=1)
_HALF_SECOND = timedelta(microseconds=500_000)


class Figure(NamedTuple):
    """One metric of one incident, named as IncidentMetric's columns."""

    nominal_seconds: int
    min_seconds: int
    max_seconds: int
    open: bool
    start_event_id: int
    end_event_id: int | None


def span(a, b):
    """(nominal, min, max) whole seconds from time `a` to time `b`, each a (lo, hi, nominal) triple of aware datetimes.

    The arithmetic of `timemath.duration` (spec §2) on an event's stored UTC columns
    (a test holds the two equal): nominal rounded half up, min floored, max ceiled,
    exact because timedelta arithmetic is in whole microseconds.
    """
    (a_lo, a_hi, a_nominal), (b_lo, b_hi, b_nominal) = a, b
    return (
        (b_nominal - a_nominal + _HALF_SECOND) // _SECOND,
        (b_lo - a_hi) // _SECOND,
        -((a_lo - b_hi) // _SECOND),
    )


def compute_incident(events, now):
    """The metrics of one incident from its events, and its year.

    `events` have the attributes `id`, `kind`, `position`, `lo`, `hi` and `nominal`
    (aware datetimes), and come in (nominal, position, id) order, so the first
    event of a kind is the first seen and the last the last seen. `now` is the
    instant an open figure runs to.

    Returns ({metric: Figure}, year), the metrics in DEFINITIONS order. The year is
    the UTC year of the first `published` event, else of the first `exposure_started`
    (None without either): it places the incident in the per-year aggregates.
    """
    first, last = {}, {}
    for event in events:
        first.setdefault(event.kind, event)
        last[event.kind] = event
    until_now = (now, now, now)
    result = {}
    for metric, (start_kinds, end_kind, which) in DEFINITIONS.items():
        starts = [first[kind] for kind in start_kinds if kind in first]
        if not starts:
            continue
        start = min(starts, key=lambda event: (event.nominal, event.position, event.id))
        end = (last if which == LAST else first).get(end_kind)
        if end is not None:
            seconds = span((start.lo, start.hi, start.nominal), (end.lo, end.hi, end.nominal))
            result[metric] = Figure(*seconds, False, start.id, end.id)
        elif end_kind in OPEN_ENDS:
            result[metric] = Figure(*span((start.lo, start.hi, start.nominal), until_now), True, start.id, None)
    year_from = first.get("published") or first.get("exposure_started")
    return result, (year_from.nominal.astimezone(UTC).year if year_from is not None else None)


# --- outcomes and summaries -----------------------------------------------------


def norm_outcome(low, high, window, is_open=False):
    """Whether a figure with bounds [low, high] kept within a norm's window: "met", "missed" or "uncertain".

    The one definition (every page, the API and the aggregates use it): met when
    even the upper bound is within the window, missed when even the lower bound
    exceeds it, uncertain when the bounds straddle it, or when the figure is still
    open (its end has not happened) and within the window so far. The boundary
    belongs to "met".
    """
    if low > window:
        return "missed"
    if high <= window and not is_open:
        return "met"
    return "uncertain"


def quantile(sorted_values, q):
    """The q-quantile by linear interpolation between order statistics (Excel QUARTILE.INC, numpy's default)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    below = int(position)
    above = min(below + 1, len(sorted_values) - 1)
    fraction = position - below
    return sorted_values[below] + (sorted_values[above] - sorted_values[below]) * fraction


def summarise(group, norms):
    """One aggregate's figures from a group [nominals (sorted), minima, maxima, open count] and its norms."""
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


# --- words (for the site and the API) ------------------------------------------

SHORT_NORM_NAMES = {"project-zero": "Project Zero", "cert-cc": "CERT/CC", "zdi": "ZDI", "gdpr-art-33": "GDPR"}


def norms_for(metric, norms):
    """The norms (objects with `metric`, `window_seconds`, `slug`, `name`) that bound `metric`, in their order."""
    return [n for n in norms if n.metric == metric]


def _figures(row_or_seconds):
    if isinstance(row_or_seconds, int):
        return row_or_seconds, row_or_seconds, row_or_seconds, False
    r = row_or_seconds
    if isinstance(r, dict):
        return r["nominal_seconds"], r["min_seconds"], r["max_seconds"], r.get("open", False)
    return r.nominal_seconds, r.min_seconds, r.max_seconds, r.open


def norm_comparisons(metric_row_or_seconds, metric, norms):
    """How a figure compares with each norm for `metric`.

    Returns [{"norm": Norm, "share": nominal / window, "met": True | False | None}]:
    met is True when even the upper bound is within the window, False when even
    the lower bound exceeds it, and None when the bounds straddle it (or the
    metric is still open and within the window so far).
    """
    nominal, low, high, is_open = _figures(metric_row_or_seconds)
    as_met = {"met": True, "missed": False, "uncertain": None}
    return [
        {
            "norm": norm,
            "share": nominal / norm.window_seconds,
            "met": as_met[norm_outcome(low, high, norm.window_seconds, is_open)],
        }
        for norm in norms_for(metric, norms)
    ]


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


def describe_metric(row, norms):
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
