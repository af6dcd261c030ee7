"""The newsbrief store: one interface (:class:`NewsStore`), and its backends.

``Store`` is the embedded default, a TinyDB file (:class:`TinyStore`). Only this package
touches a database; everything else uses the methods of :class:`NewsStore`.
"""

from __future__ import annotations

from summaries.store.base import KEYS, SCHEMA_VERSION, TABLES, NewsStore, StoreError, StoreLocked, UpsertReport
from summaries.store.tinydb_store import AtomicJSONStorage, TinyStore

Store = TinyStore

__all__ = [
    "NewsStore",
    "Store",
    "TinyStore",
    "StoreError",
    "StoreLocked",
    "UpsertReport",
    "AtomicJSONStorage",
    "TABLES",
    "KEYS",
    "SCHEMA_VERSION",
]
