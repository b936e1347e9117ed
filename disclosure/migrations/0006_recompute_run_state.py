# A run's progress is its "state", not a publication "status" (only services change a status).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0005_recompute_run"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="recomputerun", name="disclosure__status_d85757_idx"),
        migrations.RenameField(model_name="recomputerun", old_name="status", new_name="state"),
        migrations.AddIndex(
            model_name="recomputerun",
            index=models.Index(fields=["state", "started_at"], name="recompute_run_state_started"),
        ),
    ]
