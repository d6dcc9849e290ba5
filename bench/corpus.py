"""Claims with realistic, varied text for the benchmarks: deterministic (seeded), fast to make in bulk.

Word frequencies follow Zipf's law, as in real text: a few words are in most claims ("the",
"said"), a few hundred in one claim in a hundred, tens of thousands in almost none. That is what
makes the selectivity of a full-text search realistic: a search for a common word matches a large
share of the rows, one for a rare name a handful. The vocabulary mixes the words of the seed story
(drones, residence, air defence...) with generated names of people, places and things.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from bisect import bisect
from dataclasses import dataclass

SEED = 20251229

COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "that",
    "was",
    "on",
    "for",
    "with",
    "by",
    "at",
    "from",
    "as",
    "is",
    "said",
    "were",
    "had",
    "not",
    "are",
    "it",
    "this",
    "be",
    "have",
    "has",
    "an",
    "which",
    "its",
    "after",
    "their",
    "been",
    "more",
    "than",
    "they",
    "over",
    "two",
    "three",
    "four",
    "five",
    "six",
    "hundred",
    "thousand",
    "ministry",
    "government",
    "forces",
    "attack",
    "claimed",
    "during",
    "officials",
    "said",
    "reported",
    "according",
    "region",
    "people",
]
# Drawn as one unit, so that a phrase search matches as often as in real text, where these words
# come together.
PHRASES = ["air defence", "satellite images", "power plant", "shot down"]
TOPICAL = [
    "drone",
    "drones",
    "missile",
    "missiles",
    "residence",
    "president",
    "air",
    "defence",
    "defences",
    "strike",
    "strikes",
    "attack",
    "attacks",
    "launched",
    "intercepted",
    "destroyed",
    "shot",
    "down",
    "long-range",
    "border",
    "troops",
    "army",
    "navy",
    "ceasefire",
    "talks",
    "negotiations",
    "peace",
    "sanctions",
    "energy",
    "grid",
    "power",
    "plant",
    "refinery",
    "port",
    "bridge",
    "railway",
    "airport",
    "airfield",
    "base",
    "convoy",
    "artillery",
    "shelling",
    "casualties",
    "civilians",
    "wounded",
    "killed",
    "evacuated",
    "damaged",
    "fire",
    "explosion",
    "explosions",
    "satellite",
    "images",
    "footage",
    "video",
    "statement",
    "minister",
    "foreign",
    "defence",
    "spokesman",
    "intelligence",
    "report",
    "reports",
    "denied",
    "confirmed",
    "evidence",
    "fabricated",
    "provocation",
    "retaliation",
    "targets",
    "oblast",
    "city",
    "village",
    "district",
    "capital",
    "parliament",
    "election",
    "elections",
    "vote",
    "votes",
    "referendum",
    "protest",
    "protests",
    "police",
    "arrested",
    "detained",
    "journalists",
    "media",
    "television",
    "broadcast",
    "website",
    "channel",
    "telegram",
    "social",
    "network",
    "posts",
    "claims",
    "fact",
    "check",
    "hoax",
    "rumour",
    "rumours",
    "debris",
    "wreckage",
    "crater",
]
SYLLABLES = [
    "ka",
    "ri",
    "no",
    "vo",
    "sla",
    "gor",
    "vi",
    "ta",
    "mi",
    "lo",
    "ra",
    "de",
    "ne",
    "zu",
    "ba",
    "ko",
    "shi",
    "len",
    "mar",
    "tov",
    "ev",
    "in",
    "ov",
    "sk",
    "ya",
    "ol",
    "an",
    "er",
    "us",
    "ist",
    "ber",
    "gen",
    "dorf",
    "ham",
    "ton",
    "ville",
    "cas",
    "tel",
    "mon",
    "sa",
    "pe",
    "la",
    "ro",
    "du",
    "ly",
    "ma",
    "ni",
    "ke",
]
ROLES = [
    "Minister of Foreign Affairs",
    "Defence Ministry spokesperson",
    "President",
    "Prime Minister",
    "Governor",
    "member of parliament",
    "military blogger",
    "press secretary",
    "mayor",
    "commander",
]
PLACES = [
    ("Valdai, Novgorod Oblast, Russia", 58.0, 33.3),
    ("Kyiv, Ukraine", 50.45, 30.52),
    ("Kharkiv, Ukraine", 49.99, 36.23),
    ("Belgorod, Russia", 50.6, 36.6),
    ("Odesa, Ukraine", 46.48, 30.72),
    ("Moscow, Russia", 55.75, 37.62),
    ("Sevastopol, Crimea", 44.6, 33.52),
    ("Zaporizhzhia, Ukraine", 47.84, 35.14),
]
VOCABULARY_SIZE = 60_000


def _generated_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    cum_weights: list[float]

    def draw(self, rng: random.Random, k: int) -> list[str]:
        total = self.cum_weights[-1]
        words, cum, hi = self.words, self.cum_weights, len(self.words) - 1
        rand = rng.random
        return [words[bisect(cum, rand() * total, 0, hi)] for _ in range(k)]


@functools.cache
def vocabulary(seed: int = SEED) -> Vocabulary:
    """COMMON first, then PHRASES and TOPICAL, then generated words; weight 1/rank (Zipf, s = 1)."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(COMMON + PHRASES + TOPICAL))
    seen = set(words)
    while len(words) < VOCABULARY_SIZE:
        word = _generated_word(rng)
        if word not in seen:
            seen.add(word)
            words.append(word)
    cum = list(itertools.accumulate(1.0 / rank for rank in range(1, len(words) + 1)))
    return Vocabulary(words, cum)


@functools.cache
def claimants(seed: int = SEED, count: int = 2_000) -> list[str]:
    rng = random.Random(seed + 1)
    people = []
    for _ in range(count):
        first = _generated_word(rng).capitalize()
        last = _generated_word(rng).capitalize()
        people.append(f"{first} {last}, {rng.choice(ROLES)}")
    return people


class ClaimMaker:
    """Claims as dicts of Claim fields, all different, the same for the same seed. Every maker
    draws from the same vocabulary and claimants (so the words searched for exist, at the
    frequencies their ranks give); the seed only decides the draws."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed + 2)
        self.vocab = vocabulary()
        self.people = claimants()
        # Claimants are Zipf-distributed too: a few speak often.
        self.people_cum = list(
            itertools.accumulate(1.0 / rank for rank in range(1, len(self.people) + 1))
        )

    def claimant(self) -> str:
        r = self.rng.random() * self.people_cum[-1]
        return self.people[bisect(self.people_cum, r, 0, len(self.people) - 1)]

    def text(self) -> str:
        words = self.vocab.draw(self.rng, self.rng.randint(12, 40))
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    def claim(self, *, stub_url: str = "https://example.org") -> dict:
        place, lat, lon = self.rng.choice(PLACES)
        day = dt.date(2025, 1, 1) + dt.timedelta(days=self.rng.randrange(360))
        return {
            "text": self.text(),
            "claimant": self.claimant(),
            "claimed_at": day.isoformat(),
            "source_url": f"{stub_url}/pages/article.html",
            "language": "en",
            "place_name": place,
            "latitude": round(lat + self.rng.uniform(-0.05, 0.05), 4),
            "longitude": round(lon + self.rng.uniform(-0.05, 0.05), 4),
        }
