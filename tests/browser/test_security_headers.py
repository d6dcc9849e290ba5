"""The Content-Security-Policy in real Chromium: Swagger UI, the admin and the workbench's map (with
its tiles from the tile server's host) work under it with no violation, and a violation is caught
(the harness fails a test on it: a console error). Every page these tests open is also checked for
the policy and X-Frame-Options by the harness (tests/browser/conftest.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from PIL import Image
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import PASSWORD, BrowserProblems
from tests.factories import ClaimFactory, TicketFactory

pytestmark = pytest.mark.browser

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _tile_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (170, 211, 223)).save(buffer, "PNG")
    return buffer.getvalue()


def test_swagger_ui_renders_under_the_policy(
    page: Page, live_site: str, screenshot: Callable[[Page, str], Path]
) -> None:
    response = page.goto(f"{live_site}/api/docs/")
    assert response is not None and "content-security-policy" in response.headers
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Fact-check workflow")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()  # an operation opens: the UI's code runs
    expect(page.locator(".opblock-body").first).to_be_visible()
    screenshot(page, "swagger-ui")


def test_admin_and_the_map_with_tiles_work_under_the_policy(
    page: Page,
    live_site: str,
    settings,  # type: ignore[no-untyped-def]
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
    fact_checker: User,
) -> None:
    settings.FACTCHECK_MAP_TILES_URL = TILES  # the default: the policy allows its host
    tile = _tile_png()
    served: list[str] = []

    def fulfil(route: Route) -> None:
        served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=tile)

    page.route("https://tile.openstreetmap.org/**", fulfil)
    ticket = TicketFactory(researching=True, claim=ClaimFactory(latitude=57.98, longitude=33.25))
    login(page, fact_checker.username, PASSWORD)
    page.goto(f"{live_site}/admin/claims/ticket/")
    expect(page.locator("#result_list")).to_be_visible()
    page.goto(f"{live_site}/admin/claims/ticket/{ticket.pk}/change/")
    page.wait_for_selector("#wb-map[data-features], #wb-map[data-map-error]")
    assert page.locator("#wb-map").get_attribute("data-map-error") is None
    page.wait_for_selector("#wb-map img.leaflet-tile-loaded")
    assert served, "the map asked the tile server for tiles"
    screenshot(page, "workbench-map-with-tiles")


@pytest.mark.allow_browser_errors
def test_an_inline_script_is_refused_and_the_harness_sees_it(
    page: Page, live_site: str, browser_problems: BrowserProblems
) -> None:
    page.goto(f"{live_site}/admin/login/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = true;"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in error for error in browser_problems.errors), (
        browser_problems.errors
    )
