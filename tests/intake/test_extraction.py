# ruff: noqa: RUF001
"""intake.extraction on small texts of our own: each behaviour of the extractor, one test each.
No database; the English model is loaded once per process."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.extraction import (
    DEFAULT_THRESHOLD,
    QUOTE_DIRECT,
    QUOTE_NONE,
    QUOTE_REPORTED,
    Candidate,
    extract,
)
from intake.nlp_dates import publication_date_from_text, resolve

WEDNESDAY = dt.date(2026, 3, 11)
MONDAY = dt.date(2025, 12, 29)


def only(text: str, **kwargs) -> Candidate:
    candidates = extract(text, **kwargs).candidates
    assert len(candidates) == 1, [c.sentence for c in candidates]
    return candidates[0]


def find(candidates: tuple[Candidate, ...], words: str) -> Candidate:
    matching = [c for c in candidates if words in c.sentence]
    assert matching, f"no candidate contains {words!r}"
    return matching[0]


# --- text in, sentences out --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n"])
def test_empty_or_whitespace_text_gives_no_candidates(text):
    extraction = extract(text, language="en")
    assert extraction.candidates == ()
    assert extraction.extractor.startswith("intake-extract ")


def test_spans_are_exact_and_candidates_in_article_order():
    text = (
        "Flood toll rises in the north\n\n"
        "  At least 23 people have died, Interior Minister Rui Valente said on Tuesday.  "
        "He added that 7 people are missing.\n"
        "The army said 400 soldiers were deployed overnight."
    )
    candidates = extract(text, published_at=WEDNESDAY, language="en").candidates
    assert [c.index for c in candidates] == list(range(len(candidates)))
    assert len(candidates) == 3
    for candidate in candidates:
        start, end = candidate.span
        assert text[start:end] == candidate.sentence
    assert [c.span[0] for c in candidates] == sorted(c.span[0] for c in candidates)


def test_headlines_and_page_furniture_are_dropped():
    text = (
        "Minister Announces Aid Package For Flood Victims\n\n"
        "The government said it would pay 500 euros to every family.\n"
        "Agencies\nNo comments:\nPost a Comment\n"
        "(Reporting by Ana Costa; editing by Rui Mota)\n"
        "Related: live map of closed roads\n"
        "Read more: Who is the minister?"
    )
    candidates = extract(text, language="en").candidates
    assert [c.sentence for c in candidates] == [
        "The government said it would pay 500 euros to every family."
    ]


def test_a_dateline_is_not_part_of_the_sentence():
    text = "BRAGA, Portugal, 11 March – At least 23 people have died, the mayor said."
    candidate = only(text, published_at=WEDNESDAY, language="en")
    assert candidate.sentence.startswith("At least 23 people")
    assert candidate.claimant == "mayor"


def test_a_very_long_text_still_works():
    paragraph = (
        "The ministry said on Monday that {n} homes had been flooded in the region. "
        "Analysts could revise the estimate in the coming days.\n"
    )
    text = "".join(paragraph.format(n=n) for n in range(300))  # about 6,000 words
    extraction = extract(text, published_at=WEDNESDAY, language="en")
    assert len(extraction.candidates) == 600
    assert extraction.candidates[-1].span[1] == len(text.rstrip("\n"))
    proposed = [c for c in extraction.candidates if c.check_worthiness >= DEFAULT_THRESHOLD]
    assert len(proposed) == 300


# --- attribution -------------------------------------------------------------------------------


def test_claimant_after_the_claim_with_role():
    candidate = only(
        "At least 23 people have died, Interior Minister Rui Valente said on Tuesday.",
        published_at=WEDNESDAY,
        language="en",
    )
    assert (candidate.claimant, candidate.claimant_role) == ("Rui Valente", "Interior Minister")
    assert candidate.quote == QUOTE_REPORTED
    assert any(r.startswith("attributed: said by Rui Valente") for r in candidate.reasons)


def test_role_before_the_name_is_split_off():
    candidates = extract(
        "Kremlin foreign policy aide Yuri Ushakov confirmed the call on Monday. "
        "Foreign Minister Sergei Lavrov revealed that 91 drones were shot down.",
        published_at=MONDAY,
        language="en",
    ).candidates
    assert (candidates[0].claimant, candidates[0].claimant_role) == (
        "Yuri Ushakov",
        "Kremlin foreign policy aide",
    )
    assert (candidates[1].claimant, candidates[1].claimant_role) == (
        "Sergei Lavrov",
        "Foreign Minister",
    )


def test_a_pronoun_is_the_speaker_named_before_and_the_text_names_them():
    candidates = extract(
        "Foreign Minister Sergei Lavrov spoke on Monday. He claimed that all 91 drones were "
        "destroyed over the Novgorod region.",
        published_at=MONDAY,
        language="en",
    ).candidates
    claim = find(candidates, "He claimed")
    assert claim.claimant == "Sergei Lavrov"
    assert claim.claimant_role == "Foreign Minister"
    assert claim.text.startswith("Sergei Lavrov claimed that all 91 drones")


def test_a_surname_alone_is_the_full_name_seen_earlier():
    candidates = extract(
        "Ukrainian President Volodymyr Zelenskyy dismissed the claim on Monday. "
        "Zelenskyy said Russia had fired 40 missiles at Kyiv.",
        published_at=MONDAY,
        language="en",
    ).candidates
    claim = find(candidates, "40 missiles")
    assert (claim.claimant, claim.claimant_role) == ("Volodymyr Zelenskyy", "Ukrainian President")


@pytest.mark.parametrize(
    "sentence",
    [
        "More than 4,200 people were evacuated, according to the National Emergency and Civil Protection Authority (ANEPC).",
        "More than 4,200 people were evacuated, the National Emergency and Civil Protection Authority (ANEPC) said.",
    ],
)
def test_organisation_claimant_keeps_its_acronym(sentence):
    candidate = only(sentence, published_at=WEDNESDAY, language="en")
    assert candidate.claimant == "National Emergency and Civil Protection Authority (ANEPC)"


def test_the_ministry_is_the_ministry_named_earlier():
    candidates = extract(
        "The Ministry of Health of Brazil opened the campaign on 5 January. "
        "The ministry said 3.1 million children had been vaccinated.",
        published_at=dt.date(2026, 2, 19),
        language="en",
    ).candidates
    claim = find(candidates, "3.1 million")
    assert "Ministry of Health" in claim.claimant


def test_a_place_can_be_the_claimant():
    candidate = only(
        "Kyiv has challenged Moscow to produce evidence of the attack.",
        published_at=MONDAY,
        language="en",
    )
    assert candidate.claimant == "Kyiv"
    assert candidate.check_worthiness >= DEFAULT_THRESHOLD


def test_x_confirmed_the_discussion_attributes_the_previous_sentence():
    candidates = extract(
        "Putin briefed US President Donald Trump on the incident during a phone call on 29 "
        "December. Kremlin aide Yuri Ushakov confirmed the discussion.",
        published_at=MONDAY,
        language="en",
    ).candidates
    assert candidates[0].claimant == "Yuri Ushakov"
    assert any("attributed by the next sentence" in r for r in candidates[0].reasons)


def test_a_direct_quote_is_marked_direct():
    candidate = only(
        '"Right now about 60,000 people have no drinking water," the mayor, Helena Sá, told reporters.',
        published_at=WEDNESDAY,
        language="en",
    )
    assert candidate.quote == QUOTE_DIRECT
    assert candidate.claimant == "Helena Sá"


def test_an_unattributed_sentence_has_no_claimant_without_a_credit_line():
    candidate = only(
        "The river rose 4 metres above its banks on Monday.", published_at=WEDNESDAY, language="en"
    )
    assert (candidate.claimant, candidate.quote) == ("", QUOTE_NONE)


def test_an_unattributed_sentence_takes_the_articles_credit_line():
    candidates = extract(
        "The river rose 4 metres above its banks on Monday.\nAgencies",
        published_at=WEDNESDAY,
        language="en",
    ).candidates
    assert len(candidates) == 1
    assert (candidates[0].claimant, candidates[0].claimant_role) == ("Agencies", "credit line")


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "base", "expected"),
    [
        ("on Monday", dt.date(2025, 12, 29), dt.date(2025, 12, 29)),  # a Monday: that very day
        ("on Monday", dt.date(2026, 3, 11), dt.date(2026, 3, 9)),
        ("on Tuesday", dt.date(2026, 3, 11), dt.date(2026, 3, 10)),
        ("last Monday", dt.date(2025, 12, 29), dt.date(2025, 12, 22)),
        ("yesterday", dt.date(2026, 3, 11), dt.date(2026, 3, 10)),
        ("overnight", dt.date(2026, 3, 11), dt.date(2026, 3, 11)),
        ("28-29 December", dt.date(2025, 12, 30), dt.date(2025, 12, 29)),
        ("29 December", dt.date(2026, 1, 3), dt.date(2025, 12, 29)),  # no year: not in the future
        ("Monday, 29 December 2025", None, dt.date(2025, 12, 29)),
    ],
)
def test_date_phrases_resolve_against_the_publication_date(phrase, base, expected):
    assert resolve(phrase, "en", base) == expected


def test_relative_dates_without_a_publication_date_stay_unresolved():
    assert resolve("on Monday", "en", None) is None


def test_the_claim_date_is_the_reporting_verbs_not_the_events():
    candidates = extract(
        "The weather service said on Tuesday that 187 millimetres of rain fell on Monday. "
        "Police said two men were detained on Sunday. "
        "The governor revealed on Tuesday that 91 houses burned over 8-9 March.",
        published_at=WEDNESDAY,
        language="en",
    ).candidates
    assert find(candidates, "187").claimed_at == dt.date(2026, 3, 10)
    assert find(candidates, "detained").claimed_at == WEDNESDAY  # Sunday is the event
    assert find(candidates, "91 houses").claimed_at == dt.date(2026, 3, 10)  # not the range


def test_a_relative_date_is_made_absolute_in_the_text():
    candidate = only(
        "The weather service said on Tuesday that 187 millimetres of rain fell.",
        published_at=WEDNESDAY,
        language="en",
    )
    assert "on Tuesday (10 March 2026)" in candidate.text


def test_the_same_speakers_next_statement_keeps_the_date():
    candidates = extract(
        "Health Minister Carla Menezes said on Wednesday that 3.1 million children were vaccinated. "
        "She said admissions had fallen by 41%.",
        published_at=dt.date(2026, 2, 19),
        language="en",
    ).candidates
    assert find(candidates, "41%").claimed_at == dt.date(2026, 2, 18)


def test_published_at_is_read_off_the_text_when_not_given():
    text = "Foreign Minister Sergei Lavrov said on Monday, 29 December 2025, that 91 drones were shot down."
    extraction = extract(text, language="en")
    assert extraction.published_at == dt.date(2025, 12, 29)
    assert extraction.candidates[0].claimed_at == dt.date(2025, 12, 29)
    assert any("published_at read off the text" in r for r in extraction.candidates[0].reasons)
    assert publication_date_from_text("No date here at all.", "en") is None


def test_a_given_publication_date_wins_over_the_text():
    text = "The minister said on Monday, 29 December 2025, that 91 drones were shot down."
    assert extract(text, published_at=dt.date(2026, 1, 2), language="en").published_at == dt.date(
        2026, 1, 2
    )


# --- places ------------------------------------------------------------------------------------


def test_the_place_is_where_the_claim_happens_not_the_claimant():
    candidate = only(
        "Kyiv said 40 missiles hit government buildings in Lviv.",
        published_at=MONDAY,
        language="en",
    )
    assert candidate.place_name == "Lviv"


# --- check-worthiness --------------------------------------------------------------------------


def test_hedges_lower_the_score():
    plain = only("The ministry said 300 homes were destroyed.", language="en")
    hedged = only("The ministry said 300 homes could have been destroyed.", language="en")
    assert hedged.check_worthiness < plain.check_worthiness
    assert plain.check_worthiness >= DEFAULT_THRESHOLD > hedged.check_worthiness
    assert "hedge: could" in hedged.reasons


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        (
            "Satellite imagery or drone wreckage could corroborate or debunk Russia's account.",
            "hedge: could",
        ),
        ("Western analysts will scrutinise evidence in the coming days.", "speculation:"),
        ("The timing underscores the fragility of the diplomatic process.", "analysis:"),
        ("If verified, the attack would represent a psychological blow.", "conditional:"),
        ("Will the ministry publish the 300 names?", "question"),
        ("Ukraine's drone capabilities have evolved dramatically since 2022.", "background:"),
    ],
)
def test_speculation_analysis_and_questions_stay_below_the_threshold(sentence, reason):
    candidate = only(sentence, published_at=MONDAY, language="en")
    assert candidate.check_worthiness < DEFAULT_THRESHOLD
    assert any(r.startswith(reason) for r in candidate.reasons), candidate.reasons


def test_would_in_reported_speech_is_not_a_hedge():
    candidate = only(
        "Prime Minister Luís Carvalho said the government would release 80 million euros in aid.",
        language="en",
    )
    assert "hedge: would" not in candidate.reasons
    assert candidate.check_worthiness >= DEFAULT_THRESHOLD


def test_numbers_entities_and_attribution_are_named_in_the_reasons():
    candidate = only(
        "Foreign Minister Sergei Lavrov said on Monday that Ukraine launched 91 drones at Novgorod.",
        published_at=MONDAY,
        language="en",
    )
    assert "number: 91" in candidate.reasons
    assert any(r.startswith("named entities:") for r in candidate.reasons)
    assert any(r.startswith("date: on Monday") for r in candidate.reasons)
    assert 0.0 <= candidate.check_worthiness <= 1.0


def test_an_eyewitness_is_not_a_source_to_check():
    candidate = only(
        '"The water came through the door in ten minutes," said Maria Fernandes, 71, a resident.',
        language="en",
    )
    assert candidate.claimant == "Maria Fernandes"
    assert candidate.check_worthiness < DEFAULT_THRESHOLD


# --- languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The ministry said on Monday that 300 homes had been destroyed by the flood.", "en"),
        ("Министерство сообщило в понедельник, что наводнение разрушило 300 домов.", "ru"),
        ("Міністерство повідомило в понеділок, що повінь зруйнувала 300 будинків.", "uk"),
    ],
)
def test_the_language_is_detected_when_not_given(text, language):
    assert extract(text).language == language


def test_russian_claimant_role_and_date():
    text = (
        "Более 1800 жителей эвакуированы, сообщил в понедельник губернатор области Андрей Соколов. "
        "Он добавил, что спасатели вывезли на лодках 340 человек."
    )
    candidates = extract(text, published_at=dt.date(2026, 4, 14), language="ru").candidates
    assert len(candidates) == 2
    first, second = candidates
    assert (first.claimant, first.claimant_role) == ("Андрей Соколов", "губернатор области")
    assert first.claimed_at == dt.date(2026, 4, 13)
    assert second.claimant == "Андрей Соколов"  # "Он" = the last person named
    assert second.claimed_at == dt.date(2026, 4, 13)  # the same statement
    assert all(c.check_worthiness >= DEFAULT_THRESHOLD for c in candidates)
    for candidate in candidates:
        assert text[candidate.span[0] : candidate.span[1]] == candidate.sentence


def test_ukrainian_according_to_his_words_and_hedges():
    candidates = extract(
        "Кардіохірурги провели 2400 операцій, повідомив у середу директор департаменту Олег Мельник. "
        "За його словами, смертність знизилася до 1,3%. "
        "Можливо, ситуацію покращить нова програма.",
        published_at=dt.date(2026, 11, 12),
        language="uk",
    ).candidates
    assert candidates[0].claimant == "Олег Мельник"
    assert candidates[0].claimed_at == dt.date(2026, 11, 11)
    assert candidates[1].claimant == "Олег Мельник"
    assert candidates[2].check_worthiness < DEFAULT_THRESHOLD
    assert "hedge: можливо" in candidates[2].reasons


def test_a_spokesperson_speaks_for_the_body_named():
    candidate = only(
        "A spokesperson for the Guardia Civil said two people had been arrested.", language="en"
    )
    assert (candidate.claimant, candidate.claimant_role) == ("Guardia Civil", "spokesperson")


def test_the_role_before_an_apposed_name_is_kept_whole():
    candidate = only(
        "Andalusia's environment chief, Maria Ruiz, said 600 firefighters were at work.",
        language="en",
    )
    assert (candidate.claimant, candidate.claimant_role) == (
        "Maria Ruiz",
        "Andalusia's environment chief",
    )


def test_an_agency_dateline_is_cut_off():
    candidate = only(
        "WASHINGTON (AP) — The Pentagon said it had sent 1,200 troops to the border.",
        language="en",
    )
    assert candidate.sentence.startswith("The Pentagon said")
    assert candidate.claimant == "Pentagon"


def test_russian_pronoun_is_replaced_in_the_text_and_dates_are_iso():
    candidates = extract(
        "Более 1800 жителей эвакуированы, сообщил в понедельник губернатор области Андрей Соколов. "
        "Он добавил, что спасатели вывезли на лодках 340 человек.",
        published_at=dt.date(2026, 4, 14),
        language="ru",
    ).candidates
    assert "в понедельник (2026-04-13)" in candidates[0].text
    assert candidates[1].text.startswith("Андрей Соколов добавил")


def test_hard_wrapped_text_is_read_as_whole_sentences():
    text = (
        "Flood toll rises to 23\n\n"
        "At least 23 people have died in floods that swept through northern\n"
        "Portugal after two days of rain, Interior Minister Rui Valente said on\n"
        "Tuesday.\n"
        "He added that 7 people are still missing.\n"
    )
    candidates = extract(text, published_at=WEDNESDAY, language="en").candidates
    assert len(candidates) == 2
    first = candidates[0]
    assert text[first.span[0] : first.span[1]] == first.sentence
    assert first.sentence.startswith("At least 23") and first.sentence.endswith("Tuesday.")
    assert (first.claimant, first.claimed_at) == ("Rui Valente", dt.date(2026, 3, 10))
