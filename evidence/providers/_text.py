"""Text that providers hand to the evidence fields: titles that fit the field in whole words."""

from __future__ import annotations

import re

TITLE_MAX = 500  # Evidence.title's max_length
_LAST_SPACE = re.compile(r"\s(?=\S*$)")


def whole_words(text: str, limit: int = TITLE_MAX) -> str:
    """`text` in at most `limit` characters: when longer, cut after the last whole word that fits,
    with an ellipsis (a single word longer than `limit` is cut inside)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace():
        space = _LAST_SPACE.search(cut)
        cut = cut[: space.start()] if space and space.start() > 0 else cut
    return cut.rstrip().rstrip(",;:-") + "…"
