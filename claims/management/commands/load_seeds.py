"""Open a verification ticket for each seed claim (seeds/claims.json). Safe to run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import truncatechars

from claims.models import Ticket
from seeds.loader import SEED_FILE, Seed, SeedError, seeds_load


class Command(BaseCommand):
    help = (
        "Load the seed claims as tickets (opened by the system). Claims already present "
        "(same claimant, date and text) are skipped, so running it twice creates nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, default=SEED_FILE, help=f"Seed file (default {SEED_FILE})."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No seed file at {path}.")

        def report(seed: Seed, ticket: Ticket, created: bool) -> None:
            mark = "+ opened " if created else "= exists "
            self.stdout.write(
                f"  {mark}ticket #{ticket.pk} [{seed.key}] "
                f"{truncatechars(seed.claim['claimant'], 40)}: "
                f"{truncatechars(seed.claim['text'], 70)}"
            )

        try:
            created, existing = seeds_load(
                path=path, report=report if options["verbosity"] >= 1 else None
            )
        except (SeedError, OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Seed claims: {created} ticket(s) opened, {existing} already present."
            )
        )
