"""The desk overview in a real browser: a fact-checker logs in and lands on it; its charts are
drawn (SVG with the right number of bars, coloured by the overview's stylesheet); an empty desk
reads well. Screenshots under var/screenshots/test_overview/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page

from evidence.models import Provider
from tests.browser.conftest import PASSWORD
from tests.claims import overview_scenario as scenario

pytestmark = pytest.mark.browser

BLACK = "rgb(0, 0, 0)"  # SVG's default fill: what a shape the stylesheet missed is painted


def fill(page: Page, selector: str) -> str:
    return page.locator(selector).first.evaluate("e => getComputedStyle(e).fill")


def test_fact_checker_lands_on_the_desk_overview_with_its_charts(
    page: Page,
    fact_checker: User,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    scenario.build(now=timezone.now())

    login(page, fact_checker.username, PASSWORD)  # lands on /admin/, the overview

    chart = page.locator("svg.desk-age-chart")
    assert chart.is_visible() and chart.bounding_box()["width"] > 400
    for state, segments, total in [
        ("unverified", 3, 4),
        ("researching", 2, 3),
        ("in_review", 1, 5),
    ]:
        row = chart.locator(f'g.desk-age-row[data-state="{state}"]')
        assert row.locator("rect.desk-segment").count() == segments, state
        assert row.locator("text.desk-total").text_content() == str(total)
    assert fill(page, "rect.desk-age-0") != BLACK  # the overview's stylesheet is applied

    waiting = page.locator("#desk-review-queue tr.desk-waiting")
    assert waiting.count() == 5
    assert waiting.first.locator("a").inner_text().startswith("#")
    assert waiting.first.locator("svg.desk-mini rect.desk-wait").count() == 1

    assert page.locator("#desk-verdict-time .desk-figure-value").inner_text() == "8 h"
    providers = page.locator("#desk-providers tr.desk-provider")
    assert providers.count() == len(Provider.values)  # every provider, those without runs too
    assert page.locator("#desk-providers rect.desk-succeeded").count() == 2
    assert page.locator("#desk-providers rect.desk-failed").count() == 1
    assert page.locator("#desk-providers rect.desk-run-time").count() == 2

    assert page.locator(".desk-apps .app-claims").is_visible()  # the app list is still there
    screenshot(page, "desk-overview")


def test_an_empty_desk_reads_well(
    page: Page,
    reviewer: User,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    login(page, reviewer.username, PASSWORD)

    assert page.locator("#desk-overview svg").count() == 0
    assert page.get_by_text("No tickets yet.").is_visible()
    assert page.get_by_text("No fetch jobs finished in the last 7 days.").is_visible()
    screenshot(page, "empty-desk")
