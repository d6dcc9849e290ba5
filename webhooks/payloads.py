"""What an event carries in `data`: the ticket as the API's ticket detail shows it (one shape for
partners and API clients), the ClaimReview for verdicts, a fetch job's summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from claims.api.serializers import TicketDetailSerializer
from claims.models import Ticket


class EventTicketSerializer(TicketDetailSerializer):
    """The ticket detail, for no one in particular: `allowed_actions` is empty (what a partner may
    do is the API's answer to their own token)."""

    def get_allowed_actions(self, ticket: Ticket) -> list[str]:
        return []


def tickets_data(tickets: Sequence[Ticket]) -> dict[int, dict[str, Any]]:
    """Each ticket's detail by id (their relations loaded: webhooks.selectors.tickets_for_events)."""
    rows = EventTicketSerializer(list(tickets), many=True, context={"request": None}).data
    return {row["id"]: dict(row) for row in rows}


def fetch_job_data(job: Any) -> dict[str, Any]:
    from evidence.api.serializers import FetchJobSerializer

    return dict(FetchJobSerializer(job).data)
