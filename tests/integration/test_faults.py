"""Faults against the real services (issue 14): Redis stopped and restarted, a worker killed mid-run.

Each test starts its own `redis-server` on a free port in a temporary directory (the
machine's shared Redis is never touched), uses it as the broker (and the cache), and
runs a real Celery worker on the PostgreSQL test database, as tests/integration/test_worker.py
does. Needs CELERY_INTEGRATION_BROKER_URL, a PostgreSQL DATABASE_URL and the redis-server
binary; skipped otherwise, except in CI (CI_REQUIRE_SERVICES=1), where a missing service is
a failure.
"""

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from config.celery import app
from disclosure import services
from disclosure.models import Event, Incident
from metrics import services as metrics
from metrics import tasks
from metrics.models import IncidentMetric, IncidentMetricSet, MissedRecompute, RecomputeRun
from tests.integration.test_worker import REQUIRED, forget_connections, require_services, worker_database_url

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server that a test can kill (SIGKILL, as a crash) and start again on the same port."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.directory]
            + ["--save", "", "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not answer on port {self.port}")

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def redis_server(settings):
    """Our own Redis, as the broker (db 0) and the forgiving shared cache (db 1) of this process."""
    require_services()
    if REDIS_SERVER is None:
        if REQUIRED:
            pytest.fail("CI_REQUIRE_SERVICES=1 but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    directory = tempfile.mkdtemp(prefix="faults-redis-")
    server = RedisServer(directory)
    server.start()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=f"{server.url}/0", task_always_eager=False)
    forget_connections()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": f"{server.url}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        yield server
    finally:
        server.kill()
        app.conf.update(saved)
        forget_connections()
        shutil.rmtree(directory, ignore_errors=True)


class Worker:
    """A real `celery worker` process on our Redis and the test database, its output kept for a failure."""

    def __init__(self, broker, *extra, env=None):
        self.log = tempfile.NamedTemporaryFile("w+", prefix="celery-faults-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-l", "info"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", *extra],
            cwd=ROOT,
            env={
                **os.environ,
                "CELERY_BROKER_URL": f"{broker}/0",
                "DATABASE_URL": worker_database_url(),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                **(env or {}),
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def kill(self):
        """SIGKILL: no warm shutdown, no acknowledgement, no clean-up (a `kill -9`, an OOM kill)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        output = self.output()
        self.log.close()
        os.unlink(self.log.name)
        return output


@pytest.fixture
def workers():
    started = []
    yield lambda *args, **kwargs: started.append(Worker(*args, **kwargs)) or started[-1]
    for worker in started:
        output = worker.stop()
        if output.strip():
            print("worker log:\n" + output[-5000:])


def wait_for(condition, what, timeout, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"the worker exited with status {worker.process.returncode} while waiting for {what}")
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what}: not within {timeout} s")


def notice_to_publication(incident):
    return (
        IncidentMetric.objects.filter(incident=incident, view="public", metric="notice_to_publication")
        .values_list("nominal_seconds", flat=True)
        .first()
    )


def test_with_redis_killed_writes_succeed_pages_serve_and_figures_catch_up_when_it_returns(redis_server, workers):
    redis_server.kill()  # a crash, not a clean shutdown

    # Staff writes, through the services and through the API with a token: saved and answered.
    vendor = services.organization_create(slug="redis-down-vendor", name="Redis-down vendor", kind="vendor")
    incident = services.incident_create(
        slug="redis-down", title="Written with Redis down", vendor=vendor, timezone="UTC", status="published"
    )
    article = services.source_create(key="redis-down-article", title="The report", kind="article")
    cited = [{"source": article}]
    services.event_create(
        incident=incident, key="notice", kind="vendor_notified", at="2024-03-01T09:00", precision="minute",
        status="published", citations=cited,
    )  # fmt: skip
    published = services.event_create(
        incident=incident, key="report", kind="published", at="2024-03-01T10:00", precision="minute",
        status="published", citations=cited,
    )  # fmt: skip
    services.event_update(event=published, at="2024-03-01T11:00")
    staff = get_user_model().objects.create_superuser("faults-admin", "faults@example.org", "not-used")
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    response = api.post(
        "/api/v1/incidents/redis-down/events/",
        {"key": "fixed", "kind": "remediated", "time": {"at": "2024-03-02", "precision": "day"},
         "description": "Fixed.", "status": "published", "citations": [{"source": "redis-down-article"}]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content[:500]
    assert Event.objects.filter(incident=incident).count() == 3

    # The public site serves its pages (the cache is Redis too: reads miss, writes are dropped).
    visitor = Client()
    for url in ["/", "/incidents/", "/incidents/redis-down/", "/compare/", "/claims/", "/api/v1/incidents/"]:
        assert visitor.get(url).status_code == 200, url

    # Nothing could be queued: the incident is noted, and has no figures yet.
    assert list(MissedRecompute.objects.values_list("incident_id", flat=True)) == [incident.pk]
    assert notice_to_publication(incident) is None

    # Redis comes back (empty: what was never queued is not there). A worker with beat
    # sweeps the note up within a minute: no manual recompute.
    redis_server.start()
    schedule = Path(redis_server.directory) / "celerybeat-schedule"
    worker = workers(redis_server.url, "-B", "-s", str(schedule))
    started = time.monotonic()
    wait_for(
        lambda: not MissedRecompute.objects.exists() and notice_to_publication(incident) == 2 * 3600,
        "the figures caught up after Redis returned",
        timeout=90,
        worker=worker,
    )
    print(f"figures caught up {time.monotonic() - started:.1f} s after the worker started")
    assert IncidentMetric.objects.filter(incident=incident, view="staff").count() >= 2


def assert_no_half_written_figures():
    """Each incident and view has all the figures its IncidentMetricSet counts, or none and no set."""
    stored = {
        (row["incident_id"], row["view"]): row["n"]
        for row in IncidentMetric.objects.values("incident_id", "view").annotate(n=Count("id")).order_by()
    }
    sets = IncidentMetricSet.objects.values_list("incident_id", "view", "rows")
    sets = {(incident_id, view): rows for incident_id, view, rows in sets}
    assert not stored.keys() - sets.keys(), "figures without the set that vouches for them"
    half = {key: (stored.get(key, 0), rows) for key, rows in sets.items() if stored.get(key, 0) != rows}
    assert not half, f"half-written figures (stored, expected): {list(half.items())[:5]}"
    return {incident_id for incident_id, _ in sets}


def test_a_worker_killed_mid_recompute_leaves_no_half_written_figures_and_its_run_fails_or_completes(
    redis_server, workers
):
    began = time.monotonic()
    call_command(
        "generate_incidents",
        incidents=metrics.BATCH_SIZE * 5 // 4,
        events_per_incident=5,
        prefix="killed",
        no_metrics=True,
        stdout=io.StringIO(),
    )
    print(f"generated in {time.monotonic() - began:.1f} s")
    total = Incident.objects.count()
    assert total > metrics.BATCH_SIZE  # at least two batches: the second is cut short

    run = RecomputeRun.objects.create(kind=RecomputeRun.Kind.FULL)
    tasks.recompute_all_metrics.delay(run.pk)
    worker = workers(redis_server.url)
    # Kill it once the first batch has committed, while the second is being computed.
    wait_for(
        lambda: RecomputeRun.objects.filter(pk=run.pk, state="running", done__gte=metrics.BATCH_SIZE).exists(),
        "the first batch committed",
        timeout=90,
        worker=worker,
    )
    worker.kill()
    killed_at = timezone.now()
    print(f"killed {time.monotonic() - began:.1f} s in")

    run.refresh_from_db()
    assert run.state == "running" and run.done < run.total == total, (run.state, run.done, run.total)
    computed = assert_no_half_written_figures()
    assert computed, "the first batch's figures are there"
    assert max(computed) <= Incident.objects.order_by("pk").values_list("pk", flat=True)[metrics.BATCH_SIZE - 1]

    # Nobody is left to say the run stopped: the stale-run check (beat, every 5 minutes) does.
    assert metrics.recompute_runs_fail_stale(now=killed_at - metrics.STALE_RUN_AFTER / 2) == 0  # not yet
    assert metrics.recompute_runs_fail_stale(now=killed_at + metrics.STALE_RUN_AFTER) == 1
    run.refresh_from_db()
    assert run.state == "failed" and "stopped" in run.summary["error"]

    # The task was never acknowledged (acks_late): once its visibility timeout has passed, the
    # next worker to start takes it up again and completes the same run.
    elapsed = (timezone.now() - run.started_at).total_seconds()
    time.sleep(max(0.0, 3 - elapsed))
    worker = workers(redis_server.url, env={"CELERY_VISIBILITY_TIMEOUT": "2"})
    wait_for(
        lambda: RecomputeRun.objects.filter(pk=run.pk, state="done").exists(),
        "the redelivered recompute completed the run",
        timeout=90,
        worker=worker,
    )
    print(f"completed {time.monotonic() - began:.1f} s in")
    computed = assert_no_half_written_figures()
    with_events = set(Event.objects.values_list("incident_id", flat=True).distinct())
    assert computed == with_events
