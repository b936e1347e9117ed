"""Disclosure-window metrics (time-and-metrics.md §3-§4). Filled in by the metrics work (issue 3)."""


def incident_metrics_recompute(*, incident_id):
    return None


def metrics_recompute_all():
    return None
