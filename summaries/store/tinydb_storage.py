"""What the TinyDB store is built on: a storage that replaces its file atomically, one
that keeps the database in memory, and a lock that knows its owner."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from newsbrief.summaries.store.errors import StoreError

__all__ = ["AtomicJSONStorage", "MemoryStorage", "OwnedLock"]


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically: temp file, fsync, rename."""

    def __init__(self, path: str | os.PathLike[str], readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            with self.path.open("rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StoreError(f"{self.path}: not a newsbrief database (invalid JSON: {exc})") from None
        if not isinstance(data, dict):
            raise StoreError(f"{self.path}: not a newsbrief database (top level is not an object)")
        return data

    @staticmethod
    def serialize(data: dict[str, dict[str, Any]]) -> bytes:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_payload(self.serialize(data))

    def write_payload(self, payload: bytes) -> None:
        """Replace the file with ``payload``: temporary file, fsync, rename, fsync folder."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        with contextlib.suppress(OSError):  # make the rename itself durable
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def close(self) -> None:
        pass


class MemoryStorage(Storage):
    """TinyDB storage that keeps the database in memory and only notes that it changed;
    :class:`TinyStore` writes it to the file once per batch."""

    def __init__(self, data: dict[str, dict[str, Any]] | None) -> None:
        self.data: dict[str, dict[str, Any]] = data or {}
        self.dirty = False

    def read(self) -> dict[str, dict[str, Any]]:
        return self.data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.data = data
        self.dirty = True


class OwnedLock:
    """A re-entrant lock that can tell whether the calling thread holds it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._owner: int | None = None
        self._depth = 0

    def __enter__(self) -> OwnedLock:
        self._lock.acquire()
        self._owner = threading.get_ident()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
        self._lock.release()

    def held(self) -> bool:
        return self._owner == threading.get_ident()
