"""Public pages: no login. Included at the site's root (factcheck/urls.py)."""

from django.urls import path

from publishing import feed_views, views

urlpatterns = [
    path("checks/<int:ticket_id>-<slug:slug>/", views.check_page, name="check-page"),
    # The feeds (publishing.feeds).
    path("checks/feed.json", feed_views.feed_json, name="checks-feed-json"),
    path("checks/feed.atom", feed_views.feed_atom, name="checks-feed-atom"),
]
