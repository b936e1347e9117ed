"""Each norm compared in its direction (time-and-metrics.md §5, §5.1, §5.2): the notice "at least", the fix "at most"."""

from types import SimpleNamespace

import pytest

from metrics import figures

DAY = 86400
PROJECT_ZERO = SimpleNamespace(
    slug="project-zero", name="Google Project Zero", metric="notice_to_publication", window_seconds=90 * DAY
)
CERT_CC = SimpleNamespace(slug="cert-cc", name="CERT/CC", metric="notice_to_publication", window_seconds=45 * DAY)
ADMIN_ADDED = SimpleNamespace(slug="house-rule", name="House rule", metric="notice_to_publication", window_seconds=DAY)
NORMS = [PROJECT_ZERO, CERT_CC, ADMIN_ADDED]


def figure(low, high=None, nominal=None, is_open=False):
    high = low if high is None else high
    nominal = (low + high) // 2 if nominal is None else nominal
    return {"nominal_seconds": nominal, "min_seconds": low, "max_seconds": high, "open": is_open}


def comparison(row, metric, norm):
    (found,) = [c for c in figures.norm_comparisons(row, metric, NORMS) if c["norm"] is norm]
    return found


def test_a_fourteen_minute_notice_missed_project_zero_and_reads_gave_less_notice():
    ipvm = figure(780, 900, nominal=840)  # Wyze: IPVM's own notice (§4.2)
    found = comparison(ipvm, "notice_to_publication", PROJECT_ZERO)
    assert (found["direction"], found["outcome"], found["met"]) == ("at_least", "missed", False)
    assert figures.norm_verdict_text(ipvm, "notice_to_publication", PROJECT_ZERO) == (
        "gave less notice than Project Zero's 90 days (14 minutes, 0.01 % of the window)"
    )
    assert "within" not in figures.norm_verdict_text(ipvm, "notice_to_publication", CERT_CC)
    # the incident's notice, bounds either side of zero: the range is quoted, with no share of a
    # nominal the words do not state (§8)
    incident = figure(-33_720, 900, nominal=840)
    assert comparison(incident, "notice_to_publication", PROJECT_ZERO)["outcome"] == "missed"
    assert figures.norm_verdict_text(incident, "notice_to_publication", PROJECT_ZERO) == (
        "gave less notice than Project Zero's 90 days (between 9 hours 22 minutes before and 15 minutes after)"
    )


def test_a_notice_of_exactly_45_days_met_cert_cc():
    found = comparison(figure(45 * DAY), "notice_to_publication", CERT_CC)
    assert (found["direction"], found["outcome"], found["met"]) == ("at_least", "met", True)
    assert figures.norm_verdict_text(figure(45 * DAY), "notice_to_publication", CERT_CC) == (
        "gave the vendor at least CERT/CC's 45 days"
    )
    assert comparison(figure(45 * DAY - 1), "notice_to_publication", CERT_CC)["outcome"] == "missed"


def test_a_remediation_of_exactly_45_days_met_cert_cc_at_most():
    found = comparison(figure(45 * DAY), "notice_to_remediation", CERT_CC)
    assert (found["direction"], found["outcome"], found["met"]) == ("at_most", "met", True)
    assert figures.norm_verdict_text(figure(45 * DAY), "notice_to_remediation", CERT_CC) == (
        "fixed within CERT/CC's 45 days"
    )
    assert comparison(figure(45 * DAY + 1), "notice_to_remediation", CERT_CC)["outcome"] == "missed"


@pytest.mark.parametrize(("days", "outcome", "met"), [(10, "pending", None), (50, "missed", False)])
def test_an_open_remediation_is_pending_until_it_passes_the_window(days, outcome, met):
    found = comparison(figure(days * DAY, is_open=True), "notice_to_remediation", CERT_CC)
    assert (found["direction"], found["outcome"], found["met"]) == ("at_most", outcome, met)


def test_the_open_remediation_in_words():
    assert figures.norm_verdict_text(figure(12 * DAY, is_open=True), "notice_to_remediation", CERT_CC) == (
        "not fixed yet, 12 days so far"
    )
    assert figures.norm_verdict_text(figure(50 * DAY, is_open=True), "notice_to_remediation", CERT_CC) == (
        "took longer than CERT/CC's 45 days"
    )


def test_an_admin_added_norm_keeps_at_most_for_its_own_metric_only():
    assert figures.direction_for(ADMIN_ADDED, "notice_to_publication") == "at_most"
    assert comparison(figure(DAY), "notice_to_publication", ADMIN_ADDED)["outcome"] == "met"
    assert [c["norm"].slug for c in figures.norm_comparisons(DAY, "notice_to_remediation", NORMS)] == [
        "project-zero",
        "cert-cc",
    ]


def test_summarise_counts_the_four_outcomes_over_all_figures_open_ones_included():
    nominal = [DAY, 45 * DAY, 100 * DAY]
    group = [list(nominal), list(nominal), list(nominal), [10 * DAY, 50 * DAY]]
    notice = figures.summarise([list(x) for x in group], [CERT_CC], "notice_to_publication")
    fix = figures.summarise([list(x) for x in group], [CERT_CC], "notice_to_remediation")
    # at least: 45 and 100 days met, 1 day missed; open 10 days pending, open 50 days met already
    assert {k: notice["norm_shares"]["cert-cc"][k] for k in (*figures.OUTCOMES, "of")} == {
        "met": 3, "uncertain": 0, "missed": 1, "pending": 1, "of": 5,
    }  # fmt: skip
    # at most: 1 and 45 days met, 100 days missed; open 10 days pending, open 50 days missed already
    assert {k: fix["norm_shares"]["cert-cc"][k] for k in (*figures.OUTCOMES, "of")} == {
        "met": 2, "uncertain": 0, "missed": 2, "pending": 1, "of": 5,
    }  # fmt: skip
    assert fix["incident_count"] == 5 and fix["open_count"] == 2 and fix["median_seconds"] == 45 * DAY
    assert figures.share_words(fix["norm_shares"]["cert-cc"]) == "40 % (2 of 5; 2 missed; 1 pending)"


def test_headings_never_say_within_for_notice_given():
    assert figures.norm_heading("at_least", "Project Zero", "90 days") == "Gave Project Zero's 90 days"
    assert (
        figures.norm_heading("at_most", "CERT/CC", "45 days", metric="notice_to_remediation")
        == "Fixed within CERT/CC's 45 days"
    )
