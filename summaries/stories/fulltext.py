"""Full texts in any language, as terms the story index compares body to body.

A headline says what happened in a few words; a full text says it again with the names,
places and numbers of the event, in its own language. Two full texts report one event
when their words agree, weighed as follows:

* **Words of the text's language.** The words are cut and lower-cased for any script,
  stemmed with the language's Snowball stemmer where NLTK has one (Spanish "presidentes"
  and "presidente" are one term), and the language's stop words (sumy's, else its most
  frequent words from ``wordfreq``) are left out. Numbers and amounts stay: "23 muertos"
  and "23 muertos" agree.
* **Headline and names.** The headline's words count :data:`TITLE_WEIGHT` times more; a
  name (a word written with a capital inside a sentence, in the scripts that have
  capitals) weighs :data:`NAME_WEIGHT` times more: who and where tell events apart.
* **Sublinear counts.** A word said ten times is not ten times the evidence: ``1 + log``.
* **Rarity.** A term's weight blends the store's own document frequencies with its rarity
  in the language (``wordfreq``, stemmed the same way): "gobierno" weighs less than
  "Tierralta" in a fresh store too.

Two full texts join when the cosine of their vectors reaches ``StorySettings.body_threshold``
(:func:`full_text_score`), whatever their headlines say. On the Spanish and Arabic news
pairs of ``bench/eval_pairs.py`` the weights and the threshold were chosen on the tuning
half only. The language is the one detected on ingest (the article's ``language``).
Everything here is deterministic and offline.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from newsbrief.summaries.language import language_name
from newsbrief.summaries.stories.signals import dot, event_words, text_language, unit
from newsbrief.summaries.text import bounded_text

__all__ = [
    "BODY_CHARS",
    "BodyPostings",
    "MIN_BODY_CHARS",
    "TITLE_WEIGHT",
    "article_language",
    "body_rarity",
    "body_stem",
    "body_vector",
    "full_text_counts",
    "full_text_score",
]

BODY_CHARS = 20_000  # characters of a body its terms are counted in (its opening: where the news is)
MIN_BODY_CHARS = 200  # a shorter body (a headline-only item, a one-liner) is no full text
MIN_BODY_WORDS = 40
TITLE_WEIGHT = 2.0  # each headline word counts this many times a body word
NAME_WEIGHT = 1.5  # a name (a word with a capital inside a sentence) weighs this much more
QUERY_TERMS = 12  # a full text finds candidate stories by this many of its heaviest terms
QUERY_RARITY = 2.5  # ... those at least this rare in the language (8 minus Zipf frequency)
FREQUENT_STOP_WORDS = 150  # a language sumy has no stop words for: its most frequent words
_WORD = re.compile(r"[^\W_]+")


def article_language(article: dict[str, Any]) -> str:
    """The language whose rules read an article's full text: the one detected on ingest
    (``language``), else the one whose word list knows most of its words."""
    code = (article.get("language") or "").strip().casefold()
    if code and language_name(code):
        return code
    return text_language(event_words(bounded_text(article.get("body") or "", 2000), join_parts=False))


@lru_cache(maxsize=32)
def _stemmer(lang: str) -> Any:
    from nltk.stem.snowball import SnowballStemmer

    name = language_name(lang)
    if name not in SnowballStemmer.languages:
        return None
    return SnowballStemmer(name)


@lru_cache(maxsize=32)
def _stop_words(lang: str) -> frozenset[str]:
    from sumy.utils import get_stop_words

    try:
        return frozenset(w.casefold() for w in get_stop_words(language_name(lang)))
    except LookupError:
        pass
    import wordfreq

    if lang in wordfreq.available_languages():
        return frozenset(wordfreq.top_n_list(lang, FREQUENT_STOP_WORDS))
    return frozenset()


@lru_cache(maxsize=131_072)
def body_stem(word: str, lang: str = "en") -> str:
    """``word`` (lower case) stemmed by the language's Snowball stemmer; as it is if none."""
    stemmer = _stemmer(lang)
    if stemmer is None or not word.isalpha():
        return word
    return str(stemmer.stem(word))


def _words(text: str, lang: str) -> list[str]:
    stop = _stop_words(lang)
    out = []
    for word in _WORD.findall(text.casefold()):
        if len(word) < 2 or word in stop:
            continue
        out.append(body_stem(word, lang))
    return out


def _names(text: str, lang: str) -> set[str]:
    """The terms of ``text`` written with a capital inside a sentence: names, in the
    scripts that have capitals."""
    names = set()
    for m in _WORD.finditer(text):
        word = m.group(0)
        if len(word) < 2 or not word[0].isupper():
            continue
        before = text[max(0, m.start() - 3) : m.start()].rstrip(" \t\"'«“(")
        if before and before[-1] not in ".!?:\n-–—":
            names.add(body_stem(word.casefold(), lang))
    return names


def full_text_counts(article: dict[str, Any], lang: str) -> dict[str, float]:
    """Weighted term counts of an article's full text in ``lang`` (headline words
    :data:`TITLE_WEIGHT` times, then ``1 + log``); empty for a headline-only or one-line
    item."""
    body = bounded_text(article.get("body") or "", BODY_CHARS)  # a huge item costs no more than this
    if len(body) < MIN_BODY_CHARS:
        return {}
    words = _words(body, lang)
    if len(words) < MIN_BODY_WORDS:
        return {}
    counts: dict[str, float] = dict.fromkeys(words, 0.0)
    for word in words:
        counts[word] += 1.0
    for word in _words(article.get("headline") or "", lang):
        counts[word] = counts.get(word, 0.0) + TITLE_WEIGHT
    names = _names(body, lang)
    return {t: (1.0 + math.log(c)) * (NAME_WEIGHT if t in names else 1.0) for t, c in counts.items()}


@lru_cache(maxsize=16)
def _rarity(lang: str) -> dict[str, float]:
    import wordfreq

    rarity: dict[str, float] = {}
    if lang not in wordfreq.available_languages():
        return rarity
    for word, freq in wordfreq.get_frequency_dict(lang, wordlist="small").items():
        if freq <= 0:
            continue
        stem = body_stem(word.casefold(), lang)
        value = max(0.3, 8.0 - (math.log10(freq) + 9.0))
        if value < rarity.get(stem, 99.0):
            rarity[stem] = value
    return rarity


def body_rarity(term: str, lang: str = "en") -> float:
    """How rare a full-text term is in the language: 8 minus the Zipf frequency of its
    commonest word (8 for a word ``wordfreq`` does not know, and in a language it lacks)."""
    return _rarity(lang).get(term, 8.0)


def body_vector(
    counts: dict[str, float], lang: str, df: collections.Counter[str], docs: int, store_share: float
) -> dict[str, float]:
    """A full text's unit vector: each term's count times its weight, ``store_share`` from
    the store's document frequencies (``df`` of ``docs`` reports), the rest its rarity."""
    weights = {}
    for term, count in counts.items():
        store = math.log((docs + 1) / (df.get(term, 0) + 0.5))
        weights[term] = count * (store_share * store + (1.0 - store_share) * body_rarity(term, lang))
    return unit(weights)


def _heaviest(body: dict[str, float]) -> list[str]:
    return [t for t, _w in sorted(body.items(), key=lambda kv: (-kv[1], kv[0]))[:QUERY_TERMS]]


class BodyPostings:
    """Which stories hold a full text whose :data:`QUERY_TERMS` heaviest terms include a
    term: a full text finds the stories to compare with by its own heaviest terms."""

    def __init__(self) -> None:
        self._postings: dict[str, set[str]] = collections.defaultdict(set)

    def add(self, story_id: str, bodies: Iterable[dict[str, float]]) -> None:
        for body in bodies:
            for term in _heaviest(body):
                self._postings[term].add(story_id)

    def discard(self, story_id: str, bodies: Iterable[dict[str, float]]) -> None:
        for body in bodies:
            for term in _heaviest(body):
                posting = self._postings.get(term)
                if posting is not None:
                    posting.discard(story_id)
                    if not posting:
                        del self._postings[term]

    def find(self, body: dict[str, float], lang: str) -> set[str]:
        """The stories sharing one of ``body``'s heaviest terms (those rare enough in
        ``lang`` to tell events apart)."""
        found: set[str] = set()
        for term in _heaviest(body):
            if body_rarity(term, lang) >= QUERY_RARITY:
                found |= self._postings.get(term, set())
        return found


def full_text_score(
    headline: float, body: dict[str, float], bodies: list[tuple[str, dict[str, float]]], copy: float, join: float
) -> float:
    """The evidence that a full text reports the event of a story holding full texts
    (``bodies``), given the ``headline`` evidence: above 1 for a near copy (similarity at
    least ``copy``), the larger of the two when the full texts' similarity reaches
    ``join`` (the headlines of one event may share no word), else none."""
    similarity = max(dot(body, other) for _aid, other in bodies)
    if similarity >= copy:
        return 1.0 + similarity
    return max(headline, similarity) if similarity >= join else 0.0
