from django.urls import path

import factcheck.http.converters  # noqa: F401  (registers the `id` converter)
from memory.api import views

urlpatterns = [
    path("claims/match/", views.ClaimMatchView.as_view(), name="claim-match"),
    path(
        "tickets/<id:ticket_id>/similar/", views.TicketSimilarView.as_view(), name="ticket-similar"
    ),
    path("tickets/<id:ticket_id>/links/", views.TicketLinksView.as_view(), name="ticket-links"),
    path(
        "tickets/<id:ticket_id>/links/<id:other_id>/",
        views.TicketLinkDetailView.as_view(),
        name="ticket-link-detail",
    ),
]
