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

__all__ = ["clean_body", "split_paragraphs", "strip_hashtags", "CleanedBody"]

# Lines that point the reader at another story.
_TEASER = re.compile(
    r"^\s*(?:also\s+read|read\s+also|read\s+more|also\s+see|also\s+watch|watch(?:\s+video)?|"
    r"related(?:\s+stories?|\s+news)?|recommended|trending(?:\s+now)?|must\s+read|don'?t\s+miss|"
    r"click\s+here|subscribe)\s*[|:>\-–—]",
    re.IGNORECASE,
)
# Credit lines: bylines, photo credits, "(With inputs from ...)".
_CREDIT_LINE = re.compile(
    r"^\s*(?:\(?\s*with\s+(?:inputs?|agency\s+inputs?)\s+from\b.*\)?|"
    r"(?:photo|image|picture|video)\s*(?:credit)?s?\s*[:|].*|"
    r"(?:edited|written|reported|compiled)\s+by\s*[:|]?\s*[A-Z].{0,80}|"
    r"by\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*)$",
    re.IGNORECASE,
)
# A byline on a line of its own, maybe with the writer's post or outlet: "By Jane Smith",
# "By Jane Smith and Tom Jones, BBC News", "By JANE SMITH | Reuters". Checked per line,
# before lines are joined into paragraphs, so the byline never merges with the story.
_NAME_WORD = r"(?:[A-Z][\w'’.-]+|[A-Z]\.)"
_BYLINE = re.compile(
    rf"^\s*(?:By|BY|by)\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}(?:\s+(?:and|&)\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})?"
    r"(?:\s*(?:,|\||-|–|—|in)\s*[^.!?\n]{0,60})?\s*$",
)
# Copyright notices: a line of their own, or closing a paragraph.
_COPYRIGHT_LINE = re.compile(r"^\s*(?:copyright\b|©|\(c\)\s+\d{4})", re.IGNORECASE)
_COPYRIGHT_TAIL = re.compile(
    r"\s*(?:copyright\s*(?:©|\(c\))?|©|\(c\))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?"
    r"(?:[A-Z][\w&.'’-]*\s*){1,6}(?:\.\s*)?(?:all rights reserved\.?)?\s*$",
    re.IGNORECASE,
)
# Photo credits inside a paragraph: "(Photo: AFP)", "(Picture credit: Jane Smith/Reuters)".
_PHOTO_CREDIT = re.compile(r"\s*[(\[]\s*(?:photo|picture|image|pic|video)s?(?:\s+credits?)?\s*[:|]\s*[^)\]]{1,80}[)\]]",
                           re.IGNORECASE)
# A closing paragraph in parentheses that speaks about the story, not in it.
_DISCLAIMER_WORDS = re.compile(
    r"\b(?:story|article|post|content|views|opinions?|disclaimer|syndicated|auto-generated|"
    r"verified|authored|feed|edited|staff|news\s+agency)\b",
    re.IGNORECASE,
)
_DISCLAIMER_START = re.compile(r"^\s*(?:disclaimer|note to readers|editor'?s note)\s*[:|-]", re.IGNORECASE)
# News agencies whose credit closes wire copy: "(ANI)", "(PTI)", "(Reuters)", "(ANI/WAM)".
KNOWN_AGENCIES = (
    "ANI", "PTI", "IANS", "UNI", "Reuters", "AP", "AFP", "WAM", "Xinhua", "dpa", "EFE", "ANSA",
    "Kyodo", "Yonhap", "TASS", "Bernama", "Antara", "APP", "SPA", "KUNA", "QNA", "BSS", "RSS", "NNN",
)
_LEADING_PREFIX = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s+[^\n]{0,200}?\([A-Za-z][\w/ .-]{0,30}\)\s*:\s*")
_HASHTAG = re.compile(r"(?<![\w&/])#([A-Za-z][\w]*)")
_GLUED_HASHTAG = re.compile(r"([.!?,;:])#(?=[A-Za-z])")
_TRAILING_TAGS = re.compile(r"(?:\s*#[A-Za-z]\w*)+\s*$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPACES = re.compile(r"[ \t\u00a0]+")


class CleanedBody(str):
    """The cleaned text, with the hashtags that were taken out of it."""

    hashtags: tuple[str, ...]

    def __new__(cls, text: str, hashtags: tuple[str, ...] = ()) -> "CleanedBody":
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
        return _CAMEL.sub(" ", m.group(1))

    text = _HASHTAG.sub(words, text)
    return _SPACES.sub(" ", text).strip(), tags


def _is_disclaimer(paragraph: str) -> bool:
    if _DISCLAIMER_START.match(paragraph):
        return True
    p = paragraph.strip()
    return p.startswith("(") and p.endswith(")") and len(_DISCLAIMER_WORDS.findall(p)) >= 2


def is_junk_line(paragraph: str) -> bool:
    """True for teasers, credit lines and disclaimers: lines that are not the story."""
    return bool(_TEASER.match(paragraph) or _CREDIT_LINE.match(paragraph) or _is_disclaimer(paragraph))


def _credit_pattern(agency: str | None) -> re.Pattern[str]:
    names = set(KNOWN_AGENCIES) | ({agency} if agency else set())
    alt = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return re.compile(rf"\s*\((?:{alt})(?:\s*/\s*[A-Z][A-Za-z]{{1,9}})*\)\s*$", re.IGNORECASE)


def clean_body(text: str, agency: str | None = None) -> CleanedBody:
    """The story text of a body, paragraphs kept (separated by a blank line).

    Drops the wire ``date YYYY-MM-DD Dateline (AGENCY):`` prefix, teaser and credit lines,
    bylines and copyright lines (each checked on its own line, before lines join into
    paragraphs), photo credits, a closing disclaimer paragraph, trailing agency credits
    (``agency`` and the well-known agencies) and copyright notices, and hashtags.
    """
    trailing_credit = _credit_pattern(agency)
    text = _LEADING_PREFIX.sub("", text.lstrip("\ufeff"), count=1)
    text = "\n".join(line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                     if not (_BYLINE.match(line) or _COPYRIGHT_LINE.match(line)))
    kept: list[str] = []
    hashtags: list[str] = []
    for paragraph in split_paragraphs(text):
        if is_junk_line(paragraph):
            continue
        paragraph = _PHOTO_CREDIT.sub("", paragraph)
        paragraph = _COPYRIGHT_TAIL.sub("", trailing_credit.sub("", paragraph)).strip()
        paragraph, tags = strip_hashtags(paragraph)
        hashtags.extend(tags)
        if paragraph and re.search(r"\w", paragraph):
            kept.append(paragraph)
    return CleanedBody("\n\n".join(kept), tuple(dict.fromkeys(hashtags)))
