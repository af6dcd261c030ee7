"""The delivery log: which chat got its digest for which day, and with which stories.

Digests must go out exactly once per chat and day, across restarts and crashes, at up
to Telegram's 30 messages a second. Rewriting the whole TinyDB file for every delivery
cannot keep up, so deliveries are first appended to a journal next to the database (one
``write`` per entry on an ``O_APPEND`` descriptor: it survives the process being killed;
an fsync a second makes it survive power loss too), and folded into the store's
``deliveries`` table (one document per chat) in one batch at start-up, at shutdown and
every few minutes. A fold switches to a new journal file first and deletes the old one
only once the store holds its entries, so the event loop never waits for the store and a
crash while folding loses nothing (replaying a journal is idempotent).

A digest is marked ``sending`` right before its first request leaves (after the rate
limiter let it through) and ``sent`` when Telegram accepted it. A digest found
``sending`` after a crash may or may not have arrived; it is not sent again (no
duplicates), and this is logged.

Only the last ``keep_days`` days are kept: enough to know what was sent today and which
stories a chat has already had.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from newsbrief.summaries.store import Store

__all__ = ["DeliveryLog", "Delivery", "SENDING", "SENT", "SKIPPED", "FAILED", "RETRY", "DONE"]

log = logging.getLogger(__name__)

SENDING = "sending"
SENT = "sent"
SKIPPED = "skipped"  # nothing new to send that day
FAILED = "failed"  # given up (the chat blocked the bot)
RETRY = "retry"  # failed for now; tried again later (not done)
DONE = (SENDING, SENT, SKIPPED, FAILED)


@dataclass
class Delivery:
    chat_id: int
    day: str  # the chat's local date the digest is for
    state: str
    at: str = ""
    articles: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "day": self.day, "state": self.state, "at": self.at, "articles": self.articles}


class DeliveryLog:
    """Deliveries by chat and day, journaled for speed and folded into the store."""

    def __init__(self, store: Store, *, keep_days: int = 7, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.store = store
        self.keep_days = keep_days
        self.today = today
        self._prefix = store.path.name + ".deliveries."
        self._lock = threading.Lock()  # memory and the journal descriptor
        self._fold_lock = threading.Lock()  # one fold at a time
        self._days: dict[int, dict[str, Delivery]] = {}
        self._dirty: set[int] = set()
        self._last_sync = 0.0
        self._fd: int | None = None
        self._load_table()
        replayed = 0
        for path in self._journals():
            replayed += self._replay(path)
        if replayed:
            log.info("replayed %d delivery journal entries", replayed)
        for d in self.deliveries():
            if d.state == SENDING:
                log.warning("digest for chat %s on %s may have been interrupted while sending; "
                            "not sending it again", d.chat_id, d.day)
        self._generation = max((self._gen(p) for p in self._journals()), default=0)
        self._open_journal()
        self.fold()

    # -- journal files ---------------------------------------------------------------

    def _journals(self) -> list[Path]:
        pattern = re.compile(re.escape(self._prefix) + r"(\d+)\.jsonl$")
        found = [p for p in self.store.path.parent.glob(self._prefix + "*.jsonl") if pattern.match(p.name)]
        return sorted(found, key=self._gen)

    def _gen(self, path: Path) -> int:
        return int(path.name[len(self._prefix):].split(".", 1)[0])

    def _path(self, generation: int) -> Path:
        return self.store.path.with_name(f"{self._prefix}{generation}.jsonl")

    def _open_journal(self) -> None:
        self._generation += 1
        self._fd = os.open(self._path(self._generation), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _replay(self, path: Path) -> int:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return 0
        count = 0
        for line in lines:
            try:
                self._remember(Delivery(**json.loads(line)))
                count += 1
            except (ValueError, TypeError):
                log.warning("ignoring a torn delivery journal line: %r", line[:80])
        return count

    # -- memory ----------------------------------------------------------------------

    def _load_table(self) -> None:
        """Read the deliveries table; what memory holds already (from journals) stays."""
        with self.store.lock:
            self._store_generation = self.store.generation
            for doc in self.store.documents("deliveries"):
                chat_id = doc["chat_id"]
                days = self._days.setdefault(chat_id, {})
                for day, entry in (doc.get("days") or {}).items():
                    days.setdefault(day, Delivery(chat_id=chat_id, day=day, **entry))

    def _remember(self, d: Delivery) -> None:
        self._days.setdefault(d.chat_id, {})[d.day] = d
        self._dirty.add(d.chat_id)

    # -- queries ---------------------------------------------------------------------

    def state(self, chat_id: int, day: str) -> str | None:
        d = self._days.get(chat_id, {}).get(day)
        return d.state if d else None

    def done(self, chat_id: int, day: str) -> bool:
        """True if that day's digest was sent, skipped, given up on, or possibly sent."""
        return self.state(chat_id, day) in DONE

    def sent_articles(self, chat_id: int) -> set[str]:
        """Articles this chat was sent (or possibly sent) in the kept days."""
        return {a for d in self._days.get(chat_id, {}).values() if d.state in (SENDING, SENT) for a in d.articles}

    def deliveries(self, chat_id: int | None = None) -> list[Delivery]:
        chats = [chat_id] if chat_id is not None else list(self._days)
        return [d for c in chats for d in list(self._days.get(c, {}).values())]

    # -- updates ---------------------------------------------------------------------

    def mark(self, chat_id: int, day: str, state: str, articles: list[str] | None = None) -> None:
        """Record a state change; durable against a process kill when this returns."""
        d = Delivery(chat_id=chat_id, day=day, state=state,
                     at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), articles=list(articles or []))
        line = (json.dumps(d.to_record(), separators=(",", ":")) + "\n").encode()
        with self._lock:
            assert self._fd is not None, "delivery log is closed"
            os.write(self._fd, line)
            self._remember(d)
            now = time.monotonic()
            if now - self._last_sync > 1.0:
                os.fsync(self._fd)
                self._last_sync = now

    def move_chat(self, old_id: int, new_id: int) -> None:
        """A migrated group keeps its history under the new id."""
        for d in self.deliveries(old_id):
            self.mark(new_id, d.day, d.state, d.articles)

    def fold(self, today: dt.date | None = None) -> int:
        """Write the chats changed since the last fold into the store in one batch, drop
        days older than ``keep_days``, and delete the journals the store now holds.
        Returns how many chat documents were written."""
        with self._fold_lock:
            cutoff = ((today or self.today()) - dt.timedelta(days=self.keep_days)).isoformat()
            with self._lock:  # quick: take the changes and start a new journal
                dirty, self._dirty = self._dirty, set()
                for chat_id in dirty:
                    days = self._days.get(chat_id, {})
                    for day in [d for d in days if d < cutoff]:
                        del days[day]
                snapshot = {c: [d.to_record() for d in self._days.get(c, {}).values()] for c in dirty}
                folded = [p for p in self._journals() if self._gen(p) <= self._generation]
            try:
                with self._lock:
                    if self._fd is not None:
                        os.fsync(self._fd)
                        os.close(self._fd)
                        self._fd = None
                        self._open_journal()
                self._write(snapshot)
            except BaseException:
                with self._lock:
                    self._dirty |= dirty  # try again at the next fold; the old journals stay
                    if self._fd is None:
                        self._open_journal()
                raise
            for path in folded:
                path.unlink(missing_ok=True)
            return len(snapshot)

    def _write(self, snapshot: dict[int, list[dict[str, Any]]]) -> None:
        if self._store_generation != self.store.generation:  # the store re-read its file after a failed write
            self._load_table()
        docs = {
            chat_id: {"chat_id": chat_id,
                      "days": {r["day"]: {k: r[k] for k in ("state", "at", "articles")} for r in records}}
            for chat_id, records in snapshot.items()
        }
        self.store.put_documents("deliveries", docs.values())
        self._store_generation = self.store.generation

    def close(self) -> None:
        self.fold()
        with self._lock:
            if self._fd is not None:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None
