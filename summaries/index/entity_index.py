"""The entity index behind ``/who NAME``: who or what is this, according to the news we hold.

One entry per real-world entity (person, organisation, place, event) with its canonical
name, aliases, roles, the articles that mention it (with the sentence) and the entities
mentioned alongside it. Built from :func:`summaries.nlp.entities.extract`, updated as
articles arrive (:func:`index_articles`) and as old ones are pruned
(:func:`forget_articles`), persisted in the store's ``entities`` table and served from
memory (:func:`lookup`, :func:`format_card`).

The ``entities`` table holds two kinds of documents:

* ``{"k": "a:<article id>", "article": id, "date", "headline", "seq", "v", "sents": [...],
  "ents": {key: {"t", "n", "names", "surf", "roles", "s"}}}``, one per indexed article: what
  that article contributed to each entity (type, mention count, names and surface forms,
  roles, the index of its first sentence in ``sents``; defaults are left out). This is the source of truth: it
  makes re-indexing idempotent (an article's old contribution is taken out before its new
  one goes in) and pruning exact.
* ``{"k": "e:<key>", "entity": key, "name", "type", "aliases", "roles", "articles",
  "mentions", "first_seen", "last_seen"}``, one per entity: a materialised summary for
  other readers of the database. It is rewritten for every entity a batch touches.

An entity's type is the vote of all its mentions across articles (an article's lone-word
"person" without evidence votes ``"?"``, and an entity only ever voted ``"?"`` is not
offered). A surname alone joins a full name only inside its article; across articles a
lookup by surname gives the most prominent person with it and offers the others. An
acronym an article defines ("Electronic Arts (EA)") reaches that entity from other
articles. Each article document records the extraction rules' version (``"v"``); when the
rules change, :func:`reindex_stale` (called by the scheduled job) re-extracts old entries
a batch at a time.

The in-memory index is loaded once per :class:`~summaries.store.Store` from the table and
kept in sync by the functions here; if the store reloads its file (a failed batch), the
index reloads too.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import operator
import re
from collections import Counter
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from rapidfuzz import fuzz, process

from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp.entities import EVENT, ORG, PERSON, PLACE, PRODUCT, Extracted

__all__ = [
    "Mention",
    "EntityCard",
    "WhoResult",
    "EntityIndex",
    "index_articles",
    "index_extracted",
    "extracted_record",
    "extracted_from_record",
    "forget_articles",
    "reindex_all",
    "reindex_stale",
    "stale_articles",
    "list_entities",
    "card_record",
    "ENTITY_TYPES",
    "lookup",
    "format_card",
    "get_index",
    "one_per_story",
]

log = logging.getLogger(__name__)

# rapidfuzz ratio above which a misspelt name answers, with "did you mean": measured on the
# labelled BBC set by bench/eval_entities.py (one-letter typos of indexed names against
# names the index does not hold)
MATCH_CUTOFF = 88
SUGGEST_CUTOFF = 60
SENTENCE_MAX = 400
WORK = "work"  # a type vote: an article whose words say the name is a work (counted once per article)
WORK_ARTICLES = 2  # ... a name is a work when at least this many articles say so
WORK_SHARE = 8  # ... and they are at least an eighth of its articles
UNSURE = "?"  # the type vote of a lone word the model called a person with nothing to back it
_TYPE_RANK = {PERSON: 0, ORG: 1, EVENT: 2, PLACE: 3, PRODUCT: 4}


@dataclass(frozen=True, slots=True)
class Mention:
    date: str
    headline: str
    sentence: str
    article_id: str


@dataclass(slots=True)
class EntityCard:
    name: str
    type: str
    roles: list[str]
    article_count: int
    first_seen: str
    last_seen: str
    mentions: list[Mention]
    co_mentions: list[tuple[str, int]]
    aliases: list[str]
    story_count: int | None = None  # distinct stories among the articles, when known
    article_ids: tuple[str, ...] = ()
    key: str = ""


@dataclass(slots=True)
class WhoResult:
    query: str
    card: EntityCard | None = None
    others: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    fuzzy: bool = False  # the card's name is only close to the query: show it as "did you mean"


# -- in-memory structures --------------------------------------------------------------


@dataclass(slots=True)
class _Article:
    id: str
    date: str
    headline: str
    seq: int
    ents: dict[str, dict[str, Any]]  # key -> contribution (see module docstring)
    version: int = ner.RULES_VERSION  # the extraction rules it was indexed with

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

    @property
    def type(self) -> str:
        """The type most of its mentions give it, across all articles; ``"?"`` for a lone
        word only ever called a person without a given name, title or role."""
        votes = [(k, v) for k, v in self.types.items() if v > 0 and k != WORK]
        said = self.types.get(WORK, 0)
        if said >= WORK_ARTICLES and said * WORK_SHARE >= len(self.articles):
            return PRODUCT  # "the film Vera Drake" in enough articles: the film, also where a person was read
        if not votes:
            return PERSON if self.key.startswith("p:") else ORG
        # an unsure vote only wins outright: on a tie the other type stands
        return max(votes, key=lambda kv: (kv[1], kv[0] != UNSURE, -_TYPE_RANK.get(kv[0], 9)))[0]

    @property
    def name(self) -> str:
        if not self.names:
            return self.key[2:]
        multi = self.type == PERSON
        return max(self.names.items(),
                   key=lambda kv: ((len(kv[0].split()) > 1) if multi else 0, kv[1], len(kv[0]), kv[0]))[0]


def role_rank(role: dict[str, Any]) -> tuple[int, str, int, int]:
    """How a card ranks an entity's roles: by the articles that give it, then the latest
    of them, the articles that give it before any other, its length."""
    return role["n"], max(role["dates"]), role.get("lead", 0), len(role["text"])


def recent_rank(role: dict[str, Any]) -> tuple[str, int, int, int]:
    """The role a card shows first: the latest one (the rest as :func:`role_rank`)."""
    return max(role["dates"]), role["n"], role.get("lead", 0), len(role["text"])


def _contribution(found: list[Extracted]) -> dict[str, Any]:
    c: dict[str, Any] = {"t": Counter(), "n": 0, "names": Counter(), "surf": Counter(), "roles": [], "s": ""}
    given: dict[str, int] = {}  # role -> mentions that give it
    for f in found:
        c["t"][UNSURE if f.weak else f.type] += 1
        if f.work:
            c["t"][WORK] = 1  # one vote per article
        c["n"] += 1
        c["names"][f.name] += 1
        c["surf"][f.surface] += 1
        for r in f.roles:
            if r not in c["roles"]:
                c["roles"].append(r)
            given[r] = given.get(r, 0) + 1
        if not c["s"]:
            c["s"] = f.sentence[:SENTENCE_MAX]
    # the article's roles, the one it gives most first (a form of address, "Lord", last)
    c["roles"].sort(key=lambda r: (ner.form_of_address(r), -given[r]))
    c["t"], c["names"], c["surf"] = dict(c["t"]), dict(c["names"]), dict(c["surf"])
    return c


def _merge_contribution(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = {"t": dict(Counter(a["t"]) + Counter(b["t"])), "n": a["n"] + b["n"],
           "names": dict(Counter(a["names"]) + Counter(b["names"])),
           "surf": dict(Counter(a["surf"]) + Counter(b["surf"])),
           "roles": a["roles"] + [r for r in b["roles"] if r not in a["roles"]], "s": a["s"] or b["s"]}
    return out


class EntityIndex:
    """The index in memory. Not thread-safe by itself: the module functions hold the store's lock."""

    def __init__(self) -> None:
        self.entities: dict[str, _Entity] = {}
        self.articles: dict[str, _Article] = {}
        self.names: dict[str, set[str]] = {}  # folded alias -> entity keys
        self.surnames: dict[str, set[str]] = {}  # folded last word -> multi-word person keys
        self.acronyms: dict[str, Counter] = {}  # folded acronym -> keys of the names it was defined for
        self._choices: list[str] | None = None
        self._shaped: dict[int, list[str]] = {}  # the choices of as many words, for suggestions
        self._shaped_of: list[str] | None = None  # the choices they were taken from
        self._cards: dict[tuple[str, int], EntityCard] = {}
        self.dirty: set[str] = set()  # articles whose stored document is out of date
        self._stale: set[str] = set()  # entities whose lookup names need recomputing
        self._seq = 0

    # -- building ------------------------------------------------------------------

    @classmethod
    def load(cls, store) -> "EntityIndex":
        """The index as the store's ``entities`` documents hold it."""
        idx = cls()
        arts = [doc for doc in store.documents("entities") if "article" in doc]
        arts.sort(key=lambda d: d.get("seq", 0))
        for doc in arts:
            idx._add(_Article(doc["article"], doc.get("date", ""), doc.get("headline", ""),
                              doc.get("seq", 0), _decode_ents(doc), doc.get("v", 1)))
        idx._seq = max((a.seq for a in idx.articles.values()), default=-1) + 1
        idx.dirty.clear()
        idx.sync_names()
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
        self._cards.clear()  # names and counts shown on other cards may have changed
        for key in keys:
            ent = self.entities.get(key)
            if ent is None:
                continue
            words = key[2:].split()
            if len(words) > 1:
                bucket = self.surnames.setdefault(words[-1], set())
                if ent.articles and ent.type == PERSON:
                    bucket.add(key)
                else:
                    bucket.discard(key)
                    if not bucket:
                        del self.surnames[words[-1]]
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

    def _rename(self, src: str, dst: str) -> set[str]:
        """Merge entity ``src`` into ``dst`` (a surname-only person into the full name)."""
        moved = [self.articles[a] for a in self.entities[src].articles if a in self.articles]
        touched = {src, dst}
        for art in moved:
            touched |= self._remove(art.id)
            ents = dict(art.ents)
            c = ents.pop(src)
            ents[dst] = _merge_contribution(ents[dst], c) if dst in ents else c
            touched |= self._add(_Article(art.id, art.date, art.headline, art.seq, ents))
        return touched | {src}

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
                if any(ner._compatible(name, n) for n in self.entities[other].names if len(n.split()) > 1):
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
        return {k: _contribution(v) for k, v in groups.items()}

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

    def candidates(self, query: str) -> tuple[list[tuple[float, str]], list[str], bool]:
        """(score, key) best first for a typed name, whether the match is only a close
        spelling (fuzzy), and, when nothing matches, names of the same shape to suggest.

        A name, a form the news wrote or an alias answers. A bare surname reaches the full
        names of the people who have it, the most prominent first (a lone-word entry with
        that surname comes after them). A spelling within :data:`MATCH_CUTOFF` of a name
        answers as a "did you mean"; below it there is no answer, only suggestions.
        """
        self.sync_names()
        forms = _query_forms(query)
        scored: dict[str, float] = {}
        for form in forms:
            bare_surname = len(form.split()) == 1 and bool(self.surnames.get(form))
            for key in self.names.get(form, ()):
                ent = self.entities[key]
                if form == ner.fold(ent.name):
                    tier = 3.0
                elif form in {ner.fold(s) for s in ent.surfaces}:
                    tier = 2.0
                else:
                    tier = 1.0
                if bare_surname and ent.type == PERSON and len(ent.name.split()) == 1:
                    tier = 0.5
                scored[key] = max(scored.get(key, 0.0), tier)
        if scored:
            ranked = sorted(scored, key=lambda k: (scored[k], *self._rank(k)), reverse=True)
            return [(scored[k], k) for k in ranked], [], False
        if forms:
            if self._choices is None:
                self._choices = list(self.names)
            for form in forms:
                for alias, score, _ in process.extract(form, self._choices, scorer=fuzz.ratio,
                                                       limit=8, score_cutoff=MATCH_CUTOFF):
                    for key in self.names.get(alias, ()):
                        scored[key] = max(scored.get(key, 0.0), score / 100.0)
        ranked = sorted(scored, key=lambda k: (scored[k], *self._rank(k)), reverse=True)
        if ranked:
            return [(scored[k], k) for k in ranked], [], True
        return [], self.suggest(forms[0] if forms else ""), False

    def suggest(self, form: str, limit: int = 5) -> list[str]:
        """Names close to ``form`` and of its shape: as many words, and a name of several
        words only suggests people; a word of it close to a surname suggests that person
        ("Dixon" -> Ashutosh Dixit)."""
        if not form or not self.names:
            return []
        if self._choices is None:
            self._choices = list(self.names)
        n_words = len(form.split())
        shaped = self._shaped.get(n_words)
        if shaped is None or self._shaped_of is not self._choices:
            if self._shaped_of is not self._choices:
                self._shaped, self._shaped_of = {}, self._choices
            shaped = self._shaped[n_words] = [a for a in self._choices if len(a.split()) == n_words]
        seen: dict[str, float] = {}
        for alias, score, _ in process.extract(form, shaped, scorer=fuzz.ratio,
                                               limit=limit * 6, score_cutoff=SUGGEST_CUTOFF):
            for key in self.names.get(alias, ()):
                ent = self.entities[key]
                if n_words > 1 and ent.type != PERSON:
                    continue
                seen[key] = max(seen.get(key, 0.0), score)
        surnames = list(self.surnames)
        last = form.split()[-1]
        if len(last) >= 3 and surnames:
            for word, score, _ in process.extract(last, surnames, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=65):
                if n_words > 1 and word == last:
                    continue  # "Elon Musk": another Musk is a suggestion only by the whole name
                for key in self.surnames.get(word, ()):
                    if key in self.entities:
                        seen[key] = max(seen.get(key, 0.0), score - (5 if n_words > 1 else 0))
        ranked = sorted(seen, key=lambda k: (seen[k], *self._rank(k)), reverse=True)
        names: list[str] = []
        for k in ranked:
            n = self.entities[k].name
            if n not in names:
                names.append(n)
            if len(names) >= limit:
                break
        return names

    def card(self, key: str, limit: int = 5) -> EntityCard:
        cached = self._cards.get((key, limit))
        if cached is not None:
            return cached
        ent = self.entities[key]
        arts = [self.articles[a] for a in ent.articles]
        mentions: list[Mention] = []
        seen: set[str] = set()
        for a in heapq.nlargest(limit * 4, arts, key=_ORDER) if limit else []:
            sentence = a.ents[key].get("s", "")
            folded = " ".join(re.findall(r"\w+", sentence.casefold()))
            if folded in seen:
                continue  # the same sentence in another report (a copy): said once
            seen.add(folded)
            mentions.append(Mention(a.date, a.headline, sentence, a.id))
            if len(mentions) >= limit:
                break
        dates = [a.date for a in arts]
        roles = sorted(ent.roles.values(), key=role_rank, reverse=True)
        if roles:
            recent = max(roles, key=recent_rank)
            roles = [recent] + [r for r in roles if r is not recent]
        # most articles together first; among equals, the more prominent entity
        top = heapq.nlargest(40, ent.co.items(), key=_SECOND)
        top.sort(key=lambda kv: (kv[1], self.entities[kv[0]].mentions), reverse=True)
        co = [(self.entities[k].name, n) for k, n in top[:8]]
        name = ent.name
        aliases = [s for s, _ in sorted(ent.surfaces.items(), key=lambda kv: -kv[1]) if s != name][:8]
        card = EntityCard(
            name=name, type=ent.type, roles=_distinct_roles(r["text"] for r in roles)[:5],
            article_count=len(arts), first_seen=min(dates, default=""), last_seen=max(dates, default=""),
            mentions=mentions, co_mentions=co, aliases=aliases, article_ids=tuple(ent.articles), key=key,
        )
        self._cards[(key, limit)] = card
        return card

    def who(self, query: str, limit: int = 5) -> WhoResult:
        ranked, suggestions, fuzzy = self.candidates(query)
        if not ranked:
            return WhoResult(query=query, suggestions=suggestions)
        best = ranked[0][1]
        card = self.card(best, limit)
        others: list[str] = []
        for _, key in ranked[1:]:
            n = self.entities[key].name
            if n != card.name and n not in others:
                others.append(n)
            if len(others) >= 5:
                break
        return WhoResult(query=query, card=card, others=others, fuzzy=fuzzy)

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
            enc: dict[str, Any] = {"t": next(iter(t)) if len(t) == 1 else t, "n": c["n"], "names": c["names"],
                                   "s": where[sent]}
            if c["surf"] != c["names"]:
                enc["surf"] = c["surf"]
            if c["roles"]:
                enc["roles"] = c["roles"]
            ents[key] = enc
        return {"k": "a:" + aid, "article": aid, "date": a.date, "headline": a.headline, "seq": a.seq,
                "v": a.version, "sents": sents, "ents": ents}

    def entity_doc_payload(self, key: str) -> dict[str, Any]:
        ent = self.entities[key]
        name = ent.name
        dates = [self.articles[a].date for a in ent.articles if a in self.articles]
        roles = sorted(ent.roles.values(), key=role_rank, reverse=True)
        return {"k": "e:" + key, "entity": key, "name": name, "type": ent.type,
                "aliases": [s for s, _ in ent.surfaces.most_common(8) if s != name],
                "roles": [r["text"] for r in roles[:5]], "articles": len(ent.articles),
                "mentions": ent.mentions, "first_seen": min(dates, default=""), "last_seen": max(dates, default="")}


def _decode_ents(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    sents = doc.get("sents", [])
    out = {}
    for key, enc in doc.get("ents", {}).items():
        t = enc.get("t", {})
        names = enc.get("names", {})
        s = enc.get("s", "")
        out[key] = {"t": {t: enc.get("n", 1)} if isinstance(t, str) else t, "n": enc.get("n", 1), "names": names,
                    "surf": enc.get("surf", names), "roles": enc.get("roles", []),
                    "s": sents[s] if isinstance(s, int) and s < len(sents) else str(s)}
    return out


_ORDER = operator.attrgetter("order")
_ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,5}$")


def _defined_acronyms(c: dict[str, Any]) -> list[str]:
    """Folded acronyms an article's contribution shows as forms of a longer name ("EA" of
    "Electronic Arts"): other articles' bare "EA" then reaches that entity."""
    names = [n for n in c["names"] if not _ACRONYM.match(n)]
    out = []
    for surf in c["surf"]:
        if _ACRONYM.match(surf) and any(ner._acronym_of(surf, n) for n in names):
            out.append(ner.fold(surf))
    return out
_SECOND = operator.itemgetter(1)
_TITLE_CI = {w.casefold() for w in ner._TITLE_WORDS}


def _distinct_roles(roles: Iterable[str]) -> list[str]:
    """Roles in order, leaving out rewordings or parts of one already listed ("US Defence
    Secretary" after "US Secretary of Defence")."""
    kept: list[str] = []
    for role in roles:
        if not any(fuzz.token_set_ratio(role.casefold(), k.casefold()) >= 95 for k in kept):
            kept.append(role)
    return kept


def _query_forms(query: str) -> list[str]:
    """Folded forms of what a person typed: as is, without titles, as a known alias."""
    text = " ".join(query.split())
    forms = [ner.fold(text)]
    words = text.split()
    i = 0
    while i < len(words) - 1 and words[i].rstrip(".").casefold() in _TITLE_CI:
        i += 1
    if i:
        forms.append(ner.fold(" ".join(words[i:])))
    canon, _ = ner.canonical_alias(text)
    forms.append(ner.fold(canon))
    out: list[str] = []
    for f in forms:
        if f and f not in out:
            out.append(f)
    return out


# -- the store-level API ---------------------------------------------------------------

def get_index(store) -> EntityIndex:
    """The in-memory index of this store: loaded from its documents once, and again
    after the store reloads its data (it is held by the store, see ``NewsStore.cached``)."""
    with store.lock:
        return store.cached("entity-index", lambda: EntityIndex.load(store))


def _drop(store) -> None:
    store.drop_cached("entity-index")


def _persist(store, idx: EntityIndex, articles_gone: set[str], keys: set[str]) -> None:
    """Write what changed: the documents of new, re-indexed or rewritten articles and of
    the entities touched; remove those of forgotten articles and vanished entities."""
    articles_touched = {a for a in idx.dirty if a in idx.articles}
    idx.dirty.clear()
    remove = [f"a:{aid}" for aid in articles_gone if aid not in idx.articles]
    remove += [f"e:{key}" for key in keys if key not in idx.entities]
    records = [idx.article_doc_payload(aid) for aid in sorted(articles_touched)]
    records += [idx.entity_doc_payload(key) for key in sorted(keys) if key in idx.entities]
    store.put_documents("entities", records, remove=remove)


def index_articles(store, articles: Iterable[dict[str, Any]]) -> int:
    """Extract the entities of these article records and merge them into the index, in one
    write. Re-indexing an article replaces its mentions. Returns how many were indexed."""
    records = [a for a in articles if a and a.get("id")]
    if not records:
        return 0
    # the model runs outside the store's lock, so lookups are not held up
    found = ner.extract_many([(r.get("body") or "", r.get("hashtags") or ()) for r in records])
    return index_extracted(store, [(r, f) for r, f in zip(records, found)])


def index_extracted(store, items: Iterable[tuple[dict[str, Any], list[Extracted]]]) -> int:
    """Merge already extracted mentions (``(article record, extract(...))`` pairs) into the
    index and persist; :func:`index_articles` without the extraction."""
    items = list(items)
    with store.batch():
        idx = get_index(store)
        try:
            touched: set[str] = set()
            done: set[str] = set()
            for record, found in items:
                aid = record["id"]
                touched |= idx.index(aid, record.get("date", ""), record.get("headline", ""), found)
                done.add(aid)
            idx.sync_names()
            _persist(store, idx, set(), touched)
        except BaseException:
            _drop(store)
            raise
    return len(done)


_EXTRACTED_FIELDS = tuple(f.name for f in dataclasses.fields(Extracted))


def extracted_record(found: Iterable[Extracted]) -> dict[str, Any]:
    """One article's :func:`~summaries.nlp.entities.extract` result as plain JSON data, with the
    extraction rules' version (``"v"``): every field of every mention, each sentence
    stored once. :func:`extracted_from_record` gives back equal objects."""
    sents: list[str] = []
    where: dict[str, int] = {}
    mentions = []
    for f in found:
        row = {name: getattr(f, name) for name in _EXTRACTED_FIELDS}
        sentence = row.pop("sentence")
        if sentence not in where:
            where[sentence] = len(sents)
            sents.append(sentence)
        row["sentence"] = where[sentence]
        row["roles"] = list(row["roles"])
        mentions.append(row)
    return {"v": ner.RULES_VERSION, "sents": sents, "mentions": mentions}


def extracted_from_record(record: Any) -> list[Extracted] | None:
    """The mentions stored by :func:`extracted_record`; None when there is nothing usable:
    no record, one made by other extraction rules than the current
    :data:`~summaries.nlp.entities.RULES_VERSION`, or one this version cannot read (the
    caller then extracts again)."""
    if not isinstance(record, dict) or record.get("v") != ner.RULES_VERSION:
        return None
    try:
        sents = record["sents"]
        out = []
        for row in record["mentions"]:
            fields = {**row, "sentence": sents[row["sentence"]], "roles": tuple(row.get("roles", ()))}
            out.append(Extracted(**fields))
        return out
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def forget_articles(store, article_ids: Iterable[str]) -> int:
    """Take these articles' mentions out of the index (pruning). Returns how many were indexed."""
    ids = set(article_ids)
    if not ids:
        return 0
    with store.batch():
        idx = get_index(store)
        try:
            touched: set[str] = set()
            gone = {a for a in ids if a in idx.articles}
            for aid in gone:
                touched |= idx._remove(aid)
            idx.sync_names()
            _persist(store, idx, gone, touched)
        except BaseException:
            _drop(store)
            raise
    return len(gone)


REINDEX_BATCH = 200  # articles re-extracted per scheduled run when the rules changed


def stale_articles(store) -> list[str]:
    """Ids of indexed articles extracted with other rules than the current
    :data:`summaries.nlp.entities.RULES_VERSION`, oldest indexed first."""
    with store.lock:
        idx = get_index(store)
        arts = [a for a in idx.articles.values() if a.version != ner.RULES_VERSION]
    return [a.id for a in sorted(arts, key=lambda a: a.seq)]


def reindex_stale(store, limit: int = REINDEX_BATCH) -> int:
    """Re-extract up to ``limit`` articles indexed with older extraction rules, so that
    entries made by old rules do not linger; an indexed article the store no longer holds
    is forgotten. The scheduled job calls this on every run (off the event loop), so a
    rules change re-indexes the whole store by itself, a batch at a time. Returns how
    many articles were re-indexed or forgotten."""
    ids = stale_articles(store)[:max(0, limit)]
    if not ids:
        return 0
    records, gone = [], []
    for aid in ids:
        record = store.get_article(aid)
        (records.append(record) if record else gone.append(aid))
    n = forget_articles(store, gone) if gone else 0
    n += index_articles(store, records)
    log.info("entities: re-indexed %d articles with extraction rules v%d (%d left)", n, ner.RULES_VERSION,
             len(stale_articles(store)))
    return n


def reindex_all(store) -> int:
    """Index every stored article (and forget entries of articles no longer stored)."""
    records = list(store.iter_articles())
    idx = get_index(store)
    stale = set(idx.articles) - {r["id"] for r in records}
    if stale:
        forget_articles(store, stale)
    return index_articles(store, records)


ENTITY_TYPES = (PERSON, ORG, PLACE, EVENT, PRODUCT)


def list_entities(store, *, top: int | None = 50, kind: str | None = None) -> list[EntityCard]:
    """The entities of the index, most articles first (then most mentions), as cards
    without mentions: name, type, aliases, roles, article count, first and last seen.
    ``kind`` keeps one type (see :data:`ENTITY_TYPES`); lone words with no evidence of
    what they are (type ``"?"``) are left out."""
    if kind is not None and kind not in ENTITY_TYPES:
        raise ValueError(f"unknown entity type {kind!r} (one of {', '.join(ENTITY_TYPES)})")
    with store.lock:
        idx = get_index(store)
        idx.sync_names()
        ents = [e for e in idx.entities.values() if e.articles and e.type != UNSURE and (kind is None or e.type == kind)]
        ents.sort(key=lambda e: (-len(e.articles), -e.mentions, e.name))
        return [idx.card(e.key, limit=0) for e in (ents if top is None else ents[:max(0, top)])]


def card_record(card: EntityCard) -> dict[str, Any]:
    """A card as plain data (for JSON): name, type, aliases, roles, article count, dates."""
    return {"name": card.name, "type": card.type, "aliases": list(card.aliases), "roles": list(card.roles),
            "articles": card.article_count, "first_seen": card.first_seen, "last_seen": card.last_seen}


def lookup(store, name: str, *, limit: int = 5, visible: Callable[[str], bool] | None = None) -> WhoResult:
    """Who or what ``name`` is, from the index in memory: any alias, any case, a surname
    alone or a small typo reaches the entry; the best ranked match is the card, others
    are offered; with no match, the closest names are suggested.

    ``visible`` says which source names the asking chat may see (chats may have sources
    of their own): the card is then made from those articles only, and names known only
    from other chats' sources are neither shown nor offered."""
    query = " ".join((name or "").split())
    if not query:
        return WhoResult(query=query)
    answer = getattr(store, "who", None)
    if answer is not None:  # a server store answers from indexed queries (summaries.index.lookup)
        return answer(query, limit=limit, visible=visible)
    with store.lock:
        idx = get_index(store)
        result = idx.who(query, limit * 2)
        if visible is not None:
            result = _as_seen(store, idx, result, visible, limit)
        if result.card is None:
            return result
        card = result.card
        stories = {store.story_id_of(a) or a for a in card.article_ids}
        card = dataclasses.replace(card, mentions=one_per_story(card.mentions, store.story_id_of)[:limit],
                                   story_count=len(stories))
        return dataclasses.replace(result, card=card)


def one_per_story(mentions: Iterable[Mention], story_of: Callable[[str], str | None]) -> list[Mention]:
    """The first mention of each story (its reports say the same thing), in order;
    ``story_of(article id)`` gives an article's story (None: the article is its own)."""
    out, shown = [], set()
    for m in mentions:
        sid = story_of(m.article_id) or m.article_id
        if sid not in shown:
            shown.add(sid)
            out.append(m)
    return out


def _seen(store, aid: str, visible: Callable[[str], bool]) -> bool:
    article = store.get_article(aid)
    if article is None:
        return False
    names = [article.get("source") or article.get("agency") or "", *(article.get("also_in") or [])]
    return any(n and visible(n) for n in names)


def _as_seen(store, idx: EntityIndex, result: WhoResult, visible: Callable[[str], bool], limit: int) -> WhoResult:
    """The result as a chat that sees only ``visible`` sources sees it."""
    idx.sync_names()

    def known(name: str) -> bool:  # an entity of that name is in an article this chat sees
        keys = [k for k in idx.names.get(ner.fold(name), ()) if k in idx.entities and idx.entities[k].name == name]
        return any(_seen(store, a, visible) for k in keys for a in idx.entities[k].articles)

    others = [o for o in result.others if known(o)]
    suggestions = [o for o in result.suggestions if known(o)]
    card = result.card
    if card is None:
        return dataclasses.replace(result, others=others, suggestions=suggestions)
    arts = [idx.articles[a] for a in card.article_ids if a in idx.articles and _seen(store, a, visible)]
    if not arts:
        return WhoResult(query=result.query, suggestions=[o for o in [*others, *suggestions] if o != card.name][:5])
    if len(arts) == len(card.article_ids):
        return dataclasses.replace(result, others=others)
    mentions, seen = [], set()
    for a in sorted(arts, key=_ORDER, reverse=True):
        sentence = a.ents[card.key].get("s", "")
        folded = " ".join(re.findall(r"\w+", sentence.casefold()))
        if folded not in seen:
            seen.add(folded)
            mentions.append(Mention(a.date, a.headline, sentence, a.id))
        if len(mentions) >= limit * 2:
            break
    co: Counter[str] = Counter(k for a in arts for k in a.ents if k != card.key and k in idx.entities)
    dates = [a.date for a in arts]
    card = dataclasses.replace(
        card, article_count=len(arts), first_seen=min(dates), last_seen=max(dates), mentions=mentions,
        co_mentions=[(idx.entities[k].name, n) for k, n in co.most_common(8)], article_ids=tuple(a.id for a in arts),
    )
    return dataclasses.replace(result, card=card, others=others)


# -- text ------------------------------------------------------------------------------

_TYPE_WORDS = {PERSON: "person", ORG: "organisation", PLACE: "place", EVENT: "event", PRODUCT: "product"}


def name_token(name: str) -> str:
    """A short stable token for a name (button payloads): 16 hex digits of its SHA-1."""
    return hashlib.sha1(name.encode()).hexdigest()[:16]


def name_for_token(store, token: str) -> str | None:
    """The indexed entity name whose :func:`name_token` is ``token``, if any."""
    answer = getattr(store, "who_token", None)
    if answer is not None:  # a server store: an indexed query
        return answer(token)
    with store.lock:
        idx = get_index(store)
        names = store.cached("entity-name-tokens", lambda: {name_token(e.name): e.name for e in idx.entities.values()})
        return names.get(token)


def reports_line(card: EntityCard) -> str:
    """ "7 stories, 12 reports", or "1 article" when stories are not known."""
    n = card.article_count
    if card.story_count is None:
        return f"{n} article{'s' if n != 1 else ''}"
    k = card.story_count
    return f"{k} stor{'ies' if k != 1 else 'y'}, {n} report{'s' if n != 1 else ''}"


def format_card(result: WhoResult) -> str:
    """Plain text for the CLI and the bot."""
    if result.card is None:
        if not result.query:
            return "Who? Give a name, e.g. /who Narendra Modi"
        lines = [f"No one called \"{result.query}\" in the news we hold."]
        if result.suggestions:
            lines.append("Did you mean: " + ", ".join(result.suggestions) + "?")
        else:
            lines.append("No similar names either; try a surname or another spelling.")
        return "\n".join(lines)
    c = result.card
    span = c.first_seen if c.first_seen == c.last_seen else f"{c.first_seen} to {c.last_seen}"
    lines = [f"{c.name} ({_TYPE_WORDS.get(c.type, c.type)})"]
    if result.fuzzy:
        lines.append(f"No one is called \"{result.query}\": did you mean {c.name}?")
    if c.roles:
        lines.append("Role: " + c.roles[0] + ("" if len(c.roles) == 1 else "; also " + "; ".join(c.roles[1:])))
    lines.append(f"In {reports_line(c)}, {span}")
    if c.aliases:
        lines.append("Also written: " + ", ".join(c.aliases))
    if c.mentions:
        lines.append("")
        lines.append("Latest mentions:")
        for m in c.mentions:
            lines.append(f"- {m.date} {m.headline}")
            if m.sentence:
                lines.append(f"  \"{m.sentence}\"")
    if c.co_mentions:
        lines.append("")
        lines.append("Mentioned with: " + ", ".join(f"{name} ({k})" for name, k in c.co_mentions))
    if result.others:
        lines.append("")
        lines.append("Other matches: " + ", ".join(result.others))
    return "\n".join(lines)
