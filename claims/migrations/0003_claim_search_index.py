"""A GIN index for the API's full-text search over claim text and claimant (PostgreSQL only).

The indexed expression must stay identical to claims.selectors.CLAIM_SEARCH_VECTOR, or the planner
will not use the index; tests/api/test_search_index.py checks the query plan.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX_NAME = "claim_search_idx"


def _index() -> GinIndex:
    return GinIndex(SearchVector("text", "claimant", config="simple"), name=INDEX_NAME)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("claims", "Claim"), _index())


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("claims", "Claim"), _index())


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_roles")]

    operations = [migrations.RunPython(add_search_index, remove_search_index)]
