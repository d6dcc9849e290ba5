"""The claim intake in the admin: taking in an article, the intake page, opening its candidates as
tickets through intake_open, and the ticket page's way back to the intake. The extractor is the
real one (spaCy and all), on articles written for these tests and on the seed article."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from claims.models import Claim, Priority, Ticket
from claims.workflow import State
from intake import services
from intake.evaluation import text_file_path
from intake.models import Intake, IntakeCandidate, IntakeStatus
from memory import vectorstore
from memory.services import claims_index
from tests.factories import ClaimFactory, TicketFactory

pytestmark = pytest.mark.django_db

PUBLISHED = dt.date(2026, 3, 11)  # a Wednesday: "on Tuesday" is 10 March
# Written for these tests: three attributed, checkable sentences and one speculation.
FLOOD = """Floods reach the old town of Riverton

Mayor Anna Kowalski said on Tuesday that 1,200 homes in Riverton had been evacuated overnight. She claimed the new flood barrier held back the river for six hours.

Piotr Nowak, a spokesman for the regional water authority, said the Wend river peaked at 7.4 metres on Monday night, its highest level since 1998.

Residents may face further disruption, and engineers could revisit the barrier's design.
"""
SEED_ARTICLE = text_file_path("../shared/seed-article.txt")  # or in FACTCHECK_SHARED_DIR
ADD_URL = reverse("admin:intake_intake_add")
LIST_URL = reverse("admin:intake_intake_changelist")
CHECKED_BOX = re.compile(r'<input type="checkbox" name="c(\d+)-open"[^>]* checked')


# --- helpers ---------------------------------------------------------------------------------------


def login(user: User) -> Client:
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def page_url(intake: Intake) -> str:
    return reverse("admin:intake_intake_change", args=[intake.pk])


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def flood_intake(user: User) -> Intake:
    return services.intake_from_text(
        user=user,
        text=FLOOD,
        published_at=PUBLISHED,
        source_url="https://news.example.org/riverton-floods",
    )


def candidate_by(intake: Intake, claimant: str, *, words: str = "") -> IntakeCandidate:
    """The intake's candidate said by `claimant` (whose text has `words`, when given)."""
    found = [
        c for c in intake.candidates.order_by("index") if c.claimant == claimant and words in c.text
    ]
    assert found, f"no candidate by {claimant!r} with {words!r}: the extractor missed it"
    return found[0]


def open_post(choices: dict[int, dict[str, str]], **extra: str) -> dict[str, str]:
    """The intake page's form as posted: the rows ticked (index -> their inputs as typed) and the
    button "Open selected as tickets"."""
    data = {"_open": "1", "priority": str(Priority.NORMAL), **extra}
    for index, fields in choices.items():
        data[f"c{index}-open"] = "on"
        for name, value in fields.items():
            data[f"c{index}-{name}"] = value
    return data


def row_inputs(intake: Intake, candidate: IntakeCandidate) -> dict[str, str]:
    """A row's inputs unchanged, as the page prefills them (what the ticket would start with)."""
    claim = services.candidate_claim(intake, candidate)
    return {
        "claimant": claim["claimant"],
        "claimed_at": claim["claimed_at"].isoformat(),
        "place_name": claim["place_name"],
    }


@pytest.fixture(autouse=True)
def _fresh_vector_cache():
    """The exact search keeps the stored vectors in the process; each test starts from its own."""
    vectorstore.forget_matrices()
    yield
    vectorstore.forget_matrices()


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reporter", "fact_checker", "reviewer"])
def test_every_desk_role_sees_the_list_and_the_intake_page(request, role):
    user = request.getfixturevalue(role)
    intake = flood_intake(user)
    client = login(user)

    listed = client.get(LIST_URL)
    shown = client.get(page_url(intake))

    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [intake]
    assert shown.status_code == 200
    assert "Mayor Anna Kowalski said on Tuesday" in shown.content.decode()


def test_staff_user_without_a_role_cannot_see_or_take_in_intakes(outsider, reporter):
    intake = flood_intake(reporter)
    client = login(outsider)

    assert client.get(LIST_URL).status_code == 403
    assert client.get(page_url(intake)).status_code == 403
    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, {"text": FLOOD}).status_code == 403
    assert client.post(page_url(intake), open_post({0: {}})).status_code == 403
    assert Intake.objects.count() == 1
    assert not Ticket.objects.exists()


def test_the_intakes_are_listed_on_the_admin_index_for_a_desk_role(reporter):
    response = login(reporter).get(reverse("admin:index"))

    assert response.status_code == 200
    assert LIST_URL in response.content.decode()


# --- the add page ----------------------------------------------------------------------------------


def test_add_page_offers_a_text_or_a_url_and_what_is_known_of_the_article(reporter):
    response = login(reporter).get(ADD_URL)

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("text", "url", "published_at", "source_url", "language"):
        assert f'name="{name}"' in html
    assert "Read the article" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": "The mayor said so.", "url": "https://news.example.org/a"}, "text", "not both"),
        ({}, "text", "Give the article's text or its URL."),
        ({"text": "   \n  "}, "text", "The text is empty."),
        ({"text": "x" * 61}, "text", "no more than 60 characters"),
        ({"url": "http://10.1.2.3/news/floods"}, "url", "not fetched"),
        ({"url": "http://localhost:8000/news"}, "url", "not fetched"),
        (
            {"url": "https://news.example.org/a", "source_url": "https://b.example"},
            "source_url",
            "",
        ),
    ],
    ids=["both", "neither", "blank", "too-long", "private-address", "localhost", "source-with-url"],
)
def test_add_page_refuses_bad_input_with_field_errors_and_keeps_what_was_typed(
    reporter, settings, data, field, message
):
    settings.FACTCHECK_INTAKE_MAX_CHARS = 60
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = False
    typed = {"language": "en", "published_at": "2026-03-11", **data}

    response = login(reporter).post(ADD_URL, typed)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    html = response.content.decode()
    for value in typed.values():
        if value.strip():
            assert escape(value) in html, f"{value[:30]!r} was not kept"
    assert not Intake.objects.exists()


def test_creating_from_text_lands_on_the_intake_page_with_its_candidates(reporter):
    response = login(reporter).post(
        ADD_URL,
        {
            "text": FLOOD,
            "published_at": "2026-03-11",
            "source_url": "https://news.example.org/riverton-floods",
        },
        follow=True,
    )

    intake = Intake.objects.get()
    assert response.redirect_chain == [(page_url(intake), 302)]
    assert intake.status == IntakeStatus.READY
    assert intake.created_by == reporter
    assert intake.text == FLOOD, "the text is kept as pasted: the spans are offsets into it"
    html = response.content.decode()
    proposed = [c for c in intake.candidates.all() if c.check_worthiness >= intake.threshold]
    assert len(proposed) >= 2
    for c in proposed:
        # The sentence highlighted in the article, exactly as written, linked to its row.
        assert f'href="#candidate-{c.index}" id="sentence-{c.index}"' in html
        assert escape(FLOOD[c.span_start : c.span_end]) in html
        assert f'id="candidate-{c.index}"' in html
        assert f'name="c{c.index}-open"' in html
    mayor = candidate_by(intake, "Anna Kowalski", words="1,200")
    assert 'value="Anna Kowalski, Mayor"' in html, "the claimant input is prefilled, with the role"
    assert mayor.claimed_at == dt.date(2026, 3, 10), '"on Tuesday" before Wednesday 11 March'
    assert 'value="2026-03-10"' in html
    assert intake.text_sha256 in html
    assert any("proposed" in m for m in message_texts(response))


def test_the_speculation_is_shown_faintly_and_listed_only_with_show_all(reporter):
    intake = flood_intake(reporter)
    speculation = next(c for c in intake.candidates.all() if "could revisit" in c.text)
    assert speculation.check_worthiness < intake.threshold
    client = login(reporter)

    proposed_only = client.get(page_url(intake)).content.decode()
    everything = client.get(page_url(intake) + "?all=1").content.decode()

    faint = f'id="sentence-{speculation.index}" class="ia-hl ia-faint"'
    assert faint in proposed_only
    assert f'id="candidate-{speculation.index}"' not in proposed_only
    assert f'id="candidate-{speculation.index}"' in everything


def test_pasting_the_seed_article_proposes_the_seed_claims_with_claimants_and_date(reporter):
    if not SEED_ARTICLE.exists():
        pytest.skip(
            f"The seed article is not at {SEED_ARTICLE} (../shared/ beside the project, or FACTCHECK_SHARED_DIR)."
        )
    response = login(reporter).post(ADD_URL, {"text": SEED_ARTICLE.read_text()}, follow=True)

    intake = Intake.objects.get()
    assert intake.published_at == dt.date(2025, 12, 29), "read off the article's text"
    html = response.content.decode()
    for claimant, words in [
        ("Sergei Lavrov", "91"),
        ("Volodymyr Zelenskyy", "fabricating"),
        ("Yuri Ushakov", "confirmed"),
    ]:
        candidate = candidate_by(intake, claimant, words=words)
        assert candidate.check_worthiness >= intake.threshold, candidate.text
        assert candidate.claimed_at == dt.date(2025, 12, 29)
        assert f'id="candidate-{candidate.index}"' in html
    assert 'value="Sergei Lavrov, Foreign Minister"' in html
    assert 'value="2025-12-29"' in html
    speculation = next(c for c in intake.candidates.all() if "could corroborate" in c.text)
    assert speculation.check_worthiness < intake.threshold


def test_opening_three_seed_claims_creates_three_tickets_whose_fetch_starts_at_once(
    reporter, django_capture_on_commit_callbacks
):
    if not SEED_ARTICLE.exists():
        pytest.skip(
            f"The seed article is not at {SEED_ARTICLE} (../shared/ beside the project, or FACTCHECK_SHARED_DIR)."
        )
    client = login(reporter)
    client.post(ADD_URL, {"text": SEED_ARTICLE.read_text()})
    intake = Intake.objects.get()
    chosen = [
        candidate_by(intake, "Sergei Lavrov", words="91"),
        candidate_by(intake, "Volodymyr Zelenskyy", words="fabricating"),
        candidate_by(intake, "Yuri Ushakov", words="confirmed"),
    ]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            page_url(intake), open_post({c.index: row_inputs(intake, c) for c in chosen})
        )

    assert response.status_code == 302
    tickets = [IntakeCandidate.objects.get(pk=c.pk).ticket for c in chosen]
    assert all(tickets) and Ticket.objects.count() == 3
    assert [t.claim.claimant for t in tickets] == [
        "Sergei Lavrov, Foreign Minister",
        "Volodymyr Zelenskyy, Ukrainian President",
        "Yuri Ushakov, Kremlin foreign policy aide",
    ]
    assert {t.claim.claimed_at for t in tickets} == {dt.date(2025, 12, 29)}
    assert all(t.fetch_jobs.exists() for t in tickets)
    assert len(callbacks) >= 3, "each ticket's fetch is sent once it is committed"


def test_the_article_and_the_rows_are_escaped(reporter):
    text = (
        'Mayor Anna Kowalski said on Tuesday that 40 <b>homes</b> & "shops" flooded in '
        "Riverton. <script>alert(1)</script>\n"
    )
    intake = services.intake_from_text(user=reporter, text=text, published_at=PUBLISHED)

    html = login(reporter).get(page_url(intake)).content.decode()

    article = html[
        html.index('id="ia-text"') : html.index("</section>", html.index('id="ia-text"'))
    ]
    assert "<script>alert(1)</script>" not in html
    assert "<b>homes</b>" not in html
    assert "&lt;b&gt;homes&lt;/b&gt; &amp; &quot;shops&quot;" in article
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article


def test_a_url_makes_a_pending_intake_whose_page_reloads_itself(
    reporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login(reporter).post(ADD_URL, {"url": "https://news.example.org/floods"})

    intake = Intake.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(intake)
    assert intake.status == IntakeStatus.PENDING
    assert callbacks, "a worker is sent the intake once it is committed"
    html = login(reporter).get(page_url(intake)).content.decode()
    assert "Fetching the page" in html
    assert '<meta http-equiv="refresh" content="3">' in html
    assert 'id="intake-open-form"' not in html


def test_a_failed_intake_shows_its_failure(reporter):
    intake = Intake.objects.create(
        created_by=reporter,
        url="https://news.example.org/gone",
        status=IntakeStatus.FAILED,
        failure="The page could not be fetched: HTTP 404.",
    )

    html = login(reporter).get(page_url(intake)).content.decode()

    assert "The page could not be fetched: HTTP 404." in html
    assert "http-equiv" not in html


# --- opening tickets -------------------------------------------------------------------------------


def test_opening_two_ticked_candidates_creates_two_tickets_with_the_corrections_and_their_fetch(
    fact_checker, django_capture_on_commit_callbacks
):
    intake = flood_intake(fact_checker)
    homes = candidate_by(intake, "Anna Kowalski", words="1,200")
    river = candidate_by(intake, "Piotr Nowak")
    choices = {
        homes.index: {**row_inputs(intake, homes), "place_name": "Riverton"},
        river.index: {
            **row_inputs(intake, river),
            "claimant": "Piotr Nowak, spokesman for the regional water authority",
            "claimed_at": "2026-03-10",
        },
    }

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login(fact_checker).post(
            page_url(intake), open_post(choices, priority=str(Priority.HIGH))
        )

    assert response.status_code == 302
    assert response["Location"] == page_url(intake)
    tickets = {c.index: c.ticket for c in intake.candidates.select_related("ticket__claim")}
    assert Ticket.objects.count() == 2
    first, second = tickets[homes.index], tickets[river.index]
    assert first.claim.claimant == "Anna Kowalski, Mayor"
    assert first.claim.place_name == "Riverton"
    assert first.claim.claimed_at == dt.date(2026, 3, 10)
    assert first.claim.text == homes.text
    assert second.claim.claimant == "Piotr Nowak, spokesman for the regional water authority"
    assert second.claim.claimed_at == dt.date(2026, 3, 10)
    for ticket in (first, second):
        assert ticket.claim.source_url == "https://news.example.org/riverton-floods"
        assert ticket.priority == Priority.HIGH
        assert ticket.opened_by == fact_checker
        assert ticket.state == State.UNVERIFIED
        assert ticket.fetch_jobs.exists(), "the evidence fetch is queued with the ticket"
    assert callbacks, "the fetch jobs are sent to the broker once the tickets are committed"
    [message] = message_texts(response)
    assert message.startswith("Opened 2 tickets")
    for ticket in (first, second):
        assert f'href="{reverse("admin:claims_ticket_change", args=[ticket.pk])}"' in message


def test_the_page_shows_opened_candidates_as_links_to_their_tickets(reporter):
    intake = flood_intake(reporter)
    homes = candidate_by(intake, "Anna Kowalski", words="1,200")
    client = login(reporter)
    client.post(page_url(intake), open_post({homes.index: row_inputs(intake, homes)}))
    ticket = Ticket.objects.get()

    html = client.get(page_url(intake)).content.decode()

    row = html[html.index(f'id="candidate-{homes.index}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="{reverse("admin:claims_ticket_change", args=[ticket.pk])}"' in row
    assert f'name="c{homes.index}-open"' not in row, "an opened candidate has no checkbox"
    assert "ia-opened" in html[html.index(f'id="sentence-{homes.index}"') - 200 :][:400]


def test_opening_the_same_candidates_again_does_not_duplicate_their_tickets(reporter):
    intake = flood_intake(reporter)
    homes = candidate_by(intake, "Anna Kowalski", words="1,200")
    barrier = candidate_by(intake, "Anna Kowalski", words="barrier")
    client = login(reporter)
    client.post(page_url(intake), open_post({homes.index: row_inputs(intake, homes)}))
    first = Ticket.objects.get()

    # A second tab, opened before the first press, still shows the first row's checkbox.
    response = client.post(
        page_url(intake),
        open_post(
            {homes.index: row_inputs(intake, homes), barrier.index: row_inputs(intake, barrier)}
        ),
    )

    assert response.status_code == 302
    assert Ticket.objects.count() == 2
    assert IntakeCandidate.objects.get(pk=homes.pk).ticket == first
    texts = message_texts(response)
    assert any(t.startswith("Opened 1 ticket:") for t in texts)
    assert any("Opened before, not again" in t and f"#{first.pk}" in t for t in texts)


def test_a_refusal_shows_the_errors_on_their_rows_keeps_the_input_and_opens_nothing(reporter):
    intake = flood_intake(reporter)
    homes = candidate_by(intake, "Anna Kowalski", words="1,200")
    river = candidate_by(intake, "Piotr Nowak")
    choices = {
        homes.index: {**row_inputs(intake, homes), "place_name": "Riverton old town"},
        river.index: {**row_inputs(intake, river), "claimant": ""},  # a ticket needs a claimant
    }

    response = login(reporter).post(page_url(intake), open_post(choices))

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert not Claim.objects.exists()
    assert not IntakeCandidate.objects.filter(ticket__isnull=False).exists()
    html = response.content.decode()
    row = html[html.index(f'id="candidate-{river.index}"') :]
    row = row[: row.index("</tr>")]
    assert "ia-row-error" in html[html.index(f'id="candidate-{river.index}"') - 10 :][:300]
    assert "errorlist" in row, "the claimant's error is on its row"
    assert 'value="Riverton old town"' in html, "the other row's correction is kept"
    assert set(CHECKED_BOX.findall(html)) == {str(homes.index), str(river.index)}
    assert any(m.startswith("Nothing was opened") for m in message_texts(response))


def test_nothing_ticked_opens_nothing_and_says_so(reporter):
    intake = flood_intake(reporter)

    response = login(reporter).post(page_url(intake), open_post({}))

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert any("Choose at least one" in m for m in message_texts(response))


def test_enter_in_a_text_box_opens_nothing_and_keeps_the_input(reporter):
    intake = flood_intake(reporter)
    homes = candidate_by(intake, "Anna Kowalski", words="1,200")
    data = open_post({homes.index: {**row_inputs(intake, homes), "place_name": "Riverton"}})
    del data["_open"]  # the hidden first button (Enter) posts `_keep`
    data["_keep"] = "1"

    response = login(reporter).post(page_url(intake), data)

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert 'value="Riverton"' in response.content.decode()


def test_the_possible_duplicates_link_to_the_desks_ticket_with_the_same_claim(reporter):
    earlier = TicketFactory(
        claim=ClaimFactory(
            text="Mayor Anna Kowalski said that 1,200 homes in Riverton had been evacuated."
        )
    )
    claims_index()
    intake = flood_intake(reporter)
    homes = candidate_by(intake, "Anna Kowalski", words="1,200")

    html = login(reporter).get(page_url(intake)).content.decode()

    row = html[html.index(f'id="candidate-{homes.index}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="{reverse("admin:claims_ticket_change", args=[earlier.pk])}"' in row
    assert re.search(r"match-(strong|suggested)", row)
    assert earlier.get_state_display() in row


# --- the list --------------------------------------------------------------------------------------


def add_intakes(n: int, user: User) -> None:
    """Intakes as the services store them (without running the extractor n times): three
    candidates each, two proposed, one opened as a ticket."""
    for _ in range(n):
        i = Intake.objects.count()
        intake = Intake.objects.create(
            created_by=user,
            status=IntakeStatus.READY,
            text=f"Article {i}. The mayor said 40 homes flooded. Rain may return.",
            threshold=0.5,
            language="en",
            published_at=PUBLISHED,
        )
        for index, score in enumerate((0.9, 0.7, 0.1)):
            IntakeCandidate.objects.create(
                intake=intake,
                index=index,
                text=f"Sentence {index}.",
                sentence=f"Sentence {index}.",
                span_start=0,
                span_end=5,
                check_worthiness=score,
                ticket=TicketFactory() if index == 0 else None,
            )


def count_queries(client: Client, expected_rows: int) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected_rows
    return len(queries), response.content.decode()


def test_intake_list_runs_the_same_number_of_queries_for_1_and_5_intakes(reviewer):
    client = login(reviewer)
    add_intakes(1, reviewer)
    with_1, _ = count_queries(client, 1)
    add_intakes(4, reviewer)
    with_5, html = count_queries(client, 5)

    assert with_1 == with_5
    assert html.count('<td class="field-candidates_shown">2 / 3</td>') == 5
    assert html.count('<td class="field-tickets_opened">1</td>') == 5
    assert "Article 4. The mayor said 40 homes flooded." in html


# --- the ticket page -------------------------------------------------------------------------------


def test_the_ticket_page_links_back_to_the_intake_it_came_from(fact_checker):
    intake = flood_intake(fact_checker)
    homes = candidate_by(intake, "Anna Kowalski", words="1,200")
    client = login(fact_checker)
    client.post(page_url(intake), open_post({homes.index: row_inputs(intake, homes)}))
    ticket = Ticket.objects.get()
    typed_in = TicketFactory()

    html = client.get(reverse("admin:claims_ticket_change", args=[ticket.pk])).content.decode()
    other = client.get(reverse("admin:claims_ticket_change", args=[typed_in.pk])).content.decode()

    assert f"From intake #{intake.pk} (candidate {homes.index})" in html
    assert f'href="{page_url(intake)}#candidate-{homes.index}"' in html
    assert "From intake" not in other
