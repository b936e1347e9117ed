"""Every kind of page, public and workspace, loaded in Chromium with JavaScript under the site's
Content-Security-Policy: the test fails on any CSP violation the console reports, and on any request
to another origin (issue 14, item 2)."""

from urllib.parse import urlparse

import pytest

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
