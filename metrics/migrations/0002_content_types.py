"""The moved models' content types follow them, so the roles' permissions on norms still apply."""

from django.db import migrations

MOVED = ["norm", "historicalnorm", "incidentmetric", "incidentmetricset", "metricaggregate", "responseaggregate", "recomputerun"]


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MOVED:
        old = ContentType.objects.filter(app_label="disclosure", model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label="metrics", model=model).first()
        if new is None:
            old.app_label = "metrics"
            old.save(update_fields=["app_label"])
            continue
        # Both exist (the new one made by an earlier run): the groups keep their permissions on the new one.
        for perm in Permission.objects.filter(content_type=old):
            twin = Permission.objects.filter(content_type=new, codename=perm.codename).first()
            if twin is not None:
                for group in perm.group_set.all():
                    group.permissions.add(twin)
        old.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
