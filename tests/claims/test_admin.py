"""The admin workbench: what each role sees and may do, and that every write goes through a service."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, Priority, Ticket, TicketEvent
from claims.workflow import State
from evidence.models import Evidence, FetchJob, Kind, Provider, Stance
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    TicketFactory,
    ticket_in_state,
)

pytestmark = pytest.mark.django_db

ACTION_BUTTON = re.compile(r'name="action" value="([a-z_]+)"')
EDITABLE_STANCE = re.compile(r'name="[\w-]+-stance"')


# --- helpers ---------------------------------------------------------------------------------------


def login(user: User, *, enforce_csrf_checks: bool = False) -> Client:
    """A client logged in to the admin as `user` (the role users are made staff, as the
    create_role_user command does)."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


def change_url(ticket: Ticket) -> str:
    return reverse("admin:claims_ticket_change", args=[ticket.pk])


def transition_url(ticket: Ticket) -> str:
    return reverse("admin:claims_ticket_transition", args=[ticket.pk])


def buttons(response) -> set[str]:
    """The workflow action buttons on the page ("Fetch evidence again" is not one)."""
    return set(ACTION_BUTTON.findall(response.content.decode())) - {"fetch_again"}


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def change_form_data(response) -> dict[str, Any]:
    """The change form as the browser would post it back unchanged (main form and every inline)."""
    data: dict[str, Any] = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    workbench = response.context.get("workbench")
    if workbench and workbench["evidence_editable"]:
        for group in workbench["evidence_groups"]:
            for row in group.rows:
                key = f"evidence-{row.item.pk}"
                data[f"{key}-stance"] = data[f"{key}-stance-initial"] = row.stance_value
                data[f"{key}-summary"] = data[f"{key}-summary-initial"] = row.summary_value
    return data


FIXTURE_FOR_ROLE = {
    "reporter": "reporter",
    "fact-checker": "fact_checker",
    "reviewer": "reviewer",
    "superuser": "superuser",
}


@pytest.fixture
def users(request) -> dict[str, User]:
    """The named user of a role, created only when a test asks for it."""

    class Users(dict):
        def __missing__(self, role: str) -> User:
            user = request.getfixturevalue(FIXTURE_FOR_ROLE[role])
            self[role] = user
            return user

    return Users()


# --- list pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reporter", "fact-checker", "reviewer", "superuser"])
def test_ticket_list_renders_for_each_role(users, role):
    ticket = TicketFactory(claim=ClaimFactory(text="All 91 drones were shot down over Valdai."))

    response = login(users[role]).get(reverse("admin:claims_ticket_changelist"))

    assert response.status_code == 200
    assert "All 91 drones were shot down over Valdai." in response.content.decode()
    assert list(response.context["cl"].result_list) == [ticket]


@pytest.mark.parametrize("role", ["reporter", "fact-checker", "reviewer", "superuser"])
@pytest.mark.parametrize(
    "changelist",
    [
        "claims_claim",
        "claims_ticketevent",
        "claims_tag",
        "evidence_evidence",
        "evidence_fetchjob",
    ],
)
def test_record_lists_render_for_each_role(users, role, changelist):
    ticket = TicketFactory()
    EvidenceFactory(ticket=ticket, title="Thermal detection near Valdai")
    FetchJob.objects.create(ticket=ticket, provider=Provider.SATELLITE_SCENES)
    TicketEvent.objects.create(ticket=ticket, actor_label="system", action="opened")

    response = login(users[role]).get(reverse(f"admin:{changelist}_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1 or changelist == "claims_tag"


def test_deleting_tickets_is_refused_even_when_posted(superuser):
    ticket = TicketFactory()
    client = login(superuser)
    changelist = reverse("admin:claims_ticket_changelist")

    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [ticket.pk], "post": "yes"}
    )
    refused = client.post(reverse("admin:claims_ticket_delete", args=[ticket.pk]), {"post": "yes"})

    assert refused.status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_the_admin_carries_the_publishers_name_and_view_site_leads_somewhere(reviewer, settings):
    client = login(reviewer)
    page = client.get(reverse("admin:index")).content.decode()

    assert settings.FACTCHECK_PUBLISHER_NAME in page
    assert "Django administration" not in page and "Django site admin" not in page
    (view_site,) = re.findall(r'<a href="([^"]+)">View site</a>', page)
    assert client.get(view_site).status_code == 200


def test_staff_user_without_a_role_cannot_see_tickets(outsider):
    response = login(outsider).get(reverse("admin:claims_ticket_changelist"))

    assert response.status_code == 403


def test_ticket_list_filters_by_claimant_and_searches_claim_text(reviewer):
    lavrov = TicketFactory(claim=ClaimFactory(claimant="Sergei Lavrov, Foreign Minister"))
    zelenskyy = TicketFactory(
        claim=ClaimFactory(claimant="Volodymyr Zelenskyy, President", text="It is a lie.")
    )
    client = login(reviewer)
    url = reverse("admin:claims_ticket_changelist")

    by_claimant = client.get(url, {"claimant": "Sergei Lavrov, Foreign Minister"})
    by_search = client.get(url, {"q": "a lie"})
    by_state = client.get(url, {"state__exact": State.RESEARCHING})

    assert list(by_claimant.context["cl"].result_list) == [lavrov]
    assert list(by_search.context["cl"].result_list) == [zelenskyy]
    assert list(by_state.context["cl"].result_list) == []


def count_queries(client: Client, url: str, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected_rows
    return len(queries)


def test_ticket_list_runs_the_same_number_of_queries_for_5_and_50_tickets(reviewer):
    def add_tickets(n: int) -> None:
        for _ in range(n):
            claim = ClaimFactory()
            claim.tags.set([])
            TicketFactory(
                claim=claim, assignee=User.objects.create(username=f"a{Ticket.objects.count()}")
            )

    client = login(reviewer)
    url = reverse("admin:claims_ticket_changelist")
    add_tickets(5)
    with_5 = count_queries(client, url, 5)
    add_tickets(45)
    with_50 = count_queries(client, url, 50)

    assert with_5 == with_50


def test_evidence_list_runs_the_same_number_of_queries_for_5_and_50_items(reviewer):
    def add_evidence(n: int) -> None:
        for _ in range(n):
            EvidenceFactory(
                ticket=TicketFactory(),
                added_by=User.objects.create(username=f"e{Evidence.objects.count()}"),
            )

    client = login(reviewer)
    url = reverse("admin:evidence_evidence_changelist")
    add_evidence(5)
    with_5 = count_queries(client, url, 5)
    add_evidence(45)
    with_50 = count_queries(client, url, 50)

    assert with_5 == with_50


@pytest.mark.parametrize(
    "changelist", ["admin:evidence_fetchjob_changelist", "admin:claims_ticketevent_changelist"]
)
def test_job_and_event_lists_run_the_same_number_of_queries_for_5_and_50_rows(reviewer, changelist):
    def add_rows(n: int) -> None:
        for _ in range(n):
            ticket = TicketFactory()
            if changelist == "admin:evidence_fetchjob_changelist":
                FetchJob.objects.create(ticket=ticket, provider=Provider.ARCHIVE)
            else:
                TicketEvent.objects.create(ticket=ticket, actor_label="system", action="opened")

    client = login(reviewer)
    url = reverse(changelist)
    add_rows(5)
    with_5 = count_queries(client, url, 5)
    add_rows(45)
    with_50 = count_queries(client, url, 50)

    assert with_5 == with_50


# --- the ticket page ---------------------------------------------------------------------------------

# (role, state, submitted by the viewer?) -> the buttons the page must show, written out from SPEC §3.
BUTTONS = [
    ("reporter", State.UNVERIFIED, False, set()),
    ("reporter", State.RESEARCHING, False, set()),
    ("reporter", State.IN_REVIEW, False, set()),
    ("reporter", State.DEBUNKED, False, set()),
    ("fact-checker", State.UNVERIFIED, False, {"start_research"}),
    ("fact-checker", State.RESEARCHING, False, {"submit_for_review"}),
    ("fact-checker", State.IN_REVIEW, False, set()),
    ("fact-checker", State.CORROBORATED, False, set()),
    ("reviewer", State.UNVERIFIED, False, {"start_research"}),
    ("reviewer", State.RESEARCHING, False, {"submit_for_review"}),
    ("reviewer", State.IN_REVIEW, False, {"request_changes", "approve"}),
    ("reviewer", State.IN_REVIEW, True, {"request_changes"}),
    ("reviewer", State.DEBUNKED, False, {"reopen"}),
    ("reviewer", State.INCONCLUSIVE, False, {"reopen"}),
    ("superuser", State.IN_REVIEW, False, {"request_changes", "approve"}),
]


@pytest.mark.parametrize(("role", "state", "own_submission", "expected"), BUTTONS)
def test_ticket_page_shows_exactly_the_allowed_buttons(
    users, role, state, own_submission, expected
):
    user = users[role]
    ticket = ticket_in_state(state, submitted_by=user if own_submission else None)

    response = login(user).get(change_url(ticket))

    assert response.status_code == 200
    assert buttons(response) == expected


def test_ticket_page_shows_the_claim_read_only_and_only_desk_fields_editable(fact_checker):
    claim = ClaimFactory(
        text="Ninety-one drones targeted the residence.",
        event_start=dt.datetime(2025, 12, 27, 21, tzinfo=dt.UTC),
        event_end=dt.datetime(2025, 12, 29, 21, tzinfo=dt.UTC),
    )
    ticket = TicketFactory(claim=claim)

    response = login(fact_checker).get(change_url(ticket))
    html = response.content.decode()

    assert set(response.context["adminform"].form.fields) == {
        "assignee",
        "priority",
        "expected_version",
    }
    assert "Ninety-one drones targeted the residence." in html
    assert "58.0000, 33.2000" in html
    assert "2025-12-27T21:00:00+00:00" in html
    main_form = html[html.index('id="ticket_form"') :]
    for field in ("state", "verdict", "version", "text", "claimant"):
        assert f'name="{field}"' not in main_form


def test_reporter_sees_the_ticket_page_read_only(reporter):
    ticket = TicketFactory(researching=True)
    EvidenceFactory(ticket=ticket)

    response = login(reporter).get(change_url(ticket))
    html = response.content.decode()

    assert response.status_code == 200
    assert 'name="priority"' not in html
    assert not EDITABLE_STANCE.search(html)
    assert "add evidence by hand" not in html.lower()


def test_reporter_cannot_post_the_ticket_page(reporter):
    ticket = TicketFactory()

    response = login(reporter).post(change_url(ticket), {"priority": Priority.URGENT})

    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.NORMAL


def test_audit_trail_and_fetch_jobs_are_shown_read_only(fact_checker):
    ticket = TicketFactory()
    TicketEvent.objects.create(ticket=ticket, actor_label="system", action="opened", note="seeded")
    FetchJob.objects.create(ticket=ticket, provider=Provider.NEWS_COVERAGE, last_error="timeout")

    response = login(fact_checker).get(change_url(ticket))
    html = response.content.decode()

    jobs = html[
        html.index('id="fetch-jobs"') : html.index("</section>", html.index('id="fetch-jobs"'))
    ]
    trail = html[
        html.index('id="audit-trail"') : html.index("</details>", html.index('id="audit-trail"'))
    ]
    assert "timeout" in jobs
    assert "seeded" in trail
    for part in (jobs, trail):
        assert "<input" not in part
        assert "<select" not in part


# --- workflow actions posted from the ticket page ----------------------------------------------------

# (action, from state, role, inputs, expected state)
ALLOWED_POSTS = [
    ("start_research", State.UNVERIFIED, "fact-checker", {}, State.RESEARCHING),
    (
        "submit_for_review",
        State.RESEARCHING,
        "fact-checker",
        {"verdict": "inconclusive", "rationale": "No wreckage has been shown."},
        State.IN_REVIEW,
    ),
    (
        "request_changes",
        State.IN_REVIEW,
        "reviewer",
        {"note": "Add satellite scenes."},
        State.RESEARCHING,
    ),
    ("approve", State.IN_REVIEW, "reviewer", {}, State.INCONCLUSIVE),
    ("reopen", State.DEBUNKED, "reviewer", {"note": "New footage."}, State.RESEARCHING),
]


@pytest.mark.parametrize(("action", "state", "role", "inputs", "expected"), ALLOWED_POSTS)
def test_allowed_role_takes_the_action_from_the_ticket_page(
    users, action, state, role, inputs, expected
):
    ticket = ticket_in_state(state)

    response = login(users[role]).post(
        transition_url(ticket), {"action": action, "version": ticket.version, **inputs}, follow=True
    )

    ticket.refresh_from_db()
    assert response.status_code == 200
    assert ticket.state == expected
    assert ticket.version == 2
    assert ticket.events.filter(action=action, actor=users[role]).count() == 1
    assert any("the ticket is now" in m for m in message_texts(response))


def test_submit_for_review_records_the_verdict_and_rationale(fact_checker):
    ticket = TicketFactory(researching=True)
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)

    login(fact_checker).post(
        transition_url(ticket),
        {
            "action": "submit_for_review",
            "version": 1,
            "verdict": "debunked",
            "rationale": "Satellite scenes show no damage.",
        },
    )

    ticket.refresh_from_db()
    assert (ticket.state, ticket.proposed_verdict) == (State.IN_REVIEW, "debunked")
    assert ticket.rationale == "Satellite scenes show no damage."
    assert ticket.submitted_by == fact_checker


# (role, state, action, who submitted) -> refused
FORBIDDEN_POSTS = [
    ("reporter", State.UNVERIFIED, "start_research", None),
    ("fact-checker", State.IN_REVIEW, "approve", None),
    ("fact-checker", State.IN_REVIEW, "request_changes", None),
    ("fact-checker", State.DEBUNKED, "reopen", None),
    ("reviewer", State.IN_REVIEW, "approve", "self"),
    ("reviewer", State.UNVERIFIED, "approve", None),
    ("reviewer", State.CORROBORATED, "start_research", None),
]


@pytest.mark.parametrize(("role", "state", "action", "submitter"), FORBIDDEN_POSTS)
def test_forbidden_action_posted_directly_is_refused_and_changes_nothing(
    users, role, state, action, submitter
):
    user = users[role]
    ticket = ticket_in_state(state, submitted_by=user if submitter == "self" else None)
    events_before = ticket.events.count()

    response = login(user).post(
        transition_url(ticket),
        {"action": action, "version": ticket.version, "note": "n", "rationale": "r"},
        follow=True,
    )

    after = Ticket.objects.get(pk=ticket.pk)
    assert response.status_code == 200
    assert (after.state, after.version) == (state, ticket.version)
    assert after.events.count() == events_before
    errors = [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert errors, "the refusal is shown as an error message"


def test_action_against_a_stale_version_is_refused(reviewer):
    ticket = TicketFactory(in_review=True)
    Ticket.objects.filter(pk=ticket.pk).update(version=3)  # someone acted since the page loaded

    response = login(reviewer).post(
        transition_url(ticket), {"action": "approve", "version": 2}, follow=True
    )

    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.state, after.version) == (State.IN_REVIEW, 3)
    assert any("version" in m for m in message_texts(response))


def test_submit_without_a_rationale_is_refused_with_the_reason(fact_checker):
    ticket = TicketFactory(researching=True)

    response = login(fact_checker).post(
        transition_url(ticket),
        {"action": "submit_for_review", "version": 1, "verdict": "inconclusive"},
        follow=True,
    )

    assert Ticket.objects.get(pk=ticket.pk).state == State.RESEARCHING
    assert any("rationale" in m for m in message_texts(response))


def test_debunked_verdict_without_refuting_evidence_is_refused(fact_checker):
    ticket = TicketFactory(researching=True)

    response = login(fact_checker).post(
        transition_url(ticket),
        {"action": "submit_for_review", "version": 1, "verdict": "debunked", "rationale": "r"},
        follow=True,
    )

    assert Ticket.objects.get(pk=ticket.pk).state == State.RESEARCHING
    assert any("refutes" in m for m in message_texts(response))


def test_transition_url_does_not_accept_get(reviewer):
    ticket = TicketFactory()

    response = login(reviewer).get(
        transition_url(ticket), {"action": "start_research", "version": 1}
    )

    assert response.status_code == 405
    assert Ticket.objects.get(pk=ticket.pk).state == State.UNVERIFIED


def test_transition_needs_the_csrf_token(reviewer):
    ticket = TicketFactory()

    response = login(reviewer, enforce_csrf_checks=True).post(
        transition_url(ticket), {"action": "start_research", "version": 1}
    )

    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).state == State.UNVERIFIED


def test_transition_posted_by_a_staff_user_without_a_role_is_forbidden(outsider):
    ticket = TicketFactory()

    response = login(outsider).post(
        transition_url(ticket), {"action": "start_research", "version": 1}
    )

    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).state == State.UNVERIFIED


def test_transition_with_an_unknown_action_is_refused(reviewer):
    ticket = TicketFactory()

    response = login(reviewer).post(
        transition_url(ticket), {"action": "delete", "version": 1}, follow=True
    )

    assert Ticket.objects.get(pk=ticket.pk).version == 1
    assert any("not taken" in m for m in message_texts(response))


def test_the_buttons_post_the_current_version_with_csrf(fact_checker):
    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(version=7)

    html = login(fact_checker).get(change_url(ticket)).content.decode()
    form = html[html.index('id="ticket_form"') :]
    form = form[: form.index("</form>")]

    assert 'name="action" value="start_research"' in form
    assert re.search(r'name="expected_version" value="7"', form)
    assert 'name="csrfmiddlewaretoken"' in form


# --- desk fields and evidence, saved through the services ---------------------------------------------


def test_priority_and_assignee_are_saved_through_ticket_update(fact_checker):
    ticket = TicketFactory()
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    data.update(priority=Priority.URGENT, assignee=fact_checker.pk)

    response = client.post(change_url(ticket), data)

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee, ticket.version) == (Priority.URGENT, fact_checker, 2)
    assert ticket.events.filter(action="updated", actor=fact_checker).count() == 1


def test_saving_the_ticket_page_after_someone_else_changed_it_is_refused(fact_checker):
    ticket = TicketFactory()
    client = login(fact_checker)
    data = change_form_data(client.get(change_url(ticket)))
    Ticket.objects.filter(pk=ticket.pk).update(version=2)
    data["priority"] = Priority.LOW

    response = client.post(change_url(ticket), data, follow=True)

    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.priority, after.version) == (Priority.NORMAL, 2)
    assert any("version" in m for m in message_texts(response))


def test_stance_edit_goes_through_evidence_assess(fact_checker):
    ticket = TicketFactory(researching=True)
    item = EvidenceFactory(ticket=ticket, stance=Stance.UNASSESSED)
    client = login(fact_checker)
    page = client.get(change_url(ticket))
    data = change_form_data(page)
    data[f"evidence-{item.pk}-stance"] = Stance.REFUTES
    data[f"evidence-{item.pk}-summary"] = "No damage visible on the 30 December scene."

    response = client.post(change_url(ticket), data)

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.stance == Stance.REFUTES
    assert item.summary == "No damage visible on the 30 December scene."
    event = ticket.events.get(action="evidence_assessed")
    assert event.actor == fact_checker
    assert "refutes" in event.note


def test_evidence_added_by_hand_goes_through_evidence_add(fact_checker):
    ticket = TicketFactory(researching=True)
    client = login(fact_checker)
    page = client.get(change_url(ticket))
    data = change_form_data(page)
    data["add-kind"] = Kind.DOCUMENT
    data["add-title"] = "Ministry of Defence statement"
    data["add-url"] = "https://example.org/statement"
    data["add-stance"] = Stance.CONTEXT

    response = client.post(change_url(ticket), data)

    assert response.status_code == 302
    item = Evidence.objects.get(ticket=ticket)
    assert (item.kind, item.stance, item.added_by) == (Kind.DOCUMENT, Stance.CONTEXT, fact_checker)
    assert ticket.events.filter(action="evidence_added", actor=fact_checker).count() == 1


def test_evidence_of_a_decided_ticket_cannot_be_edited(reviewer):
    ticket = TicketFactory(decided=True, state=State.DEBUNKED)
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)

    response = login(reviewer).get(change_url(ticket))
    html = response.content.decode()

    assert not EDITABLE_STANCE.search(html)
    assert "add evidence by hand" not in html.lower()


def test_evidence_page_edits_stance_through_the_service(fact_checker):
    item = EvidenceFactory(ticket=TicketFactory(researching=True))
    url = reverse("admin:evidence_evidence_change", args=[item.pk])
    client = login(fact_checker)
    page = client.get(url)
    assert set(page.context["adminform"].form.fields) == {"stance", "summary"}

    response = client.post(url, {"stance": Stance.SUPPORTS, "summary": "Footage geolocated."})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.stance == Stance.SUPPORTS
    assert item.ticket.events.filter(action="evidence_assessed", actor=fact_checker).exists()


def test_fetch_again_queues_the_providers(fact_checker):
    ticket = TicketFactory(researching=True)

    response = login(fact_checker).post(
        reverse("admin:claims_ticket_fetch", args=[ticket.pk]), follow=True
    )

    assert response.status_code == 200
    assert set(ticket.fetch_jobs.values_list("provider", flat=True)) == set(Provider.values)
    assert any("Evidence fetch requested" in m for m in message_texts(response))


def test_reporter_cannot_fetch_again(reporter):
    ticket = TicketFactory(researching=True)

    response = login(reporter).post(
        reverse("admin:claims_ticket_fetch", args=[ticket.pk]), follow=True
    )

    assert not ticket.fetch_jobs.exists()
    assert any("may not fetch" in m for m in message_texts(response))


# --- opening a ticket --------------------------------------------------------------------------------

OPEN_FORM = {
    "text": "Ukraine launched 91 long-range drones at the state residence.",
    "claimant": "Sergei Lavrov, Foreign Minister of Russia",
    "claimed_at": "2025-12-29",
    "language": "en",
    "place_name": "Valdai, Novgorod Oblast",
    "latitude": "58.0",
    "longitude": "33.3",
    "event_start_0": "2025-12-27",
    "event_start_1": "21:00:00",
    "event_end_0": "2025-12-29",
    "event_end_1": "20:59:59",
    "tags": "drones, Novgorod",
    "priority": str(Priority.HIGH),
}


def test_reporter_opens_a_ticket_from_the_add_form(reporter):
    response = login(reporter).post(reverse("admin:claims_ticket_add"), OPEN_FORM)

    assert response.status_code == 302
    ticket = Ticket.objects.select_related("claim").get()
    assert ticket.opened_by == reporter
    assert ticket.state == State.UNVERIFIED
    assert ticket.priority == Priority.HIGH
    assert ticket.claim.latitude == 58.0
    assert sorted(t.name for t in ticket.claim.tags.all()) == ["drones", "novgorod"]
    assert ticket.events.filter(action="opened", actor=reporter).count() == 1


def test_opening_a_ticket_queues_its_evidence_fetch_after_commit(
    reporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        login(reporter).post(reverse("admin:claims_ticket_add"), OPEN_FORM)

    ticket = Ticket.objects.get()
    assert ticket.fetch_jobs.exists()
    assert callbacks, "the queued jobs are sent to the broker only once the ticket is committed"


def test_add_form_renders_for_a_reporter(reporter):
    response = login(reporter).get(reverse("admin:claims_ticket_add"))

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("text", "claimant", "claimed_at", "tags", "priority"):
        assert f'name="{field}"' in html


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latitude": "95"}, "latitude"),
        ({"longitude": ""}, "longitude"),
        ({"event_end_0": "2025-12-20"}, "event_end"),
        ({"text": ""}, "text"),
    ],
)
def test_add_form_shows_field_errors_and_writes_nothing(reporter, changes, field):
    response = login(reporter).post(reverse("admin:claims_ticket_add"), {**OPEN_FORM, **changes})

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Ticket.objects.exists()
    assert not Claim.objects.exists()


def test_staff_user_without_a_role_cannot_open_tickets(outsider):
    response = login(outsider).post(reverse("admin:claims_ticket_add"), OPEN_FORM)

    assert response.status_code == 403
    assert not Ticket.objects.exists()


# --- nothing is deleted, records stay read-only ------------------------------------------------------


def test_tickets_claims_and_events_cannot_be_deleted_even_by_a_superuser(superuser):
    ticket = TicketFactory()
    event = TicketEvent.objects.create(ticket=ticket, actor_label="system", action="opened")
    client = login(superuser)

    for name, pk in (
        ("claims_ticket", ticket.pk),
        ("claims_claim", ticket.claim_id),
        ("claims_ticketevent", event.pk),
    ):
        response = client.post(reverse(f"admin:{name}_delete", args=[pk]), {"post": "yes"})
        assert response.status_code == 403, name

    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert TicketEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("model", ["claims_ticketevent", "evidence_fetchjob", "claims_claim"])
def test_records_are_read_only_even_for_a_superuser(superuser, model):
    ticket = TicketFactory()
    pk = {
        "claims_ticketevent": lambda: (
            TicketEvent.objects.create(ticket=ticket, actor_label="system", action="opened").pk
        ),
        "evidence_fetchjob": lambda: FetchJob.objects.create(ticket=ticket, provider="archive").pk,
        "claims_claim": lambda: ticket.claim_id,
    }[model]()
    client = login(superuser)

    page = client.get(reverse(f"admin:{model}_change", args=[pk]))
    post = client.post(reverse(f"admin:{model}_change", args=[pk]), {"note": "x"})
    add = client.get(reverse(f"admin:{model}_add"))

    assert page.status_code == 200
    assert not page.context["adminform"].form.fields
    assert post.status_code == 403
    assert add.status_code == 403
