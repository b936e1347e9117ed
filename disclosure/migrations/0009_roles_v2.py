"""The role table of docs/roles.md, as group permissions.

Contributors may now delete the parts of a story (the services refuse when the
part is public); deleting incidents, and anything the public can see, is an
admin's (`delete_public_record`); the reference data (data classes, norms) is
edited by admins only and read by every role.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RECORDS = [
    ("disclosure", "organization"),
    ("disclosure", "source"),
    ("disclosure", "incident"),
    ("disclosure", "participant"),
    ("disclosure", "exposeddata"),
    ("disclosure", "event"),
    ("disclosure", "eventcitation"),
    ("disclosure", "correction"),
    ("disclosure", "correctioncitation"),
    ("claims", "claim"),
    ("claims", "claimcitation"),
    ("claims", "response"),
    ("claims", "responsecitation"),
]
PARTS = [r for r in RECORDS if r[1] not in ("organization", "source", "incident", "correction", "correctioncitation")]
REFERENCE = [("disclosure", "dataclass"), ("disclosure", "norm")]


def _codes(records, actions):
    return [(app, f"{action}_{model}") for app, model in records for action in actions]


CORRECTIONS = [("disclosure", "correction"), ("disclosure", "correctioncitation")]
# Corrections are the editors' public record of a mistake; contributors only read them.
CONTRIBUTOR = (
    _codes(RECORDS + REFERENCE, ["view"])
    + _codes([r for r in RECORDS if r not in CORRECTIONS], ["add", "change"])
    + _codes(PARTS, ["delete"])
)
EDITOR = (
    _codes(RECORDS, ["view", "add", "change"])
    + _codes([r for r in RECORDS if r[1] != "incident"], ["delete"])
    + _codes(REFERENCE, ["view"])
    + [("disclosure", "publish_incident")]
)
ADMIN = (
    _codes(RECORDS + REFERENCE, ["view", "add", "change", "delete"])
    + [("disclosure", "publish_incident"), ("disclosure", "retract_incident"), ("disclosure", "delete_public_record")]
)
ROLES = {"contributor": CONTRIBUTOR, "editor": EDITOR, "admin": ADMIN}


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in codenames]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0008_tracked_and_history"),
        ("claims", "0002_tracked_and_history"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
