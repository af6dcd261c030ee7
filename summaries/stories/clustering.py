"""Stories: every report of one news event grouped under one story, online.

Twenty outlets carry the same event; a briefing should say it once, and two happenings
about one firm or person must not share a slot. As articles arrive (in time order),
:class:`StoryIndex` puts each one into the story of the happening it reports, or starts a
new story. The signals it combines (each can be left out, see :data:`SIGNALS`, and
``bench/eval_stories.py --ablation`` measures each):

* **eventless**: words that name no happening (dates, "update", "things", section names;
  ``data/eventless.txt``) and years are no evidence (:mod:`summaries.stories.signals`).
* **store-idf**: term weights blend the store's own document frequencies (a topic every
  outlet covers weighs less than what tells its happenings apart) with English rarity
  from ``wordfreq`` (so a fresh store weighs words as well as an old one).
* **names**: spelling and form variants of a name are one term ("Mt. Gox"/"MtGox",
  "Beiber"/"Bieber").
* **actions**: the forms of one action are one term ("ousts", "sacked" -> oust;
  ``data/actions.txt``).
* **clause**: the words of a headline's subordinate turn ("Xbox Live down as Titanfall
  launches") count ``clause_weight``: the happening reported is the main clause's.
* **lead**, **url**: the first sentence of the body and the words of the URL's slug, at
  half weight next to the headline.
* **time**: evidence halves every ``decay_hours`` between the report and the story's
  median report (never its latest, so one late member does not carry a story along).
* **outlet**: a second, different report from an outlet already in the story weighs less.
* **members**: the evidence is half the similarity to the story's centroid, half the mean
  similarity to the ``support_k`` closest members (a join needs reports that back it).
* **novelty**: the article's weight on words no member of the story has (another actor,
  another action) counts against joining.
* **split**: a story whose members fall into two tight, mutually distant groups is split
  as it grows (:mod:`summaries.stories.split`).
* **outlet-groups**: a tight group of a story whose rest is loose splits off too when most
  of its reports come from outlets that also report the rest (an outlet's second report
  of a topic, tightly grouped with others, tells another happening).
* **merge**: two live stories of one event that grew apart (each told it in other words
  before either held the other's) are merged when a story reaches one of ``MERGE_SIZES``
  and the mean similarity across their members is at least ``MERGE_MIN`` (and no less than
  the split check allows: a merge never undoes a split). With it the join is stricter
  (``NOVELTY_SCALE``): two small stories of one event join later, a topic story less often.
* **rehome**: when a story reaches one of ``MERGE_SIZES``, the members of the few live
  stories closest to it (``query_stories``, found by its heaviest words) that fit it better
  than their own story (by the join's own evidence, each left out of its own story) move
  to it: a report that joined a topic story before its own event's story had grown goes
  home (:func:`split.find_strays`).

Candidates come from an inverted index of the live stories' words (the stories seen within
``window_hours``), looked up by the article's heaviest uncommon words: no scan, so the
cost of an article does not grow with the store. Full texts are compared as such, in any
language (:mod:`summaries.stories.fulltext`); a near copy of a body joins its original.

The index is deterministic: the same articles in the same order give the same stories.
It is rebuilt from the store (the ``stories`` table records which article is in which
story, and with which content) when a process starts.
"""

from __future__ import annotations

import collections
import datetime as dt
import heapq
import math
import threading
from collections.abc import Iterable
from typing import Any

from newsbrief.summaries.config import StorySettings
from newsbrief.summaries.stories.fulltext import (
    MIN_BODY_CHARS,
    FullTexts,
    article_language,
    body_vector,
    full_text_counts,
)
from newsbrief.summaries.stories.signals import LANGUAGES, NameForms, content_words, dot, prior_rarity, unit
from newsbrief.summaries.stories.split import SplitRule, find_split, find_strays, find_twin
from newsbrief.summaries.stories.state import StoryState, article_hours
from newsbrief.summaries.stories.terms import headline_terms, representative

__all__ = [
    "SIGNALS",
    "StoryIndex",
    "article_hours",
    "headline_terms",
    "content_words",
    "representative",
    "cluster_pending",
    "forget_articles",
]

# The signals the index combines; each can be switched off (``StoryIndex(disabled=...)``)
# to measure what it adds (bench/eval_stories.py prints that ablation).
SIGNALS = (
    "eventless",
    "store-idf",
    "names",
    "actions",
    "clause",
    "lead",
    "url",
    "time",
    "outlet",
    "members",
    "novelty",
    "split",
    "outlet-groups",
    "merge",
    "rehome",
)

_unit, _dot = unit, dot
MERGE_SIZES = frozenset({3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256})  # sizes a story looks for its twin at
MERGE_MIN = 0.15  # two stories whose members' mean cross similarity reaches this are one event
# the novelty penalty applied is this times StorySettings.novelty_penalty: with stories
# of one event merging again (MERGE_MIN), a stricter join costs less recall
NOVELTY_SCALE = 1.5
QUERY_RARITY = 2.5  # 8 minus Zipf frequency: terms more common than this find no candidates


# -- the index ---------------------------------------------------------------------------


class StoryIndex:
    """The stories of one store, in memory: which article is in which story, and an
    inverted index of the live stories' words for finding candidates. ``disabled``: names
    of :data:`SIGNALS` to leave out (for measuring what each adds)."""

    def __init__(self, params: StorySettings | None = None, *, disabled: Iterable[str] = ()) -> None:
        self.params = params or StorySettings()
        self.disabled = frozenset(disabled)
        unknown = self.disabled - set(SIGNALS)
        if unknown:
            raise ValueError(f"unknown signals: {sorted(unknown)}")
        self.stories: dict[str, StoryState] = {}
        self.story_of: dict[str, str] = {}
        self.df: collections.Counter[str] = collections.Counter()
        self.docs = 0
        self.names = NameForms()
        p = self.params
        self.split_rule = SplitRule(
            p.split_min_group,
            p.split_tight,
            p.split_ratio,
            p.split_inside,
            p.split_outside,
            p.split_terms,
            p.split_outlet_share if self._on("outlet-groups") else 2.0,
        )
        self._postings: dict[str, set[str]] = collections.defaultdict(set)
        self._full = FullTexts()  # the live stories' full texts, by their heaviest terms and names
        self._expiry: list[tuple[float, str]] = []  # (last seen, story id), a min-heap
        self._now = -math.inf
        self._terms: dict[str, tuple[str, ...]] = {}  # article id -> its distinct terms (for df)
        self.generation: Any = None  # the store generation this index was built from
        self.lock = threading.RLock()

    def _on(self, signal: str) -> bool:
        return signal not in self.disabled

    # -- weights

    def _idf(self, term: str, lang: str = "en") -> float:
        prior = prior_rarity(term, lang)
        if not self._on("store-idf"):
            return prior
        corpus = math.log((self.docs + 1) / (self.df.get(term, 0) + 0.5))
        share = self.params.store_idf_share
        return share * corpus + (1.0 - share) * prior

    def _vector(self, counts: dict[str, float], lang: str = "en") -> dict[str, float]:
        return _unit({t: c * self._idf(t, lang) for t, c in counts.items()})

    def _body_vector(self, counts: dict[str, float], lang: str) -> dict[str, float]:
        return body_vector(counts, lang, self.df, self.docs, self.params.store_idf_share)

    def _article_terms(self, article: dict[str, Any]) -> tuple[dict[str, float], dict[str, float], str]:
        """An article's headline-and-lead and body term counts, name variants read as the
        form seen before, and the language of its full text ("en" for a headline-only item)."""
        lead_weight = self.params.lead_weight if self._on("lead") else 0.0
        names = self._on("names")
        slug_weight = self.params.slug_weight if self._on("url") else 0.0
        lang = article_language(article) if len(article.get("body") or "") >= MIN_BODY_CHARS else "en"
        body_counts = full_text_counts(article, lang)
        if body_counts:
            self._full.learn(article["id"], article, lang)
        # the subordinating words are English ones: a body in another language keeps only
        # the turns every language shares (a semicolon, a spaced dash)
        english = not body_counts or lang == "en"
        counts = headline_terms(
            article,
            lead_weight,
            slug_weight=slug_weight,
            drop_eventless=self._on("eventless"),
            join_parts=names,
            actions=self._on("actions"),
            tail_weight=self.params.clause_weight if self._on("clause") else 1.0,
            clause_words=english,
        )
        if names:
            merged: dict[str, float] = {}
            for t, c in counts.items():
                form = self.names.canonical(t, self.df.get(t, 0))
                merged[form] = merged.get(form, 0.0) + c
            counts = merged
        return counts, body_counts, lang if body_counts else "en"

    def _count(self, aid: str, terms: Iterable[str]) -> None:
        distinct = tuple(set(terms))
        self._terms[aid] = distinct
        self.df.update(distinct)
        self.docs += 1
        for t in distinct:
            self.names.learn(t, self.df[t])

    def _uncount(self, aid: str) -> None:
        distinct = self._terms.pop(aid, None)
        if distinct is None:
            return
        self.df.subtract(distinct)
        self.docs -= 1

    # -- live window

    def _index_story(self, story: StoryState) -> None:
        for term in story.centroid:
            self._postings[term].add(story.id)
        self._full.add(story.id, story.bodies)
        story.live = True
        heapq.heappush(self._expiry, (story.last, story.id))

    def _unindex_story(self, story: StoryState) -> None:
        if not story.live:
            return
        for term in story.centroid:
            posting = self._postings.get(term)
            if posting is not None:
                posting.discard(story.id)
                if not posting:
                    del self._postings[term]
        self._full.discard(story.id, story.bodies)
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

    def _candidates(self, vec: dict[str, float], body: dict[str, float], lang: str = "en", aid: str = "") -> set[str]:
        """Live stories sharing one of the article's heaviest terms; the most common
        English words (Zipf frequency above 5.5: "after", "over", "new") find none. A full
        text (in ``lang``) also finds the stories whose full texts share its heaviest terms."""
        found: set[str] = set()
        head = lang if lang in LANGUAGES else "en"
        for source in (vec, body):
            heaviest = sorted(source.items(), key=lambda kv: (-kv[1], kv[0]))[: self.params.query_terms]
            for term, _w in heaviest:
                if prior_rarity(term, head) >= QUERY_RARITY:
                    found |= self._postings.get(term, set())
        return found | (self._full.find(aid, body, lang) if body else set())

    def _score(self, story: StoryState, vec: dict[str, float], hours: float, outlet: str) -> float:
        """Headline-and-lead evidence that the article reports the story's event."""
        p = self.params
        score = story.similarity(vec)
        if self._on("members"):
            score = 0.5 * score + 0.5 * story.support(vec, p.support_k)
        if self._on("novelty"):
            # what the article adds that no report of the story has: another happening's words
            novel = sum(w * w for t, w in vec.items() if t not in story.holders)
            score -= NOVELTY_SCALE * p.novelty_penalty * novel
        if self._on("time"):
            score *= 0.5 ** (story.gap_hours(hours) / p.decay_hours)
        if self._on("outlet") and story.by_outlet.get(outlet):
            # one outlet rarely reports one event twice, unless it updates its own report
            own = [_dot(vec, story.vectors[a]) for a in story.by_outlet[outlet] if a in story.vectors]
            if max(own, default=0.0) < p.copy_threshold:
                score *= 1.0 - p.outlet_penalty
        return score

    def _best(
        self, vec: dict[str, float], body: dict[str, float], hours: float, outlet: str, lang: str = "en", aid: str = ""
    ) -> tuple[str | None, float]:
        p = self.params
        best_id, best_score = None, 0.0
        found = []
        for sid in sorted(self._candidates(vec, body, lang, aid)):
            story = self.stories[sid]
            if hours - story.last > p.window_hours:
                continue
            found.append((story.similarity(vec), sid))
        # the full evidence for the few stories closest by centroid (and any holding a body)
        found.sort(key=lambda x: (-x[0], x[1]))
        for rank, (_sim, sid) in enumerate(found):
            story = self.stories[sid]
            if rank >= p.query_stories and not (body and story.bodies):
                continue
            score = self._score(story, vec, hours, outlet)
            if body and story.bodies:  # two full texts: they must also tell the same story
                score = self._full.score(aid, score, body, story.bodies, p)
            elif score < p.threshold:
                score = 0.0
            if score > best_score:
                best_id, best_score = sid, score
        return best_id, best_score

    def _new_id(self, aid: str) -> str:
        sid = "s" + aid
        while sid in self.stories:  # an id reused after its story emptied and came back
            sid += "x"
        return sid

    def assign(self, article: dict[str, Any]) -> tuple[str, set[str]]:
        """Put one article into its story (a new one if none fits). Returns the story id
        and the ids of every story that changed (a re-clustered article may leave one, a
        story that turns out to hold two events splits in two)."""
        with self.lock:
            aid = article["id"]
            changed: set[str] = set()
            if aid in self.story_of:
                changed |= self.remove([aid])
            hours = article_hours(article)
            self._advance(hours)
            counts, body_counts, lang = self._article_terms(article)
            self._count(aid, list(counts) + list(body_counts))
            vec = self._vector(counts, lang if lang in LANGUAGES else "en")
            body = self._body_vector(body_counts, lang) if body_counts else {}
            outlet = _outlet(article)
            sid, _score = self._best(vec, body, hours, outlet, lang, aid)
            if sid is None:
                sid = self._new_id(aid)
                self.stories[sid] = StoryState(id=sid)
            story = self.stories[sid]
            self._join(story, aid, article.get("content_hash", ""), vec, body, hours, outlet)
            changed.add(sid)
            if self._on("merge") and story.live and len(story.members) in MERGE_SIZES:
                merged = self._merge(story, lang if lang in LANGUAGES else "en")
                if merged is not None:
                    changed |= set(merged)
                    story = self.stories[merged[0]]
                    sid = story.id
            if self._on("rehome") and story.live and len(story.members) in MERGE_SIZES:
                changed |= self._rehome(story, lang if lang in LANGUAGES else "en")
            if self._on("split") and story.live:
                seeds = sorted(vec, key=lambda t: (-vec[t], t))[: self.params.split_seeds]
                other = self._split(story, seeds)
                if other is not None:
                    changed.add(other)
                    sid = self.story_of[aid]
            return sid, changed

    def _join(
        self,
        story: StoryState,
        aid: str,
        chash: str,
        vec: dict[str, float],
        body: dict[str, float],
        hours: float,
        outlet: str = "",
    ) -> None:
        story.add_vector(aid, vec)
        story.members[aid] = chash
        story.hours[aid] = hours
        story._middle = None
        story.outlets[aid] = outlet
        if outlet:
            story.by_outlet.setdefault(outlet, set()).add(aid)
        if body:
            story.bodies.append((aid, body))
            if len(story.bodies) > self.params.max_bodies:
                del story.bodies[1]  # keep the first report and the latest ones
        story.first, story.last = min(story.first, hours), max(story.last, hours)
        self.story_of[aid] = story.id
        if story.live:  # already indexed: only the new report's terms, and its expiry
            for term in vec:
                self._postings[term].add(story.id)
            self._full.add(story.id, [(aid, body)] if body else [])
            if story.last == hours:
                heapq.heappush(self._expiry, (story.last, story.id))
        elif story.last >= self._now - self.params.window_hours:
            self._index_story(story)
        else:  # a late report of a story already out of the window
            story.forget_vectors()

    def _neighbours(self, story: StoryState, lang: str = "en") -> tuple[list[str], set[str]]:
        """``story``'s heaviest uncommon terms, and the other live stories holding one."""
        heaviest = sorted(story.centroid.items(), key=lambda kv: (-kv[1], kv[0]))[: self.params.query_terms]
        terms = [t for t, _w in heaviest if prior_rarity(t, lang) >= QUERY_RARITY]
        return terms, set().union(*(self._postings.get(t, set()) for t in terms)) - {story.id}

    def _merge(self, story: StoryState, lang: str = "en") -> tuple[str, str] | None:
        """Join ``story`` with its twin (:func:`split.find_twin`); the kept and gone ids."""
        _terms, found = self._neighbours(story, lang)
        others = [self.stories[o] for o in sorted(found)]
        best = find_twin(story, others, MERGE_MIN, self.params.split_ratio, self.params.decay_hours)
        if best is None:
            return None
        keep, gone = (best, story) if len(best.members) >= len(story.members) else (story, best)
        self._unindex_story(gone)
        for aid in sorted(gone.members, key=lambda a: (gone.hours[a], a)):
            vec = gone.vectors.get(aid, {})
            body = next((b for a, b in gone.bodies if a == aid), {})
            self._join(keep, aid, gone.members[aid], vec, body, gone.hours[aid], gone.outlets[aid])
        del self.stories[gone.id]
        return keep.id, gone.id

    def _split(self, story: StoryState, seed: list[str]) -> str | None:
        """Split off the members of a second event, if the story holds one (see
        :mod:`summaries.stories.split`); returns the new story's id."""
        group = find_split(
            story.vectors, story.holders, story.centroid, story.sqnorm, seed, self.split_rule, story.outlets
        )
        if not group:
            return None
        first = min(group, key=lambda a: (story.hours[a], a))
        new = StoryState(id=self._new_id(first))
        self.stories[new.id] = new
        self._move(story, new, group)
        return new.id

    def _rehome(self, story: StoryState, lang: str = "en") -> set[str]:
        """Move to ``story`` the members of other live stories that fit it better than
        their own (:func:`split.find_strays`); the ids of the stories that changed."""
        terms, found = self._neighbours(story, lang)
        changed: set[str] = set()
        closest = sorted((-self.stories[o].similarity(story.centroid), o) for o in found)
        for _sim, oid in closest[: self.params.query_stories]:  # the few closest, as for a join
            other = self.stories[oid]
            if len(other.vectors) < 3 or abs(other.middle() - story.middle()) > self.params.decay_hours:
                continue
            strays = find_strays(story, other, terms, self.params.support_k)
            if strays:
                self._move(other, story, strays)
                changed |= {oid, story.id}
        return changed

    def _move(self, src: StoryState, dst: StoryState, aids: Iterable[str]) -> None:
        """Move members ``aids`` of ``src`` to ``dst`` (in time order)."""
        moved = sorted(aids, key=lambda a: (src.hours[a], a))
        self._unindex_story(src)
        for aid in moved:
            vec = src.vectors[aid]
            body = next((b for a, b in src.bodies if a == aid), {})
            chash, hours, outlet = src.members.pop(aid), src.hours.pop(aid), src.outlets.pop(aid)
            src.by_outlet.get(outlet, set()).discard(aid)
            src.drop_vector(aid)
            self._join(dst, aid, chash, vec, body, hours, outlet)
        gone = set(moved)
        src.bodies = [(a, b) for a, b in src.bodies if a not in gone]
        src.rebound()
        self._index_story(src)

    def remove(self, article_ids: Iterable[str]) -> set[str]:
        """Take articles out of their stories; an emptied story is gone. Returns the ids
        of the stories that changed."""
        with self.lock:
            changed: set[str] = set()
            for aid in article_ids:
                sid = self.story_of.pop(aid, None)
                self._uncount(aid)
                self._full.forget(aid)
                if sid is None:
                    continue
                story = self.stories[sid]
                was_live = story.live
                self._unindex_story(story)
                story.members.pop(aid, None)
                story.hours.pop(aid, None)
                story.by_outlet.get(story.outlets.pop(aid, ""), set()).discard(aid)
                story.drop_vector(aid)
                story.bodies = [(a, b) for a, b in story.bodies if a != aid]
                story.rebound()
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
                counts, body_counts, lang = self._article_terms(article)
                self._count(aid, list(counts) + list(body_counts))
                vectors.append((hours, aid, sid, counts, body_counts, lang, _outlet(article)))
            for hours, aid, sid, counts, body_counts, lang, outlet in vectors:
                self._advance(hours)
                story = self.stories.setdefault(sid, StoryState(id=sid))
                body = self._body_vector(body_counts, lang) if body_counts else {}
                vec = self._vector(counts, lang if lang in LANGUAGES else "en")
                self._join(story, aid, clustered_as[aid], vec, body, hours, outlet)

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


def _outlet(article: dict[str, Any]) -> str:
    return (article.get("source") or article.get("agency") or "").strip().casefold()


def _iso(hours: float) -> str:
    if not math.isfinite(hours):
        return ""
    return dt.datetime.fromtimestamp(hours * 3600.0, dt.UTC).isoformat(timespec="seconds")


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
