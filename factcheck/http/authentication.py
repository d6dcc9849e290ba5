"""Token authentication with the token's user, and that user's permissions, remembered in process
memory, so that an API request does not spend three queries finding out who is asking.

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
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

log = logging.getLogger(__name__)

GENERATION_KEY = "factcheck:auth-generation"
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    user: Any
    token: Token
    generation: str
    expires: float


_entries: dict[str, _Entry] = {}
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
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as error:  # the cache is down: lookups bypass it until it is back
        log.warning("Could not start a new auth generation in the cache: %s", error)


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's TokenAuthentication (same header, same errors) with the lookup remembered."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        lifetime = settings.FACTCHECK_AUTH_CACHE_SECONDS
        if lifetime <= 0:
            return super().authenticate_credentials(key)
        try:
            generation = auth_generation()
        except Exception as error:  # the cache is down: look the token up every time
            log.warning("Auth cache unavailable, looking tokens up in the database: %s", error)
            return super().authenticate_credentials(key)
        now = time.monotonic()
        entry = _entries.get(key)
        if entry is None or entry.generation != generation or entry.expires < now:
            user, token = super().authenticate_credentials(key)  # refuses unknown and inactive
            user.get_all_permissions()  # fills the user's permission caches, kept with it
            entry = _Entry(user, token, generation, now + lifetime)
            with _lock:
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                _entries[key] = entry
        # A copy per request: a view may set attributes on its user; the permission sets are shared
        # and only read.
        return copy.copy(entry.user), entry.token


def _bump_now_and_after_commit(**_: Any) -> None:
    # Now, so that this process stops using the old state; after the commit as well, so that a
    # request that read the old rows before the commit cannot keep them under the new generation.
    auth_generation_bump()
    transaction.on_commit(auth_generation_bump)


def connect_signals() -> None:
    user_model = get_user_model()
    for model in (user_model, Token, Group, Permission):
        post_save.connect(_bump_now_and_after_commit, sender=model, weak=False)
        post_delete.connect(_bump_now_and_after_commit, sender=model, weak=False)
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_bump_now_and_after_commit, sender=through, weak=False)
