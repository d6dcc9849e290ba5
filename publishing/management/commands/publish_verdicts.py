"""Give every verdict approved before public pages existed its page.

    python manage.py publish_verdicts

Idempotent: tickets already published are left as they are (approval and reopening keep pages up
to date from then on)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from publishing.services import publications_backfill


class Command(BaseCommand):
    help = "Publish the decided tickets that have no public page yet. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        published = publications_backfill()
        for publication in published:
            self.stdout.write(f"published {publication}")
        self.stdout.write(self.style.SUCCESS(f"{len(published)} verdict(s) published."))
