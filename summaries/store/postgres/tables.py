"""Whole tables of the PostgreSQL store (``newsbrief store copy``) and what
``newsbrief status`` counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from newsbrief.summaries.articles.model import canonical_url
from newsbrief.summaries.store.base import KEYS, light_record
from newsbrief.summaries.store.postgres.common import Jsonb, redact, sql

__all__ = ["WholeTables"]


class WholeTables:
    """Mixin of :class:`~summaries.store.postgres.store.PostgresStore`: whole tables."""

    url: str

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
                rows = [
                    (
                        r["id"],
                        int(r.get("seq", i)),
                        r["date"],
                        r["content_hash"],
                        canonical_url(r["url"]) if r.get("url") else None,
                        r.get("ingested_at"),
                        Jsonb(r),
                        Jsonb(light_record(r)),
                    )
                    for i, r in enumerate(records)
                ]
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO articles (id, seq, date, content_hash, canonical_url, ingested_at, doc, light) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        rows,
                    )
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
            conn.execute(
                "TRUNCATE articles, summaries, stories, story_members, entities, sources, chats, "
                "chat_sources, alerts, deliveries, delivery_chats, work_claims, work_done, job_runs, schedule, "
                "entity_totals, entity_co, entity_story, entity_refs, entity_names"
            )
            conn.execute("SELECT setval('article_seq', 0, false)")

    # -- operations ----------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        """Rows per table."""
        tables = (
            "articles",
            "summaries",
            "stories",
            "story_members",
            "entities",
            "sources",
            "chats",
            "chat_sources",
            "alerts",
            "deliveries",
            "work_claims",
            "work_done",
            "workers",
            "job_runs",
        )
        with self._conn() as conn:
            return {
                t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                for t in tables
            }

    def location(self) -> str:
        return redact(self.url)

    def database_size(self) -> int:
        """Bytes the database takes on the server."""
        with self._conn() as conn:
            return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]

    # provided by PostgresStore
    def _conn(self, *, write: bool = False) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _tx(self, conn: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def documents(self, table: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def put_documents(self, table: str, records: Any, *, remove: Any = ()) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _put_summaries(self, conn: Any, records: Any) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _put_stories(self, conn: Any, records: Any, gone: list[str]) -> int:  # pragma: no cover - overridden
        raise NotImplementedError
