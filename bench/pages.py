"""Benchmark: every public page, fragment, feed, download and API list under gunicorn, each
against a trivial Django view served by the same gunicorn and middleware in the same run.

    .venv/bin/python bench/pages.py [--sizes 100,10000] [--duration 5] [--connections 32]

For each size, into a throwaway database (a temporary SQLite file; or, when DATABASE_URL
names a PostgreSQL database, a fresh `<name>_bench_pages` on that server, analysed after the
load and dropped at the end): migrate, import the Wyze case, generate the incidents
(`manage.py generate_incidents`, reproducible from --seed) and recompute the figures; then

* in-process (bench/pages_probe.py): queries and time per request of every path, cold (cache
  cleared) and warm, and the plans of the filtered, sorted list's and the API's late page's
  slowest query;
* under gunicorn (2 sync workers, production settings: DJANGO_DEBUG=0, a fresh strong key,
  the local-memory cache per worker), with wrk (installed with apt-get when missing and
  possible; else a small threaded Python generator): per path, the trivial view, the page
  cold (each request a different cache-busting `?_bench=` so every one misses the page
  cache) and the page warm (after a warm-up), as req/s, p50, p99, bytes; worker memory;
* Datasette (in bench/.venv-bench only, bench/requirements-bench.txt) serving the same
  incidents as the API list shows them, `--immutable`, 50 rows as JSON, first and a late page.

Results go to bench/reports/pages-<backend>.json; bench/reports/latest.md and
latest-ratios.svg are drawn from every backend's results there (bench/pages_report.py).
It prints figures and asserts nothing.
"""

import argparse
import json
import math
import os
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
BENCH_VENV = BENCH / ".venv-bench"
REQUIREMENTS = BENCH / "requirements-bench.txt"
REPORTS = BENCH / "reports"
TRIVIAL = "/bench/trivial/"

sys.path.insert(0, str(BENCH))
import pages_report  # noqa: E402  (beside this file)

START = time.perf_counter()


def log(message):
    print(f"{time.perf_counter() - START:6.0f}s {message}", flush=True)


# --- the database -------------------------------------------------------------------------


class Databases:
    """Throwaway databases: one migrated template, copied for each size (SQLite: a file copy;
    PostgreSQL: CREATE DATABASE ... TEMPLATE, on the server DATABASE_URL names), all dropped at the end."""

    def __init__(self, url, tmp):
        self.tmp = Path(tmp)
        self.postgresql = url.startswith(("postgres://", "postgresql://"))
        self.backend = "postgresql" if self.postgresql else "sqlite"
        if self.postgresql:
            import dj_database_url

            config = dj_database_url.parse(url)
            self.name = f"{config['NAME']}_bench_pages"
            self.admin = {
                "host": config["HOST"] or None,
                "port": config["PORT"] or None,
                "user": config["USER"] or None,
                "password": config["PASSWORD"] or None,
                "dbname": "postgres",
            }
            self.server = url.rsplit("/", 1)[0]
            self.template_url = f"{self.server}/{self.name}_template"
            self.execute(f'DROP DATABASE IF EXISTS "{self.name}_template" WITH (FORCE)')
            self.execute(f'CREATE DATABASE "{self.name}_template"')
        else:
            self.template_url = f"sqlite:///{self.tmp}/template.sqlite3"

    def execute(self, sql, url=None):
        import psycopg

        with psycopg.connect(url, autocommit=True) if url else psycopg.connect(**self.admin, autocommit=True) as conn:
            conn.execute(sql)

    def fresh(self, size):
        """A copy of the migrated template for one size: its DATABASE_URL."""
        if self.postgresql:
            self.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.name}_template"')
            return f"{self.server}/{self.name}"
        path = self.tmp / f"bench-{size}.sqlite3"
        shutil.copyfile(self.tmp / "template.sqlite3", path)
        return f"sqlite:///{path}"

    def settle(self, url):
        """As after a bulk load in service: statistics refreshed (autovacuum's ANALYZE; SQLite's ANALYZE),
        SQLite's write-ahead log checkpointed."""
        if self.postgresql:
            self.execute("VACUUM ANALYZE", url)
            return
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()

    def drop(self, url):
        if self.postgresql:
            self.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)

    def close(self):
        if self.postgresql:
            self.execute(f'DROP DATABASE IF EXISTS "{self.name}_template" WITH (FORCE)')


def production_env(database_url, static_root):
    """The environment gunicorn and the probe run in: production settings on 127.0.0.1."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_CACHE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT)]),
        BENCH_STATIC_ROOT=str(static_root),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_BENCH="1",
        # As docs/deploy.md recommends for web nodes: persistent, health-checked connections, and on
        # PostgreSQL a 15 s bound on any statement.
        DJANGO_CONN_MAX_AGE="60",
        DJANGO_STATEMENT_TIMEOUT="15000",
        # Every request of a run comes from one address: the anonymous throttle (120/minute) would
        # answer 429 from the third second on. It still runs, with a bound no run reaches, per
        # second: a throttle keeps the times of the requests within its period, and a per-minute
        # bound would make that list 100,000 long for one address (a real client's holds at most
        # 120), its cost the benchmark's own.
        DJANGO_API_ANON_RATE="100000000/second",
        # Pages kept an hour rather than 5 minutes: a run is longer than 5 minutes, and an expiry
        # inside a 5-second warm measurement would make it a cold one. Cold runs measure misses.
        DJANGO_PUBLIC_CACHE_SECONDS="3600",
        DJANGO_LOG_LEVEL="ERROR",
    )
    return env


def manage(env, *arguments, quiet=True):
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *arguments],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - started


# --- the load generators ------------------------------------------------------------------

WRK_SCRIPT = r"""
local bust = os.getenv("BENCH_BUST") == "1"
local run = os.getenv("BENCH_RUN") or "0"
if os.getenv("BENCH_HX") == "1" then wrk.headers["HX-Request"] = "true" end
local count = 0
function setup(thread)
  count = count + 1
  thread:set("tid", count)
end
local n = 0
if bust then
  request = function()
    n = n + 1
    local sep = "?"
    if string.find(wrk.path, "?", 1, true) then sep = "&" end
    return wrk.format(nil, wrk.path .. sep .. "_bench=" .. run .. "-" .. tostring(tid) .. "-" .. n)
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50.0), latency:percentile(99.0), latency.max))
end
"""


def ensure_wrk():
    """wrk's path, installing the Debian package when missing and possible; None otherwise."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if shutil.which("apt-get") and os.geteuid() == 0:
        log("installing wrk (apt-get install wrk)")
        for command in (
            ["apt-get", "install", "-y", "-qq", "wrk"],
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "wrk"],
        ):
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if shutil.which("wrk"):
                break
    return shutil.which("wrk")


class Wrk:
    def __init__(self, path, tmp):
        self.path = path
        self.script = Path(tmp) / "bench.lua"
        self.script.write_text(WRK_SCRIPT)
        version = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)
        self.version = (version.stdout or version.stderr).splitlines()[0].strip()
        self.runs = 0

    def __call__(self, url, *, duration, connections, threads, htmx=False, bust=False):
        self.runs += 1
        env = dict(
            os.environ,
            BENCH_BUST="1" if bust else "0",
            BENCH_HX="1" if htmx else "0",
            BENCH_RUN=f"{os.getpid()}x{self.runs}",
        )
        threads = max(1, min(threads, connections))
        out = subprocess.run(
            [
                self.path,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration:.0f}s",
                "--timeout",
                "60s",
                "-s",
                str(self.script),
                url,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((line for line in out.stdout.splitlines() if line.startswith("BENCHJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk failed: {out.stderr.strip() or out.stdout.strip()}")
        data = json.loads(line.removeprefix("BENCHJSON "))
        seconds = data["duration_us"] / 1e6
        ok = data["requests"] - data["status"]
        return {
            "rps": ok / seconds if seconds else 0.0,
            "requests": data["requests"],
            "errors": data["status"] + data["connect"] + data["read"] + data["write"] + data["timeout"],
            "p50_ms": data["p50_us"] / 1000,
            "p99_ms": data["p99_us"] / 1000,
            "duration_s": seconds,
            "connections": connections,
        }


class PythonLoad:
    """The fallback: one thread per connection, a new HTTP/1.1 connection per request (gunicorn's sync
    workers close each one anyway), for `duration` seconds."""

    version = "bench/pages.py's threaded Python generator (wrk was not available)"

    def __call__(self, url, *, duration, connections, threads, htmx=False, bust=False):
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"HX-Request": "true"} if htmx else {}
        deadline = time.perf_counter() + duration
        latencies, errors = [], [0]
        lock = threading.Lock()
        counter = iter(range(10**9))

        def worker():
            while time.perf_counter() < deadline:
                path = target
                if bust:
                    path = f"{target}{'&' if '?' in target else '?'}_bench=py{os.getpid()}-{next(counter)}"
                started = time.perf_counter()
                try:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    conn.close()
                    good = 200 <= response.status < 400
                except OSError:
                    good = False
                elapsed = time.perf_counter() - started
                if time.perf_counter() > deadline:
                    break  # like wrk: a request still out when the time is up is not counted
                with lock:
                    if good:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1

        started = time.perf_counter()
        pool = [threading.Thread(target=worker) for _ in range(connections)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        seconds = max(duration, 1e-9)
        latencies.sort()

        def percentile(p):
            return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000 if latencies else 0.0

        del started
        return {
            "rps": len(latencies) / seconds,
            "requests": len(latencies) + errors[0],
            "errors": errors[0],
            "p50_ms": percentile(50),
            "p99_ms": percentile(99),
            "duration_s": seconds,
            "connections": connections,
        }


# --- gunicorn -----------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, htmx=False, timeout=120):
    request = urllib.request.Request(url, headers={"HX-Request": "true"} if htmx else {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return status, body, time.perf_counter() - started


def wait_until_up(url, process, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if get(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def wait_idle(pids, limit=240):
    """Until the workers stop using CPU: requests a load generator gave up on are still served (a
    sync worker finishes what it accepted), and must not slow the next measurement."""
    deadline = time.time() + limit
    quiet = 0
    last = cpu_ticks(pids)
    while time.time() < deadline and quiet < 2:
        time.sleep(0.2)
        now = cpu_ticks(pids)
        quiet = quiet + 1 if now - last <= 1 else 0
        last = now


class Server:
    def __init__(self, env, workers, tmp, port):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "120",
                "--backlog",
                "2048",
                "--access-logfile",
                str(Path(tmp) / "access.log"),
                "--error-logfile",
                str(Path(tmp) / "gunicorn.log"),
            ],
            env=env,
            cwd=ROOT,
        )
        wait_until_up(self.base + TRIVIAL, self.process)
        self.workers = children(self.process.pid)
        self.peak = {}

    def sample_memory(self):
        for pid in children(self.process.pid):
            value = rss_mb(pid)
            if value is not None:
                self.peak[pid] = max(self.peak.get(pid, 0), value)

    def idle(self):
        wait_idle(children(self.process.pid))

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def warm_up(server, entry, workers, threshold):
    """Until each worker answers the path from its cache: rounds of `workers` requests at once,
    until two rounds in a row are all quicker than `threshold`."""
    url = server.base + entry["path"]
    fast_rounds = 0
    for _ in range(12):
        times = []

        def one(times=times):
            times.append(get(url, entry["htmx"])[2])

        pool = [threading.Thread(target=one) for _ in range(workers)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        fast_rounds = fast_rounds + 1 if max(times) < threshold else 0
        if fast_rounds == 2:
            return True
    return False


# --- one size -----------------------------------------------------------------------------


def run_size(size, args, load, static_root, tmp, datasette, databases):
    database_url = databases.fresh(size)
    backend = databases.backend
    env = production_env(database_url, static_root)
    result = {"size": size}
    server = None
    try:
        log(f"[{backend} {size}] import the Wyze case, generate {size} incidents, recompute")
        manage(env, "import_bundle", str(ROOT / "interchange/bundles/wyze-2019.json"))
        result["generate_s"] = manage(
            env,
            "generate_incidents",
            f"--incidents={size}",
            f"--events-per-incident={args.events_per_incident}",
            f"--seed={args.seed}",
            "--prefix=bench",
        )
        databases.settle(database_url)
        log(f"[{backend} {size}] generated and recomputed in {result['generate_s']:.1f} s; probing in-process")
        loaded = size == max(args.sizes) or args.load_all_sizes
        probe_out = Path(tmp) / f"probe-{size}.json"
        export = Path(tmp) / f"incidents-{size}.db" if datasette and loaded else None
        command = [PYTHON, str(BENCH / "pages_probe.py"), str(probe_out)]
        if export:
            command += ["--datasette-db", str(export)]
        subprocess.run(command, env=env, check=True, cwd=ROOT)
        probe = json.loads(probe_out.read_text())
        result.update(probe=probe)
        paths = [p for p in probe["paths"] if not args.only or any(o in p["name"] or o in p["path"] for o in args.only)]

        if not loaded:
            log(f"[{backend} {size}] in-process figures only (--load-all-sizes puts every size under load)")
            return result
        duration = args.duration if size == max(args.sizes) else args.small_duration
        server = Server(env, args.workers, tmp, free_port())
        result["workers_at_start_mb"] = {pid: rss_mb(pid) for pid in server.workers}
        load_settings = {"duration": duration, "connections": args.connections, "threads": args.threads}
        measured = []
        for entry in paths:
            inproc = probe["results"].get(entry["path"], {})
            if inproc.get("cold_seconds", 0) > 5:
                # A very slow answer is not fetched once more only for its size: the probe's is the same.
                status, size_bytes, single = inproc["status"], inproc["bytes"], inproc["cold_seconds"]
            else:
                status, body, single = get(server.base + entry["path"], entry["htmx"])
                size_bytes = len(body)
            row = {**entry, "status": status, "bytes": size_bytes, "single_s": single, "loadavg": os.getloadavg()[0]}
            server.idle()
            # The trivial view half before and half after the page, so that a change in the machine's
            # load during the page's runs weighs on both sides of the ratio alike.
            trivial_settings = dict(load_settings, duration=max(1, math.ceil(duration / 2)))
            trivial = [load(server.base + TRIVIAL, **trivial_settings)]
            for phase, bust in (("cold", True), ("warm", False)):
                seconds = inproc.get(f"{phase}_seconds", single) or single
                settings = dict(load_settings)
                if seconds > 0.2:
                    # A slow answer: as many connections as workers (more only queue), and long
                    # enough for a few answers each; a request still out at the end is not counted.
                    settings.update(
                        connections=args.workers, duration=min(max(duration, 5 * seconds), args.max_duration)
                    )
                if seconds * 2 > args.max_duration:
                    # Too slow to load within a measurement: the workers' bound, from one request's time.
                    row[phase] = {
                        "rps": args.workers / seconds,
                        "requests": 0,
                        "errors": 0,
                        "p50_ms": seconds * 1000,
                        "p99_ms": seconds * 1000,
                        "duration_s": 0,
                        "connections": 0,
                        "estimated": True,
                    }
                    continue
                if phase == "warm" and inproc.get("warm_seconds", 0) < 0.2:
                    row["warmed"] = warm_up(
                        server, entry, args.workers, threshold=max(0.05, 3 * trivial[0]["p50_ms"] / 1000)
                    )
                row[phase] = load(server.base + entry["path"], htmx=entry["htmx"], bust=bust, **settings)
                server.idle()
                server.sample_memory()
            trivial.append(load(server.base + TRIVIAL, **trivial_settings))
            row["trivial"] = {
                "rps": statistics.mean(t["rps"] for t in trivial),
                "requests": sum(t["requests"] for t in trivial),
                "errors": sum(t["errors"] for t in trivial),
                "p50_ms": statistics.mean(t["p50_ms"] for t in trivial),
                "p99_ms": max(t["p99_ms"] for t in trivial),
                "duration_s": sum(t["duration_s"] for t in trivial),
                "connections": load_settings["connections"],
                "runs": trivial,
            }
            ratio_cold = row["cold"]["rps"] / row["trivial"]["rps"] if row["trivial"]["rps"] else 0
            ratio_warm = row["warm"]["rps"] / row["trivial"]["rps"] if row["trivial"]["rps"] else 0
            log(
                f"  {entry['name'][:38]:38} {status} {size_bytes:>9} B  trivial {row['trivial']['rps']:7.0f}/s  "
                f"cold {row['cold']['rps']:7.1f}/s ({ratio_cold:5.3f}x, p50 {row['cold']['p50_ms']:7.0f} ms)  "
                f"warm {row['warm']['rps']:7.1f}/s ({ratio_warm:5.3f}x)  "
                f"queries {inproc.get('cold_queries', '?')}/{inproc.get('warm_queries', '?')}"
            )
            measured.append(row)
        result["rows"] = measured
        if datasette and probe.get("export") and not probe["export"].get("error") and probe["export"]["rows"]:
            result["datasette"] = run_datasette(export, probe, load, load_settings, tmp, server)
        server.sample_memory()
        result["workers_mb"] = {str(pid): rss_mb(pid) for pid in children(server.process.pid)}
        result["workers_peak_mb"] = {str(pid): value for pid, value in server.peak.items()}
        result["load_settings"] = load_settings
    finally:
        if server:
            server.stop()
        if not args.keep:
            databases.drop(database_url)
    return result


def run_datasette(export, probe, load, load_settings, tmp, server):
    """Datasette serving the exported incidents, its first and late page of 50, beside the API's."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(BENCH_VENV / "bin" / "datasette"),
            "serve",
            "--immutable",
            str(export),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(Path(tmp) / "datasette.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    name = Path(export).stem
    base = f"http://127.0.0.1:{port}"
    page = probe["facts"]["api_page"]
    paths = {
        "first": f"/{name}/incidents.json?_size=50",
        # Datasette's first page also suggests facets (about 0.1 s of its time); without them it is quicker.
        "first_nosuggest": f"/{name}/incidents.json?_size=50&_nosuggest=1",
        "late": f"/{name}/incidents.json?_size=50&_next={(page - 1) * 50}",
    }
    out = {"version": None, "rows": probe["export"]["rows"], "columns": probe["export"]["columns"], "api_page": page}
    try:
        wait_until_up(base + paths["first"], process)
        version = subprocess.run(
            [str(BENCH_VENV / "bin" / "datasette"), "--version"], capture_output=True, text=True, check=False
        )
        out["version"] = version.stdout.strip()
        for key, path in paths.items():
            status, body, seconds = get(base + path)
            seconds = min(seconds, get(base + path)[2])  # its first answer also opens the database
            server.idle()
            wait_idle([process.pid])
            settings = dict(load_settings)
            if seconds > 0.2:  # as for our slow pages: fewer connections, long enough for a few answers
                settings.update(connections=2, duration=min(max(settings["duration"], 5 * seconds), 20))
            out[key] = {"path": path, "status": status, "bytes": len(body), **load(base + path, **settings)}
            log(
                f"  datasette {path:50} {status} {len(body):>9} B  {out[key]['rps']:7.1f}/s  p50 {out[key]['p50_ms']:.1f} ms"
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    return out


# --- the benchmark's own environment --------------------------------------------------------


def ensure_bench_venv():
    """bench/.venv-bench with Datasette, (re)installed when bench/requirements-bench.txt changes."""
    stamp = BENCH_VENV / ".installed"
    if stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text():
        return True
    log("setting up bench/.venv-bench (Datasette)")
    try:
        if not (BENCH_VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run(
            [str(BENCH_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(REQUIREMENTS)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    except (subprocess.CalledProcessError, OSError) as exc:
        log(f"no Datasette comparison: its environment could not be installed ({exc})")
        return False
    stamp.write_text(REQUIREMENTS.read_text())
    return True


def commit():
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000", help="Incident counts, comma-separated (default 100,10000).")
    parser.add_argument(
        "--duration",
        type=float,
        default=3,
        help="Seconds per measurement at the largest size (the trivial view: half before the page and half after).",
    )
    parser.add_argument(
        "--load-all-sizes",
        action="store_true",
        help="Load every size under gunicorn, not only the largest "
        "(the in-process queries and times are measured at every size anyway).",
    )
    parser.add_argument("--small-duration", type=float, default=1, help="Seconds per measurement at the other sizes.")
    parser.add_argument("--max-duration", type=float, default=20, help="Longest measurement of a slow page.")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's sync workers.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events-per-incident", type=int, default=10)
    parser.add_argument("--only", action="append", help="Only the paths whose name or path contains this (repeatable).")
    parser.add_argument("--no-datasette", action="store_true", help="Skip the Datasette comparison.")
    parser.add_argument("--python-load", action="store_true", help="Use the Python generator even if wrk is there.")
    parser.add_argument("--keep", action="store_true", help="Keep the databases (SQLite files stay in the temp dir).")
    parser.add_argument(
        "--results", help="Where to write the JSON results (default bench/reports/pages-<backend>.json)."
    )
    parser.add_argument("--report", default=str(REPORTS / "latest.md"), help="The Markdown report to (re)write.")
    args = parser.parse_args()
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas, e.g. 100,10000")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes needs at least one positive size")

    started = time.perf_counter()
    loadavg_at_start = os.getloadavg()
    wrk = None if args.python_load else ensure_wrk()
    tmp = tempfile.mkdtemp(prefix="bench-pages-")
    load = Wrk(wrk, tmp) if wrk else PythonLoad()
    if args.python_load:
        load.version = "bench/pages.py's threaded Python generator (asked for with --python-load)"
    log(f"load generator: {load.version}")
    datasette = not args.no_datasette and ensure_bench_venv()
    backend = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")) else "sqlite"
    )
    try:
        static_root = Path(tmp) / "static"
        env = production_env(f"sqlite:///{tmp}/collectstatic.sqlite3", static_root)
        manage(env, "collectstatic", "--noinput", "--verbosity=0")
        databases = Databases(os.environ.get("DATABASE_URL", ""), tmp)
        try:
            log(f"migrating a template {databases.backend} database")
            migrate_s = manage(production_env(databases.template_url, static_root), "migrate", "--noinput")
            sizes = [run_size(size, args, load, static_root, tmp, datasette, databases) for size in args.sizes]
        finally:
            databases.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results = {
        "backend": backend,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "load_generator": load.version,
        "settings": {
            "connections": args.connections,
            "threads": args.threads,
            "workers": args.workers,
            "duration_largest_s": args.duration,
            "duration_other_s": args.small_duration,
            "max_duration_s": args.max_duration,
            "seed": args.seed,
            "events_per_incident": args.events_per_incident,
        },
        "cpus": os.cpu_count(),
        "loadavg_at_start": loadavg_at_start,
        "loadavg_at_end": os.getloadavg(),
        "datasette": datasette,
        "sizes": sizes,
        "migrate_s": migrate_s,
        "elapsed_s": time.perf_counter() - started,
    }
    out = Path(args.results) if args.results else REPORTS / f"pages-{backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    report = Path(args.report)
    pages_report.write(report, sorted(out.parent.glob("pages-*.json")) if not args.results else [out])
    log(f"results: {out}; report: {report} (the run took {results['elapsed_s'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
