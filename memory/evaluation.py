"""Measuring the claim memory on labelled pairs (tests/memory/data/): pure code, no database.

A pair is two claims and whether a desk would answer both with one verdict. For a threshold the
matcher predicts "same" when `matching.relation` gives at least that relation; precision, recall
and F1 follow, overall, per language (the language other than English in the pair; `en` for pairs
in English alone) and per category. `bench/` reports them in docs/PERFORMANCE.md; the test suite
checks the targets on the configured model."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from memory import matching
from memory.embedding import Embedder

LANGUAGES = ("en", "ru", "uk", "de", "fr", "es", "pt")


@dataclass(frozen=True)
class Pair:
    id: str
    a: str
    b: str
    lang_a: str
    lang_b: str
    same: bool
    category: str
    negative_kind: str = ""
    note: str = ""

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this pair counts for: its non-English ones, or `en`."""
        others = tuple(sorted({self.lang_a, self.lang_b} - {"en"}))
        return others or ("en",)

    @property
    def cross_lingual(self) -> bool:
        return self.lang_a != self.lang_b


def pairs_load(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8") as f:
        return [Pair(**json.loads(line)) for line in f if line.strip()]


def pairs_score(pairs: list[Pair], model: Embedder, *, batch_size: int = 64) -> np.ndarray:
    """Each pair's cosine similarity under `model`."""
    texts = sorted({t for p in pairs for t in (p.a, p.b)})
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        vectors.update(zip(batch, model.embed(batch), strict=True))
    return np.array([float(vectors[p.a] @ vectors[p.b]) for p in pairs])


@dataclass(frozen=True)
class Metrics:
    pairs: int
    same: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.same if self.same else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p and r else None

    def as_dict(self) -> dict[str, float | int | None]:
        rounded = {
            k: None if v is None else round(v, 3)
            for k, v in (("precision", self.precision), ("recall", self.recall), ("f1", self.f1))
        }
        return {**asdict(self), **rounded}


def predictions(pairs: list[Pair], scores: np.ndarray, level: str) -> np.ndarray:
    """Whether each pair is matched at `level` (`suggested`: any relation; `strong`: strong)."""
    wanted = (
        {matching.STRONG} if level == matching.STRONG else {matching.STRONG, matching.SUGGESTED}
    )
    return np.array(
        [
            matching.relation(float(s), p.a, p.b) in wanted
            for p, s in zip(pairs, scores, strict=True)
        ]
    )


def _metrics(pairs: Iterable[tuple[Pair, bool]]) -> Metrics:
    rows = list(pairs)
    return Metrics(
        pairs=len(rows),
        same=sum(p.same for p, _ in rows),
        predicted=sum(hit for _, hit in rows),
        correct=sum(p.same and hit for p, hit in rows),
    )


def evaluate(pairs: list[Pair], scores: np.ndarray) -> dict:
    """Metrics at both levels (the thresholds in settings): overall, per language, per category,
    cross-lingual pairs, and what became of the hard negatives."""
    result: dict = {}
    for level in (matching.SUGGESTED, matching.STRONG):
        hits = predictions(pairs, scores, level)
        rows = list(zip(pairs, hits, strict=True))
        result[level] = {
            "overall": _metrics(rows).as_dict(),
            "cross_lingual": _metrics((p, h) for p, h in rows if p.cross_lingual).as_dict(),
            "languages": {
                lang: _metrics((p, h) for p, h in rows if lang in p.languages).as_dict()
                for lang in LANGUAGES
            },
            "categories": {
                cat: _metrics((p, h) for p, h in rows if p.category == cat).as_dict()
                for cat in sorted({p.category for p in pairs})
            },
            "hard_negatives_matched": sorted(
                p.id for p, h in rows if h and p.category == "hard_negative"
            ),
        }
    return result


def threshold_sweep(
    pairs: list[Pair],
    scores: np.ndarray,
    *,
    thresholds: Iterable[float],
    apply: Callable[[float, float], object],
) -> list[dict]:
    """Recall at each candidate suggest threshold and precision at each candidate strong one:
    `apply(suggest, strong)` sets them (a settings override), and is called with the same value
    for both, so one pass gives both curves."""
    rows = []
    for value in thresholds:
        with apply(value, value):  # type: ignore[attr-defined]
            suggested = _metrics(
                zip(pairs, predictions(pairs, scores, matching.SUGGESTED), strict=True)
            )
            strong = _metrics(zip(pairs, predictions(pairs, scores, matching.STRONG), strict=True))
        rows.append(
            {
                "threshold": round(value, 3),
                "suggest_recall": round(suggested.recall or 0, 3),
                "suggest_precision": round(suggested.precision or 0, 3),
                "strong_precision": None
                if strong.precision is None
                else round(strong.precision, 3),
                "strong_recall": round(strong.recall or 0, 3),
            }
        )
    return rows
