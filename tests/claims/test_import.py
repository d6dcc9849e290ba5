"""Bulk import (issue 13, part 4): `manage.py import_claims` and claims.imports.

Importing a file twice opens nothing new (the `key`); a file with bad rows imports the rest and
names each bad row by its line and field errors; the rows are checked as ticket_open checks a claim;
a batch the database refuses is written again row by row."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command

from claims import imports
from claims.models import Priority, Ticket, TicketEvent
from claims.services import ticket_open
from claims.signals import ticket_opened
from evidence.models import FetchJob, FetchStatus
from factcheck.errors import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db

HEADER = [
    "key",
    "text",
    "claimant",
    "claimed_at",
    "place_name",
    "latitude",
    "longitude",
    "tags",
    "priority",
]


def good_row(n: int) -> list[str]:
    return [
        f"row-{n}",
        f"Claim {n}: ninety-one drones were shot down over the Novgorod region.",
        "A ministry",
        "2025-12-29",
        "Valdai, Novgorod Oblast",
        "57.98",
        "33.25",
        "drones;Russia",
        "high" if n % 2 else "",
    ]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_claims", str(path), "--no-progress", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def test_importing_a_10000_row_csv_twice_leaves_10000_tickets(tmp_path):
    path = write_csv(tmp_path / "claims.csv", [good_row(n) for n in range(10_000)])

    first = run_import(path)
    assert first[0] == 0, first
    assert "10000 tickets opened, 0 existed already" in first[1]
    second = run_import(path)
    assert second[0] == 0, second
    assert "0 tickets opened, 10000 existed already" in second[1]

    assert Ticket.objects.count() == 10_000
    assert Ticket.objects.filter(key="row-7").get().claim.text.startswith("Claim 7:")
    # Every ticket has its fetch jobs and its audit trail, as a ticket opened by hand has.
    assert FetchJob.objects.values("ticket").distinct().count() == 10_000
    assert TicketEvent.objects.filter(action="opened").count() == 10_000


def test_a_file_with_three_bad_rows_imports_the_rest_and_names_the_three(tmp_path):
    rows = [good_row(n) for n in range(20)]
    rows[2][1] = ""  # line 4: no text
    rows[9][3] = "2025-13-40"  # line 11: no such date
    rows[15][5] = "91"  # line 17: latitude out of range...
    rows[15][8] = "whenever"  # ...and an unknown priority
    path = write_csv(tmp_path / "claims.csv", rows)

    code, out, err = run_import(path)

    assert code == 1
    assert "17 tickets opened, 0 existed already (same key), 3 rows refused." in out
    assert "line 4: claim.text: This field cannot be blank." in err
    assert "line 11: claim.claimed_at:" in err and "invalid date" in err
    assert "line 17: claim.latitude: Ensure this value is less than or equal to 90.0." in err
    assert 'priority: "whenever" is not a priority' in err
    assert "lines 4, 11, 17" in err
    assert Ticket.objects.count() == 17
    assert not Ticket.objects.filter(key__in=["row-2", "row-9", "row-15"]).exists()


def test_an_unknown_column_stops_the_import_before_anything_is_written(tmp_path):
    path = write_csv(tmp_path / "claims.csv", [good_row(1)], header=[*HEADER[:-1], "urgency"])

    code, _, err = run_import(path)

    assert code == 2
    assert "Unknown column: 'urgency'" in err and "The columns are: text, claimant" in err
    assert Ticket.objects.count() == 0


def test_exit_status_is_two_for_a_missing_file_or_an_unknown_extension(tmp_path):
    assert run_import(tmp_path / "missing.csv")[0] == 2
    (tmp_path / "claims.txt").write_text("text\nA claim with no claimant.\n")
    code, _, err = run_import(tmp_path / "claims.txt")
    assert code == 2 and "csv or jsonl" in err
    # --format decides when the extension cannot.
    assert run_import(tmp_path / "claims.txt", "--format", "csv")[0] == 1


def test_jsonl_rows_with_tags_as_a_list_nulls_and_a_broken_line(tmp_path):
    lines = [
        {
            "key": "j1",
            "text": "A claim in JSON.",
            "claimant": "A",
            "claimed_at": "2025-12-29",
            "tags": ["drones", "Kyiv"],
            "priority": "urgent",
            "latitude": None,
        },
        "this is not json",
        {
            "key": "j2",
            "text": "Another.",
            "claimant": "B",
            "claimed_at": "2025-12-30",
            "event_start": "2025-12-28T21:00:00Z",
            "event_end": "2025-12-29T06:00:00+03:00",
        },
        {
            "key": "j3",
            "text": "Unknown field.",
            "claimant": "C",
            "claimed_at": "2025-12-30",
            "colour": "red",
        },
        {
            "key": "j4",
            "text": "Tags as a string.",
            "claimant": "C",
            "claimed_at": "2025-12-30",
            "tags": "drones",
        },
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n\n"
    )

    code, out, err = run_import(path)

    assert code == 1
    assert "2 tickets opened" in out
    assert "line 2: non_field_errors: Not valid JSON" in err
    assert "line 4: colour: Unknown field." in err
    assert "line 5: tags: Must be a list of tag names." in err
    first = Ticket.objects.get(key="j1")
    assert first.priority == Priority.URGENT
    assert sorted(first.claim.tags.values_list("name", flat=True)) == ["drones", "kyiv"]
    assert first.claim.latitude is None
    second = Ticket.objects.get(key="j2").claim
    assert second.event_start.isoformat() == "2025-12-28T21:00:00+00:00"
    assert second.event_end.isoformat() == "2025-12-29T03:00:00+00:00"


def test_a_row_is_refused_with_the_very_errors_ticket_open_gives(tmp_path):
    claim = {
        "text": "",
        "claimant": "A",
        "claimed_at": "2025-12-29",
        "latitude": 10.0,
        "media_type": "video",
    }
    with pytest.raises(InvalidInput) as opened:
        ticket_open(opened_by=None, claim=claim)

    (result,) = imports.tickets_import([imports.Row(number=2, claim=claim)], actor=None)

    assert result.status == "refused"
    assert result.errors == opened.value.field_errors


def test_the_same_key_twice_in_one_file_opens_one_ticket(tmp_path):
    rows = [good_row(1), good_row(2), good_row(1)]
    code, out, _ = run_import(write_csv(tmp_path / "claims.csv", rows))
    assert code == 0
    assert "2 tickets opened, 1 existed already" in out
    assert Ticket.objects.count() == 2


def test_a_batch_the_database_refuses_is_written_row_by_row(tmp_path, monkeypatch):
    """A concurrent import opened row-3's key between the batch's lookup and its INSERT: the
    unique constraint refuses the batch, and row by row the others still land."""
    ticket_open(
        opened_by=None,
        claim={"text": "Earlier.", "claimant": "A", "claimed_at": "2025-12-29"},
        key="row-3",
    )
    monkeypatch.setattr(imports, "_keys_known", lambda keys: {})
    sent: list[int] = []
    ticket_opened.connect(
        lambda sender, tickets, actor, **kw: sent.append(len(tickets)),
        weak=False,
        dispatch_uid="test-fallback",
    )
    path = write_csv(tmp_path / "c.csv", [good_row(n) for n in range(6)])
    try:
        with open(path, newline="") as stream:
            results = list(imports.file_import(stream, fmt="csv", actor=None))
    finally:
        ticket_opened.disconnect(dispatch_uid="test-fallback")

    assert [r.status for r in results] == ["created"] * 3 + ["exists"] + ["created"] * 2
    assert results[3].ticket_id == Ticket.objects.get(key="row-3").pk
    assert Ticket.objects.count() == 6
    assert sent == [5]  # one signal for the rows that landed, even row by row


def test_ticket_opened_is_sent_once_per_batch_with_its_tickets(tmp_path):
    batches: list[list[int]] = []

    def receiver(sender, tickets, actor, **kwargs):  # type: ignore[no-untyped-def]
        batches.append([t.pk for t in tickets])

    ticket_opened.connect(receiver, dispatch_uid="test-batches")
    try:
        rows = [
            imports.Row(
                number=n, claim={"text": f"C{n}", "claimant": "A", "claimed_at": "2025-12-29"}
            )
            for n in range(7)
        ]
        results = list(imports.tickets_import(rows, actor=None, batch_size=3))
    finally:
        ticket_opened.disconnect(dispatch_uid="test-batches")
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [pk for b in batches for pk in b] == [r.ticket_id for r in results]


def test_imported_tickets_get_the_fetch_jobs_ticket_open_plans_on_the_bulk_queue(reporter):
    claim = {
        "text": "Drones over Valdai.",
        "claimant": "A",
        "claimed_at": "2025-12-29",
        "source_url": "https://example.org/a",
        "place_name": "Valdai",
        "latitude": 57.9,
        "longitude": 33.2,
    }
    by_hand = ticket_open(opened_by=reporter, claim=claim)
    (result,) = imports.tickets_import([imports.Row(number=1, claim=claim)], actor=reporter)

    def plan(ticket_id: int) -> list[tuple[str, str, str]]:
        return sorted(
            FetchJob.objects.filter(ticket_id=ticket_id).values_list(
                "provider", "status", "last_error"
            )
        )

    assert plan(result.ticket_id) == plan(by_hand.pk)
    assert set(
        FetchJob.objects.filter(ticket_id=result.ticket_id).values_list("bulk", flat=True)
    ) == {True}
    assert not FetchJob.objects.filter(ticket=by_hand, bulk=True).exists()
    actions = list(
        TicketEvent.objects.filter(ticket_id=result.ticket_id).values_list("action", "actor")
    )
    assert actions == [("opened", reporter.pk), ("fetch_queued", reporter.pk)]


def test_each_batch_sends_one_message_on_the_bulk_fetch_queue(django_capture_on_commit_callbacks):
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = settings.FACTCHECK_BULK_FETCH_QUEUE
    broker.delete(queue, "celery")
    rows = [
        imports.Row(number=n, claim={"text": f"C{n}", "claimant": "A", "claimed_at": "2025-12-29"})
        for n in range(5)
    ]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            list(imports.tickets_import(rows, actor=None, batch_size=2))
        messages = [json.loads(m) for m in broker.lrange(queue, 0, -1)]
        assert broker.llen("celery") == 0
    finally:
        broker.delete(queue, "celery")
    assert [m["headers"]["task"] for m in messages] == ["workers.fan_out_fetch_jobs"] * 3
    sent = sorted(
        job_id for m in messages for job_id in json.loads(base64.b64decode(m["body"]))[0][0]
    )
    queued = FetchJob.objects.filter(status=FetchStatus.QUEUED).values_list("pk", flat=True)
    assert sent == sorted(queued)


def test_a_role_that_may_not_open_tickets_imports_nothing(outsider):
    with pytest.raises(PermissionDenied):
        list(imports.tickets_import([imports.Row(number=1, claim={})], actor=outsider))


def test_a_nul_character_in_a_cell_refuses_its_row_not_the_file(tmp_path):
    rows = [good_row(1), good_row(2), good_row(3)]
    rows[1][1] = "Drones\x00 over Valdai."
    rows[2][0] = "row-\x003"
    code, _, err = run_import(write_csv(tmp_path / "claims.csv", rows))
    assert code == 1
    assert "line 3: claim.text: Null characters are not allowed." in err
    assert "line 4: key: Null characters are not allowed." in err
    assert Ticket.objects.count() == 1
