"""The report of bench/pages.py: Markdown tables per backend and an SVG chart of the ratios,
drawn from the JSON results it writes (bench/reports/pages-<backend>.json).

    .venv/bin/python bench/pages_report.py [bench/reports/pages-*.json ...]

redraws bench/reports/latest.md and latest-ratios.svg without measuring anything.
"""

import json
import math
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

REPORTS = Path(__file__).resolve().parent / "reports"
WARM_TARGET = 0.9
COLD_TARGET = 0.2
PEER_TARGET = 1.0
GROWTH_TARGET = 1.5
NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def number(value, digits=None):
    if value is None:
        return "–"
    if digits is None:
        digits = 0 if value >= 100 else 1 if value >= 10 else 2 if value >= 0.1 else 4
    return f"{value:,.{digits}f}"


def ratio(page, trivial):
    return page / trivial if trivial else 0.0


def verdict(value, target):
    if not value:
        return "**miss** (no answer within the run)"
    if value >= target:
        return f"pass ({value:.2f}x)"
    short = target / value if value else math.inf
    return (
        f"**miss** ({value:.3g}x: {short:,.0f}x short)"
        if short >= 10
        else f"**miss** ({value:.3g}x: {short:.1f}x short)"
    )


def key(name):
    """A path's name across sizes: the late pages are other page numbers at each size."""
    return re.sub(r"page \d+", "page N", name)


def loadavg(values):
    return " / ".join(f"{v:.1f}" for v in values) if values else "–"


def size_label(size):
    return f"{size:,}"


def by_path(size_result):
    probe = size_result.get("probe", {}).get("results", {})
    return probe


def backend_section(results):
    lines = []
    backend = NAMES.get(results["backend"], results["backend"])
    sizes = results["sizes"]
    largest = max(sizes, key=lambda s: s["size"])
    smallest = min(sizes, key=lambda s: s["size"])
    settings = results["settings"]
    lines += [
        f"## {backend}",
        "",
        f"Run {results['date']} at commit `{results['commit']}`, {results['cpus']} CPUs, "
        f"gunicorn {settings['workers']} sync workers, load: {results['load_generator']}, "
        f"{settings['connections']} connections, {settings['threads']} threads, {settings['duration_largest_s']:g} s per "
        f"measurement at {size_label(largest['size'])} incidents and {settings['duration_other_s']:g} s at the smaller "
        f"sizes (a slow page: {settings['workers']} connections, up to {settings['max_duration_s']:g} s). "
        f"Sizes: {', '.join(size_label(s['size']) for s in sizes)} generated incidents (seed {settings['seed']}, "
        f"{settings['events_per_incident']} events each) plus the Wyze case. The run took {results['elapsed_s'] / 60:.1f} min; "
        f"the machine's load average was {loadavg(results.get('loadavg_at_start'))} at its start and "
        f"{loadavg(results.get('loadavg_at_end'))} at its end (other work shares these CPUs: the trivial view's "
        "req/s moves with it, which is why each page is paired with the trivial view measured around it).",
        "",
    ]
    rows = largest.get("rows", [])
    small_probe = by_path(smallest)
    large_probe = by_path(largest)
    if rows:
        lines += [
            f"### Under load at {size_label(largest['size'])} incidents",
            "",
            "Cold: every request a different `?_bench=` parameter, so every one misses the page cache; warm: the same "
            "URL after a warm-up, from each worker's cache. Ratio: the page's req/s over the trivial view's, measured "
            "half just before the page and half just after. Queries: per request in-process, cold / warm.",
            "",
            f"| path | trivial req/s | cold req/s | cold ratio | cold p50 / p99 ms | warm req/s | warm ratio | "
            f"warm p50 / p99 ms | bytes | queries at {size_label(smallest['size'])} | queries at "
            f"{size_label(largest['size'])} | cold ≥ {COLD_TARGET}x | warm ≥ {WARM_TARGET}x |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
        ]
        for row in rows:
            trivial = row["trivial"]["rps"]
            cold, warm = row["cold"], row["warm"]
            small = small_probe.get(row["path"], {})
            large = large_probe.get(row["path"], {})
            path = f"`{row['path']}`" + (" (HX-Request)" if row.get("htmx") else "")
            errors = cold["errors"] + warm["errors"]
            status = "" if row["status"] == 200 else f" **{row['status']}**"
            if cold.get("estimated") or warm.get("estimated"):
                status += " (≈: too slow to load; the workers' bound from one request's time)"
            lines.append(
                f"| {path}{status}{f' ({errors} errors)' if errors else ''} | {number(trivial, 0)} | {number(cold['rps'])} | "
                f"{ratio(cold['rps'], trivial):.3g} | {number(cold['p50_ms'], 0)} / {number(cold['p99_ms'], 0)} | "
                f"{number(warm['rps'])} | {ratio(warm['rps'], trivial):.3g} | {number(warm['p50_ms'], 0)} / "
                f"{number(warm['p99_ms'], 0)} | {row['bytes']:,} | {small.get('cold_queries', '–')} / "
                f"{small.get('warm_queries', '–')} | {large.get('cold_queries', '–')} / {large.get('warm_queries', '–')} | "
                f"{verdict(ratio(cold['rps'], trivial), COLD_TARGET)} | {verdict(ratio(warm['rps'], trivial), WARM_TARGET)} |"
            )
        lines.append("")
        lines += misses(rows, large_probe)
    for size in sizes:
        if size is largest or not size.get("rows"):
            continue
        lines += [
            f"### Under load at {size_label(size['size'])} incidents",
            "",
            "| path | trivial req/s | cold req/s | cold ratio | cold p50 / p99 ms | warm req/s | warm ratio | bytes |",
            "|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for row in size["rows"]:
            trivial = row["trivial"]["rps"]
            lines.append(
                f"| `{row['path']}`{' (HX-Request)' if row.get('htmx') else ''} | {number(trivial, 0)} | "
                f"{number(row['cold']['rps'])} | {ratio(row['cold']['rps'], trivial):.3g} | "
                f"{number(row['cold']['p50_ms'], 0)} / {number(row['cold']['p99_ms'], 0)} | {number(row['warm']['rps'])} | "
                f"{ratio(row['warm']['rps'], trivial):.3g} | {row['bytes']:,} |"
            )
        lines.append("")
    lines += growth(sizes, smallest, largest)
    lines += datasette(sizes)
    lines += memory(sizes)
    lines += plans(largest)
    return lines


def misses(rows, probe):
    """Each miss, by how much, and what the in-process measurement says about why."""
    out = []
    for row in rows:
        trivial = row["trivial"]["rps"]
        inproc = probe.get(row["path"], {})
        found = []
        for phase, target in (("cold", COLD_TARGET), ("warm", WARM_TARGET)):
            value = ratio(row[phase]["rps"], trivial)
            if value < target:
                found.append(
                    f"{phase} {value:.3g}x of the trivial view (target {target}x, {target / value if value else math.inf:,.1f}x short)"
                )
        if not found:
            continue
        why = []
        if inproc:
            why.append(
                f"in-process {inproc.get('cold_seconds', 0) * 1000:,.0f} ms and {inproc.get('cold_queries')} queries per "
                f"uncached request (slowest query {(inproc.get('slowest_seconds') or 0) * 1000:,.0f} ms)"
            )
            if inproc.get("warm_queries"):
                why.append(f"{inproc['warm_queries']} queries even when cached")
            if not inproc.get("bust_misses", True):
                why.append(
                    "the cache-busting parameter did not miss the cache in-process: the cold figure may be a warm one"
                )
        if row["bytes"] > 200_000:
            why.append(f"{row['bytes'] / 1e6:.1f} MB per answer")
        if row.get("warmed") is False:
            why.append("the warm-up never saw both workers answer quickly (not cached?)")
        out.append(f"- `{row['path']}`: {'; '.join(found)}. Measured: {'; '.join(why) or 'no in-process figures'}.")
    if out:
        return ["#### Misses, by how much, and what the measurements say about why", "", *out, ""]
    return ["All pages meet the cold and warm targets.", ""]


def growth(sizes, smallest, largest):
    if smallest is largest:
        return []
    lines = [
        f"### Growth with the data (in-process, one uncached request; issue 13 item 2: within {GROWTH_TARGET}x)",
        "",
        "| path | "
        + " | ".join(f"queries at {size_label(s['size'])}" for s in sizes)
        + " | "
        + " | ".join(f"ms at {size_label(s['size'])}" for s in sizes)
        + " | time growth | within 1.5x |",
        "|---|" + "--:|" * (2 * len(sizes) + 1) + "---|",
    ]
    small, large = by_path(smallest), by_path(largest)
    for entry in largest.get("probe", {}).get("paths", []):
        path = entry["path"]
        # The late pages are different URLs at each size: compare them by name.
        name = key(entry["name"])
        cells_q, cells_t = [], []
        for s in sizes:
            match = next((p for p in s.get("probe", {}).get("paths", []) if key(p["name"]) == name), None)
            result = by_path(s).get(match["path"], {}) if match else {}
            cells_q.append(str(result.get("cold_queries", "–")))
            cells_t.append(number(result["cold_seconds"] * 1000, 0) if "cold_seconds" in result else "–")
        small_match = next((p for p in smallest["probe"]["paths"] if key(p["name"]) == name), None)
        a = small.get(small_match["path"], {}) if small_match else {}
        b = large.get(path, {})
        if "cold_seconds" in a and "cold_seconds" in b and a["cold_seconds"]:
            grow = b["cold_seconds"] / a["cold_seconds"]
            queries_ok = b.get("cold_queries", 0) <= GROWTH_TARGET * max(1, a.get("cold_queries", 0))
            ok = "yes" if grow <= GROWTH_TARGET and queries_ok else "**no**"
            if ok != "yes" and path.startswith("/downloads/"):
                ok = "no (a download of every figure: grows with the data by design)"
            growth_cell = f"{grow:.2f}x"
        else:
            ok, growth_cell = "–", "–"
        lines.append(
            f"| `{path}` | " + " | ".join(cells_q) + " | " + " | ".join(cells_t) + f" | {growth_cell} | {ok} |"
        )
    return [*lines, ""]


def datasette(sizes):
    lines = []
    for size in sizes:
        peer = size.get("datasette")
        if not peer:
            continue
        rows = {key(row["name"]): row for row in size.get("rows", [])}
        first, late = rows.get("API incidents"), rows.get("API incidents: page N")
        lines += [
            f"### The API list against Datasette at {size_label(size['size'])} incidents",
            "",
            f"{peer['version']} serving the same {peer['rows']:,} public incidents, `--immutable`, exported with the "
            f"columns the API list shows ({', '.join(peer['columns'])}; nested values as JSON text), one process; "
            "our API on gunicorn as above. Target: the API at least 1.0x Datasette, cached or not. Datasette's first "
            "page as asked suggests facets too; `_nosuggest=1` is the same rows without them. A peer page whose "
            "first answer took over 0.2 s was loaded with 2 connections, as our slow pages are (fewer connections "
            "may understate an async server's throughput: such a pass is not a clear one).",
            "",
            "| ours | req/s cold / warm | p50 ms cold / warm | bytes | Datasette | connections | req/s | p50 ms | bytes | "
            "ratio cold | ratio warm |",
            "|---|--:|--:|--:|---|--:|--:|--:|--:|---|---|",
        ]
        for ours, which in ((first, "first"), (first, "first_nosuggest"), (late, "late")):
            theirs = peer.get(which)
            if not ours or not theirs:
                continue
            if not theirs["rps"]:
                cold_verdict = warm_verdict = "pass (Datasette answered nothing within the run)"
            else:
                cold_verdict = verdict(ratio(ours["cold"]["rps"], theirs["rps"]), PEER_TARGET)
                warm_verdict = verdict(ratio(ours["warm"]["rps"], theirs["rps"]), PEER_TARGET)
            lines.append(
                f"| `{ours['path']}` | {number(ours['cold']['rps'])} / {number(ours['warm']['rps'])} | "
                f"{number(ours['cold']['p50_ms'], 0)} / {number(ours['warm']['p50_ms'], 0)} | {ours['bytes']:,} | "
                f"`{theirs['path']}` | {theirs.get('connections', '–')} | {number(theirs['rps'])} | {number(theirs['p50_ms'], 1)} | {theirs['bytes']:,} | "
                f"{cold_verdict} | {warm_verdict} |"
            )
        lines.append("")
    return lines


def memory(sizes):
    lines = [
        "### Memory per gunicorn worker (VmRSS)",
        "",
        "| incidents | at start (MB) | after the run (MB) | peak seen between measurements (MB) |",
        "|--:|---|---|---|",
    ]
    for size in sizes:
        if "workers_mb" not in size:
            continue

        def values(d):
            return ", ".join(number(v, 0) for v in d.values() if v is not None) or "–"

        lines.append(
            f"| {size_label(size['size'])} | {values(size.get('workers_at_start_mb', {}))} | {values(size['workers_mb'])} | "
            f"{values(size.get('workers_peak_mb', {}))} |"
        )
    return [*lines, ""]


def plans(size):
    out = []
    probe = size.get("probe", {})
    for path, plan in probe.get("plans", {}).items():
        kind = "EXPLAIN (ANALYZE, BUFFERS)" if probe.get("vendor") == "postgresql" else "EXPLAIN QUERY PLAN"
        out += [f"### {kind} of the {path} at {size_label(size['size'])} incidents", ""]
        if plan.get("error"):
            out += [f"Not explained: {plan['error']}", ""]
            continue
        out += ["Key lines:", "", "```", *plan["key_lines"], "```", ""]
    return out


def chart(results_list, path):
    """Horizontal bars of the cold and warm ratios at the largest size, on a log scale, per backend."""
    bars = []
    for results in results_list:
        largest = max(results["sizes"], key=lambda s: s["size"])
        for row in largest.get("rows", []):
            trivial = row["trivial"]["rps"]
            label = f"{NAMES.get(results['backend'], results['backend'])} {row['path']}" + (
                " (htmx)" if row.get("htmx") else ""
            )
            bars.append((label, ratio(row["cold"]["rps"], trivial), ratio(row["warm"]["rps"], trivial)))
    low, high = 1e-4, 2.0
    left, width, row_h, top = 420, 460, 26, 50
    height = top + row_h * len(bars) + 50

    def x(value):
        value = min(max(value, low), high)
        return left + width * (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" height="{height}" '
        f'viewBox="0 0 {left + width + 40} {height}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="10" y="20" font-size="14">Page req/s over the trivial view\'s (log scale): cold (grey) and warm '
        "(blue), at the largest size</text>",
    ]
    for tick in (1e-4, 1e-3, 1e-2, 0.1, 0.2, 0.9, 1.0):
        parts.append(f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}" y2="{height - 40}" stroke="#ddd"/>')
        parts.append(f'<text x="{x(tick):.1f}" y="{height - 25}" text-anchor="middle">{tick:g}</text>')
    for target, colour in ((COLD_TARGET, "#888"), (WARM_TARGET, "#1f5fbf")):
        parts.append(
            f'<line x1="{x(target):.1f}" y1="{top - 8}" x2="{x(target):.1f}" y2="{height - 40}" stroke="{colour}" '
            'stroke-dasharray="4 3"/>'
        )
    parts.append(f'<text x="{x(COLD_TARGET):.1f}" y="{top - 12}" text-anchor="end">cold target 0.2x</text>')
    parts.append(f'<text x="{x(WARM_TARGET) + 4:.1f}" y="{top - 12}">warm 0.9x</text>')
    for i, (label, cold, warm) in enumerate(bars):
        y = top + i * row_h
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(label[:70])}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{x(cold) - left:.1f}" height="9" fill="#aaa"/>')
        parts.append(f'<rect x="{left}" y="{y + 13}" width="{x(warm) - left:.1f}" height="9" fill="#1f5fbf"/>')
        parts.append(f'<text x="{x(max(cold, warm)) + 4:.1f}" y="{y + 15}">{cold:.3g} / {warm:.3g}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")


def write(report, result_files):
    results_list = [json.loads(Path(f).read_text()) for f in result_files]
    results_list.sort(key=lambda r: r["backend"] != "postgresql")  # PostgreSQL, the target's backend, first
    svg = report.with_name(report.stem + "-ratios.svg")
    lines = [
        "# Benchmark: pages under load against a trivial view (issue 13)",
        "",
        "Written by `bench/pages.py` (`make bench`); redraw with `bench/pages_report.py`. Targets (issue 13, on "
        f"PostgreSQL at 10,000 incidents): every public page and API list warm ≥ {WARM_TARGET}x the trivial view, "
        f"uncached ≥ {COLD_TARGET}x, the API incidents list ≥ {PEER_TARGET}x Datasette cached or not; figures at "
        "other sizes and on SQLite are for comparison.",
        "",
        f"![ratios]({svg.name})",
        "",
        "Settings as in production (`DJANGO_DEBUG=0`, a fresh strong `DJANGO_SECRET_KEY`, `DJANGO_ALLOWED_HOSTS=127.0.0.1`, "
        "`DJANGO_SECURE_SSL_REDIRECT=0`, static files built by collectstatic, `DJANGO_CONN_MAX_AGE=60`, "
        "`DJANGO_STATEMENT_TIMEOUT=15000`) and local-memory caches per worker (no `DJANGO_CACHE_URL`), with three "
        "changes, each said: the trivial view mounted (`DJANGO_BENCH=1`), the anonymous API throttle raised out of "
        "reach and counted per second (every request comes from one address; per minute, one address's list of "
        "request times would grow to 100,000 and its cost be the benchmark's own), and pages kept an hour instead of 5 minutes (an expiry inside "
        "a warm measurement would make it a cold one). The load generator and gunicorn share the machine's CPUs.",
        "",
    ]
    notes = report.with_name("notes.md")
    if notes.exists():  # written by hand after a run; says which run it reads
        lines += [notes.read_text().rstrip(), ""]
    for results in results_list:
        lines += backend_section(results)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines).rstrip() + "\n")
    chart(results_list, svg)


if __name__ == "__main__":
    files = sys.argv[1:] or sorted(REPORTS.glob("pages-*.json"))
    write(REPORTS / "latest.md", files)
