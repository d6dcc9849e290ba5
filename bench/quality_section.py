"""The claim memory's quality on the labelled pairs (tests/memory/data/), for each model.

For each candidate model: every pair's similarity, the model's speed on these texts, and precision /
recall / F1 at the suggest and strong levels overall, per language, per category and for the hard
negatives, on the development set and on the held-out set. The configured model is measured at the
thresholds in settings; the other is given thresholds by the same calibration procedure on the
development set (`calibrated`), so the comparison is fair to it. No database is needed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.test import override_settings

from memory import matching
from memory.embedding import MODELS, embedder_named
from memory.evaluation import Pair, evaluate, pairs_load, pairs_score

DATA = Path(__file__).resolve().parents[1] / "tests" / "memory" / "data"
SETS = {"development": "claim_pairs.jsonl", "holdout": "claim_pairs_holdout.jsonl"}
GRID = [round(x, 2) for x in np.arange(0.20, 1.00, 0.01)]
RECALL_WANTED = 0.95  # at suggest, with a margin over the 0.90 target
PRECISION_WANTED = 0.97  # at strong


def _levels(pairs: list[Pair], scores: np.ndarray, suggest: float, strong: float) -> dict:
    with override_settings(FACTCHECK_MATCH_SUGGEST=suggest, FACTCHECK_MATCH_STRONG=strong):
        return evaluate(pairs, scores)


def calibrated(pairs: list[Pair], scores: np.ndarray) -> tuple[float, float]:
    """Suggest: the highest threshold whose recall is at least RECALL_WANTED. Strong: the lowest
    threshold from which the strong level's precision is at least PRECISION_WANTED at it and at
    every threshold above (the level's other rules apply as always)."""
    suggest = GRID[0]
    for value in GRID:
        if (
            _levels(pairs, scores, value, 1.0)[matching.SUGGESTED]["overall"]["recall"]
            >= RECALL_WANTED
        ):
            suggest = value
    strong = GRID[-1]
    for value in reversed(GRID):
        precision = _levels(pairs, scores, min(suggest, value), value)[matching.STRONG]["overall"][
            "precision"
        ]
        if precision is not None and precision < PRECISION_WANTED:
            break
        strong = value
    return suggest, max(strong, suggest)


def run(*, quick: bool = False) -> dict[str, Any]:
    sets = {name: pairs_load(DATA / file) for name, file in SETS.items()}
    models: dict[str, Any] = {}
    for key in MODELS:
        started = time.perf_counter()
        model = embedder_named(key)
        loaded = time.perf_counter() - started
        texts = sorted({t for pairs in sets.values() for p in pairs for t in (p.a, p.b)})
        started = time.perf_counter()
        model.embed(texts)
        per_second = len(texts) / (time.perf_counter() - started)
        scores = {name: pairs_score(pairs, model) for name, pairs in sets.items()}
        if key == settings.FACTCHECK_EMBEDDING_MODEL:
            thresholds = (settings.FACTCHECK_MATCH_SUGGEST, settings.FACTCHECK_MATCH_STRONG)
            procedure = calibrated(sets["development"], scores["development"])
        else:
            thresholds = procedure = calibrated(sets["development"], scores["development"])
        models[key] = {
            "name": model.name,
            "version": model.version,
            "dimensions": model.dimensions,
            "configured": key == settings.FACTCHECK_EMBEDDING_MODEL,
            "load_seconds": round(loaded, 2),
            "texts": len(texts),
            "texts_per_second": round(per_second, 1),
            "thresholds": {"suggest": thresholds[0], "strong": thresholds[1]},
            "procedure_thresholds": {"suggest": procedure[0], "strong": procedure[1]},
            "sets": {name: _levels(sets[name], scores[name], *thresholds) for name in sets},
            "score_medians": {
                name: {
                    category: round(
                        float(
                            np.median(
                                [
                                    s
                                    for p, s in zip(sets[name], scores[name], strict=True)
                                    if p.category == category
                                ]
                            )
                        ),
                        3,
                    )
                    for category in sorted({p.category for p in sets[name]})
                }
                for name in sets
            },
        }
    return {"models": models, "pairs": {name: len(p) for name, p in sets.items()}}


# --- the page ---------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _row(label: str, m: dict) -> str:
    if not m["same"]:  # no pair to find: only how many were matched says anything
        return f"| {label} | {m['pairs']} | 0 | {m['predicted']} | — | — | — |"
    return (
        f"| {label} | {m['pairs']} | {m['same']} | {m['predicted']} | {_pct(m['precision'])} | "
        f"{_pct(m['recall'])} | {_pct(m['f1'])} |"
    )


def _level_table(level: dict) -> list[str]:
    lines = [
        "| pairs | n | same | matched | precision | recall | F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    lines.append(_row("all", level["overall"]))
    lines.append(_row("cross-lingual", level["cross_lingual"]))
    for lang, m in level["languages"].items():
        lines.append(_row(f"language {lang}", m))
    for cat, m in level["categories"].items():
        lines.append(_row(cat.replace("_", " "), m))
    return lines


def markdown(result: dict[str, Any]) -> str:
    models = result["models"]
    out = ["### Models compared", ""]
    out.append(
        "| model | dims | texts/s (1 thread) | thresholds (suggest / strong) | dev: recall / precision at suggest | dev: precision at strong | holdout: recall / precision at suggest | holdout: precision at strong |"
    )
    out.append("|---|---|---|---|---|---|---|---|")
    for m in models.values():
        dev, hold = m["sets"]["development"], m["sets"]["holdout"]
        out.append(
            f"| {m['name']} ({m['version']}){' **chosen**' if m['configured'] else ''} | {m['dimensions']} | {m['texts_per_second']:.0f} | "
            f"{m['thresholds']['suggest']:.2f} / {m['thresholds']['strong']:.2f} | "
            f"{_pct(dev['suggested']['overall']['recall'])} / {_pct(dev['suggested']['overall']['precision'])} | {_pct(dev['strong']['overall']['precision'])} "
            f"({dev['strong']['overall']['predicted']} strong) | "
            f"{_pct(hold['suggested']['overall']['recall'])} / {_pct(hold['suggested']['overall']['precision'])} | {_pct(hold['strong']['overall']['precision'])} "
            f"({hold['strong']['overall']['predicted']} strong) |"
        )
    out.append("")
    out.append("Median similarity per category (development set):")
    out.append("")
    cats = sorted(next(iter(models.values()))["score_medians"]["development"])
    out.append("| model | " + " | ".join(c.replace("_", " ") for c in cats) + " |")
    out.append("|---|" + "---|" * len(cats))
    for m in models.values():
        med = m["score_medians"]["development"]
        out.append(f"| {m['name']} | " + " | ".join(f"{med[c]:.3f}" for c in cats) + " |")
    out += ["", "Recall at the suggest level per language (development set / held-out set):", ""]
    languages = list(next(iter(models.values()))["sets"]["development"]["suggested"]["languages"])
    out.append("| model | " + " | ".join(languages) + " |")
    out.append("|---|" + "---|" * len(languages))
    for m in models.values():
        cells = []
        for lang in languages:
            dev = m["sets"]["development"]["suggested"]["languages"][lang]["recall"]
            hold = m["sets"]["holdout"]["suggested"]["languages"][lang]["recall"]
            cells.append(f"{_pct(dev)} / {_pct(hold)}")
        out.append(f"| {m['name']} | " + " | ".join(cells) + " |")
    for m in models.values():
        if not m["configured"]:
            continue
        for name in ("development", "holdout"):
            sets = m["sets"][name]
            out += ["", f"### {m['name']} on the {name} set ({result['pairs'][name]} pairs)", ""]
            for level in ("suggested", "strong"):
                threshold = m["thresholds"]["suggest" if level == "suggested" else "strong"]
                out += [
                    f"At the {level} level (score ≥ {threshold:.2f}{', and the rules of memory.matching' if level == 'strong' else ''}):",
                    "",
                ]
                out += _level_table(sets[level])
                out.append("")
            negatives = sets["strong"]["hard_negatives_matched"]
            suggested_neg = sets["suggested"]["categories"].get("hard_negative", {})
            out.append(
                f"Hard negatives: {suggested_neg.get('predicted', 0)} of {suggested_neg.get('pairs', 0)} reach `suggested` (allowed); "
                f"{len(negatives)} reach `strong`{': ' + ', '.join(negatives) if negatives else ''}."
            )
    return "\n".join(out)
