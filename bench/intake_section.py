"""Claim intake (issue 11): the extractor's quality on the labelled articles and its speed.

Per article and per language, on the development and the held-out articles: recall of the expected
claims, precision among the candidates at or above the threshold, claimant and date accuracy over
the claims found, rejected sentences proposed, extraction time per 1,000 words (median of several
runs, after the models are loaded and warmed up; the load is timed on its own, in this fresh
process). Plus one 1,000-word article made of the English development articles' paragraphs, for the
issue's speed target. No database."""

from __future__ import annotations

import statistics
import time
from typing import Any

from intake.evaluation import articles_load, evaluate, models_load
from intake.extraction import DEFAULT_THRESHOLD, extract, extractor_version

RUNS = 7
RUNS_QUICK = 3
TARGET_WORDS = 1000


def thousand_words() -> tuple[str, int]:
    """About 1,000 words of real article text: whole paragraphs of the English development
    articles, in order, until 1,000 words are reached (a paragraph is never cut)."""
    articles, _ = articles_load("dev")
    paragraphs: list[str] = []
    count = 0
    for article in articles:
        if article.language != "en":
            continue
        for paragraph in article.text.split("\n"):
            if count >= TARGET_WORDS:
                break
            if paragraph.strip():
                paragraphs.append(paragraph)
                count += len(paragraph.split())
    return "\n".join(paragraphs), count


def run(*, quick: bool = False) -> dict[str, Any]:
    runs = RUNS_QUICK if quick else RUNS
    started = time.perf_counter()
    load_seconds = models_load()  # in this fresh process: the real cold load
    text, words = thousand_words()
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        extraction = extract(text, language="en")
        timings.append(time.perf_counter() - t0)
    sets = {split: evaluate(split, repeats=runs) for split in ("dev", "holdout")}
    return {
        "extractor": extractor_version(),
        "threshold": DEFAULT_THRESHOLD,
        "runs": runs,
        "load_seconds": round(load_seconds, 2),
        "thousand_words": {
            "words": words,
            "candidates": len(extraction.candidates),
            "median_seconds": round(statistics.median(timings), 3),
            "max_seconds": round(max(timings), 3),
            "seconds_per_1000_words": round(statistics.median(timings) / words * 1000, 3),
        },
        "sets": sets,
        "measured_seconds": round(time.perf_counter() - started, 1),
    }


# --- the page ---------------------------------------------------------------------------------------

COLUMNS = (
    ("expected", "expected", "d"),
    ("found", "found", "d"),
    ("proposed", "proposed", "d"),
    ("recall", "recall", "f"),
    ("precision", "precision", "f"),
    ("claimant_accuracy", "claimant", "f"),
    ("date_accuracy", "date", "f"),
    ("rejected_proposed", "rejected proposed", "d"),
    ("words", "words", "d"),
    ("seconds_per_1000_words", "s / 1,000 words", "s"),
)


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "f":
        return f"{value:.2f}"
    if kind == "s":
        return f"{value:.3f}"
    return f"{value:,}"


def _set_table(report: dict[str, Any]) -> list[str]:
    head = "| article | language | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|---|---|" + "---|" * len(COLUMNS)]
    for row in report["articles"]:
        cells = " | ".join(_cell(row[key], kind) for key, _, kind in COLUMNS)
        lines.append(f"| {row['id']} | {row['language']} | {cells} |")
    for language, summary in report["languages"].items():
        cells = " | ".join(_cell(summary[key], kind) for key, _, kind in COLUMNS)
        lines.append(f"| **all {language}** ({summary['articles']}) | {language} | {cells} |")
    return lines


NOTE = """`.venv/bin/python -m bench run --only intake` (about 20 s; `python -m intake.evaluation
--split dev|holdout|all --details` prints the same tables with the misses).
`bench/intake_section.py` (issue 11) runs `intake.extraction.extract()` on the labelled
articles of `tests/intake/data/` (own writing, fictional events, labelled by hand; the seed article
is `../shared/seed-article.txt`, labelled with the nine seed claims) and applies the matching rule of
`intake.evaluation`: a label matches a candidate when all its key terms occur in the candidate's
source sentence; each expected claim counts once, at the first candidate in article order at or
above the threshold. **Recall**: expected claims found among the proposed candidates (score ≥ the
threshold). **Precision**: proposed candidates that match an expected or acceptable label (a second
candidate for a claim already found, an unlabelled sentence or a rejected one counts as wrong).
**Claimant / date**: over the expected claims found, the claimant contains one of the label's names,
the claim date equals the label's. The rules and weights were developed on the development
articles only; the held-out articles were written by another hand at the same time and run once,
when the extractor was final. English uses spaCy's small English pipeline (parser and NER);
Russian and Ukrainian have no spaCy model with data on PyPI, so they run on rules over words
(reporting-verb stems, capitalised name pairs, institution stems) with spaCy's sentencizer and
dateparser. Times are medians of {runs} runs after the models were loaded and warmed up, in one
process on the machine above."""


def _combined(summaries: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Micro-averages over several sets' summaries (their counts added up)."""
    present = [s for s in summaries if s]
    if not present:
        return None
    total = {k: sum(s[k] for s in present) for k in ("expected", "found", "proposed", "right")}
    total.update({k: sum(s[k] for s in present) for k in ("claimant_right", "date_right")})
    if not (total["expected"] and total["proposed"] and total["found"]):
        return None
    return {
        "articles": sum(s["articles"] for s in present),
        "recall": total["found"] / total["expected"],
        "precision": total["right"] / total["proposed"],
        "claimant": total["claimant_right"] / total["found"],
        "date": total["date_right"] / total["found"],
    }


def markdown(result: dict[str, Any]) -> str:

    thousand = result["thousand_words"]
    out = [
        NOTE.format(runs=result["runs"]),
        "",
        f"Extractor: `{result['extractor']}`; threshold {result['threshold']:.2f}. Model load "
        f"and warm-up (spaCy English pipeline, the ru/uk sentencizers, dateparser's first calls): "
        f"**{result['load_seconds']:.2f} s**, once per process.",
        "",
        f"A {thousand['words']:,}-word article (paragraphs of the English development articles): "
        f"**{thousand['median_seconds']:.3f} s** median of {result['runs']} runs (slowest "
        f"{thousand['max_seconds']:.3f} s), {thousand['candidates']} candidates.",
    ]
    combined = _combined([result["sets"][s]["languages"].get("en") for s in ("dev", "holdout")])
    if combined:
        out += [
            "",
            f"All English labelled articles together ({combined['articles']}: development and "
            f"held out): recall {combined['recall']:.2f}, precision {combined['precision']:.2f}, "
            f"claimant {combined['claimant']:.2f}, date {combined['date']:.2f}. Russian and "
            "Ukrainian are measured on one development article each: a smoke test of the rules, "
            "not a figure to lean on.",
        ]
    for split, title in (("dev", "Development articles"), ("holdout", "Held-out articles")):
        report = result["sets"][split]
        out += ["", f"### {title}", ""]
        if not report["articles"]:
            out.append("None.")
            continue
        out += _set_table(report)
        for message in report.get("skipped", []):
            out += ["", f"Skipped: {message}"]
        misses = [
            f"{article_id}: missed {', '.join(d['missed'])}"
            for article_id, d in report["details"].items()
            if d["missed"]
        ]
        wrong = [
            f"{article_id}: {item}"
            for article_id, d in report["details"].items()
            for item in d["wrong_claimant"] + d["wrong_date"]
        ]
        if misses or wrong:
            out += ["", "Misses and wrong claimants or dates: " + "; ".join(misses + wrong) + "."]
    return "\n".join(out)
