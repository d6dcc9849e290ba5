"""Public pages: no login. Included at the site's root (factcheck/urls.py)."""

from django.urls import path

# Registers the `sha256` path converter (lower-case hex) that the thumbnails' addresses use.
import evidence.urls  # noqa: F401
from publishing import feed_views, views

urlpatterns = [
    path("checks/<int:ticket_id>-<slug:slug>/", views.check_page, name="check-page"),
    path(
        "checks/<int:ticket_id>-<slug:slug>/thumbnails/<sha256:sha256>.jpg",
        views.check_thumbnail,
        name="check-thumbnail",
    ),
    # The feeds (publishing.feeds).
    path("checks/feed.json", feed_views.feed_json, name="checks-feed-json"),
    path("checks/feed.atom", feed_views.feed_atom, name="checks-feed-atom"),
]
