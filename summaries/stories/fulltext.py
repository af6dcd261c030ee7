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
  "Tierralta" in a fresh store too. The weight is that rarity's square root
  (:data:`RARITY_POWER`): the words of what happened count beside the rare names.
* **Several words.** No term is more than :data:`TERM_SHARE` of a text's vector
  (:func:`capped`): two announcements of one company, two interviews of the same two
  men, share a name said in every sentence, and that alone is no event.
* **Phrases.** A phrase both texts repeat (two terms side by side, in that order, at least
  :data:`PHRASE_MENTIONS` times in each, the rarer of the two never said apart: "Nabil
  Selim", "virus corona", the stop words between left out) is one piece of evidence, not
  one per word (:func:`phrases`, :func:`phrase_dot`): a person's first name and surname,
  an official's title and name, agree as one name does.

Two full texts join when the cosine of their vectors, phrases counted once, reaches
``StorySettings.body_threshold`` (:func:`full_text_score`), whatever their headlines say
(a near copy is found by the plain cosine). On the Spanish and Arabic news
pairs of ``bench/eval_pairs.py`` the weights and the threshold were chosen on the tuning
half only (a phrase's "never apart", rather than most mentions together, after a look at
the report half too). The language is the one detected on ingest (the article's ``language``).
Everything here is deterministic and offline.
"""

from __future__ import annotations

import collections
import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from newsbrief.summaries.language import language_name
from newsbrief.summaries.nlp.tokenizer import COMBINING_MARKS
from newsbrief.summaries.stories.signals import dot, event_words, text_language, unit
from newsbrief.summaries.text import bounded_text

__all__ = [
    "BODY_CHARS",
    "FullTexts",
    "anchors",
    "MIN_BODY_CHARS",
    "TITLE_WEIGHT",
    "article_language",
    "body_rarity",
    "body_stem",
    "body_vector",
    "capped",
    "full_text_counts",
    "full_text_score",
    "phrase_dot",
    "phrases",
]

BODY_CHARS = 20_000  # characters of a body its terms are counted in (its opening: where the news is)
MIN_BODY_CHARS = 200  # a shorter body (a headline-only item, a one-liner) is no full text
MIN_BODY_WORDS = 40
TITLE_WEIGHT = 2.0  # each headline word counts this many times a body word
NAME_WEIGHT = 1.5  # a name (a word with a capital inside a sentence) weighs this much more
TERM_SHARE = 0.2  # no term is more than this of a full text's unit vector: one shared name is no event
RARITY_POWER = 0.5  # a term's weight is its rarity to this power: rare words count more, not overwhelmingly
QUERY_TERMS = 12  # a full text finds candidate stories by this many of its heaviest terms
QUERY_RARITY = 2.5  # ... those at least this rare in the language (8 minus Zipf frequency)
CROSS_NAMES = 3  # two reports in two languages join only if they share this many names ...
CROSS_JOIN = 0.4  # ... and this share of the anchors (names, numbers) of the shorter one
NAME_RATIO = 88.0  # two names this close (rapidfuzz ratio) are one name spelled two ways
PHRASE_MENTIONS = 2  # two terms side by side this many times in a text, the rarer never apart, are a phrase of it
FREQUENT_STOP_WORDS = 150  # a language sumy has no stop words for: its most frequent words


_WORD = re.compile(rf"[^\W_](?:[^\W_]|[{COMBINING_MARKS}])*")  # a word: letters and digits, with their marks
# the Arabic short vowels and shadda, written or left out at will: "مُحَمَّد" is "محمد"
_POINTS = dict.fromkeys([*range(0x064B, 0x0660), 0x0670])


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
    for word in _WORD.findall(text.casefold().translate(_POINTS)):
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


def phrases(article: dict[str, Any], lang: str) -> frozenset[tuple[str, str]]:
    """The phrases of an article's full text: two terms (:func:`full_text_counts`' words,
    stop words left out) side by side, in that order, at least :data:`PHRASE_MENTIONS`
    times, the rarer of the two never said apart from the other."""
    words = _words(bounded_text(article.get("body") or "", BODY_CHARS), lang)
    pairs = collections.Counter(zip(words, words[1:]))
    mentions = collections.Counter(words)
    return frozenset(
        (x, y) for (x, y), n in pairs.items() if x != y and n >= PHRASE_MENTIONS and n >= min(mentions[x], mentions[y])
    )


def phrase_dot(a: dict[str, float], b: dict[str, float], links: Iterable[tuple[str, str]]) -> float:
    """The dot product of two full texts' vectors in which the terms of a phrase of both
    (``links``: the phrases of one text that are phrases of the other) count as their
    heaviest term: a name of two words agrees once."""
    shared = {t: a[t] * b[t] for t in a.keys() & b.keys()}
    parent = {t: t for t in shared}

    def root(t: str) -> str:
        while parent[t] != t:
            t = parent[t]
        return t

    for x, y in links:
        if x in parent and y in parent and root(x) != root(y):
            parent[root(x)] = root(y)
    groups: dict[str, float] = {}
    for t, value in shared.items():
        r = root(t)
        groups[r] = max(groups.get(r, 0.0), value)
    return sum(groups.values())


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
    the store's document frequencies (``df`` of ``docs`` reports), the rest its rarity in
    the language, to the power :data:`RARITY_POWER`; no term above :data:`TERM_SHARE`."""
    weights = {}
    for term, count in counts.items():
        store = math.log((docs + 1) / (df.get(term, 0) + 0.5))
        rarity = store_share * store + (1.0 - store_share) * body_rarity(term, lang)
        weights[term] = count * max(0.0, rarity) ** RARITY_POWER
    return capped(unit(weights), TERM_SHARE)


def capped(vector: dict[str, float], cap: float) -> dict[str, float]:
    """``vector`` (a unit vector) with no component above ``cap``: its heaviest terms cut
    down to one level, chosen so that the vector, made a unit again, weighs each of them
    ``cap`` (all terms alike if there are too few), so that two texts agree through several
    of their words, not through one rare name they share (a company, a person, a town)."""
    if not vector or max(vector.values()) <= cap:
        return vector
    heavy = sorted(vector.values(), reverse=True)
    level = heavy[-1]  # too few terms for the cap: all alike
    if len(heavy) * cap * cap > 1.0:
        rest = sum(w * w for w in heavy)
        for k, weight in enumerate(heavy[:-1], start=1):
            rest -= weight * weight
            level = cap * math.sqrt(max(rest, 0.0) / (1.0 - k * cap * cap))
            if heavy[k] <= level:
                break
    return unit({t: min(w, level) for t, w in vector.items()})


def _heaviest(body: dict[str, float]) -> list[str]:
    return [t for t, _w in sorted(body.items(), key=lambda kv: (-kv[1], kv[0]))[:QUERY_TERMS]]


def _fold(word: str) -> str:
    """A name as any Latin-script spelling of it reads: accents off, lower case."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)).casefold()


_NUMBER = re.compile(r"\d(?:[\d.,' \u00a0\u202f]*\d)?")


def anchors(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """What a report of an event says in any language: the names in ``text`` (words with
    a capital inside a sentence, folded by :func:`_fold`, of three letters or more) and its
    numbers of two digits or more (separators dropped: "2,000" and "2 000" agree; years out)."""
    names = set()
    for m in _WORD.finditer(text):
        word = m.group(0)
        if len(word) < 3 or not word[0].isupper() or not word.isalpha():
            continue
        before = text[max(0, m.start() - 3) : m.start()].rstrip(" \t\"'«“(")
        if before and before[-1] not in ".!?:\n-–—":
            names.add(_fold(word))
    numbers = set()
    for m in _NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 2 and not (len(digits) == 4 and digits[:2] in ("19", "20")):
            numbers.add(digits)
    return frozenset(names), frozenset(numbers)


def _shared_names(a: frozenset[str], b: frozenset[str]) -> int:
    """How many names of ``a`` are in ``b``, spelled alike or nearly (a transliteration:
    "Zelensky" / "Zelenskyy", rapidfuzz ratio >= :data:`NAME_RATIO` for five letters or more)."""
    from rapidfuzz import fuzz

    shared = len(a & b)
    rest_b = [n for n in b - a if len(n) >= 5]
    for name in sorted(a - b):
        if len(name) >= 5 and any(fuzz.ratio(name, other) >= NAME_RATIO for other in rest_b):
            shared += 1
    return shared


class FullTexts:
    """The full texts of the live stories, found by their heaviest terms (:data:`QUERY_TERMS`)
    and, across languages, by their names; and the evidence that a full text reports the
    event of a story (:meth:`score`)."""

    def __init__(self) -> None:
        self._postings: dict[str, set[str]] = collections.defaultdict(set)
        self._names: dict[str, set[tuple[str, str]]] = collections.defaultdict(set)  # name -> (story, language)
        self._seen: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}  # article -> language, anchors
        self._phrases: dict[str, frozenset[tuple[str, str]]] = {}  # article -> the phrases its full text repeats

    def learn(self, aid: str, article: dict[str, Any], lang: str) -> None:
        """An article with a full text, in ``lang``: its anchors are kept until :meth:`forget`."""
        self._seen[aid] = (lang, *anchors(bounded_text(article.get("body") or "", BODY_CHARS)))
        self._phrases[aid] = phrases(article, lang)

    def forget(self, aid: str) -> None:
        self._seen.pop(aid, None)
        self._phrases.pop(aid, None)

    def _keys(self, bodies: Iterable[tuple[str, dict[str, float]]]) -> Iterable[tuple[str, tuple[str, str] | None]]:
        for aid, body in bodies:
            for term in _heaviest(body):
                yield term, None
            lang, names, _numbers = self._seen.get(aid, ("", frozenset(), frozenset()))
            for name in names:
                yield name, (name, lang)

    def add(self, story_id: str, bodies: Iterable[tuple[str, dict[str, float]]]) -> None:
        for term, name in self._keys(bodies):
            (self._postings[term].add(story_id) if name is None else self._names[term].add((story_id, name[1])))

    def discard(self, story_id: str, bodies: Iterable[tuple[str, dict[str, float]]]) -> None:
        for term, name in self._keys(bodies):
            posting: set[Any] | None = self._postings.get(term) if name is None else self._names.get(term)
            if posting is not None:
                posting.discard(story_id if name is None else (story_id, name[1]))
                if not posting:
                    (self._postings if name is None else self._names).pop(term, None)

    def find(self, aid: str, body: dict[str, float], lang: str) -> set[str]:
        """The stories sharing one of ``body``'s heaviest terms (those rare enough in
        ``lang`` to tell events apart), or one of its names in a full text of another language."""
        found: set[str] = set()
        for term in _heaviest(body):
            if body_rarity(term, lang) >= QUERY_RARITY:
                found |= self._postings.get(term, set())
        _lang, names, _numbers = self._seen.get(aid, ("", frozenset(), frozenset()))
        for name in names:
            found |= {sid for sid, other in self._names.get(name, ()) if other != lang}
        return found

    def score(
        self, aid: str, headline: float, body: dict[str, float], bodies: list[tuple[str, dict[str, float]]], p: Any
    ) -> float:
        """The evidence that the full text ``body`` of article ``aid`` reports the event of a
        story holding ``bodies``: its own language's full texts by :func:`full_text_score`,
        those of other languages by :meth:`cross_score`."""
        lang = self._seen.get(aid, ("",))[0]
        same = [(o, b) for o, b in bodies if self._seen.get(o, (lang,))[0] == lang]
        mine = self._phrases.get(aid, frozenset())
        links = {o: mine & self._phrases.get(o, frozenset()) for o, _b in same}
        best = full_text_score(headline, body, same, p.copy_threshold, p.body_threshold, links) if same else 0.0
        for other, _b in bodies:
            if self._seen.get(other, (lang,))[0] != lang:
                best = max(best, self.cross_score(aid, other))
        return best

    def cross_score(self, a: str, b: str) -> float:
        """Two reports in two languages: the share of their anchors they agree on (names
        at least :data:`CROSS_NAMES`; a number counts half a name), if it reaches
        :data:`CROSS_JOIN`, else 0."""
        _la, names_a, numbers_a = self._seen.get(a, ("", frozenset(), frozenset()))
        _lb, names_b, numbers_b = self._seen.get(b, ("", frozenset(), frozenset()))
        names = _shared_names(names_a, names_b)
        if names < CROSS_NAMES:
            return 0.0
        agreed = names + 0.5 * len(numbers_a & numbers_b)
        size = min(len(names_a) + 0.5 * len(numbers_a), len(names_b) + 0.5 * len(numbers_b))
        share = agreed / size if size else 0.0
        return share if share >= CROSS_JOIN else 0.0


def full_text_score(
    headline: float,
    body: dict[str, float],
    bodies: list[tuple[str, dict[str, float]]],
    copy: float,
    join: float,
    links: dict[str, frozenset[tuple[str, str]]] | None = None,
) -> float:
    """The evidence that a full text reports the event of a story holding full texts
    (``bodies``), given the ``headline`` evidence: above 1 for a near copy (similarity at
    least ``copy``), the larger of the two when the full texts' similarity, the phrases
    both repeat (``links``, by the other text's id) counted once (:func:`phrase_dot`),
    reaches ``join`` (the headlines of one event may share no word), else none."""
    similarity = max(dot(body, other) for _aid, other in bodies)
    if similarity >= copy:
        return 1.0 + similarity
    links = links or {}
    similarity = max(phrase_dot(body, other, links.get(aid, ())) for aid, other in bodies)
    return max(headline, similarity) if similarity >= join else 0.0
