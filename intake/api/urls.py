from django.urls import path

import factcheck.http.converters  # noqa: F401  (registers the `id` converter)
from intake.api import views

urlpatterns = [
    path("intake/", views.IntakeListView.as_view(), name="intake-list"),
    path("intake/<id:intake_id>/", views.IntakeDetailView.as_view(), name="intake-detail"),
    path("intake/<id:intake_id>/open/", views.IntakeOpenView.as_view(), name="intake-open"),
]
