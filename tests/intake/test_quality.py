"""The extractor measured on the labelled articles (tests/intake/data/, see its README): the
targets of the claim-intake issue on the English development articles, the seed article's own
requirements, floors for Russian and Ukrainian and for the held-out articles. No database; no
timings (those are in bench/intake_section.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from intake.evaluation import REPO, ArticleMissing, article_load, terms_match
from intake.extraction import DEFAULT_THRESHOLD, extract

DATA = Path(__file__).parent / "data"
SEED_LABELS = DATA / "articles" / "seed-novgorod.json"
SEED_CLAIMS = REPO / "seeds" / "claims.json"


def _summary(report: dict, language: str) -> dict:
    return report["languages"][language]


def test_english_development_articles_meet_the_targets(dev_report):
    english = _summary(dev_report, "en")
    assert english["articles"] >= 5  # the seed article and four of our own
    assert english["recall"] >= 0.90
    assert english["precision"] >= 0.70
    assert english["claimant_accuracy"] >= 0.90
    assert english["date_accuracy"] >= 0.90


def test_every_english_development_article_is_useful_on_its_own(dev_report):
    for row in dev_report["articles"]:
        if row["language"] == "en":
            assert row["recall"] >= 0.75, row
            assert row["precision"] >= 0.60, row


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_russian_and_ukrainian_reach_their_floors(dev_report, language):
    """Rules on words only (no parser, no NER for these languages offline): floors at what the
    development articles reach, rounded down."""
    summary = _summary(dev_report, language)
    assert summary["recall"] >= 0.80
    assert summary["precision"] >= 0.80
    assert summary["claimant_accuracy"] >= 0.80
    assert summary["date_accuracy"] >= 0.80


@pytest.fixture(scope="module")
def seed():
    try:
        article = article_load(SEED_LABELS)
    except ArticleMissing as missing:
        pytest.skip(f"the seed article is not next to the repository: {missing}")
    return article, extract(article.text, language="en")  # published_at read off the text


def test_seed_article_publication_date_is_read_off_the_text(seed):
    _, extraction = seed
    assert extraction.published_at == dt.date(2025, 12, 29)


def test_seed_article_yields_eight_of_the_nine_seed_claims_with_claimant_and_date(seed):
    article, extraction = seed
    seeds = {c["key"]: c for c in json.loads(SEED_CLAIMS.read_text())["claims"]}
    proposed = [c for c in extraction.candidates if c.check_worthiness >= DEFAULT_THRESHOLD]
    right = []
    for label in article.expected:
        assert label["id"] in seeds  # the labels are the seed claims
        candidate = next((c for c in proposed if terms_match(label["terms"], c.sentence)), None)
        if candidate is None:
            continue
        claimant_ok = any(n.lower() in candidate.claimant.lower() for n in label["claimant"])
        date_ok = candidate.claimed_at == dt.date.fromisoformat(seeds[label["id"]]["claimed_at"])
        if claimant_ok and date_ok:
            right.append(label["id"])
    assert len(right) >= 8, right


def test_seed_article_speculation_is_not_proposed(seed):
    _, extraction = seed
    speculation = [c for c in extraction.candidates if "Satellite imagery" in c.sentence]
    assert len(speculation) == 1
    assert speculation[0].check_worthiness < DEFAULT_THRESHOLD
    assert any(r.startswith("hedge: could") for r in speculation[0].reasons)


def test_seed_article_proposes_none_of_its_rejected_sentences(seed):
    article, extraction = seed
    proposed = [c for c in extraction.candidates if c.check_worthiness >= DEFAULT_THRESHOLD]
    for label in article.rejected:
        assert not any(terms_match(label["terms"], c.sentence) for c in proposed), label["id"]


def test_held_out_articles_reach_the_floors_measured_once(holdout_report):
    """The held-out articles (tests/intake/data/holdout/) were written by another hand while the
    extractor was built and were run once, when it was final (2 English articles, 18 expected
    claims): recall 0.889, precision 0.964, claimant 1.00, date 0.812. Floors at those figures
    rounded down, against regressions; recall and date are below the issue's targets there, and
    the floors say so rather than hide it."""
    english = _summary(holdout_report, "en")
    assert english["articles"] >= 2
    assert english["recall"] >= 0.88
    assert english["precision"] >= 0.96
    assert english["claimant_accuracy"] >= 1.00
    assert english["date_accuracy"] >= 0.81
