"""The newsbrief store: one interface (:class:`NewsStore`), and its backends.

``Store`` is the embedded default, a TinyDB file (:class:`TinyStore`); with
``[storage] url = "postgresql://..."`` (or ``$NEWSBRIEF_DATABASE_URL``) :func:`open_store`
opens a :class:`~summaries.store.postgres.PostgresStore` instead (the ``postgres`` extra).
Only this package touches a database; everything else uses the methods of :class:`NewsStore`.
"""

from __future__ import annotations

from newsbrief.summaries.config import Settings
from newsbrief.summaries.store.base import (
    KEYS,
    SCHEMA_VERSION,
    TABLES,
    Capabilities,
    NewsStore,
    NotSupported,
    StoreError,
    StoreLocked,
    UpsertReport,
)
from newsbrief.summaries.store.tinydb_store import AtomicJSONStorage, TinyStore

Store = TinyStore


def open_store(settings: Settings, *, readonly: bool = False) -> NewsStore:
    """The store the settings name: PostgreSQL when ``[storage] url`` is set, else the
    TinyDB file at ``[storage] path``."""
    url = settings.storage.url
    if url:
        try:
            from newsbrief.summaries.store.postgres import PostgresStore
        except ImportError as exc:
            raise StoreError(str(exc)) from None
        return PostgresStore(url, readonly=readonly)
    return TinyStore(settings.storage.path, readonly=readonly)


def open_location(location: str, *, readonly: bool = False) -> NewsStore:
    """A store by location: a ``postgresql://`` URL or a TinyDB file path."""
    if location.startswith(("postgresql://", "postgres://")):
        try:
            from newsbrief.summaries.store.postgres import PostgresStore
        except ImportError as exc:
            raise StoreError(str(exc)) from None
        return PostgresStore(location, readonly=readonly)
    return TinyStore(location, readonly=readonly)


__all__ = [
    "NewsStore",
    "open_store",
    "open_location",
    "Store",
    "TinyStore",
    "StoreError",
    "StoreLocked",
    "NotSupported",
    "Capabilities",
    "UpsertReport",
    "AtomicJSONStorage",
    "TABLES",
    "KEYS",
    "SCHEMA_VERSION",
]
