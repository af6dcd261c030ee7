"""Stage 4, aliases: acronyms and their expansions ("Electronic Arts (EA)"), institutions the
model cut at "and" or "of", employers named in a role, corporate suffixes."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence

from newsbrief.summaries.nlp.entities.candidates import span_index
from newsbrief.summaries.nlp.entities.common import (
    EVENT_HEADS,
    NOT_NAME,
    ORG,
    ORG_PREFIXES,
    ORG_WORDS,
    PERSON,
    PLACE,
    PORTFOLIO_WORDS,
    POSSESSIVE,
    TITLE_HEADS,
    TITLE_WORDS,
    Extracted,
    bare_word,
    canonical_alias,
    cue,
    entities_data,
    fold,
    known_place,
    strip_suffix,
    words,
)
from newsbrief.summaries.nlp.entities.lexicon import english_words
from newsbrief.summaries.nlp.entities.mentions import Art, demonym, sporty_text

# -- one article's mentions, consolidated ----------------------------------------------

_ACRONYM_DEF = cue("acronym_def")
_ACRONYM_FIRST = cue("acronym_first")
_ACRONYM_STOP = words("acronym_stop_words")
_LEGAL_FORMS = words("acronym_legal_forms")


def acronym_of(acr: str, long: str) -> bool:
    """Whether ``acr`` abbreviates ``long``: each significant word gives its initial and
    maybe more of its letters, in order ("IPCL" for "India Petrochemicals Limited")."""
    letters = acr.replace("&", "").casefold()
    words = [w.casefold() for w in re.split(r"[\s-]+", long) if w and w.casefold() not in _ACRONYM_STOP]
    if not words or not letters or len(letters) < 2:
        return False

    @functools.cache
    def match(i: int, j: int) -> bool:  # letters[i:] from words[j:]
        if j == len(words):
            return i == len(letters)
        w = words[j]
        if i >= len(letters) or letters[i] != w[0]:
            return False
        # this word gives w[0] and then a subsequence of its other letters
        k, pos = i + 1, 1
        if match(k, j + 1):
            return True
        while k < len(letters):
            pos = w.find(letters[k], pos)
            if pos < 0:
                return False
            k, pos = k + 1, pos + 1
            if match(k, j + 1):
                return True
        return False

    return match(0, 0)


def acronym_spans(text: str) -> list[tuple[str, str, int]]:
    """(acronym, long form, where the long form starts) for each definition in ``text``."""
    out: list[tuple[str, str, int]] = []
    for m in _ACRONYM_DEF.finditer(text):
        long, acr = m.group(1), m.group(2)
        words = long.split()
        # the shortest tail of the capitalised run that the acronym fits: "Chancellor of the
        # Exchequer ... the Financial Services Authority (FSA)"
        for i in range(len(words)):
            cand = " ".join(words[i:])
            if cand.split()[0].casefold() in _ACRONYM_STOP or cand.split()[0] in NOT_NAME:
                continue
            bare = cand.rsplit(" ", 1)[0] if cand.rsplit(" ", 1)[-1] in _LEGAL_FORMS else cand
            if acronym_of(acr, cand) or bare != cand and acronym_of(acr, bare):
                long = re.sub(r"^(?:The)\s+", "", cand)
                out.append((acr, long, m.start(1) + m.group(1).rfind(long)))
                break
    for m in _ACRONYM_FIRST.finditer(text):  # "The FOMC (Federal Open Market Committee)": the whole bracket
        if acronym_of(m.group(1), m.group(2)):
            out.append((m.group(1), m.group(2), m.start(2)))
    return out


def sentence_starts(text: str, sentences: Sequence[tuple[int, int]]) -> set[int]:
    starts = set()
    for a, _ in sentences:
        m = re.match(r"[\s\"“‘'(\[-]*", text[a:])
        starts.add(a + (m.end() if m else 0))
    return starts


VARIANT_FORMS = re.compile(
    r"(?<![\w.])("
    + "|".join(
        sorted(
            (
                re.escape(f)
                for c, spec in entities_data()["variants"].items()
                for f in (c, *spec["forms"])
                if re.search(r"[A-Za-z]{2}", f)
            ),
            key=len,
            reverse=True,
        )
    )
    + r")(?![\w-])"
)


def strict_initials(acr: str, long: str) -> bool:
    words = [w for w in re.split(r"[\s-]+", long) if w and w.casefold() not in _ACRONYM_STOP]
    if len(words) == len(acr) + 1 and words[-1] in _BODY_HEADS:
        words = words[:-1]  # "PCS" for the "Public and Commercial Services Union"
    return len(words) == len(acr) and all(w[0].casefold() == c.casefold() for w, c in zip(words, acr))


def is_acronym_form(surface: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z&]{1,5}|[A-Z][a-z]{2,4}", surface))


def event_name(name: str) -> bool:
    """Whether ``name`` ends on an event's head ("Cannes Film Festival"), and is not an
    institution's "X of ..." ("Organisation of Islamic Conference")."""
    if name.split()[0] in ORG_PREFIXES and " of " in name:
        return False
    return any(name.endswith(" " + head) or name == head and len(name.split()) > 1 for head in EVENT_HEADS)


_EMPLOYER = re.compile(r"(?:[A-Z][\w’'.-]*|&)(?:\s+(?:[A-Z][\w’'.-]*|&))*")


def role_employers(text: str, found: list[Extracted], starts: set[int]) -> list[tuple[str, str, int, int]]:
    """The names inside the roles written before people that no mention covers yet:
    "Middlesbrough keeper Mark Schwarzer", "Sophos consultant Graham Cluley" name a club
    and a firm (an organisation, or a place where the name is one; the votes decide)."""
    out: list[tuple[str, str, int, int]] = []
    taken = [(f.start, f.end) for f in found]
    for f in found:
        if f.type != PERSON or not f.roles:
            continue
        head = text[: f.start].rstrip(" ,")
        role = f.roles[0]
        if not head.endswith(role):
            continue
        base = len(head) - len(role)
        for m in _EMPLOYER.finditer(role):
            words = m.group().split()
            while words and (
                bare_word(words[-1]) in TITLE_WORDS
                or words[-1].casefold() in PORTFOLIO_WORDS | {"&"}
                or POSSESSIVE.search(words[-1])
                and bare_word(POSSESSIVE.sub("", words[-1])) in TITLE_WORDS
            ):
                words.pop()
            while words and (
                bare_word(words[0]) in TITLE_WORDS
                or words[0].casefold() in PORTFOLIO_WORDS | {"&"}
                or demonym(words[0])
                or words[0].casefold() in ("former", "then", "acting")
            ):
                words.pop(0)
            if not words:
                continue
            name = POSSESSIVE.sub("", " ".join(words))
            at = base + m.start() + m.group().index(words[0])
            end = at + len(name)
            rest = role[end - base :].lstrip()
            if not name or not rest or rest[:1].isupper() and bare_word(rest.split()[0]) not in TITLE_WORDS:
                continue  # the role must go on after the name: "Sophos consultant", not a name alone
            low = fold(name)
            if (
                any(a < end and at < b for a, b in taken)
                or len(words) == 1
                and not known_place(name)
                and (
                    low in english_words()
                    or demonym(name)
                    or low.endswith("ing")
                    or at in starts
                    or all(p in english_words() for p in name.casefold().split("-"))
                )
            ):
                continue  # "Olympic champion", "French Open": an adjective, not a name ("Edinburgh architect" is)
            kind = canonical_alias(name)[1] or (PLACE if known_place(name) else ORG)
            out.append((canonical_alias(name)[0], kind, at, end))
            taken.append((at, end))
    return out


def add_mentions(art: Art, found: list[Extracted], spans: list[tuple[str, str, int, int]]) -> list[Extracted]:
    """Add (name, type, start, end) mentions, replacing the mentions they overlap."""
    text = art.text
    for name, kind, at, end in spans:
        found = [f for f in found if not (f.start < end and at < f.end)]
        sidx = span_index(art.sentences, at)
        sent = " ".join(text[art.sentences[sidx][0] : art.sentences[sidx][1]].split()) if sidx >= 0 else ""
        found.append(Extracted(name, kind, text[at:end], at, end, sent))
    found.sort(key=lambda f: f.start)
    return found


def join_institutions(text: str, found: list[Extracted], starts: Collection[int] = frozenset()) -> list[Extracted]:
    """Join an institution's name the model cut at "and": "Department for Education" +
    "and" + "Skills", "University of the Highlands" + "and" + "Islands"."""
    out: list[Extracted] = []
    for f in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.type == ORG
            and f.type in (ORG, PLACE, PERSON)
            and text[prev.end : f.start] == " and "
            and f.surface[:1].isupper()
            and " and " not in prev.name
            and (prev.name.split()[0] in ORG_PREFIXES or re.search(r"\s(?:of|for)\s", prev.name))
        ):
            joined = text[prev.start : f.end]
            out[-1] = Extracted(joined, ORG, joined, prev.start, f.end, prev.sentence)
            continue
        if (
            prev is not None
            and prev.type == ORG
            and f.type == PLACE
            and text[prev.end : f.start] == " of "
            and prev.name == prev.surface
            and prev.name.split()[-1] in ORG_WORDS
            and strip_suffix(prev.name) == prev.name  # not "Daniels Pharmaceuticals Inc" + "of" + "Tampa"
            and known_place(f.name)
        ):
            joined = text[prev.start : f.end]  # "Royal Bank" + "of" + "Scotland"
            out[-1] = Extracted(joined, ORG, joined, prev.start, f.end, prev.sentence)
            continue
        if (
            prev is not None
            and prev.type in (ORG, PERSON)
            and f.type in (ORG, PERSON)
            and text[prev.end : f.start] == " and the "
            and re.fullmatch(r"[A-Z][a-z]+(?:s|men)", f.surface)
            and not known_place(prev.name)
            and len(re.findall(rf"(?<![\w-]){re.escape(f.surface)}(?![\w-])", text)) == 1
            and not sporty_text(text)
            and not re.match(r" and the [A-Z]", text[f.end : f.end + 10])
        ):
            joined = text[prev.start : f.end]  # "the Mamas" + "and the" + "Papas", "Bob Marley and the Wailers": a band
            out[-1] = Extracted(joined, ORG, joined, prev.start, f.end, prev.sentence)
            continue
        if f.type == ORG and text[max(0, f.start - 4) : f.start] == "All " and f.start - 4 not in starts:
            f = Extracted(
                "All " + f.name, ORG, "All " + f.surface, f.start - 4, f.end, f.sentence
            )  # "former All Saints singer"
        m = (
            _BODY_FRONT.search(text, max(0, f.start - 40), f.start)
            if f.type == ORG and f.name == f.surface and f.name.split()[-1] in _BODY_HEADS
            else None
        )
        at = m.start(1) + (4 if m.group(1).startswith("The ") else 0) if m else 0
        if (
            m
            and at < m.end(1)
            and (prev is None or prev.end <= at or prev.start >= at and prev.type in (ORG, PLACE))
            and all(w.casefold() in english_words() or "-" in w for w in text[at : m.end(1)].split())
        ):
            if prev is not None and prev.start >= at:
                out.pop()  # "Public" + "and" + "Commercial Services Union"; "US" in "US-China Economic and ..."
            joined = text[at : f.end]  # "Health and" + "Safety Executive"
            f = Extracted(joined, ORG, joined, at, f.end, f.sentence)
        out.append(f)
    return out


_BODY_HEADS = words("public_body_heads")
_BODY_FRONT = cue("body_front")


def part_of_office(text: str, f: Extracted) -> bool:
    """An "organisation" that is part of an office: "Secretary of State for Culture",
    "Constitutional Affairs Minister", "The Mid-Bedfordshire MP"."""
    if f.type != ORG:
        return False
    words = f.name.split()
    if words and bare_word(words[-1]) in TITLE_HEADS:
        return True
    after = re.match(r"\s+([A-Z][a-z]+|MP|MSP|MEP)\b", text[f.end : f.end + 16])
    if after and bare_word(after.group(1)) in TITLE_HEADS:
        return True
    before = re.search(r"\b([A-Z][a-z]+)\s+of\s+(?:the\s+)?$", text[max(0, f.start - 24) : f.start])
    return bool(before and bare_word(before.group(1)) in TITLE_HEADS)
