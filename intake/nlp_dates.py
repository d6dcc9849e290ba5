# ruff: noqa: RUF001
"""Finding and resolving date phrases in a sentence (English, Russian, Ukrainian).

Phrases are found with regular expressions (spaCy's DATE entities split "Monday, 29 December 2025"
into pieces) and resolved against the publication date: weekdays and ranges by our own rules,
everything else by dateparser with RELATIVE_BASE set to the publication date."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import dateparser

WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_RU = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень")
WEEKDAYS_UK = ("понеділ", "вівтор", "серед", "четвер", "п'ятниц", "субот", "неділ")
_MONTHS_EN = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_MONTHS_RU = (
    r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
)
_MONTHS_UK = (
    r"(?:січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня)"
)
_WD_EN = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_PART_EN = r"(?:\s+(?:morning|afternoon|evening|night))?"

PATTERNS = {
    "en": re.compile(
        rf"\b(?:(?:late|early)\s+)?(?:on\s+)?(?:{_WD_EN},?\s+)?\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTHS_EN}(?:,?\s+\d{{4}})?\b"
        rf"|\b(?:on\s+)?(?:{_WD_EN},?\s+)?{_MONTHS_EN}\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?(?:,\s+\d{{4}})?\b"
        rf"|\b(?:(?:late|early)\s+)?(?:on\s+)?(?:last\s+)?{_WD_EN}{_PART_EN}\b"
        r"|\b(?:yesterday|today|tonight|overnight|last\s+(?:night|week|month)|this\s+(?:morning|afternoon|evening|week)|earlier\s+(?:today|this\s+week))\b",
        re.I,
    ),
    "ru": re.compile(
        rf"\b\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTHS_RU}(?:\s+\d{{4}}(?:\s+года)?)?"
        r"|\b(?:в|во)\s+(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)\b"
        r"|\b(?:вчера|сегодня|накануне|ночью|в\s+ночь\s+на\s+\w+)\b",
        re.I,
    ),
    "uk": re.compile(
        rf"\b\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTHS_UK}(?:\s+\d{{4}}(?:\s+року)?)?"
        r"|\b(?:в|у)\s+(?:понеділок|вівторок|середу|четвер|п'ятницю|п’ятницю|суботу|неділю)\b"
        r"|\b(?:вчора|сьогодні|напередодні|вночі|в\s+ніч\s+на\s+\w+)\b",
        re.I,
    ),
}
_RANGE = re.compile(r"(\d{1,2})\s*[-–]\s*(\d{1,2})")
_YEAR = re.compile(r"\b(19|20)\d\d\b")


@dataclass(frozen=True)
class DatePhrase:
    start: int  # offsets in the sentence
    end: int
    text: str
    date: dt.date | None  # None when it cannot be resolved (no publication date to count from)


def find_dates(sentence: str, language: str, base: dt.date | None) -> list[DatePhrase]:
    """Every date phrase of `sentence`, resolved against `base` (the publication date)."""
    pattern = PATTERNS.get(language, PATTERNS["en"])
    found = []
    for match in pattern.finditer(sentence):
        phrase = match.group(0)
        found.append(
            DatePhrase(match.start(), match.end(), phrase, resolve(phrase, language, base))
        )
    return found


def _weekday_index(phrase: str, language: str) -> int | None:
    lowered = phrase.lower()
    names = {"en": WEEKDAYS_EN, "ru": WEEKDAYS_RU, "uk": WEEKDAYS_UK}.get(language, WEEKDAYS_EN)
    if any(ch.isdigit() for ch in lowered):
        return None
    for index, name in enumerate(names):
        if name in lowered:
            return index
    return None


def resolve(phrase: str, language: str, base: dt.date | None) -> dt.date | None:
    """The day `phrase` names. A bare weekday is the last such day on or before `base`; a range
    ("28-29 December") resolves to its last day; a date without a year is the latest such day not
    after `base` (news reports the past)."""
    lowered = phrase.lower()
    weekday = _weekday_index(phrase, language)
    if weekday is not None:
        if base is None:
            return None
        back = (base.weekday() - weekday) % 7
        if lowered.startswith("last ") and back == 0:
            back = 7
        return base - dt.timedelta(days=back)
    if any(word in lowered for word in ("overnight", "ночью", "вночі", "в ночь", "в ніч")):
        return base
    text = _RANGE.sub(lambda m: m.group(2), phrase)  # a range: its last day
    text = re.sub(r"^(?:late|early)\s+|^on\s+", "", text, flags=re.I)
    if not _YEAR.search(text) and base is None:
        return None
    return _parse(text, language, base)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, language: str, base: dt.date | None) -> dt.date | None:
    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(base, dt.time(12))
    languages = [language] if language in ("en", "ru", "uk") else ["en"]
    parsed = dateparser.parse(text, languages=languages, settings=settings)
    return parsed.date() if parsed else None


def publication_date_from_text(text: str, language: str) -> dt.date | None:
    """The latest complete date (day, month and year) the text names, or None. An article reports
    what happened before it was written, so the latest full date it names is the best estimate of
    its publication day (the seed article's "on Monday, 29 December 2025")."""
    best: dt.date | None = None
    for match in PATTERNS.get(language, PATTERNS["en"]).finditer(text):
        phrase = match.group(0)
        if not _YEAR.search(phrase) or not re.search(r"(?<!\d)\d{1,2}(?!\d)", phrase):
            continue
        day = resolve(phrase, language, None)
        if day is not None and (best is None or day > best):
            best = day
    return best
