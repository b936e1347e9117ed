"""Revision 2 measures what GDPR Art. 33 bounds (awareness_to_regulator_notification, §4): the seeded
note that said no metric measures it is brought up to date. A note an editor has changed is left alone."""

from django.db import migrations

OLD = "Runs from the controller becoming aware to notifying the regulator, which no metric measures yet."
NEW = (
    "Runs from the controller becoming aware to notifying the regulator: compared, at most, with "
    "awareness_to_regulator_notification. Whether GDPR applies to an incident is not recorded: read the "
    "outcome as 'by this yardstick'."
)


def forwards(apps, schema_editor):
    Norm = apps.get_model("metrics", "Norm")
    Norm.objects.filter(slug="gdpr-art-33", notes=OLD).update(notes=NEW, metric="awareness_to_regulator_notification")


def backwards(apps, schema_editor):
    Norm = apps.get_model("metrics", "Norm")
    Norm.objects.filter(slug="gdpr-art-33", notes=NEW).update(notes=OLD, metric="")


class Migration(migrations.Migration):
    dependencies = [("metrics", "0004_reporter_notice")]

    operations = [migrations.RunPython(forwards, backwards)]
