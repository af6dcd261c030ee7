"""The entity index in memory: mentions merged into entities, and the reads ``/who``
answers from (:class:`MemoryReads`, the in-memory :class:`~summaries.store.entity_rows.EntityReads`).

See :mod:`summaries.index.entity_index` for the documents it is kept in and the
functions that keep it.
"""

from __future__ import annotations

import contextlib
import heapq
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsbrief.summaries.index.contributions import UNSURE, WORK, card_roles, contribution, decode_ents, role_rank
from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp.entities import EVENT, ORG, PERSON, PLACE, PRODUCT, Extracted
from newsbrief.summaries.store.base import NewsStore
from newsbrief.summaries.store.entity_rows import Choices, EntityTotals, Head, Ref, name_token

__all__ = ["EntityIndex", "MemoryReads"]

WORK_ARTICLES = 2  # ... a name is a work when at least this many articles say so
WORK_SHARE = 8  # ... and they are at least an eighth of its articles
_TYPE_RANK = {PERSON: 0, ORG: 1, EVENT: 2, PLACE: 3, PRODUCT: 4}


@dataclass(slots=True)
class _Article:
    id: str
    date: str
    headline: str
    seq: int
    ents: dict[str, dict[str, Any]]  # key -> contribution (see module docstring)
    version: str = ner.RULES_VERSION  # the extraction rules it was indexed with

    @property
    def order(self) -> tuple[str, int]:
        return self.date, self.seq


@dataclass(slots=True)
class _Entity:
    key: str
    types: Counter = field(default_factory=Counter)
    names: Counter = field(default_factory=Counter)
    surfaces: Counter = field(default_factory=Counter)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)  # folded -> {"text", "n", "dates"}
    articles: set[str] = field(default_factory=set)
    mentions: int = 0
    co: Counter = field(default_factory=Counter)
    last: str = ""
    aliases: frozenset[str] = frozenset()  # folded lookup keys currently registered
    named: tuple[str, str] | None = None  # (name, type) as last worked out; None once its counts change

    @property
    def type(self) -> str:
        """The type most of its mentions give it, across all articles; ``"?"`` for a lone
        word only ever called a person without a given name, title or role."""
        if self.named is None:
            self.named = self._name_and_type()
        return self.named[1]

    @property
    def name(self) -> str:
        if self.named is None:
            self.named = self._name_and_type()
        return self.named[0]

    def _name_and_type(self) -> tuple[str, str]:
        votes = [(k, v) for k, v in self.types.items() if v > 0 and k != WORK]
        said = self.types.get(WORK, 0)
        if said >= WORK_ARTICLES and said * WORK_SHARE >= len(self.articles):
            kind = PRODUCT  # "the film Vera Drake" in enough articles: the film, also where a person was read
        elif not votes:
            kind = PERSON if self.key.startswith("p:") else ORG
        else:  # an unsure vote only wins outright: on a tie the other type stands
            kind = max(votes, key=lambda kv: (kv[1], kv[0] != UNSURE, -_TYPE_RANK.get(kv[0], 9)))[0]
        if not self.names:
            return self.key[2:], kind
        multi = kind == PERSON
        return max(
            self.names.items(), key=lambda kv: ((len(kv[0].split()) > 1) if multi else 0, kv[1], len(kv[0]), kv[0])
        )[0], kind


class EntityIndex:
    """The index in memory. Not thread-safe by itself: the module functions hold the store's lock."""

    def __init__(self) -> None:
        self.entities: dict[str, _Entity] = {}
        self.articles: dict[str, _Article] = {}
        self.names: dict[str, set[str]] = {}  # folded alias -> entity keys
        self.surnames: dict[str, set[str]] = {}  # folded last word -> multi-word person keys
        self.acronyms: dict[str, Counter] = {}  # folded acronym -> keys of the names it was defined for
        self._choices: Choices | None = None  # the names fuzzy lookups search, made again when they change
        self.outdated: set[str] = set()  # entities whose stored document lacks what /who reads (written again)
        self.dirty: set[str] = set()  # articles whose stored document is out of date
        self._stale: set[str] = set()  # entities whose lookup names need recomputing
        self._seq = 0

    # -- building ------------------------------------------------------------------

    @classmethod
    def load(cls, store: NewsStore) -> EntityIndex:
        """The index as the store's ``entities`` documents hold it."""
        idx = cls()
        docs = store.documents("entities")
        arts = [doc for doc in docs if "article" in doc]
        arts.sort(key=lambda d: d.get("seq", 0))
        for doc in arts:
            idx._add(
                _Article(
                    doc["article"],
                    doc.get("date", ""),
                    doc.get("headline", ""),
                    doc.get("seq", 0),
                    decode_ents(doc),
                    doc.get("v", 1),
                )
            )
        idx._seq = max((a.seq for a in idx.articles.values()), default=-1) + 1
        idx.dirty.clear()
        idx.sync_names()
        idx.outdated = {doc["entity"] for doc in docs if "entity" in doc and "lookup" not in doc} & set(idx.entities)
        return idx

    def _entity(self, key: str) -> _Entity:
        ent = self.entities.get(key)
        if ent is None:
            ent = self.entities[key] = _Entity(key)
        return ent

    def _add(self, art: _Article) -> set[str]:
        self.articles[art.id] = art
        self.dirty.add(art.id)
        for key, c in art.ents.items():
            ent = self._entity(key)
            for counter, add in ((ent.types, c["t"]), (ent.names, c["names"]), (ent.surfaces, c["surf"])):
                for k, v in add.items():
                    counter[k] = counter.get(k, 0) + v
            for i, role in enumerate(c["roles"]):
                rk = ner.fold(role)
                slot = ent.roles.setdefault(rk, {"text": role, "n": 0, "dates": Counter()})
                slot["n"] += 1
                slot["lead"] = slot.get("lead", 0) + (i == 0)  # articles giving it first
                slot["dates"][art.date] += 1
                if art.date >= max(slot["dates"]):
                    slot["text"] = role
            ent.articles.add(art.id)
            ent.mentions += c["n"]
            if art.date > ent.last:
                ent.last = art.date
            for acr in _defined_acronyms(c):
                self.acronyms.setdefault(acr, Counter())[key] += 1
        keys = list(art.ents)
        for a in keys:
            co = self.entities[a].co
            for b in keys:
                if a != b:
                    co[b] += 1
        touched = set(keys)
        self._refresh(touched)
        return touched

    def _remove(self, aid: str) -> set[str]:
        art = self.articles.pop(aid, None)
        if art is None:
            return set()
        keys = list(art.ents)
        for key, c in art.ents.items():
            ent = self.entities.get(key)
            if ent is None:
                continue
            for counter, sub in ((ent.types, c["t"]), (ent.names, c["names"]), (ent.surfaces, c["surf"])):
                for k, v in sub.items():
                    left = counter.get(k, 0) - v
                    if left > 0:
                        counter[k] = left
                    else:
                        counter.pop(k, None)
            for i, role in enumerate(c["roles"]):
                rk = ner.fold(role)
                slot = ent.roles.get(rk)
                if slot:
                    slot["n"] -= 1
                    slot["lead"] = max(0, slot.get("lead", 0) - (i == 0))
                    slot["dates"][art.date] -= 1
                    if slot["dates"][art.date] <= 0:
                        del slot["dates"][art.date]
                    if slot["n"] <= 0:
                        del ent.roles[rk]
            ent.articles.discard(aid)
            ent.mentions -= c["n"]
            for acr in _defined_acronyms(c):
                bucket = self.acronyms.get(acr)
                if bucket is not None:
                    bucket[key] -= 1
                    if bucket[key] <= 0:
                        del bucket[key]
                    if not bucket:
                        del self.acronyms[acr]
            for b in keys:
                if b != key:
                    ent.co[b] -= 1
                    if ent.co[b] <= 0:
                        del ent.co[b]
            if ent.last == art.date:
                ent.last = max((self.articles[a].date for a in ent.articles), default="")
        touched = set(keys)
        self._refresh(touched)
        return touched

    def _refresh(self, keys: Iterable[str]) -> None:
        """After a change to these entities: keep the surname map, drop empty entities at
        once, and queue the others for :meth:`sync_names` (names are computed in bulk)."""
        for key in keys:
            ent = self.entities.get(key)
            if ent is None:
                continue
            ent.named = None  # its counts changed
            words = key[2:].split()
            if len(words) > 1:
                if words[-1] not in self.surnames:
                    self._choices = None
                bucket = self.surnames.setdefault(words[-1], set())
                if ent.articles and ent.type == PERSON:
                    bucket.add(key)
                else:
                    bucket.discard(key)
                    if not bucket:
                        del self.surnames[words[-1]]
                        self._choices = None
            if ent.articles:
                self._stale.add(key)
            else:
                self._set_aliases(key, ent.aliases, frozenset())
                self._stale.discard(key)
                del self.entities[key]

    def _set_aliases(self, key: str, old: frozenset[str], new: frozenset[str]) -> None:
        for a in old - new:
            bucket = self.names.get(a)
            if bucket:
                bucket.discard(key)
                if not bucket:
                    del self.names[a]
                    self._choices = None
        for a in new - old:
            bucket = self.names.get(a)
            if bucket is None:
                bucket = self.names[a] = set()
                self._choices = None
            bucket.add(key)

    def sync_names(self) -> None:
        """Register the lookup names of the entities changed since the last call."""
        while self._stale:
            key = self._stale.pop()
            ent = self.entities.get(key)
            if ent is None:
                continue
            new = self._aliases_of(ent)
            if new != ent.aliases:
                self._set_aliases(key, ent.aliases, new)
                ent.aliases = new

    def _aliases_of(self, ent: _Entity) -> frozenset[str]:
        out = {ner.fold(n) for n in ent.names} | {ner.fold(s) for s in ent.surfaces}
        if ent.type == UNSURE:
            return frozenset()  # not offered until another article says what it is
        if ent.type == PERSON:
            for n in list(out):
                words = n.split()
                if len(words) > 1:
                    out.add(words[-1])
                    if len(words) > 2:
                        out.add(f"{words[0]} {words[-1]}")
        else:
            for n in list(out):
                first, _, rest = n.partition(" ")
                if first in ("exercise", "operation", "mission") and rest:
                    out.add(rest)
            canon = ent.name
            out.update(ner.aliases_of(canon))
            out.update(ner.fold(ner.strip_suffix(n)) for n in ent.names)
        out.discard("")
        return frozenset(out)

    # -- resolving names to entries ------------------------------------------------

    def _existing(self, folded: str, local: set[str], first: str = "p:") -> str | None:
        """The key of an entity with this folded name, whatever type it was given so far."""
        for prefix in (first, "n:" if first == "p:" else "p:"):
            key = prefix + folded
            if key in local or key in self.entities:
                return key
        return None

    def _resolve_person(self, name: str, local: dict[str, str], keys: set[str]) -> str:
        words = ner.fold(name).split()
        if not words:
            return "p:"
        folded = " ".join(words)
        if len(words) > 1:
            key = self._existing(folded, keys)
            if key:
                return key
            others = [k for k in self.surnames.get(words[-1], ()) if k in self.entities]
            others.sort(key=self._rank, reverse=True)
            for other in others:
                if any(ner.compatible(name, n) for n in self.entities[other].names if len(n.split()) > 1):
                    return other
            return "p:" + folded
        # a surname alone is a full name only inside its own article (the extractor did
        # that); across articles it stays itself, and lookups offer the full names
        word = words[0]
        for key in local.values():
            if key.split()[-1] == word and len(key.split()) > 1:
                return key
        return self._existing(word, keys) or "p:" + word

    def _resolve_other(self, f: Extracted, keys: set[str]) -> str:
        folded = ner.fold(f.name)
        if f.name == f.surface and _ACRONYM.match(f.surface):
            defined = self.acronyms.get(folded)
            if defined:  # "EA" where another article wrote "Electronic Arts (EA)"
                best = max(defined.items(), key=lambda kv: (kv[1], kv[0]))[0]
                if best in self.entities:
                    return best
        return self._existing(folded, keys, "n:") or "n:" + folded

    def resolve(self, found: list[Extracted]) -> dict[str, dict[str, Any]]:
        """Entity keys for the mentions of one article, with the article's contribution to each."""
        groups: dict[str, list[Extracted]] = {}
        local: dict[str, str] = {}
        keys: set[str] = set()
        persons = sorted({f.name for f in found if f.type == PERSON}, key=lambda n: -len(n.split()))
        for name in persons:
            local[name] = self._resolve_person(name, local, keys)
            keys.add(local[name])
        for f in found:
            key = local[f.name] if f.type == PERSON else self._resolve_other(f, keys)
            keys.add(key)
            if len(key) > 2:
                groups.setdefault(key, []).append(f)
        return {k: contribution(v) for k, v in groups.items()}

    def index(self, aid: str, date: str, headline: str, found: list[Extracted]) -> set[str]:
        touched = self._remove(aid)
        ents = self.resolve(found)
        art = _Article(aid, date, headline, self._seq, ents)
        self._seq += 1
        touched |= self._add(art)
        return touched

    # -- lookups -------------------------------------------------------------------

    def _rank(self, key: str) -> tuple[int, str]:
        ent = self.entities[key]
        return len(ent.articles), ent.last

    # -- persistence ---------------------------------------------------------------

    def article_doc_payload(self, aid: str) -> dict[str, Any]:
        a = self.articles[aid]
        sents: list[str] = []
        where: dict[str, int] = {}
        ents = {}
        for key, c in a.ents.items():
            sent = c.get("s", "")
            if sent not in where:
                where[sent] = len(sents)
                sents.append(sent)
            t = c["t"]
            enc: dict[str, Any] = {
                "t": next(iter(t)) if len(t) == 1 else t,
                "n": c["n"],
                "names": c["names"],
                "s": where[sent],
            }
            if c["surf"] != c["names"]:
                enc["surf"] = c["surf"]
            if c["roles"]:
                enc["roles"] = c["roles"]
            ents[key] = enc
        return {
            "k": "a:" + aid,
            "article": aid,
            "date": a.date,
            "headline": a.headline,
            "seq": a.seq,
            "v": a.version,
            "sents": sents,
            "ents": ents,
        }

    def entity_doc_payload(self, key: str) -> dict[str, Any]:
        ent = self.entities[key]
        name = ent.name
        dates = [self.articles[a].date for a in ent.articles if a in self.articles]
        roles = sorted(ent.roles.values(), key=role_rank, reverse=True)
        return {
            "k": "e:" + key,
            "entity": key,
            "name": name,
            "type": ent.type,
            "aliases": [s for s, _ in ent.surfaces.most_common(8) if s != name],
            "roles": [r["text"] for r in roles[:5]],
            "articles": len(ent.articles),
            "mentions": ent.mentions,
            "first_seen": min(dates, default=""),
            "last_seen": max(dates, default=""),
            # what /who reads of it (summaries.store.entity_rows.entity_doc_fields)
            "lookup": sorted(ent.aliases),
            "surfaces": [[s, n] for s, n in ent.surfaces.items()],
            "card_roles": card_roles(ent.roles.values()),
        }

    def choices(self) -> Choices:
        """The lookup names and surnames fuzzy lookups search."""
        if self._choices is None:
            self._choices = Choices(list(self.names), list(self.surnames))
        return self._choices


_ORDER = operator.attrgetter("order")
_ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,5}$")


def _defined_acronyms(c: dict[str, Any]) -> list[str]:
    """Folded acronyms an article's contribution shows as forms of a longer name ("EA" of
    "Electronic Arts"): other articles' bare "EA" then reaches that entity."""
    names = [n for n in c["names"] if not _ACRONYM.match(n)]
    out = []
    for surf in c["surf"]:
        if _ACRONYM.match(surf) and any(ner.acronym_of(surf, n) for n in names):
            out.append(ner.fold(surf))
    return out


_SECOND = operator.itemgetter(1)


class MemoryReads:
    """The reads ``/who`` answers from (:class:`~summaries.store.entity_rows.EntityReads`),
    from the entity index in memory and the store it was loaded from (its articles'
    sources and stories). :meth:`reading` holds the store's lock and takes the index
    current; every read is made inside it."""

    def __init__(self, store: NewsStore, load: Callable[[NewsStore], EntityIndex]) -> None:
        self._store = store
        self._load = load
        self._index: EntityIndex | None = None
        self._sources: dict[str, tuple[str, dict[str, Any] | None]] = {}  # article -> (source, record)

    @property
    def index(self) -> EntityIndex:
        if self._index is None:
            raise RuntimeError("MemoryReads are read inside reading()")
        return self._index

    @contextlib.contextmanager
    def reading(self) -> Iterator[MemoryReads]:
        with self._store.lock:
            self._index = self._load(self._store)
            self._index.sync_names()
            try:
                yield self
            finally:
                self._index = None
                self._sources.clear()

    def _ents(self, keys: Iterable[str]) -> Iterator[tuple[str, _Entity]]:
        entities = self.index.entities
        for key in keys:
            ent = entities.get(key)
            if ent is not None:
                yield key, ent

    def entity_keys(self, names: Sequence[str], *, surnames: bool = False) -> dict[str, list[str]]:
        table = self.index.surnames if surnames else self.index.names
        out = {}
        for name in dict.fromkeys(names):
            keys = sorted(k for k in table.get(name, ()) if k in self.index.entities)
            if keys:
                out[name] = keys
        return out

    def entity_totals(self, keys: Iterable[str], *, brief: bool = False) -> dict[str, EntityTotals]:
        arts = self.index.articles
        return {
            key: EntityTotals(
                key=key,
                name=ent.name,
                type=ent.type,
                surfaces=ent.surfaces,
                roles=() if brief else card_roles(ent.roles.values()),
                articles=len(ent.articles),
                mentions=ent.mentions,
                last=ent.last,
                first="" if brief else min((arts[a].date for a in ent.articles), default=""),
            )
            for key, ent in self._ents(keys)
        }

    def entity_heads(self, keys: Iterable[str]) -> dict[str, Head]:
        return {key: Head(ent.name, len(ent.articles), ent.last, ent.mentions) for key, ent in self._ents(keys)}

    def _source(self, aid: str) -> tuple[str, dict[str, Any] | None]:
        found = self._sources.get(aid)
        if found is None:
            record = self._store.get_article(aid)
            source = (record.get("source") or record.get("agency") or "") if record else ""
            found = self._sources[aid] = (source, record)
        return found

    def entity_sources(self, key: str) -> dict[str, int]:
        ent = self.index.entities.get(key)
        return dict(Counter(self._source(a)[0] for a in ent.articles)) if ent else {}

    def entity_co(self, key: str, limit: int) -> list[tuple[str, int]]:
        ent = self.index.entities.get(key)
        return heapq.nlargest(limit, ent.co.items(), key=_SECOND) if ent else []

    def _articles(self, key: str, skip: Sequence[str]) -> list[_Article]:
        ent = self.index.entities.get(key)
        gone = set(skip)
        return [self.index.articles[a] for a in ent.articles if a not in gone] if ent else []

    def entity_refs(self, key: str, limit: int, *, skip: Sequence[str] = ()) -> list[Ref]:
        return [
            Ref(a.id, a.date, a.seq, a.headline, a.ents[key].get("s", ""))
            for a in heapq.nlargest(limit, self._articles(key, skip), key=_ORDER)
        ]

    def entity_story_count(self, key: str, *, skip: Sequence[str] = ()) -> int:
        return len({self._store.story_id_of(a.id) or a.id for a in self._articles(key, skip)})

    def entity_hidden_refs(self, key: str, sources: Sequence[str]) -> list[tuple[str, bool, list[str]]]:
        wanted = set(sources)
        out = []
        for a in self._articles(key, ()):
            source, record = self._source(a.id)
            if source in wanted:
                out.append((a.id, record is not None, list((record or {}).get("also_in") or ())))
        return out

    def entity_span(self, key: str, *, skip: Sequence[str] = ()) -> tuple[str, str]:
        dates = [a.date for a in self._articles(key, skip)]
        return min(dates, default=""), max(dates, default="")

    def entity_keys_of_articles(self, article_ids: Sequence[str]) -> dict[str, list[str]]:
        arts = self.index.articles
        return {a: list(arts[a].ents) for a in article_ids if a in arts}

    def entity_choices(self) -> Choices:
        return self.index.choices()

    def entity_by_token(self, token: str) -> str | None:
        idx = self.index
        names = self._store.cached(
            "entity-name-tokens", lambda: {name_token(e.name): e.name for e in idx.entities.values()}
        )
        return names.get(token)

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        out = {}
        for aid in article_ids:
            sid = self._store.story_id_of(aid)
            if sid:
                out[aid] = sid
        return out
