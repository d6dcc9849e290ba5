"""Claim memory endpoints. Thin: validate the shape, call a selector or a service, serialize the
result. Domain errors (PermissionDenied, InvalidInput) become 403/400 in factcheck.http.errors.

/claims/match/ embeds its text on the request path (tens of milliseconds for a claim; more for a
long text), so it has a throttle of its own beside the API's; opening a ticket never embeds (its
claim_memory fetch job does, in a worker)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors as ticket_selectors
from claims.api.permissions import HasDeskRole
from claims.models import Ticket
from factcheck.http.schema import error_response
from factcheck.http.throttling import UserRateThrottle
from factcheck.http.views import StrictQueryParamsMixin
from memory import selectors, services
from memory.api.serializers import (
    ClaimMatchResultsSerializer,
    ClaimMatchSerializer,
    LinkedTicketSerializer,
    SimilarQuerySerializer,
    SimilarTicketResultsSerializer,
    TicketLinkCreateSerializer,
    TicketLinksSerializer,
)
from memory.models import TicketLink

TAGS = ["claim memory"]
MATCH_DESCRIPTION = (
    "Results at or above the suggest threshold only (FACTCHECK_MATCH_SUGGEST), best first; "
    "`strong` needs FACTCHECK_MATCH_STRONG, two claims of 8 words or more and the same numbers, "
    "dates and names. Matches across languages (multilingual-e5-small). Tickets of every state: "
    "`state` and `verdict` say whether the desk has decided it."
)
CLAIM_EXAMPLE = {
    "text": "Ukraine launched 91 long-range drones at the President's residence in the Novgorod "
    "region on 28-29 December 2025, and all were shot down.",
    "claimant": "Sergei Lavrov, Foreign Minister of Russia",
    "claimed_at": "2025-12-29",
}
MATCH_EXAMPLE = {
    "ticket": 12,
    "score": 0.9312,
    "relation": "suggested",
    "state": "debunked",
    "verdict": "debunked",
    "claim": CLAIM_EXAMPLE,
}
INVALID_LINK = error_response(
    "Invalid input, with field errors: unknown fields, a link to the ticket itself or to no "
    "ticket, two tickets linked already (either way), a `duplicate_of` that would close a loop "
    "of duplicates."
)
NOT_LINKED = error_response("The two tickets are not linked (`error.fields.ticket`).")
LINK_ROLES = error_response("Only fact-checkers and reviewers may link and unlink tickets.")


class MatchRateThrottle(UserRateThrottle):
    """Embedding costs CPU on the web process: a rate of its own per user (`claim_match`,
    FACTCHECK_THROTTLE_MATCH), beside the API's."""

    scope = "claim_match"


class _MemoryView(StrictQueryParamsMixin, GenericAPIView):
    permission_classes = [IsAuthenticated, HasDeskRole]
    pagination_class = None
    filter_backends: list[type] = []
    queryset = Ticket.objects.none()  # for schema generation; real querysets come from selectors

    def ticket(self) -> Ticket:
        """The ticket in the path, if the caller may see it (else Ticket.DoesNotExist: 404)."""
        return ticket_selectors.ticket_get(
            user=self.request.user, ticket_id=self.kwargs["ticket_id"]
        )


class ClaimMatchView(_MemoryView):
    throttle_classes = [*APIView.throttle_classes, MatchRateThrottle]
    serializer_class = ClaimMatchResultsSerializer

    @extend_schema(
        tags=TAGS,
        summary="Find the desk's tickets with the same claim as a text",
        description="Any role that may read tickets. The text is embedded now. "
        + MATCH_DESCRIPTION,
        request=ClaimMatchSerializer,
        responses={200: ClaimMatchResultsSerializer},
        examples=[
            OpenApiExample(
                "The seed claim, in Russian",
                value={
                    "text": "Украина атаковала резиденцию Путина в Новгородской области 91 "
                    "беспилотником",
                    "language": "ru",
                    "limit": 5,
                },
                request_only=True,
            ),
            OpenApiExample("One match", value={"results": [MATCH_EXAMPLE]}, response_only=True),
        ],
        operation_id="claims_match",
    )
    def post(self, request: Request) -> Response:
        body = ClaimMatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        matches = selectors.matches_for_text(
            user=request.user, text=body.validated_data["text"], limit=body.validated_data["limit"]
        )
        return Response(ClaimMatchResultsSerializer({"results": matches}).data)


class TicketSimilarView(_MemoryView):
    throttle_classes = [*APIView.throttle_classes, MatchRateThrottle]
    serializer_class = SimilarTicketResultsSerializer

    def query_params_allowed(self, request: Request) -> set[str]:
        return set(SimilarQuerySerializer().fields)

    @extend_schema(
        tags=TAGS,
        summary="Tickets whose claim is like this ticket's",
        description="The ticket itself left out; each result says whether, and how, the desk "
        "linked the two. Uses the claim's stored vector (its claim_memory job stores it); embeds "
        "the claim now if it has none yet. " + MATCH_DESCRIPTION,
        parameters=[SimilarQuerySerializer],
        responses={200: SimilarTicketResultsSerializer},
        examples=[
            OpenApiExample(
                "A linked duplicate",
                value={
                    "results": [
                        {**MATCH_EXAMPLE, "linked": True, "link": "duplicate_of"},
                    ]
                },
                response_only=True,
            )
        ],
        operation_id="tickets_similar_list",
    )
    def get(self, request: Request, ticket_id: int) -> Response:
        query = SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ticket = self.ticket()
        matches = selectors.matches_for_ticket(
            user=request.user, ticket=ticket, limit=query.validated_data["limit"]
        )
        return Response(SimilarTicketResultsSerializer({"results": matches}).data)


def _links_data(ticket_id: int, links: list[TicketLink]) -> Any:
    return TicketLinksSerializer({"results": links}, context={"ticket_id": ticket_id}).data


class TicketLinksView(_MemoryView):
    serializer_class = TicketLinksSerializer

    @extend_schema(
        tags=TAGS,
        summary="A ticket's links to other tickets",
        description="Both directions, oldest first, each seen from this ticket.",
        responses={200: TicketLinksSerializer},
        operation_id="tickets_links_list",
    )
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = self.ticket()
        return Response(_links_data(ticket.pk, selectors.ticket_links(ticket.pk)))

    @extend_schema(
        tags=TAGS,
        summary="Link a ticket to another",
        description="Fact-checkers and reviewers. `duplicate_of`: this ticket is about the same "
        "claim as `ticket`; `related`: about a related one. An audit event on both tickets. Not "
        "to itself, not twice (either way), and no loop of duplicates.",
        request=TicketLinkCreateSerializer,
        responses={201: LinkedTicketSerializer, 400: INVALID_LINK, 403: LINK_ROLES},
        examples=[
            OpenApiExample(
                "A duplicate",
                value={"ticket": 7, "relation": "duplicate_of"},
                request_only=True,
            )
        ],
        operation_id="tickets_links_create",
    )
    def post(self, request: Request, ticket_id: int) -> Response:
        body = TicketLinkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = self.ticket()
        link = services.ticket_link(
            actor=request.user,
            ticket=ticket,
            other_id=body.validated_data["ticket"],
            relation=body.validated_data["relation"],
        )
        (shown,) = (item for item in selectors.ticket_links(ticket.pk) if item.pk == link.pk)
        data = LinkedTicketSerializer(shown, context={"ticket_id": ticket.pk}).data
        return Response(data, status=status.HTTP_201_CREATED)


class TicketLinkDetailView(_MemoryView):
    @extend_schema(
        tags=TAGS,
        summary="Remove the link between two tickets",
        description="Fact-checkers and reviewers; whichever ticket the link was made from. An "
        "audit event on both tickets.",
        request=None,
        responses={
            204: OpenApiResponse(description="Unlinked."),
            400: NOT_LINKED,
            403: LINK_ROLES,
        },
        operation_id="tickets_links_destroy",
    )
    def delete(self, request: Request, ticket_id: int, other_id: int) -> Response:
        ticket = self.ticket()
        services.ticket_unlink(actor=request.user, ticket=ticket, other_id=other_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
