from django.urls import path
from rest_framework.routers import SimpleRouter

import factcheck.http.converters  # noqa: F401  (registers the `id` converter)
from claims.api import views

router = SimpleRouter(use_regex_path=False)
router.register("tickets", views.TicketViewSet, basename="ticket")

urlpatterns = [
    path(
        "tickets/export.csv",
        views.TicketExportView.as_view(export_format="csv"),
        name="ticket-export-csv",
    ),
    path(
        "tickets/export.jsonl",
        views.TicketExportView.as_view(export_format="jsonl"),
        name="ticket-export-jsonl",
    ),
    *router.urls,
    path("claimreviews/", views.ClaimReviewFeedView.as_view(), name="claimreview-list"),
]
