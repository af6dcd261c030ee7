"""What a store raises: :class:`StoreError` and the kinds of it callers tell apart."""

from __future__ import annotations

__all__ = ["StoreError", "StoreLocked", "NotSupported"]


class StoreError(RuntimeError):
    """The database cannot be opened or written; the message says why and what was kept."""


class StoreLocked(StoreError):
    """Another process has the database open for writing."""


class NotSupported(StoreError, NotImplementedError):
    """This backend cannot do what was asked; the message says which backend can (ask
    :attr:`~summaries.store.base.NewsStore.capabilities` first instead of catching this)."""
