"""Issue 13: search through PostgreSQL full-text search on an index, a bounded LIKE on SQLite.

Both find a word by its beginning, in the title or the summary, in any language, and each word
of a search must match somewhere. On PostgreSQL the plan uses the GIN index of migration
disclosure 0017 on its stored `search_document` column.
"""

import pytest
from django.db import connection

from tests.factories import IncidentFactory
from web import selectors
from web.filters import IncidentFilter

pytestmark = pytest.mark.django_db


def _found(q):
    filterset = IncidentFilter({"q": q}, queryset=selectors.public_incidents())
    return sorted(i.title for i in filterset.qs)


def test_words_are_found_by_their_beginning_in_title_or_summary(db):
    IncidentFactory(title="Open Elasticsearch cluster", summary="Il database era accessibile senza password.")
    IncidentFactory(title="Cloud bucket left public", summary="An S3 bucket held invoices.")
    assert _found("elastic") == ["Open Elasticsearch cluster"]
    assert _found("accessib") == ["Open Elasticsearch cluster"]  # Italian, no stemming needed
    assert _found("buck invoices") == ["Cloud bucket left public"]
    assert _found("bucket elastic") == []  # every word must match
    assert _found("S3") == ["Cloud bucket left public"]


@pytest.mark.parametrize("q", ["&", "a:*|b", "'); drop table x; --", "!!!", "c++ & |", "\\", "ünïcødé"])
def test_any_input_is_a_plain_search_never_an_error(client, db, q):
    IncidentFactory(title="Cloud bucket left public")
    assert client.get("/incidents/", {"q": q}).status_code == 200
    assert client.get("/api/v1/incidents/", {"q": q}).status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index exists on PostgreSQL only")
def test_postgresql_search_uses_the_text_index(db):
    IncidentFactory.create_batch(3)
    filterset = IncidentFilter({"q": "bucket"}, queryset=selectors.public_incidents())
    sql, params = filterset.qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "incident_text_search" in plan, plan
