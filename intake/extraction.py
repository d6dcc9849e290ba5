"""Claim extraction: an article's text in, its check-worthy claims out. Pure: no database, no
Django settings, no network; the models it uses ship inside PyPI packages.

One entry point, `extract()`. Everything else in this module is its machinery."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# A candidate at or above this check-worthiness is proposed to the desk (FACTCHECK_INTAKE_THRESHOLD
# defaults to it); below it, the sentence is still returned, shown faintly.
DEFAULT_THRESHOLD = 0.5

QUOTE_DIRECT = "direct"  # the claim is (or contains) the speaker's own quoted words
QUOTE_REPORTED = "reported"  # reported speech: "X said that ...", "according to X, ..."
QUOTE_NONE = "none"  # a statement of the article itself, attributed to nobody


@dataclass(frozen=True)
class Candidate:
    """One sentence of the article that states something a desk might check."""

    index: int  # position among the returned candidates, in article order, from 0
    text: str  # the claim as a self-contained sentence (pronouns and relative dates resolved)
    sentence: str  # the source sentence, exactly as in the article
    span: tuple[int, int]  # [start, end) character offsets of `sentence` in the article text
    claimant: str  # the named person or organisation who made it; "" if nobody is named
    claimant_role: str  # their role where the text gives it ("Foreign Minister"), else ""
    claimed_at: dt.date | None  # when it was made, resolved against the publication date
    place_name: str  # the place the claim is about, as the text names it; "" if none
    quote: str  # QUOTE_DIRECT, QUOTE_REPORTED or QUOTE_NONE
    check_worthiness: float  # 0 to 1
    reasons: tuple[str, ...] = field(default_factory=tuple)  # the signals behind the score


@dataclass(frozen=True)
class Extraction:
    language: str  # the given language, or the detected one (ISO 639-1)
    published_at: dt.date | None  # the given publication date, or the one read off the text
    candidates: tuple[Candidate, ...]
    extractor: str  # what produced it: this module's version and the models' names and versions


def extract(
    text: str, *, published_at: dt.date | None = None, language: str | None = None
) -> Extraction:
    """The candidate claims of `text`, in article order."""
    raise NotImplementedError  # the extraction lands with issue 11
