"""People named again in one text: a later surname alone the model missed ("Modi thanked the
forces"), a short name that is the full name given before ("Hegseth" -> "Pete Hegseth"), and
a bracketed surname after a given name ("Sharon [Osbourne]")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsbrief.summaries.nlp.entities.candidates import span_index
from newsbrief.summaries.nlp.entities.common import ORG, PERSON, Extracted, name_words
from newsbrief.summaries.nlp.entities.model import known_given_name


def bracketed_surnames(text: str, results: list[Extracted]) -> list[Extracted]:
    """A given name with the surname put in by an editor: "a gamble on Natalie [Appleton]"
    is one person, Natalie Appleton."""
    out: list[Extracted] = []
    skip_until = -1
    for r in sorted(results, key=lambda r: r.start):
        if r.start < skip_until:
            continue
        m = re.match(r"\s*\[([A-Z][\w’'-]+)\]", text[r.end : r.end + 40])
        if m and r.type in (PERSON, ORG) and " " not in r.surface and known_given_name(r.surface):
            end = r.end + m.end()
            r = Extracted(f"{r.surface} {m.group(1)}", PERSON, text[r.start : end], r.start, end, r.sentence, r.roles)
            skip_until = end
        out.append(r)
    return out


def sentence_text(text: str, sentences: Sequence[tuple[int, int]], sidx: int, cache: dict[int, str]) -> str:
    """The sentence at ``sidx``, whitespace folded (one string object per sentence)."""
    sent = cache.get(sidx)
    if sent is None:
        s_start, s_end = sentences[sidx] if sidx >= 0 else (0, len(text))
        sent = cache[sidx] = " ".join(text[s_start:s_end].split())
    return sent


def surname_mentions(
    text: str, sentences: Sequence[tuple[int, int]], found: list[Extracted], cache: dict[int, str]
) -> list[Extracted]:
    """Later mentions by surname that the model missed ("Modi thanked the forces")."""
    surnames: dict[str, str] = {}
    for f in found:
        words = name_words(f.name)
        if f.type == PERSON and len(words) >= 2 and len(words[-1]) > 2:
            surnames.setdefault(words[-1], f.name)
    if not surnames:
        return found
    taken = [(f.start, f.end) for f in found]
    extra = []
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, surnames)) + r")\b(?!-)")
    for m in pattern.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        sidx = span_index(sentences, m.start())
        extra.append(
            Extracted(
                surnames[m.group(1)],
                PERSON,
                m.group(1),
                m.start(),
                m.end(),
                sentence_text(text, sentences, sidx, cache),
            )
        )
    if not extra:
        return found
    return sorted(found + extra, key=lambda f: f.start)


def corefer(found: list[Extracted]) -> list[Extracted]:
    """Short person names take the full name given in the same text: "Hegseth" ->
    "Pete Hegseth", "Modi" -> "Narendra Modi"; a lone capitalised word that names no one
    given in full is dropped (rule extractor) or kept as the model typed it."""
    full: dict[str, str] = {}
    firsts: dict[str, str] = {}
    for f in found:
        if f.type == PERSON and len(f.name.split()) >= 2:
            words = name_words(f.name)
            full.setdefault(words[-1].casefold(), f.name)
            firsts.setdefault(words[0].casefold(), f.name)
    # prefer the longest full name for each surname
    for f in found:
        if f.type == PERSON and len(f.name.split()) >= 2:
            key = name_words(f.name)[-1].casefold()
            if len(f.name) > len(full[key]):
                full[key] = f.name
    # several people with one surname ("Ozzy Osbourne and his wife Sharon Osbourne"): a
    # surname alone is the one named last before it
    seen: dict[str, list[tuple[int, str]]] = {}
    for f in found:
        if f.type == PERSON and len(f.name.split()) >= 2:
            seen.setdefault(name_words(f.name)[-1].casefold(), []).append((f.start, f.name))
    shared = {k for k, v in seen.items() if any(not compatible(a, b) for _, a in v for _, b in v)}
    out = []
    for f in found:
        words = f.name.split()
        if f.type in (PERSON, "single") and len(words) == 1:
            key = words[0].casefold()
            target = full.get(key) or (firsts.get(key) if len(key) > 2 else None)
            if key in shared:
                before = [m for m in seen[key] if m[0] < f.start]
                target = max(before)[1] if before else min(seen[key])[1]
            if target:
                out.append(Extracted(target, PERSON, f.surface, f.start, f.end, f.sentence, f.roles))
                continue
            if f.type == "single":
                continue
        elif f.type == PERSON and len(words) >= 2:
            # "S Jaishankar" and "Subrahmanyam Jaishankar" in one text: one person
            target = full.get(name_words(f.name)[-1].casefold())
            if target and target != f.name and compatible(f.name, target):
                out.append(Extracted(target, PERSON, f.surface, f.start, f.end, f.sentence, f.roles))
                continue
        if f.type == "single":
            continue
        out.append(f)
    return out


def compatible(a: str, b: str) -> bool:
    """Two full names of one person: same surname, given names equal or initials of each other."""
    wa, wb = name_words(a.replace(".", " ")), name_words(b.replace(".", " "))
    if wa[-1].casefold() != wb[-1].casefold():
        return False
    for x, y in zip(wa[:-1], wb[:-1]):
        x, y = x.casefold(), y.casefold()
        if x == y:
            continue
        if (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)):
            continue
        return False
    return True
