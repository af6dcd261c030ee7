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
import json
import logging
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

try:
    import psycopg
    from psycopg import sql
    from psycopg.types.json import Jsonb
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as exc:  # pragma: no cover - the optional extra is missing
    raise ImportError(
        "the PostgreSQL store needs the postgres extra: pip install 'newsbrief[postgres]'"
    ) from exc

try:  # several times faster than json at reading the documents back
    import orjson
except ImportError:  # pragma: no cover - orjson comes with the postgres extra
    orjson = None
else:
    from psycopg.types.json import set_json_loads

    set_json_loads(orjson.loads)
_loads = orjson.loads if orjson is not None else json.loads

from newsbrief.summaries.articles.model import Article, canonical_url
from newsbrief.summaries.store.base import KEYS, LEAD_CHARS, NewsStore, StoreError, StoryListing, UpsertReport, light_record

__all__ = ["PostgresStore", "StoreUnavailable", "PG_SCHEMA_VERSION", "MIGRATIONS", "redact"]

log = logging.getLogger(__name__)


class StoreUnavailable(StoreError):
    """The database server cannot be reached right now; nothing was changed, try again."""


# -- schema -------------------------------------------------------------------------

# migration 3: /brief and /who as queries. Each article's record without its body (what a
# briefing reads, ``light``), and what the entity index derives from the article documents
# of the entities table (summaries.index.lookup), kept with them by put_documents
ENTITY_LOOKUP_MIGRATION = """
    ALTER TABLE articles ADD COLUMN light jsonb;
    UPDATE articles SET light = (doc - 'body') || jsonb_build_object(
        'lead', left(coalesce(doc->>'body', ''), {lead}), 'body_cut', length(coalesce(doc->>'body', '')) > {lead});
    CREATE TABLE entity_totals (  -- one row per entity: the index's running totals for it
        entity   text PRIMARY KEY,
        name     text NOT NULL,
        token    text NOT NULL,
        articles integer NOT NULL,
        mentions integer NOT NULL,
        first    text NOT NULL,
        last     text NOT NULL,
        stories  integer NOT NULL DEFAULT 0,  -- distinct stories of its articles (rows of entity_story)
        totals   jsonb NOT NULL   -- type votes, names, surface forms, roles, sources
    );
    CREATE TABLE entity_story (  -- an entity's articles per story ('article:<id>' for one not clustered)
        entity text NOT NULL,
        story  text NOT NULL,
        n      integer NOT NULL,
        PRIMARY KEY (entity, story)
    );
    CREATE INDEX entity_totals_by_token ON entity_totals (token);
    CREATE TABLE entity_co (  -- articles two entities are mentioned together in
        entity text NOT NULL,
        other  text NOT NULL,
        n      integer NOT NULL,
        first  bigint NOT NULL,  -- order of first co-occurrence (document seq * 4096 + position)
        PRIMARY KEY (entity, other)
    );
    CREATE INDEX entity_co_top ON entity_co (entity, n DESC, first);
    CREATE TABLE entity_refs (  -- one row per (article, entity it mentions)
        article  text NOT NULL,
        entity   text NOT NULL,
        date     text NOT NULL,
        seq      bigint NOT NULL,
        src      text NOT NULL DEFAULT '',
        headline text NOT NULL DEFAULT '',
        sentence text NOT NULL DEFAULT '',
        PRIMARY KEY (article, entity)
    );
    CREATE INDEX entity_refs_latest ON entity_refs (entity, date DESC, seq DESC) INCLUDE (article);
    CREATE SEQUENCE entity_names_added;
    CREATE TABLE entity_names (  -- the folded names (kind 'n') and surnames ('s') lookups reach an entity by
        kind   text NOT NULL,
        alias  text NOT NULL,
        entity text NOT NULL,
        added  bigint NOT NULL DEFAULT nextval('entity_names_added'),
        PRIMARY KEY (kind, alias, entity)
    );
    CREATE INDEX entity_names_by_entity ON entity_names (entity);
    CREATE INDEX entity_names_by_added ON entity_names (added);
    CREATE TABLE entity_names_gone (  -- grows when a name no entity has any more left entity_names
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        n   bigint NOT NULL
    );
    INSERT INTO entity_names_gone (n) VALUES (0);
    """.replace("{lead}", str(int(LEAD_CHARS)))

MIGRATIONS: tuple[str, ...] = (
    # 1: the tables
    """
    CREATE SEQUENCE article_seq MINVALUE 0 START 0;
    CREATE TABLE articles (
        id            text PRIMARY KEY,
        seq           bigint NOT NULL,
        date          text NOT NULL,
        content_hash  text NOT NULL,
        canonical_url text UNIQUE,
        ingested_at   text,
        doc           jsonb NOT NULL
    );
    CREATE INDEX articles_by_date ON articles (date DESC, seq DESC);
    CREATE INDEX articles_by_hash ON articles (content_hash);
    CREATE INDEX articles_by_ingest ON articles (ingested_at);
    CREATE TABLE summaries (
        article_id text PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        doc        jsonb NOT NULL
    );
    CREATE TABLE stories (
        id  text PRIMARY KEY,
        day text NOT NULL DEFAULT '',
        doc jsonb NOT NULL
    );
    CREATE INDEX stories_by_day ON stories (day);
    CREATE TABLE story_members (
        article_id text PRIMARY KEY,
        story_id   text NOT NULL REFERENCES stories (id) ON DELETE CASCADE
    );
    CREATE INDEX story_members_by_story ON story_members (story_id);
    CREATE TABLE entities (
        k   text PRIMARY KEY,
        doc jsonb NOT NULL
    );
    CREATE INDEX entities_by_name ON entities (lower(doc->>'name')) WHERE doc ? 'name';
    CREATE TABLE sources (
        name text PRIMARY KEY,
        doc  jsonb NOT NULL
    );
    CREATE TABLE chats (
        chat_id bigint PRIMARY KEY,
        doc     jsonb NOT NULL
    );
    CREATE TABLE deliveries (
        chat_id  bigint NOT NULL,
        day      text NOT NULL,
        state    text NOT NULL,
        at       text NOT NULL DEFAULT '',
        articles jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY (chat_id, day)
    );
    CREATE TABLE delivery_chats (  -- fields of a chat's delivery document besides its days
        chat_id bigint PRIMARY KEY,
        extra   jsonb NOT NULL DEFAULT '{}'
    );
    CREATE TABLE work_claims (
        article_id  text PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        worker      text NOT NULL,
        claimed_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL
    );
    CREATE INDEX work_claims_by_expiry ON work_claims (expires_at);
    CREATE TABLE work_done (  -- one row per article summarized by a worker, and whether its entities are indexed
        id         bigserial PRIMARY KEY,
        article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        worker     text NOT NULL,
        at         timestamptz NOT NULL DEFAULT now(),
        indexed    boolean NOT NULL DEFAULT false
    );
    CREATE INDEX work_done_to_index ON work_done (id) WHERE NOT indexed;
    CREATE TABLE workers (
        id        text PRIMARY KEY,
        host      text NOT NULL,
        pid       integer NOT NULL,
        started   timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now(),
        processed bigint NOT NULL DEFAULT 0
    );
    CREATE TABLE job_runs (
        id       bigserial PRIMARY KEY,
        job      text NOT NULL,
        worker   text NOT NULL,
        started  timestamptz NOT NULL,
        finished timestamptz,
        ok       boolean,
        detail   text NOT NULL DEFAULT ''
    );
    CREATE INDEX job_runs_by_job ON job_runs (job, started DESC);
    CREATE TABLE schedule (
        job      text PRIMARY KEY,
        last_run timestamptz NOT NULL
    );
    -- changes to the derived tables (entities, stories) by any process: the other
    -- processes' in-memory indexes reload when it moves
    CREATE TABLE data_version (
        one    boolean PRIMARY KEY DEFAULT true CHECK (one),
        n      bigint NOT NULL,
        writer text NOT NULL DEFAULT ''
    );
    INSERT INTO data_version (n) VALUES (0);
    CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE data_version SET n = n + 1, writer = coalesce(current_setting('newsbrief.writer', true), '');
        RETURN NULL;
    END $$;
    CREATE TRIGGER entities_changed AFTER INSERT OR UPDATE OR DELETE ON entities
        FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
    CREATE TRIGGER stories_changed AFTER INSERT OR UPDATE OR DELETE ON stories
        FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
    """,
    # 2: what chats choose (their own sources, their alerts)
    """
    CREATE TABLE chat_sources (
        name text PRIMARY KEY,
        doc  jsonb NOT NULL
    );
    CREATE TABLE alerts (
        chat_id bigint PRIMARY KEY,
        doc     jsonb NOT NULL
    );
    """,
    # 3: each worker extracts the entities of its own batch (merged into the index later,
    # under the index lock, without running the model there); a digest claimed by a bot
    # process holds its (chat, day) until a lease runs out
    """
    ALTER TABLE work_done ADD COLUMN entities jsonb;
    ALTER TABLE workers ADD COLUMN writer text;  -- its store's data_version.writer id
    ALTER TABLE deliveries ADD COLUMN holder text, ADD COLUMN until timestamptz;
    """,
    # 4: /who as queries (summaries.index.lookup): what the entity index derives from the
    # entities table's article documents, kept with them in put_documents
    ENTITY_LOOKUP_MIGRATION,
)
PG_SCHEMA_VERSION = len(MIGRATIONS)
# Python steps run in the transaction of a migration, after its SQL (keyed by the SQL, so
# that renumbering the migrations keeps them with theirs)
_MIGRATION_STEPS = {ENTITY_LOOKUP_MIGRATION: "_rebuild_entity_lookup"}
_ENTITY_LOCK = 0x6E657775  # advisory transaction lock while the derived entity tables change
_CHOICES_TTL = 1.0  # seconds between checks for new lookup names
# entities whose names fuzzy /who lookups search ("did you mean"), those with most articles:
# at 1,000,000 stored articles about 33,000 names, 1-3 ms a scan, a few MB in the bot process
FUZZY_ENTITIES = 20_000
_MIGRATION_LOCK = 0x6E657773  # advisory lock key while migrating ("news")

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


def redact(url: str) -> str:
    """A connection URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PostgresStore(NewsStore):
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
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
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
                        step = _MIGRATION_STEPS.get(MIGRATIONS[version - 1])
                        if step:
                            getattr(self, step)(conn)
                        conn.execute("INSERT INTO newsbrief_schema (version) VALUES (%s)", (version,))
                    applied.append(version)
                    log.info("database %s migrated to schema %d", redact(self.url), version)
                conn.commit()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
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

    # -- /who as queries: the derived entity tables (summaries.index.lookup) --------

    def _sync_entity_lookup(self, conn: "psycopg.Connection[Any]", records: list[dict[str, Any]],
                            gone: list[Any]) -> None:
        """Keep the derived entity tables in step with the article documents being written
        (``records``) and removed (``gone``), before the documents themselves change: the
        old documents' contributions come out of their entities' totals, the new ones go
        in, and the references and lookup names of every entity touched follow."""
        new = {str(r["k"])[2:]: r for r in records if str(r["k"]).startswith("a:")}
        replaced = sorted({str(k)[2:] for k in gone if str(k).startswith("a:")} | set(new))
        if not replaced:
            return
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ENTITY_LOCK,))
        old = [r[0] for r in conn.execute("SELECT doc FROM entities WHERE k = ANY(%s)", (["a:" + a for a in replaced],))]
        self._apply_entity_docs(conn, old, list(new.values()))

    def _apply_entity_docs(self, conn: "psycopg.Connection[Any]", old: list[dict[str, Any]],
                           new: list[dict[str, Any]]) -> None:
        from newsbrief.summaries.index import lookup as el

        old = [{**d, "article": d.get("article") or str(d.get("k", ""))[2:]} for d in old]
        new = [{**d, "article": d.get("article") or str(d.get("k", ""))[2:]} for d in new]
        old_ids = [d["article"] for d in old]
        new_ids = [d["article"] for d in new]
        old_src = dict(conn.execute("SELECT DISTINCT ON (article) article, src FROM entity_refs WHERE article = ANY(%s)",
                                    (old_ids,))) if old_ids else {}
        new_src = dict(conn.execute(
            "SELECT id, coalesce(nullif(doc->>'source', ''), nullif(doc->>'agency', ''), '') FROM articles "
            "WHERE id = ANY(%s)", (new_ids,))) if new_ids else {}
        keys = sorted({k for d in [*old, *new] for k in d.get("ents", {})})
        totals = self._entity_totals(conn, keys, lock=True)
        redate: set[str] = set()
        co_ops: dict[tuple[str, str], list[int]] = {}  # pair -> [-1 or the first-occurrence order of a +1]
        for doc in sorted(old, key=lambda d: d.get("seq", 0)):
            redate |= el.remove_article(totals, doc, old_src.get(doc.get("article"), ""))[1]
            for a, b, _ in el.co_pairs(doc):
                co_ops.setdefault((a, b), []).append(-1)
        refs = []
        for doc in sorted(new, key=lambda d: d.get("seq", 0)):
            el.add_article(totals, doc, new_src.get(doc["article"], ""))
            base = int(doc.get("seq", 0)) * 4096
            for a, b, i in el.co_pairs(doc):
                co_ops.setdefault((a, b), []).append(base + min(i, 4095))
            sents = doc.get("sents", [])
            for key, enc in doc.get("ents", {}).items():
                s = enc.get("s", "")
                sentence = sents[s] if isinstance(s, int) and s < len(sents) else str(s)
                refs.append((doc["article"], key, doc.get("date", ""), doc.get("seq", 0),
                             new_src.get(doc["article"], ""), doc.get("headline", ""), sentence))
        with conn.cursor() as cur:
            if old_ids:
                cur.execute("DELETE FROM entity_refs WHERE article = ANY(%s)", (old_ids,))
            if refs:
                cur.execute("INSERT INTO entity_refs (article, entity, date, seq, src, headline, sentence) "
                            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], "
                            "%s::text[], %s::text[]) ON CONFLICT (article, entity) DO NOTHING",
                            [list(column) for column in zip(*refs)])
            alive = [k for k in keys if totals.get(k, {}).get("articles", 0) > 0]
            living = set(alive)
            dead = [k for k in keys if k not in living]
            for key in sorted(redate & living):
                first, last = self._entity_span(cur, key)
                totals[key]["first"], totals[key]["last"] = first, last
            wanted = set()
            for key in alive:
                t = totals[key]
                wanted |= {("n", a, key) for a in el.lookup_names(key, t)}
                surname = el.surname_of(key, t)
                if surname:
                    wanted.add(("s", surname, key))
            current = {tuple(r) for r in cur.execute("SELECT kind, alias, entity FROM entity_names WHERE entity = ANY(%s)",
                                                     (keys,))}
            drop = sorted(current - wanted)
            if drop:
                cur.execute("DELETE FROM entity_names e USING unnest(%s::text[], %s::text[], %s::text[]) AS d(kind, alias, entity) "
                            "WHERE e.kind = d.kind AND e.alias = d.alias AND e.entity = d.entity",
                            ([d[0] for d in drop], [d[1] for d in drop], [d[2] for d in drop]))
            add = sorted(wanted - current)
            if add:
                cur.executemany("INSERT INTO entity_names (kind, alias, entity) VALUES (%s, %s, %s)", add)
            if drop:
                pairs = sorted({(d[0], d[1]) for d in drop})
                left = {tuple(r) for r in cur.execute(
                    "SELECT DISTINCT e.kind, e.alias FROM entity_names e JOIN unnest(%s::text[], %s::text[]) AS d(kind, alias) "
                    "ON e.kind = d.kind AND e.alias = d.alias", ([p[0] for p in pairs], [p[1] for p in pairs]))}
                if len(left) < len(pairs):
                    cur.execute("UPDATE entity_names_gone SET n = n + 1")
            if co_ops:
                self._apply_co(cur, co_ops)
            story = self._story_keys(cur, old_ids + new_ids)
            story_ops: dict[tuple[str, str], int] = {}
            for docs, sign in ((old, -1), (new, 1)):
                for doc in docs:
                    for key in doc.get("ents", {}):
                        pair = (key, story[doc["article"]])
                        story_ops[pair] = story_ops.get(pair, 0) + sign
            if dead:
                cur.execute("DELETE FROM entity_totals WHERE entity = ANY(%s)", (dead,))
            rows = []
            for key in alive:
                t = totals[key]
                name = el.entity_name(key, t)[0]
                rows.append((key, name, el.token_of(key, t), t["articles"], t["mentions"], t["first"], t["last"],
                             Jsonb({"t": t["t"], "names": t["names"], "surf": list(t["surf"].items()),
                                    "roles": list(t["roles"].items()), "src": t["src"]})))
            if rows:
                cur.executemany(
                    "INSERT INTO entity_totals (entity, name, token, articles, mentions, first, last, totals) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (entity) DO UPDATE SET name = EXCLUDED.name, "
                    "token = EXCLUDED.token, articles = EXCLUDED.articles, mentions = EXCLUDED.mentions, "
                    "first = EXCLUDED.first, last = EXCLUDED.last, totals = EXCLUDED.totals", rows)
            self._apply_story_counts(cur, story_ops)

    @staticmethod
    def _story_keys(cur: Any, article_ids: Sequence[str]) -> dict[str, str]:
        """Article -> its story id, or ``article:<id>`` for one not clustered (a story of its own)."""
        ids = list(dict.fromkeys(article_ids))
        out = {aid: "article:" + aid for aid in ids}
        if ids:
            out.update(cur.execute("SELECT article_id, story_id FROM story_members WHERE article_id = ANY(%s)", (ids,)))
        return out

    @staticmethod
    def _apply_story_counts(cur: Any, ops: dict[tuple[str, str], int]) -> None:
        """Add these changes to the entities' articles per story (``entity_story``), and
        keep ``entity_totals.stories`` the number of stories each has articles in."""
        ops = {pair: d for pair, d in ops.items() if d}
        if not ops:
            return
        pairs = list(ops)
        current = {(e, st): n for e, st, n in cur.execute(
            "SELECT c.entity, c.story, c.n FROM entity_story c JOIN unnest(%s::text[], %s::text[]) AS p(e, s) "
            "ON c.entity = p.e AND c.story = p.s", ([p[0] for p in pairs], [p[1] for p in pairs]))}
        keep, drop, stories = [], [], {}
        for pair, d in ops.items():
            before = current.get(pair, 0)
            after = max(0, before + d)
            if after > 0:
                keep.append((*pair, after))
            elif before > 0:
                drop.append(pair)
            change = (after > 0) - (before > 0)
            if change:
                stories[pair[0]] = stories.get(pair[0], 0) + change
        if drop:
            cur.execute("DELETE FROM entity_story c USING unnest(%s::text[], %s::text[]) AS p(e, s) "
                        "WHERE c.entity = p.e AND c.story = p.s", ([p[0] for p in drop], [p[1] for p in drop]))
        if keep:
            cur.execute("INSERT INTO entity_story (entity, story, n) SELECT * FROM unnest(%s::text[], %s::text[], %s::int[]) "
                        "ON CONFLICT (entity, story) DO UPDATE SET n = EXCLUDED.n",
                        ([k[0] for k in keep], [k[1] for k in keep], [k[2] for k in keep]))
        if stories:
            cur.execute("UPDATE entity_totals t SET stories = t.stories + d.n FROM unnest(%s::text[], %s::int[]) AS d(e, n) "
                        "WHERE t.entity = d.e", (list(stories), list(stories.values())))

    @classmethod
    def _restory(cls, cur: Any, moved: dict[str, tuple[str, str]]) -> None:
        """Articles that changed story (article -> (old key, new key)): move their
        entities' counts in ``entity_story``."""
        if not moved:
            return
        ops: dict[tuple[str, str], int] = {}
        for aid, key in cur.execute("SELECT article, entity FROM entity_refs WHERE article = ANY(%s)", (list(moved),)):
            old, new = moved[aid]
            ops[(key, old)] = ops.get((key, old), 0) - 1
            ops[(key, new)] = ops.get((key, new), 0) + 1
        cls._apply_story_counts(cur, ops)

    @staticmethod
    def _apply_co(cur: Any, ops: dict[tuple[str, str], list[int]]) -> None:
        """Apply co-mention changes in order: -1 takes one article away (a pair at 0 goes),
        any other value adds one (a pair that was not there takes it as its order)."""
        pairs = list(ops)
        current = {(a, b): (n, first) for a, b, n, first in cur.execute(
            "SELECT c.entity, c.other, c.n, c.first FROM entity_co c JOIN unnest(%s::text[], %s::text[]) AS p(a, b) "
            "ON c.entity = p.a AND c.other = p.b", ([p[0] for p in pairs], [p[1] for p in pairs]))}
        keep, drop = [], []
        for pair, changes in ops.items():
            n, first = current.get(pair, (0, 0))
            for change in changes:
                if change == -1:
                    n = max(0, n - 1)
                else:
                    first = change if n == 0 else first
                    n += 1
            if n > 0:
                if (n, first) != current.get(pair):
                    keep.append((*pair, n, first))
            elif pair in current:
                drop.append(pair)
        if drop:
            cur.execute("DELETE FROM entity_co c USING unnest(%s::text[], %s::text[]) AS p(a, b) "
                        "WHERE c.entity = p.a AND c.other = p.b", ([p[0] for p in drop], [p[1] for p in drop]))
        if keep:
            cur.execute("INSERT INTO entity_co (entity, other, n, first) "
                        "SELECT * FROM unnest(%s::text[], %s::text[], %s::int[], %s::bigint[]) "
                        "ON CONFLICT (entity, other) DO UPDATE SET n = EXCLUDED.n, first = EXCLUDED.first",
                        ([k[0] for k in keep], [k[1] for k in keep], [k[2] for k in keep], [k[3] for k in keep]))

    @staticmethod
    def _entity_span(cur: Any, key: str, skip: Sequence[str] = ()) -> tuple[str, str]:
        if skip:
            row = cur.execute("SELECT min(date), max(date) FROM entity_refs WHERE entity = %s AND NOT (article = ANY(%s))",
                              (key, list(skip))).fetchone()
            return row[0] or "", row[1] or ""
        last = cur.execute("SELECT date FROM entity_refs WHERE entity = %s ORDER BY date DESC, seq DESC LIMIT 1",
                           (key,)).fetchone()
        first = cur.execute("SELECT date FROM entity_refs WHERE entity = %s ORDER BY date ASC, seq ASC LIMIT 1",
                            (key,)).fetchone()
        return (first[0] if first else ""), (last[0] if last else "")

    @staticmethod
    def _entity_totals(conn: Any, keys: Iterable[str], *, lock: bool = False,
                       brief: bool = False) -> dict[str, dict[str, Any]]:
        keys = list(keys)
        if not keys:
            return {}
        out = {}
        totals_sql = ("jsonb_build_object('t', totals->'t', 'names', totals->'names', 'surf', totals->'surf', "
                      "'roles', '[]'::jsonb, 'src', '{}'::jsonb)" if brief else "totals")
        query = (f"SELECT entity, articles, mentions, first, last, {totals_sql} FROM entity_totals WHERE entity = ANY(%s)"
                 + (" FOR UPDATE" if lock else ""))
        for key, articles, mentions, first, last, totals in conn.execute(query, (keys,)):
            out[key] = {"t": totals["t"], "names": totals["names"], "surf": dict(totals["surf"]),
                        "roles": dict(totals["roles"]), "src": totals["src"],
                        "articles": articles, "mentions": mentions, "first": first, "last": last}
        return out

    def _rebuild_entity_lookup(self, conn: "psycopg.Connection[Any]") -> None:
        """Fill the derived entity tables from the article documents already stored (a
        database made before migration 3), in pages, oldest indexed first."""
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ENTITY_LOCK,))
        order = conn.execute("SELECT k FROM entities WHERE k LIKE 'a:%%' ORDER BY (doc->>'seq')::bigint, k", ()).fetchall()
        done = 0
        for lo in range(0, len(order), 2000):
            page = [r[0] for r in order[lo:lo + 2000]]
            docs = {k: doc for k, doc in conn.execute("SELECT k, doc FROM entities WHERE k = ANY(%s)", (page,))}
            self._apply_entity_docs(conn, [], [docs[k] for k in page])
            done += len(page)
        if done:
            log.info("entity lookup tables filled from %d indexed articles", done)

    def entity_keys(self, names: Sequence[str], *, surnames: bool = False) -> dict[str, list[str]]:
        """Folded lookup name (or surname) -> keys of the entities it reaches (primary key of ``entity_names``)."""
        names = list(dict.fromkeys(names))
        if not names:
            return {}
        out: dict[str, list[str]] = {}
        with self._conn() as conn:
            for alias, key in conn.execute("SELECT alias, entity FROM entity_names WHERE kind = %s AND alias = ANY(%s) "
                                           "ORDER BY alias, entity", ("s" if surnames else "n", names)):
                out.setdefault(alias, []).append(key)
        return out

    def entity_totals(self, keys: Iterable[str], *, brief: bool = False) -> dict[str, dict[str, Any]]:
        """The running totals of these entities (see ``summaries.index.lookup``); with
        ``brief``, without roles and sources (what names and ranks need)."""
        keys = list(keys)
        if not keys:
            return {}
        with self._conn() as conn:
            return self._entity_totals(conn, keys, brief=brief)

    def entity_heads(self, keys: Iterable[str]) -> dict[str, tuple[str, int, str, int]]:
        """(name, articles, last date, mentions) of these entities: their columns of ``entity_totals``."""
        keys = list(keys)
        if not keys:
            return {}
        with self._conn() as conn:
            return {key: (name, articles, last, mentions) for key, name, articles, last, mentions in conn.execute(
                "SELECT entity, name, articles, last, mentions FROM entity_totals WHERE entity = ANY(%s)", (keys,))}

    def entity_co(self, key: str, limit: int) -> list[tuple[str, int]]:
        """An entity's most frequent co-mentions (index ``entity_co_top``)."""
        with self._conn() as conn:
            return [(other, n) for other, n in conn.execute(
                "SELECT other, n FROM entity_co WHERE entity = %s ORDER BY n DESC, first LIMIT %s", (key, limit))]

    def entity_refs(self, key: str, limit: int, *, skip: Sequence[str] = ()) -> list[Any]:
        """An entity's newest references (index ``entity_refs_latest``)."""
        from newsbrief.summaries.index.lookup import Ref

        with self._conn() as conn:
            return [Ref(*row) for row in conn.execute(
                "SELECT article, date, seq, headline, sentence FROM entity_refs WHERE entity = %s "
                "AND NOT (article = ANY(%s)) ORDER BY date DESC, seq DESC LIMIT %s", (key, list(skip), limit))]

    def entity_article_ids(self, key: str) -> list[str]:
        with self._conn() as conn:
            return [r[0] for r in conn.execute("SELECT article FROM entity_refs WHERE entity = %s "
                                               "ORDER BY date DESC, seq DESC", (key,))]

    def entity_hidden_refs(self, key: str, sources: Sequence[str]) -> list[tuple[str, bool, list[str]]]:
        with self._conn() as conn:
            return [(aid, bool(stored), list(also or ())) for aid, stored, also in conn.execute(
                "SELECT r.article, a.id IS NOT NULL, a.doc->'also_in' FROM entity_refs r "
                "LEFT JOIN articles a ON a.id = r.article WHERE r.entity = %s AND r.src = ANY(%s)", (key, list(sources)))]

    def entity_span(self, key: str, *, skip: Sequence[str] = ()) -> tuple[str, str]:
        with self._conn() as conn:
            return self._entity_span(conn, key, skip)

    def entity_keys_of_articles(self, article_ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if not article_ids:
            return out
        with self._conn() as conn:
            for aid, key in conn.execute("SELECT article, entity FROM entity_refs WHERE article = ANY(%s)",
                                         (list(article_ids),)):
                out.setdefault(aid, []).append(key)
        return out

    def entity_by_token(self, token: str) -> str | None:
        with self._conn() as conn:
            row = conn.execute("SELECT name FROM entity_totals WHERE token = %s LIMIT 1", (token,)).fetchone()
            return row[0] if row else None

    def entity_choices(self) -> Any:
        """The lookup names and surnames fuzzy lookups search (rapidfuzz): those of the
        ``fuzzy_entities`` entities with most articles (all of them on a smaller
        database), kept in the process, so that its memory and the time of a fuzzy
        lookup are bounded however many entities the database holds.

        Checked at most once a second; read again when names came or went (new articles
        bring new names, and the ranking is read again with them), but not more often
        than fifty times the last read took; while a slow read (a large
        database) runs in the background, lookups use the names read before."""
        with self._choices_lock:
            state = self._choices
            now = time.monotonic()
            if state["value"] is not None and (now - state["checked"] < _CHOICES_TTL or state["reading"]):
                return state["value"]
            state["checked"] = now
            with self._conn() as conn:
                mark = tuple(conn.execute("SELECT (SELECT n FROM entity_names_gone), "
                                          "(SELECT coalesce(max(added), 0) FROM entity_names)").fetchone())
            if state["value"] is not None and (mark == state["mark"] or now - state["read_at"] < 50 * state["cost"]):
                return state["value"]
            if state["value"] is None or state["cost"] < 0.05:
                self._read_choices(mark)
                return state["value"]
            state["reading"] = True
            value = state["value"]
        threading.Thread(target=self._read_choices, args=(mark,), name="newsbrief-names", daemon=True).start()
        return value

    def _read_choices(self, mark: tuple[int, int]) -> None:
        """Read the fuzzy lookup names (see :meth:`entity_choices`), in the order they came."""
        from newsbrief.summaries.index.lookup import Choices

        t0 = time.monotonic()
        try:
            with self._conn() as conn:
                rows = conn.execute(
                    "SELECT n.kind, n.alias FROM (SELECT entity FROM entity_totals "
                    "ORDER BY articles DESC, last DESC, entity LIMIT %s) t "
                    "JOIN entity_names n ON n.entity = t.entity ORDER BY n.added", (self.fuzzy_entities,)).fetchall()
            value = Choices(list(dict.fromkeys(a for k, a in rows if k == "n")),
                            list(dict.fromkeys(a for k, a in rows if k == "s")))
        except Exception:
            if not self._choices["reading"]:
                raise
            log.warning("reading the lookup names failed; fuzzy lookups use those read before", exc_info=True)
            with self._choices_lock:
                self._choices["reading"] = False
            return
        done = time.monotonic()
        with self._choices_lock:
            self._choices.update(value=value, mark=mark, read_at=done, cost=done - t0, reading=False)

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        if not article_ids:
            return {}
        with self._conn() as conn:
            return dict(conn.execute("SELECT article_id, story_id FROM story_members WHERE article_id = ANY(%s)",
                                     (list(article_ids),)))

    def entity_story_count(self, key: str, *, skip: Sequence[str] = ()) -> int:
        """Distinct stories among an entity's articles (``entity_totals.stories``), without
        the articles in ``skip``."""
        with self._conn() as conn:
            row = conn.execute("SELECT stories FROM entity_totals WHERE entity = %s", (key,)).fetchone()
            stories = row[0] if row else 0
            if skip and stories:
                per = {}
                for skey in self._story_keys(conn, skip).values():
                    per[skey] = per.get(skey, 0) + 1
                held = dict(conn.execute("SELECT story, n FROM entity_story WHERE entity = %s AND story = ANY(%s)",
                                         (key, list(per))))
                stories -= sum(1 for skey, k in per.items() if held.get(skey, 0) <= k)
            return stories

    def story_count(self, article_ids: Sequence[str]) -> int:
        if not article_ids:
            return 0
        with self._conn() as conn:
            return conn.execute("SELECT count(DISTINCT coalesce(m.story_id, x.id)) FROM unnest(%s::text[]) AS x(id) "
                                "LEFT JOIN story_members m ON m.article_id = x.id", (list(article_ids),)).fetchone()[0]

    def who(self, name: str, *, limit: int = 5, visible: Any = None) -> Any:
        """``/who``: :func:`summaries.index.lookup.lookup` on this database (no entity index in memory)."""
        from newsbrief.summaries.index.lookup import lookup

        with self.session():
            return lookup(self, name, limit=limit, visible=visible)

    def who_token(self, token: str) -> str | None:
        """The entity name behind a ``/who`` button's token."""
        return self.entity_by_token(token)

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
