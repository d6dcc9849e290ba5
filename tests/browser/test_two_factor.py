"""The second factor in a real browser: a reviewer who must enrol is sent to the enrolment page,
scans (reads) the QR code's secret, confirms with a code, keeps the recovery codes; the next login
asks for the code after the password. Too many wrong passwords show the lockout page.
Screenshots under var/screenshots/test_two_factor/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from tests.accounts.conftest import code_for_secret
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def submit_password(page: Page, live_site: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_site}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")


def test_a_reviewer_enrols_then_logs_in_with_a_code(
    page: Page,
    live_site: str,
    reviewer: User,
    settings,
    screenshot: Callable[[Page, str], Path],
) -> None:
    settings.FACTCHECK_REQUIRE_2FA = True

    submit_password(page, live_site, reviewer.username, PASSWORD)
    assert urlsplit(page.url).path == "/admin/two-factor/"  # before anything else
    qr = page.locator("#two-factor-qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and abs(box["width"] - box["height"]) < 2  # a square, drawn
    secret = page.locator("#two-factor-secret").inner_text()
    screenshot(page, "1-enrolment")

    page.goto(f"{live_site}/admin/claims/ticket/")  # anything else sends it back
    assert urlsplit(page.url).path == "/admin/two-factor/"

    page.fill("#two-factor-confirm input[name=code]", code_for_secret(secret))
    with page.expect_navigation():
        page.click("#two-factor-confirm input[type=submit]")
    codes = page.locator("ol.recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "2-recovery-codes")
    page.click("text=I have kept them: continue to the desk")
    assert urlsplit(page.url).path == "/admin/"
    assert page.locator("#two-factor-link").is_visible()

    # The next login: the password, then the code.
    submit_password(page, live_site, reviewer.username, PASSWORD)
    assert urlsplit(page.url).path == "/admin/login/verify/"
    screenshot(page, "3-code-step")
    page.fill("#id_code", "000000")
    with page.expect_navigation():
        page.click("#login-verify-form input[type=submit]")
    assert page.locator(".errornote").is_visible()
    screenshot(page, "4-wrong-code")
    page.wait_for_timeout(1100)  # django-otp's throttle: a second after one wrong code
    page.fill("#id_code", code_for_secret(secret, steps_ahead=1))
    with page.expect_navigation():
        page.click("#login-verify-form input[type=submit]")
    assert urlsplit(page.url).path == "/admin/"
    assert page.locator("#logout-form").count() == 1
    screenshot(page, "5-logged-in")


def test_ten_wrong_passwords_show_the_lockout_page(
    page: Page,
    live_site: str,
    fact_checker: User,
    screenshot: Callable[[Page, str], Path],
) -> None:
    for _ in range(10):
        submit_password(page, live_site, fact_checker.username, "not-the-password")
    assert page.locator("#lockout-title").is_visible()
    submit_password(page, live_site, fact_checker.username, PASSWORD)
    assert page.locator("#lockout-title").is_visible()
    screenshot(page, "lockout")
