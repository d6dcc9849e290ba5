"""The published pages' and feeds' cache: every key carries a generation that any change to what is
published moves on (a new or re-examined verdict), so one increment invalidates them all, in every
process, with no list of keys to delete."""

from __future__ import annotations

from django.core.cache import cache

GENERATION_KEY = "publishing:generation"


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def publications_changed() -> None:
    """Something published changed: every cached page and feed is stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (a fresh cache)
        cache.add(GENERATION_KEY, 2, timeout=None)


def key(*parts: object) -> str:
    """A cache key of the current generation."""
    return ":".join(["publishing", str(generation()), *map(str, parts)])
