"""Every change this project makes to a library's private internals, in one place.

Each one reaches behind a library's public API, so an upgrade can break it without an error. Each
is kept only because the benchmark (docs/PERFORMANCE.md) shows it is worth at least 5% on one of
its measured targets; each docstring names the library version it was written against and that
figure, and tests/test_patches.py has a test per patch that fails when the internals it relies on
change (then re-measure: drop the patch, or adapt it). Nothing else in the project may touch a
library's private attributes.

- `RedisTransport`: kombu's Redis transport with one Redis client per channel.
- `celery_configuration_freeze`: Celery's settings copied into its first configuration layer.
- `ModelSerializerFieldsOnce`: DRF ModelSerializer fields worked out once per class.
- `prefetched_set`: a relation marked as prefetched with objects already in hand.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from kombu.transport import redis as kombu_redis

if TYPE_CHECKING:
    from celery import Celery
    from rest_framework import serializers

# DRF is imported where it is used: factcheck.celery imports this module while the settings load.

# --- kombu: one Redis client per broker channel ------------------------------------------------------


class RedisChannel(kombu_redis.Channel):
    """kombu's Redis channel, reusing one Redis client for what it sends.

    Written against kombu 5.7.0 and redis-py 8.1.0. kombu's `Channel.conn_or_acquire` makes a new
    `redis.Redis` object (`_create_client`) for every message it publishes and every other command
    outside the consuming loop, sharing the channel's connection pool; with redis-py 8 building a
    client costs about as much as sending the LPUSH (a sixth of a publish). A `redis.Redis` object
    holds nothing but settings and the pool, and is safe to share.

    Figure: with `celery_configuration_freeze`, a publish went from 0.47 ms to 0.30 ms, which took
    the no-op Celery round trip (target: at most 5x a raw Redis round trip) from ~7x to 5.8x, 17%
    (commit a61301e; docs/PERFORMANCE.md, "Publishing is cheaper"). Measured on its own
    in-process, without this patch a publish costs 20-75% more CPU (1,000 publishes, an A/B on the loaded 2-core dev machine, issue 8).
    Relies on: `conn_or_acquire(client=None)`, `_create_client()`, `_disconnect_pools()`.
    """

    _shared_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        if self._shared_client is None:
            self._shared_client = self._create_client()
        yield self._shared_client

    def _disconnect_pools(self) -> None:
        # The pools go; a client bound to them must go with them.
        self._shared_client = None
        super()._disconnect_pools()


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport with `RedisChannel`; the broker transport when the broker URL is a
    Redis URL (factcheck.settings, CELERY_BROKER_TRANSPORT)."""

    Channel = RedisChannel


# --- Celery: the configuration frozen once loaded ----------------------------------------------------


def celery_configuration_freeze(app: Celery) -> None:
    """Copy every setting, the defaults too, into the first layer of Celery's configuration.

    Written against Celery 5.7.0. Once configured, `app.conf` is a chain of three layers: changes
    made at run time, Django's settings (a `DictAttribute` over `django.conf.settings`, read with
    the CELERY_ prefix) and Celery's defaults. Every lookup of a setting Django does not define
    (most of them) goes through Django's settings object and costs an AttributeError: a few
    microseconds, dozens of times per task sent or run. After the copy the first layer answers.
    Settings changed at run time afterwards (`app.conf.x = ...`) still win; Django settings
    changed after start-up are not seen (Celery reads its configuration once in production too).

    Figure: with `RedisTransport`, a publish from 0.47 ms to 0.30 ms and the Celery round trip
    from ~7x to 5.8x the raw Redis one, 17% (commit a61301e; docs/PERFORMANCE.md, "Publishing is
    cheaper"). Measured on its own in-process, without it a publish costs 40-75% more CPU (same A/B).
    Relies on: `app.conf.maps[0]` being the first, writable layer of a ChainMap-like view.
    """
    # Celery's own settings only (lower case): the view also lists every Django setting, and the
    # CELERY_-prefixed names, which Celery tries first on every lookup; copied into the first layer,
    # those would shadow a change made at run time.
    app.conf.update({key: app.conf[key] for key in list(app.conf) if key.islower()})


# --- DRF: ModelSerializer fields worked out once per class ------------------------------------------


@functools.cache
def _deep_copied() -> tuple[type, ...]:
    """Fields that hold other fields (or reach the request through their parents)."""
    from rest_framework import serializers

    return (serializers.BaseSerializer, serializers.ManyRelatedField, serializers.RelatedField)


def _field_copy(field: serializers.Field) -> serializers.Field:
    """A plain field's own state is its binding (name, parent, label, source), which `bind()` sets
    on the copy; the rest (choices, validators, error messages) is read-only and may be shared.
    DRF's deepcopy would run the field's __init__ again."""
    return copy.deepcopy(field) if isinstance(field, _deep_copied()) else copy.copy(field)


class ModelSerializerFieldsOnce:
    """Mix into a `ModelSerializer`: its fields are worked out from the model once per class.

    Written against DRF 3.18.3. DRF's `ModelSerializer.get_fields` inspects the model and builds
    every field again each time a serializer is made (once per request and per nested serializer),
    and `Serializer.fields` deep-copies the declared ones, which runs each field's __init__ again.
    Here the class keeps the fields `get_fields` built the first time, and each instance gets its
    own copies (shallow for plain fields, deep for serializers and related fields), bound to it.

    Figure: building the fields was a quarter of the time of opening a ticket (commit 9f1265d);
    a ticket's detail serializes in 0.7 ms instead of 1.7 ms (docs/PERFORMANCE.md, "Serializer
    fields built once per class"), ~10% of a ticket creation's 10.5 ms p50 at 1 client.
    Relies on: `ModelSerializer.get_fields()` returning unbound fields, and `Field.bind()` setting
    all of a field's per-instance state.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            type(self)._fields_built = built  # type: ignore[attr-defined]
        return {name: _field_copy(field) for name, field in built.items()}


# --- Django: a relation marked as prefetched with objects in hand -----------------------------------


def prefetched_set(instance: Any, name: str, objects: list[Any]) -> None:
    """Leave what `prefetch_related(name)` leaves on `instance`: the relation's queryset, already
    evaluated to `objects`, so reading `instance.<name>.all()` runs no query.

    Written against Django 5.2.19. Django keeps prefetched rows in
    `instance._prefetched_objects_cache[name]`, a queryset whose `_result_cache` holds them and
    whose `_prefetch_done` is set; the related manager's `get_queryset()` returns it.

    Figure: the 201 answer to opening a ticket is built from the rows the service just wrote
    instead of reading them back: 5 of the 11 SQL statements of a creation (docs/PERFORMANCE.md,
    "The 201 answer from the objects in hand"; with the other changes of commit 6b77172 a
    creation went from 31 statements and 40 tickets/s to 6 and ~180/s at 16 clients).
    Relies on: `_prefetched_objects_cache`, `QuerySet._result_cache`, `QuerySet._prefetch_done`.
    """
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
