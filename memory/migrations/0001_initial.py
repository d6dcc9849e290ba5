"""The claim memory's tables. ClaimVector (pgvector, HNSW) is created only where the database has
the `vector` extension or may create it; elsewhere it exists in the migration state alone, and the
exact search (memory.vectorstore) serves. Both directions are reversible."""

import django.db.models.deletion
import django.utils.timezone
import pgvector.django.indexes
import pgvector.django.vector
from django.conf import settings
from django.db import migrations, models


def create_vector_table(apps, schema_editor):
    from memory.vectorstore import vector_table_create

    vector_table_create(schema_editor, apps.get_model("memory", "ClaimVector"))


def drop_vector_table(apps, schema_editor):
    from memory.vectorstore import vector_table_drop

    vector_table_drop(schema_editor, apps.get_model("memory", "ClaimVector"))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("claims", "0014_link_event_actions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClaimEmbedding",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="embedding",
                        serialize=False,
                        to="claims.ticket",
                    ),
                ),
                (
                    "model",
                    models.CharField(help_text="The model that made the vector.", max_length=64),
                ),
                (
                    "model_version",
                    models.CharField(help_text="Its package and version.", max_length=64),
                ),
                ("dimensions", models.PositiveSmallIntegerField()),
                ("vector", models.BinaryField(help_text="Little-endian float32, unit length.")),
                (
                    "text_sha256",
                    models.CharField(
                        help_text="SHA-256 of the text embedded: a changed claim is embedded again.",
                        max_length=64,
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ClaimVector",
                    fields=[
                        (
                            "ticket",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="claims.ticket",
                            ),
                        ),
                        ("embedding", pgvector.django.vector.VectorField(dimensions=384)),
                    ],
                    options={
                        "indexes": [
                            pgvector.django.indexes.HnswIndex(
                                ef_construction=64,
                                fields=["embedding"],
                                m=16,
                                name="claimvector_hnsw_cosine",
                                opclasses=["vector_cosine_ops"],
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(create_vector_table, drop_vector_table),
        migrations.CreateModel(
            name="TicketLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "relation",
                    models.CharField(
                        choices=[("duplicate_of", "Duplicate of"), ("related", "Related")],
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "other",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="linked_from",
                        to="claims.ticket",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links",
                        to="claims.ticket",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("ticket", "other"), name="ticketlink_unique_pair"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("ticket", models.F("other")), _negated=True),
                        name="ticketlink_not_itself",
                    ),
                ],
            },
        ),
    ]
