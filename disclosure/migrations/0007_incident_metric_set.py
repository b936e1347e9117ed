# One digest row per incident and view (IncidentMetricSet), so that a recompute knows which
# stored figures are current without reading them; and an IncidentMetric table made for the
# hourly run, which moves every open figure on: no index on the figures, none duplicated,
# a partial index to find the open figures, and on PostgreSQL room left in each page
# (fillfactor) so those updates stay HOT.

import django.db.models.deletion
from django.db import migrations, models


def leave_room_for_updates(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE disclosure_incidentmetric SET (fillfactor = 80)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE disclosure_incidentmetric RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('disclosure', '0006_recompute_run_state'),
    ]

    operations = [
        migrations.CreateModel(
            name='IncidentMetricSet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('view', models.CharField(choices=[('public', 'public (published events only)'), ('staff', 'staff (all events)')], max_length=8)),
                ('digest', models.BigIntegerField(help_text='A 64-bit digest of the figures; see metrics.digest().')),
                ('rows', models.PositiveSmallIntegerField(help_text='How many IncidentMetric rows hold these figures.')),
                ('year', models.PositiveIntegerField(blank=True, help_text='UTC year of the first published event, else of the first exposure_started.', null=True)),
                ('computed_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['incident', 'view'],
            },
        ),
        migrations.RemoveIndex(
            model_name='incidentmetric',
            name='disclosure__view_321a21_idx',
        ),
        migrations.AlterField(
            model_name='incidentmetric',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='metrics', to='disclosure.incident'),
        ),
        migrations.AddIndex(
            model_name='incidentmetric',
            index=models.Index(condition=models.Q(('open', True)), fields=['incident'], name='incident_metric_open'),
        ),
        migrations.AddField(
            model_name='incidentmetricset',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='metric_sets', to='disclosure.incident'),
        ),
        migrations.AddConstraint(
            model_name='incidentmetricset',
            constraint=models.UniqueConstraint(fields=('incident', 'view'), name='incident_metric_set_unique'),
        ),
        migrations.RunPython(leave_room_for_updates, fill_pages, elidable=False),
    ]
