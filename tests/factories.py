"""factory_boy factories for the domain models."""

import datetime as dt
import importlib
from typing import Any

import factory
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q
from django.utils import timezone

from claims.models import Claim, Ticket
from claims.workflow import FINAL_STATES, State, Verdict
from evidence.models import Evidence, Kind, Stance

RATIONALE = "Kyiv's challenge to produce evidence is unanswered: no footage, no wreckage."


def _role_permissions() -> dict[str, list[str]]:
    """Each role's permissions as the migrations that make the role groups list them."""
    desk = importlib.import_module("claims.migrations.0002_roles").ROLE_PERMISSIONS
    integrator = importlib.import_module("webhooks.migrations.0002_integrator_role")
    return {**desk, integrator.ROLE: integrator.PERMISSIONS}


def role_group(name: str) -> Group:
    """The role's group, made again as its migration made it when it is gone: a transactional
    test's flush deletes the groups (post_migrate re-creates the permissions, not the groups), so
    a test that runs after one would otherwise depend on the order the suite runs in."""
    group = Group.objects.filter(name=name).first()
    if group is not None:
        return group
    wanted = Q(pk__in=[])
    for dotted in _role_permissions()[name]:
        app_label, codename = dotted.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group = Group.objects.create(name=name)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(role_group(extracted))


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Sequence(
        lambda n: f"Ninety-one drones were launched at the residence (claim {n})."
    )
    claimant = "Sergei Lavrov, Foreign Minister of Russia"
    claimed_at = dt.date(2025, 12, 29)
    source_url = "https://news.example.org/drone-attack-claim"
    language = "en"
    place_name = "Valdai, Novgorod Oblast, Russia"
    latitude = 58.0
    longitude = 33.2


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket created directly in a state (bypassing the workflow, for test set-up only).

    The traits give it the fields a ticket that reached the state through the workflow has:
    `TicketFactory(researching=True)` (assigned to the fact-checker who started it),
    `TicketFactory(in_review=True)` (also a proposed verdict, a rationale and its submitter),
    `TicketFactory(decided=True)` (also the approved verdict, who decided and when; inconclusive
    unless `state=` names another final state). `ticket_in_state` picks the trait for a state."""

    class Meta:
        model = Ticket

    class Params:
        researching = factory.Trait(
            state=State.RESEARCHING,
            assignee=factory.SubFactory(UserFactory, role="fact-checker"),
        )
        in_review = factory.Trait(
            state=State.IN_REVIEW,
            assignee=factory.SubFactory(UserFactory, role="fact-checker"),
            proposed_verdict=Verdict.INCONCLUSIVE,
            rationale=RATIONALE,
            submitted_by=factory.SelfAttribute("assignee"),
        )
        decided = factory.Trait(
            state=State.INCONCLUSIVE,
            assignee=factory.SubFactory(UserFactory, role="fact-checker"),
            proposed_verdict=factory.SelfAttribute("state"),
            verdict=factory.SelfAttribute("state"),
            rationale=RATIONALE,
            submitted_by=factory.SelfAttribute("assignee"),
            decided_by=factory.SubFactory(UserFactory, role="reviewer"),
            decided_at=factory.LazyFunction(timezone.now),
        )

    claim = factory.SubFactory(ClaimFactory)
    state = State.UNVERIFIED


def ticket_in_state(state: str, **kwargs: Any) -> Ticket:
    """`TicketFactory` with the trait of `state` (for tests that run over every state)."""
    if state in FINAL_STATES:
        kwargs.setdefault("decided", True)
    elif state == State.RESEARCHING:
        kwargs.setdefault("researching", True)
    elif state == State.IN_REVIEW:
        kwargs.setdefault("in_review", True)
    return TicketFactory(state=state, **kwargs)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    ticket = factory.SubFactory(TicketFactory)
    kind = Kind.NOTE
    stance = Stance.UNASSESSED
    title = factory.Sequence(lambda n: f"Evidence {n}")
