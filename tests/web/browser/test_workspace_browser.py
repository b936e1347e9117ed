"""The journalists' workspace in headless Chromium, with and without JS (issue 12, section 6).

An editor signs in, logs an incident with its sources, events, claims and a vendor denial,
previews it and publishes it, within 30 page loads and form submissions; an anonymous visitor
then reads it with its figures. A contributor cannot publish; history shows a change and
restores an earlier version; a deleted event is restored.
"""

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODES = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
PASSWORD = "a-long-test-password-42"
#: Issue 12: the editor's whole path, page loads and form submissions together.
MOST_STEPS = 30


@pytest.fixture
def site(live_server, reference_data):
    return live_server.url


def make_user(username, role):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


class Steps:
    """The page loads and form submissions of a path, counted; each waits as its mode needs.

    Without JavaScript every submission is a POST answered by a page (usually a redirect). With
    JavaScript a form with hx-post is sent by htmx and its answer swapped in place: the click waits
    for htmx's POST, then for `then`, a locator that only the swapped-in HTML satisfies.
    """

    def __init__(self, page, javascript):
        self.page, self.javascript = page, javascript
        self.loads = self.submissions = 0

    @property
    def total(self):
        return self.loads + self.submissions

    def goto(self, url):
        self.loads += 1
        self.page.goto(url)

    def follow(self, link):
        """A link clicked is a page load too."""
        self.loads += 1
        with self.page.expect_navigation():
            link.click()

    def submit(self, button, *, then=None, navigates=False):
        self.submissions += 1
        by_htmx = self.javascript and button.evaluate("b => b.form.hasAttribute('hx-post')")
        if by_htmx and not navigates:
            with self.page.expect_response(
                lambda r: r.request.method == "POST" and r.request.headers.get("hx-request") == "true"
            ):
                button.click()
        else:
            with self.page.expect_navigation():
                button.click()
            self.page.wait_for_load_state()
        if then is not None:
            expect(then).to_be_visible()


def sign_in(steps, site, username):
    steps.goto(f"{site}/workspace/login/")
    steps.page.locator("#id_username").fill(username)
    steps.page.locator("#id_password").fill(PASSWORD)
    steps.submit(steps.page.get_by_role("button", name="Sign in"), navigates=True)
    assert "/workspace/login/" not in steps.page.url, steps.page.locator("main").inner_text()


def opened(details):
    """Open a <details> (a click on its summary works with or without JavaScript) unless it is open."""
    if not details.evaluate("d => d.open"):
        details.locator("summary").first.click()
    return details


def fill_time(form, prefix, *, date, time="", about=False, margin=""):
    form.locator(f"[name='{prefix}when_date']").fill(date)
    if time:
        form.locator(f"[name='{prefix}when_time']").fill(time)
    if about:
        form.locator(f"[name='{prefix}when_about']").check()
    if margin:
        form.locator(f"[name='{prefix}when_margin']").select_option(margin)


def add_source(steps, title):
    page = steps.page
    form = page.locator("form[action$='/sources/']")
    form.locator("[name='title']").fill(title)
    form.locator("[name='url']").fill("https://example.com/" + title.lower().replace(" ", "-"))
    steps.submit(
        form.get_by_role("button", name="Add the source"),
        then=page.locator("#sources .ed-row", has_text=title),
    )


def add_event(steps, *, kind, description, source, status="published", actor="", target="", **when):
    page = steps.page
    details = opened(page.locator("#events > details.ws-add"))
    form = details.locator("form")
    form.locator("[name='event-kind']").select_option(kind)
    fill_time(form, "event-", **when)
    if actor:
        form.locator("[name='event-actor']").fill(actor)
    if target:
        form.locator("[name='event-target']").fill(target)
    form.locator("[name='event-description']").fill(description)
    form.locator("[name='event-status']").select_option(status)
    form.locator("[name='event-cite_source']").fill(source)
    steps.submit(
        form.get_by_role("button", name="Add the event"),
        then=page.locator("#events li.ws-record", has_text=description),
    )


def add_claim(steps, *, statement, category, source, status="published"):
    page = steps.page
    details = opened(page.locator("#claims > details.ws-add"))
    form = details.locator("form")
    form.locator("[name='claim-statement']").fill(statement)
    form.locator("[name='claim-claimant']").fill("Finders")
    form.locator("[name='claim-category']").select_option(category)
    form.locator("[name='claim-status']").select_option(status)
    form.locator("[name='claim-cite_source']").fill(source)
    steps.submit(
        form.get_by_role("button", name="Add the claim"),
        then=page.locator("#claims li.ws-record", has_text=statement),
    )


def add_denial(steps, *, claim, statement, source):
    page = steps.page
    row = page.locator("#claims > ol > li.ws-record", has_text=claim)
    form = opened(row.locator("details.ws-add")).locator("form")
    assert form.locator("[name$='-responder']").input_value() == "Camco"  # the vendor, by default
    form.locator("[name$='-stance']").select_option("denied")
    form.locator("[name$='-statement']").fill(statement)
    form.locator("[name$='-when_date']").fill("4 May 2024")
    form.locator("[name$='-status']").select_option("published")
    form.locator("[name$='-cite_source']").fill(source)
    steps.submit(
        form.get_by_role("button", name="Add the response"),
        then=page.locator("#claims .ws-responses li.ws-record", has_text=statement),
    )


EVENTS = [
    {
        "kind": "exposure_started",
        "date": "2024-05-01",
        "source": "Finders blog",
        "description": "Camco's webcam portal began serving live feeds without a password.",
    },
    {
        "kind": "discovered",
        "date": "2 May 2024",
        "time": "14:20",
        "source": "Finders blog",
        "description": "Finders found the open feeds while testing a camera.",
    },
    {
        "kind": "vendor_notified",
        "date": "2 May 2024",
        "time": "16:05",
        "actor": "Finders",
        "target": "Camco",
        "source": "Finders blog",
        "description": "Finders emailed Camco's security team.",
    },
    {
        "kind": "remediated",
        "date": "2024-05-03",
        "time": "10:00",
        "about": True,
        "margin": "PT30M",
        "source": "Daily report",
        "description": "Camco put the portal behind a login.",
    },
    {
        "kind": "published",
        "date": "3 May 2024",
        "time": "18:00",
        "actor": "Finders",
        "source": "Finders blog",
        "description": "Finders published their findings.",
    },
    {
        "kind": "vendor_statement",
        "date": "4 May 2024",
        "source": "Vendor forum post",
        "status": "draft",
        "description": "Camco said on its forum that no customer data was exposed.",
    },
]
CLAIMS = [
    {
        "statement": "Anyone could watch four thousand home webcams without a password.",
        "category": "data_exposure",
        "source": "Finders blog",
    },
    {
        "statement": "Camco closed the feeds only after the story ran.",
        "category": "disclosure_process",
        "source": "Daily report",
        "status": "draft",
    },
]
DENIAL = "Camco denies that any feed was watched by strangers."


@MODES
def test_an_editor_logs_previews_and_publishes_an_incident_that_the_public_then_reads(browser, site, javascript):
    from disclosure.models import Event, Incident
    from metrics.models import IncidentMetric

    make_user("edna", "editor")
    context = browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(8000)
    page = context.new_page()
    steps = Steps(page, javascript)

    # 1. Sign in through the form.
    sign_in(steps, site, "edna")

    # 2. A new incident, its vendor typed (and created in place).
    steps.follow(page.locator("nav.ws-nav").get_by_role("link", name="New incident"))
    page.locator("#id_title").fill("Camco webcam exposure")
    page.locator("#id_vendor").fill("Camco")
    page.locator("#id_timezone").fill("America/Los_Angeles")
    page.locator("#id_summary").fill("Camco's cloud portal showed live home webcam feeds to anyone with the link.")
    steps.submit(page.get_by_role("button", name="Create the draft"), navigates=True)
    page.wait_for_url(re.compile(r"/workspace/incidents/camco-webcam-exposure/"))
    expect(page.locator("#incident h1")).to_have_text("Camco webcam exposure")
    if javascript:
        page.evaluate("window.stayedOnThePage = true")  # gone if any step below reloads the page

    # 3. Three sources, six events, two claims and the vendor's denial, on the editor page.
    for title in ("Finders blog", "Daily report", "Vendor forum post"):
        add_source(steps, title)
    for event in EVENTS:
        add_event(steps, **event)
    for claim in CLAIMS:
        add_claim(steps, **claim)
    add_denial(steps, claim=CLAIMS[0]["statement"], statement=DENIAL, source="Vendor forum post")
    if javascript:
        assert page.evaluate("window.stayedOnThePage === true"), "an htmx form reloaded the page"

    incident = Incident.objects.get(slug="camco-webcam-exposure")
    assert incident.timezone == "America/Los_Angeles" and incident.vendor.name == "Camco"
    day = Event.objects.get(incident=incident, kind="exposure_started")
    assert (day.at, day.precision, day.timezone) == ("2024-05-01", "day", "")
    about = Event.objects.get(incident=incident, kind="remediated")
    assert (about.at, about.precision, about.approximate, about.margin) == ("2024-05-03T10:00", "minute", True, "PT30M")
    assert "between 09:30 and 10:31 on 3 May 2024" in page.locator(f"#event-{about.pk} .ws-when").inner_text()

    # 4. The preview: the public page, drafts included and marked.
    steps.follow(page.locator("#incident .ed-links").get_by_role("link", name="Preview"))
    expect(page.locator(".ws-preview-banner")).to_contain_text("Preview: not public.")
    expect(page.locator("article.incident h1")).to_contain_text("Camco webcam exposure")
    expect(page.locator("article.incident h1 .draft-mark")).to_have_text("Draft")
    draft_event = page.locator("li.event", has_text=EVENTS[5]["description"])
    expect(draft_event.locator(".draft-mark")).to_have_text("Draft")
    expect(page.locator("li.event", has_text=EVENTS[0]["description"]).locator(".draft-mark")).to_have_count(0)
    expect(page.locator("#claims-h + * .draft-mark, .claims-table .draft-mark").first).to_be_visible()

    # 5. Publish the incident with its draft parts, in one step.
    steps.follow(page.locator(".ws-preview-banner").get_by_role("link", name="Publish…"))
    expect(page.locator(".ws-blockers")).to_have_count(0)
    steps.submit(page.get_by_role("button", name="Publish the incident and the ticked parts"), navigates=True)
    expect(page.locator(".messages")).to_contain_text("Published: 6 events, 2 claims, 1 response.")

    assert steps.total <= MOST_STEPS, f"{steps.loads} page loads and {steps.submissions} submissions"
    assert (steps.loads, steps.submissions) == (4, 15)  # 19 in all, in both modes
    context.close()

    # 6. An anonymous visitor reads it, with its figures.
    incident.refresh_from_db()
    assert incident.status == "published"
    assert set(incident.events.values_list("status", flat=True)) == {"published"}
    assert set(incident.claims.values_list("status", "claimant__name")) == {("published", "Finders")}
    notified = incident.events.get(kind="vendor_notified")
    assert (notified.actor.name, notified.target_id) == ("Finders", incident.vendor_id)
    assert all(event.citations.count() == 1 for event in incident.events.all())
    denial = incident.claims.get(category="data_exposure").responses.get()
    assert (denial.stance, denial.responder_id, denial.status) == ("denied", incident.vendor_id, "published")
    assert denial.citations.get().source.title == "Vendor forum post"
    assert IncidentMetric.objects.filter(incident=incident).exists(), "the eager tasks computed no figures"
    visitor = browser.new_context(java_script_enabled=javascript)
    visitor.set_default_timeout(8000)
    public = visitor.new_page()
    public.goto(f"{site}/incidents/camco-webcam-exposure/")
    expect(public.locator("article.incident h1")).to_have_text("Camco webcam exposure")
    expect(public.locator(".draft-mark")).to_have_count(0)
    events = public.locator("ol.events").inner_text()
    for event in EVENTS:
        assert event["description"] in events
    claims = public.locator("section[aria-labelledby=claims-h]")
    expect(claims).to_contain_text(CLAIMS[0]["statement"])
    assert DENIAL in claims.text_content()
    expect(claims.locator(f"tr:has-text('{CLAIMS[0]['statement']}') td").last).to_contain_text("denied")
    figures = public.locator("section[aria-labelledby=metrics-h]")
    expect(figures).to_contain_text("The figures")
    expect(figures.locator(".metric-list li").first).to_be_visible()
    visitor.close()


def test_a_contributor_cannot_publish(browser, site):
    from disclosure.models import Incident
    from tests.factories import IncidentFactory

    make_user("connie", "contributor")
    incident = IncidentFactory(slug="connies-draft", title="Connie's draft", status=Incident.Status.DRAFT)
    context = browser.new_context()
    context.set_default_timeout(8000)
    page = context.new_page()
    sign_in(Steps(page, True), site, "connie")
    url = f"{site}/workspace/incidents/connies-draft/publish/"
    page.goto(url)
    expect(page.locator("h1")).to_contain_text("Connie's draft")
    expect(page.get_by_role("button", name=re.compile("^Publish"))).to_have_count(0)
    expect(page.locator(".ws-reason")).to_contain_text("may not publish")
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    refused = page.request.post(url, form={"csrfmiddlewaretoken": token}, headers={"X-CSRFToken": token})
    assert refused.status == 403
    assert "CSRF" not in refused.text()  # refused for the role, not for a missing token
    incident.refresh_from_db()
    assert incident.status == Incident.Status.DRAFT
    context.close()


@pytest.fixture
def drafted(site):
    """An editor's draft incident with one event, both written through the services (so history has them)."""
    from disclosure import services
    from tests.factories import OrganizationFactory

    editor = make_user("edna", "editor")
    incident = services.incident_create(
        by=editor,
        slug="history-story",
        title="History story",
        vendor=OrganizationFactory(kind="vendor", name="Acme"),
        timezone="UTC",
        summary="A story whose event is edited.",
    )
    event = services.event_create(
        incident=incident,
        by=editor,
        key="discovered-2024-05-02",
        kind="discovered",
        at="2024-05-02",
        precision="day",
        description="The first description.",
    )
    return incident, event


def signed_in_editor(browser, site, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(8000)
    page = context.new_page()
    sign_in(Steps(page, javascript), site, "edna")
    return context, page


@MODES
def test_history_shows_the_editors_change_and_restores_the_earlier_description(browser, site, drafted, javascript):
    incident, event = drafted
    context, page = signed_in_editor(browser, site, javascript)
    steps = Steps(page, javascript)
    editor_url = f"{site}/workspace/incidents/history-story/"
    page.goto(editor_url)
    row = page.locator(f"#event-{event.pk}")
    if javascript:
        row.get_by_role("link", name="Edit").click()  # the form swapped into the row
    else:
        steps.follow(row.get_by_role("link", name="Edit"))
    form = page.locator(f"form[action$='/events/{event.pk}/edit/']")
    form.locator(f"[name='edit-event-{event.pk}-description']").fill("The second description.")
    steps.submit(form.get_by_role("button", name="Save"), then=page.locator(f"#event-{event.pk}", has_text="second"))

    page.goto(f"{site}/workspace/incidents/history-story/history/")
    change = page.locator(".hist-entry.hist-changed", has_text="Description")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("by edna")
    expect(change.locator("del")).to_contain_text("first")
    expect(change.locator("ins")).to_contain_text("second")

    change.locator(".hist-head a").click()
    page.wait_for_url(re.compile(rf"/workspace/history/event/{event.pk}/$"))
    created = page.locator(".hist-entry.hist-created")
    steps.submit(created.get_by_role("button", name="Restore this version"), navigates=True)
    expect(page.locator(".messages")).to_contain_text("Restored")
    page.goto(editor_url)
    expect(page.locator(f"#event-{event.pk}")).to_contain_text("The first description.")
    event.refresh_from_db()
    assert event.description == "The first description."
    context.close()


@MODES
def test_a_deleted_event_is_restored_from_the_deleted_records(browser, site, drafted, javascript):
    from disclosure.models import Event

    incident, event = drafted
    context, page = signed_in_editor(browser, site, javascript)
    steps = Steps(page, javascript)
    editor_url = f"{site}/workspace/incidents/history-story/"
    page.goto(editor_url)
    row = page.locator(f"#event-{event.pk}")
    if javascript:
        row.get_by_role("link", name="Remove").click()  # the confirmation swapped into the row
    else:
        steps.follow(row.get_by_role("link", name="Remove"))
    steps.submit(page.get_by_role("button", name="Yes, remove it"), then=page.locator("#events li.empty"))
    assert not Event.objects.filter(pk=event.pk).exists()

    page.goto(f"{site}/workspace/history/deleted/?incident=history-story")
    entry = page.locator(".hist-entry.hist-deleted", has_text="discovered")
    expect(entry).to_have_count(1)
    steps.submit(entry.get_by_role("button", name="Restore"), navigates=True)
    expect(page.locator(".messages")).to_contain_text("Restored the event")
    expect(page.locator(".hist-entry.hist-deleted")).to_have_count(0)
    page.goto(editor_url)
    expect(page.locator(f"#event-{event.pk}")).to_contain_text("The first description.")
    context.close()
