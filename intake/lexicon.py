"""Word lists for claim extraction: reporting verbs, hedges, analysis phrases, roles, boilerplate.

Data only, so that what the extractor looks for can be read (and argued with) in one place. English
lists are matched against spaCy lemmas or lower-cased text; Russian and Ukrainian ones against the
lower-cased word's beginning (a stem), because no lemmatiser ships for them offline."""

from __future__ import annotations

import re

# Verbs whose subject is the one making the claim ("Lavrov revealed that ...").
REPORTING_VERBS_EN = frozenset(
    """
    say tell claim accuse deny reveal disclose confirm warn stress note insist dismiss contend
    brand announce state add argue report allege assert explain write tweet post relay voice
    challenge urge brief inform maintain acknowledge admit promise pledge declare estimate
    predict reject call describe label blame condemn vow threaten demand emphasise
    emphasize underline reiterate repeat testify concede counter
    rebut refute dispute recount describe detail cite quote assure guarantee forecast project
    """.split()
)
# Nouns that carry a claim when someone owns them ("Ushakov's emphasis on ...", "the ministry's statement").
REPORTING_NOUNS_EN = frozenset(
    "statement announcement claim remarks comments words allegation account report testimony "
    "assertion declaration denial briefing".split()
)
# A reporting verb whose object is one of these only confirms what the previous sentence said
# ("Ushakov confirmed the discussion"): the previous sentence is then attributed to its subject.
ANAPHORIC_OBJECTS_EN = frozenset(
    "discussion call conversation meeting report reports talks it this that account exchange "
    "figure figures death toll incident news deal agreement visit decision".split()
)

HEDGES_EN = frozenset(
    "could may might possibly perhaps probably likely unlikely reportedly".split()
)
# Verbs of the article's own analysis: the sentence interprets, it does not report.
ANALYSIS_VERBS_EN = frozenset(
    """
    underscore highlight signal reflect echo represent bolster suggest hint illustrate
    symbolise symbolize mark show position loom risk aim align define deepen inject thrust
    reinforce indicate demonstrate emphasise emphasize embody epitomise point
    """.split()
)
SPECULATION_PATTERNS_EN = (
    r"\banalysts?\b.*\b(will|would|may|might|could)\b",
    r"\bwill (scrutinise|scrutinize|watch|monitor|examine)\b",
    r"\bin the coming (days|weeks|hours|months)\b",
    r"\bremains? (unclear|to be seen|uncertain)\b",
    r"\bit is (unclear|not clear|uncertain)\b",
    r"\b(a distinct|the) possibility\b",
    r"\bmay signal\b",
    r"\bcould (have|witness|pivot|corroborate|debunk)\b",
    r"\bsuggests?\b",
    r"\bhints? at\b",
    r"\bwatchful\b",
)
CONDITIONAL_PATTERNS_EN = (
    r"^\s*if\b",
    r"\bif (verified|confirmed|true)\b",
    r"^\s*unless\b",
    r"\bwere it\b",
)
OPINION_WORDS_EN = frozenset(
    """
    pivotal fragile fragility symbolic significant dramatic dramatically reckless aggressive
    aggressively unassailable desperation jeopardy ramifications prowess rhetoric riposte narrative
    narratives strategy tit-for-tat attritional momentum distrust escalation
    """.split()
)
BACKGROUND_PATTERNS_EN = (
    r"\b(has|have) (repeatedly|long|often|previously)\b",
    r"\bsince (19|20)\d\d\b",
    r"\bprevious (rounds|attempts|years)\b",
    r"\bhistorically\b",
    r"\bin (recent|past) years\b",
    r"\bthis (episode|incident) occurs\b",
)
# Lines that are furniture of a web page, not part of the article.
BOILERPLATE_LINES = re.compile(
    r"^\s*(agencies|no comments:?|post a comment|share( this)?|read more|advertisement|"
    r"related( articles| stories)?|subscribe.*|sign up.*|follow us.*|comments?|reuters|afp|ap|"
    r"\(?(reporting|editing|writing) by .*|copyright .*|©.*|all rights reserved.*|"
    r"photo:.*|image:.*|newer post|older post|home)\s*$",
    re.I,
)

# Roles that may stand before a name ("Foreign Minister Sergei Lavrov"); lower-cased words.
ROLE_WORDS_EN = frozenset(
    """
    president minister secretary spokesman spokeswoman spokesperson aide adviser advisor chief head
    director chairman chairwoman chair governor mayor senator general commander ambassador envoy
    prime deputy official officials leader prosecutor judge professor doctor dr mr mrs ms
    ceo economist analyst researcher scientist king queen prince premier chancellor lawmaker mp
    representative commissioner inspector officer captain colonel admiral marshal sheriff
    """.split()
)

# --- Russian and Ukrainian (stems of the lower-cased word) ---------------------------------------

REPORTING_STEMS_RU = (
    "заяв",
    "сообщ",
    "сказа",
    "отмет",
    "подчеркн",
    "обвин",
    "опроверг",
    "отверг",
    "подтверд",
    "раскры",
    "предупред",
    "настаива",
    "утвержда",
    "расска",
    "объяв",
    "добав",
    "указа",
    "призва",
    "уточн",
    "признал",
    "пообеща",
    "пригрози",
    "назвал",
    "передал",
    "информирова",
    "проинформир",
    "потребова",
    "высказ",
    "выраз",
    "озвуч",
)
REPORTING_STEMS_UK = (
    "заяв",
    "повідом",
    "сказа",
    "зазнач",
    "наголос",
    "звинуват",
    "спростув",
    "відкину",
    "підтверд",
    "розкри",
    "попереди",
    "наполяга",
    "стверджу",
    "розпові",
    "оголоси",
    "дода",
    "вказа",
    "закли",
    "уточн",
    "визна",
    "пообіця",
    "пригрози",
    "назва",
    "переда",
    "поінформува",
    "вимага",
    "висловив",
    "висловил",
    "озвуч",
)
# "по словам X", "по данным X", "according to X".
ACCORDING_RU = re.compile(
    r"\b(по словам|по данным|по информации|как (заявил|сообщил|сказал)[аи]?)\s+", re.I
)
ACCORDING_UK = re.compile(
    r"\b(за словами|за даними|за інформацією|як (заявив|повідомив|сказав)(ла|ли)?)\s+", re.I
)
HEDGES_RU = (
    "может",
    "могут",
    "мог ",
    "могл",
    "возможно",
    "вероятно",
    "якобы",
    "предположительно",
    "если",
    "не исключ",
)
HEDGES_UK = (
    "може",
    "можуть",
    "міг ",
    "могл",
    "можливо",
    "ймовірно",
    "нібито",
    "імовірно",
    "якщо",
    "не виключ",
)
ANALYSIS_RU = (
    "подчёркивает",
    "подчеркивает",
    "свидетельствует",
    "отражает",
    "сигнализирует",
    "аналитики",
    "эксперты полагают",
)
ANALYSIS_UK = (
    "підкреслює",
    "свідчить",
    "відображає",
    "сигналізує",
    "аналітики",
    "експерти вважають",
)
ROLE_WORDS_RU = frozenset(
    "президент министр глава помощник советник пресс-секретарь представитель спикер губернатор мэр "
    "председатель директор генерал командующий посол замминистра премьер-министр официальный".split()
)
ROLE_WORDS_UK = frozenset(
    "президент міністр голова помічник радник прессекретар речник речниця представник спікер "
    "губернатор мер директор генерал командувач посол прем'єр-міністр очільник".split()
)
