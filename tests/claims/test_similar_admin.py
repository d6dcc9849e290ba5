"""The desk's screens of the claim memory: "Similar claims" on the ticket page (the tickets whose
claim reads the same, in any language, with link and unlink buttons), and "Likely duplicates" on
the add form before anything is saved. Real PostgreSQL, real embeddings (the vectors are stored
with memory.services, as the claim_memory job and `index_claims` store them)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from claims.changes import changes_text
from claims.models import Claim, EventAction, Ticket
from claims.workflow import State, Verdict
from evidence.models import Stance
from memory import matching, selectors, vectorstore
from memory.models import ClaimEmbedding, LinkRelation, TicketLink
from memory.services import claim_embed, claims_index, ticket_link
from tests.claims.test_admin import OPEN_FORM, change_form_data, change_url, login, message_texts
from tests.factories import ClaimFactory, EvidenceFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

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
LINK_BUTTON = re.compile(r'name="link" value="([a-z_]+):(\d+)"')
ADD_URL = "admin:claims_ticket_add"


@pytest.fixture(autouse=True)
def _fresh_vector_cache():
    """The exact search keeps the stored vectors in the process; each test starts from its own."""
    vectorstore.forget_matrices()
    yield
    vectorstore.forget_matrices()


def ticket_with(text: str, **kwargs) -> Ticket:
    return TicketFactory(claim=ClaimFactory(text=text), **kwargs)


def debunked(text: str) -> Ticket:
    return ticket_with(text, decided=True, state=State.DEBUNKED)


def link_buttons(html: str) -> set[tuple[str, int]]:
    return {(operation, int(pk)) for operation, pk in LINK_BUTTON.findall(html)}


def similar_rows(response) -> dict[int, object]:
    return {row.ticket.pk: row for row in response.context["workbench"]["similar"]["matches"]}


def press_link(client, ticket: Ticket, value: str, **changes):
    """Press a link button on the ticket page: the whole form is posted, as the browser posts it."""
    data = change_form_data(client.get(change_url(ticket)))
    data.update(changes, link=value)
    return client.post(change_url(ticket), data)


# --- the ticket page: what "Similar claims" shows ----------------------------------------------------


def test_similar_claims_lists_a_decided_paraphrase_and_a_russian_translation(fact_checker):
    ticket = ticket_with(VALDAI, researching=True)
    paraphrase = debunked(PARAPHRASE)
    russian = ticket_with(RUSSIAN)
    unrelated = debunked(UNRELATED)
    claims_index()

    response = login(fact_checker).get(change_url(ticket))

    assert response.status_code == 200
    rows = similar_rows(response)
    # Best first; itself and the unrelated claim left out.
    assert list(rows) == [paraphrase.pk, russian.pk]
    html = response.content.decode()
    for other in (paraphrase, russian):
        row = rows[other.pk]
        score = float(row.score)
        assert row.score == f"{score:.2f}"
        assert row.relation == matching.relation(score, VALDAI, other.claim.text) != ""
        section = _row_html(html, other.pk)
        assert f'href="{change_url(other)}"' in section
        assert f'<span class="wb-score">{row.score}</span>' in section
        assert f"match-{row.relation}" in section
        assert other.claim.claimant[:20] in section
        assert other.get_state_display() in section
    assert "Debunked" in _row_html(html, paraphrase.pk)
    assert 0.85 <= float(rows[paraphrase.pk].score) <= 1.0
    assert unrelated.claim.text not in html


def _row_html(html: str, pk: int) -> str:
    start = html.index(f'id="similar-{pk}"')
    return html[start : html.index("</tr>", start)]


def test_page_uses_the_stored_vector_and_embeds_nothing_when_it_is_current(
    fact_checker, monkeypatch
):
    ticket = ticket_with(VALDAI)
    debunked(PARAPHRASE)
    claims_index()
    embedded: list[str] = []
    real = selectors.embed_one

    def recording(text: str):
        embedded.append(text)
        return real(text)

    monkeypatch.setattr(selectors, "embed_one", recording)
    client = login(fact_checker)

    assert len(similar_rows(client.get(change_url(ticket)))) == 1
    assert embedded == []

    # A ticket whose claim the claim_memory job has not stored yet is matched from its text.
    ClaimEmbedding.objects.filter(ticket=ticket).delete()
    assert len(similar_rows(client.get(change_url(ticket)))) == 1
    assert embedded == [VALDAI]


def test_no_similar_claim_says_so(fact_checker):
    ticket = ticket_with(VALDAI)
    debunked(UNRELATED)
    claims_index()

    response = login(fact_checker).get(change_url(ticket))

    assert similar_rows(response) == {}
    assert "No other ticket's claim reads like this one." in response.content.decode()


def test_similar_claims_escape_what_the_claims_say(fact_checker):
    ticket = ticket_with(VALDAI)
    debunked(PARAPHRASE + ' <script>alert("x")</script>')
    claims_index()

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)" in html


# --- linking and unlinking from the page ---------------------------------------------------------------


def test_fact_checker_marks_a_similar_ticket_duplicate_then_unlinks_it(fact_checker):
    ticket = ticket_with(VALDAI, researching=True)
    earlier = debunked(PARAPHRASE)
    claims_index()
    client = login(fact_checker)
    page = client.get(change_url(ticket))
    assert link_buttons(page.content.decode()) == {
        (LinkRelation.DUPLICATE_OF, earlier.pk),
        (LinkRelation.RELATED, earlier.pk),
    }

    response = press_link(client, ticket, f"duplicate_of:{earlier.pk}")

    assert response.status_code == 302
    assert response["Location"] == change_url(ticket)
    assert message_texts(response) == [f"Marked duplicate of #{earlier.pk}."]
    link = TicketLink.objects.get()
    assert (link.ticket, link.other, link.relation, link.created_by) == (
        ticket,
        earlier,
        LinkRelation.DUPLICATE_OF,
        fact_checker,
    )
    for side, other in ((ticket, earlier), (earlier, ticket)):
        event = side.events.get(action=EventAction.LINKED)
        assert event.actor == fact_checker
        assert event.changes == {"link": {"relation": "duplicate_of", "ticket": other.pk}}
        assert changes_text(event.changes) == f"link: duplicate of #{other.pk}"

    page = client.get(change_url(ticket))
    html = page.content.decode()
    assert similar_rows(page)[earlier.pk].link == LinkRelation.DUPLICATE_OF
    row = _row_html(html, earlier.pk)
    assert f"This ticket duplicates #{earlier.pk}" in row
    assert fact_checker.username in row, "who linked them"
    assert link_buttons(html) == {("unlink", earlier.pk)}
    assert page.context["workbench"]["similar"]["linked_elsewhere"] == []

    response = press_link(client, ticket, f"unlink:{earlier.pk}")

    assert response.status_code == 302
    assert message_texts(response) == [f"Link between #{ticket.pk} and #{earlier.pk} removed."]
    assert not TicketLink.objects.exists()
    assert ticket.events.filter(action=EventAction.UNLINKED).count() == 1
    assert earlier.events.filter(action=EventAction.UNLINKED).count() == 1


def test_the_other_ticket_shows_the_link_from_its_side(reviewer):
    ticket = ticket_with(VALDAI)
    earlier = debunked(PARAPHRASE)
    claims_index()
    ticket_link(actor=reviewer, ticket=ticket, other_id=earlier.pk, relation="duplicate_of")

    page = login(reviewer).get(change_url(earlier))

    assert similar_rows(page)[ticket.pk].link == "duplicated_by"
    assert f"#{ticket.pk} duplicates this ticket" in page.content.decode()


def test_a_link_is_shown_even_when_the_other_ticket_is_no_longer_similar(reviewer):
    ticket = ticket_with(VALDAI)
    other = debunked(UNRELATED)
    claims_index()
    ticket_link(actor=reviewer, ticket=ticket, other_id=other.pk, relation="related")
    client = login(reviewer)

    page = client.get(change_url(ticket))

    assert similar_rows(page) == {}
    [linked] = page.context["workbench"]["similar"]["linked_elsewhere"]
    assert (linked.other, linked.link, linked.created_by) == (other, "related", reviewer.username)
    html = page.content.decode()
    row = html[html.index(f'id="linked-{other.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="{change_url(other)}"' in row
    assert UNRELATED in row
    assert "Related" in row
    assert link_buttons(html) == {("unlink", other.pk)}

    response = press_link(client, ticket, f"unlink:{other.pk}")

    assert response.status_code == 302
    assert not TicketLink.objects.exists()


def test_linking_saves_the_stance_typed_first_in_the_same_request(fact_checker):
    ticket = ticket_with(VALDAI, researching=True)
    item = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    earlier = debunked(PARAPHRASE)
    claims_index()

    response = press_link(
        login(fact_checker),
        ticket,
        f"related:{earlier.pk}",
        **{f"evidence-{item.pk}-stance": Stance.REFUTES},
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.stance == Stance.REFUTES
    assert TicketLink.objects.get().relation == LinkRelation.RELATED
    assert message_texts(response) == [
        f"Saved (1 evidence item assessed). Marked related #{earlier.pk}."
    ]


def test_a_refused_link_saves_nothing_and_keeps_what_was_typed(fact_checker):
    ticket = ticket_with(VALDAI, researching=True)
    item = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    earlier = debunked(PARAPHRASE)
    claims_index()
    ticket_link(actor=fact_checker, ticket=earlier, other_id=ticket.pk, relation="duplicate_of")
    events = ticket.events.count()

    # Forged: the page offers only "Unlink" here; "duplicate of" both ways would be a loop.
    response = press_link(
        login(fact_checker),
        ticket,
        f"duplicate_of:{earlier.pk}",
        **{f"evidence-{item.pk}-summary": "Geolocated to the pier."},
    )

    assert response.status_code == 200
    assert any("linked already" in m for m in message_texts(response))
    assert TicketLink.objects.count() == 1
    assert ticket.events.count() == events
    item.refresh_from_db()
    assert item.summary == ""
    assert "Geolocated to the pier." in response.content.decode()


@pytest.mark.parametrize("value", ["delete:12", "related:", "related:abc", "related:0", "x" * 60])
def test_a_link_value_the_page_does_not_offer_is_refused_with_a_message(fact_checker, value):
    ticket = ticket_with(VALDAI, researching=True)

    response = press_link(login(fact_checker), ticket, value)

    assert response.status_code == 200
    assert any(m.startswith("Nothing was saved") for m in message_texts(response))
    assert not TicketLink.objects.exists()


def test_linking_to_a_ticket_that_does_not_exist_is_refused_with_a_message(fact_checker):
    ticket = ticket_with(VALDAI, researching=True)

    response = press_link(login(fact_checker), ticket, "related:999999")

    assert response.status_code == 200
    assert any("No such ticket" in m for m in message_texts(response))


def test_reporter_sees_similar_claims_without_buttons_and_a_forged_post_is_refused(reporter):
    ticket = ticket_with(VALDAI)
    earlier = debunked(PARAPHRASE)
    claims_index()
    client = login(reporter)

    page = client.get(change_url(ticket))

    assert set(similar_rows(page)) == {earlier.pk}
    assert link_buttons(page.content.decode()) == set()
    response = client.post(change_url(ticket), {"link": f"duplicate_of:{earlier.pk}"})
    assert response.status_code == 403
    assert not TicketLink.objects.exists()


def test_a_user_who_may_edit_tickets_but_not_research_them_is_refused_with_a_message():
    """The service decides who may link: a user allowed the change form but not the research
    permission gets its refusal as a message, never a 500, and nothing changes."""
    editor = UserFactory(username="eddie-editor")
    editor.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="claims", codename__in=["view_ticket", "change_ticket"]
        )
    )
    ticket = ticket_with(VALDAI)
    earlier = debunked(PARAPHRASE)
    claims_index()
    client = login(editor)
    assert link_buttons(client.get(change_url(ticket)).content.decode()) == set()

    response = press_link(client, ticket, f"related:{earlier.pk}")

    assert response.status_code == 200
    assert any("Only fact-checkers and reviewers" in m for m in message_texts(response))
    assert not TicketLink.objects.exists()
    assert not ticket.events.filter(action=EventAction.LINKED).exists()


# --- query counts ------------------------------------------------------------------------------------


def _page_queries(client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(change_url(ticket))
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def near_identical_only(settings) -> None:
    """Only near-identical texts match: the query-count tests choose how many tickets are similar."""
    settings.FACTCHECK_MATCH_SUGGEST = 0.97
    settings.FACTCHECK_MATCH_STRONG = 0.99


@pytest.mark.usefixtures("near_identical_only")
def test_ticket_page_runs_the_same_number_of_queries_for_1_and_10_similar_tickets(fact_checker):
    one = ticket_with("Ninety-one drones were launched at the residence overnight (claim one).")
    debunked("Ninety-one drones were launched at the residence overnight (claim two).")
    ten = ticket_with("Eleven boats sank in the harbour of Sevastopol overnight (boat one).")
    others = [
        ticket_with(f"Eleven boats sank in the harbour of Sevastopol overnight (boat {n}).")
        for n in range(2, 12)
    ]
    claims_index()
    for other in others[:5]:
        ticket_link(actor=fact_checker, ticket=ten, other_id=other.pk, relation="related")
    ticket_link(actor=fact_checker, ticket=one, other_id=others[0].pk, relation="related")
    client = login(fact_checker)
    _page_queries(client, one)  # warm the session, the permission cache and the stored vectors

    small = _page_queries(client, one)
    large = _page_queries(client, ten)

    assert len(similar_rows(client.get(change_url(one)))) == 1
    assert len(similar_rows(client.get(change_url(ten)))) == 10
    assert small == large


# --- the add form: likely duplicates before anything is saved --------------------------------------


def open_form(text: str, **changes) -> dict[str, str]:
    return {**OPEN_FORM, "text": text, **changes}


def test_add_form_shows_likely_duplicates_and_saves_nothing(reporter):
    earlier = debunked(VALDAI)
    claims_index()
    tickets, claims = Ticket.objects.count(), Claim.objects.count()

    response = login(reporter).post(reverse(ADD_URL), open_form(PARAPHRASE))

    assert response.status_code == 200
    assert (Ticket.objects.count(), Claim.objects.count()) == (tickets, claims)
    rows = response.context["likely_duplicates"]
    assert [row.ticket.pk for row in rows] == [earlier.pk]
    html = response.content.decode()
    box = html[html.index('id="likely-duplicates"') : html.index("</section>")]
    assert f'<span class="wb-score">{rows[0].score}</span>' in box
    assert f"match-{rows[0].relation}" in box
    assert "Debunked" in box
    assert escape(VALDAI) in box
    assert f'href="{change_url(earlier)}"' in box, "a way to the existing ticket"
    assert 'name="open_anyway"' in box
    # What was typed is still in the form.
    form = response.context["adminform"].form
    assert form["text"].value() == PARAPHRASE
    assert form["tags"].value() == OPEN_FORM["tags"]
    assert form["latitude"].value() == OPEN_FORM["latitude"]


def test_open_it_anyway_saves_exactly_one_ticket(reporter):
    debunked(VALDAI)
    claims_index()
    client = login(reporter)
    shown = client.post(reverse(ADD_URL), open_form(PARAPHRASE))
    checked = shown.context["duplicates_checked"]

    response = client.post(
        reverse(ADD_URL), open_form(PARAPHRASE, open_anyway="1", duplicates_checked=checked)
    )

    assert response.status_code == 302
    opened = Ticket.objects.select_related("claim").get(claim__text=PARAPHRASE)
    assert Ticket.objects.count() == 2
    assert opened.opened_by == reporter
    assert sorted(t.name for t in opened.claim.tags.all()) == ["drones", "novgorod"]
    assert opened.events.filter(action=EventAction.OPENED).count() == 1


def test_open_it_anyway_for_a_text_edited_after_the_check_checks_again(reporter):
    debunked(VALDAI)
    claims_index()
    client = login(reporter)
    checked = client.post(reverse(ADD_URL), open_form(PARAPHRASE)).context["duplicates_checked"]

    response = client.post(
        reverse(ADD_URL), open_form(RUSSIAN, open_anyway="1", duplicates_checked=checked)
    )

    assert response.status_code == 200
    assert response.context["likely_duplicates"]
    assert Ticket.objects.count() == 1


def test_add_form_without_a_match_saves_in_one_request(reporter):
    debunked(UNRELATED)
    claims_index()

    response = login(reporter).post(reverse(ADD_URL), open_form(VALDAI))

    assert response.status_code == 302
    assert Ticket.objects.filter(claim__text=VALDAI).count() == 1


def test_add_form_with_an_invalid_field_is_not_matched_and_shows_the_error(reporter):
    debunked(VALDAI)
    claims_index()

    response = login(reporter).post(reverse(ADD_URL), open_form(PARAPHRASE, latitude="95"))

    assert response.status_code == 200
    assert "latitude" in response.context["adminform"].form.errors
    assert "likely_duplicates" not in response.context
    assert Ticket.objects.count() == 1


@pytest.mark.usefixtures("near_identical_only")
def test_likely_duplicates_run_the_same_number_of_queries_for_1_and_4_matches(reporter):
    debunked(VALDAI)
    debunked(PARAPHRASE)
    for n in range(4):
        ticket_with(f"Eleven boats sank in the harbour of Sevastopol overnight (boat {n}).")
    claims_index()
    client = login(reporter)
    client.post(reverse(ADD_URL), open_form(VALDAI))  # warm up

    counts = []
    for text in (VALDAI, "Eleven boats sank in the harbour of Sevastopol overnight (boat 9)."):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse(ADD_URL), open_form(text))
        counts.append((len(response.context["likely_duplicates"]), len(queries)))

    assert [n for n, _ in counts] == [1, 4]
    assert counts[0][1] == counts[1][1]


# --- the memory's records in the admin ---------------------------------------------------------------


def test_links_and_vectors_are_listed_read_only_for_a_superuser(superuser):
    ticket = ticket_with(VALDAI)
    earlier = debunked(PARAPHRASE)
    claim_embed(ticket=ticket)
    claim_embed(ticket=earlier)
    ticket_link(actor=superuser, ticket=ticket, other_id=earlier.pk, relation="duplicate_of")
    client = login(superuser)

    for name in ("ticketlink", "claimembedding"):
        response = client.get(reverse(f"admin:memory_{name}_changelist"))
        assert response.status_code == 200
        assert f"#{ticket.pk}" in response.content.decode()
        assert client.get(reverse(f"admin:memory_{name}_add")).status_code == 403
    link = TicketLink.objects.get()
    response = client.post(
        reverse("admin:memory_ticketlink_delete", args=[link.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert TicketLink.objects.exists()


def test_an_open_similar_ticket_shows_its_state_and_no_verdict_yet(fact_checker):
    """The verdict column is the other ticket's verdict, not a proposal waiting for review."""
    ticket = ticket_with(VALDAI)
    earlier = ticket_with(PARAPHRASE, in_review=True, proposed_verdict=Verdict.DEBUNKED)
    claims_index()

    html = login(fact_checker).get(change_url(ticket)).content.decode()

    row = _row_html(html, earlier.pk)
    assert "In review" in row
    verdict = row.split('class="c-sim-verdict">')[1].split("</td>")[0]
    assert verdict == "—"
