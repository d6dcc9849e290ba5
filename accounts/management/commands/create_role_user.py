"""Create or update a user in one role and print a new API token.

    python manage.py create_role_user rita --role reporter --password s3cret
    python manage.py create_role_user sam --role reviewer --superuser --email sam@example.org

Running it again updates the same user (role, password, email). Keys are stored only as digests,
so a key can be shown only when it is made: the command makes one for a user who has no active
token, or whenever `--new-token` is given (earlier tokens keep working until revoked, with
`manage.py api_token revoke`), and none with `--no-token` (dev.py up's demo logins).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import selectors, services
from claims.workflow import Role

TOKEN_NAME = "create_role_user"  # noqa: S105 - the name given to its tokens


def roles() -> list[str]:
    """The desk's roles, and those of apps built on it (an AppConfig's `desk_roles`, e.g. the
    webhooks app's `integrator`): this command needs to know none of those apps."""
    extra = [
        role for config in apps.get_app_configs() for role in getattr(config, "desk_roles", ())
    ]
    return [*Role.values, *dict.fromkeys(extra)]


class Command(BaseCommand):
    help = (
        "Create or update a staff user in one role (reporter, fact-checker, reviewer, and the "
        "roles of installed apps such as integrator); print a new API token when they have none "
        "(or with --new-token)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            required=True,
            metavar="{" + ",".join(roles()) + "}",
            help="The user's role; other roles the user had are removed.",
        )
        parser.add_argument("--password", help="Set this password (otherwise left as it is).")
        parser.add_argument("--email", help="Set this e-mail address.")
        parser.add_argument(
            "--superuser", action="store_true", help="Also make the user a superuser."
        )
        tokens = parser.add_mutually_exclusive_group()
        tokens.add_argument(
            "--new-token",
            action="store_true",
            help="Make and print a new API token even if the user has an active one.",
        )
        tokens.add_argument(
            "--no-token", action="store_true", help="Make no API token (a person's login only)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        role: str = options["role"]
        if not username:
            raise CommandError("The username must not be empty.")
        known = roles()
        if role not in known:
            raise CommandError(f"Unknown role {role!r}. Choose one of: {', '.join(known)}.")
        try:
            group = Group.objects.get(name=role)
        except Group.DoesNotExist as error:
            raise CommandError(
                f"The group {role!r} does not exist. Run `python manage.py migrate` first."
            ) from error

        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=username)
            user.is_staff = True  # the admin is where fact-checkers and reviewers work
            user.is_active = True
            if options["superuser"]:
                user.is_superuser = True
            if options["email"] is not None:
                user.email = options["email"]
            if options["password"] is not None:
                user.set_password(options["password"])
            elif created:
                user.set_unusable_password()
            user.save()
            other_roles = user.groups.filter(name__in=known).exclude(pk=group.pk)
            user.groups.remove(*other_roles)
            user.groups.add(group)
            key = None
            wanted = options["new_token"] or not selectors.api_tokens_active(user=user).exists()
            if wanted and not options["no_token"]:
                _, key = services.api_token_create(user=user, name=TOKEN_NAME)

        verb = "Created" if created else "Updated"
        extra = ", superuser" if user.is_superuser else ""
        self.stdout.write(
            self.style.SUCCESS(f"{verb} user {username!r} (role {role}, staff{extra}).")
        )
        if key is not None:
            self.stdout.write(f"API token: {key}")
            self.stdout.write("(Shown only now: the key is stored as a digest.)")
        elif not options["no_token"]:
            self.stdout.write(
                "API token: the user has an active one (keys are shown only when made; "
                "--new-token makes another)."
            )
