"""When a similarity score makes two claims the same claim: pure rules, no database.

Alegre's practice (Meedan): "suggest" at 0.75, "auto-match" at 0.95, and a text under 8 words is
never auto-matched. Our thresholds are settings (FACTCHECK_MATCH_SUGGEST, FACTCHECK_MATCH_STRONG)
whose defaults are calibrated for multilingual-e5-small on tests/memory/data/claim_pairs.jsonl
(docs/PERFORMANCE.md); e5's similarities sit higher than Alegre's models', so do its thresholds.

A score alone cannot tell "91 drones over the residence" from "91 drones over the Moscow region":
sentence vectors of the same event with a different number, date, place or actor are as close as
paraphrases (on our set, hard negatives score a median 0.96, paraphrases 0.97). So `strong`, the
match a desk may act on without reading, also needs the two texts to agree on what such vectors
blur (`differences`): the same numbers and months, and no name on each side that the other lacks.
Where they differ, the pair is at best `suggested`, with the reason shown."""

from __future__ import annotations

import re

from django.conf import settings

STRONG = "strong"
SUGGESTED = "suggested"
SHORT_WORDS = 8  # fewer words than this: never `strong`

_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ][\w'\u2019-]*")
# Capitalised only because they start the sentence (en, de, fr, es, pt, ru, uk).
_OPENERS = frozenset(
    "the a an in on at by for from after before during since according all every some no this "
    "these those there it its his her their our we they he she i if when while der die das den "
    "dem ein eine im am nach laut alle le la les l un une des du en selon dans tous el los las "
    "al del según todos o os as um uma no na nos nas segundo todos в во на по после все всі у "
    "за из з від до".split()
)

# Months in the languages the desk measured (en, ru, uk, de, fr, es, pt), by the start of the word.
_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "januar", "janvier", "enero", "janeiro", "январ", "січн", "січен"),
    2: ("february", "februar", "février", "fevrier", "febrero", "fevereiro", "феврал", "лют"),
    3: ("march", "märz", "marz", "mars", "marzo", "março", "marco", "март", "берез"),
    4: ("april", "avril", "abril", "апрел", "квіт"),
    5: ("mai", "mayo", "maio", "мая", "май", "травн", "травен"),
    6: ("june", "juni", "juin", "junio", "junho", "июн", "червн", "червен"),
    7: ("july", "juli", "juillet", "julio", "julho", "июл", "липн", "липен"),
    8: ("august", "août", "aout", "agosto", "август", "серпн", "серпен"),
    9: ("september", "septembre", "septiembre", "setembro", "сентябр", "вересн", "вересен"),
    10: ("october", "oktober", "octobre", "octubre", "outubro", "октябр", "жовтн", "жовтен"),
    11: ("november", "novembre", "noviembre", "novembro", "ноябр", "листопад"),
    12: (
        "december",
        "dezember",
        "décembre",
        "decembre",
        "diciembre",
        "dezembro",
        "декабр",
        "грудн",
        "груден",
    ),
}
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g".split(),
        strict=True,
    )
)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def is_short(text: str) -> bool:
    return word_count(text) < SHORT_WORDS


_NOT_MONTHS = {"may", "march"}  # English verbs, when not capitalised


def _month(word: str) -> int | None:
    lowered = word.lower()
    if lowered in _NOT_MONTHS and not word[:1].isupper():
        return None
    for number, starts in _MONTHS.items():
        if lowered.startswith(starts):
            return number
    return None


def facts(text: str) -> tuple[set[str], set[str]]:
    """What sentence vectors blur, as comparable tokens: numbers and months (`12`, `m12`), and the
    names (capitalised words but sentence openers, transliterated from Cyrillic, first four letters)."""
    numbers = {n.replace(",", ".").rstrip(".") for n in _NUMBER.findall(text)}
    numbers |= {f"m{month}" for word in _WORD.findall(text) if (month := _month(word))}
    names = set()
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        if _month(word) or (match.start() == 0 and word.lower() in _OPENERS):
            continue
        latin = "".join(_CYRILLIC.get(c, c) for c in word.lower()).replace("_", "")
        names.add(latin[:4])
    return numbers, names


def differences(a: str, b: str) -> list[str]:
    """Why two similar texts may still be different claims: numbers or months one has and the
    other lacks, or a name on each side that the other does not have."""
    numbers_a, names_a = facts(a)
    numbers_b, names_b = facts(b)
    found = []
    if numbers_a != numbers_b:
        found.append("the numbers or dates differ")
    if names_a - names_b and names_b - names_a:
        found.append("the names differ")
    return found


def relation(score: float, *texts: str) -> str:
    """`strong`, `suggested`, or "" (below the suggest threshold). `texts`: the two claims. A short
    claim, or a pair that `differences` tells apart, is at best `suggested`."""
    if (
        score >= settings.FACTCHECK_MATCH_STRONG
        and not any(is_short(t) for t in texts)
        and (len(texts) < 2 or not differences(*texts[:2]))
    ):
        return STRONG
    if score >= settings.FACTCHECK_MATCH_SUGGEST:
        return SUGGESTED
    return ""
