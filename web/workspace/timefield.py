"""The recorded-time field of the workspace's forms: a date, an optional time, "about", a margin, a zone.

`RecordedTimeField(incident_timezone="UTC", required=True)` is a form field whose cleaned value
is a recorded time in the bundle's shape, {"at", "precision", "approximate", "margin",
"timezone"} (bundle-v1.md), or None when left empty and not required. The precision is what
was typed ("2019" is a year, "26 Dec 2019" a day, "9 am" an hour, "9:21" a minute), never a
separate choice, so nobody claims more than the source gave.

The zone defaults to the incident's. With `blank_if_incident_zone=True` (events, claims,
responses, whose blank zone means the incident's) the incident's own zone is stored as "";
otherwise (a source, whose blank zone means UTC) the zone is always written out.

The interval in words (`interval_words`) is computed by `disclosure.timemath.interval`, the
function the models use, so what the form shows is what will be stored.
"""

import re
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from disclosure import timemath

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_MONTH_BY_PREFIX = {name[:3].lower(): number for number, name in enumerate(MONTHS, start=1)}

MARGINS = [
    ("", "no margin"),
    ("PT15M", "15 minutes"),
    ("PT30M", "30 minutes"),
    ("PT1H", "1 hour"),
    ("PT2H", "2 hours"),
    ("P1D", "1 day"),
    ("P3D", "3 days"),
    ("P1W", "1 week"),
    ("P1M", "1 month"),
]
PRECISION_WORDS = {
    "year": "to the year",
    "month": "to the month",
    "day": "to the day",
    "hour": "to the hour",
    "minute": "to the minute",
    "second": "to the second",
}

DATE_HELP = "Give a date like 26 December 2019 or 2019-12-26 (or only December 2019, or 2019)."
TIME_HELP = "Give a time like 9:21, 9:21 am, 21:30 or 9 am, or leave the time empty."

_ISO_DATE = re.compile(r"(?P<y>\d{4})(?:[-/](?P<m>\d{1,2})(?:[-/](?P<d>\d{1,2}))?)?")
_ISO_DATETIME = re.compile(r"(?P<date>\d{4}-\d{1,2}-\d{1,2})[T ](?P<time>.+)")
_TIME = re.compile(
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?)?\s*(?:(?P<ampm>[ap])\.?\s*m\.?)?",
    re.IGNORECASE,
)
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*(?P<sign>[+\-\u2212])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?", re.IGNORECASE)


# --- parsing what was typed ------------------------------------------------


def parse_date(text):
    """(year, month or None, day or None) from '2019-12-26', '26 Dec 2019', 'December 2019', '2019'."""
    text = " ".join((text or "").replace(",", " ").split())
    if not text:
        raise ValidationError(DATE_HELP, code="date")
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = int(match["y"]), match["m"], match["d"]
        return _checked(year, int(month) if month else None, int(day) if day else None)
    year = month = day = None
    for token in text.split(" "):
        token = token.strip(".").lower()
        if re.fullmatch(r"\d{4}", token) and year is None:
            year = int(token)
        elif (m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", token)) and day is None:
            day = int(m[1])
        elif len(token) >= 3 and token[:3] in _MONTH_BY_PREFIX and month is None:
            full = MONTHS[_MONTH_BY_PREFIX[token[:3]] - 1].lower()
            if not (full.startswith(token) or token in ("sept",)):
                raise ValidationError(DATE_HELP, code="date")
            month = _MONTH_BY_PREFIX[token[:3]]
        else:
            raise ValidationError(DATE_HELP, code="date")
    if year is None or (day is not None and month is None):
        raise ValidationError(DATE_HELP, code="date")
    return _checked(year, month, day)


def _checked(year, month, day):
    if not timemath.MIN_YEAR <= year <= timemath.MAX_YEAR:
        raise ValidationError(f"{year} is not a year the tracker can record; check the year ({DATE_HELP})", code="date")
    if month is not None and not 1 <= month <= 12:
        raise ValidationError(DATE_HELP, code="date")
    if day is not None:
        try:
            datetime(year, month, day)  # noqa: DTZ001 - only checks the calendar date
        except ValueError:
            raise ValidationError(f"There is no {day} {MONTHS[month - 1]} {year}. {DATE_HELP}", code="date") from None
    return year, month, day


def parse_clock(text):
    """(hour, minute or None, second or None) from '9:21', '09:21', '9:21 am', '10:00:05', '9', '9 pm'."""
    match = _TIME.fullmatch((text or "").strip())
    if match is None:
        raise ValidationError(TIME_HELP, code="time")
    hour = int(match["h"])
    minute = int(match["m"]) if match["m"] else None
    second = int(match["s"]) if match["s"] else None
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValidationError(f"With am or pm the hour is 1 to 12. {TIME_HELP}", code="time")
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    if hour > 23 or (minute or 0) > 59 or (second or 0) > 59:
        raise ValidationError(TIME_HELP, code="time")
    return hour, minute, second


def parse_offset(text):
    """'-08:00' from 'UTC-08:00', '-8', '+05:30'; None when `text` is not an offset."""
    match = _OFFSET.fullmatch((text or "").strip())
    if match is None:
        return None
    sign = "-" if match["sign"] in "-\u2212" else "+"
    hours, minutes = int(match["h"]), int(match["m"] or 0)
    if hours > 18 or minutes > 59:
        return None
    return f"{sign}{hours:02d}:{minutes:02d}"


def at_and_precision(date_text, time_text):
    """The recorded `at` (local, ISO) and the precision the typed text gives."""
    date_text, time_text = (date_text or "").strip(), (time_text or "").strip()
    if not time_text and (match := _ISO_DATETIME.fullmatch(date_text)):
        date_text, time_text = match["date"], match["time"]
    year, month, day = parse_date(date_text)
    if not time_text:
        if day is not None:
            return f"{year:04d}-{month:02d}-{day:02d}", "day"
        if month is not None:
            return f"{year:04d}-{month:02d}", "month"
        return f"{year:04d}", "year"
    if day is None:
        raise ValidationError("A time of day needs a full date, like 26 December 2019.", code="time")
    hour, minute, second = parse_clock(time_text)
    date = f"{year:04d}-{month:02d}-{day:02d}"
    if second is not None:
        return f"{date}T{hour:02d}:{minute:02d}:{second:02d}", "second"
    if minute is not None:
        return f"{date}T{hour:02d}:{minute:02d}", "minute"
    return f"{date}T{hour:02d}:00", "hour"


def recorded_time(date_text, time_text, approximate, margin, zone, *, incident_timezone, blank_if_incident_zone):
    """Check what was typed and return the bundle's time object (or raise ValidationError in plain words)."""
    errors = {}
    try:
        at, precision = at_and_precision(date_text, time_text)
    except ValidationError as exc:
        errors["date" if exc.code == "date" else "time"] = exc
        at = precision = None
    margin = margin or ""
    if margin and not approximate:
        errors["margin"] = ValidationError("A margin needs 'about': tick 'about' or choose no margin.")
    elif margin and margin not in dict(MARGINS):
        errors["margin"] = ValidationError("Choose a margin from the list.")
    zone = (zone or "").strip() or incident_timezone or "UTC"
    offset = parse_offset(zone)
    if offset is None and not timemath.is_zone_or_unknown(zone):
        errors["zone"] = ValidationError(
            f"'{zone}' is not a time zone we know; use a name like America/Los_Angeles or Europe/Berlin, "
            "or an offset like UTC-08:00."
        )
    elif offset is not None and precision not in (None, "hour", "minute", "second"):
        errors["zone"] = ValidationError(
            "An offset like UTC-08:00 needs a time of day; for a date alone, give a zone name like America/Los_Angeles."
        )
    if errors:
        raise ValidationError(list(errors.values()))
    timezone = zone
    if offset is not None:
        at, timezone = at + offset, ""
    elif blank_if_incident_zone and zone == incident_timezone:
        timezone = ""
    value = {
        "at": at,
        "precision": precision,
        "approximate": bool(approximate),
        "margin": margin,
        "timezone": timezone,
    }
    try:
        timemath.interval(at, precision, bool(approximate), zone_of(value, incident_timezone), margin=margin or None)
    except timemath.TimeError as exc:
        message = str(exc)
        raise ValidationError(message[:1].upper() + message[1:] + ".") from exc
    return value


def zone_of(value, incident_timezone):
    return value.get("timezone") or incident_timezone or "UTC"


# --- words -----------------------------------------------------------------


def _day(dt):
    return f"{dt.day} {MONTHS[dt.month - 1]} {dt.year}"


def _clock(dt):
    return f"{dt:%H:%M:%S}" if dt.second else f"{dt:%H:%M}"


def offset_words(delta):
    if delta == timedelta(0):
        return "UTC"
    sign = "+" if delta > timedelta(0) else "\N{MINUS SIGN}"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _local_zone(value, incident_timezone):
    _local, offset, _given = timemath.parse_at(value["at"])
    if offset is not None:
        return offset, offset_words(offset.utcoffset(None))
    name = zone_of(value, incident_timezone)
    if name == timemath.UNKNOWN_ZONE:
        return timemath.zone_or_utc(name), "UTC, time zone unknown"
    return timemath.get_zone(name), name


def interval_words(value, incident_timezone="UTC"):
    """The instants a recorded time denotes, in the words of its own zone.

    'between 09:30 and 10:31 on 26 December 2019 (America/Los_Angeles)', '26 December 2019,
    all day (America/Los_Angeles)', 'December 2019, the whole month (Europe/Berlin)'.
    """
    iv = timemath.interval(
        value["at"],
        value["precision"],
        value["approximate"],
        zone_of(value, incident_timezone),
        margin=value.get("margin") or None,
    )
    tz, zone_name = _local_zone(value, incident_timezone)
    lo, hi = iv.lo.astimezone(tz), iv.hi.astimezone(tz)
    midnight = (lo.hour, lo.minute, lo.second) == (0, 0, 0) and (hi.hour, hi.minute, hi.second) == (0, 0, 0)
    if midnight:
        last = (hi - timedelta(hours=12)).date()  # the last whole day, safe on 23- and 25-hour days
        hours = round((iv.hi - iv.lo).total_seconds() / 3600)
        if last == lo.date():
            length = f", {hours} hours long" if hours != 24 else ""
            return f"{_day(lo)}, all day{length} ({zone_name})"
        if lo.day == 1 and hi.day == 1 and (hi.year * 12 + hi.month) - (lo.year * 12 + lo.month) == 1:
            return f"{MONTHS[lo.month - 1]} {lo.year}, the whole month ({zone_name})"
        if (lo.month, lo.day, hi.month, hi.day) == (1, 1, 1, 1) and hi.year - lo.year == 1:
            return f"{lo.year}, the whole year ({zone_name})"
        return f"from {_day(lo)} to {last.day} {MONTHS[last.month - 1]} {last.year}, whole days ({zone_name})"
    if lo.date() == hi.date():
        return f"between {_clock(lo)} and {_clock(hi)} on {_day(lo)} ({zone_name})"
    return f"between {_clock(lo)} on {_day(lo)} and {_clock(hi)} on {_day(hi)} ({zone_name})"


def zone_words(value, incident_timezone="UTC"):
    """'America/Los_Angeles, UTC−08:00 on that date' (the offset in force at the reported time)."""
    local, offset, _given = timemath.parse_at(value["at"])
    if offset is not None:
        return f"{offset_words(offset.utcoffset(None))} (an explicit offset)"
    name = zone_of(value, incident_timezone)
    if name == timemath.UNKNOWN_ZONE:
        return "time zone unknown (read in every zone, UTC−12:00 to UTC+14:00)"
    delta = timemath.get_zone(name).utcoffset(local)
    return f"{name}, {offset_words(delta)} on that date"


def describe(value, incident_timezone="UTC"):
    """What the preview under the field says: {"words", "precision", "zone"}."""
    return {
        "words": interval_words(value, incident_timezone),
        "precision": PRECISION_WORDS[value["precision"]],
        "zone": zone_words(value, incident_timezone),
        "approximate": value["approximate"],
        "margin": dict(MARGINS).get(value.get("margin") or "", ""),
    }


# --- the widget and the field ----------------------------------------------


def _typed_parts(value, incident_timezone):
    """The inputs' text for a stored recorded time (the inverse of `at_and_precision`)."""
    if not value or not value.get("at"):
        return ["", "", False, "", incident_timezone or "UTC"]
    try:
        local, offset, _given = timemath.parse_at(value["at"])
    except timemath.TimeError:
        return [value["at"], "", value.get("approximate", False), value.get("margin", ""), incident_timezone]
    precision = value.get("precision") or "day"
    if precision == "year":
        date = f"{local.year}"
    elif precision == "month":
        date = f"{MONTHS[local.month - 1]} {local.year}"
    else:
        date = _day(local)
    clock = ""
    if precision == "hour":
        clock = f"{local.hour % 12 or 12} {'am' if local.hour < 12 else 'pm'}"
    elif precision == "minute":
        clock = f"{local:%H:%M}"
    elif precision == "second":
        clock = f"{local:%H:%M:%S}"
    zone = offset_words(offset.utcoffset(None)).replace("\N{MINUS SIGN}", "-") if offset is not None else ""
    zone = zone or value.get("timezone") or incident_timezone or "UTC"
    return [date, clock, bool(value.get("approximate")), value.get("margin") or "", zone]


class RecordedTimeWidget(forms.MultiWidget):
    """Date, time, "about", margin and zone inputs, with the interval in words under them."""

    template_name = "workspace/records/_timefield.html"

    def __init__(self, attrs=None, incident_timezone="UTC", blank_if_incident_zone=False):
        self.incident_timezone = incident_timezone
        self.blank_if_incident_zone = blank_if_incident_zone
        widgets = {
            "date": forms.TextInput(attrs={"placeholder": "26 December 2019", "autocomplete": "off"}),
            "time": forms.TextInput(attrs={"placeholder": "9:21 am (optional)", "autocomplete": "off"}),
            "about": forms.CheckboxInput(),
            "margin": forms.Select(choices=MARGINS),
            "zone": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        return _typed_parts(value, self.incident_timezone)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        parts = value if isinstance(value, (list, tuple)) else self.decompress(value)
        preview = {}
        if any(parts[:2]):
            try:
                cleaned = recorded_time(
                    *parts,
                    incident_timezone=self.incident_timezone,
                    blank_if_incident_zone=self.blank_if_incident_zone,
                )
                preview = describe(cleaned, self.incident_timezone)
            except ValidationError:
                preview = {}
        context["time"] = {
            "name": name,
            "preview": preview,
            "preview_url": reverse("workspace:time-preview"),
            "incident_timezone": self.incident_timezone,
            "blank_if_incident_zone": self.blank_if_incident_zone,
        }
        context["preview"], context["error"] = preview, ""
        return context

    def _render(self, template_name, context, renderer=None):
        # The project's template engine (templates/), not the form renderer's own.
        return render_to_string(template_name, context)  # already safe: an autoescaped template


class RecordedTimeField(forms.Field):
    """A recorded time typed as people say it; cleaned to the bundle's time object (or None)."""

    def __init__(self, *args, incident_timezone="UTC", blank_if_incident_zone=False, **kwargs):
        self.incident_timezone = incident_timezone or "UTC"
        self.blank_if_incident_zone = blank_if_incident_zone
        kwargs.setdefault(
            "widget",
            RecordedTimeWidget(incident_timezone=self.incident_timezone, blank_if_incident_zone=blank_if_incident_zone),
        )
        kwargs.setdefault(
            "error_messages",
            {"required": "Give the date, even if only the year: 26 December 2019, December 2019 or 2019."},
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        parts = list(value) if isinstance(value, (list, tuple)) else _typed_parts(value, self.incident_timezone)
        parts += [""] * (5 - len(parts))
        date, clock, approximate, margin, zone = parts[:5]
        if not (date or "").strip() and not (clock or "").strip():
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            if margin or approximate:
                raise ValidationError(DATE_HELP)
            return None
        return recorded_time(
            date,
            clock,
            approximate,
            margin,
            zone,
            incident_timezone=self.incident_timezone,
            blank_if_incident_zone=self.blank_if_incident_zone,
        )

    def has_changed(self, initial, data):
        try:
            return self.clean(data) != (initial or None)
        except ValidationError:
            return True


def parts_from_query(params, name):
    """The five inputs of the field called `name`, from a GET or POST QueryDict."""
    return [
        params.get(f"{name}_date", ""),
        params.get(f"{name}_time", ""),
        params.get(f"{name}_about", "") in ("on", "true", "1", "True"),
        params.get(f"{name}_margin", ""),
        params.get(f"{name}_zone", ""),
    ]
