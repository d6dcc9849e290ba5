# ruff: noqa: RUF001, RUF003
"""Word lists for claim extraction: reporting verbs, hedges, analysis phrases, roles, boilerplate.

Data only, so that what the extractor looks for can be read (and argued with) in one place. English
lists are matched against spaCy lemmas or lower-cased text; Russian and Ukrainian ones against the
lower-cased word's beginning (a stem), because no lemmatiser ships for them offline."""

from __future__ import annotations

import re


def word_list(text: str) -> tuple[str, ...]:
    """The words of a whitespace-separated list (lists read better as prose than as literals)."""
    return tuple(text.split())


def phrase_list(text: str) -> tuple[str, ...]:
    """The items of a "|"-separated list (items may contain spaces: "не исключ")."""
    return tuple(text.split("|"))


# Verbs whose subject is the one making the claim ("Lavrov revealed that ...").
REPORTING_VERBS_EN = frozenset(
    word_list("""
    say tell claim accuse deny reveal disclose confirm warn stress note insist dismiss contend
    brand announce state add argue report allege assert explain write tweet post relay voice
    challenge urge brief inform maintain acknowledge admit promise pledge declare estimate hail
    predict reject call describe label blame condemn vow threaten demand emphasise
    emphasize underline reiterate repeat testify concede counter
    rebut refute dispute recount describe detail cite quote assure guarantee forecast project
    """)
)
# Nouns that carry a claim when someone owns them ("Ushakov's emphasis on ...", "the ministry's statement").
REPORTING_NOUNS_EN = frozenset(
    word_list(
        "statement announcement claim remarks comments words allegation account report testimony "
        "assertion declaration denial briefing"
    )
)
# Nouns for a body's output: "according to the commission's preliminary allocation" is the commission's.
REPORT_NOUNS_EN = frozenset(
    word_list(
        "allocation estimate estimates figure figures data datum statement release report count tally survey "
        "analysis projection projections results result forecast assessment calculation calculations "
        "records statistics"
    )
)
# A reporting verb whose object is one of these only confirms what the previous sentence said
# ("Ushakov confirmed the discussion"): the previous sentence is then attributed to its subject.
ANAPHORIC_OBJECTS_EN = frozenset(
    word_list(
        "discussion call conversation meeting report reports talks it this that account exchange "
        "figure figures death toll incident news deal agreement visit decision"
    )
)

HEDGES_EN = frozenset(
    word_list("could may might possibly perhaps probably likely unlikely reportedly")
)
# Verbs of the article's own analysis: the sentence interprets, it does not report.
ANALYSIS_VERBS_EN = frozenset(
    word_list("""
    underscore highlight signal reflect echo represent bolster suggest hint illustrate
    symbolise symbolize mark show position loom risk aim align define deepen inject thrust
    reinforce indicate demonstrate emphasise emphasize embody epitomise point
    """)
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
    word_list("""
    pivotal fragile fragility symbolic significant dramatic dramatically reckless aggressive
    aggressively unassailable desperation jeopardy ramifications prowess rhetoric riposte heartbroken devastated narrative
    narratives strategy tit-for-tat attritional momentum distrust escalation
    """)
)
BACKGROUND_PATTERNS_EN = (
    r"\b(has|have) (repeatedly|long|often|previously)\b",
    r"\b(has|have)\b[^.]*\bsince (the )?(19|20)\d\d",
    r"\b(has|have) for (years|decades)\b",
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
    r"photo:.*|image:.*|newer post|older post|home|read more:.*|updated at .*|follow (us|our) .*|"
    r"more on this story.*|watch:.*|listen:.*|подписывайтесь.*|підписуйтесь.*|"
    r"читайте (также|також).*)\s*$",
    re.I,
)

# Roles that may stand before a name ("Foreign Minister Sergei Lavrov"); lower-cased words.
ROLE_WORDS_EN = frozenset(
    word_list("""
    president minister secretary spokesman spokeswoman spokesperson aide adviser advisor chief head
    director chairman chairwoman chair governor mayor senator general commander ambassador envoy
    prime deputy official officials leader prosecutor judge professor doctor dr mr mrs ms
    ceo economist analyst researcher scientist king queen prince premier chancellor lawmaker mp
    representative commissioner inspector officer captain colonel admiral marshal sheriff
    constable superintendent detective sergeant lieutenant major brigadier spokesman
    """)
)

# --- Russian and Ukrainian (stems of the lower-cased word) ---------------------------------------

REPORTING_STEMS_RU = tuple(
    word_list("""
    заяв сообщ сказа отмет подчеркн обвин опроверг отверг подтверд раскры предупред настаива
    утвержда расска объяв добав указа призва уточн признал пообеща пригрози назвал передал
    информирова проинформир потребова высказ выраз озвуч опубликова обнародова говорит
    """)
)
REPORTING_STEMS_UK = tuple(
    word_list("""
    заяв повідом сказа зазнач наголос звинуват спростув відкину підтверд розкри попереди наполяга
    стверджу розпові оголоси дода вказа закли уточн визна пообіця пригрози назва переда
    поінформува вимага висловив висловил озвуч оприлюдн опублікува каже
    """)
)
# "по словам X", "по данным X", "как сообщил X" (and the Ukrainian forms).
ACCORDING_RU = re.compile(
    r"\b(по словам|по данным|по информации|согласно данным|по (предварительной )?оценке|"
    r"как (заявил|сообщил|сказал)[аио]?)\s+",
    re.I,
)
ACCORDING_UK = re.compile(
    r"\b(за словами|за даними|за інформацією|згідно з даними|за (попередньою )?оцінкою|"
    r"як (заяви|повідоми|сказа)(в|ла|ли|ло))\s+",
    re.I,
)
HIS_WORDS_RU = re.compile(r"\bпо (его|её|ее|их) (словам|данным|мнению)\b", re.I)
HIS_WORDS_UK = re.compile(r"\bза (його|її|їхніми|їх) (словами|даними)\b", re.I)
# Matched at a word's start ("не исключ" also catches "не исключают").
HEDGES_RU = phrase_list(
    "может|могут|мог |могл|возможно|вероятно|якобы|предположительно|если|не исключ|считают"
)
HEDGES_UK = phrase_list(
    "може|можуть|міг |могл|можливо|ймовірно|нібито|імовірно|якщо|не виключ|припускають|вважають"
)
ANALYSIS_RU = tuple(
    word_list("подчёркивает подчеркивает свидетельствует отражает сигнализирует аналитики эксперты")
)
ANALYSIS_UK = tuple(word_list("підкреслює свідчить відображає сигналізує аналітики експерти"))
ROLE_WORDS_RU = frozenset(
    word_list("""
    президент министр глава помощник советник пресс-секретарь представитель спикер губернатор мэр
    председатель директор генерал командующий посол замминистра премьер-министр официальный
    начальник депутат руководитель заместитель пенсионерка пенсионер жительница житель
    владелец владелица собственник основатель эксперт аналитик врач прокурор следователь
    """)
)
ROLE_WORDS_UK = frozenset(
    word_list("""
    президент міністр голова помічник радник прессекретар речник речниця представник спікер
    губернатор мер директор генерал командувач посол прем'єр-міністр очільник начальник депутат
    керівник заступник медсестра пенсіонерка пенсіонер мешканка мешканець
    власник власниця засновник експерт аналітик лікар прокурор слідчий
    """)
)
# Words that open an institution's name or description ("Міністерство охорони здоров'я",
# "В администрации области опровергли"); stems, so that any case matches.
INSTITUTION_STEMS_RU = tuple(
    word_list("""
    администрац министерств правительств мэри прокуратур полиц пресс-служб ведомств управлени
    больниц департамент гидрометцентр кремл мид минздрав профсоюз мчс
    """)
)
INSTITUTION_STEMS_UK = tuple(
    word_list("""
    адміністрац міністерств уряд прокуратур поліц пресслужб прес-служб відомств управлінн лікарн
    департамент гідрометцентр мзс моз профспілк дснс представники
    """)
)

# Words that make a capitalised name an organisation, not a person ("Instituto Vital Biotech").
ORGANISATION_WORDS = frozenset(
    word_list("""
    institute instituto institut university universidade ministry ministerio office commission union
    party alliance authority guard bank chamber service agency council court police association
    company group committee government organisation organization fund board department biotech
    inc ltd corp corporation laboratory laboratories hospital school league federation foundation
    movement front bureau centre center network news times post press radio television tv
    assembly parliament senate congress army navy force forces airlines airways energy motors
    """)
)
# Universal and exact quantities make a statement checkable ("neutralised every single one").
QUANTIFIERS_EN = (
    r"\b(not (one|a single)|none of|every single|each of the|all \d+|no (one|single))\b"
)
# Subjects of "show" that make it a source, not the article's analysis ("court records show").
DOCUMENT_NOUNS_EN = frozenset(
    word_list(
        "record document documents filing filings data figure statistic photograph footage video image"
    )
)
# Who speaks for a named person or body: "Macron's office", "the company's lawyers".
ENTOURAGE_EN = frozenset(
    word_list("office spokesman spokeswoman spokesperson team campaign lawyer lawyer press aide")
)
