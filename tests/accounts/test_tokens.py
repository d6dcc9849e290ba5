"""API tokens: stored as digests (a dump of every table holds no key), shown once, with expiry,
revocation (admin, command), last use, and the migration of DRF's authtoken rows."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, SecurityEvent, SecurityEventKind
from factcheck.http import authentication
from factcheck.http.authentication import token_digest

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"
KEY_LINE = re.compile(r"^API token: ([0-9a-f]{40})$", re.MULTILINE)


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def every_value_in_the_database() -> str:
    """Every row of every table, all columns, as text (what a leaked dump would show)."""
    quote = connection.ops.quote_name
    rows: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT t::text FROM {quote(table)} AS t")  # noqa: S608 - table names
            rows += [row[0] for row in cursor.fetchall()]
    return "\n".join(rows)


def test_no_table_holds_a_raw_token_after_tokens_are_made_every_way(reporter, superuser):
    keys = [services.api_token_create(user=reporter, name="service")[1]]

    out = StringIO()
    call_command("create_role_user", "cms-bot", "--role", "reporter", stdout=out)
    keys.append(KEY_LINE.search(out.getvalue()).group(1))
    out = StringIO()
    call_command("api_token", "create", reporter.username, "--name", "cli", stdout=out)
    keys.append(KEY_LINE.search(out.getvalue()).group(1))

    admin = Client()
    admin.force_login(superuser)
    added = admin.post(
        "/admin/accounts/apitoken/add/", {"user": reporter.pk, "name": "admin", "days": ""}
    )
    assert added.status_code == 200
    keys.append(re.search(r'id="token-key">([0-9a-f]{40})<', added.content.decode()).group(1))
    assert admin.get("/admin/accounts/apitoken/").status_code == 200

    for key in keys:  # every key works, and was used (last_used_at, the auth cache)
        assert api(key).get(TICKETS).status_code == 200
    assert len(set(keys)) == 4

    dump = every_value_in_the_database()
    assert dump  # the dump did read rows
    for key in keys:
        assert key not in dump
        assert token_digest(key) in dump  # what is kept instead
    assert not set(authentication._entries) & set(keys)  # the process memory keys on digests


def test_the_key_is_shown_once_in_the_admin(superuser, reporter):
    admin = Client()
    admin.force_login(superuser)
    added = admin.post("/admin/accounts/apitoken/add/", {"user": reporter.pk, "name": "cms"})
    key = re.search(r'id="token-key">([0-9a-f]{40})<', added.content.decode()).group(1)
    token = ApiToken.objects.get()
    for page in ("/admin/accounts/apitoken/", f"/admin/accounts/apitoken/{token.pk}/change/"):
        shown = admin.get(page)
        assert shown.status_code == 200
        assert key not in shown.content.decode()
        assert token.prefix in shown.content.decode()


def test_an_expired_token_is_refused(reporter):
    token, key = services.api_token_create(user=reporter, name="old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = api(key).get(TICKETS)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Token expired."


def test_a_remembered_token_is_refused_once_it_expires(reporter, monkeypatch):
    _, key = services.api_token_create(user=reporter, name="short", days=1)
    client = api(key)
    assert client.get(TICKETS).status_code == 200  # now remembered by this process
    later = timezone.now() + dt.timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(TICKETS).status_code == 401


def test_a_revoked_token_is_refused_at_the_next_request(reporter):
    token, key = services.api_token_create(user=reporter, name="cms")
    client = api(key)
    assert client.get(TICKETS).status_code == 200
    services.api_token_revoke(token=token)
    refused = client.get(TICKETS)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Token revoked."


def test_revoking_from_the_admin(superuser, reporter):
    token, key = services.api_token_create(user=reporter, name="cms")
    assert api(key).get(TICKETS).status_code == 200
    admin = Client()
    admin.force_login(superuser)
    answer = admin.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert answer.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert api(key).get(TICKETS).status_code == 401
    event = SecurityEvent.objects.get(kind=SecurityEventKind.TOKEN_REVOKED)
    assert event.user == reporter and event.actor == superuser


def test_the_api_token_command_creates_lists_and_revokes(reporter):
    out = StringIO()
    call_command(
        "api_token", "create", reporter.username, "--name", "feed", "--days", "0", stdout=out
    )
    key = KEY_LINE.search(out.getvalue()).group(1)
    token = ApiToken.objects.get(digest=token_digest(key))
    assert token.expires_at is None and token.name == "feed"

    listed = StringIO()
    call_command("api_token", "list", stdout=listed)
    assert token.prefix in listed.getvalue() and key not in listed.getvalue()

    call_command("api_token", "revoke", token.prefix, stdout=StringIO())
    assert api(key).get(TICKETS).status_code == 401
    listed = StringIO()
    call_command("api_token", "list", reporter.username, stdout=listed)
    assert "revoked" in listed.getvalue()


def test_a_new_token_expires_after_the_configured_days(reporter, settings):
    settings.FACTCHECK_TOKEN_TTL_DAYS = 30
    token, _ = services.api_token_create(user=reporter, name="cms")
    assert token.expires_at - token.created_at == dt.timedelta(days=30)
    settings.FACTCHECK_TOKEN_TTL_DAYS = 0
    assert services.api_token_create(user=reporter, name="cms")[0].expires_at is None


def test_last_use_is_written_at_most_once_a_minute(reporter):
    token, key = services.api_token_create(user=reporter, name="cms")
    client = api(key)
    assert client.get(TICKETS).status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as captured:
        assert client.get(TICKETS).status_code == 200
    assert not any("accounts_apitoken" in q["sql"] for q in captured.captured_queries)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first


def test_token_creation_is_a_security_event(reporter, superuser):
    token, _ = services.api_token_create(user=reporter, name="cms", actor=superuser)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.TOKEN_CREATED)
    assert event.user == reporter and event.actor == superuser
    assert event.detail == {"token": token.pk, "prefix": token.prefix, "name": "cms"}


def test_a_token_without_a_name_is_refused(reporter):
    with pytest.raises(Exception, match="needs a name"):
        services.api_token_create(user=reporter, name="  ")
    assert not ApiToken.objects.exists()


# --- existing clients: DRF's authtoken rows become digests -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_existing_authtoken_keys_and_deletes_them(django_db_blocker):
    from django.db.migrations.executor import MigrationExecutor

    # A superuser: an earlier flushing test may have removed the roles' groups.
    user = User.objects.create_superuser("legacy-client", "", "correct-horse-battery")
    legacy_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [legacy_key, user.pk])
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("accounts", "0002_security_event_append_only")])  # backwards
        executor = MigrationExecutor(connection)
        executor.migrate([("accounts", "0003_import_authtoken_keys")])  # forwards again
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
        token = ApiToken.objects.get(digest=token_digest(legacy_key))
        assert token.user == user and token.prefix == legacy_key[:8]
        assert api(legacy_key).get(TICKETS).status_code == 200  # the client's key still works
        assert legacy_key not in every_value_in_the_database()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS authtoken_token")
        User.objects.filter(username="legacy-client").delete()
        ApiToken.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_the_accounts_migrations_go_back_to_zero_and_forward_again():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", None)])
    assert "accounts_apitoken" not in connection.introspection.table_names()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("accounts"))
    assert "accounts_apitoken" in connection.introspection.table_names()
