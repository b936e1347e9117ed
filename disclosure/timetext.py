"""Reported times in plain words, honest about their precision.

"December 4, 2019" for a day, "about 10:00 a.m." for an approximate minute:
never more precise than the source was.
"""

from datetime import timedelta

from . import timemath

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def is_timezone(name):
    """An IANA zone name the time arithmetic accepts."""
    return timemath.is_valid_timezone(name)


def _clock(dt, precision):
    hour12 = dt.hour % 12 or 12
    suffix = "a.m." if dt.hour < 12 else "p.m."
    if precision == "hour":
        return f"{hour12} {suffix}"
    if precision == "minute":
        return f"{hour12}:{dt.minute:02d} {suffix}"
    return f"{hour12}:{dt.minute:02d}:{dt.second:02d} {suffix}"


def _offset(tz):
    delta = tz.utcoffset(None)
    if delta == timedelta(0):
        return "UTC"
    sign = "+" if delta >= timedelta(0) else "\N{MINUS SIGN}"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def describe(at, precision, approximate=False):
    """Say a reported time the way the source gave it, in the local time it was given in."""
    try:
        local, offset, _finest = timemath.parse_at(at)
    except timemath.TimeError:
        return at
    if precision == "year":
        text = f"{local.year}"
    elif precision == "month":
        text = f"{MONTHS[local.month - 1]} {local.year}"
    else:
        text = f"{MONTHS[local.month - 1]} {local.day}, {local.year}"
        if precision in ("hour", "minute", "second"):
            text += f", {_clock(local, precision)}"
            if offset is not None:
                text += f" {_offset(offset)}"
    return f"about {text}" if approximate else text
