from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "web"
    verbose_name = "Public site"

    def ready(self):
        # checks registers the deploy checks; receivers retires the cached public pages on a change.
        from . import checks, receivers  # noqa: F401
