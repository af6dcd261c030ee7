"""The PostgreSQL store: the same :class:`~summaries.store.base.NewsStore` interface on a
database server, for deployments past what one TinyDB file holds, and for several
processes (the bot and any number of workers, on any machines) sharing one database.

Every table is a relational table with the constraints that keep the data right:

* ``articles``: primary key on the id, a unique canonical URL, indexes by date (the
  briefing's "newest first") and content hash (duplicate detection); the full record is
  kept in a ``jsonb`` column, so nothing is lost whatever fields an article carries;
* ``summaries``: one per article, a foreign key to ``articles`` (deleted with it);
* ``stories`` with ``story_members`` (one row per member article, foreign key to its
  story), indexed by day;
* ``entities`` (key ``k``, index on the entity name), ``sources``, ``chats``;
* ``deliveries``: one row per (chat, day), the primary key, so a digest can be claimed
  exactly once across processes (:meth:`PostgresStore.claim_delivery`, with a lease:
  ``holder`` and ``until``);
* the worker tables (``work_claims``, ``work_done`` with each article's extracted
  entities, ``workers``, ``job_runs``) used by :mod:`summaries.pipeline.worker`.

Schema versions are applied at start-up by numbered migrations, under an advisory lock
(so two processes starting together do not race); a database written by a newer
newsbrief stops start-up with a message saying so.

Connections come from a :class:`psycopg_pool.ConnectionPool`; a dropped connection (the
server restarted) is replaced, and a call made while the server is away raises
:class:`StoreUnavailable` ("try again") instead of hanging.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from newsbrief.summaries.articles.model import Article, canonical_url
from newsbrief.summaries.store.base import KEYS, Capabilities, NewsStore, StoreError, UpsertReport, light_record
from newsbrief.summaries.store.postgres.cache import ReadCache
from newsbrief.summaries.store.postgres.common import (
    ConnectionPool,
    Jsonb,
    PoolTimeout,
    StoreUnavailable,
    psycopg,
    redact,
    sql,
)
from newsbrief.summaries.store.postgres.common import now_iso as _now
from newsbrief.summaries.store.postgres.deliveries import DeliveryTables
from newsbrief.summaries.store.postgres.entities import EntityTables
from newsbrief.summaries.store.postgres.listing import Listings
from newsbrief.summaries.store.postgres.migrate import Migrations
from newsbrief.summaries.store.postgres.schema import FUZZY_ENTITIES, MIGRATIONS, PG_SCHEMA_VERSION
from newsbrief.summaries.store.postgres.tables import WholeTables
from newsbrief.summaries.store.postgres.work import WorkTables
from newsbrief.summaries.store.records import ArticleRecord, Document, StoryRecord, SummaryRecord

__all__ = ["PostgresStore", "StoreUnavailable", "PG_SCHEMA_VERSION", "MIGRATIONS", "redact"]

log = logging.getLogger(__name__)


# keyed document tables: (table, key column, key type)
_KEYED = {
    "entities": ("k", str),
    "sources": ("name", str),
    "chats": ("chat_id", int),
    "chat_sources": ("name", str),
    "alerts": ("chat_id", int),
}
_GENERATION_TTL = 1.0  # seconds between checks of data_version


class PostgresStore(EntityTables, WorkTables, DeliveryTables, Listings, Migrations, WholeTables, NewsStore):
    """The newsbrief database on a PostgreSQL server: every capability (workers, delivery
    claims shared by every process), no delivery journal.

    ``url`` is a libpq connection URL (``postgresql://user:password@host/db``).
    ``pool_size`` bounds the connections this process opens. ``fuzzy_entities`` bounds
    the names fuzzy ``/who`` lookups search (see :meth:`entity_choices`).
    """

    backend = "postgresql"
    capabilities = Capabilities(workers=True, shared_deliveries=True, delivery_journal=False)

    def __init__(
        self,
        url: str,
        *,
        readonly: bool = False,
        pool_size: int = 8,
        connect_timeout: float = 10.0,
        migrate: bool = True,
        fuzzy_entities: int = FUZZY_ENTITIES,
    ) -> None:
        self.url = url
        self.readonly = readonly
        self.writer_id = f"{uuid.uuid4().hex[:12]}"
        self._lock = threading.RLock()
        self._local = threading.local()
        self._generation = 1
        self._seen_version: int | None = None
        self._checked = 0.0
        self._closed = False
        self._cache = ReadCache()
        self._choices_lock = threading.RLock()
        self.fuzzy_entities = fuzzy_entities
        self._choices: dict[str, Any] = {
            "value": None,
            "checked": 0.0,
            "mark": None,
            "read_at": 0.0,
            "cost": 0.0,
            "reading": False,
        }
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            open=False,
            name="newsbrief",
            kwargs={"autocommit": False, "connect_timeout": max(1, int(connect_timeout))},
            configure=self._configure,
            check=ConnectionPool.check_connection,
            timeout=connect_timeout,
            reconnect_timeout=0,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except PoolTimeout:
            self._pool.close()
            raise StoreError(
                f"cannot connect to the database {redact(url)} within {connect_timeout:g} s "
                "(is the server running, and the URL, user and password right?)"
            ) from None
        try:
            if migrate:
                self.migrate()
            else:
                self._check_version()
            self._seen_version = self.data_version()
        except BaseException:
            self._pool.close()
            raise

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute("SELECT set_config('newsbrief.writer', %s, false)", (self.writer_id,))
        conn.commit()

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.close()

    @contextlib.contextmanager
    def _conn(self, *, write: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """The connection of the current batch, or one from the pool for one transaction."""
        if write and self.readonly:
            raise StoreError(f"{redact(self.url)}: opened read-only, cannot write")
        if write:
            self._cache.clear()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        try:
            with self._pool.connection() as conn:
                yield conn
            if write:
                self._cache.clear()
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(
                f"the database is not reachable right now ({exc.__class__.__name__}: "
                f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'}); "
                "nothing was changed, try again"
            ) from None
        except psycopg.Error as exc:
            raise StoreError(f"database error: {exc.__class__.__name__}: {exc}".strip()) from exc

    @contextlib.contextmanager
    def batch(self) -> Iterator[PostgresStore]:
        """One transaction: every write in the block commits together, or none does."""
        if getattr(self._local, "conn", None) is not None:
            yield self
            return
        with self.session(), self._local.conn.transaction():
            yield self

    @contextlib.contextmanager
    def session(self) -> Iterator[PostgresStore]:
        """One pooled connection for every query of the block, taken once (a ``/who``
        answer makes a dozen small queries); as ever, each query sees what is committed."""
        if getattr(self._local, "conn", None) is not None:
            yield self
            return
        with self._conn() as conn:
            self._local.conn = conn
            try:
                yield self
            finally:
                self._local.conn = None

    @property
    def lock(self) -> threading.RLock:
        """A lock for this process's threads (the database keeps processes consistent)."""
        return self._lock

    @property
    def generation(self) -> int:  # type: ignore[override]
        """Grows when another process changed the derived tables (entities, stories), so
        that this process's in-memory indexes reload; checked at most once a second."""
        now = time.monotonic()
        if now - self._checked >= _GENERATION_TTL and not self._closed:
            self._checked = now
            try:
                with self._conn() as conn:
                    n, writer = conn.execute("SELECT n, writer FROM data_version").fetchone()
            except StoreError:
                return self._generation
            if self._seen_version is not None and n != self._seen_version and writer != self.writer_id:
                self._generation += 1
            self._seen_version = n
        return self._generation

    def reload_derived(self, version: int | None = None) -> None:
        """Make this process's in-memory indexes reload now: another process changed the
        derived tables (:class:`~summaries.pipeline.worker.Worker` knows it exactly, under its lock).
        ``version``: the ``data_version`` they will reflect, so that the next check of
        :attr:`generation` does not reload them once more for the same change."""
        self._generation += 1
        self._cache.clear()
        if version is not None:
            self._seen_version = version
            self._checked = time.monotonic()

    # -- articles ------------------------------------------------------------------

    def upsert_articles(self, articles: Iterable[Article], *, now: str | None = None) -> UpsertReport:
        report = UpsertReport()
        incoming = [a.to_record() for a in articles]
        if not incoming:
            return report
        with self._conn(write=True) as conn, self._tx(conn):
            current = {
                aid: (chash, headline, ingested, seq)
                for aid, chash, headline, ingested, seq in conn.execute(
                    "SELECT id, content_hash, doc->>'headline', ingested_at, seq FROM articles "
                    "WHERE id = ANY(%s) FOR UPDATE",
                    (list({r["id"] for r in incoming}),),
                )
            }
            hashes = list({r["content_hash"] for r in incoming})
            owners = dict(
                conn.execute(
                    "SELECT DISTINCT ON (content_hash) content_hash, id FROM articles WHERE content_hash = ANY(%s) "
                    "ORDER BY content_hash, seq",
                    (hashes,),
                )
            )
            new: list[dict[str, Any]] = []
            changed: list[dict[str, Any]] = []
            taken: set[str] = set()
            for record in incoming:  # the same decisions, in the same order, as TinyStore
                aid, chash = record["id"], record["content_hash"]
                if aid in taken:
                    report.duplicates.append((aid, aid))
                    continue
                if aid in current:
                    old_hash, old_headline, ingested, seq = current[aid]
                    if old_hash == chash and old_headline == record["headline"]:
                        report.unchanged.append(aid)
                        continue
                    record["ingested_at"] = ingested
                    record["seq"] = seq
                    changed.append(record)
                    owners.setdefault(chash, aid)
                    report.updated.append(aid)
                elif owners.get(chash, aid) != aid:
                    report.duplicates.append((aid, owners[chash]))
                    continue
                else:
                    owners[chash] = aid
                    new.append(record)
                    report.added.append(aid)
                taken.add(aid)
            if new:
                stamp = now or _now()
                seqs = [
                    row[0]
                    for row in conn.execute("SELECT nextval('article_seq') FROM generate_series(1, %s)", (len(new),))
                ]
                for record, seq in zip(new, seqs):
                    record["seq"] = seq
                    record["ingested_at"] = stamp
            rows = [
                (
                    r["id"],
                    r["seq"],
                    r["date"],
                    r["content_hash"],
                    canonical_url(r["url"]) if r.get("url") else None,
                    r["ingested_at"],
                    Jsonb(r),
                    Jsonb(light_record(r)),
                )
                for r in [*new, *changed]
            ]
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO articles (id, seq, date, content_hash, canonical_url, ingested_at, doc, light) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, "
                    "date = EXCLUDED.date, content_hash = EXCLUDED.content_hash, "
                    "canonical_url = EXCLUDED.canonical_url, ingested_at = EXCLUDED.ingested_at, doc = EXCLUDED.doc, "
                    "light = EXCLUDED.light",
                    rows,
                )
        return report

    @contextlib.contextmanager
    def _tx(self, conn: psycopg.Connection[Any]) -> Iterator[None]:
        """A transaction, or a savepoint inside the current batch's."""
        with conn.transaction():
            yield

    def get_article(self, article_id: str) -> ArticleRecord | None:
        hit, doc = self._cache.get("article", article_id)
        if hit:
            return cast(ArticleRecord, dict(doc)) if doc is not None else None
        with self._conn() as conn:
            row = conn.execute("SELECT doc FROM articles WHERE id = %s", (article_id,)).fetchone()
            return row[0] if row else None

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, ArticleRecord]:
        """Several articles by id in one query (missing ones left out)."""
        with self._conn() as conn:
            return dict(conn.execute("SELECT id, doc FROM articles WHERE id = ANY(%s)", (list(article_ids),)))

    def article_ids(self) -> list[str]:
        with self._conn() as conn:
            return [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY seq")]

    def article_ids_starting(self, prefix: str, limit: int | None = None) -> list[str]:
        """The base method without reading every id into this process."""
        query = "SELECT id FROM articles WHERE left(id, %s) = %s ORDER BY seq" + (
            " LIMIT %s" if limit is not None else ""
        )
        params = (len(prefix), prefix) + ((limit,) if limit is not None else ())
        with self._conn() as conn:
            return [r[0] for r in conn.execute(query, params)]

    def article_count(self) -> int:
        with self._conn() as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def article_hashes(self) -> dict[str, str]:
        with self._conn() as conn:
            return dict(conn.execute("SELECT id, content_hash FROM articles ORDER BY seq"))

    def iter_articles(self) -> Iterator[ArticleRecord]:
        """Every stored article in order of arrival, read in pages of 2,000 (a snapshot
        per page: articles added meanwhile may or may not appear)."""
        last = -1
        while True:
            with self._conn() as conn:
                rows = conn.execute(
                    "SELECT seq, doc FROM articles WHERE seq > %s ORDER BY seq LIMIT 2000", (last,)
                ).fetchall()
            if not rows:
                return
            for _seq, doc in rows:
                yield doc
            last = rows[-1][0]

    def remove_articles(self, article_ids: Iterable[str]) -> int:
        ids = list(set(article_ids))
        if not ids:
            return 0
        with self._conn(write=True) as conn, self._tx(conn):
            self._drop_story_members(conn, ids)
            return conn.execute("DELETE FROM articles WHERE id = ANY(%s)", (ids,)).rowcount

    def _drop_story_members(self, conn: psycopg.Connection[Any], ids: list[str]) -> None:
        touched = conn.execute(
            "SELECT s.id, s.doc FROM stories s "
            "WHERE s.id IN (SELECT story_id FROM story_members WHERE article_id = ANY(%s)) FOR UPDATE",
            (ids,),
        ).fetchall()
        if not touched:
            return
        gone_ids = set(ids)
        records, gone = [], []
        for sid, doc in touched:
            members = {a: h for a, h in doc.get("members", {}).items() if a not in gone_ids}
            (records.append({**doc, "members": members}) if members else gone.append(sid))
        self._put_stories(conn, records, gone)

    def add_also_in(self, pairs: Iterable[tuple[str, str]]) -> list[str]:
        wanted: dict[str, list[str]] = {}
        for aid, name in pairs:
            if name:
                wanted.setdefault(aid, []).append(name)
        if not wanted:
            return []
        changed: dict[str, list[str]] = {}
        with self._conn(write=True) as conn, self._tx(conn):
            for aid, source, also in conn.execute(
                "SELECT id, doc->>'source', doc->'also_in' FROM articles WHERE id = ANY(%s) FOR UPDATE", (list(wanted),)
            ).fetchall():
                before = list(also or [])
                after = list(before)
                for name in wanted[aid]:
                    if name != source and name not in after:
                        after.append(name)
                if after != before:
                    changed[aid] = after
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE articles SET doc = jsonb_set(doc, '{also_in}', %s), "
                    "light = jsonb_set(light, '{also_in}', %s) WHERE id = %s",
                    [(Jsonb(v), Jsonb(v), k) for k, v in changed.items()],
                )
        return list(changed)

    # -- summaries -----------------------------------------------------------------

    def put_summaries(self, records: Iterable[SummaryRecord]) -> int:
        """Store summaries, one per article; a summary of an article no longer stored
        (pruned meanwhile) is dropped. Returns how many were stored."""
        records = list({r["article_id"]: r for r in records}.values())
        if not records:
            return 0
        with self._conn(write=True) as conn, self._tx(conn):
            return self._put_summaries(conn, records)

    @staticmethod
    def _put_summaries(conn: psycopg.Connection[Any], records: Sequence[Mapping[str, Any]]) -> int:
        cur = conn.execute(
            "INSERT INTO summaries (article_id, doc) SELECT r.article_id, r.doc "
            "FROM jsonb_to_recordset(%s) AS r(article_id text, doc jsonb) "
            "WHERE EXISTS (SELECT 1 FROM articles a WHERE a.id = r.article_id) "
            "ON CONFLICT (article_id) DO UPDATE SET doc = EXCLUDED.doc",
            (Jsonb([{"article_id": r["article_id"], "doc": r} for r in records]),),
        )
        return cur.rowcount

    def get_summary(self, article_id: str) -> SummaryRecord | None:
        with self._conn() as conn:
            row = conn.execute("SELECT doc FROM summaries WHERE article_id = %s", (article_id,)).fetchone()
            return row[0] if row else None

    # -- stories -------------------------------------------------------------------

    def put_stories(self, records: Iterable[StoryRecord], *, remove: Iterable[str] = ()) -> int:
        records = list({r["id"]: r for r in records}.values())
        gone = list(set(remove))
        if not records and not gone:
            return 0
        with self._conn(write=True) as conn, self._tx(conn):
            return self._put_stories(conn, records, gone)

    @classmethod
    def _put_stories(cls, conn: psycopg.Connection[Any], records: Sequence[Mapping[str, Any]], gone: list[str]) -> int:
        with conn.cursor() as cur:
            ids = [r["id"] for r in records]
            after = {aid: r["id"] for r in records for aid in r.get("members", {})}
            before = dict(
                cur.execute(
                    "SELECT article_id, story_id FROM story_members WHERE story_id = ANY(%s) UNION "
                    "SELECT article_id, story_id FROM story_members WHERE article_id = ANY(%s)",
                    (ids + gone, list(after)),
                )
            )
            moved = {}
            for aid in before.keys() | after.keys():
                old, new = before.get(aid), after.get(aid)
                if old is not None and new is None and old not in ids and old not in gone:
                    continue  # in another story, untouched
                if old != new:
                    moved[aid] = (old or "article:" + aid, new or "article:" + aid)
            if gone:
                cur.execute("DELETE FROM stories WHERE id = ANY(%s)", (gone,))
            if records:
                ids = [r["id"] for r in records]
                cur.execute("DELETE FROM story_members WHERE story_id = ANY(%s)", (ids,))
                cur.executemany(
                    "INSERT INTO stories (id, day, doc) VALUES (%s, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET day = EXCLUDED.day, doc = EXCLUDED.doc",
                    [(r["id"], str(r.get("last_seen") or "")[:10], Jsonb(r)) for r in records],
                )
                members = [(aid, r["id"]) for r in records for aid in r.get("members", {})]
                if members:
                    cur.executemany(
                        "INSERT INTO story_members (article_id, story_id) VALUES (%s, %s) "
                        "ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id",
                        members,
                    )
            cls._restory(cur, moved)
        return len(records)

    def get_story(self, story_id: str) -> StoryRecord | None:
        hit, doc = self._cache.get("story", story_id)
        if hit:
            return cast(StoryRecord, dict(doc)) if doc is not None else None
        with self._conn() as conn:
            row = conn.execute("SELECT doc FROM stories WHERE id = %s", (story_id,)).fetchone()
            return row[0] if row else None

    def story_id_of(self, article_id: str) -> str | None:
        hit, sid = self._cache.get("story_of", article_id)
        if hit:
            return sid
        with self._conn() as conn:
            row = conn.execute("SELECT story_id FROM story_members WHERE article_id = %s", (article_id,)).fetchone()
            return row[0] if row else None

    def iter_stories(self) -> Iterator[StoryRecord]:
        with self._conn() as conn:
            rows = [r[0] for r in conn.execute("SELECT doc FROM stories ORDER BY id")]
        return iter(rows)

    # -- keyed documents -----------------------------------------------------------

    @staticmethod
    def _keyed(table: str) -> tuple[str, type]:
        if table not in KEYS:
            raise KeyError(f"{table!r} is not a keyed table (keyed: {', '.join(KEYS)})")
        return _KEYED.get(table, ("chat_id", int))

    def documents(self, table: str) -> list[Document]:
        self._keyed(table)
        with self._conn() as conn:
            if table == "deliveries":
                return self._delivery_documents(conn)
            return [
                r[0]
                for r in conn.execute(
                    sql.SQL("SELECT doc FROM {} ORDER BY {}").format(
                        sql.Identifier(table), sql.Identifier(_KEYED[table][0])
                    )
                )
            ]

    def document(self, table: str, key: str | int) -> Document | None:
        """One document of a keyed table by its key (an indexed lookup)."""
        column, _ = self._keyed(table)
        with self._conn() as conn:
            if table == "deliveries":
                docs = self._delivery_documents(conn, chat_id=cast(int, key))
                return docs[0] if docs else None
            row = conn.execute(
                sql.SQL("SELECT doc FROM {} WHERE {} = %s").format(sql.Identifier(table), sql.Identifier(column)),
                (key,),
            ).fetchone()
            return row[0] if row else None

    def put_documents(self, table: str, records: Iterable[dict[str, Any]], *, remove: Iterable[Any] = ()) -> int:
        column, kind = self._keyed(table)
        key = KEYS[table]
        records = list({r[key]: r for r in records}.values())
        gone = list(dict.fromkeys(remove))
        if not records and not gone:
            return 0
        for r in records:
            if not isinstance(r[key], kind) or isinstance(r[key], bool):
                raise StoreError(f"{table}: key {key}={r[key]!r} must be {'an integer' if kind is int else 'a string'}")
        with self._conn(write=True) as conn, self._tx(conn):
            if table == "deliveries":
                return self._put_deliveries(conn, records, gone)
            if table == "entities":
                self._sync_entity_lookup(conn, records, gone)
            ident, col = sql.Identifier(table), sql.Identifier(column)
            with conn.cursor() as cur:
                if gone:
                    cur.execute(sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(ident, col), (gone,))
                if records:  # one statement (the change triggers fire once, not once a row)
                    cur.execute(
                        sql.SQL(
                            "INSERT INTO {} ({}, doc) SELECT * FROM unnest(%s::{}[], %s::jsonb[]) "
                            "ON CONFLICT ({}) DO UPDATE SET doc = EXCLUDED.doc"
                        ).format(ident, col, sql.SQL("bigint" if kind is int else "text"), col),
                        ([r[key] for r in records], [Jsonb(r) for r in records]),
                    )
            return len(records)

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (the batch's, inside :meth:`batch`), for tests and benchmarks
        that look at the tables themselves (newsbrief's own SQL stays in this package);
        commits when the block ends, rolls back if it raises."""
        with self._conn() as conn:
            yield conn

    def __repr__(self) -> str:
        return f"PostgresStore({redact(self.url)!r})"
