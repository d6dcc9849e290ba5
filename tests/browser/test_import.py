"""The admin's "Import claims" page in real Chromium: a reporter goes from the ticket list to the
import page, uploads a CSV with two bad rows, and reads the counts and both refused rows with their
line numbers and field errors; the imported tickets are in the list with their keys. Screenshots
in var/screenshots/test_import/<test>/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claims.models import Ticket
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

CSV = """key,text,claimant,claimed_at,place_name,latitude,longitude,tags,priority
desk-1,Ninety-one drones were launched at the residence in the Novgorod region.,"Sergei Lavrov, Foreign Minister of Russia",2025-12-29,Valdai,57.98,33.25,drones;russia,high
desk-2,All the drones were shot down over the Novgorod region.,Ministry of Defence of Russia,2025-12-29,,,,drones,
desk-3,,Ministry of Defence of Russia,2025-12-29,,,,,
desk-4,Kyiv denied launching any drones at the residence.,"Andrii Sybiha, Foreign Minister of Ukraine",2025-12-29,,91,,,whenever
desk-5,No wreckage has been shown.,"Andrii Sybiha, Foreign Minister of Ukraine",2025-12-30,,,,,low
"""


def test_reporter_imports_a_file_and_sees_the_refused_rows_with_their_lines(
    page: Page,
    reporter: User,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    upload = tmp_path / "claims.csv"
    upload.write_text(CSV)
    login(page, reporter.username, PASSWORD)

    page.goto("/admin/claims/ticket/")
    page.click("#import-claims")
    expect(page.locator("h1")).to_have_text("Import claims")
    screenshot(page, "1-import-page")
    page.set_input_files("#id_file", str(upload))
    with page.expect_navigation():
        page.click("#import-submit")

    expect(page.locator("#import-created")).to_have_text("3")
    expect(page.locator("#import-existed")).to_have_text("0")
    expect(page.locator("#import-refused")).to_have_text("2")
    refused = page.locator("#import-refused-rows tbody tr")
    assert refused.count() == 4  # line 4: one error; line 5: three (latitude, longitude, priority)
    texts = refused.all_inner_texts()
    assert texts[0].split("\t")[:2] == ["4", "claim.text"]
    assert "This field cannot be blank." in texts[0]
    assert texts[1].startswith("5\tclaim.latitude")
    assert any("is not a priority" in t for t in texts)
    expect(page.locator(".messagelist .warning")).to_contain_text("3 tickets opened")
    screenshot(page, "2-result")
    assert sorted(Ticket.objects.values_list("key", flat=True)) == ["desk-1", "desk-2", "desk-5"]

    page.goto("/admin/claims/ticket/?q=desk-2")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list tbody tr a").first.click()
    page.get_by_text("Desk fields and the full record").click()
    expect(page.locator(".field-key")).to_be_visible()
    expect(page.locator(".field-key")).to_contain_text("desk-2")
    screenshot(page, "3-ticket-with-key")
