"""Path converter for database ids: digits that fit a bigint, so an absurd id is a 404 from the URL
resolver instead of an out-of-range query."""

from django.urls import register_converter

ID_PATTERN = "[0-9]{1,18}"


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
