"""Plain-words formatting for the public pages: durations with their bounds, stances, norms."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
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

# How each metric reads as a phrase around its duration: "14 minutes' notice".
METRIC_PHRASES = {
    "notice_to_publication": "{}' notice before publication",
    "exposure_duration": "{} of exposure",
    "time_to_discovery": "{} before discovery",
    "discovery_to_notice": "{} from discovery to notice",
    "notice_to_acknowledgement": "{} from notice to acknowledgement",
    "publication_to_vendor_awareness": "{} from publication to the vendor becoming aware",
    "notice_to_remediation": "{} from notice to a fix",
    "publication_to_statement": "{} from publication to a vendor statement",
    "awareness_to_user_notification": "{} from awareness to telling users",
}


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
def metric_sentence(row):
    """'14 minutes' notice before publication (between 13 and 15 minutes)' for an IncidentMetric-like row."""
    nominal = duration_text(row.nominal_seconds)
    if row.nominal_seconds == 0 and row.min_seconds == 0 and row.max_seconds == 0:
        nominal = "no time"
    phrase = METRIC_PHRASES.get(row.metric, "{}").format(nominal)
    if row.nominal_seconds < 0:
        phrase = (
            f"{duration_text(-row.nominal_seconds)}: the end came before the start ({METRIC_LABELS.get(row.metric)})"
        )
    if row.open:
        return f"not reached yet: {nominal} so far"
    if row.min_seconds != row.max_seconds:
        phrase += f" ({figures.range_text(row.min_seconds, row.max_seconds)})"
    return phrase


@register.simple_tag
def norm_verdict(row, norm):
    """Where a metric stands against a norm, in the norm's direction and honest about the bounds (§5.2).

    "gave less notice than Project Zero's 90 days (14 minutes, 0.01 % of the window)":
    `figures.norm_verdict_text`, the outcome `figures.norm_comparisons` decides.
    """
    return figures.norm_verdict_text(row, row.metric, norm, figure_text=duration_text(row.nominal_seconds))


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
