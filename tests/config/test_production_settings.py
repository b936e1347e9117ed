"""Production settings (issue 14, item 1): a clean `check --deploy`, no weak key, no start without
static files. Each case starts a fresh Python with the environment production would have."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


CHECK = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); " \
        "from django.core.management import call_command; call_command('check', deploy=True, fail_level='WARNING')"  # fmt: skip


@pytest.mark.parametrize("key", ["", "short", "insecure-local-development-key-not-for-production", "a" * 60])
def test_production_refuses_a_missing_weak_or_published_key(key):
    result = _run("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
                  DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set to a strong secret" in result.stderr


def test_check_deploy_is_clean_with_built_static_files(tmp_path):
    key = secrets.token_urlsafe(50)
    static = tmp_path / "static"
    static.mkdir()
    (static / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    code = f"import django.conf; from config import settings as s; s.STATIC_ROOT = {str(static)!r}; " + CHECK
    result = _run(code, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_without_static_files_production_says_so_before_serving(tmp_path):
    key = secrets.token_urlsafe(50)
    code = f"from config import settings as s; s.STATIC_ROOT = {str(tmp_path)!r}; import config.wsgi"
    result = _run(code, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0 and "Static files are not built" in result.stderr


def test_the_embedded_default_needs_no_key_and_no_https():
    result = _run(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); "
        "from django.conf import settings as s; print(s.PRODUCTION, getattr(s, 'SECURE_SSL_REDIRECT', False))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


def test_postgresql_connections_run_without_jit_and_with_an_optional_statement_timeout():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); "
        "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS']['options'])"
    )
    url = "postgres://postgres@127.0.0.1:5432/disclosure"
    assert _run(code, DATABASE_URL=url).stdout.strip() == "-c jit=off"
    timed = _run(code, DATABASE_URL=url, DJANGO_STATEMENT_TIMEOUT="15000")
    assert timed.stdout.strip() == "-c jit=off -c statement_timeout=15000"
