"""Incident.listed_at, the listings' sort key (kept by the metrics recompute), and its two indexes.

The indexes hold the listings' orders exactly (web.filters.NEWEST_FIRST and "most people
affected"), so that a page is read off the index and the query stops at the page, whatever
the number of incidents (issue 13). Written per database: PostgreSQL puts NULLs first in a
descending index unless told NULLS LAST; SQLite cannot be told, and puts them last anyway
(a NULL is its smallest value). The models do not declare them for that reason.
"""

from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "postgresql": [
        "CREATE INDEX incident_listing ON disclosure_incident (listed_at DESC NULLS LAST, created_at DESC, id)",
        "CREATE INDEX incident_largest ON disclosure_incident "
        "(affected_count DESC NULLS LAST, listed_at DESC NULLS LAST, id)",
    ],
    "sqlite": [
        "CREATE INDEX incident_listing ON disclosure_incident (listed_at DESC, created_at DESC, id)",
        "CREATE INDEX incident_largest ON disclosure_incident (affected_count DESC, listed_at DESC, id)",
    ],
}


def add(apps, schema_editor):
    for statement in INDEXES.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor in INDEXES:
        schema_editor.execute("DROP INDEX IF EXISTS incident_listing")
        schema_editor.execute("DROP INDEX IF EXISTS incident_largest")


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0018_incident_newest_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="listed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(add, drop),
    ]
