"""When a similarity score makes two claims the same claim: pure rules, no database.

Alegre's practice (Meedan): "suggest" at 0.75, "auto-match" at 0.95, and a text under 8 words is
never auto-matched. Our thresholds are settings (FACTCHECK_MATCH_SUGGEST, FACTCHECK_MATCH_STRONG)
whose defaults are calibrated on tests/memory/data/claim_pairs.jsonl (docs/PERFORMANCE.md)."""

from __future__ import annotations

import re

from django.conf import settings

STRONG = "strong"
SUGGESTED = "suggested"
SHORT_WORDS = 8  # fewer words than this: never `strong`

_WORD = re.compile(r"\w+", re.UNICODE)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def is_short(text: str) -> bool:
    return word_count(text) < SHORT_WORDS


def relation(score: float, *texts: str) -> str:
    """`strong`, `suggested`, or "" (below the suggest threshold). `texts`: the two claims; when
    either is short the best a pair can be is `suggested`."""
    if score >= settings.FACTCHECK_MATCH_STRONG and not any(is_short(t) for t in texts):
        return STRONG
    if score >= settings.FACTCHECK_MATCH_SUGGEST:
        return SUGGESTED
    return ""
