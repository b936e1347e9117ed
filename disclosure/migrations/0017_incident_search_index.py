"""PostgreSQL only: a stored full-text document of each incident's title and summary, with a GIN index.

A generated column (PostgreSQL computes it on every write; the models do not know it) rather
than an index on the expression: a search for a common word then reads the stored lexemes
instead of running to_tsvector over every incident (490 ms at 10,000 incidents, issue 13).
`web.filters.incident_text_search` queries it. SQLite has neither; its search stays a bounded
LIKE (see web/filters.py).
"""

from django.db import migrations

ADD = """
ALTER TABLE disclosure_incident ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(summary, ''))
) STORED;
CREATE INDEX incident_text_search ON disclosure_incident USING gin (search_document);
"""
DROP = """
DROP INDEX IF EXISTS incident_text_search;
ALTER TABLE disclosure_incident DROP COLUMN IF EXISTS search_document;
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0016_issue15_vocabulary_and_roles")]

    operations = [migrations.RunPython(add, drop)]
