"""Signals the metrics send to the layers above them (which `metrics` never imports)."""

from django.dispatch import Signal

# Stored figures or aggregates changed; sent once the transaction that wrote them has
# committed (the public pages that show them are cached until then). No arguments.
figures_changed = Signal()
