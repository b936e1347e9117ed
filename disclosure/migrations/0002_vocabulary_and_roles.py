"""The data-class vocabulary (bundle-v1.md) and the newsroom roles.

Roles are groups: a contributor records and edits, an editor also publishes,
an admin also retracts and deletes.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DATA_CLASSES = [
    ("email-addresses", "Email addresses"),
    ("names", "Names"),
    ("usernames", "Usernames"),
    ("passwords", "Passwords"),
    ("phone-numbers", "Phone numbers"),
    ("physical-addresses", "Physical addresses"),
    ("ip-addresses", "IP addresses"),
    ("geolocation", "Geolocation"),
    ("wifi-network-names", "Wi-Fi network names"),
    ("device-identifiers", "Device identifiers"),
    ("device-names", "Device names"),
    ("firmware-versions", "Firmware versions"),
    ("auth-tokens", "Authentication tokens"),
    ("health-data", "Health data"),
    ("payment-data", "Payment data"),
    ("video-recordings", "Video recordings"),
    ("device-models", "Device models"),
    ("dates-of-birth", "Dates of birth"),
    ("genders", "Genders"),
]

RECORD_MODELS = [
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


def _codenames(actions):
    return [(app, f"{action}_{model}") for app, model in RECORD_MODELS for action in actions]


ROLES = {
    "contributor": _codenames(["view", "add", "change"]),
    "editor": _codenames(["view", "add", "change", "delete"]) + [("disclosure", "publish_incident")],
    "admin": _codenames(["view", "add", "change", "delete"])
    + [("disclosure", "publish_incident"), ("disclosure", "retract_incident"), ("disclosure", "view_dataclass")],
}


def forwards(apps, schema_editor):
    DataClass = apps.get_model("disclosure", "DataClass")
    for slug, name in DATA_CLASSES:
        DataClass.objects.update_or_create(slug=slug, defaults={"name": name})

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in codenames]
        group.permissions.set(perms)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0001_initial"),
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
