"""The capabilities a store declares besides articles, summaries, stories and documents:
the work queue of workers, delivery claims or the delivery journal, and what
``newsbrief status`` shows. :class:`~summaries.store.base.NewsStore` inherits every one of
them, so a caller never probes a store for attributes: it asks
:attr:`~summaries.store.base.NewsStore.capabilities` what this backend supports, and a
method the backend cannot provide raises :class:`~summaries.store.errors.NotSupported`
with a message saying what to do: the work queue and delivery claims are PostgreSQL's
(the defaults here refuse, and TinyDB keeps them), the delivery journal is TinyDB's.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from pathlib import Path

from newsbrief.summaries.store.errors import NotSupported
from newsbrief.summaries.store.records import (
    DeliveryRecord,
    DeliveryRow,
    ExtractedRecord,
    IndexState,
    SummaryRecord,
    WorkDone,
    WorkStatus,
)

__all__ = [
    "Capabilities",
    "WorkQueue",
    "DeliveryClaims",
    "DeliveryJournal",
    "JournalFiles",
    "StoreStatus",
    "WORKERS_NEED_POSTGRES",
    "CLAIMS_NEED_POSTGRES",
    "JOURNAL_IS_TINYDBS",
]

WORKERS_NEED_POSTGRES = (
    'workers need PostgreSQL: set [storage] url = "postgresql://..." '
    "(or $NEWSBRIEF_DATABASE_URL); on TinyDB `newsbrief run` does all the work in one process"
)
JOURNAL_IS_TINYDBS = (
    "this store records deliveries as rows, not in a journal: use claim_delivery, "
    "mark_delivery and release_delivery (store.capabilities.shared_deliveries)"
)
CLAIMS_NEED_POSTGRES = (
    "delivery claims shared across processes need PostgreSQL: set [storage] url; "
    "on TinyDB the bot journals deliveries (NewsStore.delivery_journal)"
)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond the core interface."""

    workers: bool = False  # the work queue (WorkQueue): several processes share the pipeline
    shared_deliveries: bool = False  # delivery claims in the database (DeliveryClaims), across processes
    delivery_journal: bool = False  # a journal file beside the database (delivery_journal)


class WorkQueue:
    """The pipeline's work shared by worker processes (:mod:`summaries.pipeline.worker`):
    claims with a lease, results kept only for claims still held, the workers seen, job
    runs, the fetch schedule, exclusive locks across processes, and the index's bookkeeping."""

    def worker_seen(self, worker_id: str, host: str, pid: int, processed: int) -> None:
        """Record that a worker is alive (and how many articles it processed)."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def try_lock(self, key: int) -> ContextManager[bool]:
        """An exclusive lock across processes for the block, if free (True: this one has it)."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def start_job(self, job: str, worker_id: str) -> int:
        """Record a job run starting; returns its id for :meth:`finish_job`."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def finish_job(self, run_id: int, ok: bool, detail: str) -> None:
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def record_failed_job(self, job: str, worker_id: str, detail: str) -> None:
        """Record a job run that failed (in the current batch)."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def schedule_due(self, job: str, every_seconds: float) -> bool:
        """Whether ``job`` last ran at least ``every_seconds`` ago (or never)."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def mark_scheduled(self, job: str) -> None:
        """``job`` ran now."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def claim_work(self, worker_id: str, key: str, n: int, lease: float) -> list[str]:
        """Claim up to ``n`` articles without a current summary (made with summarizer
        ``key``) that no live claim holds, for ``lease`` seconds; two callers never get
        the same article."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def finish_work(
        self,
        worker_id: str,
        ids: Sequence[str],
        summaries: Sequence[SummaryRecord],
        extracted: dict[str, ExtractedRecord],
    ) -> set[str]:
        """In one transaction: end this worker's claims on ``ids``, and store the
        summaries (and the extracted entities, for the summaries that did not fail) of
        the claims it still held; returns those article ids."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def lock_data_version(self) -> int:
        """Lock the derived tables' version for the current batch; returns it."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def data_version(self) -> int:
        """The derived tables' version (grows with every change to them)."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def unindexed_work(self, limit: int) -> list[WorkDone]:
        """Summarized work whose entities are not merged into the index yet, oldest first."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def mark_indexed(self, row_ids: Sequence[int]) -> None:
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def unindexed_count(self) -> int:
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def savepoint(self) -> ContextManager[None]:
        """Inside a batch: if the block raises, only its own writes are undone."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def index_state(self, worker_id: str, takeover: float) -> IndexState:
        """What decides whether ``worker_id`` should run the index now."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def workers_seen(self, within: float, *, exclude_prefix: str = "") -> int:
        """Workers seen in the last ``within`` seconds (ids starting ``exclude_prefix`` left out)."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def work_status(self, recent_minutes: int) -> WorkStatus:
        """Claims held, workers seen recently, the last job runs and the failed ones."""
        raise NotSupported(WORKERS_NEED_POSTGRES)

    def reload_derived(self, version: int | None = None) -> None:
        """Make this process's in-memory indexes reload (another process changed the data)."""
        raise NotSupported(WORKERS_NEED_POSTGRES)


class DeliveryClaims:
    """Digests claimed in the database, exactly once across every bot process."""

    def claim_delivery(
        self,
        chat_id: int,
        day: str,
        state: str = "sending",
        *,
        holder: str = "",
        lease: float | None = None,
        free: Sequence[str] = (),
    ) -> bool:
        raise NotSupported(CLAIMS_NEED_POSTGRES)

    def mark_delivery(
        self,
        chat_id: int,
        day: str,
        state: str,
        *,
        at: str = "",
        articles: Sequence[str] = (),
        holder: str | None = None,
        claimed: str | None = None,
    ) -> bool:
        raise NotSupported(CLAIMS_NEED_POSTGRES)

    def release_delivery(self, chat_id: int, day: str, state: str, holder: str) -> bool:
        raise NotSupported(CLAIMS_NEED_POSTGRES)

    def delivery_rows(self, chat_id: int | None = None, *, since: str = "") -> list[DeliveryRow]:
        raise NotSupported(CLAIMS_NEED_POSTGRES)

    def prune_deliveries(self, before: str) -> int:
        raise NotSupported(CLAIMS_NEED_POSTGRES)


class JournalFiles(abc.ABC):
    """An append-only journal of deliveries kept beside the database, in generations: the
    bot appends to the current one, then folds them into the store and drops them."""

    @abc.abstractmethod
    def replay(self) -> list[DeliveryRecord]:
        """Every entry of every journal left, oldest first (torn lines skipped)."""

    @abc.abstractmethod
    def open(self) -> None:
        """Start a new journal to append to (the next generation)."""

    @abc.abstractmethod
    def reopen(self) -> None:
        """After a failed :meth:`rotate`: a journal open again to append to."""

    @abc.abstractmethod
    def append(self, record: DeliveryRecord) -> None:
        """Add an entry; durable against a process kill when this returns."""

    @abc.abstractmethod
    def rotate(self) -> int:
        """Make the current journal durable and start a new one; returns the generation
        of the last journal closed (what a fold may drop once the store holds it)."""

    @abc.abstractmethod
    def drop(self, upto: int) -> None:
        """Delete the journals of generations up to ``upto``."""

    @abc.abstractmethod
    def files(self) -> list[Path]: ...

    @abc.abstractmethod
    def close(self) -> None:
        """Make the current journal durable and close it (nothing is dropped)."""


class DeliveryJournal:
    """A store that keeps a delivery journal beside its file (TinyDB)."""

    def delivery_journal(self) -> JournalFiles:
        raise NotSupported(JOURNAL_IS_TINYDBS)


class StoreStatus(abc.ABC):
    """What ``newsbrief status`` shows of a store."""

    backend: str = ""
    capabilities: Capabilities = Capabilities()

    @abc.abstractmethod
    def location(self) -> str:
        """Where the data is (a file path, or a URL without its password)."""

    @abc.abstractmethod
    def schema_version(self) -> int: ...

    @abc.abstractmethod
    def table_counts(self) -> dict[str, int]:
        """Records per table."""

    @abc.abstractmethod
    def pending_summaries(self, key: str) -> int:
        """Articles without a current summary made with summarizer ``key`` (claimed or not)."""

    @abc.abstractmethod
    def database_size(self) -> int | None:
        """Bytes the data takes (None: not known)."""
