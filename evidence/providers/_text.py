"""Text that providers hand to the evidence fields: titles that fit the field in whole words."""

from __future__ import annotations

TITLE_MAX = 500  # Evidence.title's max_length


def whole_words(text: str, limit: int = TITLE_MAX) -> str:
    """`text` on one line in at most `limit` characters: cut after the last whole word that fits,
    with an ellipsis, when it is longer (a single word longer than `limit` is cut inside)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " ":
        head, space, _ = cut.rpartition(" ")
        cut = head if space and head else cut
    return cut.rstrip(" ,;:-") + "…"
