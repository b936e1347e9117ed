"""/compare/: every group in the table, sortable by each column with and without JavaScript (issue 11)."""

import re
from html import unescape

import pytest

from metrics.services import metrics_recompute_all
from tests.factories import EventFactory, IncidentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _text(html):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def reporters(db):
    """14 reporters (more than the chart's 12 rows), each with one notice of n hours; the last gave none."""
    vendor = OrganizationFactory(slug="vendor", name="Vendor", kind="vendor")
    for n in range(1, 15):
        reporter = OrganizationFactory(slug=f"r{n:02d}", name=f"Reporter {n:02d}", kind="media")
        incident = IncidentFactory(vendor=vendor, slug=f"i{n:02d}", title=f"Incident {n:02d}")
        if n < 14:
            EventFactory(incident=incident, kind="vendor_notified", at="2020-01-01T00:00", actor=reporter)
        EventFactory(incident=incident, kind="published", at=f"2020-01-0{1 + n // 10}T{n % 10:02d}:30", actor=reporter)
    metrics_recompute_all()


def _table_order(html):
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r"Reporter \d\d", table)


def test_every_group_is_in_the_table_however_small_and_the_chart_folds_the_rest(client, reporters):
    html = client.get("/compare/", {"by": "reporter"}).content.decode()
    assert len(_table_order(html)) == 14
    assert "3 others" in html  # the chart's last row: 14 groups in 12 rows
    text = _text(html)
    assert "Gave no notice" in text
    assert "Reporter 14 1 1 —" in text  # one incident, one with no notice, no median


def test_sorting_by_median_works_without_javascript(client, reporters):
    html = client.get("/compare/", {"by": "reporter", "sort": "median", "order": "asc"}).content.decode()
    order = _table_order(html)
    assert order[0] == "Reporter 01" and order[-1] == "Reporter 14"  # no median: last whichever the order
    html = client.get("/compare/", {"by": "reporter", "sort": "median", "order": "desc"}).content.decode()
    order = _table_order(html)
    assert order[0] == "Reporter 13" and order[-1] == "Reporter 14"
    # the heading links are plain links that reverse the active column
    assert 'href="/compare/?by=reporter&amp;sort=median&amp;order=asc"' in html
    assert 'aria-sort="descending"' in html


def test_sorting_by_name_and_by_a_norm(client, reporters):
    order = _table_order(client.get("/compare/", {"by": "reporter", "sort": "group", "order": "desc"}).content.decode())
    assert order == sorted(order, reverse=True)
    html = client.get("/compare/", {"by": "reporter", "sort": "cert-cc"}).content.decode()
    assert len(_table_order(html)) == 14  # every share is 0 %: ties by name
    html = client.get("/compare/", {"by": "reporter", "sort": "no_notice", "order": "desc"}).content.decode()
    assert _table_order(html)[0] == "Reporter 14"


def test_sorting_with_htmx_answers_the_chart_partial(client, reporters):
    response = client.get("/compare/", {"by": "reporter", "sort": "median", "order": "desc"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="chart"') and "<html" not in html
    assert _table_order(html)[0] == "Reporter 13"
    assert 'hx-get="/compare/?by=reporter&amp;sort=median&amp;order=asc"' in html


def test_an_unknown_sort_falls_back_to_the_default(client, reporters):
    response = client.get("/compare/", {"by": "reporter", "sort": "nonsense", "order": "sideways"})
    assert response.status_code == 200
    assert len(_table_order(response.content.decode())) == 14


def test_a_metric_without_a_reporter_dimension_says_so(client, reporters):
    text = _text(client.get("/compare/", {"by": "reporter", "metric": "notice_to_remediation"}).content.decode())
    assert "This measure has no reporter grouping" in text  # open remediations: figures, but no reporter groups
