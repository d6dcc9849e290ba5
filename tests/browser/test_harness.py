"""The browser harness works: the live server serves the admin's and Leaflet's static files, role
users log in through the admin's form, pages render with the admin's CSS, screenshots are real
PNGs, and a broken page is caught."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.browser.conftest import PASSWORD, SCREENSHOTS, BrowserProblems
from tests.factories import EvidenceFactory, TicketFactory

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.browser


def admin_css_applied(page: Page) -> None:
    """The admin's stylesheet (base.css) styled the page: its header is a dark flex bar, which an
    unstyled page never is."""
    header = page.locator("#header")
    assert header.evaluate("e => getComputedStyle(e).display") == "flex"
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"


def is_png(path: Path) -> bool:
    return path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_SIGNATURE


def test_live_site_serves_the_admin_static_files(page: Page, live_site: str) -> None:
    response = page.request.get(f"{live_site}/static/admin/css/base.css")
    assert response.status == 200
    assert "text/css" in response.headers["content-type"] and len(response.body()) > 1000


def test_live_site_serves_leaflet_static_files(page: Page, live_site: str) -> None:
    for path in ["/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css"]:
        response = page.request.get(f"{live_site}{path}")
        assert response.status == 200, path
        assert len(response.body()) > 1000, path


@pytest.mark.parametrize("role", ["fact_checker", "reporter"])
def test_role_user_sees_ticket_list_and_ticket_page_styled(
    request: pytest.FixtureRequest,
    role: str,
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
    browser_problems: BrowserProblems,
) -> None:
    user: User = request.getfixturevalue(role)
    ticket = TicketFactory(researching=True)
    EvidenceFactory(ticket=ticket, title="Sentinel-2 scene over Valdai")

    login(page, user.username, PASSWORD)
    page.goto(live_site + reverse("admin:claims_ticket_changelist"))
    assert page.locator("#result_list tbody tr").count() == 1
    admin_css_applied(page)
    list_png = screenshot(page, "ticket-list")

    page.goto(live_site + reverse("admin:claims_ticket_change", args=[ticket.pk]))
    assert ticket.claim.text[:40] in page.content()
    assert page.get_by_text("Sentinel-2 scene over Valdai").count() >= 1
    admin_css_applied(page)
    ticket_png = screenshot(page, "ticket-page")

    assert is_png(list_png) and is_png(ticket_png)
    assert list_png.parent == ticket_png.parent
    assert list_png.parent.relative_to(SCREENSHOTS).parts == (
        "test_harness",
        f"{request.node.originalname}_{role}",
    )
    assert browser_problems.errors == []


def test_login_with_a_wrong_password_is_reported(
    page: Page, fact_checker: User, login: Callable[[Page, str, str], None]
) -> None:
    with pytest.raises(AssertionError, match="Login as 'fiona-factchecker' failed"):
        login(page, fact_checker.username, "not-the-password")


@pytest.mark.allow_browser_errors
def test_broken_script_and_javascript_error_are_recorded(
    page: Page, live_site: str, browser_problems: BrowserProblems
) -> None:
    """What the harness fails a test on (this test opts out and reads them instead): a missing
    same-origin script and an uncaught JavaScript error."""
    page.goto(live_site + "/admin/login/")
    with pytest.raises(PlaywrightError):
        page.add_script_tag(url="/static/admin/js/no-such-file.js")
    # An inline script would be refused by the Content-Security-Policy (tests/browser/
    # test_security_headers.py shows that); code evaluated through the DevTools protocol is not.
    page.evaluate("() => { setTimeout(() => { throw new Error('harness self-test'); }); }")
    page.wait_for_timeout(200)
    joined = "\n".join(browser_problems.errors)
    assert "HTTP 404 for script" in joined and "no-such-file.js" in joined
    assert "JavaScript error" in joined and "harness self-test" in joined
