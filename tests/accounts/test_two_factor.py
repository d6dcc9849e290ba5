"""The second factor: a reviewer must enrol TOTP before reviewing, through every door; the admin
login asks for the code after the password; recovery codes; reset_2fa."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent, SecurityEventKind
from claims import services as claim_services
from claims import workflow
from claims.models import Ticket
from factcheck.errors import PermissionDenied
from tests.accounts.conftest import code_for, code_for_secret, enrol
from tests.factories import UserFactory, ticket_in_state

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
ADMIN = "/admin/"
TWO_FACTOR = "/admin/two-factor/"
LOGIN = "/admin/login/"
VERIFY = "/admin/login/verify/"


def approve_over_api(client_for, user: User, ticket: Ticket):
    return client_for(user).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"action": "approve", "version": ticket.version},
        format="json",
    )


def log_in_with_password(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password, "next": ADMIN})


# --- the Done-when: a new reviewer must enrol TOTP before it can approve -------------------------


def test_a_new_reviewer_must_enrol_totp_before_approving_in_the_api_and_the_admin(
    require_2fa, client_for, fact_checker
):
    reviewer = UserFactory(username="new-reviewer", role="reviewer", is_staff=True)
    ticket = ticket_in_state("in_review", assignee=fact_checker)

    refused = approve_over_api(client_for, reviewer, ticket)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == workflow.SECOND_FACTOR_REQUIRED_MESSAGE
    detail = client_for(reviewer).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert "approve" not in detail["allowed_actions"]

    admin = Client()
    logged_in = log_in_with_password(admin, reviewer.username)
    assert logged_in.status_code == 302  # no device yet: the password is enough to log in
    for page in (ADMIN, f"/admin/claims/ticket/{ticket.pk}/change/"):
        assert admin.get(page)["Location"] == TWO_FACTOR
    posted = admin.post(
        f"/admin/claims/ticket/{ticket.pk}/transition/",
        {"action": "approve", "version": ticket.version},
    )
    assert posted.status_code == 302 and posted["Location"] == TWO_FACTOR
    assert Ticket.objects.get(pk=ticket.pk).state == "in_review"

    # Enrolment on the page: a QR code and the secret, then a code from the app.
    page = admin.get(TWO_FACTOR)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    secret = re.search(r'id="two-factor-secret">([A-Z2-7]+)<', html).group(1)
    confirmed = admin.post(TWO_FACTOR, {"action": "confirm", "code": code_for_secret(secret)})
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", confirmed.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=reviewer).confirmed

    assert admin.get(ADMIN).status_code == 200  # this session showed its code while enrolling
    approved = approve_over_api(client_for, reviewer, ticket)
    assert approved.status_code == 200, approved.json()
    assert approved.json()["state"] == ticket.proposed_verdict


def test_the_service_refuses_every_review_action_without_a_device(require_2fa, reviewer):
    for state, action, inputs in [
        ("in_review", "approve", {}),
        ("in_review", "request_changes", {"note": "More sources."}),
        ("debunked", "reopen", {"note": "New footage."}),
    ]:
        ticket = ticket_in_state(state)
        with pytest.raises(PermissionDenied, match="Two-factor authentication is required"):
            claim_services.ticket_transition(
                ticket_id=ticket.pk, actor=reviewer, action=action, version=ticket.version, **inputs
            )
        assert Ticket.objects.get(pk=ticket.pk).state == state


def test_a_superuser_without_a_device_may_not_approve_either(require_2fa, client_for, superuser):
    ticket = ticket_in_state("in_review")
    assert approve_over_api(client_for, superuser, ticket).status_code == 403


def test_research_actions_need_no_second_factor(require_2fa, client_for, fact_checker, reviewer):
    ticket = ticket_in_state("unverified")
    started = client_for(reviewer).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"action": "start_research", "version": ticket.version},
        format="json",
    )
    assert started.status_code == 200


def test_a_fact_checker_is_not_sent_to_enrolment_but_may_enrol(require_2fa, fact_checker):
    fact_checker.is_staff = True
    fact_checker.save()
    admin = Client()
    log_in_with_password(admin, fact_checker.username)
    assert admin.get(ADMIN).status_code == 200
    assert admin.get(TWO_FACTOR).status_code == 200
    assert b"Two-factor authentication" in admin.get(ADMIN).content  # the user link


def test_with_the_setting_off_a_reviewer_approves_without_a_device(client_for, second_reviewer):
    ticket = ticket_in_state("in_review")
    assert approve_over_api(client_for, second_reviewer, ticket).status_code == 200


def test_a_wrong_enrolment_code_enrols_nothing(require_2fa, reviewer):
    reviewer.is_staff = True
    reviewer.save()
    admin = Client()
    admin.force_login(reviewer)
    admin.get(TWO_FACTOR)
    answer = admin.post(TWO_FACTOR, {"action": "confirm", "code": "000000"})
    assert answer.status_code == 200
    assert b"Wrong code" in answer.content
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()


def test_reloading_the_enrolment_page_keeps_the_secret(reviewer):
    reviewer.is_staff = True
    reviewer.save()
    admin = Client()
    admin.force_login(reviewer)
    secrets = {
        re.search(r'id="two-factor-secret">([A-Z2-7]+)<', admin.get(TWO_FACTOR).content.decode())[1]
        for _ in range(2)
    }
    assert len(secrets) == 1


# --- the admin login: the code after the password ------------------------------------------------


@pytest.fixture
def enrolled_reviewer(reviewer) -> tuple[User, TOTPDevice, list[str]]:
    reviewer.is_staff = True
    reviewer.save()
    device, codes = enrol(reviewer)
    return reviewer, device, codes


def test_a_user_with_a_device_gives_a_code_after_the_password(enrolled_reviewer):
    reviewer, device, _ = enrolled_reviewer
    admin = Client()
    step_one = log_in_with_password(admin, reviewer.username)
    assert step_one.status_code == 302 and step_one["Location"] == VERIFY
    assert "_auth_user_id" not in admin.session  # not logged in on the password alone
    assert admin.get(ADMIN)["Location"].startswith(LOGIN)

    wrong = admin.post(VERIFY, {"code": "123456"})
    assert wrong.status_code == 200 and b"not right" in wrong.content
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SECOND_FACTOR_FAILED).count() == 1

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    right = admin.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert right.status_code == 302 and right["Location"] == ADMIN
    assert admin.get(ADMIN).status_code == 200
    login = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN, user=reviewer).get()
    assert login.detail["second_factor"] == device.persistent_id


def test_a_recovery_code_works_once(enrolled_reviewer):
    reviewer, _, codes = enrolled_reviewer
    for expected in (302, 200):
        admin = Client()
        log_in_with_password(admin, reviewer.username)
        assert admin.post(VERIFY, {"code": codes[0]}).status_code == expected
    assert StaticToken.objects.filter(device__user=reviewer).count() == 9


def test_the_code_step_without_a_password_step_goes_back_to_the_login():
    answer = Client().get(VERIFY)
    assert answer.status_code == 302 and answer["Location"] == LOGIN


def test_a_session_that_never_gave_its_code_opens_neither_admin_nor_api(enrolled_reviewer):
    reviewer, _, _ = enrolled_reviewer
    client = Client()
    client.force_login(reviewer)  # as a session logged in before its user enrolled
    assert client.get(ADMIN)["Location"].startswith(LOGIN)
    assert client.get("/api/v1/tickets/").status_code in (401, 403)


def test_new_recovery_codes_replace_the_old_ones(enrolled_reviewer):
    reviewer, device, old = enrolled_reviewer
    admin = Client()
    log_in_with_password(admin, reviewer.username)
    admin.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    renewed = admin.post(TWO_FACTOR, {"action": "renew_codes"})
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", renewed.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    tokens = set(StaticToken.objects.filter(device__user=reviewer).values_list("token", flat=True))
    assert tokens == set(new)


# --- reset_2fa -----------------------------------------------------------------------------------


def test_reset_2fa_removes_every_device_and_records_it(require_2fa, enrolled_reviewer, client_for):
    reviewer, _, _ = enrolled_reviewer
    out = StringIO()
    call_command("reset_2fa", reviewer.username, "--reason", "lost phone", stdout=out)

    assert "Removed 2 two-factor device(s)" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SECOND_FACTOR_RESET)
    assert event.user == reviewer and event.detail["reason"] == "lost phone"
    ticket = ticket_in_state("in_review")
    assert approve_over_api(client_for, reviewer, ticket).status_code == 403


def test_reset_2fa_of_an_unknown_user_is_a_clear_error():
    with pytest.raises(Exception, match="No user 'nobody'"):
        call_command("reset_2fa", "nobody")


def test_enrolment_is_a_security_event(reviewer):
    enrol(reviewer)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SECOND_FACTOR_ENROLLED)
    assert event.user == reviewer and event.detail["recovery_codes"] == 10
