"""The accounts app's records: API tokens kept as digests, and the security audit.

Neither table ever holds a usable secret: an API token's key is shown once when it is made and only
its SHA-256 (`factcheck.http.authentication.token_digest`) is stored, with an 8-character prefix
for people to tell tokens apart.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """An API key's digest, its owner, when it stops working and when it was last used.

    The header stays `Authorization: Token <key>`: factcheck.http.authentication hashes the key it
    is sent and looks the digest up (this model is FACTCHECK_API_TOKEN_MODEL)."""

    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'newsroom CMS'.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(
        max_length=8, help_text="The key's first characters, to recognise it; not a secret."
    )
    digest = models.CharField(
        max_length=64,
        unique=True,
        help_text="SHA-256 of the key (hex); the key itself is not kept.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Refused from then on; empty: never expires."
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="Written at most once a minute."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name}, {self.user})"

    def refusal(self, now: dt.datetime | None = None) -> str:
        """Why the token may not be used now ("" if it may)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "Token revoked."
        if self.expires_at is not None and self.expires_at <= now:
            return "Token expired."
        return ""

    @property
    def is_active(self) -> bool:
        return not self.refusal()


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOCKOUT = "lockout", "Locked out"
    SECOND_FACTOR_FAILED = "2fa_failed", "Wrong two-factor code"
    SECOND_FACTOR_ENROLLED = "2fa_enrolled", "Two-factor enrolled"
    SECOND_FACTOR_RESET = "2fa_reset", "Two-factor devices removed"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed", "Recovery codes renewed"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"


class AppendOnlyError(Exception):
    pass


class SecurityEvent(models.Model):
    """What happened to an account, by whom, from where. Rows are only ever inserted: a trigger
    refuses UPDATE and DELETE on PostgreSQL, the model refuses them everywhere.

    `user` and `actor` keep no foreign-key constraint and are not cleared when a user is deleted
    (clearing them would be an UPDATE the trigger refuses, and the record must outlive the
    account); `username` and `actor_username` say who they were at the time."""

    kind = models.CharField(max_length=32, choices=SecurityEventKind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="The account concerned, when there is one.",
    )
    username = models.CharField(
        max_length=150, blank=True, help_text="The account's username, or the one that was tried."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="Who did it, when not the account itself (an operator revoking a token).",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["username", "at"], name="security_username_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise AppendOnlyError("Security events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Security events are append-only.")
