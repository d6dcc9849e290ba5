"""The claim memory on the desk's screens, in real Chromium, with real embeddings: a fact-checker
opens a ticket whose claim the desk has already debunked in other words, sees it under "Similar
claims", marks this ticket a duplicate of it and sees the link; on the add form, a paraphrase of
an existing claim shows "Likely duplicates" before anything is saved, from which the user goes to
the existing ticket or opens the new one anyway. Screenshots in
var/screenshots/test_similar/<test>/."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claims.models import Ticket
from claims.workflow import State
from evidence.models import Stance
from memory import vectorstore
from memory.models import LinkRelation, TicketLink
from memory.services import claims_index, ticket_link
from tests.browser.conftest import PASSWORD
from tests.factories import ClaimFactory, EvidenceFactory, TicketFactory

pytestmark = pytest.mark.browser

VALDAI = (
    "Ukraine attacked President Putin's state residence in the Novgorod region with 91 "
    "long-range drones, Lavrov said."
)
PARAPHRASE = (
    "Kyiv launched 91 long-range drones at Vladimir Putin's state residence in Novgorod Oblast, "
    "according to Sergei Lavrov."
)
RUSSIAN = (
    "Украина атаковала государственную резиденцию президента Путина в Новгородской области "
    "91 беспилотником большой дальности, заявил Лавров."
)
UNRELATED = "The city council of Lyon approved a larger budget for its public libraries next year."


@pytest.fixture
def desk_memory(settings) -> dict[str, Ticket]:
    """A ticket being researched, the same claim debunked earlier in other words and reported in
    Russian, and an unrelated one; every claim's vector stored, as `index_claims` stores them."""
    settings.FACTCHECK_MAP_TILES_URL = ""  # no network here, as in the offline demo
    vectorstore.forget_matrices()
    tickets = {
        "ticket": TicketFactory(claim=ClaimFactory(text=VALDAI), researching=True),
        "earlier": TicketFactory(
            claim=ClaimFactory(text=PARAPHRASE), decided=True, state=State.DEBUNKED
        ),
        "russian": TicketFactory(
            claim=ClaimFactory(
                text=RUSSIAN, language="ru", claimant="Министерство иностранных дел России"
            ),
            researching=True,
        ),
        "unrelated": TicketFactory(claim=ClaimFactory(text=UNRELATED), decided=True),
    }
    EvidenceFactory(ticket=tickets["ticket"], stance=Stance.UNASSESSED)
    claims_index()
    yield tickets
    vectorstore.forget_matrices()


def _similar_row(page: Page, ticket: Ticket):
    return page.locator(f"#similar-{ticket.pk}")


def test_fact_checker_sees_a_similar_decided_ticket_and_marks_this_one_its_duplicate(
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], object],
    desk_memory: dict[str, Ticket],
    fact_checker: User,
) -> None:
    ticket, earlier, russian = (desk_memory[k] for k in ("ticket", "earlier", "russian"))
    login(page, fact_checker.username, PASSWORD)
    page.goto(f"{live_site}/admin/claims/ticket/{ticket.pk}/change/")
    panel = page.locator("#similar-claims")
    expect(panel).to_be_visible()
    page.wait_for_load_state("networkidle")

    rows = panel.locator("tr.wb-similar-row")
    expect(rows).to_have_count(2)
    assert rows.nth(0).get_attribute("data-ticket") == str(earlier.pk), "best first"
    row = _similar_row(page, earlier)
    expect(row).to_contain_text(f"#{earlier.pk}")
    expect(row).to_contain_text("Debunked")
    expect(row.locator(".wb-score")).to_have_text(_two_decimals())
    expect(_similar_row(page, russian)).to_contain_text("Украина атаковала")
    expect(panel).not_to_contain_text("Lyon")
    panel.scroll_into_view_if_needed()
    screenshot(page, "01-similar-claims")

    with page.expect_navigation():
        row.get_by_role("button", name=f"Mark duplicate of #{earlier.pk}").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Marked duplicate of #{earlier.pk}.")
    row = _similar_row(page, earlier)
    expect(row).to_contain_text(f"This ticket duplicates #{earlier.pk}")
    expect(row).to_contain_text(fact_checker.username)
    expect(row.get_by_role("button", name=f"Unlink #{earlier.pk}")).to_be_visible()
    expect(page.locator("#similar-claims tr.wb-linked-row")).to_have_count(1)
    link = TicketLink.objects.get()
    assert (link.ticket_id, link.other_id, link.relation) == (
        ticket.pk,
        earlier.pk,
        LinkRelation.DUPLICATE_OF,
    )
    page.locator("#audit-trail summary").click()
    expect(page.locator("#audit-trail")).to_contain_text(f"Marked duplicate of #{earlier.pk}.")
    page.locator("#similar-claims").scroll_into_view_if_needed()
    screenshot(page, "02-marked-duplicate")

    # The earlier ticket shows the link from its side.
    with page.expect_navigation():
        row.locator(f'a[href$="/{earlier.pk}/change/"]').click()
    expect(page.locator("#workbench")).to_be_visible()
    expect(_similar_row(page, ticket)).to_contain_text(f"#{ticket.pk} duplicates this ticket")
    screenshot(page, "03-the-earlier-ticket")


def test_reporter_sees_similar_claims_and_links_without_buttons(
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], object],
    desk_memory: dict[str, Ticket],
    reporter: User,
    reviewer: User,
) -> None:
    ticket, unrelated = desk_memory["ticket"], desk_memory["unrelated"]
    ticket_link(actor=reviewer, ticket=ticket, other_id=unrelated.pk, relation="related")
    login(page, reporter.username, PASSWORD)
    page.goto(f"{live_site}/admin/claims/ticket/{ticket.pk}/change/")
    expect(page.locator("#similar-claims tr.wb-similar-row")).to_have_count(2)
    linked = page.locator(f"#linked-{unrelated.pk}")
    expect(linked).to_contain_text("Lyon")
    expect(linked).to_contain_text("Related")
    expect(linked).to_contain_text(reviewer.username)
    assert page.locator('#similar-claims button[name="link"]').count() == 0
    page.wait_for_load_state("networkidle")
    page.locator("#similar-claims").scroll_into_view_if_needed()
    screenshot(page, "01-read-only")
    page.emulate_media(color_scheme="dark")  # the admin follows the system's theme
    screenshot(page, "02-read-only-dark")


def _two_decimals():
    import re

    return re.compile(r"^(0\.\d\d|1\.00)$")


def _fill_claim(page: Page, text: str) -> None:
    page.fill("#id_text", text)
    page.fill("#id_claimant", "Sergei Lavrov, Foreign Minister of Russia")
    page.fill("#id_claimed_at", "2025-12-29")
    page.fill("#id_tags", "drones, novgorod")


def test_add_form_shows_likely_duplicates_then_goes_to_it_or_opens_anyway(
    page: Page,
    live_site: str,
    login: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], object],
    desk_memory: dict[str, Ticket],
    reporter: User,
) -> None:
    ticket, earlier = desk_memory["ticket"], desk_memory["earlier"]
    before = Ticket.objects.count()
    login(page, reporter.username, PASSWORD)
    page.goto(f"{live_site}/admin/claims/ticket/add/")
    typed = (
        "Lavrov says Ukraine sent 91 long-range drones against Putin's state residence in the "
        "Novgorod region."
    )
    _fill_claim(page, typed)
    with page.expect_navigation():
        page.click('input[name="_save"]')

    box = page.locator("#likely-duplicates")
    expect(box).to_be_visible()
    rows = box.locator("tr.wb-duplicate-row")
    assert {rows.nth(i).get_attribute("data-ticket") for i in range(rows.count())} >= {
        str(ticket.pk),
        str(earlier.pk),
    }
    expect(box.locator(f'tr[data-ticket="{earlier.pk}"]')).to_contain_text("Debunked")
    expect(page.locator("#id_text")).to_have_value(typed)
    expect(page.locator("#id_tags")).to_have_value("drones, novgorod")
    assert Ticket.objects.count() == before, "nothing saved yet"
    screenshot(page, "01-likely-duplicates")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "01-likely-duplicates-dark")
    page.emulate_media(color_scheme="light")

    # Enter in a text box saves (checks again), it does not open the ticket anyway.
    with page.expect_navigation():
        page.press("#id_claimant", "Enter")
    expect(page.locator("#likely-duplicates")).to_be_visible()
    assert Ticket.objects.count() == before

    # Go to the existing ticket.
    with page.expect_navigation():
        box.locator(f'tr[data-ticket="{earlier.pk}"] a.wb-open-existing').click()
    expect(page.locator("#workbench")).to_be_visible()
    expect(page.locator(".wb-claim-text")).to_have_text(PARAPHRASE)
    assert Ticket.objects.count() == before
    screenshot(page, "02-the-existing-ticket")

    # Or type it again and open it anyway: exactly one new ticket.
    page.goto(f"{live_site}/admin/claims/ticket/add/")
    _fill_claim(page, typed)
    with page.expect_navigation():
        page.click('input[name="_save"]')
    with page.expect_navigation():
        page.click("#open-anyway")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    screenshot(page, "03-opened-anyway")
    assert Ticket.objects.count() == before + 1
    opened = Ticket.objects.select_related("claim").get(claim__text=typed)
    assert opened.opened_by == reporter
    assert sorted(t.name for t in opened.claim.tags.all()) == ["drones", "novgorod"]
