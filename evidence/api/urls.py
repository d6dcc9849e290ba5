from django.urls import path

import factcheck.http.converters  # noqa: F401  (registers the `id` converter)
from evidence.api import views

urlpatterns = [
    path(
        "tickets/<id:ticket_id>/evidence/",
        views.TicketEvidenceView.as_view(),
        name="ticket-evidence",
    ),
    path("tickets/<id:ticket_id>/fetch/", views.TicketFetchView.as_view(), name="ticket-fetch"),
    path(
        "tickets/<id:ticket_id>/fetch-jobs/",
        views.TicketFetchJobsView.as_view(),
        name="ticket-fetch-jobs",
    ),
    path(
        "tickets/<id:pk>/evidence.geojson",
        views.TicketEvidenceGeoJSONView.as_view(),
        name="ticket-evidence-geojson",
    ),
    path("evidence/<id:pk>/", views.EvidenceDetailView.as_view(), name="evidence-detail"),
]
