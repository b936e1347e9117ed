"""Interval arithmetic for reported times (spec: time-and-metrics.md, sections 1-2).

Pure Python, standard library only, no Django import, so it can be tested
exhaustively and fast.

A reported time is the triple (``at``, ``precision``, ``approximate``) plus a
timezone: an explicit UTC offset written in ``at`` wins; otherwise the caller
passes the already-resolved IANA name (event timezone, else incident
timezone). Each reported time denotes a half-open interval ``[lo, hi)`` of
absolute instants, always held as aware UTC datetimes:

* ``lo`` is ``at`` truncated to its precision *in its timezone* (so truncating
  to an hour or minute with an explicit offset happens in that fixed offset),
  converted to UTC.
* ``hi`` is ``lo`` plus one unit. ``second``/``minute``/``hour`` units are added
  in absolute time. ``day``/``month``/``year`` units are added in local wall
  time (calendar arithmetic), and only then converted to UTC, so a 25-hour DST
  day is 25 hours long, February has 28 or 29 days and a year 365 or 366.
* ``approximate`` widens by one unit on each side (``lo - 1 unit``,
  ``hi + 1 unit``): in absolute time for second/minute/hour, in local calendar
  terms for day/month/year (the widened interval is the union of the previous,
  the reported and the next local day/month/year; a day that never existed
  locally, like 2011-12-30 in Pacific/Apia, is skipped when stepping).
* a ``margin`` (only with ``approximate``; an ISO 8601 duration with exactly
  one component such as ``PT30M``, ``PT2H``, ``PT45S``, ``P3D``, ``P2W``,
  ``P1M``, ``P1Y``) widens by that much on each side instead of one unit:
  hours, minutes and seconds in absolute time; days, weeks, months and years
  in local wall time, like precision units (a month or year step that lands
  on a day the target month lacks, e.g. 31 January minus one month, goes to
  that month's last day for ``lo`` and rolls over to the next day for
  ``hi``, so the widening is never shortened).
* ``nominal`` is the midpoint of the *un-widened* interval, in absolute time.
  It can carry 500000 microseconds (a second-precision time's midpoint).

All differences are taken between UTC datetimes; two wall-clock datetimes that
share a tzinfo are never subtracted (Python would ignore the DST change).

Daylight-saving decisions (documented choices)
----------------------------------------------

*Ambiguous local time* (the repeated hour when clocks go back), no explicit
offset: we cannot know which reading the source meant, so we are honest and
the un-widened interval covers **both** readings. ``lo`` comes from the
earlier reading (zoneinfo ``fold=0``) and ``hi`` from the later reading
(``fold=1``) plus the unit. Example: ``2019-11-03T01:30`` minute precision in
America/Los_Angeles is ``[08:30Z, 09:31Z)``; ``2019-11-03T01:00`` at hour
precision is ``[08:00Z, 10:00Z)``, two hours wide, with nominal instant 09:00Z.
Generally, ``hi`` is just after the last occurrence of the interval's last
wall-clock instant, so intervals whose *end* falls in a repeated period
(possible only in zones with unusual transitions, e.g. 30-minute shifts or a
repeated midnight) also cover every reading and never spill into the next
unit. In America/Los_Angeles and Europe/Berlin this is
exactly "fold=1 reading + unit".

*Explicit offset* inside the repeated hour (``2019-11-03T01:30-07:00`` versus
``-08:00``): the offset picks the reading exactly; the time is truncated in
that fixed offset and no ambiguity remains. With an explicit offset the
whole interval (including day/month/year units) is computed in that fixed
offset, since the spec makes the offset *the* timezone of the record.

*Non-existent local time* (the spring-forward gap, e.g. ``2019-03-10T02:30`` in
America/Los_Angeles): the source is wrong about something, and we use
zoneinfo's ``fold=0`` mapping, i.e. the UTC offset in force *before* the
transition (02:30 PST = 10:30Z = 03:30 PDT). Hour precision at ``02:00`` in
that gap therefore becomes ``[10:00Z, 11:00Z)``, the same instants as the
03:00 hour. A local midnight that does not exist (zones that change at
midnight) maps the same way, which yields the true start of that day.

*Unknown time zone* (``timezone="unknown"``, e.g. VCDB records, which name no
zone anywhere): the source gives a local date or time but not where. The
local interval ``[lo, hi)`` is read as UTC and then widened by the widest real
offsets, ``lo - 14 h`` (UTC+14:00, Kiribati) and ``hi + 12 h`` (UTC-12:00), so
every reading in any zone lies inside it. ``nominal`` stays the midpoint of the
un-widened interval read as UTC. ``approximate`` widens first, as in UTC; a
time with an explicit offset names its zone and is unaffected.

Durations (spec section 2) are whole seconds: ``min``/``max`` are exact
(floored/ceiled defensively should an input carry microseconds) and
``nominal`` is rounded half up, ``floor(x + 0.5)``. Nothing is clamped;
negative durations are meaningful.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as FixedOffset
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "PRECISIONS",
    "Duration",
    "Interval",
    "TimeError",
    "duration",
    "elapsed_since",
    "format_duration",
    "Margin",
    "get_zone",
    "interval",
    "is_valid_timezone",
    "parse_at",
    "parse_margin",
    "UNKNOWN_ZONE",
    "is_zone_or_unknown",
    "validate",
    "zone_or_utc",
    "validate_margin",
]

#: Precisions from finest to coarsest.
PRECISIONS = ("second", "minute", "hour", "day", "month", "year")

_RANK = {name: rank for rank, name in enumerate(PRECISIONS)}
_ABSOLUTE_UNITS = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
}
_CALENDAR_UNITS = ("day", "month", "year")
_TICK = timedelta(microseconds=1)
_MAX_OFFSET = timedelta(hours=18)

#: The years a reported time may fall in, in its own calendar (inclusive).
#:
#: Python's datetime stops at years 1 and 9999, and the times we derive reach
#: past the reported year: an approximate year is widened by a year (up to
#: three where a local unit never existed) on each side, UTC offsets move an
#: instant by up to 18 hours, and the public charts pad their axis by 2 % of
#: the span drawn (at most about 160 years across this whole range). Keeping
#: about a thousand years of headroom at each end makes every one of those steps safe
#: without checking each, and costs nothing real: the tracker records
#: computer-security incidents and the articles about them, which all fall in
#: the last century or so. Four-digit years from 1000 also need no zero
#: padding, which other tools reading our dates (TimelineJS, feed readers,
#: strftime on some platforms) do not all handle.
MIN_YEAR = 1000
MAX_YEAR = 9000

_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS"

_AT_RE = re.compile(
    r"(?P<year>[0-9]{4})"
    r"(?:-(?P<month>[0-9]{2})"
    r"(?:-(?P<day>[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?)?"
    r")?)?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})?"
)
_OFFSET_RE = re.compile(r"(?P<sign>[+-])(?P<hh>[0-9]{2}):(?P<mm>[0-9]{2})")

# Names zoneinfo can load that are not IANA zone names.
_NOT_IANA = frozenset({"localtime", "posixrules", "Factory"})
_zone_names: frozenset[str] | None = None


class TimeError(ValueError):
    """An invalid reported time; the message is meant for the person who typed it."""


# ---------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------


def _zone_name_set() -> frozenset[str]:
    global _zone_names
    if _zone_names is None:
        _zone_names = frozenset(available_timezones()) - _NOT_IANA
    return _zone_names


def is_valid_timezone(name: object) -> bool:
    """True when ``name`` is a known IANA timezone name (e.g. 'Europe/Berlin')."""
    return isinstance(name, str) and name in _zone_name_set()


#: The time zone of a record that gives none (docs/methodology.md, "An unknown time zone").
UNKNOWN_ZONE = "unknown"
#: How far the widest real UTC offsets reach each side of UTC: UTC+14:00 (lo) and UTC-12:00 (hi).
UNKNOWN_ZONE_EAST = timedelta(hours=14)
UNKNOWN_ZONE_WEST = timedelta(hours=12)


def is_zone_or_unknown(name: object) -> bool:
    """An IANA name, or ``UNKNOWN_ZONE``: what a record's time zone may be."""
    return name == UNKNOWN_ZONE or is_valid_timezone(name)


def zone_or_utc(name: object) -> tzinfo:
    """The zone to show an instant in: the named IANA zone, else UTC (an unknown or blank zone)."""
    return ZoneInfo(name) if is_valid_timezone(name) else UTC


def get_zone(name: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name, or raise TimeError."""
    if not is_valid_timezone(name):
        raise TimeError(
            f"{name!r} is not a known timezone; use an IANA name such as 'America/Los_Angeles' or 'Europe/Berlin'"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # pragma: no cover
        raise TimeError(f"{name!r} is not a known timezone") from exc


def parse_at(at: str) -> tuple[datetime, tzinfo | None, str]:
    """Parse a reported ``at`` string.

    Accepted forms: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM``,
    ``YYYY-MM-DDTHH:MM:SS``; the two forms with a time of day may end in an
    explicit offset ``Z``, ``+HH:MM`` or ``-HH:MM`` (at most 18:00).

    Returns ``(naive local datetime, fixed-offset tzinfo or None, finest
    precision the string gives)``; missing fields are filled with their first
    value (month 1, day 1, 00:00:00). Raises TimeError otherwise.
    """
    if not isinstance(at, str):
        raise TimeError(f"the time must be text like '2019-12-26T09:21', not {at!r}")
    match = _AT_RE.fullmatch(at)
    if match is None:
        raise TimeError(f"{at!r} is not a recognised date or time; use {_FORMS}")
    parts = match.groupdict()

    year = int(parts["year"])
    month = int(parts["month"] or 1)
    day = int(parts["day"] or 1)
    try:
        datetime(year, month, day)  # noqa: DTZ001 - only checks the calendar date
    except ValueError:
        raise TimeError(f"{at!r} is not a valid date") from None

    hour = int(parts["hour"] or 0)
    minute = int(parts["minute"] or 0)
    second = int(parts["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise TimeError(f"{at!r} is not a valid time of day")

    if parts["second"] is not None:
        given = "second"
    elif parts["minute"] is not None:
        given = "minute"
    elif parts["day"] is not None:
        given = "day"
    elif parts["month"] is not None:
        given = "month"
    else:
        given = "year"

    offset: tzinfo | None = None
    raw_offset = parts["offset"]
    if raw_offset is not None:
        if parts["hour"] is None:
            raise TimeError(
                f"{at!r} has a UTC offset but no time of day; an offset is only "
                "allowed after a time, e.g. '2019-12-26T09:21-08:00'"
            )
        if raw_offset == "Z":
            offset = UTC
        else:
            om = _OFFSET_RE.fullmatch(raw_offset)
            assert om is not None  # guaranteed by _AT_RE
            delta = timedelta(hours=int(om["hh"]), minutes=int(om["mm"]))
            if int(om["mm"]) > 59 or delta > _MAX_OFFSET:
                raise TimeError(
                    f"{raw_offset!r} in {at!r} is not a valid UTC offset (it must lie between -18:00 and +18:00)"
                )
            offset = FixedOffset(-delta if om["sign"] == "-" else delta)

    local = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - wall time
    return local, offset, given


def _check_precision(precision: object) -> str:
    if not isinstance(precision, str) or precision not in _RANK:
        raise TimeError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    return precision


def _resolve(at: str, precision: str, timezone_name: str | None) -> tuple[datetime, tzinfo, str]:
    local, offset, given = parse_at(at)
    if not MIN_YEAR <= local.year <= MAX_YEAR:
        raise TimeError(
            f"{at!r} is in the year {local.year}, outside the years the tracker can record "
            f"({MIN_YEAR} to {MAX_YEAR}); check the year"
        )
    precision = _check_precision(precision)
    if _RANK[precision] < _RANK[given]:
        raise TimeError(f"precision {precision!r} is finer than {at!r} gives")
    if offset is not None:
        return local, offset, precision
    if timezone_name is None or timezone_name == "":
        raise TimeError(
            f"{at!r} has no UTC offset and no timezone was given; set the "
            "event's or the incident's timezone, or write an offset like "
            "'2019-12-26T09:21-08:00'"
        )
    if not isinstance(timezone_name, str):
        raise TimeError(f"the timezone must be an IANA name, not {timezone_name!r}")
    return local, get_zone(timezone_name), precision


def validate(
    at: str,
    precision: str,
    timezone: str | None,
    approximate: bool = False,
    margin: str | None = None,
) -> None:
    """Raise TimeError unless (at, precision, timezone) denotes a time.

    Checks, in order: ``at`` parses; its year lies between ``MIN_YEAR`` and
    ``MAX_YEAR``; ``precision`` is known; ``precision`` is
    not finer than ``at`` gives; and, when ``at`` has no explicit offset, that
    a timezone is given and is a known IANA name (an explicit offset wins, and
    then ``timezone`` is ignored). When ``margin`` is given it must be a valid
    margin (``parse_margin``) of an approximate time, and the widened interval
    must stay within the calendar.
    """
    if timezone == UNKNOWN_ZONE:
        timezone = "UTC"
    _resolve(at, precision, timezone)
    if margin is not None and margin != "":
        interval(at, precision, approximate, timezone, margin=margin)


# ---------------------------------------------------------------------------
# Margins of approximate times
# ---------------------------------------------------------------------------

_MARGIN_RE = re.compile(r"P(?:(?P<date>[0-9]{1,12})(?P<dunit>[YMWD])|T(?P<time>[0-9]{1,12})(?P<tunit>[HMS]))")
_MARGIN_DATE_UNITS = {"Y": "year", "M": "month", "W": "week", "D": "day"}
_MARGIN_TIME_UNITS = {"H": "hour", "M": "minute", "S": "second"}
_MARGIN_ABSOLUTE = {
    "hour": timedelta(hours=1),
    "minute": timedelta(minutes=1),
    "second": timedelta(seconds=1),
}
#: Longest margin accepted, in days per unit (a month counted as 31 days, a
#: year as 366): a century. A hedge wider than that is not a recorded time.
_MARGIN_DAYS = {"year": 366, "month": 31, "week": 7, "day": 1}
MAX_MARGIN = timedelta(days=36600)


@dataclass(frozen=True)
class Margin:
    """How far an approximate time's hedge reaches: ``count`` whole ``unit``s.

    ``unit`` is one of second, minute, hour (added in absolute time) or day,
    week, month, year (added in local wall time). ``text`` is the ISO 8601
    form it was parsed from, e.g. ``PT30M``.
    """

    count: int
    unit: str
    text: str

    @property
    def is_absolute(self) -> bool:
        return self.unit in _MARGIN_ABSOLUTE


def parse_margin(text: object) -> Margin:
    """Parse an ISO 8601 duration with exactly one positive component.

    Accepts ``PT30M``, ``PT2H``, ``PT45S``, ``P3D``, ``P2W``, ``P1M``, ``P1Y``
    (upper case, whole numbers, at most a century). Raises TimeError with a
    plain-words message otherwise.
    """
    if isinstance(text, Margin):
        return text
    if not isinstance(text, str):
        raise TimeError(f"a margin must be written like 'PT30M' or 'P3D', not {text!r}")
    match = _MARGIN_RE.fullmatch(text)
    if match is None:
        raise TimeError(
            f"{text!r} is not a margin; write one ISO 8601 duration with a single part, "
            "like 'PT30M' (30 minutes), 'PT2H' (2 hours), 'PT45S', 'P3D' (3 days), "
            "'P2W', 'P1M' or 'P1Y'"
        )
    if match["date"] is not None:
        count, unit = int(match["date"]), _MARGIN_DATE_UNITS[match["dunit"]]
        span = timedelta(days=count * _MARGIN_DAYS[unit]) if count <= MAX_MARGIN.days else None
    else:
        count, unit = int(match["time"]), _MARGIN_TIME_UNITS[match["tunit"]]
        span = count * _MARGIN_ABSOLUTE[unit] if count <= MAX_MARGIN.total_seconds() else None
    if count == 0:
        raise TimeError(f"the margin {text!r} is zero; leave the margin out instead")
    if span is None or span > MAX_MARGIN:
        raise TimeError(f"the margin {text!r} is longer than a century; check it")
    return Margin(count=count, unit=unit, text=text)


def validate_margin(margin: object, approximate: bool) -> Margin | None:
    """Check a recorded time's margin: None, or a valid margin with approximate.

    Returns the parsed Margin (or None when there is none); raises TimeError
    when the margin is malformed or given for a time that is not approximate.
    """
    if margin is None or margin == "":
        return None
    parsed = parse_margin(margin)
    if not approximate:
        raise TimeError(
            f"a margin ({parsed.text}) only applies to an approximate time; "
            "mark the time approximate or leave the margin out"
        )
    return parsed


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime(year, month + 1, 1) - datetime(year, month, 1)).days  # noqa: DTZ001


def _shift_margin(local: datetime, margin: Margin, sign: int) -> datetime:
    """Move the wall time ``local`` by ``sign * margin`` (calendar margins only).

    A month or year step onto a day the target month lacks goes to the last
    day of that month when moving back (sign -1) and rolls over into the next
    month when moving forward (sign +1): either way the interval only widens.
    """
    if margin.unit == "day":
        return local + sign * timedelta(days=margin.count)
    if margin.unit == "week":
        return local + sign * timedelta(weeks=margin.count)
    months = margin.count * (12 if margin.unit == "year" else 1)
    index = local.year * 12 + (local.month - 1) + sign * months
    year, month = index // 12, index % 12 + 1
    last = _days_in_month(year, month)
    if local.day <= last:
        return local.replace(year=year, month=month)
    if sign < 0:
        return local.replace(year=year, month=month, day=last)
    return local.replace(year=year, month=month, day=last) + timedelta(days=local.day - last)


# ---------------------------------------------------------------------------
# Intervals
# ---------------------------------------------------------------------------


def _as_utc(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise TimeError(f"{what} must be a datetime, not {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise TimeError(f"{what} must be timezone-aware, got {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Interval:
    """A half-open interval of absolute instants ``[lo, hi)``, all aware UTC.

    ``lo``/``hi`` are the (possibly approximate-widened) bounds; ``nominal`` is
    the midpoint of the un-widened interval. Aware inputs in other zones are
    normalised to UTC; naive inputs or ``not lo <= nominal <= hi`` raise
    TimeError.
    """

    lo: datetime
    hi: datetime
    nominal: datetime

    def __post_init__(self) -> None:
        for name in ("lo", "hi", "nominal"):
            object.__setattr__(self, name, _as_utc(getattr(self, name), name))
        if not self.lo <= self.nominal <= self.hi:
            raise TimeError(
                f"interval bounds out of order: lo={self.lo.isoformat()}, "
                f"nominal={self.nominal.isoformat()}, hi={self.hi.isoformat()}"
            )


def _readings(local: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """(earliest, latest) UTC instants at which the wall time ``local`` is shown.

    Equal unless ``local`` is ambiguous (repeated). A non-existent wall time
    (in a spring-forward gap) maps with zoneinfo's fold=0, the offset in force
    before the transition, for both.
    """
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return first, first
    wall = local.replace(fold=0)
    back_first = first.astimezone(tz).replace(tzinfo=None, fold=0)
    back_second = second.astimezone(tz).replace(tzinfo=None, fold=0)
    if back_first == wall and back_second == wall:  # repeated: both readings real
        return min(first, second), max(first, second)
    return first, first  # gap: fold=0 mapping


def _start(local: datetime, tz: tzinfo) -> datetime:
    """First instant of the interval that starts at wall time ``local``."""
    return _readings(local, tz)[0]


def _end(local_end: datetime, tz: tzinfo) -> datetime:
    """Exclusive end of an interval whose wall-clock end is ``local_end``.

    The instant just after the last wall-clock instant before ``local_end``
    last occurs, so a repeated stretch at the end is covered by every reading.
    """
    return _readings(local_end - _TICK, tz)[1] + _TICK


def _truncate(local: datetime, precision: str) -> datetime:
    if precision == "second":
        return local.replace(microsecond=0)
    if precision == "minute":
        return local.replace(second=0, microsecond=0)
    if precision == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    if precision == "day":
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    if precision == "month":
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _shift(local: datetime, precision: str, units: int) -> datetime:
    """Add whole units to a truncated wall-clock datetime, in wall time."""
    if precision in _ABSOLUTE_UNITS:
        return local + units * _ABSOLUTE_UNITS[precision]
    if precision == "day":
        return local + timedelta(days=units)
    if precision == "month":
        index = local.year * 12 + (local.month - 1) + units
        return local.replace(year=index // 12, month=index % 12 + 1)
    return local.replace(year=local.year + units)


def _widen_calendar(
    start: datetime, end: datetime, precision: str, tz: tzinfo, lo: datetime, hi: datetime
) -> tuple[datetime, datetime]:
    """Widen ``[lo, hi)`` by one local day/month/year on each side.

    The previous unit starts at wall time ``start - 1 unit`` and the next one
    ends at ``end + 1 unit``. A unit that never existed locally (Pacific/Apia
    skipped 2011-12-30 entirely) maps onto its neighbour's instants and is
    not counted: we step one unit further so the widening is never empty.
    """
    steps = 1
    wide_lo = _start(_shift(start, precision, -steps), tz)
    while wide_lo >= lo and steps < 3:
        steps += 1
        wide_lo = _start(_shift(start, precision, -steps), tz)
    steps = 1
    wide_hi = _end(_shift(end, precision, steps), tz)
    while wide_hi <= hi and steps < 3:
        steps += 1
        wide_hi = _end(_shift(end, precision, steps), tz)
    return wide_lo, wide_hi


def interval(
    at: str,
    precision: str,
    approximate: bool = False,
    timezone: str | None = None,
    *,
    margin: str | Margin | None = None,
) -> Interval:
    """The interval of absolute instants a reported time denotes (spec section 1).

    ``timezone`` is the already-resolved IANA name (the caller resolves event
    timezone, else incident timezone); an explicit offset in ``at`` wins over
    it. ``margin`` (only with ``approximate``) widens by that much on each side
    instead of one unit of precision. See the module docstring for DST
    handling. ``timezone="unknown"`` reads the local time as UTC and widens the
    result by the widest offsets (module docstring). Raises TimeError.
    """
    if timezone == UNKNOWN_ZONE:
        utc = interval(at, precision, approximate, "UTC", margin=margin)
        if parse_at(at)[1] is not None:
            return utc  # an explicit offset names the zone
        try:
            return Interval(lo=utc.lo - UNKNOWN_ZONE_EAST, hi=utc.hi + UNKNOWN_ZONE_WEST, nominal=utc.nominal)
        except OverflowError:
            raise TimeError(f"{at!r} is too close to the limits of the calendar") from None
    parsed_margin = validate_margin(margin, approximate)
    local, tz, precision = _resolve(at, precision, timezone)
    start = _truncate(local, precision)
    try:
        end = _shift(start, precision, 1)
        if precision in _ABSOLUTE_UNITS:
            unit = _ABSOLUTE_UNITS[precision]
            earliest, latest = _readings(start, tz)
            lo = earliest
            # "fold=1 reading + unit", extended (never shortened) to the end of
            # the last reading of the last wall instant, for unaligned shifts.
            hi = max(latest + unit, _end(end, tz))
            if approximate and parsed_margin is None:
                wide_lo, wide_hi = lo - unit, hi + unit
        else:
            lo = _start(start, tz)
            hi = _end(end, tz)
            if approximate and parsed_margin is None:
                wide_lo, wide_hi = _widen_calendar(start, end, precision, tz, lo, hi)
        if parsed_margin is not None:
            if parsed_margin.is_absolute:
                step = parsed_margin.count * _MARGIN_ABSOLUTE[parsed_margin.unit]
                wide_lo, wide_hi = lo - step, hi + step
            else:
                wide_lo = _start(_shift_margin(start, parsed_margin, -1), tz)
                wide_hi = _end(_shift_margin(end, parsed_margin, 1), tz)
        nominal = lo + (hi - lo) / 2
    except (OverflowError, ValueError):
        raise TimeError(f"{at!r} is too close to the limits of the calendar") from None
    if approximate:
        return Interval(lo=min(wide_lo, lo), hi=max(wide_hi, hi), nominal=nominal)
    return Interval(lo=lo, hi=hi, nominal=nominal)


# ---------------------------------------------------------------------------
# Durations
# ---------------------------------------------------------------------------

_US_PER_S = 1_000_000


def _microseconds(delta: timedelta) -> int:
    return delta // _TICK


@dataclass(frozen=True)
class Duration:
    """A duration in whole seconds with its bounds; any value may be negative."""

    nominal_seconds: int
    min_seconds: int
    max_seconds: int

    def to_dict(self) -> dict[str, int]:
        return {
            "nominal_seconds": self.nominal_seconds,
            "min_seconds": self.min_seconds,
            "max_seconds": self.max_seconds,
        }


def _make_duration(nominal: timedelta, low: timedelta, high: timedelta) -> Duration:
    return Duration(
        # floor(x + 0.5), in exact integer arithmetic
        nominal_seconds=(_microseconds(nominal) + _US_PER_S // 2) // _US_PER_S,
        min_seconds=_microseconds(low) // _US_PER_S,  # floor: exact for intervals
        max_seconds=-(-_microseconds(high) // _US_PER_S),  # ceil: exact for intervals
    )


def duration(a: Interval, b: Interval) -> Duration:
    """Duration from recorded time ``a`` to recorded time ``b`` (spec section 2).

    nominal = nominal(b) - nominal(a), rounded half up; min = lo(b) - hi(a);
    max = hi(b) - lo(a). Whole seconds, nothing clamped, negatives allowed.
    """
    return _make_duration(b.nominal - a.nominal, b.lo - a.hi, b.hi - a.lo)


def elapsed_since(a: Interval, now: datetime) -> Duration:
    """Time elapsed from recorded time ``a`` to the instant ``now`` (open metrics).

    ``now`` must be aware and is a zero-width interval: nominal = now -
    nominal(a) (half up), min = now - hi(a), max = now - lo(a). If ``now``
    carries microseconds, min is floored and max ceiled to whole seconds.
    """
    now = _as_utc(now, "now")
    return _make_duration(now - a.nominal, now - a.hi, now - a.lo)


_DURATION_UNITS = (
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
    (1, "second"),
)


def _plural(count: int, name: str) -> str:
    return f"{count} {name}" if count == 1 else f"{count} {name}s"


def format_duration(seconds: int) -> str:
    """Plain English for a number of seconds, to two adjacent units at most.

    The largest unit present (days, hours, minutes or seconds) is shown with
    the next smaller one, rounded half up to that smaller unit; zero parts are
    left out. 840 -> '14 minutes', 1900800 -> '22 days', 90061 -> '1 day
    1 hour', 45 -> '45 seconds', 0 -> '0 seconds', -840 -> '-14 minutes'.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        if isinstance(seconds, float) and math.isfinite(seconds):
            seconds = math.floor(seconds + 0.5)
        else:
            raise TypeError(f"format_duration needs whole seconds, not {seconds!r}")
    sign = "-" if seconds < 0 else ""
    remaining = abs(seconds)
    if remaining == 0:
        return "0 seconds"
    for index, (size, name) in enumerate(_DURATION_UNITS):
        if remaining < size:
            continue
        if index + 1 < len(_DURATION_UNITS):
            sub_size, sub_name = _DURATION_UNITS[index + 1]
            rounded = (remaining + sub_size // 2) // sub_size * sub_size
            if index > 0 and rounded >= _DURATION_UNITS[index - 1][0]:
                # rounding carried into the next larger unit (e.g. 23h59m59s)
                return sign + format_duration(rounded)
            big, small = divmod(rounded, size)
            parts = [_plural(big, name)]
            if small:
                parts.append(_plural(small // sub_size, sub_name))
            return sign + " ".join(parts)
        return sign + _plural(remaining, name)
    raise AssertionError("unreachable")  # pragma: no cover
