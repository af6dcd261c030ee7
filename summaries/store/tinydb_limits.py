"""What a TinyDB store cannot do: share work between processes (the file has one writer)
or claim digests in the database. Each method of those capabilities raises
:class:`~summaries.store.errors.NotSupported` saying what to do instead; callers ask
``store.capabilities`` first."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager as ContextManager
from typing import NoReturn

from newsbrief.summaries.store.capabilities import (
    CLAIMS_NEED_POSTGRES,
    WORKERS_NEED_POSTGRES,
    DeliveryClaims,
    WorkQueue,
)
from newsbrief.summaries.store.errors import NotSupported
from newsbrief.summaries.store.records import (
    DeliveryRow,
    ExtractedRecord,
    IndexState,
    SummaryRecord,
    WorkDone,
    WorkStatus,
)

__all__ = ["SingleProcess"]


def _no_workers() -> NoReturn:
    raise NotSupported(WORKERS_NEED_POSTGRES)


def _no_claims() -> NoReturn:
    raise NotSupported(CLAIMS_NEED_POSTGRES)


class SingleProcess(WorkQueue, DeliveryClaims):
    """The work queue and delivery claims of a store that one process writes: none."""

    def worker_seen(self, worker_id: str, host: str, pid: int, processed: int) -> None:
        _no_workers()

    def try_lock(self, key: int) -> ContextManager[bool]:
        _no_workers()

    def start_job(self, job: str, worker_id: str) -> int:
        _no_workers()

    def finish_job(self, run_id: int, ok: bool, detail: str) -> None:
        _no_workers()

    def record_failed_job(self, job: str, worker_id: str, detail: str) -> None:
        _no_workers()

    def schedule_due(self, job: str, every_seconds: float) -> bool:
        _no_workers()

    def mark_scheduled(self, job: str) -> None:
        _no_workers()

    def claim_work(self, worker_id: str, key: str, n: int, lease: float) -> list[str]:
        _no_workers()

    def finish_work(
        self,
        worker_id: str,
        ids: Sequence[str],
        summaries: Sequence[SummaryRecord],
        extracted: dict[str, ExtractedRecord],
    ) -> set[str]:
        _no_workers()

    def lock_data_version(self) -> int:
        _no_workers()

    def data_version(self) -> int:
        _no_workers()

    def unindexed_work(self, limit: int) -> list[WorkDone]:
        _no_workers()

    def mark_indexed(self, row_ids: Sequence[int]) -> None:
        _no_workers()

    def unindexed_count(self) -> int:
        _no_workers()

    def savepoint(self) -> ContextManager[None]:
        _no_workers()

    def index_state(self, worker_id: str, takeover: float) -> IndexState:
        _no_workers()

    def workers_seen(self, within: float, *, exclude_prefix: str = "") -> int:
        _no_workers()

    def work_status(self, recent_minutes: int) -> WorkStatus:
        _no_workers()

    def reload_derived(self, version: int | None = None) -> None:
        _no_workers()

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
        _no_claims()

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
        _no_claims()

    def release_delivery(self, chat_id: int, day: str, state: str, holder: str) -> bool:
        _no_claims()

    def delivery_rows(self, chat_id: int | None = None, *, since: str = "") -> list[DeliveryRow]:
        _no_claims()

    def prune_deliveries(self, before: str) -> int:
        _no_claims()
