"""The WSGI entry point (gunicorn config.wsgi). In production it refuses to start without built static
files: every page would otherwise answer 500 until someone ran collectstatic (scripts/serve runs it)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from web.checks import require_built_static_files  # noqa: E402  (needs the settings loaded above)

require_built_static_files()
