"""Server-rendered SVG charts: the incident timeline and strip plots of metrics.

The geometry is computed here and drawn by small templates, so the charts need
no JavaScript. Uncertainty is drawn as what it is: each recorded time is a band
from its earliest to its latest possible instant, with the nominal instant
marked; approximate times are hatched.
"""

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import template

from disclosure.timemath import MAX_YEAR, MIN_YEAR, is_valid_timezone
from metrics.figures import BIN_EDGES

from .site_tags import METRIC_LABELS, duration_text

register = template.Library()

WIDTH = 640
LABEL_W = 170
PLOT_X0 = LABEL_W + 10
PLOT_X1 = WIDTH - 20
ROW_H = 20
AXIS_H = 28
# Events this precise may form a cluster worth a zoomed inset.
FINE_PRECISIONS = ("second", "minute", "hour")


def _local(dt, tz):
    return dt.astimezone(tz)


def _scale(t0, t1, x0=PLOT_X0, x1=PLOT_X1):
    span = (t1 - t0).total_seconds() or 1

    def x(t):
        return round(x0 + (x1 - x0) * (t - t0).total_seconds() / span, 1)

    return x


# Times the timeline can draw. timemath refuses reported years outside
# MIN_YEAR..MAX_YEAR; this window is a decade wider, so that everything it
# accepts (widened, in any offset) is drawn, while a row stored before that rule
# (year 1, say) is left off the chart instead of overflowing datetime when the
# axis is padded or converted to local time. With spans of at most ~8,000 years
# the 2 % padding stays centuries away from datetime's limits.
DRAWABLE = (datetime(MIN_YEAR - 10, 1, 1, tzinfo=UTC), datetime(MAX_YEAR + 10, 1, 1, tzinfo=UTC))
MAX_TICKS = 7

# Candidate tick steps, finest first: (unit, count, shortest length of one step in
# seconds). Calendar units vary in length (a DST day is 23 hours, February 28
# days), so a step is judged by its shortest length; _ticks still counts.
_MINUTE, _HOUR, _DAY = 60, 3600, 86400
_CLOCK_STEPS = [("second", n, n) for n in (1, 2, 5, 10, 15, 30)]
_CLOCK_STEPS += [("minute", n, n * _MINUTE) for n in (1, 2, 5, 10, 15, 30)]
_CLOCK_STEPS += [("hour", n, n * _HOUR) for n in (1, 2, 3, 6, 12)]
_CALENDAR_STEPS = [("day", n, n * _DAY - _HOUR) for n in (1, 2, 3, 7, 14)]
_CALENDAR_STEPS += [("month", n, n * 28 * _DAY) for n in (1, 2, 3, 6)]


def _year_steps():
    """1, 2, 5, 10, 20, 50, ... years: never runs out, however long the span."""
    scale = 1
    while True:
        for n in (1, 2, 5):
            yield ("year", n * scale, n * scale * 365 * _DAY)
        scale *= 10


def _steps():
    yield from _CLOCK_STEPS
    yield from _CALENDAR_STEPS
    yield from _year_steps()


def _clock_ticks(t0, t1, tz, seconds):
    """Instants every `seconds` (a divisor of a day), on round local clock times, from t0 to t1."""
    local = _local(t0, tz)
    seconds_of_day = local.hour * 3600 + local.minute * 60 + local.second
    # Stepped in absolute time: wall-clock arithmetic would jump an hour at a DST change.
    t = t0.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=(-seconds_of_day) % seconds)
    while t <= t1:
        if t >= t0:
            yield t
        t += timedelta(seconds=seconds)


def _calendar_ticks(t0, t1, tz, unit, count):
    """Local midnights starting a day, month or year, every `count` of them, from t0 to t1."""
    local = _local(t0, tz)
    if unit == "day":
        day = local.date()
        if datetime.combine(day, time(), tz) < t0:
            day += timedelta(days=1)
        while True:
            t = datetime.combine(day, time(), tz)
            if t > t1:
                return
            yield t
            if day > date.max - timedelta(days=count):
                return
            day += timedelta(days=count)
    index = local.year * 12 + local.month - 1 if unit == "month" else local.year
    index += (-index) % count
    while True:
        year, month = divmod(index, 12) if unit == "month" else (index, 0)
        if not 1 <= year <= 9999:
            return
        t = datetime(year, month + 1, 1, tzinfo=tz)
        if t > t1:
            return
        if t >= t0:
            yield t
        index += count


def _label(t, tz, unit):
    local = _local(t, tz)
    if unit in ("second", "minute", "hour"):
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return f"{local.day} {local:%b}"  # a new day: say which
        return f"{local:%H:%M:%S}" if unit == "second" else f"{local:%H:%M}"
    if unit == "day":
        return f"{local.day} {local:%b}"
    if unit == "month":
        return f"{local:%b} {local.year}"
    return str(local.year)


def _ticks(t0, t1, tz, x):
    """At most MAX_TICKS labelled ticks between t0 and t1 on round local times, for any span.

    The finest step that fits is used: seconds for a few seconds, hours for a
    day, months for a year, and decades, centuries or millennia beyond.
    """
    # Ticks are only placed where a time can be drawn: nothing near datetime's limits.
    t0, t1 = max(t0, DRAWABLE[0]), min(t1, DRAWABLE[1])
    if t0 > t1:
        return []
    span = (t1 - t0).total_seconds()
    for unit, count, shortest in _steps():
        if span / shortest >= MAX_TICKS:
            continue
        if unit in ("second", "minute", "hour"):
            instants = _clock_ticks(t0, t1, tz, shortest)
        else:
            instants = _calendar_ticks(t0, t1, tz, unit, count)
        ticks = []
        for t in instants:
            ticks.append({"x": x(t), "label": _label(t, tz, unit)})
            if len(ticks) > MAX_TICKS:
                break
        else:
            return ticks
    return []  # pragma: no cover - the year steps grow without end


def _drawable(event):
    return (
        event.lo is not None
        and event.hi is not None
        and event.nominal is not None
        and DRAWABLE[0] <= event.lo <= event.nominal <= event.hi <= DRAWABLE[1]
    )


def _band(event, x, number, clip=None):
    lo, hi = event.lo, event.hi
    clipped_left = clipped_right = False
    if clip:
        if lo < clip[0]:
            lo, clipped_left = clip[0], True
        if hi > clip[1]:
            hi, clipped_right = clip[1], True
    x_lo, x_hi = x(lo), x(hi)
    nominal_in = not clip or clip[0] <= event.nominal <= clip[1]
    return {
        "number": number,
        "key": event.key,
        "label": event.get_kind_display(),
        "time": event.time_display,
        "x": x_lo,
        "w": max(2.0, round(x_hi - x_lo, 1)),
        "nominal_x": x(event.nominal) if nominal_in else None,
        "approximate": event.approximate,
        "wide": clipped_left or clipped_right,
        "clipped_left": clipped_left,
        "clipped_right": clipped_right,
    }


def _find_cluster(events, span_seconds):
    """The largest group of precise events close together relative to the whole span, if any."""
    fine = [e for e in events if e.precision in FINE_PRECISIONS]
    if len(fine) < 2:
        return None
    gap = max(span_seconds * 0.02, 3600)
    groups, current = [], [fine[0]]
    for e in fine[1:]:
        if (e.nominal - current[-1].nominal).total_seconds() <= gap:
            current.append(e)
        else:
            groups.append(current)
            current = [e]
    groups.append(current)
    best = max(groups, key=len)
    if len(best) < 2:
        return None
    lo = min(e.lo for e in best)
    hi = max(e.hi for e in best)
    if (hi - lo).total_seconds() > span_seconds * 0.1:
        return None
    pad = max((hi - lo) * 0.12, timedelta(minutes=2))
    return lo - pad, hi + pad


@register.inclusion_tag("disclosure/_timeline_svg.html")
def incident_timeline(incident, events, notice=None):
    """The whole exposure on one track, plus a zoomed inset where precise events crowd together."""
    # Numbered as the list of events below the chart is, whichever of them can be drawn.
    numbered = [(n, e) for n, e in enumerate(events, start=1) if _drawable(e)]
    undrawn = sum(1 for e in events if e.lo is not None and not _drawable(e))
    events = [e for _n, e in numbered]
    if not events:
        return {"timeline": None}
    tz = ZoneInfo(incident.timezone) if is_valid_timezone(incident.timezone) else UTC
    t0, t1 = min(e.lo for e in events), max(e.hi for e in events)
    pad = max((t1 - t0) * 0.02, timedelta(hours=1))
    t0, t1 = t0 - pad, t1 + pad
    x = _scale(t0, t1)
    main_top = AXIS_H
    rows = []
    for i, (n, e) in enumerate(numbered):
        rows.append({**_band(e, x, n), "y": main_top + i * ROW_H})
    main_h = main_top + len(rows) * ROW_H + 6
    timeline = {
        "width": WIDTH,
        "label_w": LABEL_W,
        "x0": PLOT_X0,
        "x1": PLOT_X1,
        "row_h": ROW_H,
        "main": {"rows": rows, "ticks": _ticks(t0, t1, tz, x), "top": main_top, "bottom": main_h},
        "inset": None,
        "tz": incident.timezone if is_valid_timezone(incident.timezone) else "UTC (the time zone is unknown)",
        "span": duration_text((t1 - t0 - 2 * pad).total_seconds()),
        "undrawn": undrawn,
    }
    cluster = _find_cluster(events, (t1 - t0).total_seconds())
    height = main_h
    if cluster:
        c0, c1 = cluster
        xi = _scale(c0, c1)
        inset_top = main_h + 70
        inset_rows = []
        for n, e in numbered:
            if e.hi > c0 and e.lo < c1:
                inset_rows.append({**_band(e, xi, n, clip=(c0, c1)), "y": inset_top + len(inset_rows) * ROW_H})
        inset_bottom = inset_top + len(inset_rows) * ROW_H + 6
        local0, local1 = _local(c0, tz), _local(c1, tz)
        until = f"{local1:%H:%M}" if local1.date() == local0.date() else f"{local1.day} {local1:%B %Y, %H:%M}"
        brace = None
        if notice and notice.start_event_id and notice.end_event_id:
            by_id = {e.pk: e for e in events}
            start, end = by_id.get(notice.start_event_id), by_id.get(notice.end_event_id)
            if start and end and c0 <= start.nominal <= c1 and c0 <= end.nominal <= c1:
                brace = {
                    "x0": xi(start.nominal),
                    "x1": xi(end.nominal),
                    "y": inset_bottom + 8,
                    "label": f"{duration_text(notice.nominal_seconds)}' notice",
                }
                inset_bottom += 30
        timeline["inset"] = {
            "rows": inset_rows,
            "ticks": _ticks(c0, c1, tz, xi),
            "top": inset_top,
            "bottom": inset_bottom,
            "zoom_x0": x(c0),
            "zoom_x1": max(x(c1), x(c0) + 3),
            "mark_x": x(c0) - 2,
            "mark_w": max(x(c1) - x(c0), 3) + 4,
            "mark_h": main_h - main_top + 4,
            "title": f"Zoomed in: {local0.day} {local0:%B %Y, %H:%M} to {until} ({incident.timezone if is_valid_timezone(incident.timezone) else 'UTC, time zone unknown'})",
            "brace": brace,
        }
        height = inset_bottom
    timeline["height"] = height + 4
    return {"timeline": timeline, "incident": incident}


# --- strip plots of a metric across incidents ---------------------------------

MIN_SECONDS = 60
STRIP_ROW_H = 34


def _log_scale(lo, hi, x0, x1):
    llo, lhi = math.log10(lo), math.log10(hi)

    def x(seconds):
        s = min(max(seconds, lo), hi)
        return round(x0 + (x1 - x0) * (math.log10(s) - llo) / (lhi - llo), 1)

    return x


_LOG_TICKS = [
    (60, "1 min"),
    (600, "10 min"),
    (3600, "1 h"),
    (6 * 3600, "6 h"),
    (86400, "1 day"),
    (7 * 86400, "1 week"),
    (30 * 86400, "30 days"),
    (365 * 86400, "1 year"),
    (5 * 365 * 86400, "5 years"),
]


@register.inclusion_tag("disclosure/_strip_svg.html")
def strip_plot(groups, norms=(), metric="notice_to_publication", compact=False, width=WIDTH):
    """Dots per incident on a log time axis, one row per group, bounds as error bars, norms as lines.

    `groups` is a list of {"label": str, "rows": [IncidentMetric-like rows with incident_title/incident_slug]};
    at scale a group gives instead "bins" (its stored aggregate's counts per `figures.BIN_EDGES` bin) and
    "count", and is drawn as bars whose height is the number of figures in each bin.
    """
    values = [r for g in groups for r in g.get("rows", ())]
    binned = [g for g in groups if any(g.get("bins") or ())]
    if not values and not binned:
        return {"plot": None}
    label_w = 0 if compact else 150
    x0, x1 = label_w + 24, width - 24
    top = 44
    highest = [max(r.max_seconds, r.nominal_seconds) for r in values] + [n.window_seconds for n in norms]
    for g in binned:  # the upper edge of the highest bin in use
        highest.append(BIN_EDGES[max(i for i, n in enumerate(g["bins"]) if n) + 1])
    hi_all = max(highest)
    lo = MIN_SECONDS
    hi = max(hi_all * 1.3, 86400)
    x = _log_scale(lo, hi, x0, x1)
    plot_rows = []
    for gi, group in enumerate(groups):
        y = top + gi * STRIP_ROW_H + STRIP_ROW_H / 2
        dots = []
        for i, r in enumerate(group.get("rows", ())):
            jitter = ((i * 7919) % 13 - 6) * 1.4
            dots.append(
                {
                    "x": x(max(r.nominal_seconds, lo)),
                    "lo_x": x(max(r.min_seconds, lo)),
                    "hi_x": x(max(r.max_seconds, lo)),
                    "y": round(y + jitter, 1),
                    "title": f"{getattr(r, 'incident_title', '')}: {duration_text(r.nominal_seconds)}"
                    + (" (open)" if r.open else ""),
                    "open": r.open,
                }
            )
        bars = []
        counts = group.get("bins") or ()
        tallest = max(counts, default=0)
        for i, n in enumerate(counts):
            if not n:
                continue
            # A bar's height says how many figures the bin holds, relative to the row's fullest bin.
            h = round((STRIP_ROW_H - 4) * n / tallest, 1)
            left, right = x(max(BIN_EDGES[i], lo)), x(BIN_EDGES[i + 1])
            bars.append(
                {
                    "x": left,
                    "w": max(round(right - left - 1, 1), 1),
                    "y": round(y + (STRIP_ROW_H - 4) / 2 - h, 1),
                    "h": h,
                    "title": f"{n:,} between {duration_text(BIN_EDGES[i])} and {duration_text(BIN_EDGES[i + 1])}"
                    if i
                    else f"{n:,} under {duration_text(BIN_EDGES[1])}",
                }
            )
        plot_rows.append(
            {
                "label": group["label"],
                "y": y,
                "dots": dots,
                "bars": bars,
                "count": group.get("count", len(dots)),
            }
        )
    bottom = top + len(groups) * STRIP_ROW_H
    ticks = [{"x": x(s), "label": label} for s, label in _LOG_TICKS if lo <= s <= hi]
    norm_lines = [
        {
            "x": x(n.window_seconds),
            "label": n.name,
            "short": f"{n.name.split(' disclosure')[0].replace('Google ', '')}: {duration_text(n.window_seconds)}",
        }
        for n in norms
        if lo <= n.window_seconds <= hi
    ]
    for i, n in enumerate(norm_lines):
        n["label_y"] = 11 + (i % 3) * 11
    return {
        "plot": {
            "width": width,
            "height": bottom + 30,
            "top": top,
            "bottom": bottom,
            "x0": x0,
            "x1": x1,
            "label_w": label_w,
            "rows": plot_rows,
            "ticks": ticks,
            "norms": norm_lines,
            "metric": METRIC_LABELS.get(metric, metric),
            "compact": compact,
            "binned": bool(binned) and not values,
        }
    }
