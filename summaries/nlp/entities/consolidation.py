"""Stage 6, consolidation: one name, one type, one entry per thing the article names
(acronyms, short forms, lists of one kind, common words that are not names)."""

from __future__ import annotations

import re
from collections.abc import Collection

from newsbrief.summaries.nlp.entities.aliases import (
    acronym_of,
    acronym_spans,
    add_mentions,
    event_name,
    is_acronym_form,
    join_institutions,
    part_of_office,
    sentence_starts,
    strict_initials,
)
from newsbrief.summaries.nlp.entities.common import (
    EVENT,
    ORG,
    PERSON,
    PLACE,
    PLACES,
    PRODUCT,
    Extracted,
    canonical_alias,
    cue,
    fold,
    known_place,
    name_words,
    strip_suffix,
    words,
)
from newsbrief.summaries.nlp.entities.layout import datelines
from newsbrief.summaries.nlp.entities.lexicon import adjectives, english_nouns
from newsbrief.summaries.nlp.entities.mentions import Art, demonym
from newsbrief.summaries.nlp.entities.missed import more_mentions
from newsbrief.summaries.nlp.entities.model import given_name, known_given_name, name_shaped, surname_again
from newsbrief.summaries.nlp.entities.roles import discourse_roles, org_role
from newsbrief.summaries.nlp.entities.votes import MAKER_ROLE, SCREEN_SENTENCE, SEAT_BEFORE, WORK_ROLE, type_votes

_COUNTED = cue("counted")


def _short_forms(
    named: list[tuple[Extracted, str, str | None]], firsts: dict[str, int], titled: Collection[int] = ()
) -> list[tuple[Extracted, str, str | None]]:
    """Acronyms and short names written after the organisation they stand for take its
    name: "GM" after "General Motors", "Hyundai" after "Hyundai Motor"."""
    orgs_multi: dict[str, set[str]] = {}
    multi_orgs: list[tuple[int, str]] = []
    for f, name, forced in named:
        if (forced or f.type) == ORG and len(name.split()) > 1:
            orgs_multi.setdefault(name.split()[0].casefold(), set()).add(name)
            multi_orgs.append((f.start, name))
    people = {w for f, n, forced in named if (forced or f.type) == PERSON and " " in n for w in fold(n).split()}
    out_named: list[tuple[Extracted, str, str | None]] = []
    for f, name, forced in named:
        # "Jones" after "Jones Medical Industries" in a text with no person of that name: the firm
        lone = f.type == PERSON and " " not in name and not f.roles and f.start not in titled
        lone = lone and fold(name) not in people
        if not forced and (f.type in (ORG, PRODUCT, PLACE) or lone):
            # "GM" after "General Motors", "Sepa" after "Scottish Environment Protection Agency"
            if is_acronym_form(f.surface):
                fits = {
                    n
                    for at, n in multi_orgs
                    if at < f.start
                    and (strict_initials(f.surface, n) or f.surface.isupper() and acronym_of(f.surface, n))
                }
                if len(fits) == 1:
                    out_named.append((f, fits.pop(), ORG))
                    continue
            # "Hyundai" after "Hyundai Motor"; not a town ("the Budapest bourse": not "Budapest Stock Exchange")
            if (f.type == ORG and not known_place(name)) or lone:
                longer = [
                    n
                    for n in orgs_multi.get(name.split()[0].casefold(), ())
                    if n != name and fold(n).startswith(fold(name) + " ") and firsts.get(fold(n), 1 << 30) < f.start
                ]
                if len(longer) == 1:
                    out_named.append((f, longer[0], ORG))
                    continue
        out_named.append((f, name, forced))
    return out_named


def _employers(art: Art, found: list[Extracted]) -> set[int]:
    """Where the mentions inside the words before a person that make their role start
    ("Virgin Blue chief executive Brett Godfrey"): the employer, an organisation."""
    text = art.text
    role_spans: list[tuple[int, int]] = []
    for f in found:
        for r in f.roles:
            head = text[: f.start].rstrip()
            if head.endswith(r):
                role_spans.append((len(head) - len(r), len(head)))
    return {
        f.start
        for f in found
        if any(a <= f.start and f.end <= b for a, b in role_spans)
        and not re.match(r"[’']s?\b", text[f.end : f.end + 2])
        and f.start not in art.titled
    }


_LOCATIVE = cue("locative")


def _placeless(text: str, named: list[tuple[Extracted, str, str | None]], kinds: dict[str, str]) -> set[str]:
    """One-word "places" no gazetteer knows and the text never writes where a place goes
    (after "in", "at", "from"...): the small model's guesses ("Nirvana", "Bottle"), not names
    to index."""
    seen: dict[str, bool] = {}
    for f, name, forced in named:
        key = fold(name)
        if kinds.get(key) != PLACE or forced or len(name.split()) > 1 or known_place(name):
            continue
        at_place = bool(
            _LOCATIVE.search(text, max(0, f.start - 16), f.start)
            or SEAT_BEFORE.search(text, max(0, f.start - 40), f.start)
        )
        seen[key] = seen.get(key, False) or at_place
    return {k for k, placed in seen.items() if not placed}


def _work_titles(art: Art, found: list[Extracted], employers: set[int]) -> frozenset[int]:
    """Where the names inside a role of the screen or stage before a person are ("Vera
    Drake star Imelda Staunton", "X Factor judge Sharon Osbourne", "Friends actress Lisa
    Kudrow"): outside sport, the name of a film or show (not an acronym: "BBC presenter")."""
    text = art.text
    out = set()
    for f in found:
        if (
            f.type != PERSON
            or not f.roles
            or not (
                WORK_ROLE.search(f.roles[0]) or MAKER_ROLE.search(f.roles[0]) and SCREEN_SENTENCE.search(f.sentence)
            )
        ):
            continue
        head = text[: f.start].rstrip()
        if head.endswith(f.roles[0]):
            a = len(head) - len(f.roles[0])
            out.update(
                g.start
                for g in found
                if g.start in employers
                and a <= g.start < len(head)
                and not g.surface.isupper()
                and not re.search(r"\d", g.surface)
            )  # not "BBC presenter"
    return frozenset(out)


def _common_words(
    text: str, named: list[tuple[Extracted, str, str | None]], starts: set[int], lexicon: frozenset[str], keep: set[str]
) -> set[str]:
    """Capitalised common words that are not names: seen only where a sentence starts, or
    also written in lower case, or after "a" or "his" ("a Budget giveaway", "his Budget");
    ``keep``: names a title, role or acronym says are names."""
    lower_words = set(re.findall(r"(?<![A-Za-z'’])([a-z]{2,})(?![A-Za-z])", text))  # also "budget" in "pre-budget"
    lone: dict[str, bool] = {}
    counted: set[str] = set()
    not_names: set[str] = set()
    for f, name, forced in named:
        if len(f.surface.split()) == 1 and not forced and f.surface.isalpha() and not f.surface.isupper():
            key = fold(name)
            lone[key] = lone.get(key, True) and (f.start in starts or key in lower_words)
            nxt = re.match(r"\s+([a-z]+)", text[f.end : f.end + 20])
            if (
                _COUNTED.search(text, max(0, f.start - 8), f.start)
                and not (nxt and nxt.group(1) in english_nouns())
                and text[f.end : f.end + 1] not in ("-", "'", "’")
            ):
                counted.add(key)  # "his Budget to", not "a Dublin school" or "his Florida home"
        word = f.surface.split()[-1]
        if not forced and len(f.surface.split()) == 1 and word.endswith("ly") and word[:-2].casefold() in adjectives():
            not_names.add(fold(name))  # "a Congressionally-mandated panel": an adverb
        elif (
            not forced
            and re.fullmatch(r"[A-Z]{2,4}", f.surface)
            and re.search(r"(?<![\w-])an?\s+$", text[max(0, f.start - 4) : f.start])
            and not re.match(
                r"(?:['’-]|\s+(?!(?:in|for|to|on|at|of|and|by|from|since|last|this|after|when)\b)[a-z])",
                text[f.end : f.end + 20],
            )
        ):
            not_names.add(fold(name))  # "was made an OBE in 2001": an honour, not "a BBC documentary"
        if not forced and re.fullmatch(r"[A-Z]{2,6}", f.surface) and _common_acronym(text, f.surface):
            not_names.add(fold(name))  # "its purchasing manager index (PMI)": a common noun's initials
        if (
            not forced
            and re.fullmatch(r"[A-Z][A-Z&]{1,5}", f.surface)
            and re.match(r"\s+[1-9]\d{1,3}(?![\d%]|[.,]\d)(?!\s*(?:bn|m|per)\b)", text[f.end : f.end + 12])
            and not re.match(r"\s+(?:19|20)\d\d\b", text[f.end : f.end + 6])
        ):
            not_names.add(fold(name))  # "the FTSE 100", "the S&P 500": a share index
        if not forced and text.startswith(" of the Year", f.end):
            not_names.add(fold(name))  # "named European Businessman of the Year": an award
    return {k for k, only in lone.items() if (only or k in counted) and k in lexicon and k not in keep} | (
        not_names - keep
    )


def _common_acronym(text: str, acronym: str) -> bool:
    """Whether the text defines ``acronym`` for words in lower case ("its purchasing
    manager index (PMI)", "gross domestic product (GDP)"): a common noun, not a name."""
    for m in re.finditer(r"((?:[a-z][\w’'-]*\s+){1,6})\(" + re.escape(acronym) + r"\)", text):
        words = m.group(1).split()
        if any(acronym_of(acronym, " ".join(words[i:])) for i in range(len(words))):
            return True
    return False


def consolidate(art: Art, lexicon: frozenset[str]) -> list[Extracted]:
    """One name, one type, one entry per thing the article names.

    Acronyms take the name the text defines for them, or the one organisation of the text
    they abbreviate ("GM" after "General Motors"); a short organisation name written after
    its full name ("Hyundai" after "Hyundai Motor") is that organisation; a surname the
    model took for something else is the person; corporate suffixes go ("Microsoft Corp"
    -> Microsoft); known variants fold ("U.S." -> United States). Each name's type is a
    vote over its mentions (the model's label, titles and roles, organisation and event
    words, the variants table, product nouns after the name). A capitalised common word
    seen only at the start of sentences, or also written in lower case, is not an
    entity, and a lone word called a person with no given name, title or role is weak.
    """
    text, found = art.text, discourse_roles(art)
    if not found and not art.model:
        return []
    defs = acronym_spans(text)
    acronyms = {acr: long for acr, long, _ in defs}
    found = add_mentions(art, found, more_mentions(art, found, defs))
    if not found:
        return []
    folded_acr = {fold(a): long for a, long in acronyms.items()}
    starts = sentence_starts(text, art.sentences)
    firsts: dict[str, int] = {}
    for f in found:
        firsts.setdefault(fold(f.name), f.start)
    # full names of people in this text, by surname (several people can share one)
    people = [
        (f.start, f.name)
        for f in found
        if len(f.name.split()) > 1
        and (
            f.type == PERSON
            or f.type in (ORG, PLACE)
            and name_shaped(f.name)
            and (
                given_name(f.name.split()[0])
                or known_given_name(f.name.split()[0])
                and surname_again(text, f.name, f.end)
            )
        )
    ]

    people_keys = {fold(f.name) for f in found if f.type == PERSON}

    def person_for(name: str, at: int) -> str | None:
        """The full name whose last words (or first word) ``name`` is: the nearest one written before."""
        key = fold(name).split()
        if not key:
            return None
        hits = [
            (pos, n)
            for pos, n in people
            if len(name_words(fold(n))) > len(key)
            and (
                name_words(fold(n))[-len(key) :] == key
                or len(key) == 1
                and fold(n).split()[0] == key[0]
                and len(key[0]) > 2
            )
        ]  # a part of the name, not all of it
        if not hits:
            return None
        before = [h for h in hits if h[0] <= at]
        return max(before)[1] if before else min(hits)[1]

    def rename(f: Extracted) -> tuple[str, str | None]:
        """(name, forced type) for a mention."""
        key = fold(f.surface)
        canon, ctype = canonical_alias(f.name)
        if ctype and (f.type != PERSON or f.start not in art.titled):
            return canon, ctype
        if key in folded_acr and (f.type != PERSON or fold(folded_acr[key]) not in people_keys):
            long = folded_acr[key]  # "Bank Rozwoju Exportu SA (BRE)": BRE is the bank, whatever the model says
            canon, ctype = canonical_alias(long)
            return canon, ctype or (EVENT if event_name(long) else ORG)
        if f.type == EVENT:
            if not f.name.split()[-1][:1].isupper():  # "the Iraq war": the place, not an event
                head = " ".join(w for w in f.name.split() if w[:1].isupper())
                if fold(head) in PLACES:
                    return head, PLACE
            return f.name, None
        if f.type == PERSON:
            return f.name, None
        words = f.name.split()
        full = person_for(f.name, f.start) or (
            len(words) > 1 and demonym(words[0]) and person_for(" ".join(words[1:]), f.start)
        )
        if full:  # "Cobain" tagged as an organisation in a text about Kurt Cobain; "American Dent"
            return full, PERSON
        name = f.name
        if f.type in (ORG, PRODUCT) or re.search(r"\.com$", name):
            name = strip_suffix(name)
        if f.type in (ORG, PLACE) and event_name(name):
            return name, EVENT
        return name, None

    found = join_institutions(text, found, starts)
    named = [(f, *rename(f)) for f in found]
    lines = datelines(text)  # "AMSTERDAM 1996-08-30": the town is a place in every mention, whatever the model said
    named = [
        (f, n, forced or (PLACE if any(a <= f.start and f.end <= b for a, b in lines) else None))
        for f, n, forced in named
    ]
    named = [(f, n, forced) for f, n, forced in named if forced or not part_of_office(text, f)]
    long_names = {fold(v) for v in acronyms.values()}
    out_named = _short_forms(named, firsts, art.titled)

    employers = _employers(art, found)
    kinds, titled_names, works = type_votes(art, out_named, employers, long_names, _work_titles(art, found, employers))

    places = {fold(n) for f, n, _ in out_named if f.type == PLACE and known_place(n)}  # "Germany also proposed"
    common = _common_words(text, out_named, starts, lexicon, titled_names | set(folded_acr) | places)
    common |= _placeless(text, out_named, kinds)

    out: list[Extracted] = []
    full_people = {fold(n) for _, n, _ in out_named if kinds.get(fold(n)) == PERSON and len(n.split()) > 1}
    surnames = {name_words(p)[-1] for p in full_people}
    common |= {
        fold(n)
        for _, n, forced in out_named
        if not forced and " " not in n and n.endswith("s") and fold(n)[:-1] in surnames
    }  # "the Blairs": the family of a person the text names
    for f, name, _forced in out_named:
        key = fold(name)
        if key in common:
            continue
        kind = kinds.get(key, f.type)
        weak = (
            kind == PERSON
            and len(name.split()) == 1
            and key not in titled_names
            and not any(name_words(p)[-1] == key or p.split()[0] == key for p in full_people)
        )
        roles = tuple(r for r in f.roles if not org_role(r, f) and name not in r) if kind == PERSON else ()
        out.append(Extracted(name, kind, f.surface, f.start, f.end, f.sentence, roles, weak, key in works))
        host = host_place(f.surface) if kind == EVENT else ""
        if host:  # "the Cannes Film Festival", "the Sydney Olympics": the event and the place it is held in
            out.append(Extracted(host, PLACE, host, f.start, f.start + len(host), f.sentence))
    return out


def host_place(event: str) -> str:
    """The place an event's name starts with ("Cannes" of "Cannes Film Festival"), or ""."""
    words = event.split()
    if not words or words[-1] not in _HOSTED:
        return ""  # not a cup or prize named after a person ("Davis Cup")
    for n in range(min(3, len(words) - 1), 0, -1):
        head = " ".join(words[:n])
        if all(w[:1].isupper() for w in words[:n]) and known_place(head):
            return head
    return ""


_HOSTED = words("hosted_event_heads")
