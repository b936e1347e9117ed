"""Signals the core records send to the layers above them (which `disclosure` never imports)."""

from django.dispatch import Signal

# An incident, or one of its parts, changed in the current transaction: what is
# derived from it (the metrics) should follow once the transaction commits.
# Arguments: incident_id, embargo_until (an instant the incident becomes public, or None).
incident_changed = Signal()
