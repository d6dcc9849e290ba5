"""Fixtures of the webhook tests: integrators, a receiver on loopback, endpoints."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group, Permission, User

from tests.api.conftest import client_for  # noqa: F401
from tests.webhooks.receiver import Receiver, start_receiver
from webhooks import services
from webhooks.models import WebhookEndpoint

_role_migration = importlib.import_module("webhooks.migrations.0002_integrator_role")


@pytest.fixture
def integrator_group(db) -> Group:
    """The role group the migration made (made again after a transactional test's flush)."""
    group, _ = Group.objects.get_or_create(name=_role_migration.ROLE)
    wanted = {tuple(dotted.split(".")) for dotted in _role_migration.PERMISSIONS}
    permissions = [
        p
        for p in Permission.objects.select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    ]
    assert len(permissions) == len(wanted)
    group.permissions.set(permissions)
    return group


def _user_in(group: Group, username: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "correct-horse-battery")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(group)
    return user


@pytest.fixture
def integrator(integrator_group: Group) -> User:
    return _user_in(integrator_group, "ina-integrator")


@pytest.fixture
def other_integrator(integrator_group: Group) -> User:
    return _user_in(integrator_group, "ole-integrator")


@pytest.fixture
def loopback(settings) -> None:
    """The receiver runs on 127.0.0.1: the test-only setting lets the SSRF guard through."""
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = start_receiver()
    yield server
    server.close()


EndpointMaker = Callable[..., tuple[WebhookEndpoint, str]]


@pytest.fixture
def endpoint_for(loopback: None, receiver: Receiver) -> EndpointMaker:
    """`endpoint_for(user, path="/hook", event_types=())` → (endpoint, secret) at the receiver."""

    def make(
        user: User, path: str = "/hook", event_types: tuple[str, ...] = ()
    ) -> tuple[WebhookEndpoint, str]:
        return services.endpoint_create(actor=user, url=receiver.url(path), event_types=event_types)

    return make


_desk_roles_migration = importlib.import_module("claims.migrations.0002_roles")


@pytest.fixture
def desk_roles(db) -> None:
    """The desk's role groups, made again after a transactional test's flush removed them (list
    this fixture before the role users)."""
    for role, codenames in _desk_roles_migration.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = {tuple(dotted.split(".")) for dotted in codenames}
        group.permissions.set(
            [
                p
                for p in Permission.objects.select_related("content_type")
                if (p.content_type.app_label, p.codename) in wanted
            ]
        )
