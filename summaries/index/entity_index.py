"""The entity index behind ``/who NAME``: who or what is this, according to the news we hold.

One entry per real-world entity (person, organisation, place, event) with its canonical
name, aliases, roles, the articles that mention it (with the sentence) and the entities
mentioned alongside it. Built from :func:`summaries.nlp.entities.extract`, updated as
articles arrive (:func:`index_articles`) and as old ones are pruned
(:func:`forget_articles`), persisted in the store's ``entities`` table and answered from (:func:`lookup`,
:func:`format_card`).

The ``entities`` table holds two kinds of documents:

* ``{"k": "a:<article id>", "article": id, "date", "headline", "seq", "v", "sents": [...],
  "ents": {key: {"t", "n", "names", "surf", "roles", "s"}}}``, one per indexed article: what
  that article contributed to each entity (type, mention count, names and surface forms,
  roles, the index of its first sentence in ``sents``; defaults are left out). This is the source of truth: it
  makes re-indexing idempotent (an article's old contribution is taken out before its new
  one goes in) and pruning exact.
* ``{"k": "e:<key>", "entity": key, "name", "type", "aliases", "roles", "articles",
  "mentions", "first_seen", "last_seen", "lookup", "surfaces", "card_roles"}``, one per
  entity: a materialised summary for other readers of the database, rewritten for every
  entity a batch touches. ``lookup`` (the folded names a lookup reaches it by),
  ``surfaces`` (every form the news wrote, with counts) and ``card_roles`` (the roles its
  card shows) are what ``/who`` reads: a server store keeps its lookup tables from them
  without the rules here (:mod:`summaries.store.entity_rows`); documents written before
  they were added are written again by :func:`refresh_entity_documents`.

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
index reloads too. ``/who`` itself is :mod:`summaries.index.lookup`, one code answering
from the reads of whatever holds the index (:func:`entity_reads`): the store's own
(``NewsStore.entity_reads``, PostgreSQL) or the index in memory (TinyDB).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Any

from newsbrief.summaries.index.contributions import UNSURE, contribution
from newsbrief.summaries.index.lookup import MATCH_CUTOFF, SUGGEST_CUTOFF, card, one_per_story
from newsbrief.summaries.index.lookup import lookup as answer
from newsbrief.summaries.index.memory import EntityIndex, MemoryReads
from newsbrief.summaries.index.records import EntityCard, Mention, WhoResult
from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp.entities import EVENT, ORG, PERSON, PLACE, PRODUCT, Extracted
from newsbrief.summaries.store.base import NewsStore
from newsbrief.summaries.store.entity_rows import EntityReads, name_token

__all__ = [
    "Mention",
    "EntityCard",
    "WhoResult",
    "EntityIndex",
    "MATCH_CUTOFF",
    "SUGGEST_CUTOFF",
    "index_articles",
    "index_extracted",
    "extracted_record",
    "extracted_from_record",
    "forget_articles",
    "reindex_all",
    "reindex_stale",
    "refresh_entity_documents",
    "stale_articles",
    "unindexed_articles",
    "list_entities",
    "card_record",
    "ENTITY_TYPES",
    "lookup",
    "name_for_token",
    "name_token",
    "entity_reads",
    "format_card",
    "reports_line",
    "get_index",
    "one_per_story",
]

log = logging.getLogger(__name__)
_contribution = contribution  # one article's mentions of an entity as its contribution (tests of the rules)


# -- the store-level API ---------------------------------------------------------------


def get_index(store: NewsStore) -> EntityIndex:
    """The in-memory index of this store: loaded from its documents once, and again
    after the store reloads its data (it is held by the store, see ``NewsStore.cached``)."""
    with store.lock:
        return store.cached("entity-index", lambda: EntityIndex.load(store))


def _drop(store: NewsStore) -> None:
    store.drop_cached("entity-index")


def _persist(store: NewsStore, idx: EntityIndex, articles_gone: set[str], keys: set[str]) -> None:
    """Write what changed: the documents of new, re-indexed or rewritten articles and of
    the entities touched; remove those of forgotten articles and vanished entities."""
    articles_touched = {a for a in idx.dirty if a in idx.articles}
    idx.dirty.clear()
    idx.outdated -= keys
    remove = [f"a:{aid}" for aid in articles_gone if aid not in idx.articles]
    remove += [f"e:{key}" for key in keys if key not in idx.entities]
    records = [idx.article_doc_payload(aid) for aid in sorted(articles_touched)]
    records += [idx.entity_doc_payload(key) for key in sorted(keys) if key in idx.entities]
    store.put_documents("entities", records, remove=remove)


def index_articles(store: NewsStore, articles: Iterable[dict[str, Any]], *, max_chars: int = ner.MAX_TEXT_CHARS) -> int:
    """Extract the entities of these article records (the first ``max_chars`` characters of
    each) and merge them into the index, in one write. Re-indexing an article replaces its
    mentions. Returns how many were indexed."""
    records = [a for a in articles if a and a.get("id")]
    if not records:
        return 0
    # the model runs outside the store's lock, so lookups are not held up
    texts = [(r.get("body") or "", tuple(r.get("hashtags") or ())) for r in records]
    languages = [r.get("language") for r in records]
    try:
        found = ner.extract_many(texts, max_chars=max_chars, languages=languages)
    except Exception:  # one article the extraction cannot take (e.g. MemoryError) must not lose its batch
        log.exception("entity extraction failed for a batch of %d articles; extracting them one by one", len(texts))
        found = [_extract_one(r["id"], text, max_chars, r.get("language")) for r, text in zip(records, texts)]
    return index_extracted(store, [(r, f) for r, f in zip(records, found)])


def _extract_one(
    article_id: str, text: tuple[str, tuple[str, ...]], max_chars: int, language: str | None = None
) -> list[Extracted]:
    """One article's mentions; none (recorded in the log, indexed as empty so it is not
    tried again at these rules) if its extraction fails."""
    try:
        return ner.extract_many([text], max_chars=max_chars, languages=[language])[0]
    except Exception:
        log.exception("entities of article %s could not be extracted; it is indexed without any", article_id)
        return []


def index_extracted(store: NewsStore, items: Iterable[tuple[dict[str, Any], list[Extracted]]]) -> int:
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


def forget_articles(store: NewsStore, article_ids: Iterable[str]) -> int:
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


def stale_articles(store: NewsStore) -> list[str]:
    """Ids of indexed articles extracted with other rules than the current
    :data:`summaries.nlp.entities.RULES_VERSION`, oldest indexed first."""
    with store.lock:
        idx = get_index(store)
        arts = [a for a in idx.articles.values() if a.version != ner.RULES_VERSION]
    return [a.id for a in sorted(arts, key=lambda a: a.seq)]


def unindexed_articles(store: NewsStore) -> list[str]:
    """Ids of stored articles the index holds nothing of, in order of arrival: those a
    process summarized but died (or ran out of memory) before indexing. The scheduled
    re-index picks them up, so no article is left out of ``/who`` for good."""
    with store.lock:
        indexed = set(get_index(store).articles)
    return [aid for aid in store.article_ids() if aid not in indexed]


def reindex_stale(store: NewsStore, limit: int = REINDEX_BATCH, *, max_chars: int = ner.MAX_TEXT_CHARS) -> int:
    """Re-extract up to ``limit`` articles indexed with older extraction rules, so that
    entries made by old rules do not linger; an indexed article the store no longer holds
    is forgotten. The scheduled job calls this on every run (off the event loop), so a
    rules change re-indexes the whole store by itself, a batch at a time. Returns how
    many articles were re-indexed or forgotten (entity documents of an older release are
    written again first: :func:`refresh_entity_documents`)."""
    if store.entity_reads() is not None:
        refresh_entity_documents(store)
    ids = stale_articles(store)[: max(0, limit)]
    ids += unindexed_articles(store)[: max(0, limit - len(ids))]
    if not ids:
        return 0
    records, gone = [], []
    for aid in ids:
        record = store.get_article(aid)
        (records.append(record) if record else gone.append(aid))
    n = forget_articles(store, gone) if gone else 0
    n += index_articles(store, records, max_chars=max_chars)
    log.info(
        "entities: re-indexed %d articles with extraction rules v%d (%d left)",
        n,
        ner.RULES_VERSION,
        len(stale_articles(store)),
    )
    return n


def refresh_entity_documents(store: NewsStore, batch: int = 2000) -> int:
    """Write again the entity documents stored without what ``/who`` reads of them (by a
    release before they carried it), so that a server store's lookup tables have every
    entity's names. The scheduled job calls this with :func:`reindex_stale`. Returns how
    many were written."""
    done = 0
    with store.lock:
        idx = get_index(store)
        keys = sorted(k for k in idx.outdated if k in idx.entities)
    for lo in range(0, len(keys), batch):
        with store.batch():
            idx = get_index(store)
            try:
                idx.sync_names()
                part = [k for k in keys[lo : lo + batch] if k in idx.entities]
                _persist(store, idx, set(), set(part))
            except BaseException:
                _drop(store)
                raise
            done += len(part)
    if done:
        log.info("entities: %d entity documents written again with their lookup names", done)
    return done


def reindex_all(store: NewsStore) -> int:
    """Index every stored article (and forget entries of articles no longer stored)."""
    records = list(store.iter_articles())
    idx = get_index(store)
    stale = set(idx.articles) - {r["id"] for r in records}
    if stale:
        forget_articles(store, stale)
    return index_articles(store, records)


ENTITY_TYPES = (PERSON, ORG, PLACE, EVENT, PRODUCT)


def list_entities(store: NewsStore, *, top: int | None = 50, kind: str | None = None) -> list[EntityCard]:
    """The entities of the index, most articles first (then most mentions), as cards
    without mentions: name, type, aliases, roles, article count, first and last seen.
    ``kind`` keeps one type (see :data:`ENTITY_TYPES`); lone words with no evidence of
    what they are (type ``"?"``) are left out."""
    if kind is not None and kind not in ENTITY_TYPES:
        raise ValueError(f"unknown entity type {kind!r} (one of {', '.join(ENTITY_TYPES)})")
    reads = MemoryReads(store, get_index)
    with reads.reading():
        idx = reads.index
        ents = [
            e for e in idx.entities.values() if e.articles and e.type != UNSURE and (kind is None or e.type == kind)
        ]
        ents.sort(key=lambda e: (-len(e.articles), -e.mentions, e.name))
        return [card(reads, e.key, limit=0) for e in (ents if top is None else ents[: max(0, top)])]


def card_record(card: EntityCard) -> dict[str, Any]:
    """A card as plain data (for JSON): name, type, aliases, roles, article count, dates."""
    return {
        "name": card.name,
        "type": card.type,
        "aliases": list(card.aliases),
        "roles": list(card.roles),
        "articles": card.article_count,
        "first_seen": card.first_seen,
        "last_seen": card.last_seen,
    }


def entity_reads(store: NewsStore) -> EntityReads:
    """What ``/who`` reads on this store: the store's own reads when it keeps them (a
    server store), else the entity index in memory."""
    reads = store.entity_reads()
    return reads if reads is not None else MemoryReads(store, get_index)


def lookup(store: NewsStore, name: str, *, limit: int = 5, visible: Callable[[str], bool] | None = None) -> WhoResult:
    """Who or what ``name`` is (:func:`summaries.index.lookup.lookup`), from this store's
    entity reads (:func:`entity_reads`)."""
    reads = entity_reads(store)
    with reads.reading():
        return answer(reads, name, limit=limit, visible=visible)


# -- text ------------------------------------------------------------------------------

_TYPE_WORDS = {PERSON: "person", ORG: "organisation", PLACE: "place", EVENT: "event", PRODUCT: "product"}


def name_for_token(store: NewsStore, token: str) -> str | None:
    """The indexed entity name whose :func:`name_token` is ``token``, if any."""
    reads = entity_reads(store)
    with reads.reading():
        return reads.entity_by_token(token)


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
        lines = [f'No one called "{result.query}" in the news we hold.']
        if result.suggestions:
            lines.append("Did you mean: " + ", ".join(result.suggestions) + "?")
        else:
            lines.append("No similar names either; try a surname or another spelling.")
        return "\n".join(lines)
    c = result.card
    span = c.first_seen if c.first_seen == c.last_seen else f"{c.first_seen} to {c.last_seen}"
    lines = [f"{c.name} ({_TYPE_WORDS.get(c.type, c.type)})"]
    if result.fuzzy:
        lines.append(f'No one is called "{result.query}": did you mean {c.name}?')
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
                lines.append(f'  "{m.sentence}"')
    if c.co_mentions:
        lines.append("")
        lines.append("Mentioned with: " + ", ".join(f"{name} ({k})" for name, k in c.co_mentions))
    if result.others:
        lines.append("")
        lines.append("Other matches: " + ", ".join(result.others))
    return "\n".join(lines)
