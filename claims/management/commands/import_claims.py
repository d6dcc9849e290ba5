"""Import claims from a CSV or JSON Lines file as tickets (claims.imports).

    python manage.py import_claims claims.csv
    python manage.py import_claims claims.jsonl --as fiona --batch-size 500

The header (CSV) or keys (JSONL) are the API's claim field names plus `tags` (semicolons in CSV, a
list in JSONL), `priority` and `key`. Rows whose `key` a ticket has already are left alone, so
importing a file twice opens nothing new. Every refused row is reported with its line (a CSV's
header is line 1) and its field errors; the others are imported. Exit status: 0 all rows imported
or existing, 1 some rows refused, 2 the file could not be imported at all (unknown columns, no
such file). Streaming: memory stays flat however long the file.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from claims.imports import (
    FORMATS,
    ImportFileError,
    ImportSummary,
    errors_text,
    file_import,
    format_for,
)
from factcheck.errors import PermissionDenied


class _CountingReader(io.RawIOBase):
    """A binary file that moves a progress bar by the bytes read from it."""

    def __init__(self, raw: io.BufferedReader, bar: tqdm) -> None:
        self.raw, self.bar = raw, bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)
        self.bar.update(count or 0)
        return count or 0


class Command(BaseCommand):
    help = (
        "Import claims from a CSV or JSONL file as tickets, each row all-or-nothing; rows whose "
        "key exists already are skipped. Exit status 1 if any row was refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV or JSONL file.")
        parser.add_argument(
            "--format", choices=FORMATS, help="Default: from the extension (.csv, .jsonl)."
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="The user the tickets are opened by (default: the system).",
        )
        parser.add_argument(
            "--batch-size", type=int, help="Rows per transaction (FACTCHECK_IMPORT_BATCH_SIZE)."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            fmt = format_for(str(path), options["format"])
        except ImportFileError as error:
            raise CommandError(str(error), returncode=2) from error
        if not path.is_file():
            raise CommandError(f"No file at {path}.", returncode=2)
        actor = None
        if options["username"]:
            actor = get_user_model().objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"No user {options['username']!r}.", returncode=2)
        quiet = options["no_progress"] or options["verbosity"] == 0
        summary = ImportSummary(keep=20)
        with (
            open(path, "rb") as raw,
            tqdm(
                total=os.path.getsize(path),
                unit="B",
                unit_scale=True,
                desc=path.name,
                disable=quiet,
                file=self.stderr._out,
            ) as bar,
        ):
            stream = io.TextIOWrapper(
                io.BufferedReader(_CountingReader(raw, bar), buffer_size=1 << 16),
                encoding="utf-8-sig",
                newline="" if fmt == "csv" else None,
            )
            try:
                for result in file_import(
                    stream, fmt=fmt, actor=actor, batch_size=options["batch_size"]
                ):
                    summary.add(result)
                    if result.status == "refused":
                        tqdm.write(
                            f"line {result.number}: {errors_text(result.errors)}",
                            file=self.stderr._out,
                        )
                    bar.set_postfix(
                        created=summary.created, refused=summary.refused_count, refresh=False
                    )
            except ImportFileError as error:
                raise CommandError(
                    f"{path}: {error} Nothing was imported.", returncode=2
                ) from error
            except PermissionDenied as error:
                raise CommandError(str(error), returncode=2) from error
            except UnicodeDecodeError as error:
                raise CommandError(
                    f"{path} is not UTF-8 text ({error}); the rows before it were imported.",
                    returncode=2,
                ) from error
        self.stdout.write(
            f"{summary.created} tickets opened, {summary.existed} existed already (same key), "
            f"{summary.refused_count} rows refused."
        )
        if summary.refused_count:
            lines = ", ".join(str(r.number) for r in summary.refused)
            more = "..." if summary.refused_not_kept else ""
            raise CommandError(f"{summary.refused_count} rows refused (lines {lines}{more}).")
