"""Stage 7, the layout of news copy: datelines, results tables and numbers, over the
consolidated mentions of a text."""

from __future__ import annotations

import dataclasses
import re

from newsbrief.summaries.nlp.entities.candidates import span_index
from newsbrief.summaries.nlp.entities.common import ORG, PERSON, PLACE, Extracted, sentences_of
from newsbrief.summaries.nlp.entities.mentions import sentence_text
from newsbrief.summaries.nlp.entities.model import given_name

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


def _person_named(name: str) -> bool:
    words = name.split()
    return len(words) >= 2 and (given_name(words[0]) or bool(re.fullmatch(r"[A-Z]\.?", words[0])))


_DATE_NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


def _without_numbers(f: Extracted, in_row: bool) -> list[Extracted]:
    """A mention cut at the numbers it holds ("Chelsea 2 Everton 1", "AMSTERDAM 1996-12-06"):
    the names between them. Dates, scores and a table's figures are never part of a name;
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
        for a, b in rows:
            for m in _ROW_NAME.finditer(text, a, b):
                name = m.group("name")
                if len(name) < 2 or name.isupper() and len(name) <= 3 and not name.isalpha():
                    continue
                if any(x < m.end("name") and m.start("name") < y for x, y, _ in fixed):
                    continue
                kind = PERSON if m.group("country") or name in people or _person_named(name) else ORG
                fixed.append((m.start("name"), m.end("name"), kind))
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
