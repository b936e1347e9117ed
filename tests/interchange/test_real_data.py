"""Every record of the public datasets in ../shared/data through the importers: no crash, every record counted.

The data is read where it lies (settings.BASE_DIR.parent / "shared" / "data"), never
copied into the project. The counts are printed at the end of the pytest run (a
terminal-summary section), so CI logs show them.
"""

import json
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

DATA = settings.BASE_DIR.parent / "shared" / "data"
HIBP = DATA / "hibp"
VCDB = DATA / "vcdb"

pytestmark = pytest.mark.django_db


class _Counts:
    """A pytest plugin registered by the tests below: prints what they counted in the terminal summary."""

    def __init__(self):
        self.lines = []

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("real data import (../shared/data)")
        for line in self.lines:
            terminalreporter.write_line(line)


@pytest.fixture
def counts(request):
    manager = request.config.pluginmanager
    plugin = manager.get_plugin("real-data-counts")
    if plugin is None:
        plugin = _Counts()
        manager.register(plugin, "real-data-counts")
    return plugin


def _import(command, paths, tmp_path):
    report_path = tmp_path / f"{command}.json"
    started = time.perf_counter()
    call_command(command, *map(str, paths), "--report", str(report_path), stdout=StringIO(), stderr=StringIO())
    seconds = time.perf_counter() - started
    return json.loads(report_path.read_text(encoding="utf-8")), seconds


def _line(name, report, seconds):
    c = report["counts"]
    reasons = {}
    for r in report["records"]:
        if r["status"] == "skipped":
            reasons[r["reason"][:70]] = reasons.get(r["reason"][:70], 0) + 1
    why = "; ".join(f"{n} x {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
    return (
        f"{name}: {c['records']} records, {c['imported']} imported, {c['skipped']} skipped"
        f"{f' ({why})' if why else ''}, {seconds:.1f} s"
    )


def test_every_hibp_breach_imports_or_is_skipped_with_a_reason(tmp_path, counts):
    files = sorted(HIBP.glob("*.json")) if HIBP.is_dir() else []
    if not files:
        pytest.skip(f"no Have I Been Pwned data at {HIBP}")
    expected = sum(len(json.loads(f.read_text(encoding="utf-8"))) for f in files)
    imported = skipped = 0
    for path in files:
        report, seconds = _import("import_hibp", [path], tmp_path)
        counts.lines.append(_line(f"hibp/{path.name}", report, seconds))
        assert all(r["reason"] for r in report["records"] if r["status"] == "skipped")
        imported += report["counts"]["imported"]
        skipped += report["counts"]["skipped"]
    assert imported + skipped == expected
    assert imported > 0


def test_every_vcdb_record_imports_or_is_skipped_with_a_reason(tmp_path, counts):
    files = sorted(VCDB.rglob("*.json")) if VCDB.is_dir() else []
    if not files:
        pytest.skip(f"no VERIS Community Database data at {VCDB}")
    report, seconds = _import("import_veris", [VCDB], tmp_path)
    counts.lines.append(_line("vcdb (all folders)", report, seconds))
    assert report["counts"]["records"] == len(files)
    assert report["counts"]["imported"] + report["counts"]["skipped"] == len(files)
    assert all(r["reason"] for r in report["records"] if r["status"] == "skipped")
    assert report["counts"]["imported"] > 0
    # A second run over the same files changes nothing.
    again, seconds = _import("import_veris", [VCDB], tmp_path)
    counts.lines.append(_line("vcdb, second run", again, seconds))
    assert again["counts"]["unchanged"] == report["counts"]["imported"]
