"""A trigram index for the list's `claimant` filter (a case-insensitive substring match, which Django
writes as UPPER(claimant) LIKE UPPER('%…%')); PostgreSQL only. Without it a claimant that few claims
name is found by reading every claim (a quarter of a second at a million claims)."""

from django.db import migrations

FORWARD = [
    # pg_trgm is a trusted extension: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX claim_claimant_trgm_idx ON claims_claim "
    "USING gin (UPPER(claimant::text) gin_trgm_ops)",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    # The extension stays: something else may use it by now.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS claim_claimant_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("claims", "0007_ticket_list_orderings")]

    operations = [migrations.RunPython(forward, backward)]
