"""The delivery log: which chat got its digest for which day, and with which stories.

Digests must go out exactly once per chat and day, across restarts and crashes, at up
to Telegram's 30 messages a second. Rewriting the whole TinyDB file for every delivery
cannot keep up, so deliveries are first appended to the store's delivery journal (TinyDB
keeps it beside its file, :meth:`NewsStore.delivery_journal`: one ``write`` per entry on
an ``O_APPEND`` descriptor survives the process being killed; an fsync a second makes it
survive power loss too), and folded into the store's
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

Before composing a digest the bot *claims* its (chat, day) (:meth:`DeliveryLog.claim`):
in one process, so that two runs of the same digest (a catch-up and the daily job) never
both send it. On PostgreSQL (:class:`DatabaseDeliveryLog`, chosen by :func:`open_deliveries`)
the claim is a row in the shared ``deliveries`` table, so exactly once holds across every
bot process sharing the database, and a bot restarted mid-wave: the row is written
``claimed`` with this process as its holder and a lease; it becomes ``sending`` right
before the first request leaves, only if this process still holds it, and then as on
TinyDB: ``sending`` after a crash is in doubt and not sent again. A ``claimed`` row whose
holder died before sending (nothing left) is claimed again once its lease runs out, so
the digest is not lost. Every state change is one row written at once (no journal: the
database is the durable record, shared by every process).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from newsbrief.summaries.store import NewsStore
from newsbrief.summaries.store.records import DeliveryRecord, Document

__all__ = [
    "DeliveryLog",
    "DatabaseDeliveryLog",
    "Deliveries",
    "Delivery",
    "ClaimLost",
    "open_deliveries",
    "CLAIMED",
    "SENDING",
    "SENT",
    "SKIPPED",
    "FAILED",
    "RETRY",
    "DONE",
    "CLAIM_LEASE",
]

log = logging.getLogger(__name__)

SENDING = "sending"
SENT = "sent"
SKIPPED = "skipped"  # nothing new to send that day
FAILED = "failed"  # given up (the chat blocked the bot)
RETRY = "retry"  # failed for now; tried again later (not done)
CLAIMED = "claimed"  # PostgreSQL: a bot process is composing it; nothing sent yet (not done)
DONE = (SENDING, SENT, SKIPPED, FAILED)
CLAIM_LEASE = 120.0  # seconds a claim holds before another process may take it (its holder died)


class ClaimLost(RuntimeError):
    """The claim on a digest ran out and another process took it: this one must not send."""


@dataclass
class Delivery:
    chat_id: int
    day: str  # the chat's local date the digest is for
    state: str
    at: str = ""
    articles: list[str] = field(default_factory=list)

    def to_record(self) -> DeliveryRecord:
        return {"chat_id": self.chat_id, "day": self.day, "state": self.state, "at": self.at, "articles": self.articles}

    @classmethod
    def now(cls, chat_id: int, day: str, state: str, articles: list[str] | None = None) -> Delivery:
        """A state change happening now (stamped in UTC)."""
        return cls(chat_id, day, state, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), list(articles or []))


class Deliveries:
    """What both delivery logs share: deliveries by chat and day in memory, and the claims
    this process holds on digests it is delivering."""

    lease = CLAIM_LEASE

    def __init__(self, keep_days: int, today: Callable[[], dt.date]) -> None:
        self.keep_days = keep_days
        self.today = today
        self._days: dict[int, dict[str, Delivery]] = {}
        self._claims: set[tuple[int, str]] = set()  # (chat, day) being delivered by this process
        self._claims_lock = threading.Lock()

    def move_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its delivery history moves to the new id."""
        raise NotImplementedError

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

    # -- claims ----------------------------------------------------------------------

    def _claim_here(self, chat_id: int, day: str) -> bool:
        with self._claims_lock:
            if (chat_id, day) in self._claims or self.done(chat_id, day):
                return False
            self._claims.add((chat_id, day))
            return True

    def _unclaim_here(self, chat_id: int, day: str) -> bool:
        with self._claims_lock:
            if (chat_id, day) in self._claims:
                self._claims.discard((chat_id, day))
                return True
            return False

    def claim(self, chat_id: int, day: str) -> bool:
        """Take the right to deliver this digest (True), unless it is done or being
        delivered already. End it with a state (:meth:`mark`) or :meth:`release`."""
        return self._claim_here(chat_id, day)

    def start_sending(self, chat_id: int, day: str, articles: list[str]) -> None:
        """Right before the digest's first request leaves: it is ``sending`` from now on."""
        self.mark(chat_id, day, SENDING, articles)

    def release(self, chat_id: int, day: str) -> None:
        """Give up a claim that ended without a state (an error before anything was sent):
        the digest can be claimed again."""
        self._unclaim_here(chat_id, day)

    def mark(self, chat_id: int, day: str, state: str, articles: list[str] | None = None) -> None:
        raise NotImplementedError


def open_deliveries(
    store: NewsStore, *, keep_days: int = 7, today: Callable[[], dt.date] = dt.date.today, lease: float = CLAIM_LEASE
) -> Deliveries:
    """The delivery log for this store: claimed in the database on PostgreSQL (shared by
    every bot process), journaled next to the file on TinyDB."""
    if store.capabilities.shared_deliveries:
        return DatabaseDeliveryLog(store, keep_days=keep_days, today=today, lease=lease)
    return DeliveryLog(store, keep_days=keep_days, today=today)


class DeliveryLog(Deliveries):
    """Deliveries by chat and day, journaled for speed and folded into the store."""

    def __init__(self, store: NewsStore, *, keep_days: int = 7, today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__(keep_days, today)
        self.store = store
        self.journal = store.delivery_journal()  # NotSupported on a store without one
        self._lock = threading.Lock()  # memory and the journal
        self._fold_lock = threading.Lock()  # one fold at a time
        self._dirty: set[int] = set()
        self._load_table()
        replayed = 0
        for record in self.journal.replay():
            try:
                self._remember(Delivery(**record))
                replayed += 1
            except TypeError:
                log.warning("ignoring a torn delivery journal entry: %r", str(record)[:80])
        if replayed:
            log.info("replayed %d delivery journal entries", replayed)
        for d in self.deliveries():
            if d.state == SENDING:
                log.warning(
                    "digest for chat %s on %s may have been interrupted while sending; not sending it again",
                    d.chat_id,
                    d.day,
                )
        self.journal.open()
        self.fold()

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

    # -- updates ---------------------------------------------------------------------

    def mark(self, chat_id: int, day: str, state: str, articles: list[str] | None = None) -> None:
        """Record a state change; durable against a process kill when this returns."""
        d = Delivery.now(chat_id, day, state, articles)
        with self._lock:
            self.journal.append(d.to_record())
            self._remember(d)
        if state != SENDING:
            self._unclaim_here(chat_id, day)

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
            try:
                with self._lock:
                    folded = self.journal.rotate()  # the journals up to this one are in the snapshot
                self._write(snapshot)
            except BaseException:
                with self._lock:
                    self._dirty |= dirty  # try again at the next fold; the old journals stay
                    self.journal.reopen()
                raise
            self.journal.drop(folded)
            return len(snapshot)

    def _write(self, snapshot: dict[int, list[DeliveryRecord]]) -> None:
        if self._store_generation != self.store.generation:  # the store re-read its file after a failed write
            self._load_table()
        docs: dict[int, Document] = {
            chat_id: {
                "chat_id": chat_id,
                "days": {r["day"]: {k: r[k] for k in ("state", "at", "articles")} for r in records},
            }
            for chat_id, records in snapshot.items()
        }
        self.store.put_documents("deliveries", docs.values())
        self._store_generation = self.store.generation

    def close(self) -> None:
        self.fold()
        with self._lock:
            self.journal.close()


def _age_seconds(stamp: str) -> float:
    try:
        at = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return float("inf")
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return (dt.datetime.now(dt.UTC) - at).total_seconds()


class DatabaseDeliveryLog(Deliveries):
    """The delivery log on PostgreSQL: every (chat, day) is a row of the shared
    ``deliveries`` table, claimed by one bot process before it composes the digest (see
    the module docstring). Memory holds the kept days, read at start-up and again for a
    chat when this process claims one of its digests."""

    def __init__(
        self,
        store: NewsStore,
        *,
        keep_days: int = 7,
        today: Callable[[], dt.date] = dt.date.today,
        lease: float = CLAIM_LEASE,
        holder: str | None = None,
    ) -> None:
        super().__init__(keep_days, today)
        self.store = store
        self.lease = lease
        self.holder = holder or f"bot:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        for chat_id, day, state, at, articles in store.delivery_rows(since=self._cutoff()):
            self._days.setdefault(chat_id, {})[day] = Delivery(chat_id, day, state, at, list(articles))
        for d in self.deliveries():
            if d.state == SENDING and _age_seconds(d.at) > self.lease:
                log.warning(
                    "digest for chat %s on %s may have been interrupted while sending; not sending it again",
                    d.chat_id,
                    d.day,
                )

    def _cutoff(self, today: dt.date | None = None) -> str:
        return ((today or self.today()) - dt.timedelta(days=self.keep_days)).isoformat()

    def _refresh(self, chat_id: int) -> None:
        rows = self.store.delivery_rows(chat_id, since=self._cutoff())
        self._days[chat_id] = {
            day: Delivery(chat_id, day, state, at, list(articles)) for _, day, state, at, articles in rows
        }

    def claim(self, chat_id: int, day: str) -> bool:
        """Claim this digest in the database (True for one process only): free if no
        process recorded it, if it is to be tried again, or if the claim of a process that
        died before sending ran out. Reads the chat's current deliveries either way (what
        other processes sent it counts)."""
        if not self._claim_here(chat_id, day):
            return False
        try:
            got = self.store.claim_delivery(chat_id, day, CLAIMED, holder=self.holder, lease=self.lease, free=(RETRY,))
            self._refresh(chat_id)
        except BaseException:
            self._unclaim_here(chat_id, day)
            raise
        if not got:
            self._unclaim_here(chat_id, day)
        return got

    def start_sending(self, chat_id: int, day: str, articles: list[str]) -> None:
        """``claimed`` -> ``sending``, only while this process holds the claim; raises
        :class:`ClaimLost` (nothing sent, nothing changed) if another process took it."""
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if not self.store.mark_delivery(
            chat_id, day, SENDING, at=at, articles=articles, holder=self.holder, claimed=CLAIMED
        ):
            self._unclaim_here(chat_id, day)
            raise ClaimLost(f"the claim on the digest for chat {chat_id} on {day} ran out and another process took it")
        self._days.setdefault(chat_id, {})[day] = Delivery(chat_id, day, SENDING, at, list(articles))

    def mark(self, chat_id: int, day: str, state: str, articles: list[str] | None = None) -> None:
        """Record a state change (one row, written at once); ends this process's claim."""
        d = Delivery.now(chat_id, day, state, articles)
        self.store.mark_delivery(chat_id, day, state, at=d.at, articles=d.articles)
        self._days.setdefault(chat_id, {})[day] = d
        if state != SENDING:
            self._unclaim_here(chat_id, day)

    def release(self, chat_id: int, day: str) -> None:
        """Give up a claim without a state: its row goes, and any process may claim it."""
        if self._unclaim_here(chat_id, day) and self.state(chat_id, day) == CLAIMED:
            self.store.release_delivery(chat_id, day, CLAIMED, self.holder)
            self._days.get(chat_id, {}).pop(day, None)

    def move_chat(self, old_id: int, new_id: int) -> None:
        """A migrated group keeps its history under the new id."""
        for d in self.deliveries(old_id):
            self.mark(new_id, d.day, d.state, d.articles)

    def fold(self, today: dt.date | None = None) -> int:
        """Forget days older than ``keep_days`` (the rows are written as they change:
        there is nothing to fold). Returns how many rows went."""
        cutoff = self._cutoff(today)
        for days in self._days.values():
            for day in [d for d in days if d < cutoff]:
                del days[day]
        return self.store.prune_deliveries(cutoff)

    def close(self) -> None:
        """Nothing to flush: every change is in the database already."""
