"""The methodology page explains revision 2 of time-and-metrics.md in plain words, under the strict CSP."""

import html as html_lib
import re

import pytest

from metrics.figures import NORM_APPLICATIONS
from metrics.models import Norm

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    response = client.get("/methodology/")
    assert response.status_code == 200
    return response.content.decode()


def _text(page):
    """The page's visible words: tags dropped, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize(
    "phrase",
    [
        "no notice",
        "at least",
        "at most",
        "pending",
        "uncertain",
        "margin",
        "followed",
        "others",
        "independent",
        "exposure_to_publication",
        "Exposure to publication",
        "awareness_to_regulator_notification",
        "discovery_to_user_notification",
        "between 13 and 15 minutes",
        "22 days (between 21 and 23 days)",
        "between 9 hours 22 minutes before and 15 minutes after the notice",
        "gave less notice than Project Zero's 90 days (14 minutes, 0.01 % of the window)",
        "24 % (97 of 406; 5 uncertain)",
        "/downloads/figures.csv",
        "/downloads/figures.json",
    ],
)
def test_methodology_states_the_revision_2_rules(page, phrase):
    assert phrase in _text(page)


def test_methodology_explains_sources_based_on_another(page):
    text = _text(page)
    assert "based on" in text or "via" in text
    assert "via ZDNet" in text


def test_methodology_has_no_inline_style_or_script(page):
    assert "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", page, re.IGNORECASE)


def test_every_seeded_norm_is_listed_with_its_direction(page):
    norms = list(Norm.objects.all())
    assert {n.slug for n in norms} >= set(NORM_APPLICATIONS)  # seeded by a data migration
    text = _text(page)
    for norm in norms:
        assert norm.name in text
    rows = {row for row in re.findall(r"<tr>.*?</tr>", page, re.DOTALL) if 'rel="noopener"' in row}
    assert len(rows) == len(norms)
    for row in rows:
        row_text = _text(row)
        if "Project Zero" in row_text or "CERT/CC" in row_text or "Zero Day Initiative" in row_text:
            assert "Notice to publication" in row_text and "at least" in row_text
            assert "Notice to remediation" in row_text and "at most" in row_text
        elif "GDPR" in row_text:
            assert "Awareness to regulator notification: at most" in row_text
            assert "at least" not in row_text
        elif "SEC" in row_text:
            assert "None: shown for reference only" in row_text and "materiality" in row_text


def test_notice_given_is_never_said_to_be_within_a_window(page):
    text = _text(page)
    assert "within Project Zero" not in text and "notice within" not in text
