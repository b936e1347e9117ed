"""Project rules that matter, enforced by tests that fail when someone breaks them."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [ROOT / name for name in ("disclosure", "claims", "metrics", "interchange", "web")]
TEMPLATES = ROOT / "templates"

# Files allowed to set a record's status: the services, and the bundle import
# (itself a service that writes a validated document).
STATUS_WRITERS = {"disclosure/services.py", "claims/services.py", "interchange/bundle.py"}


def python_files():
    for app in APPS:
        for path in app.rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def template_files():
    return sorted(p for p in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", list(python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_status_changes_only_in_services(path):
    rel = str(path.relative_to(ROOT))
    if rel in STATUS_WRITERS:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                assert not (isinstance(target, ast.Attribute) and target.attr == "status"), (
                    f"{rel}:{node.lineno} sets .status outside a service"
                )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            assert not any(kw.arg == "status" for kw in node.keywords), (
                f"{rel}:{node.lineno} updates status outside a service"
            )


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_ATTR = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.IGNORECASE)
CDN = re.compile(r"(src|href)\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_are_safe_under_a_strict_content_security_policy(path):
    """No inline script, no style= or on*= attributes, nothing loaded from another host."""
    text = path.read_text(encoding="utf-8")
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        is_data = "application/ld+json" in attrs or "application/json" in attrs
        assert "src=" in attrs or is_data, f"inline <script> in {path.name}: {match.group(0)}"
    assert not EVENT_ATTR.search(text), f"event handler attribute in {path.name}"
    assert not STYLE_ATTR.search(text), f"style= attribute in {path.name}"
    for match in CDN.finditer(text):
        line = text[: match.start()].count("\n") + 1
        context = text[match.start() - 80 : match.end()]
        # Links to a source's URL are content, not assets; assets never come from another host.
        assert "<link" not in context.rsplit(">", 1)[-1] and "<script" not in context.rsplit(">", 1)[-1], (
            f"asset loaded from another host in {path.name}:{line}"
        )
