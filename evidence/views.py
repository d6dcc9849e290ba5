"""Pages outside the API: the stored scene thumbnails, for staff only. Thin: who may see them is
decided here (staff, like the admin that shows them), the file comes from evidence.thumbnails."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from evidence.thumbnails import CONTENT_TYPE, thumbnail_open

# Content-addressed: the bytes behind a name never change, so a browser may keep them for a year.
CACHE_SECONDS = 365 * 24 * 3600


@require_safe
def thumbnail(request: HttpRequest, sha256: str) -> HttpResponse:
    """A stored thumbnail. Anonymous: to the admin login; logged in without staff access: 403;
    no such picture: 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not request.user.is_staff:
        raise PermissionDenied("Thumbnails are for the desk's staff.")
    etag = f'"{sha256}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        try:
            picture = thumbnail_open(sha256)
        except FileNotFoundError as error:
            raise Http404("No such thumbnail.") from error
        response = FileResponse(picture, content_type=CONTENT_TYPE)
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS, immutable=True)
    return response
