"""A real Celery worker on the local Redis and PostgreSQL picks up what the web process commits.

Needs CELERY_INTEGRATION_BROKER_URL (e.g. redis://127.0.0.1:6379/15) and a PostgreSQL
DATABASE_URL; skipped otherwise, except in CI (CI_REQUIRE_SERVICES=1), where a
missing service is a failure, not a skip.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from celery.result import EagerResult
from django.db import connection
from kombu import pools

from config.celery import app
from disclosure import services
from metrics import tasks
from metrics.models import IncidentMetric

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CELERY_INTEGRATION_BROKER_URL", "")
REQUIRED = os.environ.get("CI_REQUIRE_SERVICES") == "1"

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def require_services():
    missing = []
    if not BROKER:
        missing.append("CELERY_INTEGRATION_BROKER_URL is not set")
    if connection.vendor != "postgresql":
        missing.append(f"the database is {connection.vendor}, not PostgreSQL")
    if missing:
        message = "; ".join(missing)
        if REQUIRED:
            pytest.fail(f"CI_REQUIRE_SERVICES=1 but {message}")
        pytest.skip(message)


def worker_database_url():
    """The URL of the database pytest created (test_<name>), for the worker."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def forget_connections():
    """Drop the connection and producer pools made for the previous broker (eager runs use memory://).

    kombu keeps its pools in global registries keyed by broker: they are cleared
    too, or a later eager task would be handed the pool closed here.
    """
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def worker():
    require_services()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    forget_connections()
    app.control.purge()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "DATABASE_URL": worker_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-l",
            "warning",
        ]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        app.control.purge()
        app.conf.update(saved)
        forget_connections()
        log.seek(0)
        output = log.read()
        log.close()
        os.unlink(log.name)
        if output.strip():
            print("worker log:\n" + output)


def wait_for(condition, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the worker exited with status {process.returncode}")
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"the worker did not write the expected metrics within {timeout} s")


def public_window(incident):
    return (
        IncidentMetric.objects.filter(incident=incident, view="public", metric="notice_to_publication")
        .values_list("nominal_seconds", "min_seconds", "max_seconds")
        .first()
    )


def test_a_change_committed_by_the_web_process_is_reflected_by_the_worker(worker):
    vendor = services.organization_create(slug="wyze-like", name="Wyze-like", kind="vendor")
    incident = services.incident_create(
        slug="worker-check", title="Worker check", vendor=vendor, timezone="America/Los_Angeles", status="published"
    )
    article = services.source_create(key="worker-article", title="The report", kind="article")
    cited = [{"source": article}]  # a published event cites its source
    services.event_create(
        incident=incident,
        key="notice",
        kind="vendor_notified",
        at="2019-12-26T09:21",
        precision="minute",
        status="published",
        citations=cited,
    )
    published = services.event_create(
        incident=incident,
        key="report",
        kind="published",
        at="2019-12-26T09:35",
        precision="minute",
        status="published",
        citations=cited,
    )
    # Nothing is computed in this process: the tasks go to the broker.
    assert not isinstance(tasks.recompute_incident_metrics.delay(incident.pk), EagerResult)
    assert wait_for(lambda: public_window(incident) == (840, 780, 900), worker)

    services.event_update(event=published, at="2019-12-26T10:35")
    assert wait_for(lambda: public_window(incident) == (4440, 4380, 4500), worker)
