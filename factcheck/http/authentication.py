"""Token authentication with the token's user, and that user's permissions, remembered in process
memory, so that an API request does not spend three queries finding out who is asking.

Keys are never stored: the token model (FACTCHECK_API_TOKEN_MODEL, `accounts.ApiToken`; named by a
setting because factcheck/ imports no app) keeps the key's SHA-256 (`token_digest`), and this
module looks the digest up. The in-process memory is keyed on the digest too, so not even a memory
dump of a web process lists the keys it has seen. A token past its `expires_at` or with a
`revoked_at` is refused (401), remembered or not. Plain SHA-256, with no salt or stretching, is
enough for keys of 160 random bits: there is no dictionary to try. `last_used_at` is written at
most once a minute per token (a conditional UPDATE, which sends no signal, so the remembered
lookups survive it).

A remembered user is used for at most FACTCHECK_AUTH_CACHE_SECONDS, and only while the "auth
generation" in the shared cache is the one it was remembered under. Every change that can alter
who a token belongs to or what its user may do (a user or token saved or deleted, group membership
or permissions changed) starts a new generation, in every process at once, through the signal
receivers below (connected by claims.apps). So a revoked token or a deactivated user is refused at
the next request. Changes that bypass signals (`QuerySet.update()`, raw SQL) take effect within
the cache's lifetime. The cost of a remembered lookup is one cache read of the generation.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django_otp import user_has_device
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

log = logging.getLogger(__name__)

GENERATION_KEY = "factcheck:auth-generation"
MAX_ENTRIES = 10_000
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_digest(key: str) -> str:
    """What is stored of an API key: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_model() -> type[models.Model]:
    return apps.get_model(settings.FACTCHECK_API_TOKEN_MODEL)


@dataclass(frozen=True)
class _Entry:
    user: Any
    token: Any
    generation: str
    expires: float


_entries: dict[str, _Entry] = {}  # by digest, never by key
_last_used_written: dict[str, float] = {}  # digest -> monotonic time this process last wrote it
_lock = threading.Lock()


def auth_generation() -> str:
    """The current generation; a new one if the cache has none (it was flushed or evicted)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY) or ""
    return generation


def auth_generation_bump() -> None:
    """Forget every remembered token, in every process."""
    with _lock:
        _entries.clear()
        _last_used_written.clear()
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as error:  # the cache is down: lookups bypass it until it is back
        log.warning("Could not start a new auth generation in the cache: %s", error)


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's TokenAuthentication (same header, same errors) over hashed keys, with the lookup
    remembered."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        digest = token_digest(key)
        lifetime = settings.FACTCHECK_AUTH_CACHE_SECONDS
        if lifetime <= 0:
            return self._use(*self._look_up(digest))
        try:
            generation = auth_generation()
        except Exception as error:  # the cache is down: look the token up every time
            log.warning("Auth cache unavailable, looking tokens up in the database: %s", error)
            return self._use(*self._look_up(digest))
        now = time.monotonic()
        entry = _entries.get(digest)
        if entry is None or entry.generation != generation or entry.expires < now:
            user, token = self._look_up(digest)  # refuses unknown, revoked, expired and inactive
            user.get_all_permissions()  # fills the user's permission caches, kept with it
            entry = _Entry(user, token, generation, now + lifetime)
            with _lock:
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                    _last_used_written.clear()
                _entries[digest] = entry
        # A copy per request: a view may set attributes on its user; the permission sets are shared
        # and only read.
        return self._use(copy.copy(entry.user), entry.token)

    def _look_up(self, digest: str) -> tuple[Any, Any]:
        try:
            token = token_model().objects.select_related("user").get(digest=digest)
        except token_model().DoesNotExist as error:
            raise exceptions.AuthenticationFailed("Invalid token.") from error
        refusal = token.refusal()
        if refusal:
            raise exceptions.AuthenticationFailed(refusal)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token

    def _use(self, user: Any, token: Any) -> tuple[Any, Any]:
        """Refuse a token that expired while remembered; note its use at most once a minute."""
        now = timezone.now()
        refusal = token.refusal(now)
        if refusal:
            raise exceptions.AuthenticationFailed(refusal)
        written = _last_used_written.get(token.digest)
        if written is None or time.monotonic() - written >= LAST_USED_RESOLUTION.total_seconds():
            _last_used_written[token.digest] = time.monotonic()
            token_model().objects.filter(
                models.Q(last_used_at__isnull=True)
                | models.Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
                pk=token.pk,
            ).update(last_used_at=now)
        return user, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """The admin's session, as DRF takes it, unless its user has a second factor that this session
    did not pass (a session logged in before the user enrolled): such a request is anonymous, as
    it is in the admin, so a password alone opens no door."""

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and not is_verified() and user_has_device(user, confirmed=True):
            return None
        return result


def _bump_now_and_after_commit(**_: Any) -> None:
    # Now, so that this process stops using the old state; after the commit as well, so that a
    # request that read the old rows before the commit cannot keep them under the new generation.
    auth_generation_bump()
    transaction.on_commit(auth_generation_bump)


def connect_signals() -> None:
    user_model = get_user_model()
    for model in (user_model, token_model(), Group, Permission):
        post_save.connect(_bump_now_and_after_commit, sender=model, weak=False)
        post_delete.connect(_bump_now_and_after_commit, sender=model, weak=False)
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_bump_now_and_after_commit, sender=through, weak=False)
