"""Security events are append-only in the database too (as claims' TicketEvent, 0002_roles)."""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION accounts_securityevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'accounts_securityevent is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_securityevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_securityevent
    FOR EACH ROW EXECUTE FUNCTION accounts_securityevent_append_only();
"""
DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS accounts_securityevent_append_only ON accounts_securityevent;
DROP FUNCTION IF EXISTS accounts_securityevent_append_only();
"""


def add_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(add_append_only_trigger, drop_append_only_trigger)]
