"""Export tickets as CSV, JSON Lines or ClaimReview lines (claims.exports), streamed.

    python manage.py export_tickets --format csv --output tickets.csv
    python manage.py export_tickets --format jsonl --filter state=researching --filter tag=drones
    python manage.py export_tickets --format claimreview > claimreviews.jsonl

The columns and their order are the README's (claims.exports.EXPORT_COLUMNS); `--filter` takes the
API list's filters (claims/api/filters.py) as NAME=VALUE. Memory stays flat whatever the number of
tickets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.api.filters import TicketFilter
from claims.exports import FORMATS, export_lines
from claims.models import Ticket


class Command(BaseCommand):
    help = "Export tickets (csv, jsonl, or claimreview: one ClaimReview per decided ticket)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", type=Path, help="File to write (default: standard output).")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A filter of the API's ticket list (state, verdict, assignee, claimant, tag, "
            "opened_after, opened_before, q); repeat to combine.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = {}
        for given in options["filter"]:
            name, sep, value = given.partition("=")
            if not sep or name not in TicketFilter.base_filters:
                known = ", ".join(TicketFilter.base_filters)
                raise CommandError(
                    f"--filter {given!r}: expected NAME=VALUE with NAME one of {known}."
                )
            data[name] = value
        tickets = Ticket.objects.select_related("claim").order_by("-created_at", "-id")
        selected = TicketFilter(data=data, queryset=tickets)
        if not selected.is_valid():
            raise CommandError(f"Invalid filters: {dict(selected.errors)}")
        output = options["output"]
        count = 0
        if output:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                for line in export_lines(selected.qs, options["format"]):
                    stream.write(line)
                    count += 1
        else:
            for line in export_lines(selected.qs, options["format"]):
                self.stdout.write(line, ending="")
                count += 1
        if output:
            rows = count - 1 if options["format"] == "csv" else count
            self.stderr.write(f"{rows} tickets written to {output}.")
