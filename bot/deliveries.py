"""The delivery log: which chat got its digest for which day, and with which stories.

Digests must go out exactly once per chat and day, across restarts and crashes, at up
to Telegram's 30 messages a second. Rewriting the whole TinyDB file for every delivery
cannot keep up, so deliveries are first appended to a journal next to the database (one
``write`` per entry on an ``O_APPEND`` descriptor: it survives the process being killed;
an fsync a second makes it survive power loss too), and folded into the store's
``deliveries`` table in one batch at start-up, at shutdown and every few minutes.
Replaying the journal is idempotent, so a crash while folding loses nothing.

A digest is marked ``sending`` right before its first request leaves (after the rate
limiter let it through) and ``sent`` when Telegram accepted it. A digest found
``sending`` after a crash may or may not have arrived; it is not sent again (no
duplicates), and this is logged.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summaries.store import Store

__all__ = ["DeliveryLog", "Delivery"]

log = logging.getLogger(__name__)

SENDING = "sending"
SENT = "sent"
SKIPPED = "skipped"  # nothing new to send that day
FAILED = "failed"  # gave up (chat blocked the bot, too many errors)
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
    """Deliveries by (chat, day), journaled for speed and folded into the store."""

    def __init__(self, store: Store, journal: Path | None = None) -> None:
        self.store = store
        self.journal = journal or store.path.with_name(store.path.name + ".deliveries.jsonl")
        self._lock = threading.Lock()
        self._by_key: dict[tuple[int, str], Delivery] = {}
        self._doc_ids: dict[tuple[int, str], int] = {}
        self._sent_articles: dict[int, set[str]] = {}
        self._last_sync = 0.0
        self._load_table()
        replayed = self._replay()
        if replayed:
            log.info("replayed %d delivery journal entries", replayed)
        for d in self._by_key.values():
            if d.state == SENDING:
                log.warning("digest for chat %s on %s may have been interrupted while sending; "
                            "not sending it again", d.chat_id, d.day)
        self.fold()
        self._fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _load_table(self) -> None:
        """Read the deliveries table (what is in memory already, from the journal, stays)."""
        with self.store.lock:
            self._db = self.store.db
            self._doc_ids.clear()
            for doc in self.store.table("deliveries"):
                d = Delivery(**{k: doc[k] for k in ("chat_id", "day", "state", "at", "articles") if k in doc})
                self._doc_ids[(d.chat_id, d.day)] = doc.doc_id
                if (d.chat_id, d.day) not in self._by_key:
                    self._remember(d)

    def _remember(self, d: Delivery) -> None:
        self._by_key[(d.chat_id, d.day)] = d
        if d.articles and d.state in (SENDING, SENT):
            self._sent_articles.setdefault(d.chat_id, set()).update(d.articles)

    def _replay(self) -> int:
        try:
            lines = self.journal.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return 0
        count = 0
        for line in lines:
            try:
                entry = json.loads(line)
                self._remember(Delivery(**entry))
                count += 1
            except (ValueError, TypeError):
                log.warning("ignoring a torn delivery journal line: %r", line[:80])
        return count

    # -- queries -------------------------------------------------------------------

    def state(self, chat_id: int, day: str) -> str | None:
        d = self._by_key.get((chat_id, day))
        return d.state if d else None

    def done(self, chat_id: int, day: str) -> bool:
        """True if that day's digest was sent, skipped, given up on, or possibly sent."""
        return self.state(chat_id, day) in DONE

    def sent_articles(self, chat_id: int) -> set[str]:
        return set(self._sent_articles.get(chat_id, ()))

    def deliveries(self, chat_id: int | None = None) -> list[Delivery]:
        return [d for d in self._by_key.values() if chat_id is None or d.chat_id == chat_id]

    # -- updates -------------------------------------------------------------------

    def mark(self, chat_id: int, day: str, state: str, articles: list[str] | None = None) -> None:
        """Record a state change; durable against a process kill when this returns."""
        d = Delivery(chat_id=chat_id, day=day, state=state,
                     at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), articles=list(articles or []))
        line = (json.dumps(d.to_record(), separators=(",", ":")) + "\n").encode()
        with self._lock:
            os.write(self._fd, line)
            self._remember(d)
            now = time.monotonic()
            if now - self._last_sync > 1.0:
                os.fsync(self._fd)
                self._last_sync = now

    def move_chat(self, old_id: int, new_id: int) -> None:
        """A migrated group keeps its history under the new id."""
        for d in [d for d in self._by_key.values() if d.chat_id == old_id]:
            self.mark(new_id, d.day, d.state, d.articles)

    def fold(self) -> int:
        """Write journaled deliveries into the store's table in one batch, then empty the
        journal. Returns how many documents were written."""
        with self._lock:
            if self._db is not self.store.db:  # the store re-read its file after a failed write
                self._load_table()
            records = dict(self._by_key)
            with self.store.batch():
                table = self.store.table("deliveries")
                updates = {k: d for k, d in records.items() if k in self._doc_ids}
                inserts = [d for k, d in records.items() if k not in self._doc_ids]
                changed: dict[tuple[int, str], dict[str, Any]] = {}
                for key, d in updates.items():
                    current = table.get(doc_id=self._doc_ids[key])
                    if current is None or current.get("state") != d.state or current.get("articles") != d.articles:
                        changed[key] = d.to_record()
                if changed:
                    table.update(lambda doc: doc.update(changed[(doc["chat_id"], doc["day"])]),
                                 doc_ids=[self._doc_ids[k] for k in changed])
                if inserts:
                    for d, doc_id in zip(inserts, table.insert_multiple(d.to_record() for d in inserts)):
                        self._doc_ids[(d.chat_id, d.day)] = doc_id
            # the store file now holds everything: the journal can start again
            fd = getattr(self, "_fd", None)
            if fd is not None:
                os.ftruncate(fd, 0)
            else:
                with open(self.journal, "w", encoding="utf-8"):
                    pass
            return len(changed) + len(inserts)

    def close(self) -> None:
        self.fold()
        with self._lock:
            os.fsync(self._fd)
            os.close(self._fd)
