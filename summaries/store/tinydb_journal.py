"""The delivery journal of a TinyDB store: files beside the database file
(``<db>.deliveries.<generation>.jsonl``), appended one ``write`` per entry on an
``O_APPEND`` descriptor (it survives the process being killed; an fsync a second makes it
survive power loss too). The bot (``bot/deliveries.py``) replays them at start-up and
folds them into the store's ``deliveries`` table; :meth:`FileJournal.rotate` starts a new
file first and :meth:`FileJournal.drop` deletes the old ones only once the store holds
their entries, so a crash while folding loses nothing (replaying is idempotent).

Not thread-safe by itself: the delivery log calls it under its own lock.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path

from newsbrief.summaries.store.capabilities import JournalFiles
from newsbrief.summaries.store.records import DeliveryRecord

__all__ = ["FileJournal"]

log = logging.getLogger(__name__)

SYNC_SECONDS = 1.0  # at most this long between fsyncs of the journal


class FileJournal(JournalFiles):
    """The delivery journals beside the database file ``db_path``."""

    def __init__(self, db_path: Path) -> None:
        self._db = db_path
        self._prefix = db_path.name + ".deliveries."
        self._pattern = re.compile(re.escape(self._prefix) + r"(\d+)\.jsonl$")
        self._fd: int | None = None
        self._last_sync = 0.0
        self._generation = max((self._gen(p) for p in self.files()), default=0)

    def files(self) -> list[Path]:
        """The journal files left, oldest first."""
        found = [p for p in self._db.parent.glob(self._prefix + "*.jsonl") if self._pattern.match(p.name)]
        return sorted(found, key=self._gen)

    def _gen(self, path: Path) -> int:
        return int(path.name[len(self._prefix) :].split(".", 1)[0])

    def _path(self, generation: int) -> Path:
        return self._db.with_name(f"{self._prefix}{generation}.jsonl")

    def replay(self) -> list[DeliveryRecord]:
        records: list[DeliveryRecord] = []
        for path in self.files():
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                continue
            for line in lines:
                try:
                    record = json.loads(line)
                    if not isinstance(record, dict):
                        raise TypeError("not an object")
                    records.append(record)  # type: ignore[arg-type]
                except (ValueError, TypeError):
                    log.warning("ignoring a torn delivery journal line: %r", line[:80])
        return records

    def open(self) -> None:
        """Start a new journal (the next generation)."""
        self._generation += 1
        self._fd = os.open(self._path(self._generation), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, record: DeliveryRecord) -> None:
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        if self._fd is None:
            raise RuntimeError("the delivery journal is closed")
        os.write(self._fd, line)
        now = time.monotonic()
        if now - self._last_sync > SYNC_SECONDS:
            os.fsync(self._fd)
            self._last_sync = now

    def rotate(self) -> int:
        closed = self._generation
        if self._fd is not None:  # (a closed journal stays closed)
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            self.open()
        return closed

    def reopen(self) -> None:
        """After a failed :meth:`rotate`: a journal open again to append to."""
        if self._fd is None:
            self.open()

    def drop(self, upto: int) -> None:
        for path in self.files():
            if self._gen(path) <= upto:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.fsync(fd)
            os.close(fd)

    def abandon(self) -> None:
        """Close the journal as a killed process would (no fsync, nothing folded): for tests."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
