"""What an article says about its event, as terms the story index can compare.

* **Words.** Lower-cased, stemmed content words of the headline and the lead. Words that
  name no happening (dates, months, "update", "video", "things", section names: the data
  file ``data/eventless.txt``) and years are left out, so they never join two reports.
* **Name forms.** A short first part written apart or together ("Mt. Gox" / "MtGox")
  gives the joined form as a term too; a name never seen before that is a near spelling
  of a name already seen in several reports ("Beiber" / "Bieber") is read as that name
  (:class:`NameForms`, rapidfuzz over names of the same first letter and length).
* **Numbers and amounts** ("48GB", "792p", "$179B") are terms like words: rare, so heavy.
* **Main clause.** What follows a subordinating word ("as", "after", "amid":
  ``data/subordinators.txt``) names the circumstance, not the happening: the story index
  weighs it less (:func:`split_clause`).
* **Wire furniture.** "UPDATE 2-", "REFILE-", "CORRECTED-" before a headline say nothing.

Everything here is deterministic and offline.
"""

from __future__ import annotations

import collections
import importlib.resources
import math
import re
from collections.abc import Sequence
from functools import lru_cache

from nltk.stem.snowball import EnglishStemmer
from rapidfuzz import fuzz
from sumy.utils import get_stop_words

__all__ = [
    "content_words",
    "event_words",
    "eventless",
    "strip_wire_prefix",
    "split_clause",
    "url_words",
    "prior_rarity",
    "text_language",
    "LANGUAGES",
    "NameForms",
    "unit",
    "dot",
]

_WORD = re.compile(r"([^\W_]+)(?:['’][^\W_]+)?")
_STOP = frozenset(get_stop_words("english")) | {"s", "t"}
# content_words also leaves out the words of news-desk furniture (its users want topics, not events)
_FURNITURE = frozenset("says said new news report reports update video photos live".split())
_YEAR = re.compile(r"(?:19|20)\d\d")
# "UPDATE 2-", "REFILE-", "CORRECTED-", "EXCLUSIVE-", "RPT-", "WRAPUP 1-" before a wire headline
_WIRE_PREFIX = re.compile(
    r"^\s*(?:(?:UPDATE|REFILE|CORRECTED|CORRECTION|EXCLUSIVE|RPT|WRAPUP|INSTANT VIEW|BREAKINGVIEWS|URGENT|FACTBOX"
    r"|ANALYSIS|PREVIEW|TIMELINE)(?:\s+\d+)?\s*[-:]\s*)+",
)
_stemmer = EnglishStemmer()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stem(word)


def strip_wire_prefix(headline: str) -> str:
    """The headline without a wire service's "UPDATE 2-" / "REFILE-" furniture in front."""
    return _WIRE_PREFIX.sub("", headline or "", count=1).strip()


def _tokens(text: str) -> list[str]:
    return [m.group(1) for m in _WORD.finditer(text.casefold())]


_SLUG_PART = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+){2,}")


def url_words(url: str) -> str:
    """The words of a URL's slug ("/2014/03/10/sbarro-again-files-chapter11-bankruptcy/"
    -> "sbarro again files chapter11 bankruptcy"): many outlets put the story's own words
    there. Only hyphenated or underscored runs of three words or more count."""
    path = url.split("://", 1)[-1].partition("/")[2].split("?", 1)[0].casefold()
    parts = [m.group(0) for m in _SLUG_PART.finditer(path)]
    return " ".join(re.sub(r"[-_]+", " ", p) for p in parts)


_DASHES = frozenset("-–—|")


@lru_cache(maxsize=2)
def _clause_turn(words: bool = True) -> re.Pattern[str]:
    """Where a headline's main clause ends: a subordinating word (``data/subordinators.txt``;
    with ``words``), a semicolon or a spaced dash."""
    marks = r"\s*;\s*|\s[-–—|]\s"
    if not words:
        return re.compile(marks)
    found = sorted(_word_list("subordinators.txt"), key=lambda w: (-len(w), w))
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in found)
    return re.compile(rf"\s(?:{alternatives})\s|{marks}", re.IGNORECASE)


def split_clause(headline: str, *, words: bool = True) -> tuple[str, str]:
    """A headline's main clause and its subordinate turn ("Libya PM ousted", "tanker
    escapes" of "Libya PM ousted after tanker escapes"); the turn is ``""`` if there is
    none. A turn before the second word does not count ("After the vote, ..."). Across a
    spaced dash or bar the shorter side is the aside, whichever side it is on ("... -
    traders", "GS News - Why the game runs at 792p"). ``words``: the subordinating words
    (English ones) turn too; without, only a semicolon or a dash."""
    text = strip_wire_prefix(headline)
    for m in _clause_turn(words).finditer(text):
        before, after = text[: m.start()], text[m.end() :]
        if m.group(0).strip() in _DASHES and len(_tokens(after)) > len(_tokens(before)):
            return after, before
        if len(_tokens(before)) >= 2:
            return before, after
    return text, ""


def content_words(text: str) -> list[str]:
    """Lower-cased, stemmed content words of ``text`` (stop words and one-letter words out)."""
    out = []
    for word in _tokens(text):
        if len(word) < 2 or word in _STOP or word in _FURNITURE or word.isdigit() and len(word) < 3:
            continue
        out.append(_stem(word))
    return out


def _word_list(name: str) -> list[str]:
    text = importlib.resources.files("newsbrief.summaries.stories").joinpath(f"data/{name}").read_text("utf-8")
    return [w for w in (line.split("#", 1)[0].strip().casefold() for line in text.splitlines()) if w]


@lru_cache(maxsize=1)
def eventless() -> frozenset[str]:
    """Stems of the words that name no happening (``data/eventless.txt``)."""
    return frozenset(_stem(w) for w in _word_list("eventless.txt"))


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    """English function words (``data/function_words.txt``); unlike a summarizer's stop
    list it keeps words of direction and action ("down", "up", "off")."""
    return frozenset(_word_list("function_words.txt"))


@lru_cache(maxsize=1)
def _actions() -> dict[str, str]:
    """Stem of each form of an action -> the action's name (``data/actions.txt``)."""
    table: dict[str, str] = {}
    for line in _word_list("actions.txt"):
        name, _, forms = line.partition(":")
        action = "@" + _stem(name.strip())
        for form in [name, *forms.split()]:
            table.setdefault(_stem(form.strip()), action)
    return table


def event_words(text: str, *, drop_eventless: bool = True, join_parts: bool = True, actions: bool = True) -> list[str]:
    """The stemmed terms of ``text`` that can tell one happening from another: content
    words without eventless words and years, plus the joined form of a short first part
    and the word after it ("mt gox" -> "mtgox"); with ``actions``, every form of an action
    is read as its name ("sacked", "ousts" -> "@oust")."""
    skip = eventless() if drop_eventless else frozenset()
    acts = _actions() if actions else {}
    function = _function_words()
    words = _tokens(strip_wire_prefix(text))
    out = []
    for i, word in enumerate(words):
        if (
            join_parts
            and 2 <= len(word) <= 3
            and word.isalpha()
            and word not in function
            and i + 1 < len(words)
            and words[i + 1].isalpha()
            and words[i + 1] not in function
        ):
            out.append(_stem(word + words[i + 1]))
        if len(word) < 2 or word in function or word.isdigit() and len(word) < 3 or _YEAR.fullmatch(word):
            continue
        stem = _stem(word)
        if stem in skip:
            continue
        out.append(acts.get(stem, stem))
    return out


# languages whose word frequencies weigh the words of an article not in English
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "ar", "ru")
ENGLISH_SHARE = 0.5  # an article whose words are at least this much English words is weighed as English


@lru_cache(maxsize=len(LANGUAGES))
def _prior(lang: str = "en") -> dict[str, float]:
    """Rarity of the words of a language, stemmed, from wordfreq: 8 minus the Zipf
    frequency (the common "the" weighs 0.3; a word wordfreq does not know weighs 8)."""
    import wordfreq

    prior: dict[str, float] = {}
    for word, freq in wordfreq.get_frequency_dict(lang, wordlist="small").items():
        if freq <= 0:
            continue
        stem = _stem(word)
        rarity = max(0.3, 8.0 - (math.log10(freq) + 9.0))
        if rarity < prior.get(stem, 99.0):
            prior[stem] = rarity
    return prior


def prior_rarity(term: str, lang: str = "en") -> float:
    """How rare a stemmed term is in the language (0.3 for "the", 8 for a word never
    seen; an action as rare as its own name)."""
    return _prior(lang).get(term.lstrip("@"), 8.0)


def text_language(terms: Sequence[str]) -> str:
    """The language whose word list knows most of ``terms`` (English unless under
    ``ENGLISH_SHARE`` of them are English words): the one whose frequencies weigh them."""
    words = [t for t in terms if t.isalpha() and not t.startswith("@")]
    if not words:
        return "en"
    english = _prior("en")
    if sum(1 for t in words if t in english) >= ENGLISH_SHARE * len(words):
        return "en"
    best, best_known = "en", -1
    for lang in LANGUAGES:
        prior = _prior(lang)
        known = sum(1 for t in words if t in prior)
        if known > best_known:
            best, best_known = lang, known
    return best


def unit(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


def dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


class NameForms:
    """Spelling variants of names, learned online: a rare term seen for the first time
    that is a near spelling (rapidfuzz ratio >= ``min_ratio``) of a rare term already seen
    in ``min_reports`` reports is read as that term from then on. Only names of at least
    ``min_len`` letters with the same first letter and a length within one are compared,
    so a lookup costs a few hundred comparisons at most."""

    def __init__(self, min_ratio: float = 83.0, min_len: int = 5, min_reports: int = 2, min_rarity: float = 3.5):
        self.min_ratio, self.min_len, self.min_reports, self.min_rarity = min_ratio, min_len, min_reports, min_rarity
        self.alias: dict[str, str] = {}
        self._known: dict[tuple[str, int], set[str]] = collections.defaultdict(set)

    def _eligible(self, term: str) -> bool:
        return len(term) >= self.min_len and term.isalpha() and prior_rarity(term) >= self.min_rarity

    def learn(self, term: str, reports: int) -> None:
        """``term`` is now in ``reports`` reports: once that is enough, variants may map to it."""
        if reports == self.min_reports and self._eligible(term) and term not in self.alias:
            self._known[(term[0], len(term))].add(term)

    def canonical(self, term: str, reports: int) -> str:
        """The form ``term`` is read as (``reports``: how many reports hold it so far)."""
        known = self.alias.get(term)
        if known is not None:
            return known
        if reports > 0 or not self._eligible(term):
            return term
        best, best_ratio = term, self.min_ratio
        for length in (len(term) - 1, len(term), len(term) + 1):
            for other in sorted(self._known.get((term[0], length), ())):
                ratio = fuzz.ratio(term, other)
                if ratio >= best_ratio and other != term:
                    best, best_ratio = other, ratio + 1e-9
        if best != term:
            self.alias[term] = best
        return best
