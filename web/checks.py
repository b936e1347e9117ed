"""Checks that stop a misconfigured production start loudly, before it serves a single 500.

Registered when the app is ready (web/apps.py); config/wsgi.py also calls `require_built_static_files`
at start-up, since gunicorn runs no system checks."""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MISSING = "Static files are not built: every page would answer 500."
HINT = "Run `manage.py collectstatic --noinput` (scripts/serve does it before starting gunicorn)."


def _manifest_missing():
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    return bool(settings.PRODUCTION and manifest and not staticfiles_storage.exists(manifest))


def require_built_static_files():
    if _manifest_missing():
        raise ImproperlyConfigured(f"{MISSING} {HINT}")


@register(Tags.staticfiles, deploy=True)
def static_files_built(app_configs, **kwargs):
    return [Error(MISSING, hint=HINT, id="config.E001")] if _manifest_missing() else []
