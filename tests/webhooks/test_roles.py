"""The `integrator` role: made by the webhooks migration (reversibly), taken by create_role_user,
and holding what it needs: managing webhooks and reading tickets, nothing of the desk's work."""

from __future__ import annotations

import importlib
import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from claims.selectors import may_view_tickets
from webhooks.selectors import may_manage_webhooks

pytestmark = pytest.mark.django_db
migration = importlib.import_module("webhooks.migrations.0002_integrator_role")


def test_create_role_user_makes_an_integrator(integrator_group) -> None:
    out = io.StringIO()
    call_command("create_role_user", "ida", "--role", "integrator", stdout=out)
    assert "API token:" in out.getvalue()
    user = User.objects.get(username="ida")
    assert list(user.groups.values_list("name", flat=True)) == ["integrator"]
    assert may_manage_webhooks(user) and may_view_tickets(user)
    for permission in ("claims.add_ticket", "claims.research_ticket", "claims.review_ticket"):
        assert not user.has_perm(permission)
    call_command("create_role_user", "ida", "--role", "reporter", stdout=out)
    assert list(User.objects.get(username="ida").groups.values_list("name", flat=True)) == [
        "reporter"
    ]


def test_superusers_manage_webhooks_desk_roles_do_not(superuser, reporter, reviewer) -> None:
    assert may_manage_webhooks(superuser)
    assert not may_manage_webhooks(reporter) and not may_manage_webhooks(reviewer)


def test_the_migration_creates_and_removes_the_group(integrator_group) -> None:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # The migrations' historical models, as `migrate` passes them (the functions change the
    # registry they are given: never the project's own).
    state_apps = MigrationLoader(connection).project_state().apps
    migration.remove_role(state_apps, None)
    assert not Group.objects.filter(name="integrator").exists()
    migration.create_role(state_apps, None)
    group = Group.objects.get(name="integrator")
    assert group.permissions.filter(codename="manage_webhookendpoint").exists()
