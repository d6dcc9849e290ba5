"""API tokens from the command line.

python manage.py api_token create rita --name "newsroom CMS" [--days 30]   prints the key once
python manage.py api_token list [rita]
python manage.py api_token revoke <id or key prefix>
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import selectors, services
from accounts.models import ApiToken
from factcheck.errors import DomainError


class Command(BaseCommand):
    help = "Create (the key is printed once), list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="A new token for a user; prints its key once.")
        create.add_argument("username")
        create.add_argument("--name", default="api_token command")
        create.add_argument(
            "--days",
            type=int,
            help="Days until it expires (default FACTCHECK_TOKEN_TTL_DAYS; 0: never).",
        )
        listing = sub.add_parser("list", help="Tokens (never their keys), of one user or all.")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id or its key's prefix.")
        revoke.add_argument("token", help="The id from `list`, or the key's first 8 characters.")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        try:
            token, key = services.api_token_create(
                user=user, name=options["name"], days=options["days"]
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        expiry = (
            f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC"
            if token.expires_at
            else "never expires"
        )
        self.stdout.write(
            self.style.SUCCESS(f"Token {token.pk} ({token.name}) for {user}, {expiry}.")
        )
        self.stdout.write(f"API token: {key}")
        self.stdout.write("(Shown only now: the key is stored as a digest.)")

    def _list(self, options: dict[str, Any]) -> None:
        for token in selectors.api_tokens_listed(username=options["username"]):
            status = token.refusal().rstrip(".").removeprefix("Token ") or "active"
            expiry = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "never expires"
            self.stdout.write(
                f"{token.pk}\t{token.prefix}…\t{token.user}\t{token.name}\t{status}\t"
                f"created {token.created_at:%Y-%m-%d}\t{expiry}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        ref = options["token"].strip()
        tokens = ApiToken.objects.filter(pk=int(ref)) if ref.isdigit() else ApiToken.objects.none()
        if not tokens.exists():
            tokens = ApiToken.objects.filter(prefix=ref[:8]) if len(ref) >= 8 else tokens
        if tokens.count() != 1:
            raise CommandError(f"No single token matches {ref!r} (see `api_token list`).")
        token = services.api_token_revoke(token=tokens.get())
        self.stdout.write(
            self.style.SUCCESS(f"Token {token.pk} ({token.name}, {token.user}) revoked.")
        )
