"""Contract of the evidence and fetch endpoints."""

from __future__ import annotations

import pytest

from claims.workflow import State
from evidence.models import Evidence, FetchJob, FetchStatus, Stance
from tests.api.test_tickets import error_of
from tests.factories import EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db

NOTE = {
    "kind": "satellite_scene",
    "title": "Sentinel-2 over Valdai",
    "url": "https://example.org/s2",
}


# --- GET /api/v1/tickets/{id}/evidence/ ---------------------------------------------------------


def test_evidence_list_is_newest_first_and_filterable(client_for, reporter):
    ticket = TicketFactory(researching=True)
    older = EvidenceFactory(ticket=ticket, stance=Stance.SUPPORTS)
    newer = EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    EvidenceFactory()  # another ticket's
    client = client_for(reporter)

    body = client.get(f"/api/v1/tickets/{ticket.pk}/evidence/").json()
    assert [e["id"] for e in body["results"]] == [newer.pk, older.pk]
    refuting = client.get(f"/api/v1/tickets/{ticket.pk}/evidence/?stance=refutes").json()
    assert [e["id"] for e in refuting["results"]] == [newer.pk]


def test_evidence_list_of_unknown_ticket_is_a_404(client_for, reporter):
    response = client_for(reporter).get("/api/v1/tickets/777777/evidence/")
    assert response.status_code == 404


# --- POST /api/v1/tickets/{id}/evidence/ --------------------------------------------------------


def test_fact_checker_adds_evidence_by_hand(client_for, fact_checker):
    ticket = TicketFactory(researching=True)

    response = client_for(fact_checker).post(
        f"/api/v1/tickets/{ticket.pk}/evidence/", {**NOTE, "stance": "supports"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["ticket"] == ticket.pk
    assert body["stance"] == "supports"
    assert body["provider"] == "" and body["external_id"] is None
    assert body["added_by"]["username"] == fact_checker.username
    assert ticket.events.filter(action="evidence_added").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "no kind"}, "kind"),
        ({**NOTE, "kind": "rumour"}, "kind"),
        ({**NOTE, "provider": "archive"}, "provider"),
        ({**NOTE, "external_id": "x"}, "external_id"),
        ({**NOTE, "url": "javascript:alert(1)"}, "url"),
        ({**NOTE, "title": "t" * 501}, "title"),
        ({**NOTE, "summary": "nul \x00 byte"}, "summary"),
    ],
)
def test_invalid_evidence_is_refused_with_the_field_named(client_for, fact_checker, body, field):
    ticket = TicketFactory(researching=True)
    response = client_for(fact_checker).post(
        f"/api/v1/tickets/{ticket.pk}/evidence/", body, format="json"
    )
    assert response.status_code == 400
    assert field in error_of(response)["fields"], response.json()
    assert Evidence.objects.count() == 0


def test_evidence_cannot_be_added_to_a_decided_ticket(client_for, fact_checker):
    ticket = TicketFactory(decided=True, state=State.DEBUNKED)
    response = client_for(fact_checker).post(
        f"/api/v1/tickets/{ticket.pk}/evidence/", NOTE, format="json"
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "transition_not_allowed"


def test_reporter_may_not_add_evidence(client_for, reporter):
    ticket = TicketFactory(researching=True)
    response = client_for(reporter).post(
        f"/api/v1/tickets/{ticket.pk}/evidence/", NOTE, format="json"
    )
    assert response.status_code == 403
    assert Evidence.objects.count() == 0


# --- GET, PATCH /api/v1/evidence/{id}/ ----------------------------------------------------------


def test_evidence_detail(client_for, reporter):
    item = EvidenceFactory(title="FIRMS detection")
    response = client_for(reporter).get(f"/api/v1/evidence/{item.pk}/")
    assert response.status_code == 200
    assert response.json()["title"] == "FIRMS detection"


def test_fact_checker_assesses_stance_and_summary(client_for, fact_checker):
    item = EvidenceFactory(ticket=TicketFactory(researching=True))

    response = client_for(fact_checker).patch(
        f"/api/v1/evidence/{item.pk}/",
        {"stance": "refutes", "summary": "The scene shows no damage."},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["stance"] == "refutes"
    item.refresh_from_db()
    assert item.summary == "The scene shows no damage."
    assert item.ticket.events.filter(action="evidence_assessed").count() == 1


@pytest.mark.parametrize("field", ["title", "url", "kind", "ticket", "provider"])
def test_only_stance_and_summary_may_change(client_for, fact_checker, field):
    item = EvidenceFactory(ticket=TicketFactory(researching=True))
    response = client_for(fact_checker).patch(
        f"/api/v1/evidence/{item.pk}/", {field: "x", "stance": "context"}, format="json"
    )
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    item.refresh_from_db()
    assert item.stance == Stance.UNASSESSED


def test_assessing_evidence_of_a_decided_ticket_is_a_409(client_for, fact_checker):
    item = EvidenceFactory(ticket=TicketFactory(decided=True, state=State.CORROBORATED))
    response = client_for(fact_checker).patch(
        f"/api/v1/evidence/{item.pk}/", {"stance": "refutes"}, format="json"
    )
    assert response.status_code == 409


def test_reporter_may_not_assess_evidence(client_for, reporter):
    item = EvidenceFactory(ticket=TicketFactory(researching=True))
    response = client_for(reporter).patch(
        f"/api/v1/evidence/{item.pk}/", {"stance": "refutes"}, format="json"
    )
    assert response.status_code == 403


def test_unknown_evidence_is_a_404(client_for, fact_checker):
    response = client_for(fact_checker).patch(
        "/api/v1/evidence/31337/", {"stance": "refutes"}, format="json"
    )
    assert response.status_code == 404


# --- POST /api/v1/tickets/{id}/fetch/, GET .../fetch-jobs/ --------------------------------------


def test_fetch_queues_every_provider_and_answers_202_with_the_jobs(client_for, fact_checker):
    ticket = TicketFactory(researching=True)

    response = client_for(fact_checker).post(f"/api/v1/tickets/{ticket.pk}/fetch/")

    assert response.status_code == 202
    jobs = response.json()["jobs"]
    assert {j["provider"] for j in jobs} == {
        "satellite_scenes",
        "thermal_anomalies",
        "archive",
        "news_coverage",
        "prior_fact_checks",
        "web_source",
        "claim_memory",
    }
    assert FetchJob.objects.filter(ticket=ticket).count() == 7
    # Providers without a key are recorded as skipped, with the reason.
    skipped = {j["provider"]: j["last_error"] for j in jobs if j["status"] == FetchStatus.SKIPPED}
    assert "No API key" in skipped["thermal_anomalies"]


def test_fetch_named_providers_and_not_twice_while_queued(client_for, fact_checker):
    ticket = TicketFactory(researching=True)
    client = client_for(fact_checker)

    first = client.post(
        f"/api/v1/tickets/{ticket.pk}/fetch/", {"providers": ["archive"]}, format="json"
    )
    again = client.post(
        f"/api/v1/tickets/{ticket.pk}/fetch/", {"providers": ["archive"]}, format="json"
    )

    assert first.status_code == again.status_code == 202
    assert [j["id"] for j in again.json()["jobs"]] == [j["id"] for j in first.json()["jobs"]]
    assert FetchJob.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"providers": ["telepathy"]}, "providers.0"),
        ({"providers": []}, "providers"),
        ({"providers": "archive"}, "providers"),
        ({"everything": True}, "everything"),
    ],
)
def test_fetch_refuses_unknown_providers_and_fields(client_for, fact_checker, body, field):
    ticket = TicketFactory(researching=True)
    response = client_for(fact_checker).post(
        f"/api/v1/tickets/{ticket.pk}/fetch/", body, format="json"
    )
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert FetchJob.objects.count() == 0


def test_reporter_may_not_queue_fetches(client_for, reporter):
    ticket = TicketFactory(researching=True)
    response = client_for(reporter).post(f"/api/v1/tickets/{ticket.pk}/fetch/")
    assert response.status_code == 403
    assert FetchJob.objects.count() == 0


def test_fetch_jobs_list_newest_first(client_for, reporter):
    ticket = TicketFactory()
    old = FetchJob.objects.create(ticket=ticket, provider="archive", status=FetchStatus.SUCCEEDED)
    new = FetchJob.objects.create(ticket=ticket, provider="archive")
    response = client_for(reporter).get(f"/api/v1/tickets/{ticket.pk}/fetch-jobs/")
    assert response.status_code == 200
    assert [j["id"] for j in response.json()["results"]] == [new.pk, old.pk]


@pytest.mark.parametrize("observed_at", ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"])
def test_evidence_observed_outside_the_desk_date_range_is_refused(
    client_for, fact_checker, observed_at
):
    ticket = TicketFactory(researching=True)
    response = client_for(fact_checker).post(
        f"/api/v1/tickets/{ticket.pk}/evidence/",
        {**NOTE, "observed_at": observed_at},
        format="json",
    )
    assert response.status_code == 400
    assert "observed_at" in error_of(response)["fields"], response.json()
    assert Evidence.objects.count() == 0
