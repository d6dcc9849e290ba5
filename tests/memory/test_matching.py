"""The rules that turn a similarity score into a relation (memory.matching): no model needed."""

from __future__ import annotations

import pytest
from django.test import override_settings

from memory.matching import SHORT_WORDS, STRONG, SUGGESTED, differences, facts, relation

LONG_A = "Ukraine sent 91 drones against the residence in Novgorod Oblast on 28 December 2025."
LONG_B = "On 28 December 2025 Ukraine launched 91 drones at the residence in Novgorod Oblast."

pytestmark = pytest.mark.usefixtures("thresholds")


@pytest.fixture
def thresholds():
    with override_settings(FACTCHECK_MATCH_SUGGEST=0.8, FACTCHECK_MATCH_STRONG=0.9):
        yield


def test_scores_map_to_strong_suggested_or_nothing():
    assert relation(0.95, LONG_A, LONG_B) == STRONG
    assert relation(0.85, LONG_A, LONG_B) == SUGGESTED
    assert relation(0.79, LONG_A, LONG_B) == ""


def test_a_short_claim_is_never_strong():
    short = "Putin's residence was attacked by drones."
    assert len(short.split()) < SHORT_WORDS
    assert relation(0.999, short, LONG_A) == SUGGESTED
    assert relation(0.999, LONG_A, short) == SUGGESTED


@pytest.mark.parametrize(
    ("other", "why"),
    [
        (LONG_A.replace("91", "337"), "the numbers or dates differ"),
        (LONG_A.replace("December", "November"), "the numbers or dates differ"),
        (LONG_A.replace("2025", "2024"), "the numbers or dates differ"),
        (
            LONG_A.replace("Ukraine sent", "Belarus sent").replace("Novgorod", "Moscow"),
            "the names differ",
        ),
    ],
)
def test_a_different_number_date_or_name_keeps_a_pair_at_suggested(other, why):
    assert why in differences(LONG_A, other)
    assert relation(0.99, LONG_A, other) == SUGGESTED


def test_months_and_names_are_compared_across_languages_and_scripts():
    russian = "Украина направила 91 беспилотник на резиденцию в Новгородской области 28 декабря."
    ukrainian_january = (
        "Україна направила 91 безпілотник на резиденцію в Новгородській області 28 січня."
    )
    numbers_ru, names_ru = facts(russian)
    assert {"91", "28", "m12"} <= numbers_ru
    assert "m1" in facts(ukrainian_january)[0]
    assert "the numbers or dates differ" in differences(russian, ukrainian_january)
    # Новгородской and Novgorod are one name once transliterated.
    assert "novg" in names_ru and "novg" in facts(LONG_A)[1]


def test_sentence_openers_and_lowercase_verbs_are_not_names_or_months():
    numbers, names = facts("The army may march on the capital, the ministry said.")
    assert numbers == set()
    assert names == set()


def test_dropping_the_claimant_is_not_a_difference_but_naming_another_is():
    with_claimant = "Lavrov said Ukraine sent 91 drones against the residence in Novgorod Oblast."
    without = "Ukraine sent 91 drones against the residence in Novgorod Oblast overnight."
    assert differences(with_claimant, without) == []
    assert relation(0.95, with_claimant, without) == STRONG
    someone_else = "Zelenskyy said Ukraine sent 91 drones against the residence in Novgorod Oblast."
    assert differences(with_claimant, someone_else) == ["the names differ"]
