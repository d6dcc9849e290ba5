"""Roles as groups, with their permissions (SPEC §3)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "reporter": [
        "claims.add_ticket",
        "claims.view_ticket",
        "claims.view_claim",
        "claims.add_claim",
        "claims.view_ticketevent",
        "claims.view_tag",
        "evidence.view_evidence",
        "evidence.view_fetchjob",
    ],
    "fact-checker": [
        "claims.add_ticket",
        "claims.view_ticket",
        "claims.change_ticket",
        "claims.research_ticket",
        "claims.view_claim",
        "claims.add_claim",
        "claims.view_ticketevent",
        "claims.view_tag",
        "evidence.view_evidence",
        "evidence.add_evidence",
        "evidence.change_evidence",
        "evidence.view_fetchjob",
    ],
    "reviewer": [
        "claims.add_ticket",
        "claims.view_ticket",
        "claims.change_ticket",
        "claims.research_ticket",
        "claims.review_ticket",
        "claims.view_claim",
        "claims.add_claim",
        "claims.view_ticketevent",
        "claims.view_tag",
        "evidence.view_evidence",
        "evidence.add_evidence",
        "evidence.change_evidence",
        "evidence.view_fetchjob",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION claims_ticketevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'claims_ticketevent is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER claims_ticketevent_append_only
    BEFORE UPDATE OR DELETE ON claims_ticketevent
    FOR EACH ROW EXECUTE FUNCTION claims_ticketevent_append_only();
"""
DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS claims_ticketevent_append_only ON claims_ticketevent;
DROP FUNCTION IF EXISTS claims_ticketevent_append_only();
"""


def add_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("evidence", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(add_append_only_trigger, drop_append_only_trigger),
    ]
