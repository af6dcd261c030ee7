"""The PostgreSQL store (the ``postgres`` extra): :class:`PostgresStore` in :mod:`.store`
(articles, summaries, stories, keyed documents), made of mixins: :mod:`.listing` (what a
briefing reads), :mod:`.work` (the workers' queue), :mod:`.deliveries` (delivery claims),
:mod:`.entities` (the derived entity tables, written in bulk by :mod:`.entity_writes`),
:mod:`.tables` (whole tables, counts) and :mod:`.migrate`; its schema in :mod:`.schema`,
the driver in :mod:`.common`."""

from newsbrief.summaries.store.postgres.common import StoreUnavailable, redact
from newsbrief.summaries.store.postgres.schema import MIGRATIONS, PG_SCHEMA_VERSION
from newsbrief.summaries.store.postgres.store import PostgresStore

__all__ = ["PostgresStore", "StoreUnavailable", "PG_SCHEMA_VERSION", "MIGRATIONS", "redact"]
