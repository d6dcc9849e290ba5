# ruff: noqa: RUF001
"""Measuring claim extraction on the labelled articles under tests/intake/data/ (issue 11).

Pure: reads JSON files, runs `intake.extraction.extract()`, applies the matching rule of
tests/intake/data (docs in /work/notes/format.md, summarised here) and counts.

Matching: a label matches a candidate when every item of its `terms` occurs (case-insensitive
substring; an inner list = any one of them) in the candidate's source `sentence`. Each candidate is
matched to at most one label (expected first, then acceptable, then rejected); each expected label to
at most one candidate, the first in article order at or above the threshold.

    python -m intake.evaluation [--split dev|holdout|all] [--language en]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake.extraction import (
    DEFAULT_THRESHOLD,
    Candidate,
    english,
    extract,
    extractor_version,
    rule_based,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "intake" / "data"
SPLIT_DIRS = {"dev": "articles", "holdout": "holdout"}


class ArticleMissing(Exception):
    """An article's text file (the seed article, outside the repository) is not there."""


@dataclass(frozen=True)
class Article:
    id: str
    split: str
    language: str
    published_at: dt.date | None
    text: str
    expected: tuple[dict, ...]
    acceptable: tuple[dict, ...]
    rejected: tuple[dict, ...]
    topic: str = ""


def article_load(path: Path) -> Article:
    """One labelled article. A `text_file` is relative to the repository root's parent
    (`../shared/seed-article.txt`); ArticleMissing if it is absent."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if "text_file" in data:
        text_path = (REPO / data["text_file"]).resolve()
        if not text_path.exists():
            raise ArticleMissing(f"{data['id']}: {text_path} is not there")
        text = text_path.read_text(encoding="utf-8")
    else:
        text = data["text"]
    published = data.get("published_at")
    return Article(
        id=data["id"],
        split=data.get("split", "dev"),
        language=data.get("language", "en"),
        published_at=dt.date.fromisoformat(published) if published else None,
        text=text,
        expected=tuple(data.get("expected", ())),
        acceptable=tuple(data.get("acceptable", ())),
        rejected=tuple(data.get("rejected", ())),
        topic=data.get("topic", ""),
    )


def articles_load(split: str = "dev", *, data: Path = DATA) -> tuple[list[Article], list[str]]:
    """The articles of a split ("dev", "holdout" or "all") and the skip messages of those whose
    text is missing."""
    splits = list(SPLIT_DIRS) if split == "all" else [split]
    articles, skipped = [], []
    for name in splits:
        for path in sorted((data / SPLIT_DIRS[name]).glob("*.json")):
            try:
                articles.append(article_load(path))
            except ArticleMissing as missing:
                skipped.append(str(missing))
    return articles, skipped


def terms_match(terms: list, sentence: str) -> bool:
    lowered = sentence.lower()
    for item in terms:
        options = item if isinstance(item, list) else [item]
        if not any(str(option).lower() in lowered for option in options):
            return False
    return True


def _any_in(options: list[str] | None, value: str) -> bool:
    lowered = (value or "").lower()
    return bool(options) and any(option.lower() in lowered for option in options)


@dataclass
class ArticleResult:
    id: str
    language: str
    split: str
    words: int
    seconds: float
    expected: int = 0
    found: int = 0
    proposed: int = 0
    right: int = 0  # proposed candidates matching an expected (first time) or acceptable label
    claimant_right: int = 0
    date_right: int = 0
    rejected_proposed: int = 0
    missed: list[str] = field(default_factory=list)
    wrong_claimant: list[str] = field(default_factory=list)
    wrong_date: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    published_at: str | None = None


def article_evaluate(
    article: Article, *, threshold: float = DEFAULT_THRESHOLD, repeats: int = 1
) -> ArticleResult:
    """One article's counts; `seconds` is the median of `repeats` extractions (the model is
    loaded beforehand: see models_load)."""
    timings = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        extraction = extract(
            article.text, published_at=article.published_at, language=article.language
        )
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    result = ArticleResult(
        id=article.id,
        language=article.language,
        split=article.split,
        words=len(article.text.split()),
        seconds=seconds,
        expected=len(article.expected),
        published_at=extraction.published_at.isoformat() if extraction.published_at else None,
    )
    proposed = [c for c in extraction.candidates if c.check_worthiness >= threshold]
    result.proposed = len(proposed)
    found: dict[str, Candidate] = {}
    for candidate in proposed:
        verdict = _label_for(candidate, article, found)
        if verdict in ("expected", "acceptable"):
            result.right += 1
        else:
            if verdict == "rejected":
                result.rejected_proposed += 1
            result.false_positives.append(f"[{verdict}] {candidate.sentence[:90]}")
    for label in article.expected:
        candidate = found.get(label["id"])
        if candidate is None:
            result.missed.append(label["id"])
            continue
        result.found += 1
        if _any_in(label.get("claimant"), candidate.claimant):
            result.claimant_right += 1
        else:
            result.wrong_claimant.append(f"{label['id']}: {candidate.claimant!r}")
        wanted = label.get("claimed_at")
        got = candidate.claimed_at.isoformat() if candidate.claimed_at else None
        if wanted == got:
            result.date_right += 1
        else:
            result.wrong_date.append(f"{label['id']}: {got} (wanted {wanted})")
    return result


def _label_for(candidate: Candidate, article: Article, found: dict[str, Candidate]) -> str:
    """'expected', 'acceptable', 'rejected', 'duplicate' (an expected label already matched, and
    no other label) or 'nothing'; records the first match of each expected label in `found`."""
    duplicate = False
    for label in article.expected:
        if terms_match(label["terms"], candidate.sentence):
            if label["id"] not in found:
                found[label["id"]] = candidate
                return "expected"
            duplicate = True
    if duplicate:  # a second candidate for an expected claim already found: wrong
        return "duplicate"
    for label in article.acceptable:
        if terms_match(label["terms"], candidate.sentence):
            return "acceptable"
    for label in article.rejected:
        if terms_match(label["terms"], candidate.sentence):
            return "rejected"
    return "nothing"


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def summarise(results: list[ArticleResult]) -> dict[str, Any]:
    """Micro-averaged over claims (and over proposed candidates for precision)."""
    total = {
        key: sum(getattr(r, key) for r in results)
        for key in (
            "expected",
            "found",
            "proposed",
            "right",
            "claimant_right",
            "date_right",
            "rejected_proposed",
            "words",
        )
    }
    seconds = sum(r.seconds for r in results)
    return {
        **total,
        "articles": len(results),
        "recall": _ratio(total["found"], total["expected"]),
        "precision": _ratio(total["right"], total["proposed"]),
        "claimant_accuracy": _ratio(total["claimant_right"], total["found"]),
        "date_accuracy": _ratio(total["date_right"], total["found"]),
        "seconds": round(seconds, 3),
        "seconds_per_1000_words": round(seconds / total["words"] * 1000, 3)
        if total["words"]
        else None,
    }


def row(r: ArticleResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "language": r.language,
        "split": r.split,
        "expected": r.expected,
        "found": r.found,
        "proposed": r.proposed,
        "recall": _ratio(r.found, r.expected),
        "precision": _ratio(r.right, r.proposed),
        "claimant_accuracy": _ratio(r.claimant_right, r.found),
        "date_accuracy": _ratio(r.date_right, r.found),
        "rejected_proposed": r.rejected_proposed,
        "words": r.words,
        "seconds": round(r.seconds, 3),
        "seconds_per_1000_words": round(r.seconds / r.words * 1000, 3) if r.words else None,
    }


def models_load() -> float:
    """Load the models and warm them up (first calls of spaCy and dateparser are slow); the
    seconds it took, reported apart from the extraction times."""
    started = time.perf_counter()
    english()
    for language in ("ru", "uk"):
        rule_based(language)
    extract("Warm-up. The ministry said on Monday that 3 people died.", language="en")
    extract("Министр заявил в понедельник, что погибли 3 человека.", language="ru")
    extract("Міністр заявив у понеділок, що загинули 3 людини.", language="uk")
    return time.perf_counter() - started


def evaluate(
    split: str = "dev", *, language: str | None = None, repeats: int = 1
) -> dict[str, Any]:
    """Per-article rows and summaries: overall and per language."""
    articles, skipped = articles_load(split)
    if language:
        articles = [a for a in articles if a.language == language]
    load_seconds = models_load()
    results = [article_evaluate(a, repeats=repeats) for a in articles]
    languages = sorted({r.language for r in results})
    return {
        "split": split,
        "threshold": DEFAULT_THRESHOLD,
        "extractor": extractor_version(),
        "load_seconds": round(load_seconds, 2),
        "repeats": repeats,
        "skipped": skipped,
        "articles": [row(r) for r in results],
        "details": {
            r.id: {
                "missed": r.missed,
                "wrong_claimant": r.wrong_claimant,
                "wrong_date": r.wrong_date,
                "false_positives": r.false_positives,
                "published_at": r.published_at,
            }
            for r in results
        },
        "overall": summarise(results),
        "languages": {
            lang: summarise([r for r in results if r.language == lang]) for lang in languages
        },
    }


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def table(report: dict[str, Any]) -> str:
    columns = [
        "expected",
        "found",
        "proposed",
        "recall",
        "precision",
        "claimant_accuracy",
        "date_accuracy",
        "rejected_proposed",
        "words",
        "seconds_per_1000_words",
    ]
    lines = ["| article | lang | " + " | ".join(c.replace("_", " ") for c in columns) + " |"]
    lines.append("|---|---|" + "---|" * len(columns))
    for r in report["articles"]:
        lines.append(
            f"| {r['id']} | {r['language']} | " + " | ".join(_cell(r[c]) for c in columns) + " |"
        )
    for lang, s in report["languages"].items():
        lines.append(f"| **{lang}** | {lang} | " + " | ".join(_cell(s[c]) for c in columns) + " |")
    s = report["overall"]
    lines.append("| **all** | | " + " | ".join(_cell(s[c]) for c in columns) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m intake.evaluation", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--split", choices=["dev", "holdout", "all"], default="dev")
    parser.add_argument("--language", default=None)
    parser.add_argument("--repeats", type=int, default=1, help="timing: median of this many runs")

    parser.add_argument(
        "--details", action="store_true", help="misses, wrong claimants and dates, false positives"
    )
    args = parser.parse_args(argv)
    report = evaluate(args.split, language=args.language, repeats=args.repeats)
    for message in report["skipped"]:
        print(f"skipped: {message}")
    print(f"{report['extractor']}; models loaded and warmed up in {report['load_seconds']} s")
    print(table(report))
    if args.details:
        for article_id, detail in report["details"].items():
            print(f"\n{article_id} (published_at {detail['published_at']}):")
            for key in ("missed", "wrong_claimant", "wrong_date", "false_positives"):
                for item in detail[key]:
                    print(f"  {key}: {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
