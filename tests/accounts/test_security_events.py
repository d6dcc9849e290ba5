"""Security events: append-only (model and database), viewable by superusers only, never edited,
and kept when their user is deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import AppendOnlyError, SecurityEvent, SecurityEventKind
from accounts.services import api_token_create, security_event_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(reporter) -> SecurityEvent:
    return security_event_record(kind=SecurityEventKind.LOGIN, user=reporter)


def test_the_model_refuses_changes_and_deletes(event):
    event.kind = SecurityEventKind.LOGIN_FAILED
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_database_refuses_updates_and_deletes(event):
    for sql in (
        "UPDATE accounts_securityevent SET kind = 'login_failed'",
        "DELETE FROM accounts_securityevent",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert SecurityEvent.objects.get(pk=event.pk).kind == SecurityEventKind.LOGIN


def test_deleting_a_user_keeps_their_events(reporter):
    api_token_create(user=reporter, name="cms")
    user_id = reporter.pk
    reporter.delete()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.TOKEN_CREATED)
    assert event.user_id == user_id and event.username == "rita-reporter"


def test_superusers_read_events_and_nobody_changes_them(event, superuser):
    admin = Client()
    admin.force_login(superuser)
    listed = admin.get("/admin/accounts/securityevent/")
    assert listed.status_code == 200 and b"rita-reporter" in listed.content
    assert b"delete_selected" not in listed.content
    assert admin.get(f"/admin/accounts/securityevent/{event.pk}/change/").status_code == 200
    assert admin.get("/admin/accounts/securityevent/add/").status_code == 403
    assert admin.get(f"/admin/accounts/securityevent/{event.pk}/delete/").status_code == 403
    changed = admin.post(
        f"/admin/accounts/securityevent/{event.pk}/change/", {"kind": "login_failed"}
    )
    assert changed.status_code == 403
    assert SecurityEvent.objects.get(pk=event.pk).kind == SecurityEventKind.LOGIN


def test_staff_who_are_not_superusers_see_no_events_and_no_tokens(event):
    reviewer = UserFactory(username="vera-reviewer", role="reviewer", is_staff=True)
    desk = Client()
    desk.force_login(reviewer)
    for page in ("/admin/accounts/securityevent/", "/admin/accounts/apitoken/"):
        assert desk.get(page).status_code == 403
    assert b"/admin/accounts/" not in desk.get("/admin/").content


def queries_for(client: Client, page: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured.captured_queries)


def test_the_event_and_token_lists_have_a_constant_number_of_queries(superuser, reporter):
    admin = Client()
    admin.force_login(superuser)
    pages = ("/admin/accounts/securityevent/", "/admin/accounts/apitoken/")
    api_token_create(user=reporter, name="first")
    few = [queries_for(admin, page) for page in pages]
    for n in range(20):
        api_token_create(user=UserFactory(), name=f"token {n}")
        security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username="someone")
    assert [queries_for(admin, page) for page in pages] == few
