"""Liveness and readiness for a load balancer or an orchestrator (issue 14, operations).

`/healthz`: the process answers (no database, no broker: a restart cannot fix those).
`/readyz`: the database answers and, when tasks go to a broker, the broker accepts a
connection. The public answer says only ready or not; what failed goes to the log.
Neither is cached, and neither needs a session or a CSRF cookie.
"""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "alive"})


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means not ready; the log says which
        logger.exception("readyz: the database did not answer")
        return False


def _broker_ok():
    if settings.CELERY_TASK_ALWAYS_EAGER:  # the embedded default: no broker to reach
        return True
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.exception("readyz: the broker did not accept a connection")
        return False


@never_cache
@require_safe
def readyz(request):
    ready = _database_ok() and _broker_ok()
    return JsonResponse({"status": "ready" if ready else "not ready"}, status=200 if ready else 503)
