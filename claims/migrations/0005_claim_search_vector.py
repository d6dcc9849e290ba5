"""Full-text search from a stored tsvector column (PostgreSQL only).

0003 indexed the expression to_tsvector(...) itself. A search that the planner answers by walking
the newest tickets and checking each claim then recomputes that expression for every claim it
passes (a few microseconds each, seconds for a rare word over a million claims). A generated,
stored column computes it once per write; the GIN index moves to the column, and the column
gets a larger statistics target so that the planner knows how rare a rare word is (with the
default it guesses ~0.1% for every word it has not sampled, and walks a million tickets for a word
that ten claims contain). The ORM does not know the column: the database fills it, and
claims.selectors.ticket_search reads it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

OLD_INDEX = "claim_search_idx"
FORWARD = [
    "ALTER TABLE claims_claim ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, COALESCE(text, '') || ' ' || COALESCE(claimant, ''))"
    ") STORED",
    "CREATE INDEX claim_search_vector_idx ON claims_claim USING gin (search_vector)",
    "ALTER TABLE claims_claim ALTER COLUMN search_vector SET STATISTICS 1000",
    f"DROP INDEX IF EXISTS {OLD_INDEX}",
]


def _old_index() -> GinIndex:
    return GinIndex(SearchVector("text", "claimant", config="simple"), name=OLD_INDEX)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("claims", "Claim"), _old_index())
        schema_editor.execute("ALTER TABLE claims_claim DROP COLUMN search_vector")


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_claim_field_validators")]

    operations = [migrations.RunPython(forward, backward)]
