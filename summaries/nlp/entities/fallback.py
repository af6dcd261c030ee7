"""Stage 1b, candidates without the model (``NEWSBRIEF_NER=rules`` or no spaCy model): runs of
capitalised words, typed by the gazetteers and their shape."""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsbrief.summaries.nlp.entities.candidates import Span
from newsbrief.summaries.nlp.entities.common import (
    ALIAS_TYPES,
    ALIASES,
    CONNECTORS,
    DESIGNATION,
    NAME_TOKEN,
    NOT_NAME,
    ORG,
    ORG_PREFIXES,
    ORG_WORDS,
    PERSON,
    PLACE,
    PLACES,
    POSSESSIVE,
    fold,
    is_title,
    word_tokens,
)


def caps_spans(text: str, sentences: Sequence[tuple[int, int]]) -> list[Span]:
    """Rule-based fallback: runs of capitalised words, typed by gazetteers and shape."""
    out: list[Span] = []
    for s_start, s_end in sentences:
        toks = word_tokens(text[s_start:s_end], s_start)
        i = 0
        while i < len(toks):
            w = POSSESSIVE.sub("", toks[i][0])
            if not (w[:1].isupper() or DESIGNATION.match(w)):
                i += 1
                continue
            j = i
            run: list[tuple[str, int, int]] = []
            while j < len(toks):
                t = toks[j][0]
                if t.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", t):
                    t = t.rstrip(".")
                bare = POSSESSIVE.sub("", t)
                if bare[:1].isupper():
                    run.append((bare, toks[j][1], toks[j][1] + len(bare)))
                    j += 1
                    if bare != t:
                        break
                elif (
                    run
                    and j + 1 < len(toks)
                    and toks[j + 1][0][:1].isupper()
                    and (
                        t in ("&", "de")
                        # "Bank of India", "Board of Control for Cricket"; not "Shares of X"
                        or t in ("of", "for")
                        and (
                            run[-1][0] in ORG_WORDS
                            or run[-1][0] in ORG_PREFIXES
                            or len(run) > 1
                            or is_title(run[-1][0])
                        )
                    )
                    or (t == "the" and run and run[-1][0] == "of")
                ):
                    run.append((t, toks[j][1], toks[j][2]))
                    j += 1
                else:
                    break
            while run and run[-1][0] in CONNECTORS:
                run.pop()
            # drop leading function words ("The", "In", "Earlier")
            while run and (
                run[0][0] in NOT_NAME
                or run[0][0] in CONNECTORS
                or is_title(run[0][0])
                and len(run) > 1
                and run[0][0] not in ORG_PREFIXES
            ):
                run.pop(0)
            if run:
                words = [r[0] for r in run]
                phrase = " ".join(words)
                start, end = run[0][1], run[-1][2]
                folded = fold(phrase)
                kind = None
                if folded in PLACES or ALIAS_TYPES.get(ALIASES.get(folded, "")) == PLACE:
                    kind = PLACE
                elif folded in ALIASES:
                    kind = ALIAS_TYPES.get(ALIASES[folded])
                elif (
                    words[-1] in ORG_WORDS
                    or words[0] in ORG_PREFIXES
                    or (len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", words[0]))
                ):
                    kind = ORG
                elif (
                    2 <= len(words) <= 3
                    and all(NAME_TOKEN.match(x) for x in words)
                    and not any(x in ORG_WORDS or x.casefold() in PLACES for x in words)
                ):
                    kind = PERSON
                elif len(words) == 1 and NAME_TOKEN.match(words[0]):
                    kind = "single"  # maybe a surname given in full earlier
                if kind:
                    out.append(Span(start, end, kind, "caps"))
            i = max(j, i + 1)
    return out
