"""Login throttling (django-axes): ten wrong passwords lock the account for the cool-off, even
against the right password; a success resets; per address too; visible to superusers."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.models import SecurityEvent, SecurityEventKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGIN = "/admin/login/"


@pytest.fixture
def staff() -> User:
    return UserFactory(username="lena-staff", role="fact-checker", is_staff=True)


def attempt(
    username: str, password: str, address: str = "203.0.113.7", client: Client | None = None
):
    client = client or Client(REMOTE_ADDR=address, HTTP_USER_AGENT="pytest-browser/1.0")
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return response, client


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_ten_wrong_passwords_lock_the_account_for_the_cool_off(staff, settings):
    assert settings.FACTCHECK_LOGIN_FAILURE_LIMIT == 10
    for _ in range(9):
        response, _ = attempt(staff.username, "wrong-password")
        assert response.status_code == 200  # the login form again, with its error
    tenth, _ = attempt(staff.username, "wrong-password")
    assert tenth.status_code == 429
    assert b"Too many failed logins" in tenth.content

    # The right password, from another address too (the username is locked): refused.
    for address in ("203.0.113.7", "198.51.100.20"):
        right, client = attempt(staff.username, PASSWORD, address=address)
        assert right.status_code == 429
        assert not logged_in(client)

    # After the cool-off the right password works.
    AccessAttempt.objects.update(
        attempt_time=timezone.now()
        - dt.timedelta(minutes=settings.FACTCHECK_LOGIN_COOLOFF_MINUTES, seconds=1)
    )
    after, client = attempt(staff.username, PASSWORD)
    assert after.status_code == 302 and logged_in(client)


def test_a_success_resets_the_count(staff):
    for _ in range(9):
        attempt(staff.username, "wrong-password")
    response, client = attempt(staff.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    for _ in range(9):
        response, _ = attempt(staff.username, "wrong-password")
    assert response.status_code == 200
    response, client = attempt(staff.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_an_address_trying_many_usernames_is_locked_out(staff):
    for n in range(10):
        attempt(f"guess-{n}", "wrong-password", address="192.0.2.99")
    from_there, client = attempt(staff.username, PASSWORD, address="192.0.2.99")
    assert from_there.status_code == 429 and not logged_in(client)
    elsewhere, client = attempt(staff.username, PASSWORD, address="192.0.2.100")
    assert elsewhere.status_code == 302 and logged_in(client)


def test_failures_and_lockouts_are_security_events_with_address_and_agent(staff):
    for _ in range(10):
        attempt(staff.username, "wrong-password")
    failures = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED)
    assert failures.count() == 10
    failure = failures.first()
    assert failure.username == staff.username and failure.user == staff
    assert failure.address == "203.0.113.7" and failure.user_agent == "pytest-browser/1.0"
    lockout = SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKOUT).first()
    assert lockout is not None and lockout.username == staff.username
    assert lockout.detail == {"failure_limit": 10, "cooloff_minutes": 15}

    attempt("nobody-here", "wrong-password", address="198.51.100.1")
    unknown = SecurityEvent.objects.filter(username="nobody-here").get()
    assert unknown.user is None and unknown.kind == SecurityEventKind.LOGIN_FAILED


def test_a_login_is_a_security_event(staff):
    attempt(staff.username, PASSWORD)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN)
    assert event.user == staff and event.address == "203.0.113.7"


def test_superusers_see_failures_and_lockouts_in_the_admin(staff, superuser):
    for _ in range(10):
        attempt(staff.username, "wrong-password")
    admin = Client()
    admin.force_login(superuser)
    attempts = admin.get("/admin/axes/accessattempt/")
    assert attempts.status_code == 200 and staff.username.encode() in attempts.content
    assert admin.get("/admin/axes/accessfailurelog/").status_code == 200

    desk = Client()
    desk.force_login(staff)
    assert desk.get("/admin/axes/accessattempt/").status_code == 403
