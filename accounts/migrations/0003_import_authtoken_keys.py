"""Existing clients keep their keys: every row of DRF's `authtoken_token` becomes an ApiToken
holding the key's SHA-256, and the raw rows are deleted.

`rest_framework.authtoken` is no longer installed, so this migration cannot depend on its
migrations: it looks for the table instead. A fresh install has none and this does nothing. The
imported tokens expire FACTCHECK_TOKEN_TTL_DAYS after the migration runs (never with 0), which
gives every client that long to move to a new, named token. The empty `authtoken_token` table
is left (dropping it is safe: `DROP TABLE authtoken_token;`).

Backwards: the tokens stay in ApiToken (their keys cannot be recovered from digests, so they
cannot go back into `authtoken_token`); reversing 0001 then drops them.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

TABLE = "authtoken_token"


def import_authtoken_keys(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    SecurityEvent = apps.get_model("accounts", "SecurityEvent")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "key", "user_id", "created" FROM {table}')  # noqa: S608 - a constant
        rows = cursor.fetchall()
    now = timezone.now()
    ttl = getattr(settings, "FACTCHECK_TOKEN_TTL_DAYS", 90)
    expires_at = now + dt.timedelta(days=ttl) if ttl > 0 else None
    usernames = dict(User.objects.values_list("pk", "username"))
    for key, user_id, created in rows:
        if isinstance(created, str):
            created = parse_datetime(created)
        if created is not None and timezone.is_naive(created):
            created = timezone.make_aware(created, dt.UTC)
        token, made = ApiToken.objects.get_or_create(
            digest=hashlib.sha256(key.encode()).hexdigest(),
            defaults={
                "name": "migrated from DRF authtoken",
                "user_id": user_id,
                "prefix": key[:8],
                "created_at": created or now,
                "expires_at": expires_at,
            },
        )
        if made:
            SecurityEvent.objects.create(
                kind="token_created",
                user_id=user_id,
                username=usernames.get(user_id, ""),
                detail={"token": token.pk, "prefix": token.prefix, "migrated_from": TABLE},
            )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a constant


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_security_event_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(import_authtoken_keys, migrations.RunPython.noop)]
