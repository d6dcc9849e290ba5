"""One test (or a few) per patch in factcheck/patches.py, each failing when the library internals the
patch relies on change, or when the library no longer needs it. A failure here means: re-measure,
then adapt the patch or drop it."""

from __future__ import annotations

import copy

import django.conf
import pytest
from celery import Celery
from celery.utils.collections import DictAttribute
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu import Connection
from kombu.transport import redis as kombu_redis
from rest_framework import serializers

from claims.api.serializers import ClaimSerializer, TicketDetailSerializer
from claims.models import Ticket
from factcheck import patches
from factcheck.celery import app
from tests.factories import ClaimFactory, EvidenceFactory, TicketFactory

# --- RedisTransport (kombu) ---------------------------------------------------------------------------


@pytest.fixture
def channel():
    connection = Connection(settings.CELERY_BROKER_URL, transport=settings.CELERY_BROKER_TRANSPORT)
    chan = connection.channel()
    chan.client.delete("test-broker-queue")
    yield chan
    chan.client.delete("test-broker-queue")
    connection.release()


def test_the_app_uses_the_patched_transport_for_a_redis_broker():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert app.connection_for_write().transport_cls == "factcheck.patches:RedisTransport"


def test_kombu_still_has_the_channel_methods_the_patch_overrides():
    for name in ("conn_or_acquire", "_create_client", "_disconnect_pools"):
        assert callable(getattr(kombu_redis.Channel, name, None)), name


def test_kombus_own_channel_still_makes_a_client_per_message(monkeypatch):
    """If kombu stops doing this, the patch is no longer needed."""
    connection = Connection(settings.CELERY_BROKER_URL, transport="redis")
    chan = connection.channel()
    made = []
    create = chan._create_client
    monkeypatch.setattr(chan, "_create_client", lambda *a, **k: made.append(1) or create(*a, **k))
    try:
        for n in range(3):
            chan._put("test-broker-queue", {"body": str(n), "properties": {}})
        assert len(made) == 3
    finally:
        chan.client.delete("test-broker-queue")
        connection.release()


def test_a_patched_channel_sends_every_message_through_one_client(channel, monkeypatch):
    made = []
    create = channel._create_client

    def counting_create(*args, **kwargs):
        made.append(1)
        return create(*args, **kwargs)

    monkeypatch.setattr(channel, "_create_client", counting_create)
    for n in range(3):
        channel._put("test-broker-queue", {"body": str(n), "properties": {}})

    assert len(made) == 1
    assert channel.client.llen("test-broker-queue") == 3


def test_a_patched_channel_whose_pools_were_dropped_makes_a_new_client(channel):
    channel._put("test-broker-queue", {"body": "1", "properties": {}})
    first = channel._shared_client
    channel._disconnect_pools()
    channel._put("test-broker-queue", {"body": "2", "properties": {}})
    assert channel._shared_client is not first
    assert channel.client.llen("test-broker-queue") == 2


# --- celery_configuration_freeze (Celery) --------------------------------------------------------------


def _fresh_app() -> Celery:
    fresh = Celery("patch-test")
    fresh.config_from_object("django.conf:settings", namespace="CELERY")
    fresh.conf.task_default_queue  # noqa: B018 - loads the configuration
    return fresh


def test_celery_still_looks_settings_up_through_djangos_settings_object():
    """The layering the freeze relies on (and the cost it avoids): run-time changes first, then
    Django's settings object, then the defaults."""
    conf = _fresh_app().conf
    assert len(conf.maps) == 3
    changes, django_layer, defaults = conf.maps
    assert isinstance(django_layer, DictAttribute)
    assert django_layer.obj is django.conf.settings
    assert "task_default_queue" not in changes
    assert "task_default_queue" in defaults


def test_the_frozen_configuration_answers_from_its_first_layer_and_run_time_changes_still_win():
    fresh = _fresh_app()
    patches.celery_configuration_freeze(fresh)
    conf = fresh.conf
    assert {key for key in conf if key.islower()} <= set(conf.maps[0])
    assert not any(key.isupper() for key in conf.maps[0])
    assert conf.broker_url == settings.CELERY_BROKER_URL
    # A setting Django's settings define (CELERY_TASK_DEFAULT_QUEUE) may still be changed.
    conf.task_default_queue = "changed-at-run-time"
    assert conf.task_default_queue == "changed-at-run-time"


def test_the_apps_configuration_is_frozen():
    app.conf.task_default_queue  # noqa: B018
    assert {key for key in app.conf if key.islower()} <= set(app.conf.maps[0])


# --- ModelSerializerFieldsOnce (DRF) ------------------------------------------------------------------


def test_bind_still_sets_all_of_a_plain_fields_per_instance_state():
    """A shallow copy is safe only while bind() is what makes a field belong to a serializer."""
    field = serializers.CharField(max_length=10)
    before = dict(vars(field))
    field.bind("name", serializers.Serializer())
    changed = {k for k, v in vars(field).items() if k not in before or before[k] is not v}
    assert changed <= {"field_name", "parent", "label", "source", "source_attrs"}


@pytest.mark.django_db
def test_cached_fields_serialize_exactly_as_drfs_own(rf, reviewer):
    ticket = TicketFactory(claim=ClaimFactory(place_name="Valdai"))
    EvidenceFactory(ticket=ticket)
    ticket = Ticket.objects.select_related("claim").get(pk=ticket.pk)
    request = rf.get("/")
    request.user = reviewer
    context = {"request": request}

    class Plain(TicketDetailSerializer):
        def get_fields(self):
            return serializers.ModelSerializer.get_fields(self)

    cached = [TicketDetailSerializer(ticket, context=context).data for _ in range(2)]
    assert cached[0] == cached[1] == Plain(ticket, context=context).data


def test_each_serializer_gets_its_own_bound_copies():
    first, second = ClaimSerializer(), ClaimSerializer()
    assert first.fields["text"] is not second.fields["text"]
    assert first.fields["text"].parent is first
    assert second.fields["text"].parent is second
    assert first.fields["tags"] is not second.fields["tags"]


def test_field_copy_is_shallow_for_plain_fields_and_deep_for_serializers():
    plain = serializers.CharField(max_length=10)
    nested = ClaimSerializer()
    assert patches._field_copy(plain).validators is plain.validators
    assert patches._field_copy(nested) is not nested
    assert type(patches._field_copy(nested)) is type(copy.deepcopy(nested))


# --- prefetched_set (Django) --------------------------------------------------------------------------


@pytest.mark.django_db
def test_django_still_keeps_prefetched_rows_where_the_patch_puts_them():
    ticket = TicketFactory()
    EvidenceFactory(ticket=ticket)
    prefetched = Ticket.objects.prefetch_related("evidence").get(pk=ticket.pk)
    cached = prefetched._prefetched_objects_cache["evidence"]
    assert cached._prefetch_done is True
    assert isinstance(cached._result_cache, list)
    assert prefetched.evidence.get_queryset() is cached


@pytest.mark.django_db
def test_a_relation_set_as_prefetched_reads_without_a_query():
    ticket = TicketFactory()
    item = EvidenceFactory(ticket=ticket)
    fresh = Ticket.objects.get(pk=ticket.pk)
    patches.prefetched_set(fresh, "evidence", [item])
    with CaptureQueriesContext(connection) as queries:
        assert list(fresh.evidence.all()) == [item]
        assert fresh.evidence.count() == 1
    assert len(queries) == 0
