"""Stage 4a, mentions the model missed: the long names acronyms are defined for, the variants
table's forms, a team sheet's players, newspapers, firms by their legal form and the employers named in roles."""

from __future__ import annotations

import re

from newsbrief.summaries.nlp.entities.aliases import VARIANT_FORMS, event_name, role_employers, sentence_starts
from newsbrief.summaries.nlp.entities.candidates import span_index
from newsbrief.summaries.nlp.entities.common import (
    EVENT,
    NOT_NAME,
    ORG,
    PERSON,
    Extracted,
    canonical_alias,
    cue,
    fold,
)
from newsbrief.summaries.nlp.entities.mentions import Art, sporty_text


def more_mentions(
    art: Art, found: list[Extracted], defs: list[tuple[str, str, int]]
) -> list[tuple[str, str, int, int]]:
    """Mentions the model may have missed: the long names acronyms are defined for, the
    variants table's forms, a team sheet's players, newspapers, firms by their legal form,
    and the employers named in roles before people."""
    text = art.text
    added = [(long, EVENT if event_name(long) else ORG, at, at + len(long)) for _, long, at in defs]
    taken = [(at, at + len(long)) for _, long, at in defs]  # these replace the mentions they overlap
    taken += [(f.start, f.end) for f in found if not any(a < f.end and f.start < b for a, b in taken)]
    for acr, long, _ in defs:  # the acronym written again on its own: "the KDP said", "KDP fighters"
        added += [
            (acr, EVENT if event_name(long) else ORG, m.start(), m.end())
            for m in re.finditer(rf"(?<![\w&.-]){re.escape(acr)}(?![\w&-])", text)
            if acr.isupper() and not any(a < m.end() and m.start() < b for a, b in taken)
        ]
    if art.model:  # the variants table is also a list of names to look for
        taken = [(f.start, f.end) for f in found]
        multi_tags, single_tags, tag_sentences = art.hashtags
        for m in VARIANT_FORMS.finditer(text):
            form = fold(m.group(1))
            if form in multi_tags or form in single_tags and span_index(art.sentences, m.start()) in tag_sentences:
                continue  # a hashtag turned into words
            if text[m.end(1) : m.end(1) + 1] == "$" or _HOLIDAY.match(text, m.end(1)):
                continue  # "US$25,000": a currency; "Labour Day": a holiday
            if not any(a <= m.start() and m.end() <= b for a, b in taken):
                canon, ctype = canonical_alias(m.group(1))
                added.append((canon, ctype or ORG, m.start(), m.end()))
        taken = [(f.start, f.end) for f in found]
        if sporty_text(text):  # a team sheet: "J Robinson (Sale Sharks, capt); M Cueto (Sale Sharks)"
            people = {(f.start, f.end) for f in found if f.type == PERSON}
            added += [
                (m.group(1), PERSON, m.start(1), m.end(1))
                for m in _TEAM_SHEET.finditer(text)
                if (m.start(1), m.end(1)) not in people
            ]
        for m in _NEWSPAPER.finditer(text):
            if m.group(2) not in NOT_NAME and not any(
                a < m.end() and m.start() < b and not (a <= m.start() and m.end() <= b) for a, b in taken
            ):
                added.append((m.group(), ORG, m.start(), m.end()))  # "the Sunday Telegraph", "the Evening Standard"
        for m in _SUFFIXED.finditer(text):  # "The Dow Chemical Co of the United States", missed by the model
            words = m.group(1).split(" ")
            while len(words) > 2 and (words[0] in NOT_NAME or words[0] == "The"):
                words.pop(0)
            at = m.end(1) - len(" ".join(words))
            if not any(a < m.end(1) and at < b for a, b in taken):
                added.append((" ".join(words), ORG, at, m.end(1)))
    return added + role_employers(text, found, sentence_starts(text, art.sentences))


_TEAM_SHEET = cue("team_sheet")
_SUFFIXED = cue("suffixed_firm")


# a newspaper's name: "Daily", "Sunday", "Evening" or "Morning" and a capitalised word ("the Evening Standard")
_NEWSPAPER = cue("newspaper")
_HOLIDAY = cue("holiday_after")
