"""Full-text search from the ticket's own row (PostgreSQL only).

The ticket list is ordered by the ticket's opening time, and `q` searches its claim. With the
search vector on the claim (0005), every plan joins the two tables per candidate row: walking the
newest tickets costs a claim lookup per ticket, and taking the index costs a ticket lookup per
matching claim. At a million claims, words of middling frequency took 30-45 ms either way. Kept on
the ticket, a search is a single-table filter: the newest tickets are checked in place, or the GIN
index gives the matching tickets directly, and only the 26 of the page are joined to their claims.

The column is kept by triggers, whoever writes (services, factories, COPY): a ticket gets its
claim's vector when it is inserted (or moved to another claim), and a claim's edited text or
claimant is passed on to its ticket. The ORM does not know the column; claims.selectors reads it.
"""

from django.db import migrations

VECTOR = (
    "to_tsvector('simple'::regconfig, COALESCE({t}.text, '') || ' ' || COALESCE({t}.claimant, ''))"
)

FORWARD = [
    "ALTER TABLE claims_ticket ADD COLUMN search_vector tsvector",
    f"""
CREATE OR REPLACE FUNCTION claims_ticket_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := (SELECT {VECTOR.format(t="c")} FROM claims_claim c WHERE c.id = NEW.claim_id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",  # noqa: S608 - constant SQL
    """
CREATE TRIGGER claims_ticket_search_vector
    BEFORE INSERT OR UPDATE OF claim_id ON claims_ticket
    FOR EACH ROW EXECUTE FUNCTION claims_ticket_search_vector()
""",
    f"""
CREATE OR REPLACE FUNCTION claims_claim_search_vector() RETURNS trigger AS $$
BEGIN
    UPDATE claims_ticket SET search_vector = {VECTOR.format(t="NEW")} WHERE claim_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",  # noqa: S608 - constant SQL
    """
CREATE TRIGGER claims_claim_search_vector
    AFTER UPDATE OF text, claimant ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_search_vector()
""",
    f"UPDATE claims_ticket t SET search_vector = {VECTOR.format(t='c')} "  # noqa: S608
    "FROM claims_claim c WHERE c.id = t.claim_id",
    "CREATE INDEX ticket_search_vector_idx ON claims_ticket USING gin (search_vector)",
    # Enough statistics that the planner knows a rare word is rare (see 0005).
    "ALTER TABLE claims_ticket ALTER COLUMN search_vector SET STATISTICS 1000",
    "ALTER TABLE claims_claim DROP COLUMN search_vector",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS claims_claim_search_vector ON claims_claim",
    "DROP FUNCTION IF EXISTS claims_claim_search_vector()",
    "DROP TRIGGER IF EXISTS claims_ticket_search_vector ON claims_ticket",
    "DROP FUNCTION IF EXISTS claims_ticket_search_vector()",
    "ALTER TABLE claims_ticket DROP COLUMN search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)
        # 0005's claim column, as it was.
        from importlib import import_module

        for statement in import_module("claims.migrations.0005_claim_search_vector").FORWARD[:3]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_claim_search_vector")]

    operations = [migrations.RunPython(forward, backward)]
