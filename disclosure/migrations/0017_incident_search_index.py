"""PostgreSQL only: a GIN index over the incidents' title and summary, for the site's and the API's search.

The expression is the one `web.filters.incident_text_search` queries, built by the same
SearchVector, so the planner uses the index. SQLite has no such index; its search stays a
bounded LIKE (see web/filters.py).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX_NAME = "incident_text_search"


def _index():
    return GinIndex(SearchVector("title", "summary", config="simple"), name=INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("disclosure", "Incident"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("disclosure", "Incident"), _index())


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0016_issue15_vocabulary_and_roles")]

    operations = [migrations.RunPython(add_index, remove_index)]
