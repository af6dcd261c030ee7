"""``/who``: who or what a name is, from the reads of whatever holds the entity index.

One code answers for every backend. The reads (:class:`~summaries.store.entity_rows.EntityReads`)
are the in-memory index's (:class:`~summaries.index.memory.MemoryReads`, TinyDB
deployments) or a server store's (PostgreSQL: a few indexed queries on tables derived
from the entity documents, so that a bot process on a database of a million articles
holds no index in memory). Only the fuzzy part ("did you mean", suggestions) needs every
name at once: rapidfuzz runs over the distinct lookup names and surnames
(:class:`~summaries.store.entity_rows.Choices`).

Candidates of equal rank (as many articles, the same last date) are ordered by key.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from newsbrief.summaries.index.records import EntityCard, Mention, WhoResult
from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp.entities import PERSON
from newsbrief.summaries.store.entity_rows import EntityReads, EntityTotals, Head

__all__ = ["MATCH_CUTOFF", "SUGGEST_CUTOFF", "ANSWERED", "lookup", "who", "card", "query_forms", "one_per_story"]

# rapidfuzz ratio above which a misspelt name answers, with "did you mean": measured on the
# labelled BBC set by bench/eval_entities.py (one-letter typos of indexed names against
# names the index does not hold)
MATCH_CUTOFF = 88
SUGGEST_CUTOFF = 60
_TITLE_CI = {w.casefold() for w in ner.TITLE_WORDS}


def query_forms(query: str) -> list[str]:
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


# -- answers ---------------------------------------------------------------------------


def _rank(t: EntityTotals) -> tuple[int, str]:
    return t.articles, t.last


def _ranked(scored: dict[str, float], totals: Mapping[str, EntityTotals]) -> list[str]:
    return sorted(sorted(scored), key=lambda k: (scored[k], *_rank(totals[k])), reverse=True)


def _tier(forms: Sequence[str], bare: Mapping[str, bool], key: str, t: EntityTotals) -> float:
    """How well an entity answers the typed forms that reach it (:func:`_candidates`):
    3 its name, 2 a form the news wrote, 1 an alias; 0.5 a lone-word person reached by a bare surname."""
    name, kind = t.name, t.type
    best = 0.0
    for form in forms:
        if form == ner.fold(name):
            tier = 3.0
        elif form in {ner.fold(s) for s in t.surfaces}:
            tier = 2.0
        else:
            tier = 1.0
        if bare[form] and kind == PERSON and len(name.split()) == 1:
            tier = 0.5
        best = max(best, tier)
    return best


ANSWERED = 6  # entities an answer names: the card's and five others
_HEADS_OVER = 32  # more candidates than this: ranked by their heads first (_best)


def _best(
    reads: EntityReads,
    upper: Mapping[str, float],
    score: Callable[[str, EntityTotals], float | None],
    names: int,
    head_upper: Callable[[str, Head], float] | None = None,
) -> tuple[dict[str, float], dict[str, EntityTotals]]:
    """The best-scored candidates, enough of them to name ``names`` entities, and their totals.

    ``upper`` is the most each candidate can score (``head_upper``, when given, says it
    from the candidate's head), ``score`` what it does score given its totals (None: not
    a candidate after all). A bare surname may reach thousands of people
    on a large database: their heads (name, articles, last date; no totals) put them in
    order of ``upper``, and totals are read for the first of them, and more only while a
    candidate not read could still rank above the ``names`` best read. The result is the
    one of scoring them all."""

    def scored_of(keys: Iterable[str], totals: Mapping[str, EntityTotals]) -> dict[str, float]:
        out = {}
        for key in keys:
            if key in totals and (value := score(key, totals[key])) is not None:
                out[key] = value
        return out

    if len(upper) <= _HEADS_OVER:
        totals = reads.entity_totals(upper, brief=True)
        return scored_of(upper, totals), totals
    heads = reads.entity_heads(upper)
    bound = {k: (head_upper(k, h) if head_upper else upper[k], h[1], h[2]) for k, h in heads.items()}
    order = sorted(sorted(heads), key=bound.__getitem__, reverse=True)
    take = _HEADS_OVER
    while True:
        totals = reads.entity_totals(order[:take], brief=True)
        scored = scored_of(order[:take], totals)
        if take >= len(order):
            return scored, totals
        ranked, named, last = _ranked(scored, totals), [], None
        for key in ranked:
            name = totals[key].name
            if name not in named:
                named.append(name)
                if len(named) >= names:
                    last = key
                    break
        if last is not None and (scored[last], *_rank(totals[last])) > bound[order[take]]:
            return {k: scored[k] for k in ranked[: ranked.index(last) + 1]}, totals
        take *= 4


def _candidates(
    reads: EntityReads, query: str
) -> tuple[list[tuple[float, str]], list[str], bool, dict[str, EntityTotals]]:
    """(score, key) best first for a typed name, the names to suggest when nothing
    matches, whether the match is only a close spelling (fuzzy), and the candidates read
    (on a large database, the first of them: see :func:`_best`).

    A name, a form the news wrote or an alias answers. A bare surname reaches the full
    names of the people who have it, the most prominent first (a lone-word entry with
    that surname comes after them). A spelling within :data:`MATCH_CUTOFF` of a name
    answers as a "did you mean"; below it there is no answer, only suggestions."""
    forms = query_forms(query)
    exact = reads.entity_keys(forms)
    single = [f for f in forms if len(f.split()) == 1]
    with_surname = reads.entity_keys(single, surnames=True) if single else {}
    bare = {form: len(form.split()) == 1 and bool(with_surname.get(form)) for form in forms}
    reached: dict[str, list[str]] = {}
    for form in forms:
        for key in exact.get(form, ()):
            reached.setdefault(key, []).append(form)
    # the best a candidate can score: 3 by its name (a column of its head), else 2 (its
    # surface forms are in its totals)
    scored, totals = _best(
        reads,
        dict.fromkeys(reached, 3.0),
        lambda key, t: _tier(reached[key], bare, key, t),
        ANSWERED,
        head_upper=lambda key, head: 3.0 if ner.fold(head.name) in reached[key] else 2.0,
    )
    if scored:
        return [(scored[k], k) for k in _ranked(scored, totals)], [], False, totals
    if forms:
        choices = reads.entity_choices()
        close: dict[str, float] = {}
        for form in forms:
            for alias, score in choices.extract(form, cutoff=MATCH_CUTOFF, limit=8):
                close[alias] = max(close.get(alias, 0.0), score)
        if close:
            keys = reads.entity_keys(list(close))
            for alias, score in close.items():
                for key in keys.get(alias, ()):
                    scored[key] = max(scored.get(key, 0.0), score / 100.0)
            scored, totals = _best(reads, scored, lambda key, t: scored[key], ANSWERED)
        if scored:
            return [(scored[k], k) for k in _ranked(scored, totals)], [], True, totals
    return [], _suggest(reads, forms[0] if forms else ""), False, totals


def _suggest(reads: EntityReads, form: str, limit: int = 5) -> list[str]:
    """Names close to ``form`` and of its shape: as many words, and a name of several
    words only suggests people; a word of it close to a surname suggests that person
    ("Dixon" -> Ashutosh Dixit)."""
    if not form:
        return []
    choices = reads.entity_choices()
    if not choices.names:
        return []
    n_words = len(form.split())
    close = choices.extract(form, cutoff=SUGGEST_CUTOFF, limit=limit * 6, words=n_words)
    last = form.split()[-1]
    near: list[tuple[str, float]] = []
    if len(last) >= 3 and choices.surnames:
        near = [
            (word, score)
            for word, score in choices.extract(last, cutoff=65, limit=limit * 2, surnames=True)
            if not (n_words > 1 and word == last)
        ]  # "Elon Musk": another Musk only by the whole name
    keys = reads.entity_keys([a for a, _ in close]) if close else {}
    by_surname = reads.entity_keys([w for w, _ in near], surnames=True) if near else {}
    by_name: dict[str, float] = {}
    for alias, score in close:
        for key in keys.get(alias, ()):
            by_name[key] = max(by_name.get(key, 0.0), score)
    surnamed: dict[str, float] = {}
    for word, score in near:
        for key in by_surname.get(word, ()):
            surnamed[key] = max(surnamed.get(key, 0.0), score - (5 if n_words > 1 else 0))

    def score(key: str, t: EntityTotals) -> float | None:
        named = by_name.get(key) if not (n_words > 1 and t.type != PERSON) else None
        best = max(named or 0.0, surnamed.get(key, 0.0))
        return best if (named is not None or key in surnamed) else None

    upper = {k: max(by_name.get(k, 0.0), surnamed.get(k, 0.0)) for k in [*by_name, *surnamed]}
    seen, totals = _best(reads, upper, score, limit)
    names: list[str] = []
    for key in _ranked(seen, totals):
        name = totals[key].name
        if name not in names:
            names.append(name)
        if len(names) >= limit:
            break
    return names


def card(reads: EntityReads, key: str, limit: int = 5, totals: EntityTotals | None = None) -> EntityCard:
    """An entity's card: name, type, roles, counts, its ``limit`` latest mentions (one per
    sentence), the entities mentioned with it most, the other forms of its name.
    ``totals``: the entity as already read whole."""
    t = totals if totals is not None else reads.entity_totals([key])[key]
    mentions: list[Mention] = []
    seen: set[str] = set()
    for ref in reads.entity_refs(key, limit * 4) if limit else []:
        folded = " ".join(re.findall(r"\w+", ref.sentence.casefold()))
        if folded in seen:
            continue  # the same sentence in another report (a copy): said once
        seen.add(folded)
        mentions.append(Mention(ref.date, ref.headline, ref.sentence, ref.article))
        if len(mentions) >= limit:
            break
    # most articles together first; among equals, the more prominent entity
    top = reads.entity_co(key, 40)
    others = reads.entity_heads([k for k, _ in top])
    top = [kv for kv in top if kv[0] in others]
    top.sort(key=lambda kv: (kv[1], others[kv[0]].mentions), reverse=True)
    co = [(others[k].name, n) for k, n in top[:8]]
    aliases = [s for s, _ in sorted(t.surfaces.items(), key=lambda kv: -kv[1]) if s != t.name][:8]
    return EntityCard(
        name=t.name,
        type=t.type,
        roles=list(t.roles),
        article_count=t.articles,
        first_seen=t.first,
        last_seen=t.last,
        mentions=mentions,
        co_mentions=co,
        aliases=aliases,
        article_ids=(),
        key=key,  # not listed: a popular entity has hundreds of thousands
    )


def _who(reads: EntityReads, query: str, limit: int) -> tuple[WhoResult, EntityTotals | None]:
    """The card of the best match, other matches, or suggestions; and the card's entity."""
    ranked, suggestions, fuzzy, totals = _candidates(reads, query)
    if not ranked:
        return WhoResult(query=query, suggestions=suggestions), None
    best = reads.entity_totals([ranked[0][1]])[ranked[0][1]]
    found = card(reads, best.key, limit, best)
    others: list[str] = []
    for _, key in ranked[1:]:
        name = totals[key].name
        if name != found.name and name not in others:
            others.append(name)
        if len(others) >= 5:
            break
    return WhoResult(query=query, card=found, others=others, fuzzy=fuzzy), best


def who(reads: EntityReads, query: str, limit: int = 5) -> WhoResult:
    """The card of the best match for ``query``, other matches, or suggestions (every source seen)."""
    return _who(reads, query, limit)[0]


def _visible_source(name: str, visible: Callable[[str], bool]) -> bool:
    return bool(name) and visible(name)


def _unseen(reads: EntityReads, key: str, visible: Callable[[str], bool]) -> list[str]:
    """The articles of an entity a reader who sees only ``visible`` sources does not see:
    from hidden sources, and not also carried by a visible one."""
    hidden = [s for s in reads.entity_sources(key) if not _visible_source(s, visible)]
    if not hidden:
        return []
    return [
        aid
        for aid, stored, also in reads.entity_hidden_refs(key, hidden)
        if not (stored and any(_visible_source(n, visible) for n in also))
    ]


def _as_seen(
    reads: EntityReads, result: WhoResult, best: EntityTotals | None, visible: Callable[[str], bool], limit: int
) -> tuple[WhoResult, list[str]]:
    """The result as a chat that sees only ``visible`` sources sees it, and the card's
    articles that chat does not see."""
    names = list(dict.fromkeys([*result.others, *result.suggestions]))
    keys = reads.entity_keys([ner.fold(n) for n in names]) if names else {}
    heads = reads.entity_heads({k for ks in keys.values() for k in ks})
    wanted = set(names)  # only the entities that have one of these names are read
    totals = reads.entity_totals({k for k, h in heads.items() if h.name in wanted}, brief=True)

    def known(name: str) -> bool:  # an entity of that name is in an article this chat sees
        for key in keys.get(ner.fold(name), ()):
            t = totals.get(key)
            if t is not None and t.name == name and len(_unseen(reads, key, visible)) < t.articles:
                return True
        return False

    others = [o for o in result.others if known(o)]
    suggestions = [o for o in result.suggestions if known(o)]
    found = result.card
    if found is None or best is None:
        return dataclasses.replace(result, others=others, suggestions=suggestions), []
    unseen = _unseen(reads, found.key, visible)
    if not unseen:
        return dataclasses.replace(result, others=others), []
    if len(unseen) >= best.articles:
        rest = [o for o in [*others, *suggestions] if o != found.name][:5]
        return WhoResult(query=result.query, suggestions=rest), []
    mentions: list[Mention] = []
    seen: set[str] = set()
    page, skip = limit * 4, list(unseen)
    refs = reads.entity_refs(found.key, page, skip=skip)
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
        refs = reads.entity_refs(found.key, page, skip=skip)
        mentions, seen = [], set()
    # co-mentions in the articles seen: the counts less those of the unseen articles; the
    # 8 best of them are among the 8 + (entities of unseen articles) best counts
    taken: Counter[str] = Counter()
    for _aid, ks in reads.entity_keys_of_articles(unseen).items():
        taken.update(k for k in ks if k != found.key)
    co = Counter({k: n - taken.get(k, 0) for k, n in reads.entity_co(found.key, 8 + len(taken))})
    top = [(k, n) for k, n in co.most_common() if n > 0][:8]
    named = reads.entity_heads([k for k, _ in top])
    first, last = reads.entity_span(found.key, skip=unseen)
    found = dataclasses.replace(
        found,
        article_count=best.articles - len(unseen),
        first_seen=first,
        last_seen=last,
        mentions=mentions,
        co_mentions=[(named[k].name, n) for k, n in top if k in named],
    )
    return dataclasses.replace(result, card=found, others=others), unseen


def lookup(reads: EntityReads, name: str, *, limit: int = 5, visible: Callable[[str], bool] | None = None) -> WhoResult:
    """Who or what ``name`` is: any alias, any case, a surname alone or a small typo
    reaches the entry; the best ranked match is the card, others are offered; with no
    match, the closest names are suggested. Call it inside ``reads.reading()``.

    ``visible`` says which source names the asking chat may see (chats may have sources
    of their own): the card is then made from those articles only, and names known only
    from other chats' sources are neither shown nor offered."""
    query = " ".join((name or "").split())
    if not query:
        return WhoResult(query=query)
    result, best = _who(reads, query, limit * 2)
    unseen: list[str] = []
    if visible is not None:
        result, unseen = _as_seen(reads, result, best, visible, limit)
    if result.card is None:
        return result
    found = result.card
    story = reads.stories_of([m.article_id for m in found.mentions])
    found = dataclasses.replace(
        found,
        mentions=one_per_story(found.mentions, story.get)[:limit],
        story_count=reads.entity_story_count(found.key, skip=unseen),
    )
    return dataclasses.replace(result, card=found)
