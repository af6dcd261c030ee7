"""``/who`` as queries: the answers of :func:`summaries.index.entity_index.lookup` without the
entity index in memory, for a server store (PostgreSQL) shared by many processes.

The in-memory :class:`~summaries.index.entity_index.EntityIndex` holds every indexed article;
a bot process on a database of a million articles must not. The store therefore keeps,
next to the ``entities`` documents and in the same transaction, what the index derives
from them, written from the ``a:`` documents alone (the index's source of truth):

* **totals** per entity, the running sums the index keeps for it: type votes, names and
  surface forms with their counts, roles (with the dates they were used), co-mentions,
  the sources of its articles, article and mention counts, first and last date.
  :func:`add_article` and :func:`remove_article` update them as an article's document
  comes and goes, with the steps of ``EntityIndex._add`` and ``_remove``;
* a **reference** per (entity, article): its date and order, the headline and the
  sentence that mentions the entity, the article's source; the **co-mentions** (articles
  two entities share, :func:`co_pairs`) and the **stories** of each entity's articles are
  counted apart, so that a popular entity's card needs neither all its articles nor all
  its companions;
* the **lookup names** (the aliases the index registers for an entity,
  :func:`lookup_names`) and the **surnames** of multi-word people (:func:`surname_of`).

:func:`lookup` then answers with a few indexed queries (the :class:`EntityQueries`
methods of the store). Only the fuzzy part ("did you mean", suggestions) needs every
name at once: rapidfuzz runs over the distinct lookup names and surnames, which the
store caches in the process (bounded by the number of names, not of articles).

Answers are equal to the in-memory index's for the same documents; where that index
orders equal candidates by the order of its sets (two people of one surname with as
many articles and the same last date), this module orders them by key.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from rapidfuzz import fuzz, process

from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp.entities import PERSON
from newsbrief.summaries.index import entity_index as ei
from newsbrief.summaries.index.entity_index import (
    MATCH_CUTOFF,
    SUGGEST_CUTOFF,
    EntityCard,
    EntityIndex,
    Mention,
    WhoResult,
    name_token,
)

__all__ = [
    "EntityQueries",
    "Totals",
    "Ref",
    "Choices",
    "new_totals",
    "add_article",
    "remove_article",
    "co_pairs",
    "lookup_names",
    "surname_of",
    "entity_name",
    "token_of",
    "lookup",
    "who",
    "name_for_token",
]

Totals = dict[str, Any]  # see new_totals
_NAMER = EntityIndex()  # only its alias rules are used (no data)


@dataclasses.dataclass(frozen=True, slots=True)
class Ref:
    """One article's mention of an entity, as the store keeps it."""

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

    def extract(self, query: str, *, cutoff: float, limit: int, surnames: bool = False,
                words: int | None = None) -> list[tuple[str, float]]:
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
                found += [(c, score, i) for c, score, i in
                          process.extract(query, group, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)]
        found.sort(key=lambda x: -x[1])
        return [(c, score) for c, score, _ in found[:limit]]


def _by_length(names: Sequence[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for name in names:
        out.setdefault(len(name), []).append(name)
    return out


class EntityQueries(Protocol):
    """What a store answers for :func:`lookup` (PostgreSQL: indexed queries)."""

    def entity_keys(self, names: Sequence[str], *, surnames: bool = False) -> dict[str, list[str]]:
        """Folded lookup name (or, with ``surnames``, surname) -> keys of the entities registered under it."""

    def entity_totals(self, keys: Iterable[str], *, brief: bool = False) -> dict[str, Totals]:
        """The totals of these entities; missing ones left out. With ``brief``, ``roles``
        and ``src`` may be left empty (what names and ranks need is there)."""

    def entity_heads(self, keys: Iterable[str]) -> dict[str, "Head"]:
        """(name, articles, last date, mentions) of these entities; missing ones left out."""

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

    def entity_choices(self) -> Choices: ...

    def entity_by_token(self, token: str) -> str | None:
        """The name of the entity whose name's :func:`name_token` is ``token``."""

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article -> story id, for those clustered."""



# -- totals: the in-memory index's per-entity state, as data ----------------------------


def new_totals() -> Totals:
    """Empty totals. Counters are dicts in the order their keys first came (``surf``,
    ``roles`` and ``co`` are shown in that order on ties, as the index shows them)."""
    return {"t": {}, "names": {}, "surf": {}, "roles": {}, "src": {}, "articles": 0, "mentions": 0,
            "first": "", "last": ""}


def _bump(counter: dict[str, int], key: str, by: int) -> None:
    left = counter.get(key, 0) + by
    if left > 0:
        counter[key] = left
    else:
        counter.pop(key, None)


def add_article(totals: dict[str, Totals], doc: Mapping[str, Any], source: str) -> set[str]:
    """Add an ``a:`` document's contributions to the totals of its entities (missing ones
    are made), as ``EntityIndex._add`` does; ``source`` is the article's source name.
    Returns the keys touched."""
    date = doc.get("date", "")
    ents = ei._decode_ents(dict(doc))
    keys = list(ents)
    for key, c in ents.items():
        t = totals.get(key)
        if t is None:
            t = totals[key] = new_totals()
        for field_, add in (("t", c["t"]), ("names", c["names"]), ("surf", c["surf"])):
            counter = t[field_]
            for k, v in add.items():
                counter[k] = counter.get(k, 0) + v
        for i, role in enumerate(c["roles"]):
            rk = ner.fold(role)
            slot = t["roles"].setdefault(rk, {"text": role, "n": 0, "dates": {}})
            slot["n"] += 1
            slot["lead"] = slot.get("lead", 0) + (i == 0)
            slot["dates"][date] = slot["dates"].get(date, 0) + 1
            if date >= max(slot["dates"]):
                slot["text"] = role
        t["first"] = date if not t["articles"] else min(t["first"], date)
        t["last"] = date if not t["articles"] else max(t["last"], date)
        t["articles"] += 1
        t["mentions"] += c["n"]
        t["src"][source] = t["src"].get(source, 0) + 1
    return set(keys)


def co_pairs(doc: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """(entity, other entity, position) for every pair an ``a:`` document mentions
    together: the co-mentions it adds (``EntityIndex._add``) or takes away. The position
    orders an entity's co-mentions as the index's counters do (by first occurrence)."""
    keys = list(doc.get("ents", {}))
    return [(a, b, i) for a in keys for i, b in enumerate(keys) if b != a]


def remove_article(totals: dict[str, Totals], doc: Mapping[str, Any], source: str) -> tuple[set[str], set[str]]:
    """Take an ``a:`` document's contributions out of its entities' totals, as
    ``EntityIndex._remove`` does. Returns (keys touched, keys whose first or last date
    was this article's: to be read again from the references)."""
    date = doc.get("date", "")
    ents = ei._decode_ents(dict(doc))
    keys = list(ents)
    redate: set[str] = set()
    for key, c in ents.items():
        t = totals.get(key)
        if t is None:
            continue
        for field_, sub in (("t", c["t"]), ("names", c["names"]), ("surf", c["surf"])):
            for k, v in sub.items():
                _bump(t[field_], k, -v)
        for i, role in enumerate(c["roles"]):
            slot = t["roles"].get(ner.fold(role))
            if slot:
                slot["n"] -= 1
                slot["lead"] = max(0, slot.get("lead", 0) - (i == 0))
                _bump(slot["dates"], date, -1)
                if slot["n"] <= 0:
                    del t["roles"][ner.fold(role)]
        t["articles"] -= 1
        t["mentions"] -= c["n"]
        _bump(t["src"], source, -1)
        if date in (t["first"], t["last"]):
            redate.add(key)
    return set(keys), redate


def _entity(key: str, t: Totals) -> "ei._Entity":
    ent = ei._Entity(key)
    ent.types, ent.names, ent.surfaces = Counter(t["t"]), Counter(t["names"]), Counter(t["surf"])
    return ent


def entity_name(key: str, t: Totals) -> tuple[str, str]:
    """(name, type) of an entity, as the index gives them."""
    ent = _entity(key, t)
    return ent.name, ent.type


def lookup_names(key: str, t: Totals) -> frozenset[str]:
    """The folded names a lookup reaches this entity by (the index's aliases)."""
    return _NAMER._aliases_of(_entity(key, t))


def surname_of(key: str, t: Totals) -> str:
    """The surname a bare-surname lookup offers this entity under ('' if none): the last
    word of a multi-word person's key."""
    words = key[2:].split()
    if len(words) > 1 and t["articles"] and _entity(key, t).type == PERSON:
        return words[-1]
    return ""


def token_of(key: str, t: Totals) -> str:
    """The ``/who`` button token of an entity's name (:func:`~summaries.index.entity_index.name_token`)."""
    return name_token(entity_name(key, t)[0])


# -- answers ---------------------------------------------------------------------------


def _rank(t: Totals) -> tuple[int, str]:
    return t["articles"], t["last"]


def _ranked(scored: dict[str, float], totals: Mapping[str, Totals]) -> list[str]:
    return sorted(sorted(scored), key=lambda k: (scored[k], *_rank(totals[k])), reverse=True)


def _tier(forms: Sequence[str], bare: Mapping[str, bool], key: str, t: Totals) -> float:
    """How well an entity answers the typed forms that reach it (``EntityIndex.candidates``):
    3 its name, 2 a form the news wrote, 1 an alias; 0.5 a lone-word person reached by a bare surname."""
    name, kind = entity_name(key, t)
    best = 0.0
    for form in forms:
        if form == ner.fold(name):
            tier = 3.0
        elif form in {ner.fold(s) for s in t["surf"]}:
            tier = 2.0
        else:
            tier = 1.0
        if bare[form] and kind == PERSON and len(name.split()) == 1:
            tier = 0.5
        best = max(best, tier)
    return best


ANSWERED = 6  # entities an answer names: the card's and five others
_HEADS_OVER = 32  # more candidates than this: ranked by their heads first (_best)


Head = tuple[str, int, str, int]  # name, articles, last date, mentions (EntityQueries.entity_heads)


def _best(store: EntityQueries, upper: Mapping[str, float], score: Callable[[str, Totals], float | None],
          names: int, head_upper: Callable[[str, Head], float] | None = None
          ) -> tuple[dict[str, float], dict[str, Totals]]:
    """The best-scored candidates, enough of them to name ``names`` entities, and their totals.

    ``upper`` is the most each candidate can score (``head_upper``, when given, says it
    from the candidate's head), ``score`` what it does score given its totals (None: not
    a candidate after all). A bare surname may reach thousands of people
    on a large database: their heads (name, articles, last date; no totals) put them in
    order of ``upper``, and totals are read for the first of them, and more only while a
    candidate not read could still rank above the ``names`` best read. The result is the
    one of scoring them all."""
    def scored_of(keys: Iterable[str], totals: Mapping[str, Totals]) -> dict[str, float]:
        out = {}
        for key in keys:
            if key in totals and (value := score(key, totals[key])) is not None:
                out[key] = value
        return out

    if len(upper) <= _HEADS_OVER:
        totals = store.entity_totals(upper, brief=True)
        return scored_of(upper, totals), totals
    heads = store.entity_heads(upper)
    bound = {k: (head_upper(k, h) if head_upper else upper[k], h[1], h[2]) for k, h in heads.items()}
    order = sorted(sorted(heads), key=bound.__getitem__, reverse=True)
    take = _HEADS_OVER
    while True:
        totals = store.entity_totals(order[:take], brief=True)
        scored = scored_of(order[:take], totals)
        if take >= len(order):
            return scored, totals
        ranked, named, last = _ranked(scored, totals), [], None
        for key in ranked:
            name = entity_name(key, totals[key])[0]
            if name not in named:
                named.append(name)
                if len(named) >= names:
                    last = key
                    break
        if last is not None and (scored[last], *_rank(totals[last])) > bound[order[take]]:
            return {k: scored[k] for k in ranked[:ranked.index(last) + 1]}, totals
        take *= 4


def _candidates(store: EntityQueries, query: str) -> tuple[list[tuple[float, str]], list[str], bool, dict[str, Totals]]:
    """``EntityIndex.candidates`` from the store, with the totals of the candidates (on a
    large database, of the first of them: see :func:`_best`)."""
    forms = ei._query_forms(query)
    exact = store.entity_keys(forms)
    single = [f for f in forms if len(f.split()) == 1]
    with_surname = store.entity_keys(single, surnames=True) if single else {}
    bare = {form: len(form.split()) == 1 and bool(with_surname.get(form)) for form in forms}
    reached: dict[str, list[str]] = {}
    for form in forms:
        for key in exact.get(form, ()):
            reached.setdefault(key, []).append(form)
    # the best a candidate can score: 3 by its name (a column of its head), else 2 (its
    # surface forms are in its totals)
    scored, totals = _best(store, dict.fromkeys(reached, 3.0), lambda key, t: _tier(reached[key], bare, key, t),
                           ANSWERED, head_upper=lambda key, head: 3.0 if ner.fold(head[0]) in reached[key] else 2.0)
    if scored:
        return [(scored[k], k) for k in _ranked(scored, totals)], [], False, totals
    if forms:
        choices = store.entity_choices()
        close: dict[str, float] = {}
        for form in forms:
            for alias, score in choices.extract(form, cutoff=MATCH_CUTOFF, limit=8):
                close[alias] = max(close.get(alias, 0.0), score)
        if close:
            keys = store.entity_keys(list(close))
            for alias, score in close.items():
                for key in keys.get(alias, ()):
                    scored[key] = max(scored.get(key, 0.0), score / 100.0)
            scored, totals = _best(store, scored, lambda key, t: scored[key], ANSWERED)
        if scored:
            return [(scored[k], k) for k in _ranked(scored, totals)], [], True, totals
    return [], _suggest(store, forms[0] if forms else ""), False, totals


def _suggest(store: EntityQueries, form: str, limit: int = 5) -> list[str]:
    """``EntityIndex.suggest`` from the store."""
    if not form:
        return []
    choices = store.entity_choices()
    if not choices.names:
        return []
    n_words = len(form.split())
    close = choices.extract(form, cutoff=SUGGEST_CUTOFF, limit=limit * 6, words=n_words)
    last = form.split()[-1]
    near: list[tuple[str, float]] = []
    if len(last) >= 3 and choices.surnames:
        near = [(word, score) for word, score in choices.extract(last, cutoff=65, limit=limit * 2, surnames=True)
                if not (n_words > 1 and word == last)]  # "Elon Musk": another Musk only by the whole name
    keys = store.entity_keys([a for a, _ in close]) if close else {}
    by_surname = store.entity_keys([w for w, _ in near], surnames=True) if near else {}
    by_name: dict[str, float] = {}
    for alias, score in close:
        for key in keys.get(alias, ()):
            by_name[key] = max(by_name.get(key, 0.0), score)
    surnamed: dict[str, float] = {}
    for word, score in near:
        for key in by_surname.get(word, ()):
            surnamed[key] = max(surnamed.get(key, 0.0), score - (5 if n_words > 1 else 0))

    def score(key: str, t: Totals) -> float | None:
        named = by_name.get(key) if not (n_words > 1 and entity_name(key, t)[1] != PERSON) else None
        best = max(named or 0.0, surnamed.get(key, 0.0))
        return best if (named is not None or key in surnamed) else None

    upper = {k: max(by_name.get(k, 0.0), surnamed.get(k, 0.0)) for k in [*by_name, *surnamed]}
    seen, totals = _best(store, upper, score, limit)
    names: list[str] = []
    for key in _ranked(seen, totals):
        name = entity_name(key, totals[key])[0]
        if name not in names:
            names.append(name)
        if len(names) >= limit:
            break
    return names


def _card(store: EntityQueries, key: str, limit: int) -> EntityCard:
    """``EntityIndex.card`` from the store."""
    t = store.entity_totals([key])[key]
    name, kind = entity_name(key, t)
    mentions: list[Mention] = []
    seen: set[str] = set()
    for ref in store.entity_refs(key, limit * 4) if limit else []:
        folded = " ".join(re.findall(r"\w+", ref.sentence.casefold()))
        if folded in seen:
            continue  # the same sentence in another report (a copy): said once
        seen.add(folded)
        mentions.append(Mention(ref.date, ref.headline, ref.sentence, ref.article))
        if len(mentions) >= limit:
            break
    roles = sorted(t["roles"].values(), key=ei.role_rank, reverse=True)
    if roles:
        recent = max(roles, key=ei.recent_rank)
        roles = [recent] + [r for r in roles if r is not recent]
    top = store.entity_co(key, 40)  # heapq.nlargest(40, co.items()) of the index
    others = store.entity_heads([k for k, _ in top])
    top = [kv for kv in top if kv[0] in others]
    top.sort(key=lambda kv: (kv[1], others[kv[0]][3]), reverse=True)
    co = [(others[k][0], n) for k, n in top[:8]]
    aliases = [s for s, _ in sorted(t["surf"].items(), key=lambda kv: -kv[1]) if s != name][:8]
    return EntityCard(
        name=name, type=kind, roles=ei._distinct_roles(r["text"] for r in roles)[:5], article_count=t["articles"],
        first_seen=t["first"], last_seen=t["last"], mentions=mentions, co_mentions=co, aliases=aliases,
        article_ids=(), key=key,  # not listed: a popular entity has hundreds of thousands
    )


def who(store: EntityQueries, query: str, limit: int = 5) -> WhoResult:
    """``EntityIndex.who`` from the store: the card of the best match, other matches, or
    suggestions."""
    ranked, suggestions, fuzzy, totals = _candidates(store, query)
    if not ranked:
        return WhoResult(query=query, suggestions=suggestions)
    card = _card(store, ranked[0][1], limit)
    others: list[str] = []
    for _, key in ranked[1:]:
        name = entity_name(key, totals[key])[0]
        if name != card.name and name not in others:
            others.append(name)
        if len(others) >= 5:
            break
    return WhoResult(query=query, card=card, others=others, fuzzy=fuzzy)


def _visible_source(name: str, visible: Callable[[str], bool]) -> bool:
    return bool(name) and visible(name)


def _unseen(store: EntityQueries, key: str, t: Totals, visible: Callable[[str], bool]) -> list[str]:
    """The articles of an entity a reader who sees only ``visible`` sources does not see:
    from hidden sources, and not also carried by a visible one."""
    hidden = [s for s in t["src"] if not _visible_source(s, visible)]
    if not hidden:
        return []
    return [aid for aid, stored, also in store.entity_hidden_refs(key, hidden)
            if not (stored and any(_visible_source(n, visible) for n in also))]


def _as_seen(store: EntityQueries, result: WhoResult, visible: Callable[[str], bool],
             limit: int) -> tuple[WhoResult, list[str]]:
    """The result as a chat that sees only ``visible`` sources sees it (the in-memory
    ``_as_seen``), and the card's articles that chat does not see."""
    names = list(dict.fromkeys([*result.others, *result.suggestions]))
    keys = store.entity_keys([ner.fold(n) for n in names]) if names else {}
    heads = store.entity_heads({k for ks in keys.values() for k in ks})
    wanted = set(names)  # only the entities that have one of these names are read whole
    totals = store.entity_totals({k for k, h in heads.items() if h[0] in wanted})

    def known(name: str) -> bool:  # an entity of that name is in an article this chat sees
        for key in keys.get(ner.fold(name), ()):
            t = totals.get(key)
            if t is not None and entity_name(key, t)[0] == name and len(_unseen(store, key, t, visible)) < t["articles"]:
                return True
        return False

    others = [o for o in result.others if known(o)]
    suggestions = [o for o in result.suggestions if known(o)]
    card = result.card
    if card is None:
        return dataclasses.replace(result, others=others, suggestions=suggestions), []
    t = store.entity_totals([card.key])[card.key]
    unseen = _unseen(store, card.key, t, visible)
    if not unseen:
        return dataclasses.replace(result, others=others), []
    if len(unseen) >= t["articles"]:
        return WhoResult(query=result.query, suggestions=[o for o in [*others, *suggestions] if o != card.name][:5]), []
    mentions: list[Mention] = []
    seen: set[str] = set()
    page, skip = limit * 4, list(unseen)
    refs = store.entity_refs(card.key, page, skip=skip)
    while True:
        for ref in refs:
            folded = " ".join(re.findall(r"\w+", ref.sentence.casefold()))
            if folded not in seen:
                seen.add(folded)
                mentions.append(Mention(ref.date, ref.headline, ref.sentence, ref.article))
            if len(mentions) >= limit * 2:
                break
        if len(mentions) >= limit * 2 or len(refs) < page:
            break
        page *= 4
        refs = store.entity_refs(card.key, page, skip=skip)
        mentions, seen = [], set()
    # co-mentions in the articles seen: the counts less those of the unseen articles; the
    # 8 best of them are among the 8 + (entities of unseen articles) best counts
    taken: Counter[str] = Counter()
    for _aid, ks in store.entity_keys_of_articles(unseen).items():
        taken.update(k for k in ks if k != card.key)
    co = Counter({k: n - taken.get(k, 0) for k, n in store.entity_co(card.key, 8 + len(taken))})
    top = [(k, n) for k, n in co.most_common() if n > 0][:8]
    named = store.entity_heads([k for k, _ in top])
    first, last = store.entity_span(card.key, skip=unseen)
    card = dataclasses.replace(
        card, article_count=t["articles"] - len(unseen), first_seen=first, last_seen=last, mentions=mentions,
        co_mentions=[(named[k][0], n) for k, n in top if k in named],
    )
    return dataclasses.replace(result, card=card, others=others), unseen


class _Reads:
    """A store's queries for one answer, keeping the totals it read whole (the card's are
    wanted again once a chat's sources are applied)."""

    def __init__(self, store: EntityQueries) -> None:
        self._store = store
        self._whole: dict[str, Totals] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def entity_totals(self, keys: Iterable[str], *, brief: bool = False) -> dict[str, Totals]:
        keys = list(keys)
        if brief:
            return self._store.entity_totals(keys, brief=True)
        missing = [k for k in keys if k not in self._whole]
        if missing:
            self._whole.update(self._store.entity_totals(missing))
        return {k: self._whole[k] for k in keys if k in self._whole}


def lookup(store: EntityQueries, name: str, *, limit: int = 5,
           visible: Callable[[str], bool] | None = None) -> WhoResult:
    """What :func:`summaries.index.entity_index.lookup` answers, from the store's queries."""
    query = " ".join((name or "").split())
    if not query:
        return WhoResult(query=query)
    store = _Reads(store)  # type: ignore[assignment]
    result = who(store, query, limit * 2)
    unseen: list[str] = []
    if visible is not None:
        result, unseen = _as_seen(store, result, visible, limit)
    if result.card is None:
        return result
    card = result.card
    story = store.stories_of([m.article_id for m in card.mentions])
    card = dataclasses.replace(card, mentions=ei.one_per_story(card.mentions, story.get)[:limit],
                               story_count=store.entity_story_count(card.key, skip=unseen))
    return dataclasses.replace(result, card=card)


def name_for_token(store: EntityQueries, token: str) -> str | None:
    """The indexed entity name whose :func:`~summaries.index.entity_index.name_token` is ``token``."""
    return store.entity_by_token(token)
