"""Remove a user's two-factor devices (a lost phone and lost recovery codes).

    python manage.py reset_2fa ravi [--reason "lost phone, ticket 123"]

The user logs in with the password alone afterwards and, if FACTCHECK_REQUIRE_2FA binds them
(reviewers, superusers), is sent to enrol again before anything else. Recorded as a `2fa_reset`
security event.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services


class Command(BaseCommand):
    help = "Remove every two-factor device (authenticator, recovery codes) of a user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", default="", help="Kept in the security event.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        removed = services.second_factor_reset(user=user, reason=options["reason"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {removed} two-factor device(s) of {user}; they enrol again."
            )
        )
