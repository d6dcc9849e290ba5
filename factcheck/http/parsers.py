"""The API's one request parser."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

# JSON's \uXXXX escapes can spell a lone surrogate, which is no Unicode scalar value: it cannot be
# stored, compared sensibly or even encoded again (an error message that echoes it cannot render).
_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_UNICODE = "Not valid Unicode text: contains a lone surrogate (\\ud800-\\udfff)."


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus:

    - a body nested deeper than Python's recursion limit is a 400 (the standard library raises
      RecursionError for it, which would otherwise be a 500);
    - a body with any string (value or key) that is not made of Unicode scalar values is a 400
      naming every such string by its dotted path, before any field sees it.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the body is nested too deeply.") from error
        invalid = {path: [NOT_UNICODE] for path in non_unicode_paths(data)}
        if invalid:
            raise ValidationError(invalid)
        return data


def non_unicode_paths(data: Any) -> list[str]:
    """Dotted paths (`claim.text`, `tags.1`) of the strings in parsed JSON that hold a lone
    surrogate; a key that holds one is named with the surrogate escaped (`claim.\\ud800`).
    Iterative, so that a body nested as deeply as the parser allows is walked without recursion."""
    found: list[str] = []
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                found.append(path or "non_field_errors")
        elif isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    found.append(_join(path, escape_surrogates(key)))
                else:
                    pending.append((_join(path, key), item))
        elif isinstance(value, list):
            pending.extend((_join(path, str(index)), item) for index, item in enumerate(value))
    return sorted(found)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def escape_surrogates(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
