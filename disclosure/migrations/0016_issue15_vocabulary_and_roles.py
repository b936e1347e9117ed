"""Issue 15: the data-class vocabulary grows to cover Have I Been Pwned and VERIS (from
disclosure/vocabulary/data_classes.json), and the newsroom roles get the reported durations.

Only classes that are not there yet are added: an existing class (and any edit an
admin made to it) is left exactly as it is.
"""

import json
from pathlib import Path

from django.contrib.auth.management import create_permissions
from django.db import migrations

VOCABULARY = Path(__file__).resolve().parent.parent / "vocabulary" / "data_classes.json"
# Parts of a story, like exposed data: every role adds, changes and deletes them (the services
# refuse a contributor's change to what the public can see).
PARTS = ["reportedduration", "reporteddurationcitation"]
ROLE_ACTIONS = {"contributor": ["view", "add", "change", "delete"], "editor": ["view", "add", "change", "delete"]}
ROLE_ACTIONS["admin"] = ROLE_ACTIONS["editor"]


def forwards(apps, schema_editor):
    DataClass = apps.get_model("disclosure", "DataClass")
    existing = set(DataClass.objects.values_list("slug", flat=True))
    entries = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    DataClass.objects.bulk_create(
        [
            DataClass(slug=e["slug"], name=e["name"], description=e["description"])
            for e in entries
            if e["slug"] not in existing
        ]
    )
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, actions in ROLE_ACTIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="disclosure",
                codename__in=[f"{action}_{model}" for model in PARTS for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0015_issue15_origin_durations_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
