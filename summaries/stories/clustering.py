"""Stories: every report of one news event grouped under one story, online.

Twenty outlets carry the same event; a briefing should say it once. As articles arrive
(in time order), :class:`StoryIndex` puts each one into the story it reports on, or
starts a new story:

* **What an article looks like.** Its headline and lead as a TF-IDF vector over stemmed
  words (the lead weighs half), and, for full articles, a second vector over the whole
  body. Word weights blend the store's own document frequencies with English word
  frequencies from the ``wordfreq`` package, so that the first articles of a fresh
  store are weighed as well as the ten-thousandth ("the" is never evidence, "Titanfall"
  is).
* **Candidates** come from an inverted index of the live stories' words (the stories
  seen within ``window_hours``), looked up by the article's heaviest words: no scan,
  so the cost of an article does not grow with the store.
* **Joining.** The article joins the candidate whose centroid is most similar to its
  headline and lead, if that similarity, decayed with the hours between the article and
  the story (half of it after ``decay_hours``), reaches ``threshold``; or the candidate
  holding a body it nearly copies (cosine of the body vectors at least ``copy_threshold``),
  so a re-syndicated or lightly rewritten copy always joins its original. Otherwise the
  article starts a story of its own. Precision matters more than recall: two different
  events must never share a story.

The index is deterministic: the same articles in the same order give the same stories.
It is rebuilt from the store (the ``stories`` table records which article is in which
story, and with which content) when a process starts.
"""

from __future__ import annotations

import collections
import datetime as dt
import heapq
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from nltk.stem.snowball import EnglishStemmer
from sumy.utils import get_stop_words

from newsbrief.summaries.config import StorySettings
from newsbrief.summaries.text import bounded_text

__all__ = [
    "StoryIndex",
    "article_hours",
    "headline_terms",
    "content_words",
    "representative",
    "cluster_pending",
    "forget_articles",
]

BODY_CHARS = 20_000  # characters of a body its terms are counted in (its opening: where the news is)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_STOP = frozenset(get_stop_words("english")) | {
    "s",
    "t",
    "says",
    "said",
    "new",
    "news",
    "report",
    "reports",
    "update",
    "video",
    "photos",
    "live",
}
_stemmer = EnglishStemmer()


# -- words and weights -----------------------------------------------------------------


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stem(word)


def content_words(text: str) -> list[str]:
    """Lower-cased, stemmed content words of ``text`` (stop words and one-letter words out)."""
    out = []
    for m in _WORD.finditer(text.casefold()):
        word = re.split(r"['’]", m.group(0), maxsplit=1)[0]
        if len(word) < 2 or word in _STOP or word.isdigit() and len(word) < 3:
            continue
        out.append(_stem(word))
    return out


@lru_cache(maxsize=1)
def _prior() -> dict[str, float]:
    """Rarity of English words, stemmed, from wordfreq: 8 minus the Zipf frequency (the
    common "the" weighs 0.3; a word wordfreq does not know weighs 8)."""
    import wordfreq

    prior: dict[str, float] = {}
    for word, freq in wordfreq.get_frequency_dict("en", wordlist="small").items():
        if freq <= 0:
            continue
        stem = _stem(word)
        rarity = max(0.3, 8.0 - (math.log10(freq) + 9.0))
        if rarity < prior.get(stem, 99.0):
            prior[stem] = rarity
    return prior


def _unit(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _lead(body: str, headline: str) -> str:
    """The body's first sentence, unless the body is only the headline again."""
    first = re.split(r"(?<=[.!?])\s+", body.strip(), maxsplit=1)[0] if body else ""
    if not first or content_words(first) == content_words(headline):
        return ""
    return first[:400]


def headline_terms(article: dict[str, Any], lead_weight: float = 0.5) -> dict[str, float]:
    """Term counts of an article's headline, plus its lead at ``lead_weight``."""
    counts: dict[str, float] = collections.Counter(content_words(article.get("headline") or ""))
    for term in content_words(_lead(article.get("body") or "", article.get("headline") or "")):
        counts[term] = counts.get(term, 0.0) + lead_weight
    return dict(counts)


def _body_terms(article: dict[str, Any]) -> dict[str, float]:
    """Term counts of a full body; empty for headline-only and one-sentence items."""
    body = bounded_text(article.get("body") or "", BODY_CHARS)  # a huge item costs no more than this
    words = content_words(body)
    if len(words) < 40:
        return {}
    return dict(collections.Counter(words))


def article_hours(article: dict[str, Any]) -> float:
    """When the article was published, in hours since the epoch: its ``published`` time
    if it has one, else noon UTC of its date."""
    for value in (article.get("published"), article.get("date")):
        if not value:
            continue
        text = str(value)
        try:
            if len(text) == 10:
                moment = dt.datetime.fromisoformat(text).replace(hour=12, tzinfo=dt.UTC)
            else:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt.UTC)
            return moment.timestamp() / 3600.0
        except ValueError:
            continue
    return 0.0


# -- the index ---------------------------------------------------------------------------


@dataclass
class _Story:
    id: str
    members: dict[str, str] = field(default_factory=dict)  # article id -> content hash
    vectors: dict[str, dict[str, float]] = field(default_factory=dict)  # live members' headline vectors
    centroid: dict[str, float] = field(default_factory=dict)
    sqnorm: float = 0.0
    bodies: list[tuple[str, dict[str, float]]] = field(default_factory=list)  # (article id, unit body vector)
    first: float = math.inf
    last: float = -math.inf
    live: bool = False  # in the candidate index

    def add_vector(self, aid: str, vec: dict[str, float]) -> None:
        self.vectors[aid] = vec
        self.sqnorm += 2 * _dot(self.centroid, vec) + _dot(vec, vec)
        for t, w in vec.items():
            self.centroid[t] = self.centroid.get(t, 0.0) + w

    def drop_vector(self, aid: str) -> None:
        vec = self.vectors.pop(aid, None)
        if vec is None:
            return
        for t, w in vec.items():
            left = self.centroid.get(t, 0.0) - w
            if abs(left) < 1e-9:
                self.centroid.pop(t, None)
            else:
                self.centroid[t] = left
        self.sqnorm = _dot(self.centroid, self.centroid)

    def forget_vectors(self) -> None:
        """Out of the window for good: keep only who the members are."""
        self.vectors, self.centroid, self.sqnorm, self.bodies = {}, {}, 0.0, []

    def similarity(self, vec: dict[str, float]) -> float:
        if self.sqnorm <= 0:
            return 0.0
        return _dot(vec, self.centroid) / math.sqrt(self.sqnorm)

    def gap_hours(self, hours: float) -> float:
        if hours < self.first:
            return self.first - hours
        return max(0.0, hours - self.last)


class StoryIndex:
    """The stories of one store, in memory: which article is in which story, and an
    inverted index of the live stories' words for finding candidates."""

    def __init__(self, params: StorySettings | None = None) -> None:
        self.params = params or StorySettings()
        self.stories: dict[str, _Story] = {}
        self.story_of: dict[str, str] = {}
        self.df: collections.Counter[str] = collections.Counter()
        self.docs = 0
        self._postings: dict[str, set[str]] = collections.defaultdict(set)
        self._expiry: list[tuple[float, str]] = []  # (last seen, story id), a min-heap
        self._now = -math.inf
        self._terms: dict[str, tuple[str, ...]] = {}  # article id -> its distinct terms (for df)
        self.generation: Any = None  # the store generation this index was built from
        self.lock = threading.RLock()

    # -- weights

    def _idf(self, term: str) -> float:
        corpus = math.log((self.docs + 1) / (self.df.get(term, 0) + 0.5))
        return 0.5 * corpus + 0.5 * _prior().get(term, 8.0)

    def _vector(self, counts: dict[str, float]) -> dict[str, float]:
        return _unit({t: c * self._idf(t) for t, c in counts.items()})

    def _count(self, aid: str, terms: Iterable[str]) -> None:
        distinct = tuple(set(terms))
        self._terms[aid] = distinct
        self.df.update(distinct)
        self.docs += 1

    def _uncount(self, aid: str) -> None:
        distinct = self._terms.pop(aid, None)
        if distinct is None:
            return
        self.df.subtract(distinct)
        self.docs -= 1

    # -- live window

    def _index_story(self, story: _Story) -> None:
        for term in story.centroid:
            self._postings[term].add(story.id)
        story.live = True
        heapq.heappush(self._expiry, (story.last, story.id))

    def _unindex_story(self, story: _Story) -> None:
        if not story.live:
            return
        for term in story.centroid:
            posting = self._postings.get(term)
            if posting is not None:
                posting.discard(story.id)
                if not posting:
                    del self._postings[term]
        story.live = False

    def _advance(self, hours: float) -> None:
        """Move the clock to ``hours``; stories not seen within the window leave the index."""
        if hours <= self._now:
            return
        self._now = hours
        horizon = hours - self.params.window_hours
        while self._expiry and self._expiry[0][0] < horizon:
            last, sid = heapq.heappop(self._expiry)
            story = self.stories.get(sid)
            if story is not None and story.live and story.last == last:
                self._unindex_story(story)
                story.forget_vectors()

    # -- joining

    def _candidates(self, vec: dict[str, float], body: dict[str, float]) -> set[str]:
        found: set[str] = set()
        for source in (vec, body):
            heaviest = sorted(source.items(), key=lambda kv: (-kv[1], kv[0]))[: self.params.query_terms]
            for term, _w in heaviest:
                found |= self._postings.get(term, set())
        return found

    def _best(self, vec: dict[str, float], body: dict[str, float], hours: float) -> tuple[str | None, float]:
        p = self.params
        best_id, best_score = None, 0.0
        for sid in sorted(self._candidates(vec, body)):
            story = self.stories[sid]
            gap = story.gap_hours(hours)
            if gap > p.window_hours:
                continue
            score = story.similarity(vec) * 0.5 ** (gap / p.decay_hours)
            if score < p.threshold:
                score = 0.0
            if body and story.bodies:
                # two full texts: they must also tell the same story, not just the same topic
                copy = max(_dot(body, other) for _aid, other in story.bodies)
                if copy >= p.copy_threshold:
                    score = max(score, 1.0 + copy)
                elif copy < p.body_threshold:
                    score = 0.0
            if score > best_score:
                best_id, best_score = sid, score
        return best_id, best_score

    def assign(self, article: dict[str, Any]) -> tuple[str, set[str]]:
        """Put one article into its story (a new one if none fits). Returns the story id
        and the ids of every story that changed (a re-clustered article may leave one)."""
        with self.lock:
            aid = article["id"]
            changed: set[str] = set()
            if aid in self.story_of:
                changed |= self.remove([aid])
            hours = article_hours(article)
            self._advance(hours)
            counts = headline_terms(article, self.params.lead_weight)
            body_counts = _body_terms(article)
            self._count(aid, list(counts) + list(body_counts))
            vec = self._vector(counts)
            body = self._vector(body_counts) if body_counts else {}
            sid, _score = self._best(vec, body, hours)
            if sid is None:
                sid = "s" + aid
                while sid in self.stories:  # an id reused after its story emptied and came back
                    sid += "x"
                self.stories[sid] = _Story(id=sid)
            story = self.stories[sid]
            self._join(story, aid, article.get("content_hash", ""), vec, body, hours)
            changed.add(sid)
            return sid, changed

    def _join(
        self, story: _Story, aid: str, chash: str, vec: dict[str, float], body: dict[str, float], hours: float
    ) -> None:
        story.add_vector(aid, vec)
        story.members[aid] = chash
        if body:
            story.bodies.append((aid, body))
            if len(story.bodies) > self.params.max_bodies:
                del story.bodies[1]  # keep the first report and the latest ones
        story.first, story.last = min(story.first, hours), max(story.last, hours)
        self.story_of[aid] = story.id
        if story.last >= self._now - self.params.window_hours:
            self._index_story(story)
        else:  # a late report of a story already out of the window
            story.forget_vectors()

    def remove(self, article_ids: Iterable[str]) -> set[str]:
        """Take articles out of their stories; an emptied story is gone. Returns the ids
        of the stories that changed."""
        with self.lock:
            changed: set[str] = set()
            for aid in article_ids:
                sid = self.story_of.pop(aid, None)
                self._uncount(aid)
                if sid is None:
                    continue
                story = self.stories[sid]
                was_live = story.live
                self._unindex_story(story)
                story.members.pop(aid, None)
                story.drop_vector(aid)
                story.bodies = [(a, b) for a, b in story.bodies if a != aid]
                changed.add(sid)
                if not story.members:
                    del self.stories[sid]
                elif was_live:
                    self._index_story(story)
            return changed

    # -- loading

    @classmethod
    def load(cls, store: Any, params: StorySettings | None = None) -> StoryIndex:
        """The story index of a store, rebuilt from its stories and articles."""
        with store.lock:
            idx = cls(params)
            articles = {a["id"]: a for a in store.iter_articles()}
            idx.restore(store.iter_stories(), articles)
            idx.generation = store.generation
        return idx

    def restore(self, stories: Iterable[dict[str, Any]], articles: dict[str, dict[str, Any]]) -> None:
        """Rebuild from stored story records (``{"id", "members": {article id: hash}}``)
        and the stored articles, in the order the articles were published."""
        with self.lock:
            placed: list[tuple[float, int, str, str]] = []
            clustered_as: dict[str, str] = {}  # the content each article had when it was clustered
            for record in stories:
                for aid, chash in record.get("members", {}).items():
                    article = articles.get(aid)
                    if article is not None:
                        placed.append((article_hours(article), article.get("seq", 0), aid, record["id"]))
                        clustered_as[aid] = chash
            placed.sort()
            vectors = []
            for hours, _seq, aid, sid in placed:
                article = articles[aid]
                counts = headline_terms(article, self.params.lead_weight)
                body_counts = _body_terms(article)
                self._count(aid, list(counts) + list(body_counts))
                vectors.append((hours, aid, sid, counts, body_counts))
            for hours, aid, sid, counts, body_counts in vectors:
                self._advance(hours)
                story = self.stories.setdefault(sid, _Story(id=sid))
                body = self._vector(body_counts) if body_counts else {}
                self._join(story, aid, clustered_as[aid], self._vector(counts), body, hours)

    def record(self, sid: str) -> dict[str, Any] | None:
        """What the store keeps of a story (``None`` if it is gone)."""
        story = self.stories.get(sid)
        if story is None:
            return None
        return {
            "id": sid,
            "members": dict(story.members),
            "first_seen": _iso(story.first),
            "last_seen": _iso(story.last),
        }


def _iso(hours: float) -> str:
    if not math.isfinite(hours):
        return ""
    return dt.datetime.fromtimestamp(hours * 3600.0, dt.UTC).isoformat(timespec="seconds")


def representative(articles: Sequence[dict[str, Any]]) -> int:
    """The position of the article whose headline and lead are closest to all the others'
    (the story's medoid by TF-IDF cosine, using English word rarity); the earliest on ties."""
    if len(articles) <= 2:
        return 0
    prior = _prior()
    vectors = [_unit({t: c * prior.get(t, 8.0) for t, c in headline_terms(a).items()}) for a in articles]
    centroid: dict[str, float] = collections.defaultdict(float)
    for vec in vectors:
        for t, w in vec.items():
            centroid[t] += w
    scores = [_dot(vec, centroid) for vec in vectors]
    return max(range(len(articles)), key=lambda i: (scores[i], -i))


# -- the store-level API --------------------------------------------------------------


def _order(article: dict[str, Any]) -> tuple[float, int, str]:
    return (article_hours(article), article.get("seq", 0), article["id"])


def cluster_pending(store: Any, idx: StoryIndex) -> list[str]:
    """Put every article that is in no story, or changed since it was put in one, into
    its story (in ``idx``, the store's story index), in the order they were published;
    one write. Returns the story ids that changed. Idempotent: a second call finds
    nothing to do."""
    with idx.lock:
        pending_ids = []
        for aid, chash in store.article_hashes().items():
            sid = idx.story_of.get(aid)
            if sid is None or idx.stories[sid].members.get(aid) != chash:
                pending_ids.append(aid)
        pending = [a for a in map(store.get_article, pending_ids) if a is not None]
        if not pending:
            return []
        changed: set[str] = set()
        for article in sorted(pending, key=_order):
            _sid, touched = idx.assign(article)
            changed |= touched
        _persist(store, idx, changed)
        return sorted(changed)


def forget_articles(store: Any, idx: StoryIndex, article_ids: Iterable[str]) -> list[str]:
    """Take pruned articles out of their stories (an emptied story is removed); one write."""
    with idx.lock:
        changed = idx.remove(list(article_ids))
        if changed:
            _persist(store, idx, changed)
        return sorted(changed)


def _persist(store: Any, idx: StoryIndex, changed: Iterable[str]) -> None:
    records, gone = [], []
    for sid in changed:
        record = idx.record(sid)
        (records.append(record) if record is not None else gone.append(sid))
    store.put_stories(records, remove=gone)
    idx.generation = store.generation
