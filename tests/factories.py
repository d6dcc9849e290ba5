"""factory_boy factories for the domain models."""

import datetime as dt

import factory
from django.contrib.auth.models import Group, User

from claims.models import Claim, Ticket
from claims.workflow import State
from evidence.models import Evidence, Kind, Stance


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
            self.groups.add(Group.objects.get(name=extracted))


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
    """A ticket created directly in a given state (bypassing the workflow, for test set-up only)."""

    class Meta:
        model = Ticket

    claim = factory.SubFactory(ClaimFactory)
    state = State.UNVERIFIED


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    ticket = factory.SubFactory(TicketFactory)
    kind = Kind.NOTE
    stance = Stance.UNASSESSED
    title = factory.Sequence(lambda n: f"Evidence {n}")
