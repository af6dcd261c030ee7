"""The entity index's records as the store keeps and reads them: no entity rules here.

The entity index (:mod:`summaries.index`) owns what an entity *is* (its name, type, the
names a lookup reaches it by, the roles its card shows) and writes it in the ``entities``
documents: ``a:<article>`` (what an article contributed, the source of truth) and
``e:<entity>`` (the entity as the index sees it; see
:mod:`summaries.index.entity_index`). A store that answers ``/who`` by queries keeps
rows derived from those documents: the ``e:`` document's fields as they are, and what
only adds up across articles (sources, references, co-mentions, stories), computed here
from the ``a:`` documents with no rule of the index.

:class:`EntityReads` is what ``/who`` (:mod:`summaries.index.lookup`) asks of whatever
holds the index: the in-memory index answers it from memory, a server store from its
rows (see ``NewsStore.entity_reads``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol

from rapidfuzz import fuzz, process

__all__ = [
    "EntityReads",
    "EntityTotals",
    "Head",
    "Ref",
    "Choices",
    "EntityLookupDoc",
    "name_token",
    "surname_of",
    "entity_doc_fields",
    "sentence_of",
    "co_pairs",
    "PERSON",
]

PERSON = "person"  # the type the index gives people (summaries.nlp.entities.PERSON): they have surnames


def name_token(name: str) -> str:
    """A short stable token for a name (``/who`` button payloads): 16 hex digits of its SHA-1."""
    return hashlib.sha1(name.encode()).hexdigest()[:16]


class Head(NamedTuple):
    """What ranks an entity: its name, articles, last date and mentions."""

    name: str
    articles: int
    last: str
    mentions: int


@dataclasses.dataclass(frozen=True, slots=True)
class EntityTotals:
    """One entity as ``/who`` reads it. ``surfaces`` are the forms the news wrote (with
    their counts, in the order they came); ``roles`` are the ones its card shows, best
    first. Read ``brief``, ``roles`` is empty and ``first`` may be."""

    key: str
    name: str
    type: str
    surfaces: Mapping[str, int]
    roles: Sequence[str]
    articles: int
    mentions: int
    first: str
    last: str

    @property
    def rank(self) -> tuple[int, str]:
        return self.articles, self.last


@dataclasses.dataclass(frozen=True, slots=True)
class Ref:
    """One article's mention of an entity: its date and order, headline and sentence."""

    article: str
    date: str
    seq: int
    headline: str
    sentence: str


class Choices:
    """Every distinct lookup name and surname (what rapidfuzz searches), also grouped by
    length: a name whose length alone keeps its ratio under a cutoff is not scored."""

    __slots__ = ("names", "surnames", "_names_by_len", "_surnames_by_len", "_by_words")

    def __init__(self, names: Sequence[str], surnames: Sequence[str]) -> None:
        self.names, self.surnames = names, surnames
        self._names_by_len = _by_length(names)
        self._surnames_by_len = _by_length(surnames)
        by_words: dict[int, list[str]] = {}
        for name in names:
            by_words.setdefault(len(name.split()), []).append(name)
        self._by_words = {n: _by_length(group) for n, group in by_words.items()}

    def extract(
        self, query: str, *, cutoff: float, limit: int, surnames: bool = False, words: int | None = None
    ) -> list[tuple[str, float]]:
        """``rapidfuzz.process.extract(query, names, scorer=fuzz.ratio, ...)``: the
        ``limit`` best (name, score) at or above ``cutoff``, best first; only names of a
        length that can reach the cutoff are scored (``fuzz.ratio`` is at most
        ``200 * min(len) / (len + len')``). With ``words``, only names of that many words."""
        if words is not None:
            groups = self._by_words.get(words, {})
        else:
            groups = self._surnames_by_len if surnames else self._names_by_len
        n = len(query)
        r = cutoff / 100.0
        lo = int(n * r / (2 - r)) - 1 if r < 2 else 0
        hi = int(n * (2 - r) / r) + 1 if r > 0 else max(groups, default=0)
        found: list[tuple[str, float, int]] = []
        for length, group in groups.items():
            if lo <= length <= hi:
                found += [
                    (c, score, i)
                    for c, score, i in process.extract(
                        query, group, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff
                    )
                ]
        found.sort(key=lambda x: -x[1])
        return [(c, score) for c, score, _ in found[:limit]]


def _by_length(names: Sequence[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for name in names:
        out.setdefault(len(name), []).append(name)
    return out


class EntityReads(Protocol):
    """The reads ``/who`` answers from (:func:`summaries.index.lookup.lookup`): the
    in-memory entity index implements them from memory, a server store with queries."""

    def reading(self) -> AbstractContextManager[Any]:
        """Held while one answer reads (a consistent view: a lock, or one connection)."""

    def entity_keys(self, names: Sequence[str], *, surnames: bool = False) -> dict[str, list[str]]:
        """Folded lookup name (or, with ``surnames``, surname) -> keys of the entities it reaches, in key order."""

    def entity_totals(self, keys: Iterable[str], *, brief: bool = False) -> dict[str, EntityTotals]:
        """These entities (missing ones left out); ``brief``: without roles (what names and ranks need)."""

    def entity_heads(self, keys: Iterable[str]) -> dict[str, Head]:
        """The heads of these entities; missing ones left out."""

    def entity_sources(self, key: str) -> dict[str, int]:
        """Source name -> articles of an entity from it."""

    def entity_co(self, key: str, limit: int) -> list[tuple[str, int]]:
        """An entity's ``limit`` most frequent co-mentions (other key, articles together),
        most first, then in order of first occurrence."""

    def entity_refs(self, key: str, limit: int, *, skip: Sequence[str] = ()) -> list[Ref]:
        """An entity's newest references (by date, then order), leaving out the articles in ``skip``."""

    def entity_story_count(self, key: str, *, skip: Sequence[str] = ()) -> int:
        """Distinct stories among an entity's articles (one not clustered counts alone),
        leaving out the articles in ``skip``."""

    def entity_hidden_refs(self, key: str, sources: Sequence[str]) -> list[tuple[str, bool, list[str]]]:
        """(article, whether it is stored, its ``also_in``) of an entity's references from these sources."""

    def entity_span(self, key: str, *, skip: Sequence[str] = ()) -> tuple[str, str]:
        """The first and last date of an entity's references, leaving out the articles in ``skip``."""

    def entity_keys_of_articles(self, article_ids: Sequence[str]) -> dict[str, list[str]]:
        """Article -> keys of the entities it mentions."""

    def entity_choices(self) -> Choices:
        """The names and surnames a fuzzy lookup searches."""

    def entity_by_token(self, token: str) -> str | None:
        """The name of the entity whose name's :func:`name_token` is ``token``."""

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article -> story id, for those clustered."""


# -- rows from the documents ---------------------------------------------------------


class EntityLookupDoc(NamedTuple):
    """What an ``e:`` document says of its entity for ``/who`` (see :func:`entity_doc_fields`)."""

    name: str
    type: str
    lookup: list[str]  # the folded names a lookup reaches it by
    surfaces: list[tuple[str, int]]
    roles: list[str]  # the roles its card shows
    articles: int
    mentions: int
    first: str
    last: str


def entity_doc_fields(doc: Mapping[str, Any]) -> EntityLookupDoc:
    """The ``/who`` fields of an ``e:`` document. A document written before they were
    added (``lookup`` missing) gives its name's forms and shown roles as they are; the
    index writes it again whole (``summaries.index.entity_index.refresh_entity_documents``)."""
    name = str(doc.get("name", ""))
    surfaces = doc.get("surfaces")
    if surfaces is None:
        surfaces = [(name, 1)] + [(s, 1) for s in doc.get("aliases", ()) if s != name]
    return EntityLookupDoc(
        name=name,
        type=str(doc.get("type", "")),
        lookup=list(doc.get("lookup", ())),
        surfaces=[(str(s), int(n)) for s, n in surfaces],
        roles=list(doc.get("card_roles", doc.get("roles", ()))),
        articles=int(doc.get("articles", 0)),
        mentions=int(doc.get("mentions", 0)),
        first=str(doc.get("first_seen", "")),
        last=str(doc.get("last_seen", "")),
    )


def surname_of(key: str, kind: str, articles: int) -> str:
    """The surname a bare-surname lookup offers an entity under ('' if none): the last
    word of a multi-word person's key."""
    words = key[2:].split()
    return words[-1] if len(words) > 1 and articles and kind == PERSON else ""


def sentence_of(doc: Mapping[str, Any], key: str) -> str:
    """The sentence an ``a:`` document gives for one of its entities."""
    s = doc.get("ents", {}).get(key, {}).get("s", "")
    sents = doc.get("sents", [])
    return sents[s] if isinstance(s, int) and s < len(sents) else str(s)


def co_pairs(doc: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """(entity, other entity, position) for every pair an ``a:`` document mentions
    together: the co-mentions it adds or takes away. The position orders an entity's
    co-mentions as the in-memory index's counters do (by first occurrence)."""
    keys = list(doc.get("ents", {}))
    return [(a, b, i) for a in keys for i, b in enumerate(keys) if b != a]
