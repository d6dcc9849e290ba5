from django.urls import path
from rest_framework.routers import SimpleRouter

import factcheck.http.converters  # noqa: F401  (registers the `id` converter)
from claims.api import views

router = SimpleRouter(use_regex_path=False)
router.register("tickets", views.TicketViewSet, basename="ticket")

urlpatterns = [
    *router.urls,
    path("claimreviews/", views.ClaimReviewFeedView.as_view(), name="claimreview-list"),
]
