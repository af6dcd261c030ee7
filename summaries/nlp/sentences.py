"""The sentence rules of the news summarizer: what a usable summary sentence is.

A sentence is cleaned (a dateline prefix and a trailing agency credit cut off) and then
judged: junk (teasers, bylines, credits, disclaimers, URLs, glued hashtags) is never used,
and a fragment (too short, no verb, lower-case start, unbalanced quotes, no end mark) is
used only when nothing better exists. The verb test knows English only; other languages
get the rules that hold in any (see :func:`is_fragment`).
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Sequence

from newsbrief.summaries.text import (
    BYLINE_SENTENCE,
    CREDIT_LEAD,
    CREDIT_ONLY,
    CREDITED_OUTLETS,
    DISCLAIMER_PHRASE,
    TEASER_INSIDE,
    TEASER_SENTENCE,
    TRAILING_CREDIT,
    WIRE_HEADER_SENTENCE,
    alternation,
)

__all__ = ["clean_sentence", "is_junk_sentence", "is_fragment", "MIN_WORDS", "MIN_CHARS"]

# What is junk (teasers, bylines, credits, disclaimers, the wire header, agencies) is defined
# once, in newsbrief.summaries.text, for this module and articles.cleaning.
_AGENCY_ALT = alternation(CREDITED_OUTLETS)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# "New Delhi [India], July 27 (ANI): ", "WASHINGTON (Reuters) - ", "LONDON, Jan 5 (AFP) -- "
_DATELINE_PREFIX = re.compile(
    rf"^\s*[A-Z][^\n:()]{{0,80}}?\((?:{_AGENCY_ALT})(?:\s*/\s*[A-Za-z]+)*\)\s*(?::|-{{1,2}}|–|—)\s*",
)
# "NEW DELHI: ", "MUMBAI, July 27: ", "New Delhi, July 27: "
_CITY_PREFIX = re.compile(
    rf"^\s*(?:[A-Z]{{2,}}(?:[ \-][A-Z]{{2,}}){{0,3}}|[A-Z][a-z]+(?: [A-Z][a-z]+){{0,2}}(?= ?[,\[]))"
    rf"(?:\s*\[[^\]]{{1,30}}\])?(?:,\s*{_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?)?\s*:\s+(?=[A-Z\"“])",
)
_GLUED_HASHTAG = re.compile(r"(?:[\w.,!?;:)\]\"”’]#[A-Za-z])|(?:#\w+.*#\w+)")
_URL = re.compile(r"https?://|www\.\w", re.IGNORECASE)
_END_PUNCT = re.compile(r"[.!?…][\"'”’)\]]*$|[\"”’][.!?]?$")
# any language: also the Devanagari danda, the Arabic question mark and full stop, the CJK
# marks, and French and Spanish closing quotes
_END_PUNCT_ANY = re.compile(r"[.!?…।॥؟۔。！？][\"'”’»)\]」』]*$|[\"”’»」』][.!?。]?$")
# languages written without spaces: a word is a character
_UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th"})
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# Verb-ish: an auxiliary or a frequent irregular verb, or a regular verb form.
_VERBS = frozenset(  # summaries/nlp/data/verbs.txt: auxiliaries and frequent irregular verbs
    word
    for line in importlib.resources.files("newsbrief.summaries.nlp")
    .joinpath("data/verbs.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if not line.startswith("#")
    for word in line.split()
)
_VERB_SUFFIX = re.compile(r"(?:ed|ing|ise|ize|ises|izes|ates|ated)$")


_CONTRACTION = re.compile(r"(?:n['’]t|['’](?:ll|re|ve|d|m))$")
_SUBJ_IS = frozenset(f"{p}{a}s" for p in ("it", "he", "she", "that", "there", "what", "who", "here") for a in "'’")
_SUBJECTS = frozenset("i you he she it we they who which that".split())
_NOT_BEFORE_VERB = frozenset(
    """the a an of for in on at by with from into to and or but its his her their our my your
    these those this many some all several few two three four five more most other such""".split()
)


def _verbish(words: Sequence[str]) -> bool:
    """Whether a sentence plausibly has a finite verb (a cheap heuristic)."""
    prev = ""
    for w in words:
        lw = w.lower()
        if lw in _VERBS or (len(lw) > 3 and _VERB_SUFFIX.search(lw)):
            return True
        if _CONTRACTION.search(lw) and not lw.endswith(("'s", "’s")) or lw in _SUBJ_IS:
            return True  # "won't", "they'll", "it's"
        if w.islower() and (
            prev in _SUBJECTS  # "they refuse", "it aims"
            or (len(lw) > 3 and lw.endswith("s") and not lw.endswith("ss") and prev and prev not in _NOT_BEFORE_VERB)
        ):  # "the series portrays"
            return True
        prev = lw
    return False


def clean_sentence(text: str) -> str:
    """Cut a dateline prefix and a trailing agency credit off one sentence."""
    s = " ".join(text.split())
    s = WIRE_HEADER_SENTENCE.sub("", s, count=1)
    s = _DATELINE_PREFIX.sub("", s, count=1)
    s = _CITY_PREFIX.sub("", s, count=1)
    s = TRAILING_CREDIT.sub("", s)
    return s.strip()


def is_junk_sentence(text: str) -> bool:
    """Teasers, bylines, bare credits, disclaimers, URLs and glued hashtags."""
    return bool(
        TEASER_SENTENCE.match(text)
        or TEASER_INSIDE.search(text)
        or CREDIT_LEAD.match(text)
        or BYLINE_SENTENCE.match(text)
        or CREDIT_ONLY.match(text)
        or DISCLAIMER_PHRASE.search(text)
        or _GLUED_HASHTAG.search(text)
        or _URL.search(text)
        or " | " in text
    )


def _balanced(text: str) -> bool:
    if text.count('"') % 2:
        return False
    if text.count("“") != text.count("”"):
        return False
    return text.count("(") == text.count(")") and text.count("[") == text.count("]")


MIN_WORDS = 6
MIN_CHARS = 35


def is_fragment(
    text: str,
    *,
    min_words: int = MIN_WORDS,
    min_chars: int = MIN_CHARS,
    relaxed_verb: bool = False,
    language: str = "en",
) -> bool:
    """Too short, no verb, lower-case start, unbalanced quotes, or no end mark.

    ``language`` (ISO 639-1): the verb test knows English only, so other languages skip
    it, and any script's end marks count; in Chinese, Japanese and Thai a character
    counts as a word."""
    english = language == "en"
    if language in _UNSPACED_LANGUAGES:
        words = [c for c in text if not c.isspace() and c.isalnum()]
        min_chars = min(min_chars, 2 * min_words)
    else:
        words = _WORD.findall(text)
    if len(words) < min_words or len(text) < min_chars:
        return True
    first = text.lstrip("\"'“‘([ ")[:1]
    if not first or first.islower():
        return True
    if text.rstrip().endswith((":", ",", ";", "-", "–", "—")):
        return True
    if not (_END_PUNCT if english else _END_PUNCT_ANY).search(text):
        return True
    if not _balanced(text):
        return True
    return relaxed_verb is False and english and not _verbish(words)
