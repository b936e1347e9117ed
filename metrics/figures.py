"""Every figure, outcome and phrase of the disclosure-window metrics, defined once.

Pure Python, no Django (time-and-metrics.md §7): the recompute computes with it,
the aggregates summarise with it, and the site, the feeds and the API put its
results into words with it. Nothing else defines a metric, "met a norm", a
reporter, a summary statistic or the words for a figure.
"""

import bisect
import re
from datetime import timedelta
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
    "exposure_to_publication",
    "awareness_to_regulator_notification",
    "discovery_to_user_notification",
)

#: Who counts as a reporter of an incident: the participants who found it or told the vendor.
#: The lists and filters of the site use it; the aggregates use REPORTER_DIMENSION.
REPORTER_ROLES = ("discoverer", "notifier")

#: §6: the metrics that have a reporter dimension, and who its reporters are. For the notice,
#: each publishing reporter with its own notice (§4.2, `notice_by_reporter`); for discovery,
#: each organisation with the participant role `discoverer`. Other metrics have none.
PUBLISHING = "publishing"
REPORTER_DIMENSION = {
    "notice_to_publication": PUBLISHING,
    "time_to_discovery": "discoverer",
    "discovery_to_notice": "discoverer",
}

FIRST, LAST = "first", "last"

#: metric -> (start kinds (the first, §3, over all their events together), end kind, first or last of the end kind)
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
    "exposure_to_publication": (("exposure_started",), "published", FIRST),
    "awareness_to_regulator_notification": (("vendor_notified", "vendor_aware"), "regulator_notified", FIRST),
    "discovery_to_user_notification": (("discovered",), "users_notified", FIRST),
}
#: Ends that may simply not have happened yet: a metric ending in one of them is open, not absent.
OPEN_ENDS = frozenset({"vendor_acknowledged", "remediated", "vendor_statement", "users_notified", "regulator_notified"})
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


def _order(event):
    return (event.nominal, event.position, event.id)


def first_of(events):
    """The first (§3) of several events: (min(lo), min(hi), min(nominal)), each event's widened interval.

    Not simply the event with the earliest nominal instant: a same-day post whose hour
    is unknown may have come before a tweet at 9:35. With one event, its interval.
    """
    return (min(e.lo for e in events), min(e.hi for e in events), min(e.nominal for e in events))


def last_of(events):
    """The last (§3) of several events: (max(lo), max(hi), max(nominal))."""
    return (max(e.lo for e in events), max(e.hi for e in events), max(e.nominal for e in events))


def compute_incident(events, now, followed_until_hi=None, tz=None):
    """The metrics of one incident from its counting events, and its year.

    `events` have the attributes `id`, `kind`, `position`, `lo`, `hi` and `nominal`
    (aware datetimes). "The first" of a kind is the interval `first_of` builds from
    all the events of that kind (the start kinds of a metric taken together, so
    vendor awareness is the first over `vendor_notified` and `vendor_aware`), "the
    last" the one `last_of` builds (§3). An open figure runs to `as_of` (§4.1): the
    `hi` of the incident's `followed_until` when given (`followed_until_hi`), else
    `now`.

    Returns ({metric: Figure}, year), the metrics in DEFINITIONS order. A figure's
    start_event_id is the earliest of the events that took part, its end_event_id the
    earliest (for "first") or the latest (for "last") of its end events, each by
    (nominal, position, id). The year (§6) is the year, in the incident's time zone
    `tz` (an IANA name; UTC when None), of the first `exposure_started` event by
    nominal instant, else of the first `published` one (None without either): it
    places the incident in the per-year aggregates.
    """
    by_kind = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    as_of = now if followed_until_hi is None else followed_until_hi
    until = (as_of, as_of, as_of)
    result = {}
    for metric, (start_kinds, end_kind, which) in DEFINITIONS.items():
        starts = [event for kind in start_kinds for event in by_kind.get(kind, ())]
        if not starts:
            continue
        start_event = min(starts, key=_order)
        ends = by_kind.get(end_kind)
        if ends:
            if which == LAST:
                end, end_event = last_of(ends), max(ends, key=_order)
            else:
                end, end_event = first_of(ends), min(ends, key=_order)
            result[metric] = Figure(*span(first_of(starts), end), False, start_event.id, end_event.id)
        elif end_kind in OPEN_ENDS:
            result[metric] = Figure(*span(first_of(starts), until), True, start_event.id, None)
    year_from = by_kind.get("exposure_started") or by_kind.get("published")
    zone = timemath.zone_or_utc(tz)  # an unknown zone reads the nominal instant in UTC
    year = min(year_from, key=_order).nominal.astimezone(zone).year if year_from else None
    return result, year


# --- notice per reporter (§4.2) ---------------------------------------------------


class _NoNotice:
    """A publishing reporter with no `vendor_notified` event of its own: never zero, never absent."""

    __slots__ = ()

    def __repr__(self):
        return "NO_NOTICE"

    def __bool__(self):
        return False


NO_NOTICE = _NoNotice()


def _actor(event):
    actor = getattr(event, "actor", None)
    return actor if actor is not None else getattr(event, "actor_id", None)


def notice_by_reporter(events, vendor=None):
    """Who gave how much notice (§4.2): {actor: Figure or NO_NOTICE}, in order of first publication.

    `events` are an incident's counting events, as for `compute_incident`, each with
    an `actor` (or `actor_id`), compared as given. Every actor of a `published` event
    other than `vendor` is a publishing reporter; its notice runs from the first
    (§3, over its own events) `vendor_notified` event whose actor it is to the first
    `published` event whose actor it is, with §2's bounds, or it is NO_NOTICE.
    """
    published, notified = {}, {}
    for event in sorted(events, key=_order):
        actor = _actor(event)
        if actor is None or (vendor is not None and actor == vendor):
            continue
        if event.kind == "published":
            published.setdefault(actor, []).append(event)
        elif event.kind == "vendor_notified":
            notified.setdefault(actor, []).append(event)
    result = {}
    for actor, publications in published.items():
        notices = notified.get(actor)
        if not notices:
            result[actor] = NO_NOTICE
            continue
        seconds = span(first_of(notices), first_of(publications))
        result[actor] = Figure(*seconds, False, min(notices, key=_order).id, min(publications, key=_order).id)
    return result


# --- outcomes and summaries -----------------------------------------------------


AT_MOST, AT_LEAST = "at_most", "at_least"
DIRECTIONS = (AT_MOST, AT_LEAST)
OUTCOMES = ("met", "uncertain", "missed", "pending")

#: §5: each norm (by slug) applies to named metrics, each with a direction. The SEC
#: Form 8-K norm applies to none (the model records no materiality determination).
NORM_APPLICATIONS = {
    "project-zero": [("notice_to_publication", AT_LEAST), ("notice_to_remediation", AT_MOST)],
    "cert-cc": [("notice_to_publication", AT_LEAST), ("notice_to_remediation", AT_MOST)],
    "zdi": [("notice_to_publication", AT_LEAST), ("notice_to_remediation", AT_MOST)],
    "gdpr-art-33": [("awareness_to_regulator_notification", AT_MOST)],
    "sec-8k-1-05": [],
}


def norm_direction(norm_slug, metric, default=None):
    """The direction in which the norm `norm_slug` applies to `metric` (NORM_APPLICATIONS), else `default`."""
    for applied_metric, direction in NORM_APPLICATIONS.get(norm_slug, ()):
        if applied_metric == metric:
            return direction
    return default


def norm_outcome(low, high, window, direction=AT_MOST, is_open=False):
    """How a figure with bounds [low, high] compares with a norm's window: the one definition (§5.1).

    Closed figures: "at_most" is met when `high <= window`, missed when `low > window`;
    "at_least" is met when `low >= window`, missed when `high < window`; otherwise
    "uncertain". An open figure (a lower bound, §4.1) is met for "at_least" once
    `low >= window`, missed for "at_most" once `low > window`, and "pending"
    otherwise. The boundary belongs to "met".

    For the callers of revision 1, a bool in place of `direction` is `is_open`, with
    the direction "at_most".
    """
    if isinstance(direction, bool):
        direction, is_open = AT_MOST, direction
    if direction == AT_MOST:
        if low > window:
            return "missed"
        if is_open:
            return "pending"
        return "met" if high <= window else "uncertain"
    if direction == AT_LEAST:
        if low >= window:
            return "met"
        if is_open:
            return "pending"
        return "missed" if high < window else "uncertain"
    raise ValueError(f"unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)}")


def quantile(sorted_values, q):
    """The q-quantile by linear interpolation between order statistics (Excel QUARTILE.INC, numpy's default)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    below = int(position)
    above = min(below + 1, len(sorted_values) - 1)
    fraction = position - below
    return sorted_values[below] + (sorted_values[above] - sorted_values[below]) * fraction


def norm_counts(closed, open_lows, window, direction, no_notice=0):
    """The counts met / uncertain / missed / pending of one norm over a group's figures (§6).

    `closed` is [(min, max)] of the closed figures, `open_lows` the `min`s of the open
    ones; each figure's outcome is `norm_outcome`'s, so the four counts add up to all
    the figures counted, open ones included. `no_notice` reporters (§4.2) gave less
    than every window: each is "missed" for an "at least" norm (the only direction in
    which a norm applies to notice); an "at most" norm does not count them. `share`
    is met / counted.
    """
    counts = dict.fromkeys(OUTCOMES, 0)
    for low, high in closed:
        counts[norm_outcome(low, high, window, direction)] += 1
    for low in open_lows:
        counts[norm_outcome(low, low, window, direction, True)] += 1
    if direction == AT_LEAST:
        counts["missed"] += no_notice
    of = sum(counts.values())
    return {
        **counts,
        "of": of,
        "direction": direction,
        "share": round(counts["met"] / of, 6) if of else None,
        # the largest share that could have met or may yet meet: all but the missed
        "share_at_most": round((of - counts["missed"]) / of, 6) if of else None,
    }


#: The edges, in seconds, of the bins a compare chart draws once a group has too many figures for one
#: dot each: four to a power of ten from a minute to about 30 years, the chart's log axis. A figure
#: under a minute (or negative: publication before notice) falls in the first bin, one past the
#: last edge in the last.
BIN_EDGES = [round(60 * 10 ** (i / 4)) for i in range(0, 25)]


def histogram(nominals):
    """How many of the closed figures' nominal seconds fall in each bin between BIN_EDGES."""
    counts = [0] * (len(BIN_EDGES) - 1)
    last = len(counts) - 1
    for value in nominals:
        i = bisect.bisect_right(BIN_EDGES, value) - 1
        counts[min(max(i, 0), last)] += 1
    return counts


def summarise(group, norms, metric=None, no_notice=0):
    """One aggregate's figures from a group [nominals (sorted), minima, maxima, open figures] and its norms.

    The open figures are a list of their `min`s (or, for a caller that has no more,
    their count, each counted "pending"). `no_notice` is the number of reporters in
    the group who published with no notice (§4.2): counted, never as zero, never in a
    median. Medians and quartiles are over the closed figures only; each norm's
    counts (`norm_counts`, in the norm's direction for `metric`, see `direction_for`)
    cover the open ones and the ones with no notice too.
    """
    nominal, lows, highs, open_figures = group
    closed = list(zip(lows, highs, strict=True))
    lows.sort()
    highs.sort()
    if isinstance(open_figures, int):
        open_count, open_lows = open_figures, None
    else:
        open_count, open_lows = len(open_figures), open_figures
    shares = {}
    for norm in norms:
        direction = direction_for(norm, metric if metric is not None else norm.metric)
        if open_lows is None:
            counts = norm_counts(closed, [], norm.window_seconds, direction, no_notice)
            counts["pending"] += open_count
            counts["of"] += open_count
            of = counts["of"]
            counts["share"] = round(counts["met"] / of, 6) if of else None
            counts["share_at_most"] = round((of - counts["missed"]) / of, 6) if of else None
        else:
            counts = norm_counts(closed, open_lows, norm.window_seconds, direction, no_notice)
        shares[norm.slug] = counts
    return {
        "incident_count": len(nominal) + open_count + no_notice,
        "open_count": open_count,
        "no_notice_count": no_notice,
        "median_seconds": quantile(nominal, 0.5),
        "q1_seconds": quantile(nominal, 0.25),
        "q3_seconds": quantile(nominal, 0.75),
        "median_min_seconds": quantile(lows, 0.5),
        "median_max_seconds": quantile(highs, 0.5),
        "norm_shares": shares,
        "bins": histogram(nominal),
    }


# --- words (for the site and the API) ------------------------------------------

SHORT_NORM_NAMES = {"project-zero": "Project Zero", "cert-cc": "CERT/CC", "zdi": "ZDI", "gdpr-art-33": "GDPR"}


def norm_applies(norm, metric):
    """Whether `norm` (an object with `slug` and `metric`) applies to `metric`.

    A norm of NORM_APPLICATIONS applies to the metrics the table names; any other
    (one added in the admin) to its own `metric` field.
    """
    if norm.slug in NORM_APPLICATIONS:
        return norm_direction(norm.slug, metric) is not None
    return bool(metric) and norm.metric == metric


def direction_for(norm, metric):
    """The direction in which `norm` applies to `metric`: NORM_APPLICATIONS', else "at most" (admin-added norms)."""
    return norm_direction(norm.slug, metric, AT_MOST)


def norms_for(metric, norms):
    """The norms (objects with `metric`, `window_seconds`, `slug`, `name`) that apply to `metric`, in their order."""
    return [n for n in norms if norm_applies(n, metric)]


def short_norm_name(norm):
    return SHORT_NORM_NAMES.get(norm.slug, norm.name)


def _figures(row_or_seconds):
    if isinstance(row_or_seconds, int):
        return row_or_seconds, row_or_seconds, row_or_seconds, False
    r = row_or_seconds
    if isinstance(r, dict):
        return r["nominal_seconds"], r["min_seconds"], r["max_seconds"], r.get("open", False)
    return r.nominal_seconds, r.min_seconds, r.max_seconds, r.open


def norm_comparisons(metric_row_or_seconds, metric, norms):
    """How a figure compares with each norm that applies to `metric`, in the norm's direction.

    Returns [{"norm": Norm, "direction": "at_most" | "at_least", "outcome": "met" |
    "uncertain" | "missed" | "pending", "share": nominal / window, "met": True |
    False | None}]: the outcome is `norm_outcome`'s (§5.1); `met` is True for met,
    False for missed and None otherwise (the form of revision 1).
    """
    nominal, low, high, is_open = _figures(metric_row_or_seconds)
    as_met = {"met": True, "missed": False, "uncertain": None, "pending": None}
    comparisons = []
    for norm in norms_for(metric, norms):
        direction = direction_for(norm, metric)
        outcome = norm_outcome(low, high, norm.window_seconds, direction, is_open)
        comparisons.append(
            {
                "norm": norm,
                "direction": direction,
                "outcome": outcome,
                "share": nominal / norm.window_seconds,
                "met": as_met[outcome],
            }
        )
    return comparisons


def norm_verdict_text(row_or_seconds, metric, norm, *, figure_text=None):
    """The words (§5.2) for how one figure compares with `norm`: `verdict_words` of its comparison.

    `figure_text` is the figure in words (default: its nominal duration; for an open
    figure, the time so far).
    """
    comparison = norm_comparisons(row_or_seconds, metric, [norm])[0]
    share = comparison["share"]
    if figure_text is None:
        figure_text, share = _verdict_figure(row_or_seconds, share)
    return verdict_words(
        comparison["outcome"],
        comparison["direction"],
        short_norm_name(norm),
        timemath.format_duration(norm.window_seconds),
        metric=metric,
        figure_text=figure_text,
        share=share,
    )


def _verdict_figure(row_or_seconds, share):
    """The figure as a verdict quotes it (§8): its point words, or the time so far of an open one.

    When the bounds allow no point figure the range is quoted and no share is given:
    a share of a nominal the words do not state would be more precise than the bounds.
    """
    nominal, low, high, is_open = _figures(row_or_seconds)
    if is_open:
        return timemath.format_duration(max(low, 0)), share
    text = describe(row_or_seconds).split(" (")[0]
    return text, (None if text.startswith("between") else share)


def metric_verdicts(row, norms):
    """[(norm, outcome, words)]: how one stored figure compares with each norm that applies to it (§5.2)."""
    metric = row["metric"] if isinstance(row, dict) else row.metric
    return [
        (c["norm"], c["outcome"], norm_verdict_text(row, metric, c["norm"]))
        for c in norm_comparisons(row, metric, norms)
    ]


def format_percent(fraction):
    percent = fraction * 100
    if percent == 0:
        return "0 %"
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


def describe_metric(row, norms, as_of=None):
    """A stored figure in words for the API's text field: §8's words, then how it compares with the
    first norm that applies, in §5.2's words: "22 days (between 21 and 23 days)"; "between 9 hours 22
    minutes before and 15 minutes after the notice; gave less notice than Project Zero's 90 days"."""
    metric = row["metric"] if isinstance(row, dict) else row.metric
    text = describe_open(row, metric, as_of=as_of)
    comparisons = norm_comparisons(row, metric, norms)
    if comparisons:
        first = comparisons[0]
        window = timemath.format_duration(first["norm"].window_seconds)
        name = short_norm_name(first["norm"])
        text += "; " + verdict_words(first["outcome"], first["direction"], name, window, metric=metric)
    return text


# --- §8: a figure in words, never more precise than its bounds -----------------

#: (seconds, name) from the longest unit: a month is the mean Gregorian month, a year the mean year.
_WORD_UNITS = (
    (31_556_952, "year"),
    (2_629_746, "month"),
    (604_800, "week"),
    (86_400, "day"),
    (3_600, "hour"),
    (60, "minute"),
    (1, "second"),
)


def _unit_for(seconds):
    """The largest word unit not longer than `seconds` (at least the second)."""
    for size, name in _WORD_UNITS:
        if size <= seconds:
            return size, name
    return 1, "second"


def _count(count, name):
    return f"{count} {name}" if count == 1 else f"{count} {name}s"


def describe(figure, *, reference=None, as_of=None):
    """One figure in words (§8), never more precise than its bounds.

    `figure` is seconds, a dict or a row with nominal_seconds/min_seconds/max_seconds
    (and open), or NO_NOTICE. `reference` names the start ("the notice"); `as_of`
    names the instant an open figure runs to ("29 December 2019").

    * bounds of different signs, or wider than the nominal's size: the range only,
      "between 9 hours 22 minutes before and 15 minutes after the notice";
    * otherwise the nominal rounded to the largest unit not longer than half the
      width (at least the second), then the range: "14 minutes (between 13 and 15
      minutes)"; up to days the rounded figure is put in `timemath.format_duration`'s
      words (two adjacent units at most, so an exact 432 001 s reads "5 days");
    * an open figure reads as a lower bound: "at least 2 days after publication, by
      29 December 2019" (its min, floored to a unit it holds at least twice).
    """
    if figure is NO_NOTICE:
        return "no notice"
    nominal, low, high, is_open = _figures(figure)
    after = f" after {reference}" if reference else ""
    before = f" before {reference}" if reference else " before"
    if is_open:
        until = f", by {as_of}" if as_of else ", so far"
        if low <= 0:
            return f"open: {range_text(low, high)}{after if low < 0 <= high else ''}{until}"
        size, name = _unit_for(low / 2)
        return f"at least {_count(low // size, name)}{after}{until}"
    if (low < 0 < high) or (high - low > abs(nominal)):
        if low < 0 <= high:  # range_text already reads "... before and ... after"
            return range_text(low, high) + (f" {reference}" if reference else "")
        if high < 0:
            return f"{range_text(-high, -low)}{before}"
        return range_text(low, high) + after
    size, name = _unit_for((high - low) / 2)
    rounded = (abs(nominal) + size // 2) // size
    # up to days, timemath's words (two adjacent units at most: never finer than `size`)
    amount = timemath.format_duration(rounded * size) if size <= 86_400 else _count(rounded, name)
    if nominal < 0:
        text = f"{amount}{before}"
        bounds = f"{range_text(-high, -low)} before" if low != high else ""
    else:
        text = f"{amount}{after}"
        bounds = range_text(low, high) if low != high else ""
    if bounds and timemath.format_duration(low) != timemath.format_duration(high):
        text += f" ({bounds})"
    return text


#: §5.2: what the measured party did, per at-most metric: (within the window, not yet).
_AT_MOST_VERBS = {
    "notice_to_remediation": ("fixed", "not fixed yet"),
    "awareness_to_regulator_notification": ("told the regulator", "regulator not told yet"),
    "notice_to_acknowledgement": ("answered", "not answered yet"),
    "awareness_to_user_notification": ("told the users", "users not told yet"),
}


def verdict_words(outcome, direction, norm_name, window_text, *, metric=None, figure_text=None, share=None):
    """The words for a norm's outcome (§5.2), in the norm's direction; never "within" for notice given.

    `outcome` is `norm_outcome`'s; `norm_name` the norm's short name ("Project Zero");
    `window_text` its window ("90 days"); `figure_text` the figure in words (or "no
    notice"), `share` the figure as a fraction of the window, for a missed "at least";
    for a pending "at most", `figure_text` is the time so far ("12 days").
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
    if direction == AT_LEAST:
        if outcome == "met":
            return f"gave the vendor at least {norm_name}'s {window_text}"
        if outcome == "missed":
            if figure_text == "no notice":
                return f"gave no notice, less than {norm_name}'s {window_text}"
            detail = [t for t in (figure_text, share is not None and f"{format_percent(share)} of the window") if t]
            return f"gave less notice than {norm_name}'s {window_text}" + (f" ({', '.join(detail)})" if detail else "")
        if outcome == "uncertain":
            return f"may or may not have given the full {window_text}"
        return f"not published yet, {figure_text} so far" if figure_text else "not published yet"
    if direction == AT_MOST:
        done, not_yet = _AT_MOST_VERBS.get(metric, ("done", "not done yet"))
        if outcome == "met":
            return f"{done} within {norm_name}'s {window_text}"
        if outcome == "missed":
            return f"took longer than {norm_name}'s {window_text}"
        if outcome == "uncertain":
            return f"may or may not have been within {window_text}"
        return f"{not_yet}, {figure_text} so far" if figure_text else not_yet
    raise ValueError(f"unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)}")


def norm_heading(direction, norm_name, window_text, *, metric=None):
    """A column or list heading for a norm's counts, in its direction: never "within" for notice given.

    "Gave Project Zero's 90 days" (at least); "Fixed within CERT/CC's 45 days" (at most).
    """
    if direction == AT_LEAST:
        return f"Gave {norm_name}'s {window_text}"
    done, _ = _AT_MOST_VERBS.get(metric, ("done", ""))
    return f"{done.capitalize()} within {norm_name}'s {window_text}"


def share_words(counts):
    """A norm's stored counts in words, the share always with its counts (§6).

    "24 % (97 of 406; 5 uncertain; 300 missed; 4 pending)": met of all the figures
    counted, then each other outcome that has any.
    """
    if not counts or not counts.get("of"):
        return "—"
    text = f"{format_percent(counts['met'] / counts['of'])} ({counts['met']} of {counts['of']}"
    for outcome in OUTCOMES[1:]:
        if counts.get(outcome):
            text += f"; {counts[outcome]} {outcome}"
    return text + ")"


# --- notice per reporter in words, and against the norms (§4.2, §5) -------------------

NOTICE_METRIC = "notice_to_publication"

#: What each metric starts from, for the words of an open figure ("at least 2 days after publication").
START_WORDS = {
    "exposure_duration": "the exposure began",
    "time_to_discovery": "the exposure began",
    "discovery_to_notice": "the discovery",
    "notice_to_publication": "the notice",
    "notice_to_acknowledgement": "the notice",
    "publication_to_vendor_awareness": "publication",
    "notice_to_remediation": "the notice",
    "publication_to_statement": "publication",
    "awareness_to_user_notification": "the vendor learned of it",
    "exposure_to_publication": "the exposure began",
    "awareness_to_regulator_notification": "the vendor learned of it",
    "discovery_to_user_notification": "the discovery",
}


def notice_comparisons(figure, norms):
    """How one reporter's notice (a figure, or NO_NOTICE) compares with the notice norms (§4.2, §5).

    A notice is compared like `notice_to_publication`; a reporter who gave no notice
    gave less than every window: "missed" for every "at least" norm, with no share.
    """
    if figure is not NO_NOTICE:
        return norm_comparisons(figure, NOTICE_METRIC, norms)
    comparisons = []
    for norm in norms_for(NOTICE_METRIC, norms):
        direction = direction_for(norm, NOTICE_METRIC)
        outcome = "missed" if direction == AT_LEAST else "uncertain"
        met = {"met": True, "missed": False}.get(outcome)
        comparisons.append({"norm": norm, "direction": direction, "outcome": outcome, "share": None, "met": met})
    return comparisons


def notice_verdicts(figure, norms):
    """[(norm, outcome, words)] of one reporter's notice against each notice norm, in §5.2's words."""
    text = describe(figure)
    point = text.split(" (")[0]
    verdicts = []
    for c in notice_comparisons(figure, norms):
        name, window = short_norm_name(c["norm"]), timemath.format_duration(c["norm"].window_seconds)
        words = verdict_words(
            c["outcome"], c["direction"], name, window, metric=NOTICE_METRIC, figure_text=point, share=c["share"]
        )
        verdicts.append((c["norm"], c["outcome"], words))
    return verdicts


def _possessive(amount):
    return f"{amount}'" if amount.endswith("s") else f"{amount}'s"


def notice_sentence(name, figure):
    """One reporter's notice as a sentence (§4.2, in §8's words), the headline of an incident's figures.

    "IPVM gave 14 minutes' notice (between 13 and 15 minutes)"; "Twelve Security
    published with no notice"; bounds either side of zero: "X published between 9
    hours before and 15 minutes after its notice to the vendor"; a publication that
    came first: "X published 2 hours before telling the vendor".
    """
    if figure is NO_NOTICE:
        return f"{name} published with no notice"
    nominal, low, high, _ = _figures(figure)
    text = describe(figure)
    if text.startswith("between"):  # §8: no point figure, the range leads
        return f"{name} published {describe(figure, reference='its notice to the vendor')}"
    if nominal < 0:
        return f"{name} published {describe(figure, reference='telling the vendor')}"
    amount, _, bounds = text.partition(" (")
    return f"{name} gave {_possessive(amount)} notice" + (f" ({bounds}" if bounds else "")


def describe_open(figure, metric, as_of=None):
    """An incident's figure in words (§8), an open one as a lower bound from its start ("after the notice")."""
    is_open = _figures(figure)[3]
    if is_open:
        return describe(figure, reference=START_WORDS.get(metric), as_of=as_of)
    text = describe(figure)
    if text.startswith("between") and metric in START_WORDS:  # a range either side of the start: name it
        return describe(figure, reference=START_WORDS[metric])
    return text
