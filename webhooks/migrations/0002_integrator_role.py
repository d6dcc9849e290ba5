"""The `integrator` role: partners' developers who manage their own webhook endpoints and read
tickets through the API (claims.view_ticket makes claims.selectors.may_view_tickets true). Only
what the role needs: no opening, researching or reviewing."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE = "integrator"
PERMISSIONS = [
    "webhooks.manage_webhookendpoint",
    "claims.view_ticket",
    "claims.view_claim",
    "claims.view_ticketevent",
    "claims.view_tag",
    "evidence.view_evidence",
    "evidence.view_fetchjob",
]


def create_role(apps, schema_editor):
    # Permissions are normally created after migrate; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROLE)
    perms = []
    for dotted in PERMISSIONS:
        app_label, codename = dotted.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.set(perms)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ROLE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("claims", "0002_roles"),
        ("evidence", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role, remove_role)]
