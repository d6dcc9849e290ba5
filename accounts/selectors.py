"""Accounts' reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import ApiToken

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def api_tokens_active(*, user: AbstractBaseUser | None = None) -> QuerySet[ApiToken]:
    """Tokens that authenticate now: not revoked, not expired."""
    tokens = ApiToken.objects.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    return tokens.filter(user=user) if user is not None else tokens


def api_tokens_listed(*, username: str | None = None) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
    return tokens.filter(user__username=username) if username else tokens
