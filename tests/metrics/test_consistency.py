"""One definition of every figure: the home page, /compare/ (table and CSV), the organisation
pages and /api/v1/aggregates/ give the same counts, medians and shares (time-and-metrics.md §6).

The dataset has what used to make the surfaces disagree: a retracted incident, an open
figure, a notice exactly at a norm's window, a publisher who gave no notice (a
reporter in one role only), a notifier who never published, and a discoverer who
neither told the vendor nor published.
"""

import csv
import io
import re
from html import unescape

import pytest
from django.utils import timezone

from metrics import figures
from metrics.models import IncidentMetric
from metrics.selectors import metric_norms
from metrics.services import metrics_recompute_all
from tests.factories import EventFactory, IncidentFactory, OrganizationFactory, ParticipantFactory
from web.filters import met_norm_condition, missed_norm_condition
from web.templatetags.site_tags import duration_text

pytestmark = pytest.mark.django_db

NOTICE = "notice_to_publication"
REMEDIATION = "notice_to_remediation"
DAY = 86400
CERT_WINDOW = 45 * DAY


def _incident(
    slug, vendor, notified, published, *, remediated=None, precision="minute", notifier=None, publisher=None, **fields
):
    incident = IncidentFactory(slug=slug, title=f"Incident {slug}", vendor=vendor, **fields)
    EventFactory(incident=incident, kind="vendor_notified", at=notified, precision=precision, actor=notifier)
    EventFactory(incident=incident, kind="published", at=published, precision=precision, actor=publisher)
    if remediated:
        EventFactory(incident=incident, kind="remediated", at=remediated, precision=precision)
    return incident


@pytest.fixture
def dataset(db):
    acme = OrganizationFactory(slug="acme", name="Acme", kind="vendor")
    globex = OrganizationFactory(slug="globex", name="Globex", kind="vendor")
    finder = OrganizationFactory(slug="finder", name="Finder Labs", kind="researcher")
    teller = OrganizationFactory(slug="teller", name="Teller News", kind="media")
    digger = OrganizationFactory(slug="digger", name="Digger Sec", kind="researcher")
    press = OrganizationFactory(slug="press", name="Daily Press", kind="media")

    a = _incident(
        "a-2020", acme, "2020-03-02T14:05", "2020-03-02T15:05", remediated="2020-03-05T10:00", notifier=finder,
        publisher=finder,
    )  # fmt: skip
    ParticipantFactory(incident=a, organization=finder, role="discoverer")
    ParticipantFactory(incident=a, organization=finder, role="notifier")
    # Exactly CERT/CC's 45 days at most (second precision: the upper bound is the window).
    b = _incident(
        "b-2021",
        acme,
        "2021-01-01T00:00:00",
        "2021-02-14T23:59:59",
        remediated="2021-01-20T00:00:00",
        precision="second",
        notifier=teller,
        publisher=teller,
    )
    ParticipantFactory(incident=b, organization=teller, role="notifier")
    ParticipantFactory(incident=b, organization=digger, role="discoverer")
    # 100 days; never remediated: open. Finder told the vendor; the press published with no notice of its own.
    c = _incident("c-2021", globex, "2021-05-01T09:00", "2021-08-09T09:00", notifier=finder, publisher=press)
    ParticipantFactory(incident=c, organization=finder, role="discoverer")
    ParticipantFactory(incident=c, organization=press, role="publisher")
    e = _incident(  # 10 days; open remediation
        "e-2022", acme, "2022-06-01T09:00", "2022-06-11T09:00", notifier=finder, publisher=finder
    )
    ParticipantFactory(incident=e, organization=finder, role="notifier")
    d = _incident(
        "d-retracted", globex, "2020-07-01T09:00", "2020-07-03T09:00", status="retracted", retraction_notice="Wrong.",
        notifier=finder, publisher=finder,
    )  # fmt: skip
    ParticipantFactory(incident=d, organization=finder, role="discoverer")
    metrics_recompute_all()
    return {"acme": acme, "globex": globex, "finder": finder, "teller": teller, "digger": digger, "press": press}


def _api(client, **params):
    response = client.get("/api/v1/aggregates/", {"page_size": 200, **params})
    assert response.status_code == 200
    return response.json()["results"]


def _text(response):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _share_text(counts):
    text = f"{figures.format_percent(counts['share'])} ({counts['met']} of {counts['of']}"
    for outcome in ("uncertain", "missed", "pending"):
        if counts[outcome]:
            text += f"; {counts[outcome]} {outcome}"
    return text + ")"


def _csv(client, metric, by="year"):
    response = client.get("/compare.csv", {"metric": metric, "by": by})
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _csv_summary(rows, norms):
    """What a reader of the CSV gets by summarising it: the counts, median and outcomes of the API.

    The median is over the closed figures; each norm's outcomes over all of them, open ones and
    reporters who gave no notice included.
    """
    closed = [r for r in rows if r["open"] == "false" and r["no_notice"] == "false"]
    nominals = sorted(int(r["nominal_seconds"]) for r in closed)
    shares = {}
    for norm in norms:
        outcomes = [r[f"norm:{norm.slug}"] for r in rows]
        shares[norm.slug] = {k: outcomes.count(k) for k in figures.OUTCOMES} | {"of": len(rows)}
    return {
        "incident_count": len(rows),
        "open_count": sum(r["open"] == "true" for r in rows),
        "no_notice_count": sum(r["no_notice"] == "true" for r in rows),
        "median_seconds": figures.quantile(nominals, 0.5),
        "norm_shares": shares,
    }


def _api_summary(row):
    return {
        "incident_count": row["incident_count"],
        "open_count": row["open_count"],
        "no_notice_count": row["no_notice_count"],
        "median_seconds": row["median_seconds"],
        "norm_shares": {
            slug: {k: counts[k] for k in (*figures.OUTCOMES, "of")} for slug, counts in row["norm_shares"].items()
        },
    }


def test_the_stored_figures_leave_out_the_retracted_incident_and_count_the_boundary_as_met(client, dataset):
    (overall,) = _api(client, metric=NOTICE, dimension="overall")
    # a 1 hour, b 45 days less a second, c 100 days, e 10 days; the retracted d (2 days) is not counted
    assert overall["incident_count"] == 4 and overall["open_count"] == 0
    assert overall["median_seconds"] == (10 * DAY + CERT_WINDOW - 1) / 2
    b = IncidentMetric.objects.get(incident__slug="b-2021", view="public", metric=NOTICE)
    assert b.max_seconds == CERT_WINDOW
    # The notice is compared "at least" (§5): c's 100 days gave CERT/CC's 45; b's [45 days - 2 s,
    # 45 days] may or may not have; a's hour and e's 10 days gave less.
    assert overall["norm_shares"]["cert-cc"] == {
        "met": 1, "uncertain": 1, "missed": 2, "pending": 0, "of": 4, "direction": "at_least",
        "share": 0.25, "share_at_most": 0.5,
    }  # fmt: skip
    assert overall["norm_shares"]["project-zero"]["met"] == 1
    (remediation,) = _api(client, metric=REMEDIATION, dimension="overall")
    assert (remediation["incident_count"], remediation["open_count"]) == (4, 2)
    # remediation "at most": a (3 days) and b (19 days) fixed within 45 days; c and e, open for years, took longer
    assert remediation["norm_shares"]["cert-cc"] == {
        "met": 2, "uncertain": 0, "missed": 2, "pending": 0, "of": 4, "direction": "at_most",
        "share": 0.5, "share_at_most": 0.5,
    }  # fmt: skip
    for row in _api(client):  # every group, metric and norm: the four counts add up to all figures, open included
        for counts in row["norm_shares"].values():
            assert sum(counts[o] for o in figures.OUTCOMES) == counts["of"] == row["incident_count"]
    # §6: the notice's reporters are its publishing reporters, each with its own notice; the press
    # published with no notice; digger only discovered and teller's own notice is its own
    reporters = {row["organization"]: row for row in _api(client, metric=NOTICE, dimension="reporter")}
    assert set(reporters) == {"finder", "teller", "press"}
    assert (reporters["press"]["incident_count"], reporters["press"]["no_notice_count"]) == (1, 1)
    assert reporters["press"]["median_seconds"] is None
    assert reporters["press"]["norm_shares"]["cert-cc"]["missed"] == 1  # no notice: less than every window
    assert (reporters["finder"]["incident_count"], reporters["finder"]["no_notice_count"]) == (2, 0)
    assert reporters["finder"]["median_seconds"] == (3600 + 10 * DAY) / 2  # a's hour and e's 10 days, not c's
    # other metrics have no reporter groups here (no discovery events)
    assert _api(client, metric=REMEDIATION, dimension="reporter") == []


def test_home_page_shows_the_stored_overall_notice_figures(client, dataset):
    (overall,) = _api(client, metric=NOTICE, dimension="overall")
    text = _text(client.get("/"))
    assert f"Median notice window {duration_text(overall['median_seconds'])} over 4 incidents" in text
    for norm in metric_norms(NOTICE):
        assert (
            f"{norm.name} ({duration_text(norm.window_seconds)}): {_share_text(overall['norm_shares'][norm.slug])}"
            in (text)
        )


@pytest.mark.parametrize("metric", [NOTICE, REMEDIATION])
@pytest.mark.parametrize("by", ["reporter", "vendor", "year"])
def test_compare_table_lists_every_stored_group_with_its_stored_figures(client, dataset, metric, by):
    rows = _api(client, metric=metric, dimension=by)
    (overall,) = _api(client, metric=metric, dimension="overall")
    text = _text(client.get("/compare/", {"metric": metric, "by": by}))
    table = text[text.index("The figures behind the chart") :]
    norms = metric_norms(metric)
    per_reporter = by == "reporter" and metric == NOTICE
    for row in [*rows, overall]:
        label = row["organization_name"] or (str(row["year"]) if row["year"] else "All incidents")
        cells = f"{label} {row['incident_count']}"
        if row["open_count"]:
            cells += f" ({row['open_count']} open)"
        if per_reporter:  # the overall row is the incidents' own figure: no reporters, no "gave no notice"
            cells += f" {row['no_notice_count']}" if row is not overall else " —"
        median = "—"
        if row["median_seconds"] is not None:
            median = figures.describe_open(
                {
                    "nominal_seconds": round(row["median_seconds"]),
                    "min_seconds": round(row["median_min_seconds"]),
                    "max_seconds": round(row["median_max_seconds"]),
                },
                metric,
            )
        assert f"{cells} {median} " in table, (cells, median)
        for norm in norms:
            assert _share_text(row["norm_shares"][norm.slug]) in table
    assert table.count(" open)") == sum(1 for row in [*rows, overall] if row["open_count"])
    assert "Incident d-retracted" not in text


@pytest.mark.parametrize("metric", [NOTICE, REMEDIATION])
def test_compare_csv_summarises_to_the_stored_aggregates(client, dataset, metric):
    rows = _csv(client, metric)
    norms = metric_norms(metric)
    assert sorted(r["incident"] for r in rows) == ["a-2020", "b-2021", "c-2021", "e-2022"]
    (overall,) = _api(client, metric=metric, dimension="overall")
    assert _csv_summary(rows, norms) == _api_summary(overall)
    by_reporter = _csv(client, metric, by="reporter")
    for row in _api(client, metric=metric, dimension="reporter"):
        mine = [r for r in by_reporter if row["organization_name"] in r["reporters"].split("; ")]
        assert _csv_summary(mine, norms) == _api_summary(row)
    if metric == NOTICE:  # one row per publishing reporter and incident, its own notice or none
        assert sorted((r["incident"], r["reporters"], r["no_notice"]) for r in by_reporter) == [
            ("a-2020", "Finder Labs", "false"), ("b-2021", "Teller News", "false"),
            ("c-2021", "Daily Press", "true"), ("e-2022", "Finder Labs", "false"),
        ]  # fmt: skip
    for row in _api(client, metric=metric, dimension="vendor"):
        assert _csv_summary([r for r in rows if r["vendor"] == row["organization_name"]], norms) == _api_summary(row)
    for row in _api(client, metric=metric, dimension="year"):
        assert _csv_summary([r for r in rows if r["year"] == str(row["year"])], norms) == _api_summary(row)


def test_organisation_pages_show_their_stored_group_figures(client, dataset):
    norms = metric_norms(NOTICE)
    for row in _api(client, metric=NOTICE, dimension="reporter"):
        text = _text(client.get(f"/organisations/{row['organization']}/"))
        count = row["incident_count"]
        assert f"published in {count} incident{'s' if count > 1 else ''}:" in text
        if row["median_seconds"] is not None:
            assert f"Median notice given: {duration_text(row['median_seconds'])}" in text
        for norm in norms:
            assert f"{norm.heading}: {_share_text(row['norm_shares'][norm.slug])}" in text
    for row in _api(client, metric="notice_to_remediation", dimension="vendor"):
        text = _text(client.get(f"/organisations/{row['organization']}/"))
        closed = row["incident_count"] - row["open_count"]
        if row["median_seconds"] is None:  # every fix still awaited: open figures have no median
            assert f"Notice to remediation: not ended yet in {row['open_count']} incident" in text
        else:
            assert f"over {closed} incident{'s' if closed > 1 else ''}" in text
    press = _text(client.get("/organisations/press/"))
    assert "it published with no notice in 1" in press  # a reporter in one role only: it published
    digger = _text(client.get("/organisations/digger/"))
    assert "published none of them itself" in digger  # a discoverer only gave no notice of its own


def test_notice_under_filter_is_the_stored_outcome_missed(client, dataset):
    """ "Gave less notice than CERT/CC": the at-least norm missed, the notice certainly shorter than the window."""
    text = _text(client.get("/incidents/", {"notice_under": "cert-cc"}))
    assert "Incident a-2020" in text and "Incident e-2022" in text  # an hour and 10 days
    assert "Incident b-2021" not in text  # [45 days - 2 s, 45 days]: may or may not have given the 45 days
    assert "Incident c-2021" not in text  # 100 days
    text = _text(client.get("/incidents/", {"notice_under": "project-zero"}))
    assert all(f"Incident {slug}" in text for slug in ("a-2020", "b-2021", "e-2022"))
    assert "Incident c-2021" not in text
    assert "Incident a-2020" not in _text(client.get("/incidents/", {"notice_under": "gdpr-art-33"}))


@pytest.mark.parametrize("direction", [figures.AT_MOST, figures.AT_LEAST])
@pytest.mark.parametrize(
    ("low", "high", "is_open"),
    [
        (CERT_WINDOW - 2, CERT_WINDOW, False),  # the upper bound at the window
        (CERT_WINDOW - 2, CERT_WINDOW + 1, False),  # straddles: uncertain
        (CERT_WINDOW, CERT_WINDOW, False),  # exactly the window: met either way
        (CERT_WINDOW, CERT_WINDOW + 2, False),  # the lower bound at the window
        (CERT_WINDOW + 1, CERT_WINDOW + 2, False),  # beyond
        (CERT_WINDOW - 10, CERT_WINDOW - 5, True),  # open, short of the window so far: pending either way
        (CERT_WINDOW, CERT_WINDOW, True),  # open at the window: met at least, pending at most
        (CERT_WINDOW + 1, CERT_WINDOW + 1, True),  # open beyond: met at least, missed at most
        (CERT_WINDOW - 3, CERT_WINDOW - 1, False),  # short of it
        (0, 0, False),
    ],
)
def test_the_sql_form_of_met_and_missed_agrees_with_norm_outcome(db, low, high, is_open, direction):
    incident = IncidentFactory()
    IncidentMetric.objects.create(
        incident=incident, view="public", metric=NOTICE, nominal_seconds=(low + high) // 2, min_seconds=low,
        max_seconds=high, open=is_open, computed_at=timezone.now(),
    )  # fmt: skip
    outcome = figures.norm_outcome(low, high, CERT_WINDOW, direction, is_open)
    mine = IncidentMetric.objects.filter(incident=incident)
    assert mine.filter(met_norm_condition(CERT_WINDOW, direction)).exists() == (outcome == "met")
    assert mine.filter(missed_norm_condition(CERT_WINDOW, direction)).exists() == (outcome == "missed")


def test_compare_page_and_api_give_the_same_four_counts_with_an_open_figure_pending(client, dataset):
    """An open remediation of 10 days so far is pending for CERT/CC; the compare page, its CSV and the API agree."""
    now = timezone.now()
    f = _incident(
        "f-open", dataset["acme"], (now - timezone.timedelta(days=12)).strftime("%Y-%m-%dT%H:%M"),
        (now - timezone.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    ParticipantFactory(incident=f, organization=dataset["finder"], role="notifier")
    metrics_recompute_all()
    (overall,) = _api(client, metric=REMEDIATION, dimension="overall")
    cert = overall["norm_shares"]["cert-cc"]
    assert {k: cert[k] for k in (*figures.OUTCOMES, "of")} == {
        "met": 2, "uncertain": 0, "missed": 2, "pending": 1, "of": 5,
    }  # fmt: skip
    text = _text(client.get("/compare/", {"metric": REMEDIATION, "by": "vendor"}))
    table = text[text.index("The figures behind the chart") :]
    assert "Fixed within CERT/CC's 45 days" in table and "Within " not in table
    assert "All incidents 5 (3 open)" in table
    assert "40 % (2 of 5; 2 missed; 1 pending)" in table
    assert _share_text(cert) == "40 % (2 of 5; 2 missed; 1 pending)"
    rows = _csv(client, REMEDIATION)
    assert _csv_summary(rows, metric_norms(REMEDIATION)) == _api_summary(overall)
    # the notice table: an "at least" norm's column never says "within"
    notice = _text(client.get("/compare/", {"metric": NOTICE, "by": "year"}))
    notice = notice[notice.index("The figures behind the chart") :]
    assert "Gave Project Zero's 90 days" in notice and "Within" not in notice
    # the incident's API comparisons carry the outcome and the direction
    body = client.get("/api/v1/incidents/f-open/metrics/").json()
    remediation = next(m for m in body["metrics"] if m["metric"] == REMEDIATION)
    by_norm = {n["norm"]: n for n in remediation["norms"]}
    assert (by_norm["cert-cc"]["direction"], by_norm["cert-cc"]["outcome"], by_norm["cert-cc"]["met"]) == (
        "at_most",
        "pending",
        None,
    )


def test_a_fourteen_minute_notice_gave_less_than_every_window_in_words(client, db, django_capture_on_commit_callbacks):
    vendor = OrganizationFactory(slug="wyzeish", name="Wyzeish", kind="vendor")
    incident = _incident("fourteen", vendor, "2019-12-26T09:21", "2019-12-26T09:35")  # 14 minutes [13, 15]
    metrics_recompute_all()
    text = _text(client.get(incident.get_absolute_url()))
    # no actor recorded: the incident's own notice is judged (with reporters, each reporter's is)
    assert "Gave less notice than Project Zero's 90 days (14 minutes, 0.01 % of the window)" in text
    assert "Gave less notice than CERT/CC's 45 days (14 minutes, 0.02 % of the window)" in text
    assert "within" not in text.split("The figures")[1].split("How these are worked out")[0]
    # with the reporter recorded, the verdict names it
    reporter = OrganizationFactory(slug="ipvmish", name="IPVMish", kind="media")
    incident.events.update(actor=reporter)  # behind the services' back: nothing bumps the page cache...
    with django_capture_on_commit_callbacks(execute=True):
        metrics_recompute_all()  # ...but the recompute that finds new figures does
    text = _text(client.get(incident.get_absolute_url()))
    assert "IPVMish gave 14 minutes' notice (between 13 and 15 minutes)." in text
    assert "IPVMish gave less notice than Project Zero's 90 days (14 minutes, 0.01 % of the window)" in text
