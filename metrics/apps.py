from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Disclosure-window metrics"

    def ready(self):
        from . import receivers  # noqa: F401  (recompute when the core records change)
