"""Search input is bounded and cheap whatever it holds (issue 14, abuse)."""

import pytest

from disclosure.querysets import SEARCH_MAX_WORD_LENGTH, SEARCH_MAX_WORDS, search_terms

pytestmark = pytest.mark.django_db


def test_search_terms_are_bounded_distinct_words():
    assert search_terms("Alexa alexa  tokens") == ["Alexa", "tokens"]
    assert len(search_terms(" ".join(f"w{n}" for n in range(1000)))) == SEARCH_MAX_WORDS
    assert search_terms("x" * 10_000) == ["x" * SEARCH_MAX_WORD_LENGTH]
    assert search_terms("") == []


@pytest.mark.parametrize("url", ["/incidents/", "/claims/", "/api/v1/incidents/", "/api/v1/claims/"])
def test_a_thousand_words_answer_quickly_with_a_bounded_query(client, wyze, url, django_assert_max_num_queries):
    words = " ".join(f"word{n}" for n in range(1000))
    with django_assert_max_num_queries(12):
        response = client.get(url, {"q": words})
    assert response.status_code == 200


def test_words_still_narrow_the_search(client, wyze):
    assert "Wyze leaves a copy" in client.get("/incidents/", {"q": "Alexa wyze"}).content.decode()
    assert "Wyze leaves a copy" not in client.get("/incidents/", {"q": "Alexa nonexistentword"}).content.decode()
    claims = client.get("/claims/", {"q": "Alibaba China"}).content.decode()
    assert "Alibaba" in claims
