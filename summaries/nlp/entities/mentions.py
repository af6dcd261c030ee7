"""Stage 2, mentions: candidates made into one text's mentions (overlaps resolved, names
normalised, hashtag words dropped) and short person names linked to the full name
("Hegseth" -> Pete Hegseth)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsbrief.summaries.nlp.entities.candidates import (
    Span,
    clean_role,
    event_spans,
    good_name,
    pre_role,
    span_index,
    split_span,
    title_person_spans,
)
from newsbrief.summaries.nlp.entities.common import (
    ABBREVIATED_ENDS,
    CHANNEL_NUMBER,
    CLUB_NOUNS,
    DEMONYMS,
    DESIGNATION,
    GENERATION,
    NAME_TOKEN,
    NOT_NAME,
    ORG,
    ORG_WORDS,
    PERSON,
    PERSON_NOUNS,
    PLACE,
    PLACES,
    PORTFOLIO_WORDS,
    POSSESSIVE,
    PRODUCT_AFTER,
    SHORT_CODE,
    TITLE_WORDS,
    Extracted,
    bare_word,
    canonical_alias,
    fold,
    hashtag_forms,
    person_noun,
    strip_title,
)
from newsbrief.summaries.nlp.entities.fallback import caps_spans
from newsbrief.summaries.nlp.entities.lexicon import english_nouns, english_words, sentences_of
from newsbrief.summaries.nlp.entities.model import known_given_name
from newsbrief.summaries.nlp.entities.surnames import bracketed_surnames, corefer, sentence_text, surname_mentions


@dataclass(slots=True)
class Art:
    """One text between the extraction stages."""

    text: str
    sentences: list[tuple[int, int]]
    found: list[Extracted]
    titled: set[int] = field(default_factory=set)  # starts of mentions written with a title
    model: bool = True
    hashtags: tuple[set[str], set[str], set[int]] = (set(), set(), set())  # multi, single, their sentences


def demonym(word: str, *, mid_sentence: bool = False) -> bool:
    """A word for where a person is from: "Briton", "Russian", "Japanese". Capitalised in
    the middle of a sentence, an "-ian" noun is one too ("Russian"; a "comedian" there is
    written in lower case)."""
    low = word.casefold()
    return (
        low in DEMONYMS
        or bool(re.search(r"(?:an|ese|ish|i)$", low))
        and low in english_nouns()
        and (not person_noun(word) or mid_sentence and word[:1].isupper() and low not in PERSON_NOUNS)
    )


def _strip_name_front(toks: list[tuple[str, int, int]], model: bool) -> bool:
    """Drop from the front of a person's name (``toks``, in place) the words that say what
    or where from the person is: before a full name ("Russian Mikhail Youzhny", "Briton
    Hayley Yelling"), or a job before a one-word name ("Rapper Eminem"). Whether any went."""
    nouns = english_nouns() if model else frozenset()
    before = len(toks)
    while (
        len(toks) > 1
        and toks[0][0].isalpha()
        and (
            len(toks) > 2
            and toks[1][0][:1].isupper()
            and toks[0][0].casefold() in nouns
            and (
                re.search(r"(?:an|ese|er|ish|i)$", toks[0][0])
                or person_noun(toks[0][0])
                or toks[0][0].casefold() in DEMONYMS
            )
            or toks[0][0].casefold() in PERSON_NOUNS
            and bare_word(toks[0][0]) not in TITLE_WORDS
        )
    ):
        toks.pop(0)
    return len(toks) < before


def _hashtag_sentences(
    text: str, sentences: Sequence[tuple[int, int]], hashtags: Sequence[str]
) -> tuple[set[str], set[str], set[int]]:
    """The hashtags as words (several words, one word) and the sentences that spell them out."""
    multi_tags, single_tags = hashtag_forms(hashtags)
    hashtag_sentences: set[int] = set()
    if multi_tags or len(single_tags) > 1:
        for idx, (a, b) in enumerate(sentences):
            sent = fold(text[a:b])
            hits = sum(1 for t in multi_tags | single_tags if re.search(rf"\b{re.escape(t)}\b", sent))
            if any(re.search(rf"\b{re.escape(t)}\b", sent) for t in multi_tags) or hits >= 2:
                hashtag_sentences.add(idx)

    return multi_tags, single_tags, hashtag_sentences


def _resolve_overlaps(spans: list[Span]) -> list[Span]:
    """One span per stretch of text: events and title-persons beat model spans; longer beats shorter."""
    priority = {"event": 0, "title": 1, "model": 2, "caps": 3}
    spans.sort(key=lambda s: (priority[s.source], -(s.end - s.start), s.start))
    chosen: list[Span] = []
    for sp in spans:
        clash = next((c for c in chosen if sp.start < c.end and c.start < sp.end), None)
        if clash is None:
            chosen.append(sp)
        elif clash.source == "title" and sp.source == "model" and sp.type == PERSON and sp.end > clash.end:
            clash.end = sp.end  # "PM Modi" found by title, model saw "Narendra Modi ..."? keep the longer name
    chosen.sort(key=lambda s: s.start)

    return chosen


def _normalise(text: str, sp: Span, model: bool) -> Span | None:
    """A span trimmed to its name (in place): no "the", possessive, trailing full stop, title,
    job at the start of a sentence, demonym or office; ``None`` when nothing of a name is left."""
    surface = text[sp.start : sp.end]
    m = re.match(r"^(?:the|The)\s+", surface)
    if m:
        sp.start += m.end()
        surface = surface[m.end() :]
    stripped = POSSESSIVE.sub("", surface.rstrip(" ,;:")) if sp.source != "event" else surface
    if (
        sp.source != "event"
        and stripped.endswith(".")
        and not re.search(r"(?:^|\W)(?:[A-Z]\.){2,}$", stripped)
        and not (sp.type == PERSON and stripped.split()[-1].casefold().rstrip(".") in GENERATION)
        and not (sp.type == ORG and " " in stripped and stripped.split()[-1].rstrip(".") in ABBREVIATED_ENDS)
    ):
        stripped = stripped.rstrip(".")  # a full stop, not "U.S."
    sp.end = sp.start + len(stripped)
    surface = stripped
    if sp.source == "model":  # "Commons on Monday": the day is not part of the name
        cut = re.sub(
            r"\s+(?:on|in|at|by|this|last|next)\s+(?:" + "|".join(sorted(NOT_NAME, key=len, reverse=True)) + r")$",
            "",
            surface,
        )
        if cut != surface:
            sp.end = sp.start + len(cut)
            surface = cut
        if re.fullmatch(r"[A-Z]{2,5}", surface) and re.search(r"\d\s*$", text[max(0, sp.start - 6) : sp.start]):
            return None  # "1100 GMT", "7 ATP": a unit after a number
    if sp.source == "model" and sp.type == ORG:
        m = CHANNEL_NUMBER.match(text, sp.end)
        if m and re.search(r"(?:BBC|Radio|Channel)$", surface):
            sp.end = m.end()  # "BBC Radio" + "Four", "BBC" + "One": a channel's number is part of its name
            surface = text[sp.start : sp.end]
    if sp.source == "model" and "(" in surface:  # "Transport and General Workers Union (TGWU"
        cut = surface.split("(")[0].rstrip()
        sp.end = sp.start + len(cut)
        surface = cut
    if sp.type == PERSON and sp.source != "title":
        name, title = strip_title(surface)
        if title:
            sp.start = sp.end - len(name)
            sp.title = title
            surface = name
        lexicon = english_words() if model else frozenset()
        toks = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", surface)]
        # a job capitalised at the start of a sentence ("Comedian Chris Morris",
        # "Judges Simon Cowell"): the name is the rest
        at_start = (
            not text[max(0, sp.start - 3) : sp.start].strip(" \"“‘'(")
            or re.search(r"[.!?\n][\"”’']?\s+$", text[max(0, sp.start - 4) : sp.start]) is not None
        )
        while (
            at_start
            and len(toks) > 2
            and toks[0][0].casefold() in lexicon
            and toks[0][0].isalpha()
            and (person_noun(toks[0][0]) or not known_given_name(toks[0][0]))
        ):
            toks.pop(0)  # not "Frank" of "Frank Lloyd Wright"
        _strip_name_front(toks, model)
        # an office after the name: "Paul Boateng MP"
        while len(toks) > 1 and bare_word(toks[-1][0]) in ("MP", "MSP", "MEP", "QC", "AM"):
            toks.pop()
        if toks and (toks[0][1] > 0 or toks[-1][2] < len(surface)):
            base = sp.start
            sp.start, sp.end = base + toks[0][1], base + toks[-1][2]
            surface = text[sp.start : sp.end]
    elif sp.type == PERSON:  # "champion Briton Hayley Yelling": the title went, the demonym goes too
        toks = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", surface)]
        if _strip_name_front(toks, model) and toks:
            sp.start, sp.end = sp.start + toks[0][1], sp.start + toks[-1][2]
            surface = text[sp.start : sp.end]
    if sp.source == "model" and sp.type == PERSON and " " not in surface and not sp.title:
        m = re.search(r"(?<![\w’'-])([A-Z][a-z]{2,})\s$", text[max(0, sp.start - 16) : sp.start])
        if (
            m
            and m.group(1) not in NOT_NAME
            and m.group(1) not in TITLE_WORDS
            and known_given_name(m.group(1))
            and not demonym(m.group(1))
        ):
            sp.start -= len(m.group(1)) + 1  # "Featuring Cliff Richard": the model kept only "Richard"
            surface = text[sp.start : sp.end]
    if " - " in surface and sp.source == "model" and sp.type == PERSON:
        cut = surface.split(" - ")[0].rstrip()  # "Scarlett Johansson - Racing Stripes": the name before the dash
        if NAME_TOKEN.match(cut.split()[-1] if cut.split() else ""):
            sp.end = sp.start + len(cut)
            surface = cut
    if " - " in surface or "\n" in surface or not surface.strip():
        return None
    if (
        sp.type == PERSON
        and sp.title
        and model
        and len(surface.split()) == 1
        and surface.casefold() in english_words()
        and re.search(r"\bthe\s+(?:[A-Z][\w.]*\s+){1,3}$", text[max(0, sp.start - 40) : sp.start])
    ):
        return None  # "the General Election": a title word before a common noun, not a person
    return sp


def _with_roles(
    text: str, sentences: Sequence[tuple[int, int]], cands: list[Span]
) -> tuple[list[tuple[Span, str, tuple[str, ...]]], list[tuple[int, int]]]:
    """Each span with its surface and the roles written around a person, and the stretches
    of text those roles cover."""
    out_spans: list[tuple[Span, str, tuple[str, ...]]] = []
    role_cover: list[tuple[int, int]] = []
    prev_end = 0
    for sp in cands:
        sidx = span_index(sentences, sp.start)
        s_start, s_end = sentences[sidx] if sidx >= 0 else (0, len(text))
        roles: list[str] = []
        if sp.type == PERSON:
            floor = max(s_start, prev_end)
            pre, pre_at = pre_role(text, sp.start, floor)
            if pre:
                role_cover.append((pre_at, sp.start))
                roles.append(pre)
            elif sp.title:
                roles.append(sp.title)
        prev_end = sp.end if sp.type == PERSON else prev_end
        out_spans.append((sp, text[sp.start : sp.end], tuple(r for r in map(clean_role, roles) if r)))

    return out_spans, role_cover


def finish(text: str, hashtags: Sequence[str], model_spans: list[Span], *, model: bool) -> Art:
    if not text.strip():
        return Art(text, [], [], model=model)
    sentences = sentences_of(text)
    spans = event_spans(text) + title_person_spans(text)
    if model:
        starts = {a for a, _ in sentences}
        sporty = sporty_text(text)
        spans += [part for sp in model_spans for part in split_span(text, sp, starts, sporty)]
    else:
        spans += caps_spans(text, sentences)
    multi_tags, single_tags, hashtag_sentences = _hashtag_sentences(text, sentences, hashtags)
    cands = [sp for sp in (_normalise(text, sp, model) for sp in _resolve_overlaps(spans)) if sp is not None]
    out_spans, role_cover = _with_roles(text, sentences, cands)

    results: list[Extracted] = []
    cache: dict[int, str] = {}
    titled = {sp.start for sp, _, _ in out_spans if sp.title}
    for sp, surface, roles in out_spans:
        if (
            sp.type == ORG
            and sp.source in ("model", "caps")
            and any(a <= sp.start and sp.end <= b for a, b in role_cover)
            and all(w.casefold() in PORTFOLIO_WORDS for w in surface.split())
        ):
            continue  # "External Affairs" in "External Affairs Minister"
        words = surface.split()
        kind = sp.type
        if (
            kind == PERSON
            and sp.source == "model"
            and not sp.title
            and 1 < len(words) <= 5
            and any(w in ORG_WORDS for w in words[1:])
            and not known_given_name(words[0])
        ):
            kind = ORG  # "Manchester United", "Newry City": the small model's "person" is a club or firm
        short_code = (
            sp.source == "model"
            and kind in (ORG, PERSON)
            and len(words) == 1
            and SHORT_CODE.match(surface)
            and not PRODUCT_AFTER.match(text, sp.end, sp.end + 30)
        )
        if short_code:
            kind = ORG  # "U2", "ITV1", "the G8": a band, a channel or a group, not a model number
        elif sp.source != "event" and not good_name(words, PERSON if kind == "single" else kind):
            continue
        if text[sp.end : sp.end + 1] == "$":
            continue  # "US$25,000", "HK$": a currency, not a place
        if surface in ("Younger", "Elder", "Great") and re.search(
            r"[A-Z][\w’'-]+\s+the\s+$", text[max(0, sp.start - 30) : sp.start]
        ):
            continue  # "William Pitt the Younger": part of a person's name
        if sp.source != "event":
            # a weapon system right after a designation: "C-130J Super Hercules", "AH-64E Apaches"
            before = text[max(0, sp.start - 16) : sp.start].split()
            if before and DESIGNATION.match(before[-1].strip(",")):
                continue
        if kind == PERSON and len(words) == 1 and sp.source == "model":
            before = text[max(0, sp.start - 8) : sp.start].split()
            if before and before[-1] in ("in", "near", "across", "around", "outside", "inside"):
                kind = PLACE  # "forward posts in Ladakh": the small model calls it a person
        sidx = span_index(sentences, sp.start)
        folded = fold(sp.name or surface)
        if folded in multi_tags or (sidx in hashtag_sentences and folded in single_tags):
            continue
        if sp.type == ORG and folded in single_tags and sidx in hashtag_sentences:
            continue
        name = sp.name or surface
        if kind in (ORG, PLACE):
            canon, ctype = canonical_alias(name)
            name, kind = canon, ctype or kind
            if fold(name) in PLACES and kind == ORG and len(words) == 1:
                kind = PLACE
        sentence = sentence_text(text, sentences, sidx, cache)
        results.append(Extracted(name, kind, surface, sp.start, sp.end, sentence, roles))

    found = corefer(surname_mentions(text, sentences, bracketed_surnames(text, results), cache))
    return Art(text, sentences, found, titled, model, (multi_tags, single_tags, hashtag_sentences))


_SPORT_WORDS = re.compile(
    r"(?<![\w-])(?:" + CLUB_NOUNS + r"|league|cup|match|matches|goals?|season|tournament|"
    r"scored|unbeaten|premiership)(?![\w-])|(?<![\w./-])\d{1,2}-\d{1,2}(?![\w./-])",  # a score, not a date or fraction
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=64)  # asked several times per text
def sporty_text(text: str) -> bool:
    """A report on sport: words of teams, matches and scores at least twice in 150 words."""
    return len(_SPORT_WORDS.findall(text)) * 75 >= max(1, len(text.split()))
