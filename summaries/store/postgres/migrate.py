"""The PostgreSQL store's schema migrations: numbered, applied at start-up under an
advisory lock; a database written by a newer newsbrief stops start-up with a message."""

from __future__ import annotations

import logging
from typing import Any

from newsbrief.summaries.store.errors import StoreError
from newsbrief.summaries.store.postgres.common import psycopg, redact
from newsbrief.summaries.store.postgres.schema import MIGRATION_LOCK, MIGRATION_STEPS, MIGRATIONS, PG_SCHEMA_VERSION

__all__ = ["Migrations"]

log = logging.getLogger(__name__)


class Migrations:
    """Mixin of :class:`~summaries.store.postgres.store.PostgresStore`: the schema version."""

    url: str

    def schema_version(self) -> int:
        """The schema version the database is at (0: empty)."""
        with self._conn() as conn:
            return self._version(conn)

    @staticmethod
    def _version(conn: psycopg.Connection[Any]) -> int:
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
            raise StoreError(
                f"{redact(self.url)}: the database schema is version {version}, this newsbrief "
                f"needs {PG_SCHEMA_VERSION}; start it once without read-only to migrate"
            )
        return version

    def migrate(self) -> list[int]:
        """Apply the migrations the database lacks, in order, each in its own transaction,
        under an advisory lock; returns the versions applied. Refuses a newer schema."""
        applied: list[int] = []
        with self._conn() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            conn.commit()
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS newsbrief_schema "
                    "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                )
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

    # provided by PostgresStore
    def _conn(self, *, write: bool = False) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError
