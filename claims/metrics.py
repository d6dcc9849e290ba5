"""The desk's ticket figures for /metrics (factcheck.metrics), read from the audit trail.

TicketEvent rows are only ever inserted, so counts of them only grow: true Prometheus counters,
whichever process serves the scrape. One query, on the partial index of the opening and workflow
events (`event_workflow_action_idx`): the fetch and evidence events, most of the table, are not
read."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, Metric

from claims.models import EventAction, TicketEvent
from claims.workflow import Action

# The actions counted: a ticket opened, and each workflow transition.
COUNTED_ACTIONS = (EventAction.OPENED, *(EventAction(action.value) for action in Action))


def ticket_metrics() -> Iterator[Metric]:
    counts = dict(
        TicketEvent.objects.filter(action__in=COUNTED_ACTIONS)
        .values_list("action")
        .annotate(n=Count("*"))
        .order_by()
    )
    opened = CounterMetricFamily("factcheck_tickets_opened", "Tickets opened.")
    opened.add_metric([], counts.get(EventAction.OPENED, 0))
    yield opened
    transitions = CounterMetricFamily(
        "factcheck_ticket_transitions", "Workflow transitions taken, by action.", labels=["action"]
    )
    for action in Action:
        transitions.add_metric([action.value], counts.get(action.value, 0))
    yield transitions
