"""Fill Incident.listed_at (disclosure 0019) from the stored public metric sets.

The recompute keeps it from now on, with the set; this copies what the sets already say, so
that an existing database lists its incidents in the same order before any recompute runs.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Incident = apps.get_model("disclosure", "Incident")
    IncidentMetricSet = apps.get_model("metrics", "IncidentMetricSet")
    public_set = IncidentMetricSet.objects.filter(incident=OuterRef("pk"), view="public")
    Incident.objects.update(listed_at=Subquery(public_set.values("started_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0009_missed_recompute"),
        ("disclosure", "0019_incident_listed_at"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
