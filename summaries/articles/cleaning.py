"""Cleaning of wire copy: what is junk in a news body, and how to take it out.

Wire articles carry lines that are not the story: teaser links to other stories
(``Also Read | ...``), the agency's credit at the end of the last paragraph
(``(ANI)``), a closing disclaimer paragraph, hashtags glued to sentences, bylines
(``By Jane Smith, BBC News``), photo credits (``(Photo: Reuters)``) and copyright lines
(``Copyright 2005 Reuters. All rights reserved.``).
Everything downstream (summaries, entities, headlines) works on the cleaned body.
"""

from __future__ import annotations

import re

from newsbrief.summaries.text import (
    BYLINE_LINE,
    COPYRIGHT_LINE,
    COPYRIGHT_TAIL,
    CREDIT_LINE,
    DISCLAIMER_LEAD,
    DISCLAIMER_WORDS,
    PHOTO_CREDIT,
    TEASER_LINE,
    WIRE_HEADER_LINE,
    split_camel,
    wire_credit,
)

__all__ = ["clean_body", "split_paragraphs", "strip_hashtags", "CleanedBody"]

# What is junk (teasers, credits, bylines, copyright, disclaimers, the wire header, agency
# credits) is defined once, in newsbrief.summaries.text; this module takes it out.
_HASHTAG = re.compile(r"(?<![\w&/])#([A-Za-z][\w]*)")
_GLUED_HASHTAG = re.compile(r"([.!?,;:])#(?=[A-Za-z])")
_TRAILING_TAGS = re.compile(r"(?:\s*#[A-Za-z]\w*)+\s*$")
_SPACES = re.compile(r"[ \t\u00a0]+")


class CleanedBody(str):
    """The cleaned text, with the hashtags that were taken out of it."""

    hashtags: tuple[str, ...]

    def __new__(cls, text: str, hashtags: tuple[str, ...] = ()) -> CleanedBody:
        obj = super().__new__(cls, text)
        obj.hashtags = hashtags
        return obj


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text: blocks separated by blank lines, inner whitespace folded."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n\s*\n", text)
    if len(blocks) == 1 and "\n" in text:
        blocks = text.split("\n")
    paragraphs = []
    for block in blocks:
        joined = _SPACES.sub(" ", " ".join(line.strip() for line in block.split("\n"))).strip()
        if joined:
            paragraphs.append(joined)
    return paragraphs


def strip_hashtags(text: str) -> tuple[str, list[str]]:
    """Turn inline hashtags into plain words and drop trailing tag clouds.

    ``"discussed.#India - #USA ... #RegionalSecurity"`` becomes
    ``"discussed. India - USA ... Regional Security"``. Returns the text and the tags found.
    """
    tags = [m.group(1) for m in _HASHTAG.finditer(text)]
    if not tags:
        return text, []
    text = _GLUED_HASHTAG.sub(r"\1 #", text)
    text = _TRAILING_TAGS.sub("", text)

    def words(m: re.Match[str]) -> str:
        return split_camel(m.group(1))

    text = _HASHTAG.sub(words, text)
    return _SPACES.sub(" ", text).strip(), tags


def _is_disclaimer(paragraph: str) -> bool:
    if DISCLAIMER_LEAD.match(paragraph):
        return True
    p = paragraph.strip()
    return p.startswith("(") and p.endswith(")") and len(DISCLAIMER_WORDS.findall(p)) >= 2


def is_junk_line(paragraph: str) -> bool:
    """True for teasers, credit lines and disclaimers: lines that are not the story."""
    return bool(TEASER_LINE.match(paragraph) or CREDIT_LINE.match(paragraph) or _is_disclaimer(paragraph))


def clean_body(text: str, agency: str | None = None) -> CleanedBody:
    """The story text of a body, paragraphs kept (separated by a blank line).

    Drops the wire ``date YYYY-MM-DD Dateline (AGENCY):`` prefix, teaser and credit lines,
    bylines and copyright lines (each checked on its own line, before lines join into
    paragraphs), photo credits, a closing disclaimer paragraph, trailing agency credits
    (``agency`` and the well-known agencies) and copyright notices, and hashtags.
    """
    trailing_credit = wire_credit(agency)
    text = WIRE_HEADER_LINE.sub("", text.lstrip("\ufeff"), count=1)
    text = "\n".join(
        line
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if not (BYLINE_LINE.match(line) or COPYRIGHT_LINE.match(line))
    )
    kept: list[str] = []
    hashtags: list[str] = []
    for paragraph in split_paragraphs(text):
        if is_junk_line(paragraph):
            continue
        paragraph = PHOTO_CREDIT.sub("", paragraph)
        paragraph = COPYRIGHT_TAIL.sub("", trailing_credit.sub("", paragraph)).strip()
        paragraph, tags = strip_hashtags(paragraph)
        hashtags.extend(tags)
        if paragraph and re.search(r"\w", paragraph):
            kept.append(paragraph)
    return CleanedBody("\n\n".join(kept), tuple(dict.fromkeys(hashtags)))
