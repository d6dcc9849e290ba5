"""URLs of the evidence app outside the API: the stored thumbnails."""

from django.urls import path, register_converter

from evidence import views


class Sha256Converter:
    """A SHA-256 in lower-case hex: anything else is a 404 from the resolver."""

    regex = "[0-9a-f]{64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Sha256Converter, "sha256")

urlpatterns = [
    path("thumbnails/<sha256:sha256>.jpg", views.thumbnail, name="evidence-thumbnail"),
]
