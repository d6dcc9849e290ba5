# ruff: noqa: RUF001, RUF002
"""Who made a claim, for Russian and Ukrainian, without a parser (no spaCy model with data for them
on PyPI): a reporting verb found by its stem and a claimant in the same clause: a pair of
capitalised words, a surname seen before or an institution. Pure, like intake.extraction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake import lexicon as lx
from intake.nlp_attribution import Attribution, Context

WORD = re.compile(r"[\w'’-]+", re.U)
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


def attribution_rules(sentence: str, language: str, context: Context) -> Attribution | None:
    """Attribution without a parser (Russian, Ukrainian): a reporting verb found by its stem, and
    the claimant in the same clause, after the verb ("сообщил в понедельник губернатор ... Андрей
    Соколов") or before it ("Соколов отметил"); "по его словам" = the last person named."""
    if language not in ("ru", "uk"):
        return None
    lex = _rule_lexicon(language)
    if lex.his_words.search(sentence) and context.last_person:
        name, role = context.last_person
        return Attribution(name, role, True, f"according to {name}", from_pronoun=True)
    match = lex.according.search(sentence)
    if match:
        clause = _clause_after(sentence, match.end())
        found = _claimant_in(clause, lex, context, kind="person") or _claimant_in(
            clause, lex, context, kind="institution"
        )
        if found is not None:
            found.how = f"according to {found.claimant}"
            return found
    for m in WORD.finditer(sentence):
        lowered = m.group(0).lower()
        if not any(lowered.startswith(stem) for stem in lex.stems):
            continue
        before = _clause_before(sentence, m.start())
        last_before = WORD.findall(before)[-1:] if before.strip() else []
        if last_before and last_before[0].lower() in lex.pronouns and context.last_person:
            name, role = context.last_person
            pronoun_at = sentence.rfind(last_before[0], 0, m.start())
            return Attribution(
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
    clause: str, lex: _RuleLexicon, context: Context, *, kind: str
) -> Attribution | None:
    """kind "person": two capitalised words ("Андрей Соколов") or a surname seen before; kind
    "institution": "Міністерство охорони здоров'я", "администрации области", "МЧС"."""
    words = WORD.findall(clause)
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
            return Attribution(known[0], known[1], True, "")
    return None


def _institution_in(words: list[str], lex: _RuleLexicon, context: Context) -> Attribution | None:
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
            return Attribution(phrase, "", True, "")
    return None


def _is_institution(word: str, lex: _RuleLexicon) -> bool:
    lowered = word.lower()
    return any(lowered.startswith(stem) for stem in lex.institutions)


def _stem_key(word: str) -> str:
    return word.lower()[: max(4, len(word) - 2)]


def _known_person(word: str, context: Context) -> tuple[str, str] | None:
    if not _is_capitalised(word) or len(word) < 4:
        return None
    key = _stem_key(word)
    for surname, person in context.people.items():
        if surname.startswith(key) or key.startswith(surname):
            return person
    return None


def _named_rules(name: str, role: str, context: Context) -> Attribution:
    known = _known_person(name.split()[-1], context)
    if known is not None:
        name, role = known[0], role or known[1]
    else:
        context.people[_stem_key(name.split()[-1])] = (name, role)
    context.last_person = (name, role)
    return Attribution(name, role, True, "")
