"""What every newsbrief store provides: the one interface the rest of newsbrief uses.

Nothing outside this package touches a database. Each table is reached through the
methods below, written so that another backend (a server database) can implement them
without callers changing:

* **articles** are upserted in batches and read by id, by day or newest first;
* **summaries**, **stories**, **entities**, **sources**, **chats** and **deliveries** are
  documents keyed by one field each (article id, story id, ``k``, source name, chat id),
  put and removed in batches.

Beyond the tables, :class:`NewsStore` declares every capability a backend may have
(:mod:`summaries.store.capabilities`: the work queue, delivery claims, the delivery journal,
status); :attr:`NewsStore.capabilities` says which this one supports, and the others raise
:class:`NotSupported` saying what to do.

:meth:`NewsStore.batch` groups writes into one durable write; :attr:`NewsStore.generation`
grows whenever the store's data is reloaded (for instance after a failed write was rolled
back), so that in-memory mirrors (chats, deliveries, the entity and story indexes) know to
reload.
"""

from __future__ import annotations

import abc
import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.store.capabilities import Capabilities, DeliveryClaims, DeliveryJournal, StoreStatus, WorkQueue
from newsbrief.summaries.store.entity_rows import EntityReads
from newsbrief.summaries.store.errors import NotSupported, StoreError, StoreLocked
from newsbrief.summaries.store.records import ArticleHead, ArticleRecord, Document, StoryRecord, SummaryRecord

__all__ = [
    "NewsStore",
    "StoreError",
    "StoreLocked",
    "NotSupported",
    "Capabilities",
    "UpsertReport",
    "StoryListing",
    "light_record",
    "LEAD_CHARS",
    "TABLES",
    "KEYS",
    "SCHEMA_VERSION",
]

TABLES = (
    "articles",
    "summaries",
    "stories",
    "entities",
    "chats",
    "deliveries",
    "sources",
    "chat_sources",
    "alerts",
    "meta",
)
KEYS = {
    "entities": "k",
    "sources": "name",
    "chats": "chat_id",
    "deliveries": "chat_id",
    "chat_sources": "name",
    "alerts": "chat_id",
}  # keyed tables
SCHEMA_VERSION = 1


T = TypeVar("T")
_JOB_LOCKS = threading.Lock()  # guards the lazy creation of each store's job lock


@dataclass
class UpsertReport:
    """What a batch of articles did to the store."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (article id, id it duplicates)


LEAD_CHARS = 600  # characters of a body a briefing listing carries (its lead)


def light_record(article: Mapping[str, Any]) -> ArticleRecord:
    """An article record without its body: ``lead`` holds the body's first
    :data:`LEAD_CHARS` characters and ``body_cut`` says whether more followed (read the
    whole article with ``get_article`` when the rest is needed)."""
    body = article.get("body") or ""
    out: ArticleRecord = {k: v for k, v in article.items() if k != "body"}  # type: ignore[assignment]
    out["lead"] = body[:LEAD_CHARS]
    out["body_cut"] = len(body) > LEAD_CHARS
    return out


@dataclass
class StoryListing:
    """What a briefing reads of some articles, without their bodies (see
    :func:`light_record`): the listed ``articles`` newest first, the story of each
    clustered one (``story_of``), every stored member of those stories (``members``, by
    story id, light records too) and the stored summaries of all of them (by article id)."""

    articles: list[ArticleRecord] = field(default_factory=list)
    story_of: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[ArticleRecord]] = field(default_factory=dict)
    summaries: dict[str, SummaryRecord] = field(default_factory=dict)


class NewsStore(WorkQueue, DeliveryClaims, DeliveryJournal, StoreStatus, abc.ABC):
    """The newsbrief database. Use as a context manager or call :meth:`close`.

    Besides the tables below it declares every capability a backend may have (see
    :mod:`summaries.store.capabilities`): :attr:`capabilities` says which this one
    supports; the methods of the others raise :class:`NotSupported`."""

    readonly: bool = False
    generation: int = 0

    @property
    def job_lock(self) -> threading.Lock:
        """Held by the pipeline run going on for this store in this process (one at a time)."""
        with _JOB_LOCKS:
            lock = self.__dict__.get("_job_lock")
            if lock is None:
                lock = self.__dict__["_job_lock"] = threading.Lock()
            return lock

    def cached(self, name: str, build: Callable[[], T]) -> T:
        """An object derived from this store's data (an in-memory index), built on first
        use and again after the store reloads its data; held by the store, so two stores
        in one process never share one."""
        with _JOB_LOCKS:
            cache = self.__dict__.setdefault("_derived", {})
            entry = cache.get(name)
        if entry is not None and entry[0] == self.generation:
            return entry[1]
        value = build()
        with _JOB_LOCKS:
            cache[name] = (self.generation, value)
        return value

    def drop_cached(self, name: str) -> None:
        """Forget a derived object (it is rebuilt on next use)."""
        with _JOB_LOCKS:
            self.__dict__.setdefault("_derived", {}).pop(name, None)

    # -- lifecycle

    @abc.abstractmethod
    def close(self) -> None:
        """Make every change durable and release the database."""

    def __enter__(self) -> NewsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def batch(self) -> contextlib.AbstractContextManager[NewsStore]:
        """Group writes: the changes become durable together when the outermost batch
        ends; if the block raises, none of them are kept."""

    @property
    @abc.abstractmethod
    def lock(self) -> contextlib.AbstractContextManager[Any]:
        """Held while reading several things that must be consistent with each other."""

    @contextlib.contextmanager
    def session(self) -> Iterator[NewsStore]:
        """Several reads on one connection (a server store takes it once); nothing to do here."""
        yield self

    # -- articles

    @abc.abstractmethod
    def upsert_articles(self, articles: Iterable[Article], *, now: str | None = None) -> UpsertReport:
        """Store articles in one write: new ones added (stamped ``ingested_at`` = ``now``,
        default the current UTC time), changed ones updated, exact duplicates of a stored
        article (same cleaned body) skipped."""

    @abc.abstractmethod
    def get_article(self, article_id: str) -> ArticleRecord | None: ...

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, ArticleRecord]:
        """Several articles by id (missing ones left out)."""
        found = {aid: self.get_article(aid) for aid in article_ids}
        return {aid: a for aid, a in found.items() if a is not None}

    def article_heads(self, article_ids: Sequence[str]) -> dict[str, ArticleHead]:
        """Id, date, headline and content hash of several articles, without their bodies."""
        return {
            aid: {"id": aid, "date": a["date"], "headline": a.get("headline") or "", "content_hash": a["content_hash"]}
            for aid, a in self.get_articles(article_ids).items()
        }

    @abc.abstractmethod
    def article_ids(self) -> list[str]: ...

    def article_ids_starting(self, prefix: str, limit: int | None = None) -> list[str]:
        """Ids that start with ``prefix``, in order of arrival (at most ``limit``)."""
        ids = [i for i in self.article_ids() if i.startswith(prefix)]
        return ids if limit is None else ids[:limit]

    @abc.abstractmethod
    def article_count(self) -> int: ...

    @abc.abstractmethod
    def article_hashes(self) -> dict[str, str]:
        """Every stored article's id and content hash."""

    @abc.abstractmethod
    def latest_articles(
        self, limit: int | None = None, *, on_date: str | None = None, since: str | None = None
    ) -> list[ArticleRecord]:
        """Articles newest first (by date, then order of arrival); ``on_date`` keeps one
        day, ``since`` that day and later (ISO dates)."""

    def story_listing(self, limit: int | None = None, *, on_date: str | None = None) -> StoryListing:
        """The articles :meth:`latest_articles` lists (``on_date`` one day, ``limit`` the
        newest), with their stories, the stories' members and their stored summaries,
        without article bodies: what a briefing needs. This default reads them through
        the methods above; a server store answers in a few indexed queries."""
        listing = StoryListing(articles=[light_record(a) for a in self.latest_articles(limit, on_date=on_date)])
        for article in listing.articles:
            sid = self.story_id_of(article["id"])
            if sid is None:
                continue
            listing.story_of[article["id"]] = sid
            if sid not in listing.members:
                story = self.get_story(sid)
                members = story.get("members", {}) if story is not None else {}
                listing.members[sid] = [
                    light_record(m) for m in (self.get_article(aid) for aid in members) if m is not None
                ]
        for record in [*listing.articles, *(m for ms in listing.members.values() for m in ms)]:
            if record["id"] not in listing.summaries:
                summary = self.get_summary(record["id"])
                if summary is not None:
                    listing.summaries[record["id"]] = summary
        return listing

    @abc.abstractmethod
    def iter_articles(self) -> Iterator[ArticleRecord]:
        """Every stored article, in order of arrival."""

    @abc.abstractmethod
    def remove_articles(self, article_ids: Iterable[str]) -> int:
        """Delete articles with their summaries and story memberships; returns how many went."""

    @abc.abstractmethod
    def add_also_in(self, pairs: Iterable[tuple[str, str]]) -> list[str]:
        """Note (article id, source name) pairs: the article was also carried there."""

    # -- summaries

    @abc.abstractmethod
    def put_summaries(self, records: Iterable[SummaryRecord]) -> int:
        """Store summaries keyed by ``article_id``, replacing older ones."""

    @abc.abstractmethod
    def get_summary(self, article_id: str) -> SummaryRecord | None: ...

    # -- stories

    @abc.abstractmethod
    def put_stories(self, records: Iterable[StoryRecord], *, remove: Iterable[str] = ()) -> int:
        """Store story records (``{"id", "members": {article id: content hash}, ...}``)
        and delete the stories in ``remove``."""

    @abc.abstractmethod
    def get_story(self, story_id: str) -> StoryRecord | None: ...

    @abc.abstractmethod
    def story_id_of(self, article_id: str) -> str | None:
        """The story an article is in, if it has been clustered."""

    @abc.abstractmethod
    def iter_stories(self) -> Iterator[StoryRecord]: ...

    # -- keyed documents: entities, sources, chats, deliveries

    @abc.abstractmethod
    def documents(self, table: str) -> list[Document]:
        """Every document of one of the keyed tables (``entities`` keyed by ``k``,
        ``sources`` by ``name``, ``chats`` and ``deliveries`` by ``chat_id``)."""

    def document(self, table: str, key: str | int) -> Document | None:
        """One document of a keyed table by its key, or ``None``."""
        column = KEYS[table]
        return next((d for d in self.documents(table) if d.get(column) == key), None)

    @abc.abstractmethod
    def put_documents(self, table: str, records: Iterable[Document], *, remove: Iterable[str | int] = ()) -> int:
        """Upsert documents of a keyed table by their key (a record replaces the stored
        one whole) and delete the documents whose keys are in ``remove``; one write."""

    # -- whole tables: moving a deployment (``newsbrief store copy``)

    def export_records(self, table: str) -> list[dict[str, Any]]:
        """Every record of a table exactly as stored (articles with their ``seq`` and
        ``ingested_at``, deliveries as one document per chat)."""
        raise NotSupported(f"{type(self).__name__} cannot export tables")

    def import_records(self, table: str, records: Iterable[dict[str, Any]]) -> int:
        """Add records exactly as given (as :meth:`export_records` returns them) to an
        empty table; one write."""
        raise NotSupported(f"{type(self).__name__} cannot import tables")

    def clear(self) -> None:
        """Delete every record of every table (``store copy --force``)."""
        raise NotSupported(f"{type(self).__name__} cannot be cleared")

    # -- /who

    def entity_reads(self) -> EntityReads | None:
        """The reads ``/who`` answers from when this store keeps them (a server store, from
        tables derived from the ``entities`` documents); ``None`` when it keeps only the
        documents, and the entity index answers from memory."""
        return None
