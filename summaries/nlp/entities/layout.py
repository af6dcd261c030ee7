"""Stage 7, the layout of news copy: datelines, results tables and numbers, over the
consolidated mentions of a text."""

from __future__ import annotations

import dataclasses
import re

from newsbrief.summaries.nlp.entities.candidates import span_index
from newsbrief.summaries.nlp.entities.common import ORG, PERSON, PLACE, Extracted, countries, fold, known_place, words
from newsbrief.summaries.nlp.entities.lexicon import english_words, sentences_of, stop_words
from newsbrief.summaries.nlp.entities.mentions import sporty_text
from newsbrief.summaries.nlp.entities.model import given_name, known_given_name
from newsbrief.summaries.nlp.entities.surnames import sentence_text

# -- the layout of news copy: datelines, results tables, numbers ---------------------------

_DL_WORD = r"[A-Z][A-Za-z'’.-]*"
_DL_CAPS = r"[A-Z][A-Z'’.-]*"
_DATE = (
    r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:,\s*\d{4})?)"
)
# "NEW YORK 1996-12-06", "MUNICH, Germany 1996-08-28", "FARMINGTON HILLS, Mich.", "LONDON (Reuters)":
# a place in capitals opening a line, maybe its region, then a date, an agency or the line's end
DATELINE = re.compile(
    rf"^[ \t]*(?P<place>{_DL_CAPS}(?:[ ]{_DL_CAPS}){{0,3}})"
    rf"(?:,[ ](?P<region>{_DL_WORD}(?:[ ]{_DL_WORD}){{0,2}}))?"
    rf"(?P<tail>[ ]+{_DATE}|[ ]+\([A-Z][A-Za-z]+\)|[ \t]*$)",
    re.MULTILINE,
)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d.,:/-]*(?![\w])")
# a row of a results table: names and numbers only ("Chelsea 2 Everton 1", "Barcelona 14 10 3 1 35 12 33",
# "1. Jearl Miles (U.S.) 49.55")
_ROW_NAME = re.compile(
    r"(?P<name>[A-Z][\w'’.&-]*(?:[ ](?:[A-Z][\w'’.&-]*|de|van|von|del|la|le|of|and))*)"
    r"(?P<country>[ ]\([A-Z][\w.' -]*\))?(?=[ \t]+[-+]?\.?\d)"
)
_ROW = re.compile(r"^[ \t]*(?:\d+[.)]?[ \t]+)?(?:[A-Z][^\n]*?\d[^\n]*)$", re.MULTILINE)
_ROW_JUNK = re.compile(r"[A-Za-z'’.&()-]+|[-+]?[\d.,:/-]+|[ \t]+")


def datelines(text: str) -> list[tuple[int, int]]:
    """The places of the datelines of ``text`` (and their regions), as character spans."""
    out = []
    for m in DATELINE.finditer(text):
        if not m.group("region") and not m.group("tail").strip():
            continue  # a line in capitals alone: a heading, not a dateline
        for part in ("place", "region"):
            a, b = m.span(part)
            if a < 0:
                continue
            word = text[a:b].rstrip(".")
            if len(word) > 1 and word.upper() != word or part == "place" and len(word) > 1:
                out.append((a, a + len(word)))
    return out


def _table_rows(text: str) -> list[tuple[int, int]]:
    """The lines of ``text`` that are rows of a results table: capitalised names and numbers,
    no running words; only when the text has at least two of them."""
    rows = []
    for m in _ROW.finditer(text):
        line = m.group()
        words = [w for w in _ROW_JUNK.findall(line) if w.strip() and w[:1].isalpha()]
        lower = [w for w in words if w[:1].islower() and w not in ("de", "van", "von", "del", "la", "le", "of", "and")]
        if words and not lower and _NUMBER.search(line) and len(line) < 200:
            rows.append(m.span())
    return rows if len(rows) >= 2 else []


def _person_named(name: str, country: bool = False) -> bool:
    """A given name then a surname: an initial or a given name that is no English word
    ("Ewan McGregor"); any given name before a last word that is no English word or place
    ("Lee Westwood"; not "Leyton Orient", "Hertha Berlin"); with a country after it, words
    not both English unless the first is a given name ("Jack Pierce (U.S.)"; not "Red Star")."""
    words = name.split()
    if len(words) < 2 or given_name(words[0]) or re.fullmatch(r"[A-Z]\.?", words[0]):
        return len(words) >= 2
    first, last = words[0], words[-1].casefold()
    if len(words) > 3:
        return False
    if country:
        return known_given_name(first, ("male", "female")) or not {first.casefold(), last} <= english_words()
    return known_given_name(first) and not known_place(first) and last not in english_words() and not known_place(last)


_DATE_NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\+\d")  # a date; a dialling code ("+353")


def _without_numbers(f: Extracted, in_row: bool) -> list[Extracted]:
    """A mention cut at the numbers it holds ("Chelsea 2 Everton 1", "AMSTERDAM 1996-12-06"):
    the names between them. Dates, dialling codes, scores and a table's figures are never part of a name;
    outside a table one number can be ("Channel 4", "10 Downing Street")."""
    numbers = _NUMBER.findall(f.surface)
    if not numbers or not in_row and len(numbers) < 2 and not _DATE_NUMBER.search(f.surface):
        return [f]
    out = []
    for m in re.finditer(r"[^\s\d][^\d]*?(?=\s*(?:[-+]?\d|$))", f.surface):
        piece = m.group().strip(" ,;:-")
        if not re.search(r"[A-Za-z]{2}", piece) or _NUMBER.search(piece):
            continue
        at = f.start + f.surface.index(piece, m.start())
        name = piece if f.name == f.surface else f.name
        out.append(dataclasses.replace(f, name=name, surface=piece, start=at, end=at + len(piece)))
    return out


_CAPS_RUN = re.compile(r"[A-Z][A-Z'’.&-]*(?:[ ][A-Z][A-Z'’.&-]*)*")
_MONTHS = words("calendar_words")
_LOCATIVE_BEFORE = re.compile(r"(?<![\w-])(?:in|at|from|near|to|of|outside|around)\s+(?:the\s+)?$", re.IGNORECASE)
_INITIAL_DOT = re.compile(r"[A-Z]\.\s?(?:[a-z]{1,3}\s)?[A-Z][\w’'-]+")


def caps_lines(text: str) -> list[tuple[int, int]]:
    """The lines written in capitals (a wire headline, a table's heading): at least four
    letters, nine in ten of them capitals."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        letters = [c for c in m.group() if c.isalpha()]
        if len(letters) >= 4 and sum(c.isupper() for c in letters) * 10 >= len(letters) * 9:
            out.append(m.span())
    return out


def _in_capitals(text: str, found: list[Extracted], fixed: list[tuple[int, int, str]]) -> list[Extracted]:
    """The names of lines in capitals, as the rest of the text writes them: "SRI LANKA" in a
    headline is the place the text calls Sri Lanka, and "NEW YORK" one place, not two
    names; what the text never writes in lower case is a name only if a gazetteer knows it
    ("ROMANIA"), and words of the language ("ATHLETICS", "EASTERN") or a table's column
    heads ("W L PCT GB") are not names."""
    lines = caps_lines(text)
    if not lines:
        return found
    inside = [f for f in found if span_index(lines, f.start) >= 0]
    known: dict[str, str] = {}
    for f in found:
        if span_index(lines, f.start) < 0 and not f.surface.isupper():
            known.setdefault(f.surface.casefold(), f.type)
    lexicon = english_words()
    taken = [(x, y) for x, y, _ in fixed]
    out = [f for f in found if f not in inside]
    for a, b in lines:
        for run in _CAPS_RUN.finditer(text, a, b):
            toks = [(m.group(), run.start() + m.start(), run.start() + m.end()) for m in re.finditer(r"\S+", run[0])]
            i = 0
            while i < len(toks):
                for j in range(min(len(toks), i + 4), i, -1):
                    x, y = toks[i][1], toks[j - 1][2]
                    phrase = text[x:y].strip(".,")
                    y = x + len(phrase)
                    gazetteer = known_place(phrase.title()) and phrase.casefold() not in stop_words()  # not "OF"
                    kind = known.get(phrase.casefold()) or (PLACE if gazetteer else "")
                    longer = any(f.start <= x and y <= f.end and f.end - f.start > y - x for f in inside)
                    if kind and not longer and not any(p < y and x < q for p, q in taken):
                        old = next((f for f in inside if f.start < y and x < f.end), None)
                        sentence = old.sentence if old else ""
                        out.append(Extracted(phrase, kind, phrase, x, y, sentence))
                        taken.append((x, y))
                        i = j - 1
                        break
                i += 1
    for f in inside:
        if any(p < f.end and f.start < q for p, q in taken):
            continue
        ws = f.surface.split()
        if all(w.casefold().strip(".,'’") in lexicon for w in ws) or all(len(w) <= 3 for w in ws) and len(ws) > 1:
            continue  # "ATHLETICS", "W L PCT GB": words and column heads, not names
        out.append(f)
    return sorted(out, key=lambda f: f.start)


def _no_calendar(f: Extracted) -> Extracted | None:
    """A name without the month or weekday written before it ("August Chicago NAPM"); a
    month alone is no organisation or place."""
    ws = f.surface.split()
    cut = 0
    while cut < len(ws) and ws[cut].strip(".") in _MONTHS:
        cut += 1
    if not cut or f.type == PERSON:
        return f
    if cut == len(ws):
        return None
    at = f.start + f.surface.index(ws[cut], len(" ".join(ws[:cut])))
    surface = f.surface[at - f.start :]
    name = surface if f.name == f.surface else f.name
    return dataclasses.replace(f, name=name, surface=surface, start=at)


_LINE_END = re.compile(r"[ \t]*[\"”]?[ \t]*(?:\n|$)")


def _line_stop(text: str, f: Extracted) -> Extracted:
    """A name whose abbreviation ends its line ("... with TD Securities Inc.\n") without the
    full stop, which ends the sentence ("U.S." keeps its own)."""
    last = f.surface.rsplit(None, 1)[-1]
    if not re.fullmatch(r"[A-Za-z]{2,}\.", last) or f.type == PERSON or not _LINE_END.match(text, f.end):
        return f
    name = f.surface[:-1] if f.name == f.surface else f.name
    return dataclasses.replace(f, name=name, surface=f.surface[:-1], end=f.end - 1)


def _sport_sides(text: str, found: list[Extracted]) -> list[Extracted]:
    """In a report on sport, a town or county the text never puts after "in", "at" or
    "from" is a side (an organisation: "Leicestershire beat Somerset"), a country is its
    national side, which is labelled by the country (a place), and an initial with a full
    stop and a surname is a player ("R. Mahanama")."""
    if not sporty_text(text):
        return found
    located: set[str] = set()
    for f in found:
        if _LOCATIVE_BEFORE.search(text, max(0, f.start - 12), f.start):
            located.add(f.surface)
    out = []
    for f in found:
        key = fold(f.surface)
        kind = f.type
        if kind in (ORG, PERSON) and key in countries():
            kind = PLACE
        elif (
            kind in (PLACE, PERSON)
            and not f.roles
            and " " not in f.surface
            and f.name == f.surface
            and key not in countries()
            and known_place(f.surface)
            and f.surface not in located
        ):
            kind = ORG
        elif kind == ORG and _INITIAL_DOT.fullmatch(f.surface):
            kind = PERSON
        out.append(f if kind == f.type else dataclasses.replace(f, type=kind))
    return out


def layout(text: str, found: list[Extracted]) -> list[Extracted]:
    """What the layout of news copy says, over the mentions of a text: the places of a
    dateline are places (never split, never a person or an organisation, kept when the
    text names them nowhere else); the names of a results table are organisations (people
    when they carry a given name or a country, or the text calls them people elsewhere);
    numbers are never part of a name."""
    rows = _table_rows(text)
    found = [g for f in found for g in _without_numbers(f, span_index(rows, f.start) >= 0)]
    fixed: list[tuple[int, int, str]] = [(a, b, PLACE) for a, b in datelines(text)]
    if rows:
        people = {f.surface for f in found if f.type == PERSON and span_index(rows, f.start) < 0}
        surnames = {f.surface.split()[-1] for f in found if f.type == PERSON and " " in f.surface}
        for a, b in rows:
            for m in _ROW_NAME.finditer(text, a, b):
                name = m.group("name")
                if len(name) < 2 or name.isupper() and len(name) <= 3 and not name.isalpha():
                    continue
                if all(w.strip(".") in _MONTHS for w in name.split()):
                    continue  # "Aug 31": a date, not a name
                if any(x < m.end("name") and m.start("name") < y for x, y, _ in fixed):
                    continue
                named = name in people or _person_named(name, bool(m.group("country")))  # not "Benetton (Italy)"
                kind = PERSON if named or m.group("country") and name in surnames else ORG  # "Quigley (USA)"
                fixed.append((m.start("name"), m.end("name"), kind))
                if m.group("country"):  # "Red Star (Yugoslavia)", "Jearl Miles (U.S.)": where from
                    a, b = m.start("country") + 2, m.end("country") - 1
                    fixed.append((a, b, PLACE))
    found = [_line_stop(text, g) for g in map(_no_calendar, found) if g is not None]
    found = _sport_sides(text, found)
    found = _in_capitals(text, found, fixed)
    if not fixed:
        return found
    kept = [f for f in found if not any(a < f.end and f.start < b for a, b, _ in fixed)]
    sentences = sentences_of(text)
    cache: dict[int, str] = {}
    for a, b, kind in fixed:
        surface = text[a:b]
        sentence = sentence_text(text, sentences, span_index(sentences, a), cache)
        kept.append(Extracted(surface, kind, surface, a, b, sentence))
    return sorted(kept, key=lambda f: f.start)
