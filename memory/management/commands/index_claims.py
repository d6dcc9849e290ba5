"""Embed the claims the memory has no current vector for.

    python manage.py index_claims                  # what is missing, or of another model or text
    python manage.py index_claims --all            # every claim again
    python manage.py index_claims --batch-size 64 --database default

A claim is embedded when it has no vector, a vector made by another model or model version, or a
vector of an earlier text (its SHA-256 differs). Where the database has the `vector` extension but
not the ClaimVector table (the extension was installed after the migrations ran), the table is
created first and the stored vectors are copied into it. A progress bar on a terminal (none when
the output is not one, or with -v0); at the end one line says what was done.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from tqdm import tqdm

from memory import vectorstore
from memory.services import claims_index


class Command(BaseCommand):
    help = (
        "Embed every claim with no vector, a vector of another model or version, or of an earlier "
        "text (--all: every claim), and store the vectors for the claim memory's search."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Embed every claim again.")
        parser.add_argument(
            "--batch-size", type=int, default=32, help="Claims embedded at once (default 32)."
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        using: str = options["database"]
        verbosity: int = options["verbosity"]

        copied = vectorstore.vector_table_ensure(using=using)
        if copied is not None and verbosity:
            self.stdout.write(
                f"Created the pgvector table; copied {copied} stored vectors into it."
            )
        bar: tqdm | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit="claim", file=self.stderr._out, dynamic_ncols=True)
            bar.update(done - bar.n)

        try:
            report = claims_index(
                batch_size=batch_size,
                everything=options["all"],
                progress=progress if self._show_progress(verbosity) else None,
                using=using,
            )
        finally:
            if bar is not None:
                bar.close()
        if verbosity:
            self.stdout.write(
                f"Embedded {report.embedded} {'claim' if report.embedded == 1 else 'claims'}; "
                f"{report.up_to_date} {'was' if report.up_to_date == 1 else 'were'} up to date; "
                f"search: {vectorstore.backend(using)}"
            )

    def _show_progress(self, verbosity: int) -> bool:
        return verbosity > 0 and self.stderr.isatty()
