"""Public pages: no login. Included at the site's root (factcheck/urls.py)."""

from django.urls import path

from publishing import views

urlpatterns = [
    path("checks/<int:ticket_id>-<slug:slug>/", views.check_page, name="check-page"),
]
