from django.urls import path
from rest_framework.routers import SimpleRouter

from claims.api import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")

urlpatterns = [
    *router.urls,
    path("claimreviews/", views.ClaimReviewFeedView.as_view(), name="claimreview-list"),
]
