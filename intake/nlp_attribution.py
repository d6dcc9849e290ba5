# ruff: noqa: RUF001
"""Who made a claim, for English: the reporting verb or "according to" construction of a sentence
(spaCy's dependency parse) and its claimant resolved to a name and a role, with what earlier
sentences established (Context: people, organisations, the last speaker). Pure, like
intake.extraction, which is its only user."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from intake import lexicon as lx

GENERIC_CLAIMANTS = frozenset(
    lx.word_list(
        "forecasters scientists critics officials analysts experts observers residents sources people "
        "witnesses diplomats commentators campaigners activists authorities doctors "
        "researchers economists investors traders"
    )
)
_PRONOUNS_PERSON = frozenset(lx.word_list("he she он она він вона"))
_PRONOUNS_GROUP = frozenset(lx.word_list("they it они оно вони воно"))
_EXCHANGE_VERBS = frozenset(lx.word_list("inform tell brief assure"))
_RELATIVE = frozenset(lx.word_list("which who that"))


@dataclass
class Context:
    """What earlier sentences established: who is who, and who spoke last."""

    credit: str = ""
    people: dict[str, tuple[str, str]] = field(default_factory=dict)  # surname -> (name, role)
    organisations: list[str] = field(default_factory=list)  # most recent last
    last_person: tuple[str, str] | None = None
    last_group: tuple[str, str] | None = None
    eyewitnesses: set[str] = field(default_factory=set)  # "Maria Fernandes, 71": private people


@dataclass
class Attribution:
    """Who made a sentence's claim, and the parts of the sentence that say so."""

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
    # Other verbs whose date is the claim's: "the figures the ministry posted on 12 February".
    date_verbs: tuple[int, ...] = ()


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


def attribution_en(sent: Any, context: Context) -> Attribution | None:
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


def _verb_attribution(verb: Any, context: Context) -> Attribution | None:
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


def _resolve_np(head: Any, context: Context) -> Attribution | None:
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
        return Attribution(organisation, "", True, f"said by {organisation} ({phrase})")
    known = context.people.get(head.lower_)
    if known and head.text[:1].isupper():  # a surname the tagger did not take for a name
        context.last_person = known
        return Attribution(known[0], known[1], True, "")
    source = _source_of_group(head, context)  # "Observers from the OSCE's Office for ..."
    if source is not None:
        return source
    if head.lemma_.lower() in lx.ORGANISATION_WORDS and head.lower_ not in GENERIC_CLAIMANTS:
        # "the labour ministry", "police in Drava": an institution, named by what it is
        context.last_group = (phrase, "")
        return Attribution(phrase, "", True, f"said by {phrase}")
    if head.pos_ in ("NOUN", "PROPN"):
        return Attribution(phrase, "", False, f"attributed to unnamed: {phrase}")
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


def _resolve_pronoun(head: Any, context: Context) -> Attribution | None:

    lowered = head.lower_
    known = context.last_person if lowered in _PRONOUNS_PERSON else None
    if lowered in _PRONOUNS_GROUP:
        known = context.last_group or context.last_person
    if known is None:
        return None
    eyewitness = known[0] in context.eyewitnesses
    return Attribution(known[0], known[1], True, "", from_pronoun=True, eyewitness=eyewitness)


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


def _source_of_group(head: Any, context: Context) -> Attribution | None:
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


def _named(name: str, role: str, head: Any, context: Context) -> Attribution:
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
    return Attribution(name, role, True, "", eyewitness=eyewitness)


def _organisation_for(noun: str, context: Context) -> str:
    if len(noun) < 4:
        return ""
    for organisation in reversed(context.organisations):
        if re.search(rf"\b{re.escape(noun)}\b", organisation, re.I):
            return organisation
    return ""


def register_en(sent: Any, context: Context) -> None:
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
