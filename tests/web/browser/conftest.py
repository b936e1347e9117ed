"""What every browser test shares: Chromium (headless, one per module), Playwright, and the reference data
a transactional test's flush removes."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip

if not Path(CHROMIUM).exists() and os.environ.get("CI_REQUIRE_SERVICES") != "1":
    pytest.skip(f"{CHROMIUM} is not installed (scripts/ensure-chromium installs it)", allow_module_level=True)

# Playwright runs an event loop in this thread; the live server and the ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test's flush empties the tables data migrations filled (the data classes, the
    newsroom's groups, the norms); load them again."""
    from importlib import import_module

    from django.apps import apps

    class MovedModels:
        """The live registry, as those migrations name it: the norms have since moved to `metrics`."""

        def __getattr__(self, name):
            return getattr(apps, name)

        def get_model(self, app_label, model_name=None):
            try:
                return apps.get_model(app_label, model_name)
            except LookupError:
                return apps.get_model("metrics", model_name)

    for name in ("0002_vocabulary_and_roles", "0004_norms"):
        import_module(f"disclosure.migrations.{name}").forwards(MovedModels(), None)
