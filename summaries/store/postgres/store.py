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
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from newsbrief.summaries.store.postgres.common import (ConnectionPool, Jsonb, PoolTimeout, StoreUnavailable, loads as _loads,
                                                     now_iso as _now, psycopg, redact, sql)
from newsbrief.summaries.store.postgres.entities import EntityTables
from newsbrief.summaries.store.postgres.schema import (FUZZY_ENTITIES, MIGRATION_LOCK,
                                                     MIGRATION_STEPS, MIGRATIONS, PG_SCHEMA_VERSION)

from newsbrief.summaries.articles.model import Article, canonical_url
from newsbrief.summaries.store.base import KEYS, LEAD_CHARS, NewsStore, StoreError, StoryListing, UpsertReport, light_record

__all__ = ["PostgresStore", "StoreUnavailable", "PG_SCHEMA_VERSION", "MIGRATIONS", "redact"]

log = logging.getLogger(__name__)


# keyed document tables: (table, key column, key type)
_KEYED = {"entities": ("k", str), "sources": ("name", str), "chats": ("chat_id", int),
          "chat_sources": ("name", str), "alerts": ("chat_id", int)}
_GENERATION_TTL = 1.0  # seconds between checks of data_version


class _ReadCache:
    """A small, short-lived cache of what a briefing reads right after listing a day's
    articles (their stories and the stories' member articles): one round trip for the
    lot instead of one per article. Entries live ``ttl`` seconds (another process's
    change shows after at most that long); this store's own writes empty it."""

    def __init__(self, ttl: float = 1.0, size: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._data: dict[tuple[str, str], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, key: str) -> tuple[bool, Any]:
        with self._lock:
            hit = self._data.get((kind, key))
        if hit is None or hit[0] < self._clock():
            return False, None
        return True, hit[1]

    def put_many(self, kind: str, items: dict[str, Any]) -> None:
        now = self._clock()
        with self._lock:
            if len(self._data) + len(items) > self.size:
                self._data.clear()
            elif self._data and next(iter(self._data.values()))[0] < now:  # the oldest ran out: drop those that did
                self._data = {k: v for k, v in self._data.items() if v[0] >= now}
            for key, value in items.items():
                self._data.pop((kind, key), None)  # kept in order of expiry
                self._data[(kind, key)] = (now + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_PREFETCH_MAX = 20_000  # articles a listing may prefetch the stories of




class PostgresStore(EntityTables, NewsStore):
    """The newsbrief database on a PostgreSQL server.

    ``url`` is a libpq connection URL (``postgresql://user:password@host/db``).
    ``path`` is a local file path for what a process may keep beside the database (the
    bot's delivery log lives in the database on PostgreSQL); it is never the database. ``pool_size`` bounds the connections
    this process opens. ``fuzzy_entities`` bounds the names fuzzy ``/who`` lookups search
    (see :meth:`entity_choices`).
    """

    def __init__(self, url: str, *, readonly: bool = False, path: str | Path | None = None,
                 pool_size: int = 8, connect_timeout: float = 10.0, migrate: bool = True,
                 fuzzy_entities: int = FUZZY_ENTITIES) -> None:
        self.url = url
        self.readonly = readonly
        self.path = Path(path) if path is not None else Path.cwd() / "newsbrief-pg"
        self.writer_id = f"{uuid.uuid4().hex[:12]}"
        self._lock = threading.RLock()
        self._local = threading.local()
        self._generation = 1
        self._seen_version: int | None = None
        self._checked = 0.0
        self._closed = False
        self._cache = _ReadCache()
        self._choices_lock = threading.RLock()
        self.fuzzy_entities = fuzzy_entities
        self._choices: dict[str, Any] = {"value": None, "checked": 0.0, "mark": None, "read_at": 0.0, "cost": 0.0,
                                         "reading": False}
        self._pool = ConnectionPool(
            url, min_size=1, max_size=max(1, pool_size), open=False, name="newsbrief",
            kwargs={"autocommit": False, "connect_timeout": max(1, int(connect_timeout))},
            configure=self._configure, check=ConnectionPool.check_connection, timeout=connect_timeout,
            reconnect_timeout=0,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except PoolTimeout:
            self._pool.close()
            raise StoreError(f"cannot connect to the database {redact(url)} within {connect_timeout:g} s "
                             "(is the server running, and the URL, user and password right?)") from None
        try:
            if migrate:
                self.migrate()
            else:
                self._check_version()
            self._seen_version = self._data_version()
        except BaseException:
            self._pool.close()
            raise

    def _configure(self, conn: "psycopg.Connection[Any]") -> None:
        conn.execute("SELECT set_config('newsbrief.writer', %s, false)", (self.writer_id,))
        conn.commit()

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.close()

    @contextlib.contextmanager
    def _conn(self, *, write: bool = False) -> Iterator["psycopg.Connection[Any]"]:
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
            raise StoreUnavailable(f"the database is not reachable right now ({exc.__class__.__name__}: "
                                   f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'}); "
                                   "nothing was changed, try again") from None
        except psycopg.Error as exc:
            raise StoreError(f"database error: {exc.__class__.__name__}: {exc}".strip()) from exc

    @contextlib.contextmanager
    def batch(self) -> Iterator["PostgresStore"]:
        """One transaction: every write in the block commits together, or none does."""
        if getattr(self._local, "conn", None) is not None:
            yield self
            return
        with self.session(), self._local.conn.transaction():
            yield self

    @contextlib.contextmanager
    def session(self) -> Iterator["PostgresStore"]:
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

    def _data_version(self) -> int:
        with self._conn() as conn:
            return conn.execute("SELECT n FROM data_version").fetchone()[0]

    # -- migrations ----------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version the database is at (0: empty)."""
        with self._conn() as conn:
            return self._version(conn)

    @staticmethod
    def _version(conn: "psycopg.Connection[Any]") -> int:
        exists = conn.execute("SELECT to_regclass('newsbrief_schema') IS NOT NULL").fetchone()[0]
        if not exists:
            return 0
        return conn.execute("SELECT coalesce(max(version), 0) FROM newsbrief_schema").fetchone()[0]

    def _check_version(self) -> int:
        version = self.schema_version()
        if version > PG_SCHEMA_VERSION:
            raise StoreError(
                f"{redact(self.url)}: the database schema is version {version}, written by a newer newsbrief; "
                f"this one knows up to version {PG_SCHEMA_VERSION}. Upgrade newsbrief on this machine "
                "(every process sharing a database must run the same or a newer version)"
            )
        if version < PG_SCHEMA_VERSION:
            raise StoreError(f"{redact(self.url)}: the database schema is version {version}, this newsbrief "
                             f"needs {PG_SCHEMA_VERSION}; start it once without read-only to migrate")
        return version

    def migrate(self) -> list[int]:
        """Apply the migrations the database lacks, in order, each in its own transaction,
        under an advisory lock; returns the versions applied. Refuses a newer schema."""
        applied: list[int] = []
        with self._conn() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            conn.commit()
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS newsbrief_schema "
                             "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
                conn.commit()
                current = self._version(conn)
                if current > PG_SCHEMA_VERSION:
                    conn.commit()
                    self._check_version()
                for version in range(current + 1, PG_SCHEMA_VERSION + 1):
                    with conn.transaction():
                        conn.execute(MIGRATIONS[version - 1])
                        step = MIGRATION_STEPS.get(MIGRATIONS[version - 1])
                        if step:
                            getattr(self, step)(conn)
                        conn.execute("INSERT INTO newsbrief_schema (version) VALUES (%s)", (version,))
                    applied.append(version)
                    log.info("database %s migrated to schema %d", redact(self.url), version)
                conn.commit()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
                conn.commit()
        return applied

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
                    "SELECT id, content_hash, doc->>'headline', ingested_at, seq FROM articles WHERE id = ANY(%s) FOR UPDATE",
                    (list({r["id"] for r in incoming}),))
            }
            hashes = list({r["content_hash"] for r in incoming})
            owners = dict(conn.execute(
                "SELECT DISTINCT ON (content_hash) content_hash, id FROM articles WHERE content_hash = ANY(%s) "
                "ORDER BY content_hash, seq", (hashes,)))
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
                seqs = [row[0] for row in conn.execute(
                    "SELECT nextval('article_seq') FROM generate_series(1, %s)", (len(new),))]
                for record, seq in zip(new, seqs):
                    record["seq"] = seq
                    record["ingested_at"] = stamp
            rows = [(r["id"], r["seq"], r["date"], r["content_hash"], canonical_url(r["url"]) if r.get("url") else None,
                     r["ingested_at"], Jsonb(r), Jsonb(light_record(r)))
                    for r in [*new, *changed]]
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO articles (id, seq, date, content_hash, canonical_url, ingested_at, doc, light) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, "
                    "date = EXCLUDED.date, content_hash = EXCLUDED.content_hash, "
                    "canonical_url = EXCLUDED.canonical_url, ingested_at = EXCLUDED.ingested_at, doc = EXCLUDED.doc, "
                    "light = EXCLUDED.light",
                    rows)
        return report

    @contextlib.contextmanager
    def _tx(self, conn: "psycopg.Connection[Any]") -> Iterator[None]:
        """A transaction, or a savepoint inside the current batch's."""
        with conn.transaction():
            yield

    def get_article(self, article_id: str) -> dict[str, Any] | None:
        hit, doc = self._cache.get("article", article_id)
        if hit:
            return dict(doc) if doc is not None else None
        with self._conn() as conn:
            row = conn.execute("SELECT doc FROM articles WHERE id = %s", (article_id,)).fetchone()
            return row[0] if row else None

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Several articles by id in one query (missing ones left out)."""
        with self._conn() as conn:
            return dict(conn.execute("SELECT id, doc FROM articles WHERE id = ANY(%s)", (list(article_ids),)))

    def article_ids(self) -> list[str]:
        with self._conn() as conn:
            return [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY seq")]

    def article_ids_starting(self, prefix: str, limit: int | None = None) -> list[str]:
        """The base method without reading every id into this process."""
        query = "SELECT id FROM articles WHERE left(id, %s) = %s ORDER BY seq" + (" LIMIT %s" if limit is not None else "")
        params = (len(prefix), prefix) + ((limit,) if limit is not None else ())
        with self._conn() as conn:
            return [r[0] for r in conn.execute(query, params)]

    def article_count(self) -> int:
        with self._conn() as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def article_hashes(self) -> dict[str, str]:
        with self._conn() as conn:
            return dict(conn.execute("SELECT id, content_hash FROM articles ORDER BY seq"))

    def latest_articles(self, limit: int | None = None, *, on_date: str | None = None,
                        since: str | None = None) -> list[dict[str, Any]]:
        where, params = [], []
        if on_date is not None:
            where.append("date = %s")
            params.append(on_date)
        if since is not None:
            where.append("date >= %s")
            params.append(since)
        query = "SELECT doc FROM articles" + (" WHERE " + " AND ".join(where) if where else "")
        query += " ORDER BY date DESC, seq DESC"
        if limit is not None:
            query += " LIMIT %s"
            params.append(limit)
        with self._conn() as conn:
            rows = [r[0] for r in conn.execute(query, params)]
            if (on_date is not None or limit is not None) and len(rows) <= _PREFETCH_MAX \
                    and getattr(self._local, "conn", None) is None:
                self._prefetch(conn, rows)
            return rows

    # what a briefing reads of an article (base.light_record), written with it (made here for
    # a row written without it)
    _LIGHT = ("coalesce(a.light, (a.doc - 'body') || jsonb_build_object('lead', left(coalesce(a.doc->>'body', ''), {n}), "
              "'body_cut', length(coalesce(a.doc->>'body', '')) > {n}))").format(n=int(LEAD_CHARS))

    def story_listing(self, limit: int | None = None, *, on_date: str | None = None) -> StoryListing:
        """The base method in three indexed queries, without article bodies: the listed
        articles with their story and summary (``articles_by_date``, then the primary
        keys of ``story_members`` and ``summaries``), the member ids of those stories
        (``story_members_by_story``), and the members not listed, with their summaries.

        None of them is prepared: after five runs the server would keep a generic plan for
        them, made without the day or the arrays, which took twice as long (``bench/postgres.py scale``)."""
        where, params = "", []
        if on_date is not None:
            where = " WHERE a.date = %s"
            params.append(on_date)
        query = (f"SELECT ({self._LIGHT})::text, m.story_id, s.doc::text FROM articles a "
                 "LEFT JOIN story_members m ON m.article_id = a.id LEFT JOIN summaries s ON s.article_id = a.id"
                 f"{where} ORDER BY a.date DESC, a.seq DESC")
        if limit is not None:
            query += " LIMIT %s"
            params.append(limit)
        listing = StoryListing()
        with self._conn() as conn:
            records: dict[str, dict[str, Any]] = {}
            for text, sid, summary in conn.execute(query, params, prepare=False):
                record = _loads(text)  # as text, read here: a third faster than psycopg's jsonb loader per row
                listing.articles.append(record)
                records[record["id"]] = record
                if sid is not None:
                    listing.story_of[record["id"]] = sid
                if summary is not None:
                    listing.summaries[record["id"]] = _loads(summary)
            sids = list(dict.fromkeys(listing.story_of.values()))
            if not sids:
                return listing
            members: dict[str, list[str]] = {}
            for sid, aid in conn.execute("SELECT story_id, article_id FROM story_members WHERE story_id = ANY(%s) "
                                         "ORDER BY story_id, article_id", (sids,), prepare=False):
                members.setdefault(sid, []).append(aid)
            missing = [aid for ids in members.values() for aid in ids if aid not in records]
            if missing:
                for record, summary in conn.execute(
                        f"SELECT {self._LIGHT}, s.doc FROM articles a LEFT JOIN summaries s ON s.article_id = a.id "
                        "WHERE a.id = ANY(%s)", (missing,), prepare=False):
                    records[record["id"]] = record
                    if summary is not None:
                        listing.summaries[record["id"]] = summary
        for sid in sids:
            listing.members[sid] = [records[aid] for aid in members.get(sid, ()) if aid in records]
        return listing

    def _prefetch(self, conn: "psycopg.Connection[Any]", articles: list[dict[str, Any]]) -> None:
        """Cache the stories of these articles and the stories' members (see _ReadCache)."""
        ids = [a["id"] for a in articles]
        story_of: dict[str, Any] = dict.fromkeys(ids)
        stories: dict[str, Any] = {}
        for aid, sid, doc in conn.execute(
                "SELECT m.article_id, m.story_id, s.doc FROM story_members m JOIN stories s ON s.id = m.story_id "
                "WHERE m.article_id = ANY(%s)", (ids,)):
            story_of[aid] = sid
            stories[sid] = doc
        known = {a["id"]: a for a in articles}
        wanted = {m for doc in stories.values() for m in doc.get("members", {})} - known.keys()
        members: dict[str, Any] = dict.fromkeys(wanted)
        if wanted:
            members.update(conn.execute("SELECT id, doc FROM articles WHERE id = ANY(%s)", (list(wanted),)))
        self._cache.put_many("article", {**known, **members})
        self._cache.put_many("story_of", story_of)
        self._cache.put_many("story", stories)

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        """Every stored article in order of arrival, read in pages of 2,000 (a snapshot
        per page: articles added meanwhile may or may not appear)."""
        last = -1
        while True:
            with self._conn() as conn:
                rows = conn.execute("SELECT seq, doc FROM articles WHERE seq > %s ORDER BY seq LIMIT 2000",
                                    (last,)).fetchall()
            if not rows:
                return
            for seq, doc in rows:
                yield doc
            last = rows[-1][0]

    def remove_articles(self, article_ids: Iterable[str]) -> int:
        ids = list(set(article_ids))
        if not ids:
            return 0
        with self._conn(write=True) as conn, self._tx(conn):
            self._drop_story_members(conn, ids)
            return conn.execute("DELETE FROM articles WHERE id = ANY(%s)", (ids,)).rowcount

    def _drop_story_members(self, conn: "psycopg.Connection[Any]", ids: list[str]) -> None:
        touched = conn.execute(
            "SELECT s.id, s.doc FROM stories s WHERE s.id IN (SELECT story_id FROM story_members WHERE article_id = ANY(%s)) "
            "FOR UPDATE", (ids,)).fetchall()
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
                    "SELECT id, doc->>'source', doc->'also_in' FROM articles WHERE id = ANY(%s) FOR UPDATE",
                    (list(wanted),)).fetchall():
                before = list(also or [])
                after = list(before)
                for name in wanted[aid]:
                    if name != source and name not in after:
                        after.append(name)
                if after != before:
                    changed[aid] = after
            with conn.cursor() as cur:
                cur.executemany("UPDATE articles SET doc = jsonb_set(doc, '{also_in}', %s), "
                                "light = jsonb_set(light, '{also_in}', %s) WHERE id = %s",
                                [(Jsonb(v), Jsonb(v), k) for k, v in changed.items()])
        return list(changed)

    # -- summaries -----------------------------------------------------------------

    def put_summaries(self, records: Iterable[dict[str, Any]]) -> int:
        """Store summaries, one per article; a summary of an article no longer stored
        (pruned meanwhile) is dropped. Returns how many were stored."""
        records = list({r["article_id"]: r for r in records}.values())
        if not records:
            return 0
        with self._conn(write=True) as conn, self._tx(conn):
            return self._put_summaries(conn, records)

    @staticmethod
    def _put_summaries(conn: "psycopg.Connection[Any]", records: list[dict[str, Any]]) -> int:
        cur = conn.execute(
            "INSERT INTO summaries (article_id, doc) SELECT r.article_id, r.doc "
            "FROM jsonb_to_recordset(%s) AS r(article_id text, doc jsonb) "
            "WHERE EXISTS (SELECT 1 FROM articles a WHERE a.id = r.article_id) "
            "ON CONFLICT (article_id) DO UPDATE SET doc = EXCLUDED.doc",
            (Jsonb([{"article_id": r["article_id"], "doc": r} for r in records]),))
        return cur.rowcount

    def get_summary(self, article_id: str) -> dict[str, Any] | None:
        with self._conn() as conn:
            row = conn.execute("SELECT doc FROM summaries WHERE article_id = %s", (article_id,)).fetchone()
            return row[0] if row else None

    def get_summaries(self, article_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Several summaries by article id in one query."""
        with self._conn() as conn:
            return dict(conn.execute("SELECT article_id, doc FROM summaries WHERE article_id = ANY(%s)",
                                     (list(article_ids),)))

    def iter_summaries(self) -> Iterator[dict[str, Any]]:
        with self._conn() as conn:
            rows = [r[0] for r in conn.execute("SELECT doc FROM summaries ORDER BY article_id")]
        return iter(rows)

    # -- stories -------------------------------------------------------------------

    def put_stories(self, records: Iterable[dict[str, Any]], *, remove: Iterable[str] = ()) -> int:
        records = list({r["id"]: r for r in records}.values())
        gone = list(set(remove))
        if not records and not gone:
            return 0
        with self._conn(write=True) as conn, self._tx(conn):
            return self._put_stories(conn, records, gone)

    @classmethod
    def _put_stories(cls, conn: "psycopg.Connection[Any]", records: list[dict[str, Any]], gone: list[str]) -> int:
        with conn.cursor() as cur:
            ids = [r["id"] for r in records]
            after = {aid: r["id"] for r in records for aid in r.get("members", {})}
            before = dict(cur.execute("SELECT article_id, story_id FROM story_members WHERE story_id = ANY(%s) UNION "
                                      "SELECT article_id, story_id FROM story_members WHERE article_id = ANY(%s)",
                                      (ids + gone, list(after))))
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
                    [(r["id"], str(r.get("last_seen") or "")[:10], Jsonb(r)) for r in records])
                members = [(aid, r["id"]) for r in records for aid in r.get("members", {})]
                if members:
                    cur.executemany(
                        "INSERT INTO story_members (article_id, story_id) VALUES (%s, %s) "
                        "ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id", members)
            cls._restory(cur, moved)
        return len(records)

    def get_story(self, story_id: str) -> dict[str, Any] | None:
        hit, doc = self._cache.get("story", story_id)
        if hit:
            return dict(doc) if doc is not None else None
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

    def iter_stories(self) -> Iterator[dict[str, Any]]:
        with self._conn() as conn:
            rows = [r[0] for r in conn.execute("SELECT doc FROM stories ORDER BY id")]
        return iter(rows)

    def stories_on(self, day: str) -> list[dict[str, Any]]:
        """The stories last seen on one day (index ``stories_by_day``)."""
        with self._conn() as conn:
            return [r[0] for r in conn.execute("SELECT doc FROM stories WHERE day = %s ORDER BY id", (day,))]

    # -- keyed documents -----------------------------------------------------------

    @staticmethod
    def _keyed(table: str) -> tuple[str, type]:
        if table not in KEYS:
            raise KeyError(f"{table!r} is not a keyed table (keyed: {', '.join(KEYS)})")
        return _KEYED.get(table, ("chat_id", int))

    def documents(self, table: str) -> list[dict[str, Any]]:
        self._keyed(table)
        with self._conn() as conn:
            if table == "deliveries":
                return self._delivery_documents(conn)
            return [r[0] for r in conn.execute(sql.SQL("SELECT doc FROM {} ORDER BY {}").format(
                sql.Identifier(table), sql.Identifier(_KEYED[table][0])))]

    def document(self, table: str, key: Any) -> dict[str, Any] | None:
        """One document of a keyed table by its key (an indexed lookup)."""
        column, _ = self._keyed(table)
        with self._conn() as conn:
            if table == "deliveries":
                docs = self._delivery_documents(conn, chat_id=key)
                return docs[0] if docs else None
            row = conn.execute(sql.SQL("SELECT doc FROM {} WHERE {} = %s").format(
                sql.Identifier(table), sql.Identifier(column)), (key,)).fetchone()
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
                        sql.SQL("INSERT INTO {} ({}, doc) SELECT * FROM unnest(%s::{}[], %s::jsonb[]) "
                                "ON CONFLICT ({}) DO UPDATE SET doc = EXCLUDED.doc")
                        .format(ident, col, sql.SQL("bigint" if kind is int else "text"), col),
                        ([r[key] for r in records], [Jsonb(r) for r in records]))
            return len(records)

    # -- deliveries: one row per (chat, day) ---------------------------------------

    @staticmethod
    def _delivery_documents(conn: "psycopg.Connection[Any]", chat_id: int | None = None) -> list[dict[str, Any]]:
        where = " WHERE chat_id = %s" if chat_id is not None else ""
        params = (chat_id,) if chat_id is not None else ()
        docs: dict[int, dict[str, Any]] = {}
        for cid, extra in conn.execute("SELECT chat_id, extra FROM delivery_chats" + where + " ORDER BY chat_id", params):
            docs[cid] = {**extra, "chat_id": cid, "days": {}}
        for cid, day, state, at, articles in conn.execute(
                "SELECT chat_id, day, state, at, articles FROM deliveries" + where + " ORDER BY chat_id, day", params):
            doc = docs.setdefault(cid, {"chat_id": cid, "days": {}})
            doc["days"][day] = {"state": state, "at": at, "articles": articles}
        return list(docs.values())

    @staticmethod
    def _put_deliveries(conn: "psycopg.Connection[Any]", records: list[dict[str, Any]], gone: list[Any]) -> int:
        ids = [r["chat_id"] for r in records] + list(gone)
        with conn.cursor() as cur:
            cur.execute("DELETE FROM deliveries WHERE chat_id = ANY(%s)", (ids,))
            cur.execute("DELETE FROM delivery_chats WHERE chat_id = ANY(%s)", (ids,))
            rows = []
            for r in records:
                for day, entry in (r.get("days") or {}).items():
                    extra = set(entry) - {"state", "at", "articles"}
                    if extra:
                        raise StoreError(f"deliveries: unknown field {sorted(extra)[0]!r} for chat {r['chat_id']} on {day}")
                    rows.append((r["chat_id"], day, entry["state"], entry.get("at", ""), Jsonb(entry.get("articles", []))))
            if rows:
                cur.executemany("INSERT INTO deliveries (chat_id, day, state, at, articles) VALUES (%s, %s, %s, %s, %s)", rows)
            cur.executemany("INSERT INTO delivery_chats (chat_id, extra) VALUES (%s, %s)",
                            [(r["chat_id"], Jsonb({k: v for k, v in r.items() if k not in ("chat_id", "days")}))
                             for r in records])
        return len(records)

    def claim_delivery(self, chat_id: int, day: str, state: str = "sending", *, holder: str = "",
                       lease: float | None = None, free: Sequence[str] = ()) -> bool:
        """Claim a chat's digest for a day: True for exactly one caller across every
        process sharing the database (the (chat, day) primary key decides).

        The row is written in ``state`` with ``holder``. It can be claimed again only if
        its state is one of ``free`` (e.g. "try again later"), or if it is still in
        ``state`` and either was claimed with a ``lease`` (seconds, on the server's clock)
        that ran out (the holder died before it moved the row on) or is held by this same
        ``holder`` (which could not release it)."""
        with self._conn(write=True) as conn, self._tx(conn):
            cur = conn.execute(
                "INSERT INTO deliveries AS d (chat_id, day, state, at, holder, until) "
                "VALUES (%(chat)s, %(day)s, %(state)s, %(at)s, %(holder)s, now() + make_interval(secs => %(lease)s)) "
                "ON CONFLICT (chat_id, day) DO UPDATE SET state = EXCLUDED.state, at = EXCLUDED.at, "
                "articles = '[]', holder = EXCLUDED.holder, until = EXCLUDED.until "
                "WHERE d.state = ANY(%(free)s) OR (d.state = %(state)s AND (d.until < now() OR d.holder = %(holder)s))",
                {"chat": chat_id, "day": day, "state": state, "at": _now(), "holder": holder or None,
                 "lease": lease, "free": list(free)})
            return cur.rowcount == 1

    def mark_delivery(self, chat_id: int, day: str, state: str, *, at: str = "", articles: Sequence[str] = (),
                      holder: str | None = None, claimed: str | None = None) -> bool:
        """Record a digest's state (one row, whatever other processes hold for the chat's
        other days); ends the claim on it. With ``claimed``, only a row still in state
        ``claimed`` held by ``holder`` moves on: False if that claim was lost (its lease ran
        out and another process took it), and nothing is changed."""
        with self._conn(write=True) as conn, self._tx(conn):
            if claimed is not None:
                cur = conn.execute(
                    "UPDATE deliveries SET state = %s, at = %s, articles = %s, holder = NULL, until = NULL "
                    "WHERE chat_id = %s AND day = %s AND state = %s AND holder IS NOT DISTINCT FROM %s",
                    (state, at or _now(), Jsonb(list(articles)), chat_id, day, claimed, holder))
                return cur.rowcount == 1
            conn.execute(
                "INSERT INTO deliveries (chat_id, day, state, at, articles) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (chat_id, day) DO UPDATE SET state = EXCLUDED.state, at = EXCLUDED.at, "
                "articles = EXCLUDED.articles, holder = NULL, until = NULL",
                (chat_id, day, state, at or _now(), Jsonb(list(articles))))
            return True

    def release_delivery(self, chat_id: int, day: str, state: str, holder: str) -> bool:
        """Give up a claim without a result (the digest was not sent): the row goes, and
        the digest can be claimed again at once. False if the claim was no longer held."""
        with self._conn(write=True) as conn, self._tx(conn):
            return conn.execute("DELETE FROM deliveries WHERE chat_id = %s AND day = %s AND state = %s "
                                "AND holder IS NOT DISTINCT FROM %s", (chat_id, day, state, holder)).rowcount == 1

    def delivery_rows(self, chat_id: int | None = None, *, since: str = "") -> list[tuple[int, str, str, str, list[str]]]:
        """``(chat, day, state, at, articles)`` of one chat (or every chat), days from
        ``since`` on, in order: what every process recorded."""
        where, params = ["day >= %s"], [since]
        if chat_id is not None:
            where.append("chat_id = %s")
            params.append(chat_id)
        with self._conn() as conn:
            return [tuple(r) for r in conn.execute(
                "SELECT chat_id, day, state, at, articles FROM deliveries WHERE " + " AND ".join(where)
                + " ORDER BY chat_id, day", params)]

    def prune_deliveries(self, before: str) -> int:
        """Forget the deliveries of days before ``before`` (chats' local dates, ISO)."""
        with self._conn(write=True) as conn, self._tx(conn):
            return conn.execute("DELETE FROM deliveries WHERE day < %s", (before,)).rowcount

    # -- whole tables --------------------------------------------------------------

    _EXPORT = {
        "articles": "SELECT doc FROM articles ORDER BY seq",
        "summaries": "SELECT doc FROM summaries ORDER BY article_id",
        "stories": "SELECT doc FROM stories ORDER BY id",
    }

    def export_records(self, table: str) -> list[dict[str, Any]]:
        if table in KEYS:
            return self.documents(table)
        if table not in self._EXPORT:
            raise KeyError(f"unknown table {table!r}")
        with self._conn() as conn:
            return [r[0] for r in conn.execute(self._EXPORT[table])]

    def import_records(self, table: str, records: Iterable[dict[str, Any]]) -> int:
        records = [dict(r) for r in records]
        if table in KEYS:
            return self.put_documents(table, records)
        with self._conn(write=True) as conn, self._tx(conn):
            if table == "articles":
                rows = [(r["id"], int(r.get("seq", i)), r["date"], r["content_hash"],
                         canonical_url(r["url"]) if r.get("url") else None, r.get("ingested_at"), Jsonb(r),
                         Jsonb(light_record(r)))
                        for i, r in enumerate(records)]
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO articles (id, seq, date, content_hash, canonical_url, ingested_at, doc, light) "
                                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
                if rows:  # new articles are numbered after the imported ones
                    conn.execute("SELECT setval('article_seq', greatest((SELECT max(seq) FROM articles), 0))")
                return len(rows)
            if table == "summaries":
                return self._put_summaries(conn, records)
            if table == "stories":
                return self._put_stories(conn, records, [])
        raise KeyError(f"unknown table {table!r}")

    def clear(self) -> None:
        with self._conn(write=True) as conn, self._tx(conn):
            conn.execute("TRUNCATE articles, summaries, stories, story_members, entities, sources, chats, "
                         "chat_sources, alerts, deliveries, delivery_chats, work_claims, work_done, job_runs, schedule, "
                         "entity_totals, entity_co, entity_story, entity_refs, entity_names")
            conn.execute("SELECT setval('article_seq', 0, false)")

    # -- operations ----------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        """Rows per table."""
        tables = ("articles", "summaries", "stories", "story_members", "entities", "sources", "chats",
                  "chat_sources", "alerts", "deliveries", "work_claims", "work_done", "workers", "job_runs")
        with self._conn() as conn:
            return {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                    for t in tables}

    def database_size(self) -> int:
        """Bytes the database takes on the server."""
        with self._conn() as conn:
            return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]

    @contextlib.contextmanager
    def connection(self) -> Iterator["psycopg.Connection[Any]"]:
        """A pooled connection (the batch's, inside :meth:`batch`), for this package's
        worker queue; commits when the block ends, rolls back if it raises."""
        with self._conn() as conn:
            yield conn

    def __repr__(self) -> str:
        return f"PostgresStore({redact(self.url)!r})"
