"""The event types partners subscribe to, and the one that only a "send a test event" sends."""

from __future__ import annotations

from django.db import models


class EventType(models.TextChoices):
    TICKET_OPENED = "ticket.opened", "A ticket was opened"
    TICKET_TRANSITIONED = "ticket.transitioned", "A ticket moved in the workflow"
    VERDICT_PUBLISHED = "verdict.published", "A verdict was approved (it stands)"
    VERDICT_WITHDRAWN = "verdict.withdrawn", "A verdict was reopened (it no longer stands)"
    EVIDENCE_FETCHED = "evidence.fetched", "A fetch job finished (succeeded or failed)"
    WEBHOOK_TEST = "webhook.test", "A test event (sent to one endpoint on request)"


# What an endpoint may subscribe to. An endpoint with no types gets every one of these; the test
# event goes only to the endpoint it was asked for.
SUBSCRIBABLE: tuple[str, ...] = tuple(t.value for t in EventType if t != EventType.WEBHOOK_TEST)
