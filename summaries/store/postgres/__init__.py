"""The PostgreSQL store (the ``postgres`` extra): :class:`PostgresStore` in :mod:`.store`,
its schema in :mod:`.schema`, the derived entity tables in :mod:`.entities`."""

from newsbrief.summaries.store.postgres.common import StoreUnavailable, redact
from newsbrief.summaries.store.postgres.schema import MIGRATIONS, PG_SCHEMA_VERSION
from newsbrief.summaries.store.postgres.store import PostgresStore

__all__ = ["PostgresStore", "StoreUnavailable", "PG_SCHEMA_VERSION", "MIGRATIONS", "redact"]
