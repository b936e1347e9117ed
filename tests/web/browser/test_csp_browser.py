"""Every kind of page, public and workspace, loaded in Chromium with JavaScript under the site's
Content-Security-Policy: the test fails on any CSP violation the console reports, and on any request
to another origin (issue 14, item 2)."""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip

if not Path(CHROMIUM).exists() and os.environ.get("CI_REQUIRE_SERVICES") != "1":
    pytest.skip(f"{CHROMIUM} is not installed (scripts/ensure-chromium installs it)", allow_module_level=True)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-42"

PUBLIC = ["/", "/incidents/", "/incidents/wyze-2019/", "/claims/", "/compare/?by=reporter", "/methodology/",
          "/organisations/wyze/", "/organisations/twelve-security/", "/api/docs/",
          "/workspace/login/", "/no-such-page/"]  # fmt: skip
WORKSPACE = ["/workspace/", "/workspace/incidents/new/", "/workspace/incidents/wyze-2019/",
             "/workspace/incidents/wyze-2019/preview/", "/workspace/incidents/wyze-2019/publish/",
             "/workspace/incidents/wyze-2019/history/", "/workspace/history/deleted/", "/workspace/jobs/",
             "/workspace/accounts/", "/workspace/password/"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test's flush empties the tables data migrations filled; load them again."""
    from importlib import import_module

    from django.apps import apps

    class MovedModels:
        def __getattr__(self, name):
            return getattr(apps, name)

        def get_model(self, app_label, model_name=None):
            try:
                return apps.get_model(app_label, model_name)
            except LookupError:
                return apps.get_model("metrics", model_name)

    for name in ("0002_vocabulary_and_roles", "0004_norms"):
        import_module(f"disclosure.migrations.{name}").forwards(MovedModels(), None)


class Watch:
    """Console CSP violations and requests to other origins, collected while pages load."""

    def __init__(self, page, origin):
        self.violations, self.foreign = [], []
        page.on("console", self._console)
        page.on("request", lambda request: self._request(request, origin))

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(message.text)

    def _request(self, request, origin):
        url = urlparse(request.url)
        if url.scheme in ("http", "https") and f"{url.scheme}://{url.netloc}" != origin:
            self.foreign.append(request.url)


def _visit(page, watch, base, paths):
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    assert watch.violations == [], watch.violations
    assert watch.foreign == [], watch.foreign


def test_public_pages_and_htmx_swaps_raise_no_csp_violation(browser, live_server, reference_data, wyze):
    page = browser.new_page()
    watch = Watch(page, live_server.url)
    _visit(page, watch, live_server.url, PUBLIC)
    # an htmx swap: sort the compare table by a column heading
    page.goto(live_server.url + "/compare/?by=reporter")
    page.get_by_role("link", name="Median").first.click()
    page.wait_for_url("**sort=median**")
    page.wait_for_load_state("networkidle")
    assert watch.violations == [] and watch.foreign == []


def test_workspace_pages_and_htmx_swaps_raise_no_csp_violation(browser, live_server, reference_data, wyze):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username="cspadmin", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="admin"))
    page = browser.new_page()
    watch = Watch(page, live_server.url)
    page.goto(live_server.url + "/workspace/login/")
    page.fill("input[name=username]", "cspadmin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    _visit(page, watch, live_server.url, WORKSPACE)
    # an htmx request: the recorded-time field's interval in words, as the journalist types
    from disclosure.models import Event

    event = Event.objects.filter(incident__slug="wyze-2019").first()
    page.goto(f"{live_server.url}/workspace/incidents/wyze-2019/events/{event.pk}/edit/")
    date = page.locator("input[name$='when_date']").first
    date.fill("26 December 2019")
    date.dispatch_event("change")
    page.wait_for_load_state("networkidle")
    assert watch.violations == [] and watch.foreign == []
