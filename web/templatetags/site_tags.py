"""Plain-words formatting for the public pages: durations with their bounds, stances, norms."""

import json
from datetime import date

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from claims.models import STANCE_LABELS
from disclosure import timemath
from metrics import figures
from metrics.models import Metric

register = template.Library()

# What json_script escapes, so that no value can close the element or start markup.
_SCRIPT_BODY_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(value, element_id):
    """`value` as a JSON-LD data block: like Django's json_script, with the type search engines read.

    A data block is inert under the Content-Security-Policy (no code runs).
    """
    body = json.dumps(value, cls=DjangoJSONEncoder).translate(_SCRIPT_BODY_ESCAPES)
    return format_html('<script id="{}" type="application/ld+json">{}</script>', element_id, mark_safe(body))  # noqa: S308


METRIC_LABELS = dict(Metric.choices)


def duration_text(seconds):
    if seconds is None:
        return ""
    return timemath.format_duration(int(round(seconds)))


@register.filter
def duration(seconds):
    """Seconds in plain words: 840 -> '14 minutes'."""
    return duration_text(seconds)


@register.filter
def metric_label(metric):
    return METRIC_LABELS.get(metric, metric).capitalize()


@register.simple_tag
def metric_sentence(row, as_of=None):
    """A stored figure in the words of time-and-metrics.md §8 (`figures.describe_open`).

    "14 minutes (between 13 and 15 minutes)"; "between 9 hours 22 minutes before and 15
    minutes after"; an open figure as a lower bound: "at least 2 days after
    publication, by 29 December 2019" (`as_of`: a date or datetime, or its text).
    """
    if hasattr(as_of, "strftime"):
        as_of = f"{as_of.day} {as_of:%B %Y}"
    return figures.describe_open(row, row.metric, as_of=as_of or None)


@register.simple_tag
def norm_verdict(row, norm):
    """Where a figure stands against a norm, in the norm's direction and honest about the bounds (§5.2).

    "gave less notice than Project Zero's 90 days (14 minutes, 0.01 % of the window)":
    `figures.norm_verdict_text`, the outcome `figures.norm_comparisons` decides.
    """
    return figures.norm_verdict_text(row, row.metric, norm)


@register.simple_tag
def notice_sentence(notice):
    """One publishing reporter's notice (a stored ReporterNotice) as a sentence: `figures.notice_sentence`."""
    return figures.notice_sentence(notice.organization.name, figures.NO_NOTICE if notice.no_notice else notice)


@register.simple_tag
def notice_verdicts(notice, norms):
    """[(norm, outcome, words)] of one reporter's notice against the notice norms: `figures.notice_verdicts`."""
    return figures.notice_verdicts(figures.NO_NOTICE if notice.no_notice else notice, norms)


@register.simple_tag
def norm_share(row, norm):
    """The figure as a share of the norm's window: '0.01 %'."""
    comparisons = figures.norm_comparisons(row, row.metric, [norm])
    return figures.format_percent(comparisons[0]["share"]) if comparisons else ""


@register.filter
def stance_label(stance):
    return STANCE_LABELS.get(stance, stance)


@register.simple_tag
def stance_badge(stance):
    return format_html('<span class="badge badge-{}">{}</span>', stance, STANCE_LABELS.get(stance, stance))


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed (None or '' removes one); page resets."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def count_text(value, approximate=False):
    from django.contrib.humanize.templatetags.humanize import intcomma

    if value is None:
        return "unknown"
    return f"about {intcomma(value)}" if approximate else intcomma(value)


def independent_count(sources):
    """How many independent lines of reporting the sources are: a source repeating another counts with it.

    Sources (anything with `pk` and `based_on_id`) are grouped by their root, `based_on_id or pk`, and the
    distinct roots counted; the same source twice counts once. One level is enough: `based_on` is mostly a
    "via" to an original, and following a longer chain would cost a query per step (`based_on` is not
    loaded with the citations). So in a chain C -> B -> A all cited, C and B share the root B while A is
    its own: two lines, not one. A source based on one that is not itself cited still counts as one line
    (its root is that other source), and two sources based on the same uncited one count as one.
    """
    return len({s.based_on_id or s.pk for s in {s.pk: s for s in sources}.values()})


def corroboration_text(total, independent):
    """'2 sources, both independent', '3 sources, 2 independent: one repeats another's reporting'; '' under 2."""
    if total < 2:
        return ""
    if independent >= total:
        return f"{total} sources, {'both' if total == 2 else 'all'} independent"
    repeats = total - independent
    why = "one repeats another's reporting" if repeats == 1 else f"{repeats} repeat others' reporting"
    return f"{total} sources, {independent} independent: {why}"


@register.filter
def corroboration(citations):
    """How many of the distinct sources behind the citations are independent, in words ('' under 2 sources).

    Only iterates what it is given (prefetched citation rows with their source): no query of its own.
    """
    sources = {c.source_id: c.source for c in citations or ()}
    return corroboration_text(len(sources), independent_count(sources.values()))


@register.simple_tag
def median_words(summary, metric=None):
    """A group's median in the words of time-and-metrics.md §8, its bounds the median's bounds (§6).

    "14 minutes (between 13 and 15 minutes)"; a median whose bounds straddle the start reads as
    the range only: "between 9 hours 22 minutes before and 14 hours 39 minutes after the notice".
    """
    if summary.median is None:
        return "—"
    figure = {
        "nominal_seconds": int(round(summary.median)),
        "min_seconds": int(round(summary.median_min if summary.median_min is not None else summary.median)),
        "max_seconds": int(round(summary.median_max if summary.median_max is not None else summary.median)),
    }
    return figures.describe_open(figure, metric)


@register.simple_tag
def notice_short(notice):
    """A reporter's notice for a card: "14 minutes" (§8's point words, the bounds left to the page) or "none"."""
    if notice.no_notice:
        return "no notice"
    return figures.describe(notice).split(" (")[0]


@register.simple_tag
def listing_date(event):
    """The date a card lists an incident under: its earliest event as reported, never finer than a month
    and never finer than the source ("2018" stays a year), from the local date as reported, not from UTC."""
    if event is None or not event.at:
        return ""
    if event.precision == "year":
        value, text = event.at[:4], event.at[:4]
    else:
        value = event.at[:7]
        text = date(int(value[:4]), int(value[5:7]), 1).strftime("%B %Y")
    about = "about " if event.approximate else ""
    return format_html('<time datetime="{}">{}{}</time>', value, about, text)


@register.simple_tag
def listing_notice(incident):
    """An incident's own notice for a card, from its annotated bounds, in §8's words without the bounds' detail."""
    figure = {
        "nominal_seconds": incident.notice_seconds,
        "min_seconds": incident.notice_min_seconds,
        "max_seconds": incident.notice_max_seconds,
    }
    return figures.describe_open(figure, "notice_to_publication").split(" (")[0]


@register.simple_tag
def select_options(options, selected):
    """The `<option>`s of a filter's `<select>` (templates/_select.html), the current value selected.

    Built in one pass rather than by a template loop: a listing's vendor and reporter lists hold
    hundreds of organisations at 10,000 incidents, and the loop cost several ms per request
    (issue 13). `options` are (value, label) pairs; `selected` a string, or None for none.
    """
    selected = None if selected is None else str(selected)
    parts = []
    for value, text in options:
        value = str(value)
        mark = " selected" if value == selected else ""
        parts.append(f'<option value="{conditional_escape(value)}"{mark}>{conditional_escape(text)}</option>')
    return mark_safe("".join(parts))  # noqa: S308 (every value and label escaped above)
