"""In-process half of bench/pages.py: run by it in a subprocess, against the database it loaded.

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=bench_settings .venv/bin/python bench/pages_probe.py OUT.json \
        [--datasette-db incidents.db]

With the same production-like settings as the benchmark's gunicorn, it

* picks the pages to load (the real Wyze case's page, the busiest organisations, the last
  pages of the listings) and writes them, with their names, into OUT.json;
* requests each once through django.test.Client with the cache cleared (cold) and again
  (warm), counting the queries (CaptureQueriesContext) and timing them, and checks that a
  cache-busting parameter (what the load generator's cold runs add) misses the page cache;
* keeps the plans of the slowest query of the filtered, sorted incident list and of the
  API's late page (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite);
* exports every public incident as the API lists them (the list view's own queryset,
  filters and serializer) into a SQLite file for Datasette: one column per field the API
  list shows, nested values as JSON text, in the API's order.
"""

import json
import math
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WEB_PAGE_SIZE = 20  # web.views.PAGE_SIZE, read from the module when it still says so
API_PAGE_SIZE = 50
BUST = "_bench"


def pick_paths(client):
    """The paths measured, as dicts: name, path, htmx, kind (page, fragment, feed, download, api)."""
    from django.db.models import Count

    from disclosure.models import Participant
    from disclosure.selectors import incidents_visible_to

    public = incidents_visible_to(None)
    total = public.count()
    slug = (
        "wyze-2019"
        if public.filter(slug="wyze-2019").exists()
        else public.order_by("slug").values_list("slug", flat=True).first()
    )
    vendor = (
        public.values("vendor__slug")
        .annotate(n=Count("id"))
        .order_by("-n", "vendor__slug")
        .values_list("vendor__slug", flat=True)
        .first()
    )
    busiest = (
        Participant.objects.filter(incident__in=public)
        .values("organization__slug")
        .annotate(n=Count("incident", distinct=True))
        .order_by("-n", "organization__slug")
        .values_list("organization__slug", flat=True)
        .first()
    )
    try:
        from web import views

        web_page_size = getattr(views, "PAGE_SIZE", WEB_PAGE_SIZE)
    except ImportError:
        web_page_size = WEB_PAGE_SIZE
    web_page = max(1, min(300, math.ceil(total / web_page_size)))
    response = client.get("/api/v1/incidents/", HTTP_ACCEPT="application/json")
    api_count = response.json().get("count", total) if response.status_code == 200 else total
    api_page = max(1, min(300, api_count // API_PAGE_SIZE))  # the last full page
    year = "2019"
    paths = [
        ("home", "/", False, "page"),
        ("incident list", "/incidents/", False, "page"),
        (
            "incident list: search, filter, sort",
            f"/incidents/?q=database&year={year}&sort=shortest_notice",
            False,
            "page",
        ),
        (f"incident list: page {web_page}", f"/incidents/?page={web_page}", False, "page"),
        ("incident list fragment (htmx)", "/incidents/?sort=largest", True, "fragment"),
        ("incident page", f"/incidents/{slug}/", False, "page"),
        ("incident timeline.json", f"/incidents/{slug}/timeline.json", False, "download"),
        ("incident bundle.json", f"/incidents/{slug}/bundle.json", False, "download"),
        ("organisation: a vendor", f"/organisations/{vendor}/", False, "page"),
        ("organisation: the busiest", f"/organisations/{busiest}/", False, "page"),
        ("claims", "/claims/", False, "page"),
        ("claims fragment (htmx)", "/claims/?page=2", True, "fragment"),
        ("compare", "/compare/", False, "page"),
        ("compare by reporter", "/compare/?by=reporter", False, "page"),
        ("compare fragment (htmx)", "/compare/?by=vendor", True, "fragment"),
        ("methodology", "/methodology/", False, "page"),
        ("feed: incidents", "/feeds/incidents/", False, "feed"),
        ("feed: responses", "/feeds/responses/", False, "feed"),
        ("sitemap", "/sitemap.xml", False, "feed"),
        ("compare.csv", "/compare.csv", False, "download"),
        ("figures.csv", "/downloads/figures.csv", False, "download"),
        ("figures.json", "/downloads/figures.json", False, "download"),
        ("API incidents", "/api/v1/incidents/", False, "api"),
        (f"API incidents: page {api_page}", f"/api/v1/incidents/?page={api_page}", False, "api"),
        ("API claims", "/api/v1/claims/", False, "api"),
    ]
    return (
        [{"name": n, "path": p, "htmx": h, "kind": k} for n, p, h, k in paths],
        {"public_incidents": total, "api_count": api_count, "api_page": api_page, "web_page": web_page},
    )


def busted(path, tag):
    return f"{path}{'&' if '?' in path else '?'}{BUST}={tag}"


def fetch(client, path, htmx):
    """One request; its status, body size, seconds, queries (count, slowest sql and its time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path, **headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seconds = time.perf_counter() - started
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
    ordered = max(
        (q for q in captured.captured_queries if " ORDER BY " in q["sql"]), key=lambda q: float(q["time"]), default=None
    )
    return {
        "status": response.status_code,
        "streaming": response.streaming,
        "bytes": len(body),
        "content_type": response.get("Content-Type", ""),
        "seconds": seconds,
        "queries": len(captured.captured_queries),
        "slowest_sql": slowest["sql"] if slowest else None,
        "slowest_seconds": float(slowest["time"]) if slowest else None,
        "ordered_sql": ordered["sql"] if ordered else None,
    }


def measure(client, entry):
    """Cold (cache cleared; the quickest of up to five while they take under 2 s in all: the machine
    is shared, and the quickest is the one least slowed by others) and warm."""
    from django.core.cache import cache

    colds = []
    while True:
        cache.clear()
        colds.append(fetch(client, entry["path"], entry["htmx"]))
        if len(colds) == 5 or sum(c["seconds"] for c in colds) > 2.0:
            break
    cold = min(colds, key=lambda c: c["seconds"])
    if cold["streaming"] and cold["status"] != 200:
        warm = bust = cold
    else:
        # A download (a stream) is kept on disk once written in full (web/pagecache.py): warm is its file.
        warm = fetch(client, entry["path"], entry["htmx"])
        if warm["queries"] == cold["queries"] and warm["seconds"] > 1.0:
            bust = warm  # not kept in the cache: a busting parameter has nothing to miss
        else:
            bust = fetch(client, busted(entry["path"], "probe"), entry["htmx"])
    return {
        "status": cold["status"],
        "bytes": cold["bytes"],
        "content_type": cold["content_type"],
        "streaming": cold["streaming"],
        "cold_seconds": cold["seconds"],
        "cold_queries": cold["queries"],
        "warm_seconds": warm["seconds"],
        "warm_queries": warm["queries"],
        # The load generator's cold runs add ?_bench=<n>: they measure misses only if this misses too.
        "bust_queries": bust["queries"],
        "bust_misses": warm["queries"] == cold["queries"] or bust["queries"] > warm["queries"],
        "slowest_sql": cold["slowest_sql"],
        "slowest_seconds": cold["slowest_seconds"],
        "ordered_sql": cold["ordered_sql"],
    }


KEY_WORDS = (
    "Scan",
    "Sort",
    "Limit",
    "Join",
    "Loop",
    "Aggregate",
    "SubPlan",
    "InitPlan",
    "Index",
    "Filter",
    "Time",
    "JIT",
    "Hash",
    "Gather",
    "SEARCH",
    "SCAN",
    "USE TEMP",
    "CORRELATED",
    "SUBQUERY",
)


def explain(sql):
    """The plan of one statement, and its key lines."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            lines = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            lines = [row[-1] for row in cursor.fetchall()]
    key = [line for line in lines if any(word in line for word in KEY_WORDS)]
    return {"plan": lines, "key_lines": key[:40]}


def export_for_datasette(path):
    """Every public incident as the API list shows it, one row each, into a SQLite file."""
    from django.test import RequestFactory
    from django.urls import resolve

    match = resolve("/api/v1/incidents/")
    request = RequestFactory().get("/api/v1/incidents/", HTTP_HOST="127.0.0.1", HTTP_ACCEPT="application/json")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    view = match.func.cls(**match.func.initkwargs)
    view.action_map = dict(match.func.actions)
    view.action = "list"
    view.args, view.kwargs, view.format_kwarg, view.headers = (), {}, None, {}
    view.request = view.initialize_request(request)
    view.request.user = AnonymousUser()
    started = time.perf_counter()
    queryset = view.filter_queryset(view.get_queryset())
    rows = view.get_serializer(queryset, many=True).data
    seconds = time.perf_counter() - started
    if not rows:
        return {"rows": 0, "columns": [], "seconds": seconds}
    columns = list(rows[0].keys())
    target = Path(path)
    target.unlink(missing_ok=True)
    db = sqlite3.connect(target)
    quoted = ", ".join(f'"{c}"' for c in columns)
    db.execute(f"CREATE TABLE incidents ({quoted})")

    def cell(value):
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, default=str)
        if value is None or isinstance(value, (int, float, str)):
            return value
        return str(value)

    db.executemany(
        f"INSERT INTO incidents ({quoted}) VALUES ({', '.join('?' for _ in columns)})",
        ([cell(row.get(c)) for c in columns] for row in rows),
    )
    db.commit()
    db.execute("VACUUM")
    db.close()
    return {"rows": len(rows), "columns": columns, "seconds": seconds}


def main():
    out = Path(sys.argv[1])
    datasette_db = sys.argv[sys.argv.index("--datasette-db") + 1] if "--datasette-db" in sys.argv else None
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    paths, facts = pick_paths(client)
    results = {}
    for entry in paths:
        started = time.perf_counter()
        try:
            results[entry["path"]] = measure(client, entry)
        except Exception as exc:  # a page that fails is reported as failing, not a traceback
            results[entry["path"]] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        print(f"  probe {entry['name']:40} {time.perf_counter() - started:6.2f} s", flush=True)
    plans = {}
    for entry in paths:
        if entry["name"].startswith(("incident list: search", "API incidents: page")):
            result = results[entry["path"]]
            # The slowest query, and the slowest that sorts (the listing itself) when that is another.
            for label, sql in (
                ("slowest query", result.get("slowest_sql")),
                ("slowest sorted query", result.get("ordered_sql")),
            ):
                if not sql or any(plan["sql"] == sql for plan in plans.values()):
                    continue
                try:
                    plans[f"{label} of `{entry['path']}`"] = {"sql": sql, **explain(sql)}
                except Exception as exc:
                    plans[f"{label} of `{entry['path']}`"] = {"sql": sql, "error": f"{type(exc).__name__}: {exc}"[:300]}
    export = None
    if datasette_db:
        try:
            export = export_for_datasette(datasette_db)
        except Exception as exc:
            export = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    for result in results.values():
        result.pop("slowest_sql", None)
        result.pop("ordered_sql", None)
    out.write_text(
        json.dumps(
            {
                "vendor": connection.vendor,
                "paths": paths,
                "facts": facts,
                "results": results,
                "plans": plans,
                "export": export,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
